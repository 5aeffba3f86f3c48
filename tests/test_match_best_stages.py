"""Each stage of `best` alone, on a case whose answer is known: evidence terms, assignment, refinement steps."""

import cv2
import numpy as np
import pytest

from paintmatch.match import Frame, Matching, get_matcher
from paintmatch.match._best_settings import load_defaults
from paintmatch.match._evidence import (
    AreaTerm,
    BackgroundTerm,
    FeatureTerm,
    FlowTerm,
    MatchContext,
    PartTerm,
    PositionTerm,
    TraceTerm,
    color_margin,
    flow_evidence,
    flow_reliability,
    guided_flow_evidence,
)
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
    area_scale,
    confidence_features,
    part_similarities,
    part_support,
)
from paintmatch.segment import segment
from test_match import _boxes_frame, _ids_by_x

DEFAULTS = load_defaults()


def _pair(reference: Frame, target: Frame, **flow_overrides):
    flow = DEFAULTS.replace(**flow_overrides).flow if flow_overrides else DEFAULTS.flow
    return MatchContext(target, flow, DEFAULTS.part_field.model).pair(reference)


def _true_pairs(reference: Frame, target: Frame) -> tuple[np.ndarray, np.ndarray]:
    return _ids_by_x(target), _ids_by_x(reference)


def _matching(reference: Frame, chosen, confidence=None) -> Matching:
    chosen = np.asarray(chosen, np.int32)
    confidence = np.full(chosen.size, 0.5, np.float32) if confidence is None else np.asarray(confidence, np.float32)
    return Matching(chosen, reference.colors[chosen].copy(), confidence, np.zeros(chosen.size, np.uint8))


# --- evidence terms --------------------------------------------------------------------------------


@pytest.mark.parametrize("term", [AreaTerm(1.0), FeatureTerm(1.0, "shape"), TraceTerm(1.0),
                                  PositionTerm(1.0, DEFAULTS.align, ()), FlowTerm(1.0, DEFAULTS.flow)],
                         ids=lambda t: t.name)
def test_each_term_is_zero_on_the_same_drawing_and_cheapest_on_the_true_pair(term):
    reference = _boxes_frame()
    same = Frame(line=reference.line, seg=reference.seg)
    cost = term(reference, same, _pair(reference, same))
    assert cost.shape == (same.n, reference.n) and cost.dtype == np.float64 and (cost >= 0).all()
    np.testing.assert_allclose(np.diag(cost), 0.0, atol=1e-9)
    if term.name != "trace":  # no trace lines here: the trace term has nothing to tell
        # every box is strictly cheapest with itself (the outside and the band may tie with each other)
        boxes = _ids_by_x(reference)[2:]
        assert (cost[boxes].argmin(axis=1) == boxes).all()


def test_area_term_measures_the_log_area_ratio():
    reference = _boxes_frame()
    grown = _boxes_frame(sizes=(20, 28, 36), colors=False)  # every box twice as wide: areas about x4
    t_ids, r_ids = _true_pairs(reference, grown)
    area = AreaTerm(1.0)(reference, grown, _pair(reference, grown))
    ratios = grown.seg.areas[t_ids[2:]] / reference.seg.areas[r_ids[2:]]
    # log areas are shares of the drawing's box, which is the frame line in both: the ratio of areas shows through
    np.testing.assert_allclose(area[t_ids[2:], r_ids[2:]], np.log(ratios), rtol=1e-6)


def test_trace_term_tells_components_by_the_trace_lines_around_them():
    def art(red_on_left: bool) -> Frame:
        image = np.zeros((60, 120, 4), np.uint8)
        cv2.rectangle(image, (2, 2), (117, 57), (0, 0, 0, 255), 1)
        cv2.rectangle(image, (15, 15), (45, 45), (200, 0, 0, 255) if red_on_left else (0, 0, 0, 255), 2)
        cv2.rectangle(image, (70, 15), (100, 45), (0, 0, 0, 255) if red_on_left else (200, 0, 0, 255), 2)
        return Frame(line=image, seg=segment(image))

    left, right = art(True), art(False)
    cost = TraceTerm(1.0)(left, right, None)
    a_l, b_l = left.seg.labels[30, 30], left.seg.labels[30, 85]
    a_r, b_r = right.seg.labels[30, 30], right.seg.labels[30, 85]
    assert cost[a_r, a_l] == 1.0 and cost[a_r, b_l] == 0.0 and cost[b_r, a_l] == 0.0


