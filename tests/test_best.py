"""`best` as a whole: scenes it must get right (and `simple` gets wrong), its cost, its anchor and veto wiring."""

import cv2
import numpy as np
import pytest

from paintmatch.match import Frame, get_matcher
from paintmatch.segment import segment
from test_match import _boxes_frame, _ids_by_x

RED, GREEN = (255, 0, 0, 255), (0, 255, 0, 255)


def split_scene(*, cut: bool, shift: int = 0, colors: bool = True) -> tuple[Frame, dict[str, int]]:
    """A big box (red) and a small box beside it (green), in a frame line; ``cut``: a line drawn across
    the big box near the small one (an arm in front of a shirt), splitting off a piece of about the small
    box's size. Returns the frame and its components by name (``piece`` only with ``cut``)."""
    image = np.zeros((80, 160, 4), np.uint8)
    ink = (0, 0, 0, 255)
    cv2.rectangle(image, (2, 2), (157, 77), ink, 1)
    cv2.rectangle(image, (20 + shift, 20), (80 + shift, 60), ink, 2)
    cv2.rectangle(image, (90 + shift, 28), (114 + shift, 52), ink, 2)
    if cut:
        cv2.line(image, (64 + shift, 20), (64 + shift, 60), ink, 2)
    seg = segment(image)
    ids = {"outside": seg.labels[0, 0], "band": seg.labels[10, 4], "big": seg.labels[40, 30 + shift],
           "small": seg.labels[40, 102 + shift]}
    if cut:
        ids["piece"] = seg.labels[40, 72 + shift]
    frame = Frame(line=image, seg=seg, name="split")
    if colors:
        frame.colors = np.zeros((seg.n, 4), np.uint8)
        for name, color in zip(("outside", "band", "big", "small"), [(0, 0, 0, 0), (9, 9, 9, 255), RED, GREEN]):
            frame.colors[ids[name]] = color
    return frame, {k: int(v) for k, v in ids.items()}


@pytest.mark.parametrize("shift", [0, 3])
def test_best_keeps_a_split_off_piece_with_its_region_where_simple_does_not(shift):
    """The piece split off the red box has about the green box's area and lies about as near to it: by
    geometry (`simple`) it is green; the flow says it lies where the red box was, so `best` paints it red."""
    reference, _ = split_scene(cut=False)
    target, ids = split_scene(cut=True, shift=shift, colors=False)
    assert len(set(ids.values())) == target.n == 5

    def colors(matching):
        return {name: tuple(matching.colors[i]) for name, i in ids.items()}

    best = colors(get_matcher("best").match(reference, target))
    assert best["piece"] == RED and best["big"] == RED and best["small"] == GREEN
    assert colors(get_matcher("simple").match(reference, target))["piece"] == GREEN
    # The flow evidence decides it alone; without the flow and the part field `best` errs as `simple` does.
    # (The part field alone decided it too while the Hu-moment shape term was there, deleted in defaults version 8.)
    assert colors(get_matcher("best", w_part=0.0).match(reference, target))["piece"] == RED
    assert colors(get_matcher("best", flow=False, w_part=0.0).match(reference, target))["piece"] == GREEN


@pytest.mark.parametrize("params", [{}, {"fb_tol": 0.0}, {"anchor": False, "neighbours": False}, {"flow.side": 64}])
def test_best_follows_a_small_move(params):
    reference = _boxes_frame()
    target = _boxes_frame(offset=3, colors=False)
    matching = get_matcher("best", **params).match(reference, target)
    np.testing.assert_array_equal(matching.colors[_ids_by_x(target)], reference.colors[_ids_by_x(reference)])


def test_cost_is_the_weighted_sum_of_its_named_terms():
    matcher = get_matcher("best", w_area=0.7, w_flow=1.3)
    reference = _boxes_frame()
    target = _boxes_frame(offset=3, colors=False)
    terms = matcher.cost_terms(reference, target)
    assert list(terms) == ["background", "area", "feat", "trace", "pos", "flow", "part"]
    weights = {term.name: term.weight for term in matcher.terms}
    assert weights["area"] == 0.7 and weights["flow"] == 1.3 and weights["background"] == 10.0
    for name, term in terms.items():
        assert term.shape == (target.n, reference.n) and term.dtype == np.float64, name
    assert terms["flow"].max() > 0  # the flow term is live: not every pair is fully covered
    expected = sum(weights[name] * terms[name] for name in terms)
    pair = matcher.context(target).pair(reference)
    np.testing.assert_allclose(matcher.cost(pair), expected)
    # the background (border-touching, transparent) is forbidden to every component away from the border
    background = np.flatnonzero(reference.colors[:, 3] == 0)
    assert background.size and terms["background"][:, background].any()


