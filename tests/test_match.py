import numpy as np
import pytest

from paintmatch.match import Frame, Matching, get_matcher, matcher_names
from paintmatch.match.graph import GraphProblem, build_affinity, normalized_distance, solve_graph_matching
from paintmatch.match.paper import PaperMatcher
from paintmatch.segment import segment


def _isomorphic_problem(n, seed, noise=0.0):
    """Target graph = permuted reference graph (pygmtools' generate_isomorphic_graphs idea)."""
    rng = np.random.default_rng(seed)
    centers_r = rng.random((n, 2))
    areas_r = rng.uniform(50, 500, n)
    features_r = rng.normal(size=(n, 8))
    perm = rng.permutation(n)  # target i corresponds to reference perm[i]
    centers_t = centers_r[perm] + rng.normal(scale=noise, size=(n, 2))
    areas_t = areas_r[perm] * (1 + rng.normal(scale=noise, size=n))
    features_t = features_r[perm] + rng.normal(scale=noise, size=(n, 8))
    return features_t, features_r, areas_t, areas_r, centers_t, centers_r, perm


@pytest.mark.parametrize("method", ["rrwm", "ipfp", "sm"])
def test_graph_matching_recovers_a_known_permutation(method):
    f_t, f_r, a_t, a_r, c_t, c_r, perm = _isomorphic_problem(10, seed=1, noise=0.01)
    # Make features uninformative so the graph structure must do the work.
    problem = GraphProblem(
        feature_distance=np.zeros((10, 10)), areas_t=a_t, areas_r=a_r, centers_t=c_t, centers_r=c_r,
        allowed=np.ones((10, 10), bool),
    )
    assignment, score = solve_graph_matching(problem, method=method, weights=(0.0, 0.4, 0.6))
    assert (assignment == perm).mean() >= 0.9
    assert score.shape == (10,) and (score >= 0).all() and (score <= 1).all()


def test_candidates_restrict_the_solution():
    f_t, f_r, a_t, a_r, c_t, c_r, perm = _isomorphic_problem(6, seed=2)
    allowed = np.zeros((6, 6), bool)
    allowed[np.arange(6), perm] = True
    allowed[0, :] = False  # target 0 has no candidate at all
    problem = GraphProblem(normalized_distance(f_t, f_r), a_t, a_r, c_t, c_r, allowed)
    assignment, _ = solve_graph_matching(problem, method="rrwm")
    assert assignment[0] == -1
    assert (assignment[1:] == perm[1:]).all()


def test_affinity_is_symmetric_and_uses_column_major_index():
    f_t, f_r, a_t, a_r, c_t, c_r, perm = _isomorphic_problem(4, seed=3)
    problem = GraphProblem(normalized_distance(f_t, f_r), a_t, a_r, c_t, c_r, np.ones((4, 4), bool))
    k = build_affinity(problem)
    assert k.shape == (16, 16)
    np.testing.assert_allclose(k, k.T)
    # Entry for (i1=1, j1=2) with itself sits at index j * n1 + i = 2 * 4 + 1.
    q = np.exp(-2.0 * problem.feature_distance[1, 2])
    at, ar = a_t[1] ** 2, a_r[2] ** 2
    q_area = np.exp(-2.0 * abs(at - ar) / max(at, ar))
    expected = 0.55 * q * q + 0.15 * q_area + 0.30 * 1.0  # d(i, i) = d(j, j) = 0: Q_dist = 1
    assert k[9, 9] == pytest.approx(expected)


def test_unknown_solver_suggests_the_closest():
    problem = GraphProblem(np.zeros((1, 1)), np.ones(1), np.ones(1), np.zeros((1, 2)), np.zeros((1, 2)), np.ones((1, 1), bool))
    with pytest.raises(ValueError, match="Did you mean 'rrwm'"):
        solve_graph_matching(problem, method="rrwn")


def test_unknown_matcher_suggests_the_closest():
    with pytest.raises(ValueError, match="Did you mean 'paper'"):
        get_matcher("papr")
    assert {"simple", "overlap", "flow", "paper", "resnet-only", "paper-equal"} <= set(matcher_names())