def test_background_term_keeps_inner_components_off_the_transparent_background():
    reference = _boxes_frame()
    target = _boxes_frame(offset=3, colors=False)
    cost = BackgroundTerm(10.0)(reference, target, None)
    outside_r = reference.seg.labels[0, 0]
    inner = _ids_by_x(target)[1:]
    assert set(np.unique(cost)) == {0.0, 1.0}
    assert (cost[inner, outside_r] == 1.0).all() and cost[target.seg.labels[0, 0]].sum() == 0
    assert cost[:, np.arange(reference.n) != outside_r].sum() == 0


def test_position_term_aligns_a_pan_that_geometry_alone_would_call_a_move():
    # No frame line: the drawing is three boxes; the target is the same drawing, panned and scaled by 1.5.
    def boxes(scale: float, dx: int) -> Frame:
        image = np.zeros((120, 240, 4), np.uint8)
        for i, s in enumerate((10, 14, 18)):
            x, y = 20 + 40 * i, 30
            cv2.rectangle(image, (int(x * scale) + dx, int(y * scale)), (int((x + s) * scale) + dx, int((y + s) * scale)), (0, 0, 0, 255), 2)
        frame = Frame(line=image, seg=segment(image))
        frame.colors = np.zeros((frame.n, 4), np.uint8)
        return frame

    reference, target = boxes(1.0, 0), boxes(1.5, 30)
    pair = _pair(reference, Frame(line=target.line, seg=target.seg))
    appearance = (AreaTerm(0.4), FeatureTerm(0.15, "shape"))
    plain = PositionTerm(4.0, DEFAULTS.replace(align=False).align, appearance)(reference, target, pair)
    aligned = PositionTerm(4.0, DEFAULTS.align, appearance)(reference, target, pair)
    inner_t = [target.seg.labels[int(37 * 1.5), int(27 * 1.5) + 30 + int(40 * 1.5) * i] for i in range(3)]
    inner_r = [reference.seg.labels[37, 27 + 40 * i] for i in range(3)]
    assert (aligned <= plain + 1e-12).all()  # the aligned distance is a second opinion: the smaller one counts
    np.testing.assert_allclose(aligned[inner_t, inner_r], 0.0, atol=0.01)


def test_flow_evidence_follows_a_move_and_its_check_marks_what_does_not_come_back():
    reference = _boxes_frame()
    target = _boxes_frame(offset=3, colors=False)
    evidence = flow_evidence(reference, target, DEFAULTS.flow)
    t_ids, r_ids = _true_pairs(reference, target)
    assert evidence.flow.shape == (80, 160, 2) and evidence.flow.dtype == np.float32  # 160 px: no reduction
    assert evidence.overlap.shape == evidence.by_color.shape == (target.n, reference.n)
    assert (evidence.overlap[t_ids, r_ids] > 0.7).all()
    np.testing.assert_allclose(evidence.overlap.sum(axis=1), 1.0, atol=0.05)  # every pixel lands on a component
    assert (evidence.by_color >= evidence.overlap - 1e-12).all()
    assert evidence.reliability.shape == (target.n,) and (evidence.reliability[t_ids[2:]] > 0.8).all()
    unchecked = flow_evidence(reference, target, DEFAULTS.replace(fb_tol=0.0).flow)
    assert unchecked.reliability is None
    np.testing.assert_array_equal(unchecked.overlap, evidence.overlap)


def _far_move():
    """Three boxes that all move 30 px right, nearly their spacing (35 px): too far for the flow to follow."""
    reference = _boxes_frame()
    target = _boxes_frame(offset=30, colors=False)
    t_ids, r_ids = _true_pairs(reference, target)
    chosen = np.zeros(target.n, np.int64)
    chosen[t_ids] = r_ids
    return reference, target, t_ids, r_ids, chosen


def test_guided_flow_follows_a_move_too_far_for_the_flow_from_the_regions_matched():
    reference, target, t_ids, r_ids, chosen = _far_move()
    pair = _pair(reference, target)
    boxes_t, boxes_r = t_ids[2:], r_ids[2:]
    assert (pair.flow().overlap[boxes_t, boxes_r] < 0.1).all()  # the plain flow loses every box
    confident = np.isin(np.arange(target.n), boxes_t)
    guided = guided_flow_evidence(pair, chosen, confident, 6.0)
    assert guided.flow.shape == pair.flow().flow.shape
    assert (guided.overlap[boxes_t[1:], boxes_r[1:]] > 0.9).all()  # the two larger boxes are found again
    np.testing.assert_array_equal(guided.reliability, pair.flow().reliability)  # the first flow's check is kept


