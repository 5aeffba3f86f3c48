"""A simple, fast matcher by position, area and shape (Hungarian assignment).

The first matcher of the pipeline and the fallback of the others: no learned features, only
geometry normalised to the drawing's extent, solved as a linear assignment with SciPy and
completed many-to-one so every target component gets a color.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

from paintmatch.match import Frame, Matching
from paintmatch.segment import Segmentation

__all__ = ["SimpleMatcher", "shape_descriptors", "geometry_cost", "complete_many_to_one", "assign"]


def _drawing_extent(seg: Segmentation) -> tuple[np.ndarray, float]:
    """Centre (x, y) and diagonal of the box around the line pixels: positions are measured in it."""
    line = seg.line
    rows, cols = np.flatnonzero(line.any(axis=1)), np.flatnonzero(line.any(axis=0))
    if rows.size == 0:
        h, w = seg.shape
        return np.array([w / 2.0, h / 2.0]), float(np.hypot(w, h))
    x0, x1, y0, y1 = cols[0], cols[-1], rows[0], rows[-1]
    centre = np.array([(x0 + x1) / 2.0, (y0 + y1) / 2.0])
    return centre, float(max(np.hypot(x1 - x0, y1 - y0), 1.0))


def shape_descriptors(frame: Frame) -> dict[str, np.ndarray]:
    """Geometry of every component, cached in ``frame.cache["shape"]``.

    Returns
    -------
    dict with
        ``pos`` : (n, 2) float64, centroid relative to the drawing's centre, in drawing diagonals;
        ``log_area`` : (n,) float64, log of the area as a share of the drawing's box;
        ``hu`` : (n, 7) float64, log-scaled Hu moments (rotation/scale invariant shape);
        ``aspect`` : (n,) float64, log of bbox width / height;
        ``border`` : (n,) bool, component touches the image border (background candidates).
    """
    if "shape" in frame.cache:
        return frame.cache["shape"]
    seg = frame.seg
    centre, diagonal = _drawing_extent(seg)
    pos = (seg.centroids - centre) / diagonal
    log_area = np.log(np.maximum(seg.areas, 1) / diagonal**2)
    hu = np.zeros((seg.n, 7))
    labels = seg.labels
    for i, (x, y, w, h) in enumerate(seg.bboxes):  # one loop per component, not per pixel
        mask = (labels[y : y + h, x : x + w] == i).astype(np.uint8)
        moments = cv2.HuMoments(cv2.moments(mask, binaryImage=True)).ravel()
        hu[i] = -np.sign(moments) * np.log10(np.abs(moments) + 1e-30)
    hu = np.clip(hu, -30, 30)
    aspect = np.log(np.maximum(seg.bboxes[:, 2], 1) / np.maximum(seg.bboxes[:, 3], 1))
    height, width = seg.shape
    x, y, w, h = seg.bboxes.T
    border = (x == 0) | (y == 0) | (x + w >= width) | (y + h >= height)
    result = {"pos": pos, "log_area": log_area, "hu": hu, "aspect": aspect, "border": border}
    frame.cache["shape"] = result
    return result


def geometry_cost(
    reference: Frame,
    target: Frame,
    *,
    w_pos: float = 4.0,
    w_area: float = 0.6,
    w_shape: float = 0.08,
    w_trace: float = 0.3,
) -> np.ndarray:
    """(n_t, n_r) float64 cost of matching each target component to each reference component.

    ``w_pos * |dp| + w_area * |d log area| + w_shape * |d hu[:2]| + w_trace * (trace sides differ)``,
    positions in drawing diagonals. Lower is better; about 0 for a perfect match.
    """
    t, r = shape_descriptors(target), shape_descriptors(reference)
    d_pos = np.linalg.norm(t["pos"][:, None, :] - r["pos"][None, :, :], axis=2)
    d_area = np.abs(t["log_area"][:, None] - r["log_area"][None, :])
    d_shape = np.abs(t["hu"][:, None, :2] - r["hu"][None, :, :2]).sum(axis=2)
    trace_t = target.seg.trace_sides[:, None]
    trace_r = reference.seg.trace_sides[None, :]
    d_trace = (trace_t != trace_r).astype(np.float64)
    cost = w_pos * d_pos + w_area * d_area + w_shape * d_shape + w_trace * d_trace
    if reference.colors is None:
        raise ValueError("reference frame has no colors: pass a colored (painted) frame as reference")
    # The background (border-touching, transparent in the reference) only matches itself.
    ref_bg = (reference.colors[:, 3] == 0) & r["border"]
    cost[np.ix_(~t["border"], ref_bg)] += 10.0
    return cost


def complete_many_to_one(cost: np.ndarray, assigned: np.ndarray, *, slack: float = 0.25) -> np.ndarray:
    """Give every target a reference: keep one-to-one assignments unless a clearly cheaper one exists.

    Parameters
    ----------
    cost : (n_t, n_r) ndarray of float64
    assigned : (n_t,) ndarray of int
        One-to-one assignment, ``-1`` where none.
    slack : float
        A target keeps its one-to-one match unless its best match is cheaper by more than this
        (regions split between frames, so several targets may share one reference).

    Returns
    -------
    (n_t,) ndarray of int32: a reference index for every target.
    """
    best = cost.argmin(axis=1)
    rows = np.arange(cost.shape[0])
    result = np.where(assigned >= 0, assigned, best)
    keep_cost = cost[rows, np.maximum(result, 0)]
    switch = keep_cost > cost[rows, best] + slack
    result[switch] = best[switch]
    return result.astype(np.int32)


def confidence_from_cost(cost: np.ndarray, chosen: np.ndarray, *, scale: float = 0.5) -> np.ndarray:
    """(n_t,) float32 in [0, 1]: low cost and a clear margin over the runner-up give high confidence."""
    rows = np.arange(cost.shape[0])
    chosen_cost = cost[rows, chosen]
    if cost.shape[1] > 1:
        masked = cost.copy()
        masked[rows, chosen] = np.inf
        runner_up = masked.min(axis=1)
        margin = np.clip(runner_up - chosen_cost, 0, None)
    else:
        margin = np.full(cost.shape[0], scale)
    value = np.exp(-chosen_cost / scale) * (1 - np.exp(-margin / (0.5 * scale)))
    return np.clip(value, 0, 1).astype(np.float32)


def assign(cost: np.ndarray, *, slack: float = 0.25) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hungarian assignment on ``cost`` (SciPy), completed many-to-one.

    Returns
    -------
    chosen : (n_t,) ndarray of int32
        Reference component per target component (every one assigned).
    confidence : (n_t,) ndarray of float32
        ``confidence_from_cost`` of the choice.
    stage : (n_t,) ndarray of uint8
        0 where the one-to-one assignment was kept, 2 where completion chose (``Matching.STAGES``).
    """
    rows, cols = linear_sum_assignment(cost)
    assigned = np.full(cost.shape[0], -1, dtype=np.int64)
    assigned[rows] = cols
    chosen = complete_many_to_one(cost, assigned, slack=slack)
    stage = np.where(assigned == chosen, 0, 2).astype(np.uint8)
    return chosen, confidence_from_cost(cost, chosen), stage


@dataclass
class SimpleMatcher:
    """Hungarian assignment on a position / area / shape cost, completed many-to-one.

    Parameters
    ----------
    w_pos, w_area, w_shape, w_trace : float
        Weights of ``geometry_cost``.
    slack : float
        See ``complete_many_to_one``.

    Examples
    --------
    >>> from paintmatch.match import get_matcher
    >>> get_matcher("simple").name
    'simple'
    """

    w_pos: float = 4.0
    w_area: float = 0.6
    w_shape: float = 0.08
    w_trace: float = 0.3
    slack: float = 0.25
    name: str = "simple"

    def match(self, reference: Frame, target: Frame) -> Matching:
        """Match every target component; see ``Matcher``."""
        if reference.colors is None:
            raise ValueError("reference frame has no colors: pass a colored (painted) frame as reference")
        cost = geometry_cost(
            reference, target, w_pos=self.w_pos, w_area=self.w_area, w_shape=self.w_shape, w_trace=self.w_trace
        )
        chosen, confidence, stage = assign(cost, slack=self.slack)
        return Matching.from_indices(chosen, reference.colors, confidence, stage)