def test_normalized_distance_is_equation_1():
    a = np.array([[3.0, 4.0]])
    b = np.array([[0.0, 5.0], [3.0, 4.0]])
    d = normalized_distance(a, b)
    assert d[0, 1] == pytest.approx(0.0)
    assert d[0, 0] == pytest.approx(((3.0**2) + (1.0**2)) / 25.0)


def _boxes_frame(offset=0, sizes=(10, 14, 18), colors=True, shifts=(0, 0, 0)):
    """Three boxes in a row on transparency, plus a fixed frame line so positions are comparable."""
    import cv2

    image = np.zeros((80, 160, 4), np.uint8)
    cv2.rectangle(image, (2, 2), (157, 77), (0, 0, 0, 255), 1)
    x = 8
    for s, shift in zip(sizes, shifts):
        cv2.rectangle(image, (x + offset, 20 + shift), (x + offset + s, 20 + s + shift), (0, 0, 0, 255), 2)
        x += 35
    seg = segment(image)
    frame = Frame(line=image, seg=seg, name="f")
    if colors:
        palette = np.array(
            [(0, 0, 0, 0), (9, 9, 9, 255), (255, 0, 0, 255), (0, 255, 0, 255), (0, 0, 255, 255)], np.uint8
        )
        frame.colors = palette[: seg.n]
    return frame


def _ids_by_x(frame):
    """Component ids: the outside, the band inside the frame line, then the boxes left to right."""
    order = np.argsort(frame.seg.centroids[:, 0] + 1e6 * (frame.seg.labels[0, 0] == np.arange(frame.n)))
    band = frame.seg.labels[10, 4]
    return np.r_[[frame.seg.labels[0, 0], band], [i for i in order if i not in (frame.seg.labels[0, 0], band)]]


@pytest.mark.parametrize("name", ["simple", "resnet-only", "paper", "paper-equal"])
def test_matchers_follow_a_small_move(name):
    reference = _boxes_frame()
    target = _boxes_frame(offset=3, colors=False)
    params = {} if name == "simple" else {"features": "shape"}
    matching = get_matcher(name, **params).match(reference, target)
    assert isinstance(matching, Matching)
    ref_order, tgt_order = _ids_by_x(reference), _ids_by_x(target)
    np.testing.assert_array_equal(matching.colors[tgt_order], reference.colors[ref_order])
    assert matching.confidence.dtype == np.float32 and ((0 <= matching.confidence) & (matching.confidence <= 1)).all()


def _first_stage(matcher, reference, target):
    matching = matcher.match(reference, target)
    return matching.stage == 0


def test_first_matching_constraints_each_apply():
    reference = _boxes_frame()
    near = _boxes_frame(offset=2, colors=False)
    far = _boxes_frame(offset=18, colors=False)  # half-way between boxes: no box within t_d
    grown = _boxes_frame(sizes=(20, 28, 30), colors=False)
    base = dict(features="shape", graph=False)
    # All constraints loose: every component is a first match.
    assert _first_stage(PaperMatcher(**base, t_d=1.0, t_a_min=0.1, t_a_max=10, t_f=4.0), reference, near).all()
    # t_d: a large move leaves the inner boxes without first match.
    first = _first_stage(PaperMatcher(**base, t_d=0.05, t_a_min=0.1, t_a_max=10, t_f=4.0), reference, far)
    inner = _ids_by_x(far)[2:]
    assert not first[inner].any()
    # t_a_min / t_a_max: boxes that doubled in area fail a tight area ratio, pass a loose one.
    boxes = _ids_by_x(grown)[2:]
    assert not _first_stage(PaperMatcher(**base, t_d=1.0, t_a_min=0.8, t_a_max=1.25, t_f=4.0), reference, grown)[boxes].any()
    assert _first_stage(PaperMatcher(**base, t_d=1.0, t_a_min=0.8, t_a_max=10, t_f=4.0), reference, grown)[boxes].all()
    # t_f: a zero feature threshold admits nothing.
    assert not _first_stage(PaperMatcher(**base, t_d=1.0, t_a_min=0.1, t_a_max=10, t_f=0.0), reference, near).any()