def test_guided_flow_step_needs_three_sure_matches_and_keeps_the_other_terms():
    reference, target, t_ids, r_ids, chosen = _far_move()
    pair = _pair(reference, target)
    area = pair.value(AreaTerm(1.0))
    cost = np.ones((target.n, reference.n))
    cost[t_ids, r_ids] = 0.0  # every true pair beats every rival by 1
    assert np.allclose(color_margin(cost, chosen, reference.colors), 1.0)
    matching = _matching(reference, chosen)
    guided = GuidedFlow(margin=0.5, sigma=6.0, max_share=0.05)(pair, cost, matching)
    assert guided is not pair and guided.value(AreaTerm(1.0)) is area  # only the flow's values are new
    flow_term = FlowTerm(1.0, DEFAULTS.flow)
    before, after = pair.value(flow_term), guided.value(flow_term)
    boxes_t, boxes_r = t_ids[2:], r_ids[2:]
    assert (before[boxes_t[1:], boxes_r[1:]] > 0.3).all() and (after[boxes_t[1:], boxes_r[1:]] < 0.1).all()
    unsure = GuidedFlow(margin=1.5, sigma=6.0, max_share=0.05)(pair, cost, matching)
    assert unsure is pair  # no match beats its rivals by 1.5: nothing guides
    small_only = GuidedFlow(margin=0.5, sigma=6.0, max_share=0.01)(pair, cost, matching)
    assert small_only is pair  # only two boxes up to 1% of the frame (128 px): fewer than three guides


def test_flow_reliability_counts_pixels_whose_flow_comes_back():
    labels = np.full((20, 40), -1, np.int32)
    labels[:, :20] = 0
    labels[:, 20:] = 1
    forward = np.zeros((20, 40, 2), np.float32)
    forward[..., 0] = 3.0  # everything moved 3 px right ...
    backward = np.zeros((20, 40, 2), np.float32)
    backward[..., 0] = -3.0  # ... and the backward flow agrees
    backward[:, 30:, 0] = 5.0  # except where component 1's pixels land (x + 3 >= 30): they disagree by 8 px
    reliability = flow_reliability(forward, backward, labels, 3, tol=2.0)
    assert reliability[0] == pytest.approx(1.0)
    assert reliability[1] == pytest.approx(7 / 20)  # x = 20..26 land before column 30: 7 of its 20 columns
    assert reliability[2] == 1.0  # no pixel: nothing contradicts it


def test_flow_term_mixes_component_and_color_coverage_and_weighs_unreliable_flow_down():
    reference = _boxes_frame()
    reference.colors[_ids_by_x(reference)[3]] = reference.colors[_ids_by_x(reference)[2]]  # two boxes share red
    target = _boxes_frame(offset=3, colors=False)
    pair = _pair(reference, target)
    evidence = pair.flow()
    term = FlowTerm(2.0, DEFAULTS.flow)(reference, target, pair)
    mixed = 0.5 * evidence.overlap + 0.5 * evidence.by_color
    large = target.seg.areas > DEFAULTS.flow.check_max_share * target.seg.labels.size
    factor = np.where(large, 1.0, 0.3 + 0.7 * evidence.reliability)
    np.testing.assert_allclose(term, factor[:, None] * (1 - mixed))
    t_ids, r_ids = _true_pairs(reference, target)
    # the first box is half covered, by color, by the red of the second box's column
    assert term[t_ids[2], r_ids[3]] < term[t_ids[2], r_ids[4]]
    off = FlowTerm(2.0, DEFAULTS.replace(flow=False).flow)
    assert not off(reference, target, _pair(reference, target, flow=False)).any()


def test_part_term_is_zero_for_a_component_and_itself_and_silent_for_large_ones():
    reference = _boxes_frame()
    same = Frame(line=reference.line, seg=reference.seg)
    settings = DEFAULTS.part_field
    cost = PartTerm(3.0, settings)(reference, same, _pair(reference, same))
    small = reference.seg.areas <= settings.max_share * reference.seg.labels.size
    assert small.sum() == 3 and (~small).sum() == 2  # the boxes, and the outside and the band
    np.testing.assert_allclose(np.diag(cost)[small], 0.0, atol=1e-5)
    assert not cost[~small].any() and not cost[:, ~small].any()
    assert not PartTerm(0.0, settings)(reference, same, None).any()  # weight 0: the part field is not even run


