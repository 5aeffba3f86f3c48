"""The color choice of `best`: its candidate colors, what describes them, the step, the exported trees, the model."""

import json

import numpy as np
import pytest

from paintmatch.features import get_weights, sha256_of
from paintmatch.match import Frame, Matching, get_matcher
from paintmatch.match._color_choice import (
    ABSENT_TERM,
    CANDIDATE_COLUMNS,
    CHOICE_COLUMNS,
    CLIP_GAP,
    TERM_NAMES,
    Candidates,
    ColorChoice,
    PairEvidence,
)
from paintmatch.rgba import pack_rgba
from test_match import _boxes_frame, _ids_by_x

RED, GREEN, BLUE = (255, 0, 0, 255), (0, 255, 0, 255), (0, 0, 255, 255)


def test_pair_evidence_by_color_takes_each_colors_cheapest_component():
    colors = np.array([RED, RED, GREEN], np.uint8)
    cost = np.array([[0.5, 0.2, 0.9], [1.0, 0.8, 0.1]])
    terms = np.stack([cost * 2, cost + 1])  # two terms
    palette = np.sort(pack_rgba(np.array([RED, GREEN, BLUE], np.uint8)))
    gap, value, by_term = PairEvidence(colors, cost, terms).by_color(palette)
    column = {int(k): i for i, k in enumerate(palette)}
    red, green, blue = (column[int(pack_rgba(np.array([c], np.uint8))[0])] for c in (RED, GREEN, BLUE))
    np.testing.assert_allclose(gap[:, red], [0.0, 0.7])  # red's cheapest: component 1 (0.2; 0.8 against 0.1)
    np.testing.assert_allclose(gap[:, green], [0.7, 0.0])
    assert (gap[:, blue] == CLIP_GAP).all() and (by_term[:, blue] == ABSENT_TERM).all()  # the reference lacks blue
    np.testing.assert_allclose(value[:, red], [0.2, 0.8])
    assert by_term.shape == (2, 3, 2)  # (n_t, colors, terms)
    np.testing.assert_allclose(by_term[:, red, 0], [0.4, 1.6])  # the first term of component 1, red's cheapest
    np.testing.assert_allclose(by_term[:, green, 1], [1.9, 1.1])  # the second term of component 2, green's only one


def _moved_boxes():
    painted = _boxes_frame()
    target = _boxes_frame(offset=3, colors=False)
    return painted, target


def test_match_stages_list_candidates_with_one_final_row_per_component():
    painted, target = _moved_boxes()
    without_choice = get_matcher("best", **{"color_choice.enabled": False})
    stages = without_choice.match_stages(painted, target, painted, with_candidates=True)
    candidates = stages.candidates
    assert isinstance(candidates, Candidates)
    assert candidates.features.shape == (len(candidates.component), len(CHOICE_COLUMNS))
    assert candidates.features.dtype == np.float32 and np.isfinite(candidates.features).all()
    # every component over 10 px has its final color as one row, and every row is a color of the painted frame
    big = np.flatnonzero(target.seg.areas > 10)
    assert sorted(candidates.component[candidates.is_final].tolist()) == big.tolist()
    final_rows = candidates.is_final
    assert (pack_rgba(candidates.color[final_rows]) == pack_rgba(stages.final.colors[candidates.component[final_rows]])).all()
    assert np.isin(pack_rgba(candidates.color), pack_rgba(painted.colors)).all()
    # the column that says so agrees; each box's own color is named by the part field's views (the same drawing)
    np.testing.assert_array_equal(candidates.features[:, CANDIDATE_COLUMNS.index("is_final")], final_rows)
    boxes = _ids_by_x(target)[2:]
    views = candidates.features[:, CANDIDATE_COLUMNS.index("views")]
    for box, truth in zip(boxes, _ids_by_x(painted)[2:]):
        own = (candidates.component == box) & (pack_rgba(candidates.color) == pack_rgba(painted.colors[[truth]])[0])
        assert own.sum() == 1 and views[own][0] == 1.0
    # without the color choice and without asking, none are listed
    assert without_choice.match_stages(painted, target, painted).candidates is None


