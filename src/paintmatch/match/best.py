"""paintmatch's own matcher (``best``): the paper's ideas plus what the measurements said helps.

Additions over ``paper`` (each one has a switch so the ablation table can measure it):

- ``align``: a global similarity transform (RANSAC over confident first matches) is estimated
  between the frames and positions are compared after it, so a camera move or a character walking
  across the frame does not break the position constraint.
- ``features``: deep appearance features (``paintmatch.features``) and shape are combined in one
  cost, instead of a hard threshold cascade.
- ``anchor``: the original colored frame is a second reference beside the previous painted frame,
  matched by the same steps; each target component takes the more confident of the two, which
  stops errors drifting down a cut.
- ``neighbours``: neighbourhood consistency: a pair's cost drops with the share of the target's
  neighbours matched to the reference's neighbours (a region beside the iris is matched among the
  regions beside the matched iris), two rounds of re-assignment.
- ``flow``: an optical-flow position prior: the reference's components are warped onto the target
  by dense flow between the line arts (``paintmatch.match.baselines.FlowMatcher``) and the share
  of each target component covered by each warped reference component lowers their cost. It
  follows non-rigid motion that a single global transform cannot.
- flow check (``fb_tol`` > 0): a backward flow checks the forward one; where a component's pixels
  do not come back within ``fb_tol`` pixels (a limb that swung further than the flow can follow),
  its flow term is weighted down to ``fb_floor`` and position and shape decide.
- large-region vote (``large_vote_share``): a component over 5% of the frame takes the color the
  flow-warped reference covers most of it with, when that covers more than half of it (a
  background merged with the hair where the outline meets the frame edge).
- part field (``w_part`` > 0): a U-Net that sees the whole frame gives each component a vector, the
  same for the same part of the character in every frame (``paintmatch.features.part_field``); the
  cosine distance of two components' vectors is a cost term. It tells apart the slivers (a gap
  between hair strands, a piece of a stripe cut off by an arm) that look alike one by one.
- part-field veto (``part_veto`` > 0): where the part field is far surer of another color of the
  painter's own frame than of the chosen one, that color wins. Mostly parts the painted frame never
  shows (an ear turning into view, a forearm out of its sleeve): nothing corresponds to them, the
  flow and position terms point at whatever covered them, and the part field, trained to draw such
  parts to the parts painted like them, knows better.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from paintmatch.background import in_background
from paintmatch.match import Frame, Matching
from paintmatch.match.graph import normalized_distance
from paintmatch.match.paper import frame_features
from paintmatch.match.simple import assign, shape_descriptors
from paintmatch.rgba import pack_rgba

__all__ = ["BestMatcher", "best_deep"]


def _similarity_transform(src: np.ndarray, dst: np.ndarray) -> np.ndarray | None:
    """2x3 similarity (rotation, uniform scale, shift) from ``src`` to ``dst`` points by RANSAC."""
    if src.shape[0] < 3:
        return None
    matrix, inliers = cv2.estimateAffinePartial2D(
        src.astype(np.float32), dst.astype(np.float32), method=cv2.RANSAC, ransacReprojThreshold=0.03
    )
    if matrix is None or inliers is None or inliers.sum() < 3:
        return None
    return matrix


def _pixels_of(labels: np.ndarray, bboxes: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """(k,) int64 flat indices of the pixels of components ``ids``, found inside their boxes only.

    A few small components of a 1600 px frame: scanning their boxes is far cheaper than the image.
    """
    width = labels.shape[1]
    found = [np.zeros(0, np.int64)]
    for i in ids:
        x, y, w, h = bboxes[i]
        yy, xx = np.nonzero(labels[y : y + h, x : x + w] == i)
        found.append((yy + y).astype(np.int64) * width + (xx + x))
    return np.concatenate(found)


def _overlap_counts(reference: Frame, target_labels: np.ndarray, source: np.ndarray, n_t: int) -> np.ndarray:
    valid = (target_labels >= 0) & (source >= 0)
    keys = target_labels[valid].astype(np.int64) * reference.n + source[valid]
    counts = np.bincount(keys, minlength=n_t * reference.n).reshape(n_t, reference.n)
    areas = np.bincount(target_labels[target_labels >= 0], minlength=n_t)
    return counts / np.maximum(areas[:, None], 1)


def compose_flows(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Flow ``x -> x + first(x) + second(x + first(x))``: target -> middle frame -> far frame.

    Parameters
    ----------
    first, second : (h, w, 2) ndarray of float32
        Flows in pixels of the same grid (target to middle, middle to far).
    """
    h, w = first.shape[:2]
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    carried = cv2.remap(second, xs + first[..., 0], ys + first[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    return first + carried


def _by_color(overlap: np.ndarray, colors: np.ndarray) -> np.ndarray:
    """(n_t, n_r): each pair's overlap counted over every reference component of the same color.

    The flow says which paint covers a target region; when a region of the reference is split in
    two (a background cut by hair touching the frame edge), the two halves together carry the vote.
    """
    _, color_of = np.unique(pack_rgba(colors), return_inverse=True)
    color_of = color_of.ravel()
    per_color = np.zeros((overlap.shape[0], int(color_of.max()) + 1))
    np.add.at(per_color.T, color_of, overlap.T)
    return per_color[:, color_of]


def _within_share(frame: Frame, share: float) -> np.ndarray:
    """(n,) bool: the components of ``frame`` covering at most ``share`` of its pixels."""
    return frame.seg.areas <= share * frame.seg.labels.size


def flow_reliability(
    small_flow: np.ndarray, backward: np.ndarray, target_small: np.ndarray, n_t: int, tol: float, textured: np.ndarray | None = None
) -> np.ndarray:
    """(n_t,) float64 in [0, 1]: share of each target component's pixels whose flow passes the forward-backward check.

    Parameters
    ----------
    small_flow, backward : (h, w, 2) ndarray of float32
        Flow target -> reference and reference -> target on the same reduced grid.
    target_small : (h, w) ndarray of int32
        Target components on that grid (-1 on lines).
    tol : float
        A pixel is reliable when ``|f(x) + b(x + f(x))| < tol`` (grid pixels).
    textured : (h, w) ndarray of bool, optional
        Pixels where the flow had something to follow (near a line). Only they are checked: far
        from every line (the open background) the flow is arbitrary, and a component with no
        textured pixel counts as reliable.
    """
    h, w = small_flow.shape[:2]
    xs, ys = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    back = cv2.remap(backward, xs + small_flow[..., 0], ys + small_flow[..., 1], cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
    error = np.linalg.norm(small_flow + back, axis=2)
    valid = target_small >= 0
    if textured is not None:
        valid &= textured
    good = np.bincount(target_small[valid], weights=(error[valid] < tol).astype(np.float64), minlength=n_t)
    total = np.bincount(target_small[valid], minlength=n_t)
    return np.where(total > 0, good / np.maximum(total, 1), 1.0)


def flow_overlap(
    reference: Frame, target: Frame, *, max_side: int = 640, small_flow: np.ndarray | None = None, fb_tol: float = 0.0,
    fb_method: str = "dis",
) -> np.ndarray:
    """(n_t, n_r) float64: share of each target component covered by each flow-warped reference component.

    Flow and counting run at most ``max_side`` pixels per side (nearest-neighbour label maps), which
    keeps a 1600 px frame as cheap as a 640 px one. The reduced flow is kept in
    ``target.cache["flow_small"]`` for the tiny-region vote. With ``fb_tol`` > 0 a backward flow
    (``fb_method``) checks it and ``target.cache["flow_reliability"]`` receives ``flow_reliability``.
    """
    from paintmatch.match.baselines import FlowMatcher

    if small_flow is None:
        small_flow, _ = FlowMatcher(max_side=max_side).small_flow(reference, target)
    size = (small_flow.shape[1], small_flow.shape[0])
    target.cache["flow_small"] = small_flow
    target_small = cv2.resize(target.seg.labels, size, interpolation=cv2.INTER_NEAREST)
    ref_labels = reference.seg.expanded_labels()
    ref_scale_x, ref_scale_y = ref_labels.shape[1] / size[0], ref_labels.shape[0] / size[1]
    xs, ys = np.meshgrid(np.arange(size[0], dtype=np.float32), np.arange(size[1], dtype=np.float32))
    source = cv2.remap(
        ref_labels.astype(np.float32),
        (xs + small_flow[..., 0]) * ref_scale_x,
        (ys + small_flow[..., 1]) * ref_scale_y,
        cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=-1.0,
    ).astype(np.int32)
    overlap = _overlap_counts(reference, target_small, source, target.n)
    if fb_tol > 0 and reference.seg.shape == target.seg.shape:
        backward, _ = FlowMatcher(method=fb_method, max_side=max_side).small_flow(target, reference)
        # The line field the two flows just used (cached by small_flow on this grid): 0 far from lines.
        textured = target.cache["flow_field"] > 0
        target.cache["flow_reliability"] = flow_reliability(small_flow, backward, target_small, target.n, fb_tol, textured)
    return overlap


@dataclass
class BestMatcher:
    """Geometry + appearance cost, alignment, anchor reference and neighbour consistency.

    Parameters
    ----------
    w_pos, w_area, w_shape, w_feat, w_trace : float
        Cost weights (positions in drawing diagonals, log areas, Hu moments, eq. (1) feature
        distance, trace-line sides).
    features : {"deep", "shape", "none"}
        Appearance features; ``none`` uses geometry only.
    align, anchor, neighbours : bool
        The additions listed in the module docstring.
    w_neighbours : float
        Weight of the neighbourhood-consistency support (``neighbours``).
    color_vote : float
        Share of the flow term counted per color rather than per component (0..1): a reference
        region split in two (background cut by hair at the frame edge) still votes as one.
    flow_side : int
        Optical flow runs on frames scaled to at most this many pixels per side.
    tiny_area : int
        Components smaller than this (pixels) take the majority color under them through the flow
        (their shape and position are too noisy to match one by one); 0 turns this off.
    w_part : float
        Weight of the part-field distance (0: the part field is not computed, nor the veto). 3, chosen
        with ``part_veto`` on two synthetic dev suites and a deformation dev set of both real colored
        frames (configs/tuned-best.yaml).
    part_model : str
        Part-field weights (``paintmatch.features.MODELS``).
    part_max_share : float
        The part term counts only between components both under this share of their frames: large
        regions are matched well by flow and geometry, and on real line art (unlike the synthetic
        training frames) the part field misled them (a background split in two by the hair lost
        its color to a smaller region that took its reference).
    part_veto : float
        A component (under ``veto_max_share`` of its frame) whose part-field vector is closer, by more
        than this cosine, to a component of the painter's frame (the anchor, or the reference when it
        is the anchor) of another color than to any of the chosen color takes that other color
        (0: off). 0.2, chosen on the same dev sets as ``w_part`` (configs/tuned-best.yaml).
    veto_max_share : float
        The veto speaks only for components up to this share of their frame (0.01). A larger region
        is matched well by flow and geometry: on a real deformation cut (laughing_girl level 3) the
        veto had overturned a confidently matched region of 4.6% of the frame (pix_acc_wobg 0.70 in
        that frame). The synthetic and real dev sets score the same acc_thres with 0.05, 0.01 and
        0.005 (configs/tuned-best.yaml).
    large_vote_share : float
        Components over this share of the frame take the color that the flow-warped reference
        covers most of them with, when it covers more than half (0: off). For a background merged with
        another region where an outline meets the frame edge, which shape and area match to the
        wrong region (a 16:9 crop of the assets frame, deformation level 1: pix_acc 0.47 -> 1.0); the
        benchmark suites' scores are unchanged by it.
    fb_tol, fb_floor, fb_method, fb_max_share
        Flow check: the forward-backward error (pixels of the reduced frame) under which a pixel's
        flow counts as reliable (0: no check), the flow weight left to a component with no reliable
        pixel (share of ``w_flow``), the flow algorithm of the backward flow, and the largest
        component (share of the frame) that is checked: a large region's overlap is a majority over
        many pixels, which failures along its rim do not overturn (unchecked, a strongly warped
        background lost its flow vote and its color on the deformation dev set).
    """

    w_pos: float = 4.0
    w_area: float = 0.4
    w_shape: float = 0.15
    w_feat: float = 1.0
    w_trace: float = 0.44
    w_flow: float = 2.0
    w_part: float = 3.0
    part_model: str = "part-field"
    part_max_share: float = 0.05
    features: str = "shape"
    model: str = "default"
    align: bool = True
    anchor: bool = True
    neighbours: bool = True
    flow: bool = True
    w_neighbours: float = 0.5
    tiny_area: int = 10
    anchor_margin: float = 0.0
    flow_side: int = 512
    color_vote: float = 0.5
    compose: bool = False
    slack: float = 0.25
    fb_tol: float = 2.0
    fb_floor: float = 0.3
    fb_method: str = "dis-fast"
    fb_max_share: float = 0.05
    large_vote_share: float = 0.05
    part_veto: float = 0.2
    veto_max_share: float = 0.01
    name: str = "best"

    @property
    def uses_anchor(self) -> bool:
        """The cut passes the original colored frame as ``anchor`` when True (a second reference, or the veto's frame)."""
        return self.anchor or (self.part_veto > 0 and self.w_part > 0)

    #: The terms of the cost, each (n_t, n_r) and weighted by the attribute ``w_<name>``.
    TERMS = ("area", "shape", "feat", "trace", "pos", "flow", "part")

    def cost_terms(self, reference: Frame, target: Frame, small_flow: np.ndarray | None = None) -> dict[str, np.ndarray]:
        """The unweighted terms of the cost (``TERMS``) and ``forbidden``, each (n_t, n_r) float64.

        ``area``: |log area difference|; ``shape``: first two Hu moments, L1; ``feat``: eq. (1)
        feature distance (0 without features); ``trace``: differing trace-line sides (0/1); ``pos``:
        centroid distance in drawing diagonals, after the global alignment (``align``); ``flow``:
        1 - the share of the target covered by the flow-warped reference (``color_vote`` of it per
        color), times the flow check's factor in [``fb_floor``, 1] (0 without ``flow``); ``part``:
        1 - the cosine of the two components' part-field vectors (0 when ``w_part`` is 0, and where
        either component is over ``part_max_share`` of its frame);
        ``forbidden``: 1 where a target away from the frame border meets the reference's background.
        ``benchmarks/fit_weights.py`` fits the weights of these terms.
        """
        if reference.colors is None:
            raise ValueError("reference frame has no colors: pass a colored (painted) frame as reference")
        part_vectors = None
        if self.w_part > 0:
            # The part field needs nothing from the other terms: it runs beside them (mostly the optical flow).
            from paintmatch.features.part_field import component_part_embeddings

            part_vectors = in_background(
                lambda: (component_part_embeddings(target, self.part_model), component_part_embeddings(reference, self.part_model))
            )
        t, r = shape_descriptors(target), shape_descriptors(reference)
        terms: dict[str, np.ndarray] = {}
        if self.features != "none":
            f_t = frame_features(target, self.features, model=self.model)
            f_r = frame_features(reference, self.features, model=self.model)
            terms["feat"] = normalized_distance(f_t, f_r)
        else:
            terms["feat"] = np.zeros((target.n, reference.n))
        pos_t = t["pos"]
        terms["area"] = np.abs(t["log_area"][:, None] - r["log_area"][None, :])
        terms["shape"] = np.abs(t["hu"][:, None, :2] - r["hu"][None, :, :2]).sum(axis=2)
        terms["trace"] = (target.seg.trace_sides[:, None] != reference.seg.trace_sides[None, :]).astype(np.float64)
        appearance = sum(getattr(self, f"w_{name}") * terms[name] for name in ("area", "shape", "feat", "trace"))
        d_pos = np.linalg.norm(pos_t[:, None] - r["pos"][None], axis=2)
        if self.align:
            # Confident pairs by appearance and rough position -> similarity transform -> re-measure.
            rough = appearance + self.w_pos * d_pos
            best = rough.argmin(axis=1)
            rows = np.arange(target.n)
            margin = np.partition(rough, 1, axis=1)[:, 1] - rough[rows, best] if reference.n > 1 else np.ones(target.n)
            confident = margin > 0.2
            matrix = _similarity_transform(pos_t[confident], r["pos"][best[confident]])
            if matrix is not None:
                aligned = pos_t @ matrix[:, :2].T + matrix[:, 2]
                d_aligned = np.linalg.norm(aligned[:, None] - r["pos"][None], axis=2)
                d_pos = np.minimum(d_pos, d_aligned)
        terms["pos"] = d_pos
        terms["flow"] = np.zeros((target.n, reference.n))
        if self.flow:
            overlap = flow_overlap(reference, target, max_side=self.flow_side, small_flow=small_flow, fb_tol=self.fb_tol, fb_method=self.fb_method)
            by_color = _by_color(overlap, reference.colors)
            target.cache["flow_by_color"] = by_color  # for the large-region vote of _match_one
            mixed = (1.0 - self.color_vote) * overlap + self.color_vote * by_color
            factor = np.ones(target.n)
            if self.fb_tol > 0 and "flow_reliability" in target.cache:
                rel = target.cache.pop("flow_reliability")
                large = ~_within_share(target, self.fb_max_share)
                rel = np.where(large, 1.0, rel)
                factor = self.fb_floor + (1 - self.fb_floor) * rel
            terms["flow"] = factor[:, None] * (1.0 - mixed)
        terms["part"] = np.zeros((target.n, reference.n))
        if part_vectors is not None:
            vectors_t, vectors_r = part_vectors.result()
            similarity = vectors_t @ vectors_r.T
            terms["part"] = 1.0 - similarity.astype(np.float64)
            # Only between components both under part_max_share of their frames (see the parameter).
            terms["part"][~self._part_counts(target)] = 0.0
            terms["part"][:, ~self._part_counts(reference)] = 0.0
        ref_bg = (reference.colors[:, 3] == 0) & r["border"]
        forbidden = np.zeros((target.n, reference.n))
        forbidden[np.ix_(~t["border"], ref_bg)] = 1.0
        terms["forbidden"] = forbidden
        return terms

    def _cost(self, reference: Frame, target: Frame, small_flow: np.ndarray | None = None) -> np.ndarray:
        """(n_t, n_r) combined cost: the weighted ``cost_terms``, +10 where ``forbidden``."""
        terms = self.cost_terms(reference, target, small_flow)
        cost = 10.0 * terms["forbidden"]
        for name in self.TERMS:
            cost += getattr(self, f"w_{name}") * terms[name]
        return cost

    def _assign(self, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return assign(cost, slack=self.slack)

    def _neighbour_consistency(self, reference: Frame, target: Frame, cost: np.ndarray, chosen: np.ndarray) -> np.ndarray:
        """Cost lowered where a pair's neighbours are matched to each other's neighbours.

        ``support[t, r]`` = share of t's neighbours whose current match is r or a neighbour of r
        (``A_t @ P @ (A_r + I) / deg(t)`` with P the one-hot matching): a region beside the iris is
        drawn towards the regions beside the matched iris. Two rounds of this are a cheap
        relaxation of the graph matching objective (pairwise agreement of neighbourhoods).
        """
        from scipy.sparse import coo_matrix, identity

        def adjacency(frame: Frame):
            pairs = frame.seg.adjacency
            n = frame.n
            data = np.ones(2 * len(pairs))
            rows = np.r_[pairs[:, 0], pairs[:, 1]]
            cols = np.r_[pairs[:, 1], pairs[:, 0]]
            return coo_matrix((data, (rows, cols)), shape=(n, n)).tocsr()

        a_t = adjacency(target)
        a_r = adjacency(reference) + identity(reference.n, format="csr")
        degree = np.maximum(np.asarray(a_t.sum(axis=1)).ravel(), 1)
        for _ in range(2):
            one_hot = coo_matrix((np.ones(target.n), (np.arange(target.n), chosen)), shape=(target.n, reference.n)).tocsr()
            support = (a_t @ one_hot @ a_r).toarray() / degree[:, None]
            adjusted = cost - self.w_neighbours * support
            chosen, _, _ = self._assign(adjusted)
        return adjusted

    @staticmethod
    def _vote_tiny(reference: Frame, target: Frame, small_flow: np.ndarray, tiny: np.ndarray, colors, chosen) -> None:
        """Tiny components take the majority color of the reference pixels the flow maps them to.

        Only the tiny components' own pixels are looked up, at full resolution (the reduced flow
        is sampled at their positions and scaled up).
        """
        from paintmatch.match.baselines import vote

        labels = target.seg.labels
        key = ("tiny_pixels", tiny.tobytes())
        if key not in target.cache:  # the same target is voted against the previous frame and the anchor
            target.cache[key] = _pixels_of(target.seg.labels, target.seg.bboxes, np.flatnonzero(tiny))
        pixels = target.cache[key]
        ys, xs = np.divmod(pixels, labels.shape[1])
        scale_x = small_flow.shape[1] / labels.shape[1]
        scale_y = small_flow.shape[0] / labels.shape[0]
        fy = np.clip((ys * scale_y).astype(np.int64), 0, small_flow.shape[0] - 1)
        fx = np.clip((xs * scale_x).astype(np.int64), 0, small_flow.shape[1] - 1)
        ref_labels = reference.seg.expanded_labels()
        sx = np.clip(np.rint(xs + small_flow[fy, fx, 0] / scale_x).astype(np.int64), 0, ref_labels.shape[1] - 1)
        sy = np.clip(np.rint(ys + small_flow[fy, fx, 1] / scale_y).astype(np.int64), 0, ref_labels.shape[0] - 1)
        source = ref_labels[sy, sx]
        voted = vote(labels.ravel()[pixels][None, :], source[None, :], reference.colors, centroids=target.seg.centroids)
        use = tiny & (voted.confidence > 0)
        colors[use] = voted.colors[use]
        chosen[use] = voted.ref_index[use]

    def _vote_large(self, reference: Frame, target: Frame, by_color: np.ndarray, colors: np.ndarray, chosen: np.ndarray) -> None:
        """Components over ``large_vote_share`` of the frame take the color covering most of them through the flow.

        ``by_color`` (n_t, n_r): share of each target component covered by the warped reference
        components of each pair's color (``_by_color`` of ``flow_overlap``); it must be over half.
        """
        large = np.flatnonzero(~_within_share(target, self.large_vote_share))
        if large.size == 0:
            return
        per_color = by_color[large]
        best = per_color.argmax(axis=1)
        rows = np.arange(large.size)
        clear = per_color[rows, best] > 0.5
        colors[large[clear]] = reference.colors[best[clear]]
        chosen[large[clear]] = best[clear]

    def _part_counts(self, frame: Frame) -> np.ndarray:
        """(n,) bool: the components the part field speaks for, those up to ``part_max_share`` of the frame."""
        return _within_share(frame, self.part_max_share)

    def _part_veto(self, painted: Frame, target: Frame, colors: np.ndarray) -> np.ndarray:
        """Recolor, in place, the components whose part field prefers another color by over ``part_veto``.

        ``painted``: the painter's colored frame; ``colors`` (n_t, 4) uint8, the matched colors.
        Returns the (n_t,) bool mask of the recolored components. Both frames' vectors are cached by
        the cost's part term, so this costs one (n_t, n_r) product.
        """
        from paintmatch.features.part_field import component_part_embeddings

        in_target = _within_share(target, self.veto_max_share)
        in_painted = np.flatnonzero(self._part_counts(painted))
        vetoed = np.zeros(target.n, dtype=bool)
        if in_painted.size == 0:
            return vetoed
        similarity = component_part_embeddings(target, self.part_model) @ component_part_embeddings(painted, self.part_model)[in_painted].T
        nearest = similarity.argmax(axis=1)
        top = similarity[np.arange(target.n), nearest]
        same_color = pack_rgba(painted.colors[in_painted])[None, :] == pack_rgba(colors)[:, None]
        # A chosen color the painted frame's small components lack has nothing to compare: kept.
        of_chosen = np.where(same_color, similarity, -np.inf).max(axis=1)
        vetoed = in_target & np.isfinite(of_chosen) & (top - of_chosen > self.part_veto)
        colors[vetoed] = painted.colors[in_painted[nearest[vetoed]]]
        return vetoed

    def _match_one(self, reference: Frame, target: Frame, small_flow: np.ndarray | None = None):
        """Cost, assignment, neighbour consistency and the tiny- and large-region votes against one colored frame.

        Returns ``(chosen, colors, confidence, stage, flow)``: reference index, color and confidence
        per target component, and the reduced flow target -> reference (None without ``flow``).
        """
        cost = self._cost(reference, target, small_flow)
        flow = target.cache.pop("flow_small", None)
        chosen, confidence, stage = self._assign(cost)
        if self.neighbours:
            cost = self._neighbour_consistency(reference, target, cost, chosen)
            chosen, confidence, stage = self._assign(cost)
        colors = reference.colors[chosen].copy()
        tiny = target.seg.areas < self.tiny_area
        if flow is not None and tiny.any():
            self._vote_tiny(reference, target, flow, tiny, colors, chosen)
        by_color = target.cache.pop("flow_by_color", None)
        if by_color is not None and self.large_vote_share > 0:
            self._vote_large(reference, target, by_color, colors, chosen)
        return chosen, colors, confidence, stage, flow

    def match(self, reference: Frame, target: Frame, anchor: Frame | None = None) -> Matching:
        """Match every target component; see ``Matcher``. ``anchor``: the original colored frame."""
        chosen, colors, confidence, stage, to_reference = self._match_one(reference, target)
        if self.anchor and anchor is not None and anchor.colors is not None:
            composed = None
            if self.compose:
                # Flow to the anchor = flow to the reference, then the reference's own flow to the
                # anchor (kept from when it was colored): one optical flow per frame instead of two.
                via = reference.cache.get(("flow_to", id(anchor)))
                if to_reference is not None and via is not None and via.shape == to_reference.shape:
                    composed = compose_flows(to_reference, via)
            a_chosen, a_colors, a_conf, _, to_anchor = self._match_one(anchor, target, composed)
            if to_anchor is not None:
                target.cache[("flow_to", id(anchor))] = to_anchor
            better = a_conf > confidence + self.anchor_margin
            colors[better] = a_colors[better]
            confidence = np.where(better, a_conf, confidence)
            chosen = np.where(better, -1, chosen)  # index refers to another frame: no single reference
        elif to_reference is not None:
            target.cache[("flow_to", id(reference))] = to_reference  # the reference is the anchor
        if self.part_veto > 0 and self.w_part > 0:
            painted = anchor if anchor is not None and anchor.colors is not None else reference
            vetoed = self._part_veto(painted, target, colors)
            chosen = np.where(vetoed, -1, chosen)
        return Matching(
            ref_index=chosen.astype(np.int32),
            colors=colors.astype(np.uint8),
            confidence=confidence.astype(np.float32),
            stage=stage,
        )


def best_deep(**params) -> BestMatcher:
    """``best`` with the deep appearance features (ResNet, onnxruntime) in its cost."""
    params.setdefault("name", "best-deep")
    params.setdefault("features", "deep")
    return BestMatcher(**params)