def test_match_context_computes_each_frame_once():
    reference = _boxes_frame()
    target = _boxes_frame(offset=3, colors=False)
    context = MatchContext(target, DEFAULTS.flow, DEFAULTS.part_field.model)
    assert context.start_part_vectors(target) is context.start_part_vectors(target)
    pair = context.pair(reference)
    assert pair.flow() is pair.flow()
    assert context.pair(reference).flow() is not pair.flow()  # another pair, its own flow
    tiny, pixels = context.pixels_below(100)
    assert tiny.sum() == 1 and pixels.size == target.seg.areas[tiny].sum()  # the smallest box
    np.testing.assert_array_equal(target.seg.labels.ravel()[pixels], np.flatnonzero(tiny)[0])
    with pytest.raises(ValueError, match="no colors"):
        context.pair(target)
    with pytest.raises(ValueError, match="no part field"):
        MatchContext(target, DEFAULTS.flow, None).start_part_vectors(target)


# --- assignment ------------------------------------------------------------------------------------


def test_assignment_finds_a_known_permutation_and_completes_many_to_one():
    rng = np.random.default_rng(3)
    n = 8
    perm = rng.permutation(n)
    cost = rng.uniform(1.0, 2.0, (n, n))
    cost[np.arange(n), perm] = rng.uniform(0.0, 0.2, n)
    reference = Frame(line=np.zeros((4, 4, 4), np.uint8), seg=None, colors=rng.integers(0, 255, (n, 4), dtype=np.uint8))
    matching = Assignment(slack=0.25)(reference, cost)
    np.testing.assert_array_equal(matching.ref_index, perm)
    np.testing.assert_array_equal(matching.colors, reference.colors[perm])
    assert (matching.stage == 0).all() and ((matching.confidence > 0) & (matching.confidence <= 1)).all()
    # One target more than references: it takes its cheapest reference, flagged as a completion (stage 2).
    extra = np.vstack([cost, cost[2] + 0.05])
    matching = Assignment(slack=0.25)(reference, extra)
    assert matching.ref_index[-1] == perm[2] and matching.stage[-1] == 2


# --- refinement steps ------------------------------------------------------------------------------


def _eyes(colors: bool = True) -> tuple[Frame, dict[str, int]]:
    """Two eyes in a frame line: an outer box with an inner box (the iris) each; all four irises alike."""
    image = np.zeros((80, 160, 4), np.uint8)
    cv2.rectangle(image, (2, 2), (157, 77), (0, 0, 0, 255), 1)
    for x in (25, 95):
        cv2.rectangle(image, (x, 15), (x + 40, 55), (0, 0, 0, 255), 2)
        cv2.rectangle(image, (x + 14, 29), (x + 26, 41), (0, 0, 0, 255), 2)
    seg = segment(image)
    ids = {"outside": seg.labels[0, 0], "band": seg.labels[10, 4], "left": seg.labels[20, 30], "left_iris": seg.labels[35, 45],
           "right": seg.labels[20, 100], "right_iris": seg.labels[35, 115]}
    frame = Frame(line=image, seg=seg)
    if colors:
        palette = [(0, 0, 0, 0), (9, 9, 9, 255), (200, 200, 200, 255), (0, 0, 255, 255), (210, 210, 210, 255), (0, 128, 0, 255)]
        frame.colors = np.zeros((seg.n, 4), np.uint8)
        for name, color in zip(ids, palette):
            frame.colors[ids[name]] = color
    return frame, {k: int(v) for k, v in ids.items()}


def test_neighbour_consistency_puts_an_ambiguous_iris_in_its_own_eye():
    reference, r = _eyes()
    target, t = _eyes(colors=False)
    cost = np.full((target.n, reference.n), 2.0)
    for name in ("outside", "band", "left", "right"):
        cost[t[name], r[name]] = 0.0
    # Both irises look alike and the left one is drawn to the right iris slightly: only their eyes tell them apart.
    cost[t["left_iris"], r["left_iris"]] = cost[t["right_iris"], r["right_iris"]] = 0.5
    cost[t["left_iris"], r["right_iris"]] = cost[t["right_iris"], r["left_iris"]] = 0.3
    assignment = Assignment(slack=0.25)
    first = assignment(reference, cost)
    assert first.ref_index[t["left_iris"]] == r["right_iris"]
    step = NeighbourConsistency(weight=0.5, rounds=2, assignment=assignment)
    refined = step(_pair(reference, target), cost, first)
    assert refined.ref_index[t["left_iris"]] == r["left_iris"] and refined.ref_index[t["right_iris"]] == r["right_iris"]
    assert refined.ref_index[t["left"]] == r["left"]


