"""benchmarks/fit_weights.py: the likelihood's gradient, and weights recovered from data they generated."""

import numpy as np
from scipy.optimize import check_grad, minimize

from conftest import benchmark_module


def _synthetic_pairs(true_w, rng, pairs=6, n_t=40, n_r=30):
    """Terms drawn at random; each target's true reference drawn from the conditional logit itself."""
    data = []
    for _ in range(pairs):
        stack = rng.gamma(2.0, 0.5, size=(n_t, n_r, true_w.size))
        logits = -(stack @ true_w)
        p = np.exp(logits - logits.max(axis=1, keepdims=True))
        p /= p.sum(axis=1, keepdims=True)
        chosen = np.array([rng.choice(n_r, p=row) for row in p])
        positive = np.zeros((n_t, n_r), bool)
        positive[np.arange(n_t), chosen] = True
        data.append((stack, np.zeros((n_t, n_r)), positive, np.ones(n_t)))
    return data


def test_gradient_matches_finite_differences():
    fit = benchmark_module("fit_weights")
    rng = np.random.default_rng(0)
    data = _synthetic_pairs(np.array([1.0, 2.0, 0.5]), rng, pairs=2)
    # a positive set of two references per target exercises the sum over a colour's components
    for _, _, positive, _ in data:
        positive[:, 0] = True
    value = lambda w: fit.negative_log_likelihood(w, data)[0]  # noqa: E731
    grad = lambda w: fit.negative_log_likelihood(w, data)[1]  # noqa: E731
    for w in (np.array([0.3, 1.0, 2.0]), np.array([1.5, 0.2, 0.7])):
        assert check_grad(value, grad, w) < 1e-4 * max(1.0, np.linalg.norm(grad(w)))


def test_fit_recovers_the_weights_that_made_the_data():
    fit = benchmark_module("fit_weights")
    rng = np.random.default_rng(1)
    true_w = np.array([3.0, 0.5, 1.5])
    data = _synthetic_pairs(true_w, rng, pairs=30)
    result = minimize(fit.negative_log_likelihood, np.ones(3), args=(data,), jac=True, method="L-BFGS-B",
                      bounds=[(0.0, None)] * 3)
    assert np.allclose(result.x, true_w, rtol=0.2), result.x
    assert fit.top1_color_accuracy(result.x, data) >= fit.top1_color_accuracy(np.array([0.0, 3.0, 0.0]), data)


def test_truth_majority_colors_take_each_components_most_common_paint():
    fit = benchmark_module("fit_weights")
    labels = np.array([[0, 0, 0, -1, 1, 1],
                       [0, 0, 0, -1, 1, 1]])
    skin, blend, hair = (250, 200, 180, 255), (120, 100, 90, 255), (40, 30, 20, 255)
    gt = np.zeros((2, 6, 4), np.uint8)
    gt[:, :3] = skin
    gt[0, 2] = blend  # an antialiased blend along the line: one pixel of six
    gt[:, 3] = (0, 0, 0, 255)
    gt[:, 4:] = hair
    colors = fit.truth_majority_colors(gt, labels, 3)
    assert colors.shape == (3, 4) and colors.dtype == np.uint8
    np.testing.assert_array_equal(colors[0], skin)
    np.testing.assert_array_equal(colors[1], hair)
    np.testing.assert_array_equal(colors[2], (0, 0, 0, 0))  # no pixel: transparent
