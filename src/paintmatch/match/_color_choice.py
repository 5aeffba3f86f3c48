"""The color choice of ``best``: a learned model weighs every piece of evidence for each component's likely colors.

The steps before it each read one or two pieces of evidence and settle by a fixed rule (a weighted sum of the terms,
the more confident of two matches, the part field's veto past a margin). For each target component, the color
choice lists a few candidate colors of the painter's frame (the final color, the previous frame's and the painter's
frame's matches, each part-field view's nearest color, the part field's and the two costs' next best colors) and
describes each candidate by ``CANDIDATE_COLUMNS``: every evidence term of its best reference component in both
pairs, its cost gap and rank, the part field's gap and the views that vote for it, how its neighbours' colors sit
beside that color in the painter's frame. A gradient-boosted tree model (``paintmatch train --config
configs/color-choice-production.yaml``: fitted on production-like cuts that no benchmark scores, run as ONNX by
onnxruntime) gives P(the candidate is the right color); the component takes the most likely candidate where it beats
the final color's by over ``margin``.

The model reads the part fields, the terms and the steps of ``best`` as they are: after a change to any of those,
train it again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paintmatch.errors import ModelError
from paintmatch.features.part_field import nearest_by_view
from paintmatch.match import Frame, Matching
from paintmatch.rgba import pack_rgba

__all__ = ["PairEvidence", "Candidates", "candidate_colors", "likeliest_rows", "ColorChoice", "CANDIDATE_COLUMNS",
           "COMPONENT_COLUMNS", "CHOICE_COLUMNS"]

#: The evidence terms whose values describe a candidate (``BestMatcher.terms``' names, in order).
TERM_NAMES = ("background", "area", "feat", "trace", "pos", "flow", "part")
#: Cost gaps and area differences are clipped here: past it a candidate is simply far (a clear split of the values).
CLIP_GAP = 3.0
CLIP_COST = 10.0
CLIP_AREA = 5.0
CLIP_RANK = 5
#: The value of a term where the reference frame has no component of the candidate's color.
ABSENT_TERM = -1.0
#: Components up to this many pixels get no candidates (the model trains on larger ones, the regions acc_thres scores).
MAX_SPECK = 10

#: What describes one candidate color of one component, in the model's input order.
CANDIDATE_COLUMNS: tuple[str, ...] = (
    "is_final", "is_previous", "is_anchored",
    "cost_gap_previous", "absent_previous", "cost_gap_anchored", "cost_previous",
    "part_gap", "views", "rank_previous", "rank_anchored", "rank_part",
    "neighbours_of_color", "neighbours_of_color_unseen_beside_itself", "neighbours_beside_color",
    "neighbour_colors_jaccard", "area_difference", "painted_components_of_color",
    *(f"previous_{t}" for t in TERM_NAMES), *(f"anchored_{t}" for t in TERM_NAMES),
)
#: What describes the component itself (the same for each of its candidates), after the candidate's columns.
COMPONENT_COLUMNS: tuple[str, ...] = (
    "log_area", "c_prev", "c_anchor", "agree", "other", "area", "completion", "c_prev_agree", "part_gap_final",
    "part_top", "views_agree", "same", "unseen_beside_itself", "candidates",
)
CHOICE_COLUMNS = CANDIDATE_COLUMNS + COMPONENT_COLUMNS


@dataclass(frozen=True)
class PairEvidence:
    """One pair's cost and its terms, as the assignment saw them (after the guided flow).

    Attributes
    ----------
    reference_colors : (n_r, 4) ndarray of uint8
    cost : (n_t, n_r) ndarray of float64
        The weighted sum of the terms.
    terms : (T, n_t, n_r) ndarray of float64
        Each term's unweighted value, in ``TERM_NAMES``' order.
    """

    reference_colors: np.ndarray
    cost: np.ndarray
    terms: np.ndarray

    def by_color(self, palette: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(gap, cost, terms)`` per target component and ``palette`` color (k,) uint32 packed.

        ``gap`` (n_t, k): the cheapest reference component of the color costs this much more than the cheapest of all
        (``CLIP_GAP`` where the reference lacks the color); ``cost`` (n_t, k) that cost (clipped at ``CLIP_COST``);
        ``terms`` (n_t, k, T): the terms of that component (``ABSENT_TERM`` where the reference lacks the color).
        """
        n_t, k = self.cost.shape[0], len(palette)
        keys = pack_rgba(self.reference_colors)
        gap, cost = np.full((n_t, k), CLIP_GAP), np.full((n_t, k), CLIP_COST)
        terms = np.full((n_t, k, self.terms.shape[0]), ABSENT_TERM)
        if n_t == 0 or self.cost.shape[1] == 0:
            return gap, cost, terms
        cheapest = self.cost.min(axis=1)
        rows = np.arange(n_t)
        for i, color in enumerate(palette):
            of_color = np.flatnonzero(keys == color)
            if of_color.size:
                best = of_color[self.cost[:, of_color].argmin(axis=1)]
                gap[:, i] = np.minimum(self.cost[rows, best] - cheapest, CLIP_GAP)
                cost[:, i] = np.minimum(self.cost[rows, best], CLIP_COST)
                terms[:, i] = self.terms[:, rows, best].T
        return gap, cost, terms