def test_tiny_region_vote_gives_a_speck_the_color_the_flow_puts_under_it():
    reference = _boxes_frame()
    target = _boxes_frame(colors=False)  # the same drawing: the flow is zero, each speck lies on itself
    context = MatchContext(target, DEFAULTS.flow)
    pair = context.pair(reference)
    t_ids, r_ids = _true_pairs(reference, target)
    wrong = np.array(t_ids)
    wrong[t_ids] = np.roll(r_ids, 1)  # every component matched to another one
    before = _matching(reference, wrong)
    smallest = t_ids[2]
    # Only the smallest box counts as tiny: its area, in pixels of a REFERENCE_SIDE frame (the step scales them).
    area = (int(target.seg.areas[smallest]) + 1) / area_scale(target.seg.shape)
    after = TinyRegionVote(area)(pair, None, before)
    assert after.ref_index[smallest] == r_ids[2]
    np.testing.assert_array_equal(after.colors[smallest], reference.colors[r_ids[2]])
    others = np.arange(target.n) != smallest
    np.testing.assert_array_equal(after.colors[others], before.colors[others])
    assert TinyRegionVote(area)(MatchContext(target, DEFAULTS.replace(flow=False).flow).pair(reference), None, before) is before


def test_anchor_merge_takes_the_more_confident_reference():
    reference = _boxes_frame()
    previous = _matching(reference, [0, 1, 2, 3, 4], [0.9, 0.2, 0.5, 0.5, 0.0])
    anchored = _matching(reference, [0, 2, 2, 1, 4], [0.1, 0.8, 0.5, 0.55, 1.0])
    merged = AnchorMerge(margin=0.0, part_weight=1.0)(previous, anchored)
    np.testing.assert_array_equal(merged.ref_index, [0, -1, 2, -1, -1])
    np.testing.assert_array_equal(merged.colors, reference.colors[[0, 2, 2, 1, 4]])
    np.testing.assert_allclose(merged.confidence, [0.9, 0.8, 0.5, 0.55, 1.0])
    assert ((merged.confidence >= 0) & (merged.confidence <= 1)).all()
    np.testing.assert_array_equal(merged.stage, previous.stage)
    # with a margin, a small lead is not enough
    assert AnchorMerge(margin=0.1, part_weight=1.0)(previous, anchored).ref_index.tolist() == [0, -1, 2, 3, -1]


def test_anchor_merge_counts_in_the_part_fields_support_for_each_color():
    reference = _boxes_frame()
    previous = _matching(reference, [0, 1, 2, 3, 4], [0.9, 0.2, 0.5, 0.6, 0.3])
    anchored = _matching(reference, [0, 2, 2, 1, 4], [0.1, 0.8, 0.5, 0.5, 0.4])
    # the part field backs the previous frame's color of component 1 and the anchor's of component 3
    support = (np.array([0.9, 0.9, 0.5, 0.1, 0.5]), np.array([0.9, 0.1, 0.5, 0.9, 0.5]))
    merged = AnchorMerge(margin=0.0, part_weight=1.0)(previous, anchored, support)
    # 1: 0.2 + 0.9 beats 0.8 + 0.1; 3: 0.5 + 0.9 beats 0.6 + 0.1; 4: equal support, the surer anchor
    assert merged.ref_index.tolist() == [0, 1, 2, -1, -1]
    np.testing.assert_allclose(merged.confidence, [0.9, 0.2, 0.5, 0.5, 0.4])
    # weight 0 or no support: the confidences alone
    alone = AnchorMerge(margin=0.0, part_weight=1.0)(previous, anchored).ref_index.tolist()
    assert AnchorMerge(margin=0.0, part_weight=0.0)(previous, anchored, support).ref_index.tolist() == alone == [0, -1, 2, 3, -1]


def test_part_support_is_the_similarity_to_the_nearest_painted_component_of_the_color():
    painted = _boxes_frame()
    target = Frame(line=painted.line, seg=painted.seg)
    context = MatchContext(target, DEFAULTS.flow, DEFAULTS.part_field.model)
    # the same drawing: each component's own painted color is backed by its own (unit) part vector
    np.testing.assert_allclose(part_support(context, painted, painted.colors), 1.0, atol=1e-3)
    other = painted.colors[np.roll(np.arange(painted.n), 1)]
    assert (part_support(context, painted, other) < 1.0 - 1e-3).any()
    absent = painted.colors.copy()
    absent[:] = (1, 2, 3, 255)  # a color the painted frame lacks
    np.testing.assert_array_equal(part_support(context, painted, absent), -1.0)


