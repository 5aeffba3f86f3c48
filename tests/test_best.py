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
