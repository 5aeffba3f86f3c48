"""Ground truth of one frame from its line art and a paint map, and writing it in the cut layout.

Shared by the synthetic generator and the deformation benchmarks: both know, for every pixel, which
flat color (and which part of the drawing) is under the line art. The truth of a *component* (a
region that ``paintmatch.segment.segment`` finds in the line art) is the majority paint and the
majority part over its pixels, so every component has exactly one color by construction, whatever
gaps or antialiasing did to the lines.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from paintmatch.io import write_image, write_json
from paintmatch.segment import LineClass, Segmentation, segment

__all__ = ["FrameTruth", "build_truth", "write_truth_frame", "encode_ids", "LINE_RGB"]

LINE_RGB = {
    LineClass.MAIN: (0, 0, 0),
    LineClass.RED: (255, 0, 0),
    LineClass.BLUE: (0, 0, 255),
}
"""RGB of the ink of each line class written by the generators (black main lines, red and blue trace lines)."""


@dataclass
class FrameTruth:
    """Everything known about one frame.

    Attributes
    ----------
    seg : Segmentation
        Components of the frame's line art (``paintmatch.segment.segment``).
    colors : (n, 4) ndarray of uint8
        Truth RGBA per component; ``(0, 0, 0, 0)`` for background components.
    parts : (n,) ndarray of int64
        Part (region identity) id per component, the same id in every frame of a cut for the same part
        of the drawing; ``-1`` for background components.
    gt : (H, W, 4) ndarray of uint8
        The colored frame: each component's color, main lines black, trace lines the color of the paint
        under them (the shadow or highlight region they bound), background ``(0, 0, 0, 0)``.
    """

    seg: Segmentation
    colors: np.ndarray
    parts: np.ndarray
    gt: np.ndarray


def _majority(component: np.ndarray, value: np.ndarray, n: int, k: int) -> np.ndarray:
    """(n,) int64: most frequent ``value`` (in ``0..k-1``) per component ``0..n-1``."""
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    if n * k <= 20_000_000:
        counts = np.bincount(component * k + value, minlength=n * k).reshape(n, k)
        return counts.argmax(axis=1).astype(np.int64)
    keys = component.astype(np.int64) * k + value
    unique, counts = np.unique(keys, return_counts=True)
    comp, val = np.divmod(unique, k)
    order = np.lexsort((-counts, comp))
    first = np.r_[True, comp[order][1:] != comp[order][:-1]]
    result = np.zeros(n, dtype=np.int64)
    result[comp[order][first]] = val[order][first]
    return result


def build_truth(
    line: np.ndarray,
    paint: np.ndarray,
    palette: np.ndarray,
    parts: np.ndarray,
    part_ids: np.ndarray,
) -> FrameTruth:
    """Segment a line-art frame and give each component its majority paint color and part.

    Parameters
    ----------
    line : (H, W, 4) ndarray of uint8
        The line art (RGBA, transparent background).
    paint : (H, W) ndarray of int32
        Index into ``palette`` of the flat color under every pixel, lines included (the color the region
        or trace line would have if the ink were lifted).
    palette : (K, 4) ndarray of uint8
        RGBA colors; fully transparent entries are background.
    parts : (H, W) ndarray of int32
        Index into ``part_ids`` of the part under every pixel.
    part_ids : (P,) ndarray of int64
        Part identity per index (``-1`` for background).

    Returns
    -------
    FrameTruth
        Components, their colors and parts, and the colored frame.
    """
    seg = segment(line)
    labels = seg.labels
    inside = labels >= 0
    comp = labels[inside].astype(np.int64)
    color_index = _majority(comp, paint[inside].astype(np.int64), seg.n, palette.shape[0])
    part_index = _majority(comp, parts[inside].astype(np.int64), seg.n, part_ids.shape[0])
    colors = palette[color_index].copy()
    colors[colors[:, 3] == 0] = 0
    comp_parts = part_ids[part_index].astype(np.int64)
    comp_parts[colors[:, 3] == 0] = -1

    table = np.concatenate([np.zeros((1, 4), dtype=np.uint8), colors], axis=0)
    gt = table[labels + 1]  # line pixels (-1) get row 0, overwritten below
    line_class = seg.line_class
    main = (line_class == LineClass.MAIN) | (line_class == LineClass.CLOSURE)
    gt[main] = (0, 0, 0, 255)
    trace = seg.line & ~main
    if trace.any():
        under = palette[paint[trace]]
        # A trace line over transparent paint (it can only be at the drawing's edge) takes the color of
        # the nearest component instead.
        expanded = seg.expanded_labels()[trace]
        fallback = colors[np.maximum(expanded, 0)]
        under = np.where(under[:, 3:4] == 0, fallback, under)
        gt[trace] = under
    return FrameTruth(seg=seg, colors=colors, parts=comp_parts, gt=gt)


def encode_ids(ids: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8: non-negative ids as R * 65536 + G * 256 + B (the PaintBucket-Character encoding)."""
    ids = ids.astype(np.int64)
    return np.stack([(ids >> 16) & 255, (ids >> 8) & 255, ids & 255], axis=-1).astype(np.uint8)


def write_truth_frame(cut_dir: str | os.PathLike[str], name: str, line: np.ndarray, truth: FrameTruth, *,
                      line_bits_per_pixel: int | None = None) -> None:
    """Write one frame of a cut: ``line/``, ``gt/``, ``seg/`` (png + json) and ``label/`` (png + json).

    Parameters
    ----------
    cut_dir : str or PathLike
        The cut folder.
    name : str
        Frame name without suffix, e.g. ``"0000"``.
    line : (H, W, 4) ndarray of uint8
        The line art.
    truth : FrameTruth
        From ``build_truth``.
    line_bits_per_pixel : {None, 24}, optional
        24 writes the line art as RGB (opaque art on white); None as RGBA.

    Notes
    -----
    The format is documented in ``paintmatch.synth``.
    """
    cut_dir = Path(cut_dir)
    seg = truth.seg
    labels = seg.labels
    write_image(cut_dir / "line" / f"{name}.png", line, bits_per_pixel=line_bits_per_pixel)
    write_image(cut_dir / "gt" / f"{name}.png", truth.gt)

    seg_rgba = np.dstack([encode_ids(labels + 1), np.full(labels.shape, 255, np.uint8)])
    write_image(cut_dir / "seg" / f"{name}.png", seg_rgba, bits_per_pixel=24)
    write_json(
        cut_dir / "seg" / f"{name}.json",
        {str(i + 1): [int(v) for v in truth.colors[i]] for i in range(seg.n)},
        indent=None,
    )

    # label: part id per pixel (constant over a component), 0 on lines, transparent (-1) on background.
    pixel_part = np.zeros(labels.shape, dtype=np.int64)
    inside = labels >= 0
    pixel_part[inside] = truth.parts[labels[inside]]
    label_rgba = np.dstack([encode_ids(np.maximum(pixel_part, 0)), np.full(labels.shape, 255, np.uint8)])
    label_rgba[pixel_part < 0] = (255, 255, 255, 0)
    write_image(cut_dir / "label" / f"{name}.png", label_rgba)
    write_json(
        cut_dir / "label" / f"{name}.json",
        {str(i + 1): [int(seg.areas[i]), int(truth.parts[i])] for i in range(seg.n)},
        indent=None,
    )
