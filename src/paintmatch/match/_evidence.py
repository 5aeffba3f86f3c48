"""Evidence of ``best``: what one match computes about its frames, and the terms of its cost.

An evidence term is a small object with a ``name``, a ``weight`` and
``term(reference, target, pair) -> (n_t, n_r) float64`` cost (0 for a perfect pair). ``pair`` is the
``PairContext`` of that reference and target: it computes the values that several stages share (the flow,
the part-field vectors) once, on first request, and hands them over as return values.

Who computes what once:

- ``MatchContext``: one per ``BestMatcher.match`` call (one target, one or two references). It holds the
  part-field futures (the part field runs on the helper thread beside the optical flow) and the target's
  pixel lists, shared by the matches against the previous frame and the anchor.
- ``PairContext``: one per (reference, target) pair of that call: the ``FlowEvidence`` and the terms' values.
- Per-frame stores (``Frame.cache``) hold only features that a painted target reuses as the next reference,
  each read and written by the one function that computes it: ``shape_descriptors``, ``frame_features``,
  ``component_part_embeddings``, ``reduced_line_field``.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field

import cv2
import numpy as np

from paintmatch.background import in_background
from paintmatch.match import Frame
from paintmatch.match._best_settings import AlignSettings, FlowSettings, PartFieldSettings
from paintmatch.match.graph import normalized_distance
from paintmatch.match.paper import frame_features
from paintmatch.match.simple import shape_descriptors
from paintmatch.rgba import pack_rgba

__all__ = [
    "FlowEvidence",
    "flow_evidence",
    "flow_reliability",
    "within_share",
    "color_margin",
    "guided_flow_evidence",
    "MatchContext",
    "PairContext",
    "EvidenceTerm",
    "BackgroundTerm",
    "AreaTerm",
    "FeatureTerm",
    "TraceTerm",
    "PositionTerm",
    "FlowTerm",
    "PartTerm",
]


def within_share(frame: Frame, share: float) -> np.ndarray:
    """(n,) bool: the components of ``frame`` covering at most ``share`` of its pixels."""
    return frame.seg.areas <= share * frame.seg.labels.size


# --- flow ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FlowEvidence:
    """What the optical flow between a target and a reference says.

    Attributes
    ----------
    flow : (h, w, 2) ndarray of float32
        Flow target -> reference on the reduced grid (pixels of that grid).
    overlap : (n_t, n_r) ndarray of float64
        Share of each target component covered by each flow-warped reference component.
    by_color : (n_t, n_r) ndarray of float64
        ``overlap`` summed over the reference components of each pair's color.
    reliability : (n_t,) ndarray of float64 or None
        Share of each target component's pixels that pass the forward-backward check (``flow_reliability``);
        None when the check is off or the frames differ in size.
    """

    flow: np.ndarray
    overlap: np.ndarray
    by_color: np.ndarray
    reliability: np.ndarray | None


def _overlap_counts(n_r: int, target_labels: np.ndarray, source: np.ndarray, n_t: int) -> np.ndarray:
    valid = (target_labels >= 0) & (source >= 0)
    keys = target_labels[valid].astype(np.int64) * n_r + source[valid]
    counts = np.bincount(keys, minlength=n_t * n_r).reshape(n_t, n_r)
    areas = np.bincount(target_labels[target_labels >= 0], minlength=n_t)
    return counts / np.maximum(areas[:, None], 1)


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


def flow_evidence(reference: Frame, target: Frame, settings: FlowSettings) -> FlowEvidence:
    """The flow from ``target`` to the colored ``reference`` and what it says about their components.

    Flow and counting run at most ``settings.side`` pixels per side (nearest-neighbour label maps),
    which keeps a 1600 px frame as cheap as a 512 px one. With ``settings.check_tol`` > 0 a backward
    flow (``settings.check_method``) checks the forward one, on the pixels near a line.
    """
    from paintmatch.match.baselines import FlowMatcher, reduced_line_field

    forward = FlowMatcher(method=settings.method, max_side=settings.side, clip=settings.clip)
    small_flow, _ = forward.small_flow(reference, target)
    target_small = _small_labels(target, small_flow)
    reliability = None
    if settings.check_tol > 0 and reference.seg.shape == target.seg.shape:
        backward, _ = FlowMatcher(method=settings.check_method, max_side=settings.side, clip=settings.clip).small_flow(target, reference)
        # The target's line field on this grid (the forward flow's input): 0 far from every line.
        grid_size, _, clip = forward.grid(target.seg.shape)
        textured = reduced_line_field(target, target.seg.shape, grid_size, clip) > 0
        reliability = flow_reliability(small_flow, backward, target_small, target.n, settings.check_tol, textured)
    return _evidence_of(reference, target, small_flow, target_small, reliability)


def _small_labels(target: Frame, small_flow: np.ndarray) -> np.ndarray:
    """(h, w) int32: the target's components on the flow's reduced grid (nearest neighbour; -1 on lines)."""
    return cv2.resize(target.seg.labels, (small_flow.shape[1], small_flow.shape[0]), interpolation=cv2.INTER_NEAREST)


def _evidence_of(
    reference: Frame, target: Frame, small_flow: np.ndarray, target_small: np.ndarray, reliability: np.ndarray | None
) -> FlowEvidence:
    """The ``FlowEvidence`` of a flow target -> reference on the reduced grid: who covers whom once warped.

    ``target_small``: ``_small_labels(target, small_flow)``, which the caller already has.
    """
    size = (small_flow.shape[1], small_flow.shape[0])
    ref_labels = reference.seg.expanded_labels()
    ref_scale_x, ref_scale_y = ref_labels.shape[1] / size[0], ref_labels.shape[0] / size[1]
    xs, ys = np.meshgrid(np.arange(size[0], dtype=np.float32), np.arange(size[1], dtype=np.float32))
    source = cv2.remap(
        ref_labels.astype(np.float32),
        (xs + small_flow[..., 0]) * ref_scale_x,
        (ys + small_flow[..., 1]) * ref_scale_y,
        cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=-1.0,
    ).astype(np.int32)
    overlap = _overlap_counts(reference.n, target_small, source, target.n)
    return FlowEvidence(flow=small_flow, overlap=overlap, by_color=_by_color(overlap, reference.colors), reliability=reliability)


def color_margin(cost: np.ndarray, chosen: np.ndarray, colors: np.ndarray) -> np.ndarray:
    """(n_t,) float64: how much more the cheapest reference component of another color costs than the chosen one.

    Parameters
    ----------
    cost : (n_t, n_r) ndarray of float64
    chosen : (n_t,) ndarray of int
        Reference component of each target component.
    colors : (n_r, 4) ndarray of uint8
        Reference colors (a runner-up of the chosen color is no rival: it paints the same).
    """
    packed = pack_rgba(colors)
    rivals = np.where(packed[None, :] == packed[chosen][:, None], np.inf, cost)
    return rivals.min(axis=1) - cost[np.arange(cost.shape[0]), chosen]


def guided_flow_evidence(pair: "PairContext", chosen: np.ndarray, confident: np.ndarray, sigma: float) -> FlowEvidence | None:
    """The pair's flow run again from the motion of the regions matched with confidence (None without a flow).

    Optical flow on line art follows small motion; a limb that swings between two key drawings outruns its
    coarsest scale. The regions already matched with confidence say how far each part moved: every
    confident target component moves by its centroid's displacement to its reference component; a
    Gaussian (``sigma`` grid pixels) spreads those displacements over the frame (normalized convolution,
    the first flow where no confident region is near); the flow starts from that field and refines it.
    The first flow's forward-backward check is kept (its reliability says where line art gives the flow a hold).

    Parameters
    ----------
    pair : PairContext
    chosen : (n_t,) ndarray of int
        Reference component of each target component (the first assignment).
    confident : (n_t,) ndarray of bool
        The components whose match guides the flow.
    sigma : float
        Spread of each region's displacement, in pixels of the flow's grid.
    """
    from paintmatch.match.baselines import FlowMatcher

    first = pair.flow()
    if first is None:
        return None
    reference, target, settings = pair.reference, pair.target, pair.match.flow
    h, w = first.flow.shape[:2]
    scale = np.array([w / target.seg.shape[1], h / target.seg.shape[0]])
    moves = ((reference.seg.centroids[chosen] - target.seg.centroids) * scale).astype(np.float32)  # (n_t, 2) x, y
    labels = _small_labels(target, first.flow)
    inside = labels >= 0
    component = np.where(inside, labels, 0)
    weight = (inside & confident[component]).astype(np.float32)
    spread_weight = cv2.GaussianBlur(weight, (0, 0), sigma)
    spread_move = cv2.GaussianBlur(moves[component] * weight[..., None], (0, 0), sigma)
    fallback = 0.02  # weight of the first flow where no confident region is near: only where the spread is ~0
    initial = (spread_move + fallback * first.flow) / (spread_weight[..., None] + fallback)
    forward = FlowMatcher(method=settings.method, max_side=settings.side, clip=settings.clip)
    small_flow, _ = forward.small_flow(reference, target, initial=initial.astype(np.float32))
    return _evidence_of(reference, target, small_flow, labels, first.reliability)


# --- contexts ------------------------------------------------------------------------------------


@dataclass
class MatchContext:
    """What one ``match`` call computes once about its target, for the matches against each reference.

    Parameters
    ----------
    target : Frame
    flow : FlowSettings
        How the pairs compute their flow.
    part_model : str or None
        Part-field weights, or None where nothing asks for the part field. The target's part-field
        vectors start on the helper thread as soon as the context exists (beside the optical flow).
    part_mirror : str
        The fields of the part field that also see each frame mirrored (``component_part_embeddings``'s ``mirror``).
    """

    target: Frame
    flow: FlowSettings
    part_model: str | None = None
    part_mirror: str = ""
    _part: dict[int, tuple[Frame, Future]] = field(default_factory=dict, repr=False)
    _pixels: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        if self.part_model is not None:
            self.start_part_vectors(self.target)

    def start_part_vectors(self, frame: Frame) -> Future:
        """The future of ``frame``'s (n, D) part-field vectors, started on the helper thread once per frame."""
        if self.part_model is None:
            raise ValueError("this match computes no part field (the part term's weight and the veto are 0)")
        known = self._part.get(id(frame))
        if known is None:
            from paintmatch.features.part_field import component_part_embeddings

            known = (frame, in_background(component_part_embeddings, frame, self.part_model, self.part_mirror))
            self._part[id(frame)] = known  # the frame is held too, so its id is not reused meanwhile
        return known[1]

    def part_vectors(self, frame: Frame) -> np.ndarray:
        """(n, D) float32 part-field vectors of ``frame`` (waits for the helper thread)."""
        return self.start_part_vectors(frame).result()

    def pixels_below(self, area: int) -> tuple[np.ndarray, np.ndarray]:
        """``(mask, pixels)``: (n_t,) bool of the target's components under ``area`` pixels, and their flat pixel indices.

        Only their boxes are scanned: a few small components of a 1600 px frame cost far less than the image.
        """
        mask = self.target.seg.areas < area
        if area not in self._pixels:
            labels, bboxes = self.target.seg.labels, self.target.seg.bboxes
            width = labels.shape[1]
            found = [np.zeros(0, np.int64)]
            for i in np.flatnonzero(mask):
                x, y, w, h = bboxes[i]
                yy, xx = np.nonzero(labels[y : y + h, x : x + w] == i)
                found.append((yy + y).astype(np.int64) * width + (xx + x))
            self._pixels[area] = np.concatenate(found)
        return mask, self._pixels[area]

    def pair(self, reference: Frame) -> "PairContext":
        """The context of matching the target against ``reference`` (a colored frame)."""
        if reference.colors is None:
            raise ValueError("reference frame has no colors: pass a colored (painted) frame as reference")
        if self.part_model is not None:
            self.start_part_vectors(reference)
        return PairContext(reference=reference, target=self.target, match=self)


@dataclass
class PairContext:
    """One (reference, target) pair of a match: its flow and its terms' values, each computed once.

    Attributes
    ----------
    reference, target : Frame
    match : MatchContext
        The context of the whole match (part field, pixel lists).
    """

    reference: Frame
    target: Frame
    match: MatchContext
    _flow: FlowEvidence | None = field(default=None, repr=False)
    _values: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    def flow(self) -> FlowEvidence | None:
        """The ``FlowEvidence`` of this pair (None where the flow is off)."""
        if not self.match.flow.enabled:
            return None
        if self._flow is None:
            self._flow = flow_evidence(self.reference, self.target, self.match.flow)
        return self._flow

    def with_flow(self, evidence: FlowEvidence) -> "PairContext":
        """The same pair with another flow (``GuidedFlow``): terms that do not read the flow keep their values."""
        values = {name: value for name, value in self._values.items() if name != FlowTerm.name}
        return PairContext(reference=self.reference, target=self.target, match=self.match, _flow=evidence, _values=values)

    def value(self, term: "EvidenceTerm") -> np.ndarray:
        """``term(reference, target, self)``, computed once per pair and term name."""
        if term.name not in self._values:
            self._values[term.name] = term(self.reference, self.target, self)
        return self._values[term.name]


# --- terms ---------------------------------------------------------------------------------------


class EvidenceTerm:
    """A named, weighted cost: ``term(reference, target, pair)`` -> (n_t, n_r) float64, 0 for a perfect pair.

    Subclasses are frozen dataclasses with ``name`` (class attribute) and ``weight`` (first field).
    """

    name: str = ""
    weight: float

    def __call__(self, reference: Frame, target: Frame, pair: PairContext) -> np.ndarray:
        raise NotImplementedError


@dataclass(frozen=True)
class BackgroundTerm(EvidenceTerm):
    """1 where a target component away from the frame border meets a transparent border component of the reference."""

    weight: float
    name = "background"

    def __call__(self, reference: Frame, target: Frame, pair: PairContext) -> np.ndarray:
        t, r = shape_descriptors(target), shape_descriptors(reference)
        ref_bg = (reference.colors[:, 3] == 0) & r["border"]
        forbidden = np.zeros((target.n, reference.n))
        forbidden[np.ix_(~t["border"], ref_bg)] = 1.0
        return forbidden


@dataclass(frozen=True)
class AreaTerm(EvidenceTerm):
    """|log area difference| (areas as shares of the drawing's box)."""

    weight: float
    name = "area"

    def __call__(self, reference: Frame, target: Frame, pair: PairContext) -> np.ndarray:
        t, r = shape_descriptors(target), shape_descriptors(reference)
        return np.abs(t["log_area"][:, None] - r["log_area"][None, :])


@dataclass(frozen=True)
class FeatureTerm(EvidenceTerm):
    """Eq. (1) distance of appearance features (``frame_features``; ``source="none"``: 0)."""

    weight: float
    source: str = "shape"
    model: str = "default"
    name = "feat"

    def __call__(self, reference: Frame, target: Frame, pair: PairContext) -> np.ndarray:
        if self.source == "none":
            return np.zeros((target.n, reference.n))
        f_t = frame_features(target, self.source, model=self.model)
        f_r = frame_features(reference, self.source, model=self.model)
        return normalized_distance(f_t, f_r)


@dataclass(frozen=True)
class TraceTerm(EvidenceTerm):
    """1 where the two components border different sets of trace-line classes."""

    weight: float
    name = "trace"

    def __call__(self, reference: Frame, target: Frame, pair: PairContext) -> np.ndarray:
        return (target.seg.trace_sides[:, None] != reference.seg.trace_sides[None, :]).astype(np.float64)


def similarity_transform(src: np.ndarray, dst: np.ndarray, *, threshold: float) -> np.ndarray | None:
    """2x3 similarity (rotation, uniform scale, shift) from ``src`` to ``dst`` points by RANSAC (None: no fit)."""
    if src.shape[0] < 3:
        return None
    matrix, inliers = cv2.estimateAffinePartial2D(
        src.astype(np.float32), dst.astype(np.float32), method=cv2.RANSAC, ransacReprojThreshold=threshold
    )
    if matrix is None or inliers is None or inliers.sum() < 3:
        return None
    return matrix


@dataclass(frozen=True)
class PositionTerm(EvidenceTerm):
    """Centroid distance in drawing diagonals, the smaller of before and after a global alignment.

    The alignment (``align.enabled``): pairs whose rough cost (``appearance`` terms, weighted, plus the
    position) beats their runner-up by ``align.confident_margin`` give a RANSAC similarity transform of
    the target's centroids onto the reference's; a camera move or a walk across the frame then keeps
    the position evidence.
    """

    weight: float
    align: AlignSettings
    appearance: tuple[EvidenceTerm, ...] = ()
    name = "pos"

    def __call__(self, reference: Frame, target: Frame, pair: PairContext) -> np.ndarray:
        t, r = shape_descriptors(target), shape_descriptors(reference)
        pos_t = t["pos"]
        d_pos = np.linalg.norm(pos_t[:, None] - r["pos"][None], axis=2)
        if not self.align.enabled:
            return d_pos
        appearance = sum(term.weight * pair.value(term) for term in self.appearance)
        rough = appearance + self.weight * d_pos
        best = rough.argmin(axis=1)
        rows = np.arange(target.n)
        margin = np.partition(rough, 1, axis=1)[:, 1] - rough[rows, best] if reference.n > 1 else np.ones(target.n)
        confident = margin > self.align.confident_margin
        matrix = similarity_transform(pos_t[confident], r["pos"][best[confident]], threshold=self.align.ransac_threshold)
        if matrix is None:
            return d_pos
        aligned = pos_t @ matrix[:, :2].T + matrix[:, 2]
        d_aligned = np.linalg.norm(aligned[:, None] - r["pos"][None], axis=2)
        return np.minimum(d_pos, d_aligned)


@dataclass(frozen=True)
class FlowTerm(EvidenceTerm):
    """1 - the share of the target covered by the flow-warped reference (``color_vote`` of it per color),
    times the flow check's factor in [``check_floor``, 1]; 0 where the flow is off."""

    weight: float
    settings: FlowSettings
    name = "flow"

    def __call__(self, reference: Frame, target: Frame, pair: PairContext) -> np.ndarray:
        evidence = pair.flow()
        if evidence is None:
            return np.zeros((target.n, reference.n))
        vote = self.settings.color_vote
        mixed = (1.0 - vote) * evidence.overlap + vote * evidence.by_color
        factor = np.ones(target.n)
        if evidence.reliability is not None:
            large = ~within_share(target, self.settings.check_max_share)
            reliability = np.where(large, 1.0, evidence.reliability)
            factor = self.settings.check_floor + (1 - self.settings.check_floor) * reliability
        return factor[:, None] * (1.0 - mixed)


@dataclass(frozen=True)
class PartTerm(EvidenceTerm):
    """1 - the cosine of the two components' part-field vectors, only between components both up to
    ``settings.max_share`` of their frames (0 elsewhere, and everywhere when the weight is 0)."""

    weight: float
    settings: PartFieldSettings
    name = "part"

    def __call__(self, reference: Frame, target: Frame, pair: PairContext) -> np.ndarray:
        if self.weight <= 0:
            return np.zeros((target.n, reference.n))
        similarity = pair.match.part_vectors(target) @ pair.match.part_vectors(reference).T
        part = 1.0 - similarity.astype(np.float64)
        part[~within_share(target, self.settings.max_share)] = 0.0
        part[:, ~within_share(reference, self.settings.max_share)] = 0.0
        return part
