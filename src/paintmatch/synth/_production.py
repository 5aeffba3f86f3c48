"""Production-like frames: line art as cleanup leaves it and painted frames as paint software exports them.

One drawing is rendered once with antialiased cleanup-style lines (``render_frame(production=True)``);
that gap-free drawing is what the painter closed, and its segmentation is the truth (the painter's
regions). The published line art is the same drawing with 2-6 leaking gaps cut into outlines that
separate two differently painted regions (a head and the background, a sleeve and the torso): each gap
is checked by segmenting the published art without gap closing, so the regions really join. The
painted frame composites the published ink, antialiasing included, over flat paint that every truth
region carries up to where its line would be, so the gaps are invisible in it (the paint stops there)
and the pixels beside every line are ink/paint blends that are no palette color.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy import ndimage

from paintmatch.segment import LineClass, segment
from paintmatch.synth._truth import FrameTruth

__all__ = ["Gap", "LINE_FORMATS", "to_line_format", "open_gaps", "export_paint"]

LINE_FORMATS = ("rgba", "white")
"""Published line-art formats: RGBA on transparency, or opaque RGB on white."""

_GAP_PX = (1.0, 4.0)
"""Gap length range in pixels at ``_REFERENCE_WIDTH`` (scaled with the frame size)."""
_REFERENCE_WIDTH = 1200.0


@dataclass
class Gap:
    """One gap cut into the line art.

    Attributes
    ----------
    center : (2,) ndarray of float64
        (x, y) in pixels.
    regions : tuple of int
        The two truth segments (0-based) it joins.
    length : float
        Its length along the line, pixels.
    leaks : bool
        Whether the published line art, segmented without gap closing, joins the two segments.
    normal : (2,) ndarray of float64
        Unit vector across the line, from the first segment toward the second.
    reach : float
        Half the extent of the erased rectangle across the line, pixels (covers the widest line).
    """

    center: np.ndarray
    regions: tuple[int, int]
    length: float
    leaks: bool = False
    normal: np.ndarray | None = None
    reach: float = 0.0


def to_line_format(line: np.ndarray, line_format: str) -> np.ndarray:
    """(H, W, 4) uint8: RGBA line art as published: unchanged (``rgba``) or composited over white, opaque."""
    if line_format == "rgba":
        return line
    alpha = line[..., 3:4].astype(np.float32) / 255.0
    out = np.empty_like(line)
    out[..., :3] = np.round(line[..., :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    out[..., 3] = 255
    return out


def _candidates(truth: FrameTruth, min_area: int) -> tuple[np.ndarray, np.ndarray]:
    """Midline pixels of main lines between two truth segments of different colors: (k, 2) yx and (k, 2) pairs."""
    seg = truth.seg
    expanded = seg.expanded_labels()
    main = seg.line_class == LineClass.MAIN
    points, pairs = [], []
    for a, b, ma, mb, offset in (
        (expanded[:, :-1], expanded[:, 1:], main[:, :-1], main[:, 1:], (0, 0)),
        (expanded[:-1, :], expanded[1:, :], main[:-1, :], main[1:, :], (0, 0)),
    ):
        where = ma & mb & (a != b) & (a >= 0) & (b >= 0)
        ys, xs = np.nonzero(where)
        points.append(np.stack([ys, xs], axis=1))
        pairs.append(np.sort(np.stack([a[where], b[where]], axis=1), axis=1))
    yx = np.concatenate(points)
    pair = np.concatenate(pairs)
    colors = truth.colors.astype(np.int64)
    differ = (colors[pair[:, 0]] != colors[pair[:, 1]]).any(axis=1)
    big = (seg.areas[pair[:, 0]] >= min_area) & (seg.areas[pair[:, 1]] >= min_area)
    keep = differ & big
    return yx[keep], pair[keep]


def _cut(alpha: np.ndarray, rgb: np.ndarray, gap: Gap) -> None:
    """Erase the ink of a gap: a rectangle ``length`` along the line, across the whole line."""
    n = gap.normal
    t = np.array([-n[1], n[0]])
    c = gap.center
    h = gap.length / 2.0
    corners = np.stack([c + t * h + n * gap.reach, c - t * h + n * gap.reach, c - t * h - n * gap.reach, c + t * h - n * gap.reach])
    mask = np.zeros(alpha.shape, dtype=np.uint8)
    cv2.fillConvexPoly(mask, np.round(corners * 16).astype(np.int32), 1, cv2.LINE_8, 4)
    where = mask > 0
    alpha[where] = 0
    rgb[where] = 0


def open_gaps(line: np.ndarray, truth: FrameTruth, rng: np.random.Generator, *, line_format: str,
              count: int) -> tuple[np.ndarray, list[Gap]]:
    """Cut ``count`` leaking gaps into the outlines of a gap-free drawing.

    Parameters
    ----------
    line : (H, W, 4) ndarray of uint8
        The gap-free RGBA line art.
    truth : FrameTruth
        Its truth (the segmentation of the gap-free art in ``line_format``).
    rng : numpy.random.Generator
    line_format : {"rgba", "white"}
        The published format (the gaps are checked on it).
    count : int
        How many gaps to cut, each on an outline between a different pair of segments.

    Returns
    -------
    line : (H, W, 4) ndarray of uint8
        RGBA line art with the gaps (before ``to_line_format``).
    gaps : list of Gap
        The gaps that leak (at most ``count``; fewer only when the drawing has too few candidates).
    """
    height, width = truth.seg.shape
    scale = width / _REFERENCE_WIDTH
    unit = width / 512.0
    reach = float(np.ceil(3.0 * unit)) + 3.0
    window = int(reach) + 1
    yx, pairs = _candidates(truth, min_area=max(30, int(0.0004 * width * height)))
    gapped = line.copy()
    alpha = gapped[..., 3]
    rgb = gapped[..., :3]
    if len(pairs) == 0:
        return gapped, []
    unique, inverse = np.unique(pairs, axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    areas = truth.seg.areas
    weight = np.sqrt(np.minimum(areas[unique[:, 0]], areas[unique[:, 1]]).astype(np.float64))
    order = rng.choice(len(unique), size=min(len(unique), 4 * count + 8), replace=False, p=weight / weight.sum())
    labels = truth.seg.labels
    max_length = max(2.0, _GAP_PX[1] * scale)

    def propose(pair_index: int) -> Gap | None:
        at = np.flatnonzero(inverse == pair_index)
        a, b = (int(v) for v in unique[pair_index])
        for p in rng.choice(at, size=min(6, len(at)), replace=False):
            y, x = yx[p]
            y0, y1, x0, x1 = max(y - window, 0), min(y + window + 1, height), max(x - window, 0), min(x + window + 1, width)
            box = labels[y0:y1, x0:x1]
            present = set(np.unique(box[box >= 0]).tolist())
            if present != {a, b}:
                continue  # a junction or a thin region nearby: not a plain stretch of outline
            ya, xa = np.nonzero(box == a)
            yb, xb = np.nonzero(box == b)
            normal = np.array([xb.mean() - xa.mean(), yb.mean() - ya.mean()])
            length = float(np.hypot(*normal))
            if length < 1e-6:
                continue
            gap_length = max(1.0, rng.uniform(*_GAP_PX) * scale)
            return Gap(center=np.array([x + 0.5, y + 0.5]), regions=(a, b), length=gap_length,
                       normal=normal / length, reach=reach)
        return None

    accepted: list[Gap] = []
    queue = [int(i) for i in order]
    trial: list[Gap] = []
    for _ in range(4):
        while len(accepted) + len(trial) < count and queue:
            gap = propose(queue.pop(0))
            if gap is not None:
                trial.append(gap)
        if not trial:
            break
        for gap in trial:
            _cut(alpha, rgb, gap)
        published = segment(to_line_format(gapped, line_format)).labels
        retry = []
        for gap in trial:
            a, b = gap.regions
            cx, cy = int(gap.center[0]), int(gap.center[1])
            y0, y1, x0, x1 = max(cy - window, 0), min(cy + window + 1, height), max(cx - window, 0), min(cx + window + 1, width)
            box, now = labels[y0:y1, x0:x1], published[y0:y1, x0:x1]
            side_a = set(np.unique(now[(box == a) & (now >= 0)]).tolist())
            side_b = set(np.unique(now[(box == b) & (now >= 0)]).tolist())
            if side_a & side_b:
                gap.leaks = True
                accepted.append(gap)
            elif gap.length + 1.0 <= max_length:
                gap.length += 1.0  # a diagonal line needs a longer cut to open 4-connected
                retry.append(gap)
        trial = retry
        if len(accepted) >= count:
            break
    return gapped, accepted


def export_paint(published_rgba: np.ndarray, truth: FrameTruth) -> np.ndarray:
    """(H, W, 4) uint8: the painted frame as paint software exports it.

    Every truth segment's flat color runs under the lines up to the line's middle (the painter's fill
    stops where the line would be, also at a gap); the published ink is composited over it with its
    antialiasing, so main lines are black and their edges blend ink and paint. Trace lines take the
    color of the region they bound (as in the clean cuts) and their edges blend it with the paint beside.

    Parameters
    ----------
    published_rgba : (H, W, 4) ndarray of uint8
        The line art with its gaps, RGBA on transparency (ink alpha = coverage).
    truth : FrameTruth
        The gap-free truth (its ``gt`` has the flat colors and the trace-line colors).
    """
    seg = truth.seg
    expanded = seg.expanded_labels()
    paint = truth.colors[np.maximum(expanded, 0)].astype(np.float32)
    trace = seg.line & (seg.line_class != LineClass.MAIN) & (seg.line_class != LineClass.CLOSURE)
    alpha = published_rgba[..., 3].astype(np.float32) / 255.0
    ink_rgb = published_rgba[..., :3]
    is_main = (alpha > 0) & (ink_rgb.max(axis=-1) == 0)
    ink = np.zeros(paint.shape, dtype=np.float32)
    ink[..., 3] = 1.0
    if trace.any():
        # Trace ink (and its antialiased edge) has the color of the region the trace line bounds.
        _, (iy, ix) = ndimage.distance_transform_edt(~trace, return_indices=True)
        trace_color = truth.gt[iy, ix].astype(np.float32)
        colored = (alpha > 0) & ~is_main
        ink[colored] = trace_color[colored]
        ink[colored, 3] = trace_color[colored, 3] / 255.0
        paint[trace] = truth.gt[trace]
    # "over" with premultiplied alpha: ink (color c, coverage a) over paint (color p, opacity q).
    a = alpha[..., None]
    ink_opacity = ink[..., 3:4] * a
    paint_opacity = paint[..., 3:4] / 255.0
    out_opacity = ink_opacity + paint_opacity * (1.0 - ink_opacity)
    premult = ink[..., :3] * ink_opacity + paint[..., :3] * paint_opacity * (1.0 - ink_opacity)
    rgb = np.where(out_opacity > 0, premult / np.maximum(out_opacity, 1e-6), 0.0)
    out = np.empty(paint.shape, dtype=np.uint8)
    out[..., :3] = np.clip(np.round(rgb), 0, 255).astype(np.uint8)
    out[..., 3] = np.clip(np.round(out_opacity[..., 0] * 255.0), 0, 255).astype(np.uint8)
    out[out[..., 3] == 0] = 0
    return out
