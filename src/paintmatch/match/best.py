"""paintmatch's own matcher (``best``): the paper's ideas plus what the measurements said helps.

Additions over ``paper`` (each one has a switch so the ablation table can measure it):

- ``align``: a global similarity transform (RANSAC over confident first matches) is estimated
  between the frames and positions are compared after it, so a camera move or a character walking
  across the frame does not break the position constraint.
- ``features``: deep appearance features (``paintmatch.features``) and shape are combined in one
  cost, instead of a hard threshold cascade.
- ``anchor``: the original colored frame is a second reference beside the previous painted frame;
  each target component takes the cheaper of the two, which stops errors drifting down a cut.
- ``neighbours``: low-confidence components are re-matched among the references that their
  confidently matched neighbours point at (neighbourhood consistency: a region beside the iris is
  matched among the regions beside the iris).
- ``flow``: an optical-flow position prior: the reference's components are warped onto the target
  by dense flow between the line arts (``paintmatch.match.baselines.FlowMatcher``) and the share
  of each target component covered by each warped reference component lowers their cost. It
  follows non-rigid motion that a single global transform cannot.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from scipy.optimize import linear_sum_assignment

from paintmatch.match import Frame, Matching
from paintmatch.match.graph import normalized_distance
from paintmatch.match.paper import frame_features
from paintmatch.match.simple import complete_many_to_one, confidence_from_cost, shape_descriptors

__all__ = ["BestMatcher"]


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


def flow_overlap(reference: Frame, target: Frame) -> np.ndarray:
    """(n_t, n_r) float64: share of each target component covered by each flow-warped reference component."""
    from paintmatch.match.baselines import FlowMatcher

    source = FlowMatcher().warped_labels(reference, target)
    labels = target.seg.labels
    valid = (labels >= 0) & (source >= 0)
    keys = labels[valid].astype(np.int64) * reference.n + source[valid]
    counts = np.bincount(keys, minlength=target.n * reference.n).reshape(target.n, reference.n)
    return counts / np.maximum(target.seg.areas[:, None], 1)


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
    low_confidence : float
        Confidence under which ``neighbours`` re-matches a component.
    """

    w_pos: float = 4.0
    w_area: float = 0.6
    w_shape: float = 0.05
    w_feat: float = 1.0
    w_trace: float = 0.3
    w_flow: float = 1.0
    features: str = "deep"
    model: str = "default"
    align: bool = True
    anchor: bool = True
    neighbours: bool = True
    flow: bool = True
    low_confidence: float = 0.3
    slack: float = 0.25
    name: str = "best"

    @property
    def uses_anchor(self) -> bool:
        """The cut passes the original colored frame as ``anchor`` when True."""
        return self.anchor

    def _cost(self, reference: Frame, target: Frame) -> np.ndarray:
        """(n_t, n_r) combined cost, positions compared after a global alignment."""
        t, r = shape_descriptors(target), shape_descriptors(reference)
        if self.features != "none":
            f_t = frame_features(target, self.features, model=self.model)
            f_r = frame_features(reference, self.features, model=self.model)
            d_feat = normalized_distance(f_t, f_r)
        else:
            d_feat = np.zeros((target.n, reference.n))
        pos_t = t["pos"]
        d_area = np.abs(t["log_area"][:, None] - r["log_area"][None, :])
        d_shape = np.abs(t["hu"][:, None, :2] - r["hu"][None, :, :2]).sum(axis=2)
        d_trace = (target.seg.trace_sides[:, None] != reference.seg.trace_sides[None, :]).astype(np.float64)
        appearance = self.w_area * d_area + self.w_shape * d_shape + self.w_feat * d_feat + self.w_trace * d_trace
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
        cost = appearance + self.w_pos * d_pos
        if self.flow:
            cost += self.w_flow * (1.0 - flow_overlap(reference, target))
        if reference.colors is None:
            raise ValueError("reference frame has no colors: pass a colored (painted) frame as reference")
        ref_bg = (reference.colors[:, 3] == 0) & r["border"]
        cost[np.ix_(~t["border"], ref_bg)] += 10.0
        return cost

    def _assign(self, cost: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        rows, cols = linear_sum_assignment(cost)
        assigned = np.full(cost.shape[0], -1, dtype=np.int64)
        assigned[rows] = cols
        chosen = complete_many_to_one(cost, assigned, slack=self.slack)
        stage = np.where(assigned == chosen, 0, 2).astype(np.uint8)
        return chosen, confidence_from_cost(cost, chosen), stage

    def _neighbour_rematch(
        self, reference: Frame, target: Frame, cost: np.ndarray, chosen: np.ndarray, confidence: np.ndarray
    ) -> None:
        """Re-match low-confidence components among the references next to their neighbours' matches."""
        ref_neighbours = reference.seg.neighbours()
        tgt_neighbours = target.seg.neighbours()
        low = np.flatnonzero(confidence < self.low_confidence)
        for i in low:
            trusted = [j for j in tgt_neighbours[i] if confidence[j] >= self.low_confidence]
            if not trusted:
                continue
            candidates = np.unique(np.concatenate([ref_neighbours[chosen[j]] for j in trusted] + [chosen[trusted]]))
            if candidates.size == 0:
                continue
            votes = np.zeros(reference.n)
            for j in trusted:
                votes[ref_neighbours[chosen[j]]] += 1.0
            # Prefer candidates many trusted neighbours agree on; cost decides among them.
            score = cost[i, candidates] - 0.15 * votes[candidates] / len(trusted)
            pick = candidates[score.argmin()]
            if cost[i, pick] < cost[i, chosen[i]] + 0.5:
                chosen[i] = pick

    def match(self, reference: Frame, target: Frame, anchor: Frame | None = None) -> Matching:
        """Match every target component; see ``Matcher``. ``anchor``: the original colored frame."""
        cost = self._cost(reference, target)
        chosen, confidence, stage = self._assign(cost)
        if self.neighbours:
            self._neighbour_rematch(reference, target, cost, chosen, confidence)
            confidence = confidence_from_cost(cost, chosen)
        colors = reference.colors[chosen].copy()
        if self.anchor and anchor is not None and anchor.colors is not None:
            anchor_cost = self._cost(anchor, target)
            a_chosen, a_conf, _ = self._assign(anchor_cost)
            better = a_conf > confidence + 0.1
            colors[better] = anchor.colors[a_chosen[better]]
            confidence = np.where(better, a_conf, confidence)
            chosen = np.where(better, -1, chosen)  # index refers to another frame: no single reference
        return Matching(
            ref_index=chosen.astype(np.int32),
            colors=colors.astype(np.uint8),
            confidence=confidence.astype(np.float32),
            stage=stage,
        )
