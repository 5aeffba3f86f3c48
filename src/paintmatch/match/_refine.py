"""Assignment and refinement steps of ``best``: each a small named object that takes a ``Matching`` and returns one.

Against one colored frame, right after the first assignment:

- ``GuidedFlow``: the flow run again from the motion of the confidently matched regions; the pair with that
  flow gives a new cost, assigned again.

Against one colored frame (``PairStep``: ``step(pair, cost, matching) -> Matching``):

- ``NeighbourConsistency``: a pair's cost drops with the share of the target's neighbours matched to the
  reference's neighbours, then the assignment runs again.
- ``TinyRegionVote``: components under a few pixels take the majority color the flow maps their pixels to.

Across the colored frames (after the pair steps):

- ``AnchorMerge``: the more confident of the previous frame's and the painter's frame's matches, the part field's
  support for each color counted in.
- ``PartFieldVeto``: where the part field is far surer of another color of the painter's frame, that color.
- ``TraceLineConsistency``: across each trace line, a pair of colors the painter's frame also has across such a line.

Last:

- ``CalibratedConfidence``: the final confidence, P(the color is right) from what the steps above agreed on
  (``MatchStages``), how far the part field agrees with the final colors (``PartAgreement``) and whether a
  component took the color of its neighbours (``NeighbourColors``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paintmatch.match import Frame, Matching
from paintmatch.match._color_choice import Candidates
from paintmatch.match._evidence import MatchContext, PairContext, color_margin, guided_flow_evidence, within_share
from paintmatch.match.simple import assign
from paintmatch.rgba import pack_rgba
from paintmatch.segment import Segmentation

__all__ = [
    "Assignment", "GuidedFlow", "NeighbourConsistency", "TinyRegionVote", "AnchorMerge", "PartFieldVeto",
    "TraceLineConsistency", "trace_color_pairs", "CalibratedConfidence", "MatchStages", "PartAgreement",
    "NeighbourColors", "confidence_features", "part_similarities", "part_support",
]


@dataclass(frozen=True)
class Assignment:
    """Hungarian assignment on the cost, completed many-to-one (``paintmatch.match.simple.assign``).

    ``assignment(reference, cost)`` returns a ``Matching``: reference index, its color, ``confidence_from_cost``
    in [0, 1], stage 0 (one-to-one) or 2 (completion).
    """

    slack: float
    name = "assignment"

    def __call__(self, reference: Frame, cost: np.ndarray) -> Matching:
        chosen, confidence, stage = assign(cost, slack=self.slack)
        return Matching(ref_index=chosen, colors=reference.colors[chosen].copy(), confidence=confidence, stage=stage)


def _recolored(matching: Matching, which: np.ndarray, colors: np.ndarray, ref_index: np.ndarray) -> Matching:
    """A copy of ``matching`` whose components ``which`` (index or mask) take ``colors`` and ``ref_index``."""
    new_colors, new_index = matching.colors.copy(), matching.ref_index.copy()
    new_colors[which] = colors
    new_index[which] = ref_index
    return Matching(ref_index=new_index, colors=new_colors, confidence=matching.confidence, stage=matching.stage)


@dataclass(frozen=True)
class GuidedFlow:
    """The pair with its flow run again from the motion of the regions the first assignment is sure of.

    A target component guides when the cheapest reference component of another color costs over ``margin``
    more than its match, and both are up to ``max_share`` of their frames (a large region's centroid moves with
    what covers it). ``guided_flow_evidence`` has how.
    ``step(pair, cost, matching)`` returns the new ``PairContext`` (the pair itself without a flow or with
    fewer than three guides).
    """

    margin: float
    sigma: float
    max_share: float
    name = "guided-flow"

    def __call__(self, pair: PairContext, cost: np.ndarray, matching: Matching) -> PairContext:
        reference, target = pair.reference, pair.target
        chosen = matching.ref_index
        confident = (
            (color_margin(cost, chosen, reference.colors) > self.margin)
            & within_share(target, self.max_share) & within_share(reference, self.max_share)[chosen]
        )
        if confident.sum() < 3:
            return pair
        evidence = guided_flow_evidence(pair, chosen, confident, self.sigma)
        return pair if evidence is None else pair.with_flow(evidence)


@dataclass(frozen=True)
class NeighbourConsistency:
    """Cost lowered where a pair's neighbours are matched to each other's neighbours, then re-assigned.

    ``support[t, r]`` = share of t's neighbours whose current match is r or a neighbour of r
    (``A_t @ P @ (A_r + I) / deg(t)`` with P the one-hot matching): a region beside the iris is
    drawn towards the regions beside the matched iris. ``rounds`` rounds of this are a cheap
    relaxation of the graph matching objective (pairwise agreement of neighbourhoods).
    """

    weight: float
    rounds: int
    assignment: Assignment
    name = "neighbour-consistency"

    def __call__(self, pair: PairContext, cost: np.ndarray, matching: Matching) -> Matching:
        from scipy.sparse import coo_matrix, identity

        reference, target = pair.reference, pair.target

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
        for _ in range(self.rounds):
            one_hot = coo_matrix((np.ones(target.n), (np.arange(target.n), matching.ref_index)), shape=(target.n, reference.n)).tocsr()
            support = (a_t @ one_hot @ a_r).toarray() / degree[:, None]
            matching = self.assignment(reference, cost - self.weight * support)
        return matching


#: The side of the frames the steps' pixel sizes were measured on and the color choice and confidence learned from:
#: the production-like cuts are 1024 x 1024. A frame of another size scales them (``area_scale``): production-like dev
#: at twice the size (2048 px, HD-like) scored 0.9253 with them fixed, against 0.9393 at 1024 px.
REFERENCE_SIDE = 1024


def area_scale(shape: tuple[int, int]) -> float:
    """How many of a ``REFERENCE_SIDE`` frame's pixels one pixel of a frame of ``shape`` (H, W) is worth, squared:
    ``H * W / REFERENCE_SIDE**2`` (4 for a 2048 px frame). Areas scale by it, lengths by its square root."""
    return float(shape[0]) * float(shape[1]) / REFERENCE_SIDE**2


def reference_areas(seg: Segmentation) -> np.ndarray:
    """(n,) float64: ``seg``'s component areas in pixels of a ``REFERENCE_SIDE`` frame (``area_scale``): the areas the
    color choice and the confidence learned from."""
    return seg.areas / area_scale(seg.shape)


@dataclass(frozen=True)
class TinyRegionVote:
    """Components under ``area`` pixels take the majority color of the reference pixels the flow maps them to.

    ``area`` is in pixels of a ``REFERENCE_SIDE`` frame, scaled to the target's size (``area_scale``).

    Their shape and position are too noisy to match one by one. Only their own pixels are looked up, at
    full resolution (the reduced flow is sampled at their positions and scaled up). Nothing without flow.
    """

    area: float
    name = "tiny-region-vote"

    def __call__(self, pair: PairContext, cost: np.ndarray, matching: Matching) -> Matching:
        from paintmatch.match.baselines import vote

        evidence = pair.flow()
        reference, target = pair.reference, pair.target
        tiny, pixels = pair.match.pixels_below(max(1, round(self.area * area_scale(target.seg.shape))))
        if evidence is None or not tiny.any():
            return matching
        small_flow = evidence.flow
        labels = target.seg.labels
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
        return _recolored(matching, use, voted.colors[use], voted.ref_index[use])


@dataclass(frozen=True)
class AnchorMerge:
    """Each component takes the anchor's match where its score beats the previous frame's by over ``margin``.

    A match's score is its assignment confidence plus ``part_weight`` times the part field's support for its color
    (``part_support``, against the painter's frame): where the previous painted frame and the painter's frame give
    different colors, the one the part field also points to wins unless the other is much surer. Without a part
    field, the confidences alone. Those components get ``ref_index`` -1 (their reference is another frame); the
    stage stays the previous frame's.
    """

    margin: float
    part_weight: float
    name = "anchor-merge"

    def __call__(self, previous: Matching, anchored: Matching,
                 support: tuple[np.ndarray, np.ndarray] | None = None) -> Matching:
        """``support``: the part field's (previous, anchored) support, each (n_t,) float, or None."""
        score_previous = previous.confidence.astype(np.float64)
        score_anchored = anchored.confidence.astype(np.float64)
        if support is not None:
            score_previous = score_previous + self.part_weight * support[0]
            score_anchored = score_anchored + self.part_weight * support[1]
        better = score_anchored > score_previous + self.margin
        colors = previous.colors.copy()
        colors[better] = anchored.colors[better]
        return Matching(
            ref_index=np.where(better, -1, previous.ref_index),
            colors=colors,
            confidence=np.where(better, anchored.confidence, previous.confidence),
            stage=previous.stage,
        )


def part_support(context: MatchContext, painted: Frame, colors: np.ndarray) -> np.ndarray:
    """(n_t,) float64: the part field's support for each target component's color in ``colors`` (n_t, 4) uint8.

    The cosine similarity of the component's part vector to the nearest component of ``painted`` with that color
    (``part_similarities``' ``of_chosen``); -1, the least a cosine can be, where ``painted`` lacks the color.
    """
    _, _, of_chosen = part_similarities(context.part_vectors(context.target), context.part_vectors(painted),
                                        painted.colors, colors)
    return np.where(np.isfinite(of_chosen), of_chosen, -1.0).astype(np.float64)


def part_similarities(target_vectors: np.ndarray, painted_vectors: np.ndarray, painted_colors: np.ndarray,
                      colors: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(top, nearest, of_chosen)``, each (n_t,): what the part field says of each target component's color.

    ``top`` (float32): the cosine similarity of its part vector (n_t, D) to the nearest painted component's (n_p, D),
    ``nearest`` (int): that component's index, ``of_chosen`` (float32): the similarity to the nearest painted
    component of the color in ``colors`` (n_t, 4) uint8, -inf where no painted component has that color
    (``painted_colors`` (n_p, 4) uint8).
    """
    similarity = target_vectors @ painted_vectors.T
    nearest = similarity.argmax(axis=1)
    top = similarity[np.arange(len(target_vectors)), nearest]
    same_color = pack_rgba(painted_colors)[None, :] == pack_rgba(colors)[:, None]
    of_chosen = np.where(same_color, similarity, -np.inf).max(axis=1)
    return top, nearest, of_chosen


@dataclass(frozen=True)
class PartAgreement:
    """How far the part field agrees with the final colors, per target component, against the painter's frame.

    Attributes
    ----------
    gap : (n,) ndarray of float64
        The part vector's similarity to the nearest painted component minus that to the nearest one of the final
        color: 0 where the field's own choice has that color; ``ABSENT_GAP`` where no painted component has it.
    top : (n,) ndarray of float64
        The similarity to the nearest painted component (low: a part the painted frame hardly shows).
    views_agree : (n,) ndarray of float64
        The share of the field's views (each field of the ensemble, and each one's mirrored view) whose own nearest
        painted component has the final color: where the views disagree, the average's choice is a close call.
    """

    gap: np.ndarray
    top: np.ndarray
    views_agree: np.ndarray

    #: The gap of a color the painter's frame lacks: cosine similarities differ by at most 2.
    ABSENT_GAP = 2.0

    @classmethod
    def of(cls, context: MatchContext, painted: Frame, colors: np.ndarray) -> "PartAgreement":
        """The agreement of ``colors`` (n_t, 4) uint8 with the part field of ``context``'s target and ``painted``."""
        from paintmatch.features.part_field import nearest_by_view, part_field_view_sizes

        if painted.n == 0:  # nothing painted to compare with: no agreement
            return cls(gap=np.full(len(colors), cls.ABSENT_GAP), top=np.zeros(len(colors)), views_agree=np.zeros(len(colors)))
        target_vectors, painted_vectors = context.part_vectors(context.target), context.part_vectors(painted)
        top, _, of_chosen = part_similarities(target_vectors, painted_vectors, painted.colors, colors)
        gap = np.where(np.isfinite(of_chosen), top - of_chosen, cls.ABSENT_GAP)
        nearest = nearest_by_view(target_vectors, painted_vectors,
                                  part_field_view_sizes(context.part_model, context.part_mirror))
        agree = (pack_rgba(painted.colors)[nearest] == pack_rgba(colors)[None, :]).mean(axis=0)
        return cls(gap=gap.astype(np.float64), top=top.astype(np.float64), views_agree=agree.astype(np.float64))


@dataclass(frozen=True)
class NeighbourColors:
    """How the final colors sit among each target component's neighbours (``Segmentation.adjacency``).

    A wrong match most often takes the color of a neighbour (a shirt piece painted as the arm beside it, a shadow as
    its lit side), while a painter's frame seldom has two neighbouring components of one color (a fold line, a
    closed gap): so a component sharing its color with its neighbours, above all one of a color that the painter's
    frame never shows beside itself, is more often wrong (what ``CalibratedConfidence`` reads).

    Attributes
    ----------
    same : (n,) ndarray of float64
        The share of the component's neighbours given its final color (0 without neighbours).
    unseen_beside_itself : (n,) ndarray of float64
        ``same`` where no two neighbouring components of the painter's frame have that color, else 0.
    """

    same: np.ndarray
    unseen_beside_itself: np.ndarray

    @classmethod
    def of(cls, adjacency: np.ndarray, colors: np.ndarray, painted: Frame) -> "NeighbourColors":
        """From the target's ``adjacency`` (m, 2) int32, its final ``colors`` (n, 4) uint8 and the painter's frame."""
        keys, n = pack_rgba(colors), len(colors)
        a, b = adjacency[:, 0], adjacency[:, 1]
        neighbours = np.bincount(a, minlength=n) + np.bincount(b, minlength=n)
        alike = keys[a] == keys[b]
        same = (np.bincount(a[alike], minlength=n) + np.bincount(b[alike], minlength=n)) / np.maximum(neighbours, 1)
        painted_keys = pack_rgba(painted.colors)
        key_a, key_b = painted_keys[painted.seg.adjacency[:, 0]], painted_keys[painted.seg.adjacency[:, 1]]
        beside_itself = np.unique(key_a[key_a == key_b])
        return cls(same=same.astype(np.float64), unseen_beside_itself=np.where(np.isin(keys, beside_itself), 0.0, same))


@dataclass(frozen=True)
class MatchStages:
    """What ``BestMatcher.match_stages`` passes to the calibrated confidence.

    Attributes
    ----------
    previous : Matching
        The match against the previous painted frame (the reference).
    anchored : Matching or None
        The match against the painter's frame (None without an anchor, or with the anchor merge off).
    final : Matching
        The merged, vetoed result (its confidence the assignment's).
    part : PartAgreement or None
        The part field's view of ``final``'s colors (None when ``best`` runs without a part field).
    neighbours : NeighbourColors or None
        How ``final``'s colors sit among the neighbours (None: read as no neighbour of the same color).
    candidates : Candidates or None
        Each component's candidate colors and what describes them (``BestMatcher.match_stages``: when the color choice
        is on, or asked for), described before the choice.
    choice_probability : (n,) ndarray of float64 or None
        The color choice's P(the final color is right), NaN for components without candidates (None without the
        choice): ``best``'s confidence where it is known (``CalibratedConfidence``).
    """

    previous: Matching
    anchored: Matching | None
    final: Matching
    part: PartAgreement | None
    neighbours: NeighbourColors | None = None
    candidates: Candidates | None = None
    choice_probability: np.ndarray | None = None


@dataclass(frozen=True)
class PartFieldVeto:
    """Recolor the components whose part field prefers another color of the painter's frame by over ``margin``.

    Only components up to ``max_share`` of the target, compared with the painter's components up to
    ``painted_max_share`` of theirs and with the painter's transparent ones of any size (the background is a part
    too: a head that took the background through the flow is given back its color, and a speck of background that
    took a color is given back the transparency). Mostly parts the painted frame never shows (an ear turning into
    view): nothing corresponds to them, flow and position point at whatever covered them, and the part field,
    trained to draw such parts to the parts painted like them, knows better. Vetoed components get
    ``ref_index`` -1. Comparing with the transparent components too: production-like dev 0.8993 -> 0.8996, leaked
    regions 40 -> 33; real dev 0242 warps and clean dev 12x8 unchanged (against best version 8, margin 0.2).
    """

    margin: float
    max_share: float
    painted_max_share: float
    name = "part-field-veto"

    def vetoed(self, painted_vectors: np.ndarray, target_vectors: np.ndarray, painted: Frame, target: Frame,
               colors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(vetoed, new_colors)``: (n_t,) bool and the (k, 4) colors of the vetoed components, from the vectors."""
        in_target = within_share(target, self.max_share)
        in_painted = np.flatnonzero(within_share(painted, self.painted_max_share) | (painted.colors[:, 3] == 0))
        if in_painted.size == 0:
            return np.zeros(target.n, dtype=bool), np.zeros((0, 4), np.uint8)
        top, nearest, of_chosen = part_similarities(target_vectors, painted_vectors[in_painted], painted.colors[in_painted], colors)
        # A chosen color that the painted frame's compared components lack has nothing to compare: kept.
        vetoed = in_target & np.isfinite(of_chosen) & (top - of_chosen > self.margin)
        return vetoed, painted.colors[in_painted[nearest[vetoed]]]

    def __call__(self, context: MatchContext, painted: Frame, matching: Matching) -> Matching:
        target = context.target
        vetoed, colors = self.vetoed(context.part_vectors(painted), context.part_vectors(target), painted, target, matching.colors)
        return _recolored(matching, vetoed, colors, -1)


def trace_color_pairs(frame: Frame, min_length: float, junction_radius: int = 0) -> set[tuple[int, int, int]]:
    """The color pairs a colored ``frame`` has across its trace lines: ``(packed color, packed color, LineClass)``,
    the two colors in ascending order, from its seams of at least ``min_length`` px away from main lines by over
    ``junction_radius`` px (``Segmentation.trace_pairs``)."""
    pairs = frame.seg.trace_pairs(junction_radius)
    pairs = pairs[pairs[:, 3] >= min_length]
    keys = pack_rgba(frame.colors).astype(np.int64)
    a, b = keys[pairs[:, 0]], keys[pairs[:, 1]]
    return set(zip(np.minimum(a, b).tolist(), np.maximum(a, b).tolist(), pairs[:, 2].tolist()))


@dataclass(frozen=True)
class TraceLineConsistency:
    """Across each trace line, a pair of colors the painter's frame also has across such a line.

    A colored trace line (a shadow's or a highlight's edge) is drawn where one paint meets another, and the painter's
    frame shows which paints meet there (``trace_color_pairs``): the lit and the shadowed skin across a blue line,
    never skin and skin. Only seams of ``min_length`` px or more count, in both frames, and only their pixels over
    ``junction_radius`` px from a main line: where a trace line meets or crosses an outline, the components across
    the outline seem to meet it, and those false seams made every short seam suspect. A target seam whose two colors the painter's frame never has across a
    line of that class is a contradiction: one of its two components is wrong, most often a shadow
    taken for its lit side (a shade swap keeps every other piece of evidence alike). The fix recolors one of the
    two, up to ``max_area`` px (any size when it is transparent: a trace line is drawn inside paint, so a component
    across one that took the background or a hole is a leak; production-like dev leaked 23 -> 21) and not recolored
    yet, with a color that makes the pair one the painter shows and
    that meets more of its trace-line neighbours as the painter's frame does than its own color; of those, the one
    the part field likes best (the cosine to the nearest painted component of the color), unless the part field
    prefers the component's own color by more than ``margin``. Seams longest first. Recolored components get
    ``ref_index`` -1.
    """

    min_length: int
    margin: float
    max_area: int
    junction_radius: int = 0
    name = "trace-line-consistency"

    def recolored(self, painted: Frame, target: Frame, colors: np.ndarray, target_vectors: np.ndarray,
                  painted_vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``(changed, new_colors)``: (n_t,) bool and the (k, 4) uint8 colors of the recolored components.

        ``colors``: (n_t, 4) uint8, the target's current colors; ``*_vectors``: (n, D) unit part-field vectors.
        """
        # Lengths and areas measured at REFERENCE_SIDE, scaled to this frame.
        scale = area_scale(target.seg.shape)
        min_length, max_area = self.min_length * scale**0.5, self.max_area * scale
        junction_radius = round(self.junction_radius * scale**0.5)
        seen = trace_color_pairs(painted, min_length, junction_radius)
        partners: dict[tuple[int, int], set[int]] = {}
        for x, y, line_class in seen:
            partners.setdefault((x, line_class), set()).add(y)
            partners.setdefault((y, line_class), set()).add(x)
        painted_keys = pack_rgba(painted.colors).astype(np.int64)
        palette = np.unique(painted_keys)
        similarity = target_vectors @ painted_vectors.T
        # (n_t, k): the part field's cosine of each target component to the nearest painted component of each color
        by_color = np.stack([similarity[:, painted_keys == c].max(axis=1) for c in palette], axis=1)
        column = {int(c): i for i, c in enumerate(palette)}
        seams = target.seg.trace_pairs(junction_radius)
        seams = seams[seams[:, 3] >= min_length]
        seams = seams[np.argsort(-seams[:, 3], kind="stable")]
        around: dict[int, list[tuple[int, int, int]]] = {}
        for a, b, line_class, length in seams.tolist():
            around.setdefault(a, []).append((b, line_class, length))
            around.setdefault(b, []).append((a, line_class, length))
        keys = pack_rgba(colors).astype(np.int64)

        def agreement(component: int, color: int) -> int:
            """Seam length around ``component`` whose pair with ``color`` the painter's frame shows."""
            return sum(length for other, line_class, length in around[component]
                       if (min(color, keys[other]), max(color, keys[other]), line_class) in seen)

        changed = np.zeros(target.n, dtype=bool)
        for a, b, line_class, _ in seams.tolist():
            if (min(keys[a], keys[b]), max(keys[a], keys[b]), line_class) in seen:
                continue
            best: tuple[float, int, int] | None = None
            for component, other in ((a, b), (b, a)):
                own = int(keys[component])
                # A trace line is drawn inside paint: a transparent component across one is a leak at any size.
                large = target.seg.areas[component] > max_area and colors[component, 3] > 0
                if changed[component] or large or own not in column:
                    continue
                agrees = agreement(component, own)
                for color in partners.get((int(keys[other]), line_class), ()):
                    if color == own or agreement(component, color) <= agrees:
                        continue
                    gain = by_color[component, column[color]] - by_color[component, column[own]]
                    if best is None or gain > best[0]:
                        best = (gain, component, color)
            if best is not None and best[0] > -self.margin:
                _, component, color = best
                keys[component] = color
                changed[component] = True
        new_colors = painted.colors[[int(np.flatnonzero(painted_keys == keys[i])[0]) for i in np.flatnonzero(changed)]]
        return changed, new_colors.reshape(-1, 4)

    def __call__(self, context: MatchContext, painted: Frame, matching: Matching) -> Matching:
        target = context.target
        changed, colors = self.recolored(painted, target, matching.colors, context.part_vectors(target),
                                         context.part_vectors(painted))
        return _recolored(matching, changed, colors, -1)


def confidence_features(stages: MatchStages, areas: np.ndarray) -> np.ndarray:
    """(n, 12) float64: what ``CalibratedConfidence`` reads per component.

    Columns: the previous frame's assignment confidence, the painter's frame's (the previous frame's again when
    there is no anchor), both gave the same color (0/1), the final color is neither (0/1: a vote or the veto),
    min(log area, 10) / 10, the previous match was a many-to-one completion (0/1), the first times the third, the
    part field's ``PartAgreement``: gap, top similarity and views_agree (0, 1 and 1, full agreement, without a part
    field), and ``NeighbourColors``: same and unseen_beside_itself (0 and 0 without them).
    """
    previous, final = stages.previous, stages.final
    anchored = previous if stages.anchored is None else stages.anchored
    c_prev = previous.confidence.astype(np.float64)
    final_key = pack_rgba(final.colors)
    agree = (pack_rgba(previous.colors) == pack_rgba(anchored.colors)).astype(np.float64)
    other = ((final_key != pack_rgba(previous.colors)) & (final_key != pack_rgba(anchored.colors))).astype(np.float64)
    area = np.minimum(np.log(np.maximum(np.asarray(areas, dtype=np.float64), 1.0)), 10.0) / 10.0
    completion = (np.asarray(previous.stage) == 2).astype(np.float64)
    n = len(c_prev)
    part_gap = np.zeros(n) if stages.part is None else stages.part.gap
    part_top = np.ones(n) if stages.part is None else stages.part.top
    views_agree = np.ones(n) if stages.part is None else stages.part.views_agree
    same = np.zeros(n) if stages.neighbours is None else stages.neighbours.same
    unseen_beside_itself = np.zeros(n) if stages.neighbours is None else stages.neighbours.unseen_beside_itself
    return np.stack([c_prev, anchored.confidence.astype(np.float64), agree, other, area, completion, c_prev * agree,
                     part_gap, part_top, views_agree, same, unseen_beside_itself], axis=1)


@dataclass(frozen=True)
class CalibratedConfidence:
    """The final ``confidence``: the color choice's P(the color is right) where it has one (components over
    ``MAX_SPECK`` px with the choice on), else a logistic model of it over ``confidence_features``.

    The choice's trees read every column of the logistic model and more: on held-out production-like dev cuts 6-11
    they alone catch 0.722 of the wrong ones at 10% flagged and 0.935 at 20%, the twelve columns refitted on cuts 0-5
    0.630 and 0.869, both together 0.705 and 0.929 (best defaults version 17).

    The assignment's own confidence (a cost margin) ranks errors poorly under large motion; whether the previous
    painted frame and the painter's frame agree, whether the part field agrees and whether the component took its
    neighbours' color say more (``best_defaults.yaml``,
    group ``confidence``, has the coefficients and the measurement). Colors are unchanged.
    """

    coefficients: tuple[float, ...]  # bias, then one per column of confidence_features
    name = "calibrated-confidence"

    def __call__(self, stages: MatchStages, areas: np.ndarray) -> Matching:
        features = confidence_features(stages, areas)
        z = self.coefficients[0] + features @ np.asarray(self.coefficients[1:], dtype=np.float64)
        probability = 1.0 / (1.0 + np.exp(-z))
        if stages.choice_probability is not None:
            known = np.isfinite(stages.choice_probability)
            probability = np.where(known, stages.choice_probability, probability)
        final = stages.final
        return Matching(ref_index=final.ref_index, colors=final.colors, confidence=probability.astype(np.float32),
                        stage=final.stage)
