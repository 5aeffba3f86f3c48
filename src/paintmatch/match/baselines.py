"""Baselines that need no learning: ``overlap`` and ``flow``.

Both paint the reference's components (``reference.colors[reference.seg.labels]``, lines given the
nearest component's color), bring that color map onto the target, and give each target component
the majority color under it.

- ``overlap``: the reference color map at the same position (no motion model).
- ``flow``: the reference color map warped to the target by dense optical flow (OpenCV DIS or
  Farneback) between smoothed renderings of the two line arts: a classical stand-in for the
  flow-warping stage of BasicPBC (Dai et al., CVPR 2024), which uses a learned flow (RAFT).

Components that get no vote (the flow points outside the image) take the color of the nearest
component that did (by centroid). Confidence is the winning color's share of the votes.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import cv2
import numpy as np
from scipy.spatial import cKDTree

from paintmatch.match import Frame, Matching
from paintmatch.rgba import pack_rgba

__all__ = ["OverlapMatcher", "FlowMatcher", "vote", "line_field", "reduced_line_field", "dense_flow", "FLOW_METHODS"]

FLOW_METHODS = ("dis", "dis-fast", "farneback")
_DENSE_PAIRS = 1 << 22  # largest (target x reference) count table built densely (32 MB of int64)


def _check_reference(reference: Frame) -> np.ndarray:
    if reference.colors is None:
        raise ValueError(f"reference frame {reference.name!r} has no colors: only a colored frame can be a reference")
    colors = np.asarray(reference.colors, dtype=np.uint8)
    if colors.shape != (reference.n, 4):
        raise ValueError(f"reference colors must have shape ({reference.n}, 4); got {colors.shape}")
    return colors


def _resize_labels(labels: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Nearest-neighbour resize of an int32 label map to ``shape`` (H, W) (no-op when equal)."""
    if labels.shape == shape:
        return labels
    resized = cv2.resize(labels.astype(np.float32), (shape[1], shape[0]), interpolation=cv2.INTER_NEAREST)
    return resized.astype(np.int32)


def vote(
    target_labels: np.ndarray,
    source: np.ndarray,
    reference_colors: np.ndarray,
    *,
    centroids: np.ndarray,
) -> Matching:
    """Majority reference color per target component.

    Parameters
    ----------
    target_labels : (H, W) ndarray of int32
        Target component per pixel (-1 on lines).
    source : (H, W) ndarray of int32
        Reference component seen at each target pixel (-1: none, e.g. warped from outside).
    reference_colors : (n_r, 4) ndarray of uint8
        Color of each reference component.
    centroids : (n_t, 2) ndarray of float64
        Target centroids (x, y), to give components with no vote their nearest voted neighbour's color.

    Returns
    -------
    Matching
        ``ref_index``: the reference component with the most pixels of the winning color under the
        target component; ``confidence``: the winning color's share of the component's votes (0 for
        components that got no vote: ``stage`` 2, fallback).

    Notes
    -----
    Vectorised: pairs (target, reference component) are counted with ``np.unique`` over packed
    int64 keys, then summed per (target, color); no loop over pixels or components.
    """
    n_t = int(centroids.shape[0])
    n_r = int(reference_colors.shape[0])
    ref_index = np.full(n_t, -1, np.int32)
    confidence = np.zeros(n_t, np.float32)
    stage = np.full(n_t, 2, np.uint8)
    if n_t == 0:
        return Matching(ref_index, np.zeros((0, 4), np.uint8), confidence, stage)
    if n_r == 0:
        raise ValueError("the reference frame has no components: nothing to take colors from")
    _, color_of_ref = np.unique(pack_rgba(reference_colors), return_inverse=True)
    color_of_ref = color_of_ref.ravel()
    n_c = int(color_of_ref.max()) + 1

    valid = (target_labels >= 0) & (source >= 0)
    t = target_labels[valid].astype(np.int64)
    r = source[valid].astype(np.int64)
    keys = t * n_r + r
    if n_t * n_r <= _DENSE_PAIRS:  # a dense count table is faster than sorting the pixels
        dense = np.bincount(keys, minlength=n_t * n_r)
        pair_keys = np.flatnonzero(dense)
        pair_counts = dense[pair_keys]
    else:
        pair_keys, pair_counts = np.unique(keys, return_counts=True)
    pair_t, pair_r = pair_keys // n_r, pair_keys % n_r
    pair_c = color_of_ref[pair_r]
    # Votes per (target, color).
    tc_keys, tc_inverse = np.unique(pair_t * n_c + pair_c, return_inverse=True)
    tc_counts = np.bincount(tc_inverse.ravel(), weights=pair_counts)
    tc_t, tc_c = tc_keys // n_c, tc_keys % n_c
    order = np.lexsort((tc_counts, tc_t))
    last = np.r_[tc_t[order][1:] != tc_t[order][:-1], True] if order.size else np.zeros(0, bool)
    winner = order[last]
    voted = tc_t[winner]
    best_color = np.full(n_t, -1, np.int64)
    best_color[voted] = tc_c[winner]
    totals = np.bincount(pair_t, weights=pair_counts, minlength=n_t)
    confidence[voted] = (tc_counts[winner] / totals[voted]).astype(np.float32)
    stage[voted] = 0
    # The reference component of the winning color with the most pixels under the target component.
    of_winner = pair_c == best_color[pair_t]
    wt, wr, wn = pair_t[of_winner], pair_r[of_winner], pair_counts[of_winner]
    order = np.lexsort((wn, wt))
    last = np.r_[wt[order][1:] != wt[order][:-1], True] if order.size else np.zeros(0, bool)
    ref_index[wt[order][last]] = wr[order][last]

    missing = np.flatnonzero(ref_index < 0)
    if missing.size:
        has = np.flatnonzero(ref_index >= 0)
        if has.size:
            _, nearest = cKDTree(centroids[has]).query(centroids[missing])
            ref_index[missing] = ref_index[has[np.atleast_1d(nearest)]]
        else:  # no vote anywhere (nothing overlaps): no information, take the first reference component
            ref_index[missing] = 0
    return Matching(ref_index=ref_index, colors=reference_colors[ref_index].copy(), confidence=confidence, stage=stage)