@dataclass(frozen=True)
class Candidates:
    """The candidate colors of every target component and what describes each (one row per candidate).

    Attributes
    ----------
    component : (m,) ndarray of int64
        The target component of each row (rows grouped by component, ascending).
    color : (m, 4) ndarray of uint8
        The candidate color.
    features : (m, len(CHOICE_COLUMNS)) ndarray of float32
    is_final : (m,) ndarray of bool
        The row is the component's color before the choice (exactly one per component with rows; components up to
        ``MAX_SPECK`` px have none).
    """

    component: np.ndarray
    color: np.ndarray
    features: np.ndarray
    is_final: np.ndarray


def _ranks(values: np.ndarray) -> np.ndarray:
    """(n, k) float64: each value's rank in its row (0 = smallest), clipped at ``CLIP_RANK``."""
    return np.minimum(np.argsort(np.argsort(values, axis=1, kind="stable"), axis=1), CLIP_RANK).astype(np.float64)


def candidate_colors(*, final: Matching, previous: Matching, anchored: Matching | None, previous_pair: PairEvidence,
                     anchored_pair: PairEvidence | None, painted: Frame, target: Frame, target_vectors: np.ndarray,
                     painted_vectors: np.ndarray, view_sizes: list[int], component_features: np.ndarray) -> Candidates:
    """Every target component's candidate colors of the painter's frame ``painted`` and their ``CHOICE_COLUMNS``.

    ``final``, ``previous``, ``anchored``: the merged result and the matches against the previous painted frame and
    the painter's frame (None: the previous one's again); ``*_pair``: those matches' costs; ``*_vectors``: (n, D)
    unit part-field vectors, the views concatenated (``view_sizes``); ``component_features``: (n_t, 12)
    ``confidence_features`` of ``final``.
    """
    anchored = previous if anchored is None else anchored
    anchored_pair = previous_pair if anchored_pair is None else anchored_pair
    painted_keys = pack_rgba(painted.colors)
    palette = np.unique(painted_keys)
    n, k = target.n, len(palette)

    def one_hot(colors: np.ndarray) -> np.ndarray:
        return (pack_rgba(colors)[:, None] == palette[None, :]).astype(np.float64)

    is_final, is_previous, is_anchored = one_hot(final.colors), one_hot(previous.colors), one_hot(anchored.colors)
    gap_previous, cost_previous, terms_previous = previous_pair.by_color(palette)
    gap_anchored, _, terms_anchored = anchored_pair.by_color(palette)
    absent_previous = np.broadcast_to(~np.isin(palette, pack_rgba(previous_pair.reference_colors)), (n, k))
    # The part field: the cosine to the nearest painted component of each color, and each view's own nearest color.
    similarity = target_vectors @ painted_vectors.T
    of_color = np.stack([similarity[:, painted_keys == c].max(axis=1) for c in palette], axis=1)
    part_gap = of_color.max(axis=1, keepdims=True) - of_color
    views = np.zeros((n, k))
    for nearest in nearest_by_view(target_vectors, painted_vectors, view_sizes):
        views[np.arange(n), np.searchsorted(palette, painted_keys[nearest])] += 1
    views /= len(view_sizes)
    # The neighbours: the share of them of each color, and the painter's frame's colors beside each color.
    a, b = target.seg.adjacency[:, 0], target.seg.adjacency[:, 1]
    degree = np.maximum(np.bincount(a, minlength=n) + np.bincount(b, minlength=n), 1)[:, None]
    beside = np.zeros((n, k))
    np.add.at(beside, a, is_final[b])
    np.add.at(beside, b, is_final[a])
    painted_a = np.searchsorted(palette, painted_keys[painted.seg.adjacency[:, 0]])
    painted_b = np.searchsorted(palette, painted_keys[painted.seg.adjacency[:, 1]])
    painted_beside = np.zeros((k, k), dtype=bool)
    painted_beside[painted_a, painted_b] = painted_beside[painted_b, painted_a] = True
    of_neighbours = beside / degree
    unseen_beside_itself = of_neighbours * ~np.diag(painted_beside)[None, :]
    neighbours_beside = (beside @ painted_beside.T.astype(np.float64)) / degree
    present = (beside > 0).astype(np.float64)
    common = present @ painted_beside.T.astype(np.float64)
    union = present.sum(axis=1, keepdims=True) + painted_beside.sum(axis=1)[None, :] - common
    jaccard = common / np.maximum(union, 1)
    # How far the target's area is from that of the painted component of the color the part field finds nearest.
    log_target = np.log(np.maximum(target.seg.areas, 1)).astype(np.float64)
    log_painted = np.log(np.maximum(painted.seg.areas, 1)).astype(np.float64)
    area_difference = np.zeros((n, k))
    for i, color in enumerate(palette):
        members = np.flatnonzero(painted_keys == color)
        nearest = members[similarity[:, members].argmax(axis=1)]
        area_difference[:, i] = np.minimum(np.abs(log_target - log_painted[nearest]), CLIP_AREA)
    counts = np.log(np.bincount(np.searchsorted(palette, painted_keys), minlength=k).astype(np.float64))
    columns = [
        is_final, is_previous, is_anchored, gap_previous, absent_previous.astype(np.float64), gap_anchored,
        cost_previous, part_gap, views, _ranks(gap_previous), _ranks(gap_anchored), _ranks(part_gap), of_neighbours,
        unseen_beside_itself, neighbours_beside, jaccard, area_difference, np.broadcast_to(counts, (n, k)),
    ]
    per_candidate = np.concatenate([np.stack(columns, axis=2), terms_previous, terms_anchored], axis=2)
    # The candidates: the colors named by a match or a view, the part field's three nearest, each cost's two cheapest.
    chosen = (is_final + is_previous + is_anchored + views) > 0
    rows = np.arange(n)[:, None]
    for scores, count in ((part_gap, 3), (gap_previous, 2), (gap_anchored, 2)):
        chosen[rows, np.argsort(scores, axis=1, kind="stable")[:, :count]] = True
    chosen[target.seg.areas <= MAX_SPECK] = False
    component, column = np.nonzero(chosen)
    per_component = np.c_[log_target, component_features, chosen.sum(axis=1)]
    features = np.concatenate([per_candidate[component, column], per_component[component]], axis=1)
    color_index = np.array([np.flatnonzero(painted_keys == c)[0] for c in palette], dtype=np.int64)
    return Candidates(component=component.astype(np.int64), color=painted.colors[color_index[column]],
                      features=features.astype(np.float32), is_final=is_final[component, column] > 0)