def test_matching_is_typed_and_confidence_stays_in_unit_range():
    reference, _ = split_scene(cut=False)
    target, _ = split_scene(cut=True, shift=3, colors=False)
    anchor, _ = split_scene(cut=False)
    for matching in (get_matcher("best").match(reference, target), get_matcher("best").match(reference, target, anchor=anchor)):
        assert matching.ref_index.dtype == np.int32 and matching.colors.dtype == np.uint8
        assert matching.confidence.dtype == np.float32 and matching.stage.dtype == np.uint8
        assert ((matching.confidence >= 0) & (matching.confidence <= 1)).all()
        palette = {tuple(c) for c in reference.colors}
        assert all(tuple(c) in palette for c in matching.colors)


def test_match_leaves_only_per_frame_features_in_the_frames():
    """Nothing is left in a frame by one step for another: only features a painted frame reuses as the next
    reference, each under the key of the one function that computes it."""
    reference = _boxes_frame()
    target = _boxes_frame(offset=3, colors=False)
    get_matcher("best").match(reference, target, anchor=reference)
    for frame in (reference, target):
        for key in frame.cache:
            kind = key[0] if isinstance(key, tuple) else key
            assert kind in {"shape", "features:shape", "part_field", "line_field"}, key


def test_each_pair_computes_its_flow_once_with_the_painters_frame(monkeypatch):
    """The painter's pair's flow is computed ahead (beside the part field) and that pair is the one matched: one
    flow per pair, and the same colors as matching the painter's frame alone would give its pair."""
    import paintmatch.match._evidence as evidence

    calls = []
    original = evidence.flow_evidence

    def counted(reference, target, settings):
        calls.append(reference.name)
        return original(reference, target, settings)

    monkeypatch.setattr(evidence, "flow_evidence", counted)
    reference, _ = split_scene(cut=False)
    anchor, _ = split_scene(cut=False, shift=3)
    anchor.name = "anchor"
    target, _ = split_scene(cut=True, shift=3, colors=False)
    matching = get_matcher("best", guided_flow=False).match(reference, target, anchor=anchor)
    assert sorted(calls) == ["anchor", "split"]
    assert calls[0] == "anchor"  # before the first pair's cost, which waits for the part field
    palette = {tuple(c) for c in anchor.colors}
    assert all(tuple(c) in palette for c in matching.colors)


def test_the_anchor_is_asked_for_when_a_step_uses_it():
    assert get_matcher("best").uses_anchor
    assert get_matcher("best", anchor=False).uses_anchor  # the veto compares with the painter's frame
    # the trace-line step reads the painter's frame too
    assert get_matcher("best", part_veto=0.0, anchor=False).uses_anchor
    assert not get_matcher("best", part_veto=0.0, anchor=False, trace_lines=False).uses_anchor
    assert not get_matcher("best", w_part=0.0, anchor=False).uses_anchor  # no part field, no veto, no trace step
    assert get_matcher("best", anchor=False).steps == (
        "assignment", "guided-flow", "neighbour-consistency", "tiny-region-vote", "part-field-veto",
        "trace-line-consistency", "color-choice", "calibrated-confidence")


def test_unknown_or_mistyped_settings_are_refused():
    with pytest.raises(ValueError, match="Did you mean 'w_pos'"):
        get_matcher("best", w_poss=2.0)
    with pytest.raises(ValueError, match="compose"):
        get_matcher("best", compose=True)  # deleted: measured worse (0.899 against 0.912)
    with pytest.raises(ValueError, match="fb_tol.*float"):
        get_matcher("best", fb_tol="2")
    with pytest.raises(ValueError, match="Did you mean 'shape'"):
        get_matcher("best", features="shapes")
    assert get_matcher("best", w_pos=3).settings.weights.pos == 3.0  # ints are fine where floats are expected