def _stump_model(tmp_path, column: str, threshold: float):
    """A one-split ONNX tree ensemble, as ``trees_to_onnx`` writes them: P = 0.9 where ``column`` > ``threshold``,
    else 0.1; registered by its ``.json`` path."""
    onnx = pytest.importorskip("onnx")
    from onnx import TensorProto, helper

    logit = float(np.log(9.0))
    ensemble = helper.make_node(
        "TreeEnsembleRegressor", ["features"], ["logit"], domain="ai.onnx.ml", n_targets=1,
        nodes_treeids=[0, 0, 0], nodes_nodeids=[0, 1, 2], nodes_featureids=[CHOICE_COLUMNS.index(column), 0, 0],
        nodes_values=[threshold, 0.0, 0.0], nodes_modes=["BRANCH_LEQ", "LEAF", "LEAF"], nodes_truenodeids=[1, 0, 0],
        nodes_falsenodeids=[2, 0, 0], target_treeids=[0, 0], target_nodeids=[1, 2], target_ids=[0, 0],
        target_weights=[-logit, logit], base_values=[0.0], aggregate_function="SUM", post_transform="NONE")
    graph = helper.make_graph([ensemble, helper.make_node("Sigmoid", ["logit"], ["probability"])], "stump",
                              [helper.make_tensor_value_info("features", TensorProto.FLOAT, [None, len(CHOICE_COLUMNS)])],
                              [helper.make_tensor_value_info("probability", TensorProto.FLOAT, [None, 1])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)])
    model.ir_version = 8
    path = tmp_path / "stump.onnx"
    onnx.save(model, str(path))
    description = {"file": path.name, "sha256": sha256_of(path), "architecture": "gradient-boosted-trees",
                   "crop_size": 0, "channels": list(CHOICE_COLUMNS), "context": 0.0, "embedding_dim": 1}
    (tmp_path / "stump.json").write_text(json.dumps(description))
    return str(tmp_path / "stump.json")


def _candidates(rows):
    """``Candidates`` from (component, color, views, is_final) rows, every other column 0."""
    features = np.zeros((len(rows), len(CHOICE_COLUMNS)), np.float32)
    features[:, CANDIDATE_COLUMNS.index("views")] = [r[2] for r in rows]
    return Candidates(component=np.array([r[0] for r in rows]), color=np.array([r[1] for r in rows], np.uint8),
                      features=features, is_final=np.array([r[3] for r in rows]))


def test_color_choice_takes_the_likelier_candidate_only_past_its_margin(tmp_path):
    model = _stump_model(tmp_path, "views", 0.5)
    matching = Matching(ref_index=np.array([0, 1, 2], np.int32), colors=np.array([RED, GREEN, BLUE], np.uint8),
                        confidence=np.full(3, 0.5, np.float32), stage=np.zeros(3, np.uint8))
    # component 0: the views back green over its red; component 1: they back its own green; 2 has no rows
    candidates = _candidates([(0, RED, 0.0, True), (0, GREEN, 1.0, False), (1, GREEN, 0.75, True), (1, RED, 0.0, False)])
    p = ColorChoice(model, 0.0).probabilities(candidates)
    np.testing.assert_allclose(p, [0.1, 0.9, 0.9, 0.1], atol=1e-6)
    chosen, probability = ColorChoice(model, 0.0)(matching, candidates)
    assert [tuple(c) for c in chosen.colors] == [GREEN, GREEN, BLUE]
    assert chosen.ref_index.tolist() == [-1, 1, 2] and chosen.confidence is matching.confidence
    np.testing.assert_allclose(probability[:2], [0.9, 0.9], atol=1e-6)  # of the color each ends with
    assert np.isnan(probability[2])  # no candidates, no probability
    kept, probability = ColorChoice(model, 0.85)(matching, candidates)  # 0.9 beats 0.1 by 0.8 only
    assert [tuple(c) for c in kept.colors] == [RED, GREEN, BLUE]
    np.testing.assert_allclose(probability[:2], [0.1, 0.9], atol=1e-6)


def test_color_choice_makes_a_component_transparent_only_past_its_own_margin(tmp_path):
    model = _stump_model(tmp_path, "views", 0.5)
    matching = Matching(ref_index=np.array([0, 1], np.int32), colors=np.array([RED, RED], np.uint8),
                        confidence=np.full(2, 0.5, np.float32), stage=np.zeros(2, np.uint8))
    clear = (0, 0, 0, 0)
    # both components: the views back another color (P 0.9 against their red's 0.1), transparent for 0, green for 1
    candidates = _candidates([(0, RED, 0.0, True), (0, clear, 1.0, False), (1, RED, 0.0, True), (1, GREEN, 1.0, False)])
    never, probability = ColorChoice(model, 0.0)(matching, candidates)  # the default transparent margin: never
    assert [tuple(c) for c in never.colors] == [RED, GREEN]
    np.testing.assert_allclose(probability, [0.1, 0.9], atol=1e-6)
    wide, _ = ColorChoice(model, 0.0, transparent_margin=0.85)(matching, candidates)  # 0.9 beats 0.1 by 0.8 only
    assert [tuple(c) for c in wide.colors] == [RED, GREEN]
    past, probability = ColorChoice(model, 0.5, transparent_margin=0.7)(matching, candidates)
    assert [tuple(c) for c in past.colors] == [clear, GREEN] and past.ref_index.tolist() == [-1, -1]
    np.testing.assert_allclose(probability, [0.9, 0.9], atol=1e-6)


