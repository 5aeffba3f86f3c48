import numpy as np
import pytest

from conftest import load_rgba
from paintmatch.match import get_matcher
from paintmatch.match.best import flow_reliability
from test_match import _boxes_frame, _ids_by_x


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


@pytest.mark.parametrize("params", [{}, {"fb_tol": 0.0}, {"anchor": False, "neighbours": False}])
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
    assert set(matcher.TERMS) | {"forbidden"} == set(terms)
    for name, term in terms.items():
        assert term.shape == (target.n, reference.n), name
    assert terms["flow"].max() > 0  # the flow term is live: not every pair is fully covered
    expected = 10.0 * terms["forbidden"] + sum(getattr(matcher, f"w_{name}") * terms[name] for name in matcher.TERMS)
    np.testing.assert_allclose(matcher._cost(reference, _boxes_frame(offset=3, colors=False)), expected)
    # the background (border-touching, transparent) is forbidden to every component away from the border
    background = np.flatnonzero(reference.colors[:, 3] == 0)
    assert background.size and terms["forbidden"][:, background].any()


def test_large_region_takes_the_color_the_flow_covers_it_with(basicpbc, tmp_path):
    """A 16:9 crop of the 3D-rendered frame, mildly warped: the warp opens the hair outline where it meets the
    frame edge, so the left background and the hair become one region, mostly background. Shape and area match it
    to the hair; the large-region flow vote gives it the background's transparency (pix_acc 0.67 -> 1.0 here)."""
    from PIL import Image

    from paintmatch.deform import make_deformation_suite
    from paintmatch.evaluate.score import evaluate_cut

    for name in ("gt", "line"):
        full = load_rgba(basicpbc / "assets" / f"{name}0242.png")
        Image.fromarray(full[300:1380]).save(tmp_path / f"wide_{name}.png")
    (cut,) = make_deformation_suite([(tmp_path / "wide_gt.png", tmp_path / "wide_line.png")], tmp_path / "cuts",
                                    levels=(1,), frames=2, seed=20000)
    without, _ = evaluate_cut(cut, "best", matcher_params={"large_vote_share": 0.0})
    with_vote, _ = evaluate_cut(cut, "best")
    assert without.means["pix_acc"] < 0.9
    assert with_vote.means["pix_acc"] > 0.99


def test_part_veto_gives_a_component_the_color_its_part_field_is_far_surer_of():
    painted = _boxes_frame()
    target = _boxes_frame(offset=3, colors=False)
    p_ids, t_ids = _ids_by_x(painted), _ids_by_x(target)
    unit = np.eye(4, dtype=np.float32)
    p_vectors = np.zeros((painted.n, 4), np.float32)
    p_vectors[p_ids[2:]] = unit[:3]  # the boxes, left to right: red, green, blue
    p_vectors[p_ids[:2]] = unit[3]  # outside and band: over part_max_share, never compared
    t_vectors = np.zeros((target.n, 4), np.float32)
    t_vectors[t_ids[:2]] = unit[3]
    t_vectors[t_ids[2]] = unit[2]  # matched to red, but its part field says blue
    t_vectors[t_ids[3]] = [0.75, 0.66, 0, 0]  # matched to green; red is surer, by 0.09 only
    t_vectors[t_ids[4]] = unit[2]  # matched to blue and its part field agrees
    t_vectors /= np.linalg.norm(t_vectors, axis=1, keepdims=True)
    matcher = get_matcher("best")
    painted.cache[("part_field", matcher.part_model)] = p_vectors
    target.cache[("part_field", matcher.part_model)] = t_vectors
    colors = np.zeros((target.n, 4), np.uint8)
    colors[t_ids] = painted.colors[p_ids]  # the right matching by position
    before = colors.copy()
    vetoed = matcher._part_veto(painted, target, colors)
    assert vetoed.tolist() == [i == t_ids[2] for i in range(target.n)]
    np.testing.assert_array_equal(colors[t_ids[2]], painted.colors[p_ids[4]])
    unchanged = np.flatnonzero(~vetoed)
    np.testing.assert_array_equal(colors[unchanged], before[unchanged])
    # A region over veto_max_share of its frame keeps its matched color (flow and geometry match large regions well).
    share = target.seg.areas[t_ids[2]] / target.seg.labels.size
    colors = before.copy()
    assert not get_matcher("best", veto_max_share=0.5 * share)._part_veto(painted, target, colors).any()
    np.testing.assert_array_equal(colors, before)
    # Off at 0, and the cut hands the painted frame to the veto even without the anchor as a second reference.
    assert not get_matcher("best", part_veto=0.0, anchor=False).uses_anchor
    assert get_matcher("best", anchor=False).uses_anchor