def likeliest_rows(p: np.ndarray, group: np.ndarray) -> np.ndarray:
    """The index of the most likely row (``p`` (m,)) of each ``group`` (m,) int that has rows, groups ascending."""
    order = np.lexsort((p, group))  # by group, then probability: the last row of each group is its likeliest
    return order[np.r_[group[order][1:] != group[order][:-1], True]]


@dataclass(frozen=True)
class ColorChoice:
    """Each component takes its most likely candidate color where that beats its own by over ``margin`` (by over
    ``transparent_margin`` where that candidate is transparent). A component whose color is not one of its candidates
    (a color the painter's frame lacks, such as a painter's fix carried from the previous frame) keeps it.

    ``model``: the registered color-choice model (``paintmatch.features.MODELS``); its ``channels`` must be
    ``CHOICE_COLUMNS``. Recolored components get ``ref_index`` -1.
    """

    model: str
    margin: float
    transparent_margin: float = float("inf")
    name = "color-choice"

    def probabilities(self, candidates: Candidates) -> np.ndarray:
        """(m,) float64: the model's P(the candidate is the right color) for each row."""
        from paintmatch.features import get_weights
        from paintmatch.features._session import load_session

        weights = get_weights(self.model)
        if tuple(weights.channels) != CHOICE_COLUMNS:
            raise ModelError(f"color-choice model {weights.path} reads other columns than this version of paintmatch "
                             f"computes: train it again with {weights.train_command or 'make weights'}")
        if len(candidates.component) == 0:
            return np.zeros(0)
        session = load_session(weights)
        outputs = session.run(None, {session.get_inputs()[0].name: candidates.features})
        return np.asarray(outputs[0], dtype=np.float64).reshape(-1)

    def __call__(self, matching: Matching, candidates: Candidates) -> tuple[Matching, np.ndarray]:
        """``(chosen, probability)``: the matching with the chosen colors, and (n,) float64 the model's P(right) of
        each component's color after the choice (NaN for components without candidates)."""
        n = len(matching.colors)
        probability = np.full(n, np.nan)
        if len(candidates.component) == 0:
            return matching, probability
        p = self.probabilities(candidates)
        own = np.full(n, np.inf)  # a component whose color the painter's frame lacks (a painter's own fix) keeps it
        own[candidates.component[candidates.is_final]] = p[candidates.is_final]
        probability[candidates.component[candidates.is_final]] = p[candidates.is_final]
        last = likeliest_rows(p, candidates.component)
        beats = p[last] - own[candidates.component[last]]
        # A change to transparency needs the wider margin: a painted region made transparent is a hole the painter
        # must find and fill (production-like dev 12 x 3 refs, transparent margin inf / 0.8 / 0.6 / 0.3: acc_thres
        # 0.9326 / 0.9329 / 0.9332 / 0.9335, pix_acc 0.9942 / 0.9945 / 0.9950 / 0.9950, leaked 12 / 12 / 12 / 15).
        transparent = candidates.color[last, 3] == 0
        change = last[np.where(transparent, beats > self.transparent_margin, beats > self.margin)]
        which = candidates.component[change]
        probability[which] = p[change]
        colors, index = matching.colors.copy(), matching.ref_index.copy()
        colors[which] = candidates.color[change]
        index[which] = -1
        return Matching(ref_index=index, colors=colors, confidence=matching.confidence, stage=matching.stage), probability
