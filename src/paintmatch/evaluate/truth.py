"""Ground truth of a cut: the true color of every pixel, from ``seg/`` or from ``gt/``.

``seg/<name>.png`` + ``seg/<name>.json`` is the PaintBucket-Character format: segment id per pixel
as the 24-bit number ``R << 16 | G << 8 | B`` (0 on lines; on a 4-channel image, transparent pixels
are -1), and a JSON object ``{"<id>": [r, g, b, a], ...}`` with the color of every segment. Where a
frame has no ``seg/`` truth, its colored frame ``gt/<name>.png`` is the truth.

Scoring reads the truth's own regions (``paintmatch.evaluate.regions``), never a method's segmentation.
``truth_colors`` (the majority true color inside each component of a segmentation) stays for tools that
need a truth per component, e.g. training data and the drift benchmark's per-component analysis.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

from paintmatch.errors import InputError
from paintmatch.segment import Segmentation, reference_colors

__all__ = [
    "LINE_COLOR",
    "FrameTruth",
    "read_seg_labels",
    "read_id_map",
    "read_seg_colors",
    "render_seg",
    "read_truth",
    "truth_colors",
]

#: Color given to segment id 0 (the lines) in a rendered ``seg/`` truth, as BasicPBC does.
LINE_COLOR = (0, 0, 0, 255)


@dataclass
class FrameTruth:
    """The true colors of one frame.

    Attributes
    ----------
    name : str
        Frame name.
    image : (H, W, 4) ndarray of uint8
        True RGBA per pixel (lines: ``LINE_COLOR`` when read from ``seg/``).
    source : {"seg", "gt"}
        Where it was read from.
    """

    name: str
    image: np.ndarray
    source: str


def read_seg_labels(path: str | Path) -> np.ndarray:
    """Segment ids of a PaintBucket-Character ``seg/`` PNG (``read_id_map``)."""
    return read_id_map(path, kind="segment truth")


def read_id_map(path: str | Path, *, kind: str = "id map") -> np.ndarray:
    """Region ids of an id-map PNG: a ``seg/`` truth or a synthetic cut's ``label/`` map.

    Parameters
    ----------
    path : str or Path
        RGB(A) PNG with the id as ``R << 16 | G << 8 | B``, or a grey / 16-bit PNG holding the id.
    kind : str
        What the file is, for error messages.

    Returns
    -------
    (H, W) ndarray of int64
        Segment id per pixel; 0 on lines, -1 where a 4-channel image is transparent.

    Raises
    ------
    InputError
        If the file cannot be read as an image.
    """
    path = Path(path)
    try:
        with Image.open(path) as image:
            mode = image.mode
            array = np.array(image)
    except (OSError, ValueError, SyntaxError) as error:
        raise InputError(f"cannot read the {kind} {path}: {error}; write it again as a PNG") from None
    if mode in ("RGB", "RGBA"):
        a = array.astype(np.int64)
        labels = a[..., 0] << 16 | a[..., 1] << 8 | a[..., 2]
        if mode == "RGBA":
            labels[array[..., 3] == 0] = -1
        return labels
    if array.ndim == 2:
        return array.astype(np.int64)
    raise InputError(
        f"{kind} {path} has image mode {mode}; expected RGB/RGBA ids (R*65536 + G*256 + B) or a grey id map"
    )


def read_seg_colors(path: str | Path) -> dict[int, tuple[int, int, int, int]]:
    """The ``{"<id>": [r, g, b, a]}`` colors of a ``seg/`` JSON file, as ``{id: (r, g, b, a)}``.

    RGB triples get alpha 255.

    Raises
    ------
    InputError
        If the file is not JSON of that shape.
    """
    path = Path(path)
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise InputError(f"cannot read the segment colors {path}: {error}") from None
    if not isinstance(raw, dict):
        raise InputError(f"{path} must hold a JSON object {{\"<segment id>\": [r, g, b, a], ...}}")
    colors: dict[int, tuple[int, int, int, int]] = {}
    for key, value in raw.items():
        if not (str(key).lstrip("-").isdigit() and isinstance(value, list) and len(value) in (3, 4)):
            raise InputError(f"{path}: entry {key!r}: {value!r} is not '<segment id>': [r, g, b(, a)]")
        rgba = [int(v) for v in value] + ([255] if len(value) == 3 else [])
        colors[int(key)] = tuple(rgba)  # type: ignore[assignment]
    return colors


def render_seg(labels: np.ndarray, colors: dict[int, tuple[int, int, int, int]], *, where: str = "seg") -> np.ndarray:
    """Paint a segment id map with its colors.

    Parameters
    ----------
    labels : (H, W) ndarray of int64
        Segment ids (0 = line, -1 = transparent/outside).
    colors : dict of int to (4,) tuple of int
        Color per segment id.
    where : str
        Name of the truth, for error messages.

    Returns
    -------
    (H, W, 4) ndarray of uint8
        True color per pixel; lines ``LINE_COLOR``, id -1 transparent.

    Raises
    ------
    InputError
        If a segment id of the map has no color.
    """
    ids = np.unique(labels)
    table_ids = np.asarray(sorted(set(colors) | {0, -1}), dtype=np.int64)
    missing = np.setdiff1d(ids, table_ids)
    if missing.size:
        raise InputError(
            f"{where}: segment ids {missing[:10].tolist()} of the PNG have no color in the JSON; "
            "write a color for every segment"
        )
    table = np.zeros((table_ids.size, 4), np.uint8)
    for i, key in enumerate(table_ids.tolist()):  # one loop per segment, not per pixel
        table[i] = colors.get(key, LINE_COLOR if key == 0 else (0, 0, 0, 0))
    return table[np.searchsorted(table_ids, labels)]


def read_truth(cut_dir: str | Path, name: str) -> FrameTruth | None:
    """The truth of frame ``name`` of a cut: ``seg/`` (PNG + JSON) if present, else ``gt/``, else None."""
    from paintmatch.io import read_image

    root = Path(cut_dir)
    seg_png, seg_json = root / "seg" / f"{name}.png", root / "seg" / f"{name}.json"
    if seg_png.is_file() and seg_json.is_file():
        labels = read_seg_labels(seg_png)
        image = render_seg(labels, read_seg_colors(seg_json), where=str(seg_png))
        return FrameTruth(name=name, image=image, source="seg")
    for suffix in (".png", ".tga", ".PNG", ".TGA"):
        gt = root / "gt" / f"{name}{suffix}"
        if gt.is_file():
            return FrameTruth(name=name, image=read_image(gt, painted=True), source="gt")
    return None


def truth_colors(truth: np.ndarray, seg: Segmentation) -> np.ndarray:
    """(n, 4) uint8: the true color of each component of ``seg`` (majority of ``truth`` inside it).

    Raises
    ------
    InputError
        If the truth image and the segmentation differ in size.
    """
    return reference_colors(truth, seg)
