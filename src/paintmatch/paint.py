"""Paint matched colors onto a frame's pixels: fills, line handling, layers and the JSON sidecar."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from paintmatch.match import Frame, Matching
from paintmatch.segment import LineClass

__all__ = ["LINE_MODES", "FramePaint", "paint", "sidecar", "color_hex"]

LINE_MODES = ("keep", "recolor")


@dataclass
class FramePaint:
    """A painted frame.

    Attributes
    ----------
    image : (H, W, 4) ndarray of uint8
        The result: paint with the lines on top (as drawn, or trace lines recolored).
    paint_layer : (H, W, 4) ndarray of uint8
        Paint only, filled under the lines too (each line pixel takes its nearest component's color,
        and so does each gap-closure pixel, which is no line in the output).
    line_layer : (H, W, 4) ndarray of uint8
        The lines only, transparent elsewhere (as drawn, or recolored).
    """

    image: np.ndarray
    paint_layer: np.ndarray
    line_layer: np.ndarray


def _recolor_trace_lines(frame: Frame, colors: np.ndarray, line_layer: np.ndarray) -> None:
    """Give trace-line pixels the color of the darker adjacent region (OpenToonz autopaint's rule).

    Done with one grey-scale erosion over a key that packs (luminance, color index), so the
    minimum in each pixel's 7x7 neighbourhood is the darkest neighbouring region's color.
    """
    seg = frame.seg
    trace = np.isin(seg.line_class, LineClass.TRACE)
    if not trace.any():
        return
    luminance = colors[:, :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    luminance[colors[:, 3] == 0] = 255.0  # never take the transparent background's color
    n = colors.shape[0]
    # float32 holds integers exactly up to 2**24: luminance (0..255) * 2**15 + index (< 2**15).
    index_bits = 1 << 15
    comp = seg.labels
    key = np.full(comp.shape, np.float32(2**24), dtype=np.float32)
    inside = comp >= 0
    if n < index_bits:
        key[inside] = np.floor(luminance[comp[inside]]) * index_bits + comp[inside]
    darkest = cv2.erode(key, np.ones((7, 7), np.uint8))
    found = trace & (darkest < 2**24)
    chosen = (darkest[found].astype(np.int64) % index_bits) if n < index_bits else seg.expanded_labels()[found]
    line_layer[found] = colors[chosen]
    missing = trace & ~found  # trace lines wider than the window: nearest region
    if missing.any():
        line_layer[missing] = colors[seg.expanded_labels()[missing]]


def paint(frame: Frame, matching_or_colors: Matching | np.ndarray, *, line_mode: str = "keep") -> FramePaint:
    """Fill every component of ``frame`` with its color.

    Parameters
    ----------
    frame : Frame
        The segmented line frame.
    matching_or_colors : Matching or (n, 4) ndarray of uint8
        Colors per component.
    line_mode : {"keep", "recolor"}
        ``keep``: lines as drawn. ``recolor``: trace lines take the darker adjacent region's color,
        main lines stay as drawn.

    Returns
    -------
    FramePaint
        The composited image and the paint and line layers.
    """
    if line_mode not in LINE_MODES:
        raise ValueError(f"line_mode must be one of {LINE_MODES}; got {line_mode!r}")
    colors = matching_or_colors.colors if isinstance(matching_or_colors, Matching) else matching_or_colors
    colors = np.asarray(colors, dtype=np.uint8)
    if colors.shape != (frame.n, 4):
        raise ValueError(f"colors must have shape ({frame.n}, 4); got {colors.shape}")
    seg = frame.seg
    height, width = seg.shape
    # Gather 4-byte pixels at once: colors viewed as uint32, one take over the label image.
    packed = np.ascontiguousarray(colors).view(np.uint32).ravel()
    if frame.n:
        paint_layer = np.take(packed, seg.expanded_labels()).view(np.uint8).reshape(height, width, 4)
    else:
        paint_layer = np.zeros((height, width, 4), np.uint8)
    on_line = np.flatnonzero(seg.labels.ravel() < 0)  # line pixels, flat indices
    # Gap closures are walls for the components only: their pixels keep the paint of the nearest
    # component (a region they close) and never show as a line.
    on_line = on_line[seg.line_class.ravel()[on_line] != LineClass.CLOSURE]
    line_flat = np.ascontiguousarray(frame.line).reshape(-1, 4)
    line_layer = np.zeros((height, width, 4), np.uint8)
    line_layer.reshape(-1, 4)[on_line] = line_flat[on_line]
    if line_mode == "recolor":
        _recolor_trace_lines(frame, colors, line_layer)
    image = paint_layer.copy()
    # Lines over paint ("over" compositing with the line's own alpha, for antialiased ink).
    ink = line_layer.reshape(-1, 4)[on_line]
    under = paint_layer.reshape(-1, 4)[on_line]
    alpha = ink[:, 3:4].astype(np.float32) / 255.0
    blended = np.empty_like(ink)
    blended[:, :3] = np.round(ink[:, :3] * alpha + under[:, :3] * (1.0 - alpha)).astype(np.uint8)
    blended[:, 3] = np.maximum(ink[:, 3], under[:, 3])
    image.reshape(-1, 4)[on_line] = blended
    return FramePaint(image=image, paint_layer=paint_layer, line_layer=line_layer)


def color_hex(rgba) -> str:
    """RGBA (4 ints) -> ``#rrggbbaa``, as sidecars and the web API write colors."""
    return "#" + "".join(f"{int(c):02x}" for c in rgba)


def sidecar(frame: Frame, matching: Matching, *, reference_name: str = "") -> dict[str, Any]:
    """JSON-ready record of a painted frame: per component its color, reference match and confidence.

    ``closures`` lists the gap-closing strokes ``[x0, y0, x1, y1]`` that segmentation drew
    (``Segmentation.closure_segments``): the same lists, given back to ``segment`` as
    ``removed_closures`` / ``extra_closures``, are how review edits them. Per component, ``flagged``
    says whether review should check it (``paintmatch.review.review_flags``: exactly what the review page
    marks) and ``seed`` is one pixel ``[x, y]`` inside it, for tools that refill regions by point.
    """
    from paintmatch.review import review_flags, seed_points

    seg = frame.seg
    flagged = review_flags(seg, matching)
    seeds = seed_points(seg)
    return {
        "frame": frame.name,
        "reference": reference_name,
        "width": int(seg.shape[1]),
        "height": int(seg.shape[0]),
        "closures": np.asarray(seg.closure_segments, dtype=np.int64).reshape(-1, 4).tolist(),
        "components": [
            {
                "id": i,
                "color": color_hex(matching.colors[i]),
                "reference_component": int(matching.ref_index[i]),
                "confidence": round(float(matching.confidence[i]), 4),
                "stage": Matching.STAGES.get(int(matching.stage[i]), "unknown"),
                "area": int(seg.areas[i]),
                "centroid": [round(float(v), 1) for v in seg.centroids[i]],
                "flagged": bool(flagged[i]),
                "seed": [int(seeds[i, 0]), int(seeds[i, 1])],
            }
            for i in range(seg.n)
        ],
    }