@dataclass
class OverlapMatcher:
    """Each target component takes the majority reference color under it, at the same position.

    Examples
    --------
    >>> from paintmatch.match import get_matcher
    >>> get_matcher("overlap").name
    'overlap'
    """

    name: str = "overlap"

    def match(self, reference: Frame, target: Frame) -> Matching:
        """Match every component of ``target`` by overlap with ``reference`` (whose colors are set)."""
        colors = _check_reference(reference)
        source = _resize_labels(reference.seg.expanded_labels(), target.seg.shape)
        return vote(target.seg.labels, source, colors, centroids=target.seg.centroids)


def line_field(frame: Frame, *, clip: float) -> np.ndarray:
    """(H, W) uint8 smooth rendering of the line art for optical flow.

    Line art is sparse (thin lines on empty paper), which gives flow nothing to hold on to between
    the lines. The distance to the nearest line pixel, clipped at ``clip`` pixels and inverted (255
    on lines, 0 far away), has texture everywhere inside the drawing.
    """
    free = (~frame.seg.line).astype(np.uint8)
    distance = cv2.distanceTransform(free, cv2.DIST_L2, 3)
    field = 255.0 * (1.0 - np.minimum(distance, clip) / clip)
    return field.astype(np.uint8)


def reduced_line_field(frame: Frame, shape: tuple[int, int], size: tuple[int, int], clip: float) -> np.ndarray:
    """(size[1], size[0]) uint8: ``line_field(frame, clip=clip)`` brought to ``shape`` (H, W), then reduced to ``size``.

    The flow's view of a frame. Memoized in the frame's per-frame store (``frame.cache``, key
    ``("line_field", shape, size, clip)``): a painted target is the next frame's reference, and the
    anchor is the reference of every frame, so each frame's field is computed once. Only this function
    reads or writes that key; callers take the field from its return value.
    """
    key = ("line_field", tuple(shape), tuple(size), float(clip))
    field = frame.cache.get(key)
    if field is None:
        field = line_field(frame, clip=clip)
        if field.shape != tuple(shape):
            field = cv2.resize(field, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
        field = cv2.resize(field, size, interpolation=cv2.INTER_AREA)
        frame.cache[key] = field
    return field


def dense_flow(target: np.ndarray, reference: np.ndarray, *, method: str = "dis", initial: np.ndarray | None = None) -> np.ndarray:
    """Dense flow from ``target`` to ``reference``: ``target[y, x] ~ reference[y + f[y, x, 1], x + f[y, x, 0]]``.

    Parameters
    ----------
    target, reference : (H, W) ndarray of uint8
        Grey images of the same size.
    method : {"dis", "dis-fast", "farneback"}
        OpenCV's DIS optical flow (medium or fast preset) or Farneback's polynomial expansion.
    initial : (H, W, 2) ndarray of float32, optional
        A first guess of the flow that the method refines (both OpenCV methods start from a given flow);
        ``best``'s guided flow passes the motion of the regions it matched with confidence.

    Returns
    -------
    (H, W, 2) ndarray of float32
        Flow (dx, dy) in pixels.
    """
    # Both methods refine a flow passed in (DIS when it has the image's size and two float32 channels) in place.
    start = None if initial is None else np.array(initial, dtype=np.float32, order="C")
    if method in ("dis", "dis-fast"):
        preset = cv2.DISOPTICAL_FLOW_PRESET_MEDIUM if method == "dis" else cv2.DISOPTICAL_FLOW_PRESET_FAST
        return cv2.DISOpticalFlow_create(preset).calc(target, reference, start)
    if method == "farneback":
        return cv2.calcOpticalFlowFarneback(
            target, reference, start, pyr_scale=0.5, levels=5, winsize=21, iterations=5, poly_n=7, poly_sigma=1.5,
            flags=0 if start is None else cv2.OPTFLOW_USE_INITIAL_FLOW,
        )
    close = difflib.get_close_matches(method, FLOW_METHODS, n=1)
    hint = f" Did you mean '{close[0]}'?" if close else ""
    raise ValueError(f"unknown flow method {method!r}; known: {', '.join(FLOW_METHODS)}.{hint}")


@dataclass
class FlowMatcher:
    """Reference colors warped to the target by dense optical flow, then a majority vote per component.

    Parameters
    ----------
    method : {"dis", "farneback"}
        OpenCV flow algorithm.
    max_side : int
        Flow is computed on frames scaled down to at most this many pixels per side (speed), then
        scaled back up.
    clip : float
        Distance (in pixels of the scaled frame) at which ``line_field`` saturates.
    """

    method: str = "dis"
    max_side: int = 640
    clip: float = 12.0
    name: str = "flow"

    def __post_init__(self) -> None:
        if self.method not in FLOW_METHODS:
            dense_flow(np.zeros((8, 8), np.uint8), np.zeros((8, 8), np.uint8), method=self.method)  # raises
        if self.max_side < 32:
            raise ValueError(f"max_side must be at least 32 pixels; got {self.max_side}")
        if self.clip <= 0:
            raise ValueError(f"clip must be positive; got {self.clip}")

    def grid(self, shape: tuple[int, int]) -> tuple[tuple[int, int], float, float]:
        """The reduced grid the flow of a frame of ``shape`` (H, W) runs on: ``(size (w, h), scale, clip)``.

        ``scale`` = reduced size / full size (<= 1); ``clip`` is ``self.clip`` in full-size pixels.
        """
        h, w = shape
        scale = min(1.0, self.max_side / max(h, w))
        size = (max(8, round(w * scale)), max(8, round(h * scale)))
        return size, scale, self.clip / scale

    def small_flow(self, reference: Frame, target: Frame, initial: np.ndarray | None = None) -> tuple[np.ndarray, float]:
        """Flow from the target to the reference at the reduced size, and that size's scale.

        ``initial``: a first guess on the reduced grid that the flow refines (``dense_flow``).

        Returns
        -------
        flow : (h, w, 2) ndarray of float32
            Flow in pixels of the reduced frame (``h, w`` = target size times ``scale``).
        scale : float
            Reduced size / full size (<= 1).
        """
        shape = target.seg.shape
        size, scale, clip = self.grid(shape)
        fields = [reduced_line_field(frame, shape, size, clip) for frame in (target, reference)]
        return dense_flow(*fields, method=self.method, initial=initial), scale

    def flow(self, reference: Frame, target: Frame) -> np.ndarray:
        """(H, W, 2) float32 flow from the target to the reference at the target's full size."""
        h, w = target.seg.shape
        flow, _ = self.small_flow(reference, target)
        size = (flow.shape[1], flow.shape[0])
        flow = cv2.resize(flow, (w, h), interpolation=cv2.INTER_LINEAR)
        flow[..., 0] *= w / size[0]
        flow[..., 1] *= h / size[1]
        return flow

    def warped_labels(self, reference: Frame, target: Frame) -> np.ndarray:
        """(H, W) int32: the reference component seen at each target pixel through the flow (-1: none)."""
        h, w = target.seg.shape
        flow = self.flow(reference, target)
        ref_labels = reference.seg.expanded_labels()
        sx, sy = ref_labels.shape[1] / w, ref_labels.shape[0] / h
        xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
        map_x = (xs + flow[..., 0]) * sx
        map_y = (ys + flow[..., 1]) * sy
        # Float labels are exact below 2**24 components; nearest sampling keeps them integers.
        return cv2.remap(
            ref_labels.astype(np.float32), map_x, map_y, cv2.INTER_NEAREST,
            borderMode=cv2.BORDER_CONSTANT, borderValue=-1.0,
        ).astype(np.int32)

    def match(self, reference: Frame, target: Frame) -> Matching:
        """Match every component of ``target`` through the flow to ``reference`` (whose colors are set)."""
        colors = _check_reference(reference)
        source = self.warped_labels(reference, target)
        return vote(target.seg.labels, source, colors, centroids=target.seg.centroids)