def test_part_veto_gives_a_component_the_color_its_part_field_is_far_surer_of():
    painted = _boxes_frame()
    target = _boxes_frame(offset=3, colors=False)
    p_ids, t_ids = _ids_by_x(painted), _ids_by_x(target)
    unit = np.eye(4, dtype=np.float32)
    p_vectors = np.zeros((painted.n, 4), np.float32)
    p_vectors[p_ids[2:]] = unit[:3]  # the boxes, left to right: red, green, blue
    p_vectors[p_ids[:2]] = unit[3]  # outside and band: over the painted share, never compared
    t_vectors = np.zeros((target.n, 4), np.float32)
    t_vectors[t_ids[:2]] = unit[3]
    t_vectors[t_ids[2]] = unit[2]  # matched to red, but its part field says blue
    t_vectors[t_ids[3]] = [0.75, 0.66, 0, 0]  # matched to green; red is surer, by 0.09 only
    t_vectors[t_ids[4]] = unit[2]  # matched to blue and its part field agrees
    t_vectors /= np.linalg.norm(t_vectors, axis=1, keepdims=True)
    colors = np.zeros((target.n, 4), np.uint8)
    colors[t_ids] = painted.colors[p_ids]  # the right matching by position
    veto = PartFieldVeto(margin=0.2, max_share=0.01, painted_max_share=0.05)
    vetoed, new = veto.vetoed(p_vectors, t_vectors, painted, target, colors)
    assert vetoed.tolist() == [i == t_ids[2] for i in range(target.n)]
    np.testing.assert_array_equal(new, painted.colors[p_ids[4]][None])
    # A region over max_share of its frame keeps its matched color (flow and geometry match large regions well).
    share = target.seg.areas[t_ids[2]] / target.seg.labels.size
    narrow = PartFieldVeto(margin=0.2, max_share=0.5 * share, painted_max_share=0.05)
    assert not narrow.vetoed(p_vectors, t_vectors, painted, target, colors)[0].any()


def test_part_veto_compares_with_the_painted_background_at_any_size():
    painted = _boxes_frame()
    target = _boxes_frame(offset=3, colors=False)
    p_ids, t_ids = _ids_by_x(painted), _ids_by_x(target)
    clear = painted.colors[p_ids[0]]
    assert clear[3] == 0 and painted.seg.areas[p_ids[0]] > 0.05 * painted.seg.labels.size  # a large background
    unit = np.eye(4, dtype=np.float32)
    p_vectors = np.zeros((painted.n, 4), np.float32)
    p_vectors[p_ids[2:]] = unit[:3]  # the boxes, left to right: red, green, blue
    p_vectors[p_ids[:2]] = unit[3]  # the background and the band
    t_vectors = np.zeros((target.n, 4), np.float32)
    t_vectors[t_ids[:2]] = unit[3]
    t_vectors[t_ids[2]] = unit[0]  # took the background, but its part field says the red box
    t_vectors[t_ids[3]] = unit[3]  # took green, but its part field says background
    t_vectors[t_ids[4]] = [0.75, 0, 0, 0.66]  # took the background; red is surer, by 0.09 only
    t_vectors /= np.linalg.norm(t_vectors, axis=1, keepdims=True)
    colors = np.zeros((target.n, 4), np.uint8)
    colors[t_ids] = painted.colors[p_ids]
    colors[t_ids[[2, 4]]] = clear
    veto = PartFieldVeto(margin=0.2, max_share=0.02, painted_max_share=0.05)  # every box of the target is small
    vetoed, new = veto.vetoed(p_vectors, t_vectors, painted, target, colors)
    assert vetoed.tolist() == [i in (t_ids[2], t_ids[3]) for i in range(target.n)]
    np.testing.assert_array_equal(new[np.argsort([t_ids[2], t_ids[3]])], painted.colors[[p_ids[2], p_ids[0]]])


def test_part_veto_step_recolors_through_the_match_context():
    painted = _boxes_frame()
    target = Frame(line=painted.line, seg=painted.seg)
    context = MatchContext(target, DEFAULTS.flow, DEFAULTS.part_field.model)
    right = _matching(painted, np.arange(painted.n))
    veto = PartFieldVeto(margin=0.2, max_share=0.05, painted_max_share=0.05)
    # The same drawing: every small component's part-field vector is its own painted one; nothing to veto.
    assert veto(context, painted, right).ref_index.tolist() == list(range(painted.n))


