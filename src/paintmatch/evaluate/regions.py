"""The truth's regions of a frame, and the score of an output image over them.

Every method is scored on the same regions, those of the truth, from its output image alone: never on
its own segmentation (scored on its own, a head that leaked into the background through a line gap
and came out transparent would count as right, being one component whose majority truth is background).

A truth region is

- a ``seg/`` segment (``CUT/seg/<name>.png`` + ``.json``, the PaintBucket-Character format): every
  segment id > 0 is one region; pixels with id 0 are lines; on a 4-channel PNG, transparent pixels
  (id -1) are background, one region per 4-connected piece;
- or, from ``gt/`` alone, a 4-connected set of non-line pixels of one painted color, so a region the
  painter closed across a line gap (the paint stops at the gap, no line there) is its own region.
  Line pixels are the line mask of the LINE frame (``paintmatch.segment.line_mask``), the pixels
  paintmatch draws its lines over. Paint software exports antialiased ink/paint blends beside the
  lines: such colors are no region's. The *painted colors* of a frame are those found in a flat
  place: at an off-line pixel whose four neighbours are off-line and of the same color (a blend band
  along a line has no such pixel). Off-line pixels of any other color (blends) take the color of the
  nearest painted pixel (Euclidean distance), the paint under the blend, before the regions are formed
  (so a band of blends across a narrow neck does not cut a region in two); they count in their
  region's area and in ``pix_acc`` with its color.

Scoring an output image (RGBA, the input's size) over the regions:

- a region's predicted color is the majority of the output over the region's pixels;
- ``acc`` = share of regions whose predicted color equals the truth; ``acc_thres`` the same over
  regions larger than 10 px; ``pix_acc`` = share of the non-line pixels whose output color equals
  their region's truth (pixel by pixel); ``pix_acc_wobg`` = ``pix_acc`` without the background
  regions (truth alpha 0). Colors compare as RGBA with every fully transparent color equal.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from paintmatch.errors import InputError
from paintmatch.evaluate.metrics import AREA_THRESHOLD, FrameScore, normalize_colors
from paintmatch.rgba import pack_rgba, unpack_rgba

#: Issue 19's acceptance line: no region painted in the truth over this many pixels may come out transparent.
LEAK_AREA = 200

__all__ = [
    "TRUTH_SOURCES",
    "TruthRegions",
    "regions_from_seg",
    "regions_from_gt",
    "read_truth_regions",
    "read_colored",
    "predicted_colors",
    "majority_values",
    "truth_under_components",
    "region_metrics",
    "score_output",
]

#: Where the truth regions of a frame come from: ``auto`` = ``seg/`` when present, else ``gt/``.
TRUTH_SOURCES: tuple[str, ...] = ("auto", "seg", "gt")


@dataclass
class TruthRegions:
    """The truth's regions of one frame.

    Attributes
    ----------
    name : str
        Frame name.
    labels : (H, W) ndarray of int32
        Region index per pixel, ``0..n-1``; -1 on line pixels (not scored).
    colors : (n, 4) ndarray of uint8
        True RGBA per region; background regions are ``(0, 0, 0, 0)``.
    areas : (n,) ndarray of int64
        Pixels per region.
    source : {"seg", "gt"}
        Where the regions were read from.
    image : (H, W, 4) ndarray of uint8
        The truth as a picture (the ``gt/`` frame, or the ``seg/`` colors), for reports.
    """

    name: str
    labels: np.ndarray
    colors: np.ndarray
    areas: np.ndarray
    source: str
    image: np.ndarray

    @property
    def n(self) -> int:
        """Number of regions."""
        return int(self.colors.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        """(H, W) of the frame."""
        return tuple(self.labels.shape)  # type: ignore[return-value]

    @property
    def background(self) -> np.ndarray:
        """(n,) bool: regions whose truth is transparent."""
        return self.colors[:, 3] == 0


def _split_pieces(mask: np.ndarray, first: int, labels: np.ndarray) -> int:
    """Number the 4-connected pieces of ``mask`` ``first, first + 1...`` into ``labels``; returns how many."""
    if not mask.any():
        return 0
    count, pieces = cv2.connectedComponents(mask.astype(np.uint8), connectivity=4, ltype=cv2.CV_32S)
    labels[mask] = pieces[mask] - 1 + first
    return count - 1


def regions_from_seg(
    ids: np.ndarray, colors: dict[int, tuple[int, int, int, int]], *, name: str = "", where: str = "seg"
) -> TruthRegions:
    """Truth regions of a PaintBucket-Character segment map.

    Parameters
    ----------
    ids : (H, W) ndarray of int
        Segment id per pixel (``paintmatch.evaluate.truth.read_seg_labels``): 0 on lines, -1 on the
        transparent pixels of a 4-channel map.
    colors : dict of int to (4,) tuple of int
        Color per segment id (``read_seg_colors``).
    name : str
        Frame name.
    where : str
        Name of the truth, for error messages.

    Returns
    -------
    TruthRegions
        One region per segment id > 0 (in id order), then one per 4-connected piece of id -1
        (transparent).

    Raises
    ------
    InputError
        If a segment id of the map has no color.

    Examples
    --------
    >>> ids = np.array([[1, 0, 2], [1, 0, 2]])
    >>> regions = regions_from_seg(ids, {1: (9, 9, 9, 255), 2: (0, 0, 0, 0)})
    >>> regions.labels.tolist(), regions.areas.tolist()
    ([[0, -1, 1], [0, -1, 1]], [2, 2])
    """
    from paintmatch.evaluate.truth import render_seg

    ids = np.asarray(ids)
    if ids.ndim != 2:
        raise InputError(f"{where}: segment ids must be an (H, W) map; got shape {ids.shape}")
    image = render_seg(ids, colors, where=where)  # checks that every id has a color
    labels = np.full(ids.shape, -1, np.int32)
    segment = ids > 0
    keys, inverse = np.unique(ids[segment], return_inverse=True)
    labels[segment] = inverse.astype(np.int32)
    table = [tuple(colors[int(k)]) for k in keys.tolist()]  # one entry per segment, not per pixel
    extra = _split_pieces(ids == -1, len(table), labels)
    table += [(0, 0, 0, 0)] * extra
    region_colors = normalize_colors(np.asarray(table, np.uint8).reshape(-1, 4))
    areas = np.bincount(labels[labels >= 0], minlength=len(table)).astype(np.int64)
    return TruthRegions(name=name, labels=labels, colors=region_colors, areas=areas, source="seg", image=image)


def _painted_colors(packed: np.ndarray, off_line: np.ndarray) -> np.ndarray:
    """Sorted uint32 keys of the colors found at a flat place (off-line, four equal off-line neighbours)."""
    flat = off_line.copy()
    same_v = (packed[1:] == packed[:-1]) & off_line[1:] & off_line[:-1]
    same_h = (packed[:, 1:] == packed[:, :-1]) & off_line[:, 1:] & off_line[:, :-1]
    flat[1:] &= same_v
    flat[:-1] &= same_v
    flat[:, 1:] &= same_h
    flat[:, :-1] &= same_h
    return np.unique(packed[flat])


def regions_from_gt(gt: np.ndarray, line: np.ndarray, *, name: str = "") -> TruthRegions:
    """Truth regions of a colored frame: 4-connected sets of non-line pixels of one painted color.

    Parameters
    ----------
    gt : (H, W, 4) ndarray of uint8
        The colored frame (``gt/``), antialiased or flat.
    line : (H, W, 4) ndarray of uint8
        Its line art; its line mask (``paintmatch.segment.line_mask``) marks the pixels not scored.
    name : str
        Frame name.

    Returns
    -------
    TruthRegions
        Regions in raster order of their first pixel. Blend pixels (colors found at no flat place,
        see the module docstring) take the color of the nearest painted pixel.

    Raises
    ------
    InputError
        If the two images differ in size.

    Examples
    --------
    >>> gt = np.zeros((5, 9, 4), np.uint8); gt[:, 5:] = (200, 0, 0, 255)
    >>> line = np.zeros((5, 9, 4), np.uint8); line[:, 3, 3] = 255  # a line at x = 3
    >>> regions = regions_from_gt(gt, line)
    >>> regions.n, regions.areas.tolist(), regions.colors[:, 3].tolist()
    (3, [15, 5, 20], [0, 0, 255])
    """
    from scipy import ndimage

    from paintmatch.segment import line_mask

    if gt.shape[:2] != line.shape[:2]:
        raise InputError(
            f"the colored frame {name} is {gt.shape[1]}x{gt.shape[0]} but its line frame is "
            f"{line.shape[1]}x{line.shape[0]}; truth must have the line frame's size"
        )
    on_line, _ = line_mask(line)
    off_line = ~on_line
    packed = pack_rgba(gt)
    packed[gt[..., 3] == 0] = 0
    palette = _painted_colors(packed, off_line)
    if palette.size == 0:  # no flat place at all (a tiny or fully striped frame): every color counts
        palette = np.unique(packed[off_line])
    index = np.searchsorted(palette, packed).clip(0, max(palette.size - 1, 0))
    painted = off_line & (palette[index] == packed) if palette.size else np.zeros_like(off_line)
    # Blends take the color of the nearest painted pixel (the paint under them) before regions are
    # formed, so that a band of blends across a narrow neck does not cut a region in two.
    blends = off_line & ~painted
    if blends.any() and painted.any():
        nearest = ndimage.distance_transform_edt(~painted, return_distances=False, return_indices=True)
        packed[blends] = packed[nearest[0][blends], nearest[1][blends]]
    elif not painted.any():
        off_line = np.zeros_like(off_line)  # nothing painted: no region
    # Same-color 4-connectivity in one pass: pixels at even places of a (2H-1, 2W-1) grid, and the odd
    # places between two neighbours set where both are off-line and of the same color.
    height, width = packed.shape
    grid = np.zeros((2 * height - 1, 2 * width - 1), np.uint8)
    grid[::2, ::2] = off_line
    grid[::2, 1::2] = off_line[:, 1:] & off_line[:, :-1] & (packed[:, 1:] == packed[:, :-1])
    grid[1::2, ::2] = off_line[1:] & off_line[:-1] & (packed[1:] == packed[:-1])
    count, pieces = cv2.connectedComponents(grid, connectivity=4, ltype=cv2.CV_32S)
    labels = (pieces[::2, ::2] - 1).astype(np.int32)
    n = count - 1
    colors = np.zeros((n, 4), np.uint8)
    colors[labels[off_line]] = unpack_rgba(packed[off_line])
    labels[~off_line] = -1
    areas = np.bincount(labels[labels >= 0], minlength=n).astype(np.int64)
    return TruthRegions(name=name, labels=labels, colors=normalize_colors(colors), areas=areas, source="gt", image=gt)


def _gt_path(root: Path, name: str) -> Path | None:
    for suffix in (".png", ".tga", ".tif", ".tiff", ".PNG", ".TGA", ".TIF", ".TIFF"):
        path = root / "gt" / f"{name}{suffix}"
        if path.is_file():
            return path
    return None


def read_colored(cut_dir: str | Path, name: str) -> np.ndarray | None:
    """The colored frame of ``name`` to color a cut from: ``gt/<name>``, else the ``seg/`` colors, else None."""
    from paintmatch.evaluate.truth import read_seg_colors, read_seg_labels, render_seg
    from paintmatch.io import read_image

    root = Path(cut_dir)
    gt = _gt_path(root, name)
    if gt is not None:
        return read_image(gt, painted=True)
    seg_png, seg_json = root / "seg" / f"{name}.png", root / "seg" / f"{name}.json"
    if seg_png.is_file() and seg_json.is_file():
        return render_seg(read_seg_labels(seg_png), read_seg_colors(seg_json), where=str(seg_png))
    return None


def read_truth_regions(cut_dir: str | Path, name: str, line: np.ndarray, *, source: str = "auto") -> TruthRegions | None:
    """The truth regions of frame ``name`` of a cut.

    Parameters
    ----------
    cut_dir : str or Path
        The cut folder.
    name : str
        Frame name.
    line : (H, W, 4) ndarray of uint8
        The frame's line art (its line mask marks the unscored pixels of a ``gt/`` truth).
    source : {"auto", "seg", "gt"}
        ``auto``: ``seg/<name>.png`` + ``.json`` when both exist, else ``gt/<name>``; ``seg`` or
        ``gt``: that one only.

    Returns
    -------
    TruthRegions or None
        None if the frame has no truth of that kind.

    Raises
    ------
    InputError
        If ``source`` is unknown, a truth file cannot be read, or its size is not the line frame's.
    """
    from paintmatch.evaluate.truth import read_seg_colors, read_seg_labels
    from paintmatch.io import read_image

    if source not in TRUTH_SOURCES:
        raise InputError(f"truth source must be one of {', '.join(TRUTH_SOURCES)}; got {source!r}")
    root = Path(cut_dir)
    seg_png, seg_json = root / "seg" / f"{name}.png", root / "seg" / f"{name}.json"
    if source in ("auto", "seg") and seg_png.is_file() and seg_json.is_file():
        ids = read_seg_labels(seg_png)
        _check_size(ids.shape, line, root, name, "seg")
        return regions_from_seg(ids, read_seg_colors(seg_json), name=name, where=str(seg_png))
    gt = _gt_path(root, name) if source in ("auto", "gt") else None
    if gt is None:
        return None
    image = read_image(gt, painted=True)
    _check_size(image.shape, line, root, name, "gt")
    return regions_from_gt(image, line, name=name)


def _check_size(shape: tuple[int, ...], line: np.ndarray, root: Path, name: str, source: str) -> None:
    if tuple(shape[:2]) != tuple(line.shape[:2]):
        raise InputError(
            f"{root}: the {source}/ truth of frame {name} is {shape[1]}x{shape[0]} but its line frame is "
            f"{line.shape[1]}x{line.shape[0]}; truth must have the line frame's size"
        )


def predicted_colors(output: np.ndarray, regions: TruthRegions) -> np.ndarray:
    """(n, 4) uint8: the majority color of ``output`` over each truth region (transparent as ``(0, 0, 0, 0)``).

    Parameters
    ----------
    output : (H, W, 4) ndarray of uint8
        A method's output image.
    regions : TruthRegions

    Raises
    ------
    InputError
        If the output and the truth differ in size.
    """
    packed, labels = _check_output(output, regions)
    inside = labels >= 0
    return unpack_rgba(majority_values(labels[inside], packed[inside], regions.n))


def _check_output(output: np.ndarray, regions: TruthRegions) -> tuple[np.ndarray, np.ndarray]:
    output = np.asarray(output)
    if output.ndim != 3 or output.shape[2] != 4 or output.dtype != np.uint8:
        raise InputError(f"the output of frame {regions.name} must be an (H, W, 4) uint8 RGBA image; got "
                         f"{output.dtype} {output.shape}")
    if output.shape[:2] != regions.shape:
        raise InputError(
            f"the output of frame {regions.name} is {output.shape[1]}x{output.shape[0]} but its truth is "
            f"{regions.shape[1]}x{regions.shape[0]}"
        )
    packed = pack_rgba(output)
    packed[output[..., 3] == 0] = 0
    return packed, regions.labels


def truth_under_components(labels: np.ndarray, n: int, regions: TruthRegions) -> np.ndarray:
    """(n,) uint32: the packed true color (``pack_rgba``) most frequent under each of a method's own components.

    ``labels``: (H, W) int32 component per pixel, -1 on lines (``Segmentation.labels``); pixels on the truth's lines
    are not counted; 0 for a component with no counted pixel.
    """
    packed = np.where(regions.labels >= 0, pack_rgba(regions.colors)[np.maximum(regions.labels, 0)], 0)
    inside = (labels >= 0) & (regions.labels >= 0)
    return majority_values(labels[inside], packed[inside].astype(np.uint32), n)


def majority_values(region: np.ndarray, value: np.ndarray, n: int) -> np.ndarray:
    """(n,) uint32: the most frequent ``value`` per region index ``0..n-1`` (0 for an empty region)."""
    result = np.zeros(n, np.uint32)
    if n == 0 or region.size == 0:
        return result
    keys, inverse = np.unique(value, return_inverse=True)
    inverse = inverse.ravel()
    k = keys.size
    if n * k <= 20_000_000:
        counts = np.bincount(region.astype(np.int64) * k + inverse, minlength=n * k).reshape(n, k)
        present = counts.max(axis=1) > 0
        result[present] = keys[counts.argmax(axis=1)[present]]
        return result
    pair, counts = np.unique(region.astype(np.int64) * k + inverse, return_counts=True)
    which, color = np.divmod(pair, k)
    order = np.lexsort((-counts, which))
    first = np.r_[True, which[order][1:] != which[order][:-1]]
    result[which[order][first]] = keys[color[order][first]]
    return result


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator > 0 else math.nan


def region_metrics(
    output: np.ndarray, regions: TruthRegions, *, threshold: int = AREA_THRESHOLD
) -> tuple[dict[str, float], np.ndarray]:
    """The four metrics of an output image over the truth's regions.

    Parameters
    ----------
    output : (H, W, 4) ndarray of uint8
        A method's output (any method: only the image is read).
    regions : TruthRegions
        The truth (``read_truth_regions``, ``regions_from_gt``, ``regions_from_seg``).
    threshold : int, optional
        ``acc_thres`` counts the regions with ``area > threshold``.

    Returns
    -------
    metrics : dict of str to float
        ``acc``, ``acc_thres``, ``pix_acc``, ``pix_acc_wobg`` in [0, 1]; NaN where nothing counts.
    correct : (n,) ndarray of bool
        Regions whose predicted color (majority of the output) equals the truth.

    Raises
    ------
    InputError
        If the output is not an RGBA image of the truth's size.

    Examples
    --------
    >>> ids = np.array([[1, 1, 0, 2, 2]])
    >>> regions = regions_from_seg(ids, {1: (0, 0, 0, 0), 2: (9, 9, 9, 255)})
    >>> output = np.zeros((1, 5, 4), np.uint8)  # all transparent: region 2 is wrong
    >>> metrics, correct = region_metrics(output, regions)
    >>> metrics["acc"], metrics["pix_acc"], metrics["pix_acc_wobg"], correct.tolist()
    (0.5, 0.5, 0.0, [True, False])
    """
    packed, labels = _check_output(output, regions)
    inside = labels >= 0
    region = labels[inside]
    value = packed[inside]
    predicted = majority_values(region, value, regions.n)
    truth = pack_rgba(regions.colors)
    correct = predicted == truth
    pixel_ok = value == truth[region]
    foreground = ~regions.background[region]
    big = regions.areas > threshold
    metrics = {
        "acc": _ratio(correct.sum(), correct.size),
        "acc_thres": _ratio((correct & big).sum(), big.sum()),
        "pix_acc": _ratio(pixel_ok.sum(), pixel_ok.size),
        "pix_acc_wobg": _ratio((pixel_ok & foreground).sum(), foreground.sum()),
    }
    return metrics, correct


def score_output(
    name: str,
    output: np.ndarray,
    regions: TruthRegions,
    *,
    seconds: float = 0.0,
    threshold: int = AREA_THRESHOLD,
) -> tuple[FrameScore, np.ndarray]:
    """``region_metrics`` of one frame as a ``FrameScore`` (regions scored, wrong regions, time).

    Returns
    -------
    FrameScore
        ``components`` counts the truth's regions, ``wrong`` those with a wrong predicted color.
    wrong : (n,) ndarray of bool
        The wrong regions (index into ``regions.labels``), e.g. for ``report.error_overlay``.
    """
    metrics, correct = region_metrics(output, regions, threshold=threshold)
    leaked = leaked_regions(output, regions)
    score = FrameScore(
        name=name, seconds=float(seconds), components=int(correct.size), wrong=int((~correct).sum()),
        leaked=int(leaked.sum()), **metrics,
    )
    return score, ~correct


def leaked_regions(output: np.ndarray, regions: TruthRegions, *, min_area: int = LEAK_AREA) -> np.ndarray:
    """(n,) bool: truth regions over ``min_area`` px, painted in the truth, whose predicted color is transparent.

    A region enclosed by an outline with a gap leaks into the background: a method that does not close the
    gap paints it transparent. Issue 19's acceptance: none over 200 px on the production-like suite.

    Examples
    --------
    >>> ids = np.zeros((1, 300), np.int64); ids[0, 100:] = 1
    >>> regions = regions_from_seg(ids + 1, {1: (0, 0, 0, 0), 2: (9, 9, 9, 255)})
    >>> leaked_regions(np.zeros((1, 300, 4), np.uint8), regions).tolist()
    [False, False]
    >>> leaked_regions(np.zeros((1, 300, 4), np.uint8), regions, min_area=150).tolist()
    [False, True]
    """
    packed, labels = _check_output(output, regions)
    inside = labels >= 0
    predicted = majority_values(labels[inside], packed[inside], regions.n)
    transparent = (predicted & 0xFF) == 0  # pack_rgba keeps alpha in the low byte
    return (regions.areas > min_area) & ~regions.background & transparent