def test_color_choice_keeps_a_color_the_painted_frame_lacks(tmp_path):
    model = _stump_model(tmp_path, "views", 0.5)
    fix = (7, 7, 7, 255)  # a painter's own color, carried from the previous frame: no candidate row is it
    matching = Matching(ref_index=np.array([0], np.int32), colors=np.array([fix], np.uint8),
                        confidence=np.full(1, 0.5, np.float32), stage=np.zeros(1, np.uint8))
    chosen, probability = ColorChoice(model, 0.0)(matching, _candidates([(0, RED, 1.0, False)]))
    assert tuple(chosen.colors[0]) == fix and np.isnan(probability[0])


def test_best_confidence_is_the_choices_probability_where_it_has_one():
    from paintmatch.match._refine import CalibratedConfidence, MatchStages

    final = Matching(ref_index=np.zeros(2, np.int32), colors=np.array([RED, GREEN], np.uint8),
                     confidence=np.full(2, 0.5, np.float32), stage=np.zeros(2, np.uint8))
    stages = MatchStages(previous=final, anchored=None, final=final, part=None, choice_probability=np.array([0.3, np.nan]))
    out = CalibratedConfidence((2.0, *[0.0] * 12))(stages, np.array([100, 5]))
    np.testing.assert_allclose(out.confidence, [0.3, 1 / (1 + np.exp(-2.0))], atol=1e-6)  # the speck: the logistic


def test_color_choice_refuses_a_model_that_reads_other_columns(tmp_path):
    from paintmatch.errors import ModelError

    path = _stump_model(tmp_path, "views", 0.5)
    description = json.loads(open(path).read())
    description["channels"] = description["channels"][:-1]
    (tmp_path / "stump.json").write_text(json.dumps(description))
    with pytest.raises(ModelError, match="train it again"):
        ColorChoice(path, 0.0).probabilities(_candidates([(0, RED, 0.0, True)]))


def test_exported_trees_give_scikit_learns_probabilities(tmp_path):
    sklearn = pytest.importorskip("sklearn.ensemble")
    pytest.importorskip("onnx")
    import onnx

    from paintmatch.features._session import open_session
    from paintmatch.train.color_choice import trees_to_onnx

    rng = np.random.default_rng(0)
    x = rng.normal(size=(3000, 6)).astype(np.float32)
    y = x[:, 0] + x[:, 1] * x[:, 2] > 0.3
    model = sklearn.HistGradientBoostingClassifier(max_iter=30, early_stopping=False, random_state=0).fit(x, y)
    path = tmp_path / "trees.onnx"
    onnx.save(trees_to_onnx(model, 6), str(path))
    p = open_session(path).run(None, {"features": x})[0].reshape(-1)
    np.testing.assert_allclose(p, model.predict_proba(x)[:, 1], atol=1e-5)


def test_the_shipped_model_reads_what_best_computes():
    weights = get_weights("color-choice")
    assert tuple(weights.channels) == CHOICE_COLUMNS and weights.crop_size == 0
    assert weights.metrics["val_right_with"] > weights.metrics["val_right_without"]
    assert tuple(t.name for t in get_matcher("best").terms) == TERM_NAMES


def test_best_runs_the_choice_after_the_trace_lines_and_can_switch_it_off():
    assert get_matcher("best").steps[-2:] == ("color-choice", "calibrated-confidence")
    assert "color-choice" not in get_matcher("best", **{"color_choice.enabled": False}).steps
    assert "color-choice" not in get_matcher("best", w_part=0.0).steps  # it reads the part field
    painted, target = _moved_boxes()
    stages = get_matcher("best").match_stages(painted, target, painted)
    assert stages.candidates is not None  # listed because the choice is on
    # boxes that moved 3 px keep their colors: the choice agrees with every step before it here
    for box, truth in zip(_ids_by_x(target)[2:], _ids_by_x(painted)[2:]):
        assert tuple(stages.final.colors[box]) == tuple(painted.colors[truth])