def test_a_registered_preset_only_picks_settings():
    best, deep = get_matcher("best"), get_matcher("best-deep")
    assert deep.settings == best.settings.replace(features="deep")
    assert [t.name for t in deep.terms] == [t.name for t in best.terms] and deep.steps == best.steps


def test_calibrated_confidence_rises_where_the_two_colored_frames_agree():
    red, blue = (255, 0, 0, 255), (0, 0, 255, 255)
    conf = np.array([0.5, 0.5, 0.5], np.float32)
    previous = Matching(np.zeros(3, np.int32), np.array([red, red, red], np.uint8), conf, np.zeros(3, np.uint8))
    anchored = Matching(np.zeros(3, np.int32), np.array([red, blue, blue], np.uint8), conf, np.zeros(3, np.uint8))
    final = Matching(np.zeros(3, np.int32), np.array([red, red, (0, 255, 0, 255)], np.uint8), conf, np.zeros(3, np.uint8))
    stages = MatchStages(previous=previous, anchored=anchored, final=final, part=None)
    features = confidence_features(stages, np.array([100, 100, 100]))
    np.testing.assert_array_equal(features[:, 2], [1, 0, 0])  # agree
    np.testing.assert_array_equal(features[:, 3], [0, 0, 1])  # the final color is neither (a vote or the veto)
    np.testing.assert_array_equal(features[:, 7:10], [[0, 1, 1]] * 3)  # no part field: full agreement
    np.testing.assert_array_equal(features[:, 10:], 0)  # no neighbours told: none alike
    step = CalibratedConfidence((0.0, 0.0, 0.0, 2.0, -1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0))
    out = step(stages, np.array([100, 100, 100]))
    np.testing.assert_allclose(out.confidence, 1 / (1 + np.exp(-np.array([2.0, 0.0, -1.0]))), rtol=1e-6)
    np.testing.assert_array_equal(out.colors, final.colors)  # colors untouched
    assert (0 <= out.confidence).all() and (out.confidence <= 1).all()


def test_calibrated_confidence_falls_where_the_part_field_prefers_another_color():
    red = (255, 0, 0, 255)
    conf = np.full(3, 0.9, np.float32)
    same = Matching(np.zeros(3, np.int32), np.array([red] * 3, np.uint8), conf, np.zeros(3, np.uint8))
    part = PartAgreement(gap=np.array([0.0, 0.3, PartAgreement.ABSENT_GAP]), top=np.array([0.9, 0.9, 0.9]),
                         views_agree=np.array([1.0, 0.5, 0.0]))
    stages = MatchStages(previous=same, anchored=None, final=same, part=part)
    np.testing.assert_array_equal(confidence_features(stages, np.full(3, 100))[:, 7], part.gap)
    np.testing.assert_array_equal(confidence_features(stages, np.full(3, 100))[:, 9], part.views_agree)
    out = CalibratedConfidence((2.0, 0, 0, 0, 0, 0, 0, 0, -10.0, 0, 0, 0, 0))(stages, np.full(3, 100))
    assert out.confidence[0] > 0.8 > out.confidence[1] > out.confidence[2]
    # The views' agreement alone says the same.
    out = CalibratedConfidence((-1.0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 3.0, 0, 0))(stages, np.full(3, 100))
    assert out.confidence[0] > out.confidence[1] > out.confidence[2]


def test_neighbour_colors_tell_a_component_that_took_its_neighbours_color():
    painted = _boxes_frame()  # the outside, the band inside the frame line, three boxes in the band: no two alike
    _, band, first, second, third = _ids_by_x(painted)
    colors = painted.colors.copy()
    colors[first] = painted.colors[band]  # the first box took the band's color
    neighbours = NeighbourColors.of(painted.seg.adjacency, colors, painted)
    same = np.zeros(painted.n)
    same[first], same[band] = 1.0, 1 / 4  # the band borders the outside and the three boxes
    np.testing.assert_allclose(neighbours.same, same)
    np.testing.assert_allclose(neighbours.unseen_beside_itself, same)  # the painter never put that color beside itself
    # A painter's frame with the band's color beside itself: the same neighbours are no longer unseen.
    painted.colors = colors
    np.testing.assert_allclose(NeighbourColors.of(painted.seg.adjacency, colors, painted).unseen_beside_itself, 0.0)
    final = Matching(np.zeros(painted.n, np.int32), colors, np.full(painted.n, 0.9, np.float32),
                     np.zeros(painted.n, np.uint8))
    stages = MatchStages(previous=final, anchored=None, final=final, part=None, neighbours=neighbours)
    np.testing.assert_allclose(confidence_features(stages, painted.seg.areas)[:, 10:], np.c_[same, same])
    # The defaults file has a coefficient for every column, and the bias.
    assert len(DEFAULTS.confidence.coefficients) == confidence_features(stages, painted.seg.areas).shape[1] + 1
    out = CalibratedConfidence((2.0, *[0.0] * 10, -4.0, 0.0))(stages, painted.seg.areas)
    assert out.confidence[first] < out.confidence[band] < out.confidence[second] == out.confidence[third]


