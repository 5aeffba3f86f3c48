"""paintmatch's own matcher (``best``): the paper's ideas plus what the measurements said helps.

``best`` is a short pipeline of typed stages; ``best-deep`` is a preset that picks other settings:

1. evidence terms (``paintmatch.match._evidence``), each ``term(reference, target, pair)`` -> (n_t, n_r)
   cost with a name and a weight; the cost is their weighted sum:

   - ``background``: a component away from the frame border never takes the reference's transparent background;
   - ``area``, ``feat``, ``trace``: appearance (log area, eq. (1) feature distance, trace-line sides);
   - ``pos``: centroid distance after a global similarity alignment (RANSAC over confident rough matches),
     so a camera move or a walk across the frame keeps the position evidence;
   - ``flow``: the reference's components warped onto the target by dense optical flow between the line
     arts; the share of each target component each covers lowers their cost (non-rigid motion). A backward
     flow checks the forward one: where a component's pixels do not come back, its flow term is weighted
     down and position and appearance decide;
   - ``part``: the cosine distance of two components' part-field vectors (a U-Net that sees the whole frame,
     ``paintmatch.features.part_field``), which tells apart slivers that look alike one by one.

2. an assignment (Hungarian, completed many-to-one); then the guided flow (``flow.guided``): the flow run again
   from the motion of the regions that assignment is sure of, a new flow term, and the assignment again;
3. refinement steps against that colored frame (``paintmatch.match._refine``): neighbour consistency,
   tiny-region flow vote;
4. steps across colored frames: the painter's colored frame (the anchor) is matched by the same steps and
   wins where it is more confident, the part field's support for each color counted in (``anchor-merge``);
   then the part-field veto recolors components the part field is far surer belong to another color of the
   painter's frame (``part-field-veto``); then across each colored trace line the two colors are made a pair the
   painter's frame also has across such a line (``trace-line-consistency``);
5. the color choice (``color-choice``, ``paintmatch.match._color_choice``): for each component a few candidate colors
   of the painter's frame, each described by every term of both matches, the part field's views and the colors
   around it; a learned model (gradient-boosted trees, trained on cuts of their own) gives each its probability of
   being right, and the likeliest wins past a margin (a wider one to transparency).

Every setting is in ``BestSettings``, grouped by stage; the values and the measurement behind each are in
``best_defaults.yaml`` beside this module (``load_defaults``). ``get_matcher("best", w_pos=3, fb_tol=0)``
and ``get_matcher("best", **{"flow.side": 640})`` override them.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from paintmatch.features.part_field import part_field_view_sizes
from paintmatch.match import Frame, Matching
from paintmatch.match._best_settings import (
    DEFAULTS_PATH,
    FLAT_NAMES,
    AlignSettings,
    AnchorSettings,
    BestSettings,
    ColorChoiceSettings,
    ConfidenceSettings,
    FlowSettings,
    NeighbourSettings,
    PartFieldSettings,
    TraceLineSettings,
    VoteSettings,
    Weights,
    load_defaults,
)
from paintmatch.match._evidence import (
    AreaTerm,
    BackgroundTerm,
    EvidenceTerm,
    FeatureTerm,
    FlowEvidence,
    FlowTerm,
    MatchContext,
    PairContext,
    PartTerm,
    PositionTerm,
    TraceTerm,
    flow_evidence,
    flow_reliability,
)
from paintmatch.match._color_choice import TERM_NAMES, ColorChoice, PairEvidence, candidate_colors
from paintmatch.match._refine import (
    AnchorMerge,
    Assignment,
    CalibratedConfidence,
    GuidedFlow,
    MatchStages,
    NeighbourColors,
    NeighbourConsistency,
    PartAgreement,
    PartFieldVeto,
    TinyRegionVote,
    TraceLineConsistency,
    confidence_features,
    part_support,
    reference_areas,
)
from paintmatch.match.baselines import FLOW_METHODS

__all__ = [
    "BestMatcher",
    "best",
    "best_deep",
    "BestSettings",
    "Weights",
    "AlignSettings",
    "FlowSettings",
    "PartFieldSettings",
    "NeighbourSettings",
    "VoteSettings",
    "AnchorSettings",
    "TraceLineSettings",
    "ColorChoiceSettings",
    "ConfidenceSettings",
    "FLAT_NAMES",
    "DEFAULTS_PATH",
    "load_defaults",
    "FlowEvidence",
    "flow_evidence",
    "flow_reliability",
    "MatchContext",
    "PairContext",
    "EvidenceTerm",
]

FEATURE_CHOICES = ("shape", "deep", "none")
#: Guided flow: only regions up to 5% of their frame guide (production-like dev: 0.8798, pix_acc 0.9889, leaked 55;
#: every region: 0.8804, 0.9883, leaked 62).
GUIDE_MAX_SHARE = 0.05


def _check_choice(setting: str, value: str, choices: tuple[str, ...]) -> None:
    if value not in choices:
        close = difflib.get_close_matches(value, choices, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ValueError(f"best setting {setting} must be one of {', '.join(choices)}; got {value!r}.{hint}")


@dataclass
class BestMatcher:
    """The ``best`` pipeline: evidence terms, an assignment, refinement steps (see the module docstring).

    Parameters
    ----------
    settings : BestSettings, optional
        Default: ``load_defaults()``, the values of ``best_defaults.yaml``.
    name : str
        Registry name (``best``, ``best-deep``).

    Attributes
    ----------
    terms : tuple of EvidenceTerm
        The cost's terms, in the order they are summed.
    assignment : Assignment
    guided_flow : GuidedFlow or None
    pair_steps : tuple
        Refinements of the match against one colored frame, in order (switched-off steps are left out).
    anchor_merge : AnchorMerge or None
    veto : PartFieldVeto or None
    trace_lines : TraceLineConsistency or None

    Examples
    --------
    >>> from paintmatch.match import get_matcher
    >>> matcher = get_matcher("best", w_pos=3.0)
    >>> matcher.settings.weights.pos, [t.name for t in matcher.terms][:3]
    (3.0, ['background', 'area', 'feat'])
    """

    settings: BestSettings = field(default_factory=load_defaults)
    name: str = "best"
    terms: tuple[EvidenceTerm, ...] = field(init=False, repr=False)
    assignment: Assignment = field(init=False, repr=False)
    guided_flow: GuidedFlow | None = field(init=False, repr=False)
    pair_steps: tuple = field(init=False, repr=False)
    anchor_merge: AnchorMerge | None = field(init=False, repr=False)
    veto: PartFieldVeto | None = field(init=False, repr=False)
    trace_lines: TraceLineConsistency | None = field(init=False, repr=False)
    color_choice: ColorChoice | None = field(init=False, repr=False)

    def __post_init__(self) -> None:
        s = self.settings
        _check_choice("features", s.features, FEATURE_CHOICES)
        _check_choice("flow.method", s.flow.method, FLOW_METHODS)
        _check_choice("flow.check_method", s.flow.check_method, FLOW_METHODS)
        from paintmatch.features.part_field import mirrored_fields

        # A mirror naming a field the model lacks fails here, not on the helper thread mid-match.
        mirrored_fields(s.part_field.model, s.part_field.mirror)
        w = s.weights
        appearance = (AreaTerm(w.area), FeatureTerm(w.feat, s.features, s.model), TraceTerm(w.trace))
        self.terms = (
            BackgroundTerm(w.background),
            *appearance,
            PositionTerm(w.pos, s.align, appearance),
            FlowTerm(w.flow, s.flow),
            PartTerm(w.part, s.part_field),
        )
        self.assignment = Assignment(s.slack)
        flow = s.flow
        self.guided_flow = GuidedFlow(flow.guide_margin, flow.guide_sigma, GUIDE_MAX_SHARE) if flow.enabled and flow.guided else None
        steps: list = []
        if s.neighbours.enabled:
            steps.append(NeighbourConsistency(s.neighbours.weight, s.neighbours.rounds, self.assignment))
        if s.votes.tiny_area > 0:
            steps.append(TinyRegionVote(s.votes.tiny_area))
        self.pair_steps = tuple(steps)
        self.anchor_merge = AnchorMerge(s.anchor.margin, s.anchor.part_weight) if s.anchor.enabled else None
        part = s.part_field
        self.veto = PartFieldVeto(part.veto, part.veto_max_share, part.max_share) if part.veto > 0 and w.part > 0 else None
        t = s.trace_lines
        # It weighs its choices by the part field, so it needs one.
        self.trace_lines = TraceLineConsistency(t.min_length, t.margin, t.max_area, t.junction_radius) if t.enabled and w.part > 0 else None
        # It reads the part field and every term by name (``CANDIDATE_COLUMNS``).
        choice = s.color_choice
        self.color_choice = ColorChoice(choice.model, choice.margin, choice.transparent_margin) if choice.enabled and w.part > 0 else None
        if tuple(t.name for t in self.terms) != TERM_NAMES:
            raise AssertionError("paintmatch.match._color_choice.TERM_NAMES must name best's terms in order")
        c = s.confidence
        self.calibration = CalibratedConfidence(c.coefficients) if c.enabled else None

    @property
    def steps(self) -> tuple[str, ...]:
        """Names of every stage after the terms, in order (for logs and the ablation table)."""
        guided = () if self.guided_flow is None else (self.guided_flow.name,)
        return (self.assignment.name, *guided, *(s.name for s in self.pair_steps),
                *(s.name for s in (self.anchor_merge, self.veto, self.trace_lines, self.color_choice, self.calibration)
                  if s is not None))

    @property
    def uses_anchor(self) -> bool:
        """The cut passes the original colored frame as ``anchor`` when True (a second reference, or the veto's frame)."""
        return self.anchor_merge is not None or self.veto is not None or self.trace_lines is not None

    @property
    def features(self) -> str:
        """Appearance feature source (as ``PaperMatcher.features``: ``shape``, ``deep`` (the ResNet crop features) or ``none``)."""
        return self.settings.features

    @property
    def model(self) -> str:
        """Deep feature weights used with ``features="deep"``."""
        return self.settings.model

    def models(self) -> list[str]:
        """Names of the shipped weights this matcher runs (``paintmatch.features.MODELS``), in order of use.

        The crop ResNet with deep features, the part fields, the color choice's trees: what the batch
        runner's worker set-up loads before the first cut (``paintmatch.match.models_of``).
        """
        from paintmatch.features.part_field import part_field_models

        names = [self.model] if self.features == "deep" else []
        if self.settings.weights.part > 0:
            names += part_field_models(self.settings.part_field.model)
        if self.color_choice is not None:
            names.append(self.color_choice.model)
        return names

    def context(self, target: Frame) -> MatchContext:
        """A fresh ``MatchContext`` for matching ``target`` (starts its part field on the helper thread)."""
        needs_part = self.settings.weights.part > 0
        part = self.settings.part_field
        return MatchContext(target, self.settings.flow, part.model if needs_part else None, part.mirror)

    def cost(self, pair: PairContext) -> np.ndarray:
        """(n_t, n_r) float64: the weighted sum of the terms of ``pair`` (lower is better)."""
        cost = np.zeros((pair.target.n, pair.reference.n))
        for term in self.terms:
            cost += term.weight * pair.value(term)
        return cost

    def cost_terms(self, reference: Frame, target: Frame) -> dict[str, np.ndarray]:
        """Every term's unweighted (n_t, n_r) float64 cost, by name (``benchmarks/fit_weights.py`` fits their weights)."""
        pair = self.context(target).pair(reference)
        return {term.name: pair.value(term) for term in self.terms}

    def match_one(self, context: MatchContext, reference: Frame,
                  pair: PairContext | None = None) -> tuple[Matching, PairEvidence]:
        """The target of ``context`` matched against one colored frame: terms, assignment, guided flow, pair steps;
        with the cost and the terms the assignment saw. ``pair``: ``context.pair(reference)`` if made already."""
        pair = context.pair(reference) if pair is None else pair
        cost = self.cost(pair)
        matching = self.assignment(reference, cost)
        if self.guided_flow is not None:
            guided = self.guided_flow(pair, cost, matching)
            if guided is not pair:
                pair, cost = guided, self.cost(guided)
                matching = self.assignment(reference, cost)
        for step in self.pair_steps:
            matching = step(pair, cost, matching)
        return matching, PairEvidence(reference.colors, cost, np.stack([pair.value(term) for term in self.terms]))

    def match_stages(self, reference: Frame, target: Frame, anchor: Frame | None = None, *,
                     with_candidates: bool = False) -> MatchStages:
        """The matches against the previous frame and the painter's frame, the merged, vetoed result, and the part
        field's agreement with its colors: what the calibrated confidence reads (``MatchStages``).

        The candidate colors (``MatchStages.candidates``) are listed when the color choice is on, or with
        ``with_candidates`` (its training reads them with the choice off; they need a part field).
        """
        if reference.colors is None:
            raise ValueError("reference frame has no colors: pass a colored (painted) frame as reference")
        context = self.context(target)
        painted = anchor if anchor is not None and anchor.colors is not None else reference
        # The pair the anchor merge matches against the painter's frame, if it runs: its flow first, computed by the
        # main thread while the helper thread runs the part field, which the first cost waits for (bench-speed, four
        # runs alternating: match 363 -> 312 ms, same scores).
        anchor_pair = context.pair(anchor) if painted is anchor and self.anchor_merge is not None else None
        if anchor_pair is not None:
            anchor_pair.flow()
        previous, previous_pair = self.match_one(context, reference)
        matching = previous
        anchored, anchored_pair = None, None
        if anchor_pair is not None:
            anchored, anchored_pair = self.match_one(context, anchor, anchor_pair)
            support = None
            if context.part_model is not None and self.anchor_merge.part_weight > 0:
                support = (part_support(context, anchor, previous.colors), part_support(context, anchor, anchored.colors))
            matching = self.anchor_merge(matching, anchored, support)
        if self.veto is not None:
            matching = self.veto(context, painted, matching)
        if self.trace_lines is not None:
            matching = self.trace_lines(context, painted, matching)
        part = PartAgreement.of(context, painted, matching.colors) if context.part_model is not None else None
        neighbours = NeighbourColors.of(target.seg.adjacency, matching.colors, painted)
        stages = MatchStages(previous=previous, anchored=anchored, final=matching, part=part, neighbours=neighbours)
        if context.part_model is None or painted.n == 0 or not (with_candidates or self.color_choice is not None):
            return stages
        candidates = candidate_colors(
            final=matching, previous=previous, anchored=anchored, previous_pair=previous_pair,
            anchored_pair=anchored_pair, painted=painted, target=target, target_vectors=context.part_vectors(target),
            painted_vectors=context.part_vectors(painted),
            view_sizes=part_field_view_sizes(context.part_model, context.part_mirror),
            component_features=confidence_features(stages, reference_areas(target.seg)))
        if self.color_choice is None:
            return dataclasses.replace(stages, candidates=candidates)
        chosen, probability = self.color_choice(matching, candidates)
        return MatchStages(previous=previous, anchored=anchored, final=chosen,
                           part=PartAgreement.of(context, painted, chosen.colors),
                           neighbours=NeighbourColors.of(target.seg.adjacency, chosen.colors, painted),
                           candidates=candidates, choice_probability=probability)

    def match(self, reference: Frame, target: Frame, anchor: Frame | None = None) -> Matching:
        """Match every target component; see ``Matcher``. ``anchor``: the painter's colored frame.

        Returns
        -------
        Matching
            ``confidence`` in [0, 1] (calibrated: P(the color is right), ``CalibratedConfidence``; the assignment's, of
            the reference that won, with ``confidence.enabled`` off); ``ref_index`` -1 where the
            color came from the anchor or the veto.
        """
        stages = self.match_stages(reference, target, anchor)
        matching = stages.final
        if self.calibration is not None:
            matching = self.calibration(stages, reference_areas(target.seg))
        return Matching(
            ref_index=matching.ref_index.astype(np.int32),
            colors=matching.colors.astype(np.uint8),
            confidence=matching.confidence.astype(np.float32),
            stage=matching.stage,
        )


def best(*, settings: BestSettings | None = None, name: str = "best", **overrides: Any) -> BestMatcher:
    """``best`` with the shipped defaults, or ``settings``, with keyword ``overrides`` (``BestSettings.replace``)."""
    return BestMatcher((settings or load_defaults()).replace(**overrides), name=name)


def best_deep(*, settings: BestSettings | None = None, name: str = "best-deep", **overrides: Any) -> BestMatcher:
    """``best`` with the deep appearance features (ResNet, onnxruntime) in its ``feat`` term."""
    overrides.setdefault("features", "deep")
    return best(settings=settings, name=name, **overrides)