def test_part_similarities_name_the_nearest_painted_component_and_the_nearest_of_the_chosen_color():
    red, green = (255, 0, 0, 255), (0, 255, 0, 255)
    painted_colors = np.array([red, green, red], np.uint8)
    painted = np.array([[1, 0], [0, 1], [0.6, 0.8]], np.float32)
    target = np.array([[0, 1], [0.8, 0.6], [1, 0]], np.float32)
    chosen = np.array([red, red, (0, 0, 255, 255)], np.uint8)  # the last: a color the painted frame lacks
    top, nearest, of_chosen = part_similarities(target, painted, painted_colors, chosen)
    assert nearest.tolist() == [1, 2, 0]
    np.testing.assert_allclose(top, [1.0, 0.96, 1.0], atol=1e-6)
    np.testing.assert_allclose(of_chosen[:2], [0.8, 0.96], atol=1e-6)  # the first: red's best is the third component
    assert of_chosen[2] == -np.inf


def test_part_agreement_is_full_for_the_same_drawing_and_not_for_a_swapped_color():
    painted = _boxes_frame()
    target = Frame(line=painted.line, seg=painted.seg)
    context = MatchContext(target, DEFAULTS.flow, DEFAULTS.part_field.model)
    right = PartAgreement.of(context, painted, painted.colors)
    np.testing.assert_allclose(right.gap, 0.0, atol=1e-6)  # each component's nearest is itself, its own color
    np.testing.assert_allclose(right.top, 1.0, atol=1e-4)
    np.testing.assert_allclose(right.views_agree, 1.0)  # every view of the field finds the component itself
    boxes = _ids_by_x(painted)[2:]
    swapped = painted.colors.copy()
    swapped[boxes[0]] = painted.colors[boxes[1]]
    swapped[boxes[2]] = (1, 2, 3, 255)  # no painted component has it
    wrong = PartAgreement.of(context, painted, swapped)
    assert wrong.gap[boxes[0]] > 0 and wrong.gap[boxes[1]] == pytest.approx(0.0, abs=1e-6)
    assert wrong.gap[boxes[2]] == PartAgreement.ABSENT_GAP
    # Every view finds each box itself: none agrees with a box's borrowed color nor with a color the painted frame lacks.
    assert wrong.views_agree[boxes[0]] == 0.0 and wrong.views_agree[boxes[2]] == 0.0 and wrong.views_agree[boxes[1]] == 1.0


def test_match_stages_carry_the_part_agreement_only_with_a_part_field():
    reference = _boxes_frame()
    target = _boxes_frame(offset=3, colors=False)
    stages = get_matcher("best").match_stages(reference, target)
    assert stages.anchored is None and stages.part is not None and stages.part.gap.shape == (target.n,)
    assert get_matcher("best", w_part=0.0).match_stages(reference, target).part is None


def test_the_steps_pixel_sizes_scale_with_the_frame():
    # Sizes are measured on 1024 px frames; a frame drawn at twice the size (HD) gets the same steps.
    assert area_scale((1024, 1024)) == 1 and area_scale((2048, 2048)) == 4 and area_scale((512, 1024)) == 0.5
    small = _boxes_frame(colors=False)
    big_line = cv2.resize(small.line, None, fx=2, fy=2, interpolation=cv2.INTER_NEAREST)
    big = Frame(line=big_line, seg=segment(big_line), name="twice")
    area = (int(np.sort(small.seg.areas)[0]) + 1) / area_scale(small.seg.shape)  # the smallest box alone is tiny
    tiny = [MatchContext(f, DEFAULTS.flow).pixels_below(round(area * area_scale(f.seg.shape)))[0] for f in (small, big)]
    assert tiny[0].sum() == tiny[1].sum() == 1
    np.testing.assert_allclose(small.seg.centroids[tiny[0]] * 2, big.seg.centroids[tiny[1]], atol=1.0)
