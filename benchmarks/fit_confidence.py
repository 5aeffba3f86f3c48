"""Fit best's calibrated confidence (``match/best_defaults.yaml``, group ``confidence``) on the production-like DEV suite.

Since best defaults version 17, the confidence of a component over 10 px is the color choice's probability (its
trees train on cuts of their own); the logistic model fitted here gives the rest (specks, and ``best`` with the color
choice off). The report shows both, and best's confidence as it ships.

    python benchmarks/fit_confidence.py            # fit on dev cuts 0-5, report on dev cuts 6-11 (2 references each)

Each dev cut is colored with ``best`` (colorize's defaults) from its first and last drawing; for every other frame,
each component over 10 px gets ``paintmatch.match._refine.confidence_features`` (from ``BestMatcher.match_stages``)
and a label: is its color the majority truth color under it. A logistic regression (L2 1e-3 on standardized
features, SciPy's L-BFGS with the exact gradient; the coefficients are given back on the raw features) is fitted on
cuts 0-5; the coefficients, the held-out flag trade-off (share flagged against share of the wrong ones caught, the
assignment's confidence beside the calibrated one), the confidence under which 90% of the held-out wrong ones fall
(``paintmatch.review.FLAG_CONFIDENCE``) and the shares flagged at a few thresholds are printed. Paste the
coefficients into the defaults file; the test suite is never used.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
CAUGHT = 0.9  # the share of the held-out wrong ones the flag threshold must catch (issue 20's target)


class _Recorder:
    """``best`` without calibration that keeps each target's features (by the target's segmentation)."""

    def __init__(self):
        from paintmatch.match import get_matcher

        self.matcher = get_matcher("best", **{"confidence.enabled": False})
        self.features: dict[int, np.ndarray] = {}
        self.choice: dict[int, np.ndarray] = {}
        self.uses_anchor = True
        self.name = "best"

    def match(self, reference, target, anchor=None):
        from paintmatch.match._refine import confidence_features

        stages = self.matcher.match_stages(reference, target, anchor)
        self.features[id(target.seg)] = confidence_features(stages, target.seg.areas)
        no_choice = np.full(target.n, np.nan)
        self.choice[id(target.seg)] = no_choice if stages.choice_probability is None else stages.choice_probability
        return stages.final


def collect(paths) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(features (k, 12), right (k,) bool, the color choice's probability (k,), NaN where it has none) of every
    component over 10 px of every scored frame."""
    from flags import scored_frames  # benchmarks/flags.py: the same coloring and per-component truth

    recorder = _Recorder()
    features, right, choice = [], [], []
    for result, ok in scored_frames(paths, recorder, max_references=2):
        big = result.frame.seg.areas > 10
        features.append(recorder.features.pop(id(result.frame.seg))[big])
        choice.append(recorder.choice.pop(id(result.frame.seg))[big])
        right.append(ok[big])
    return np.concatenate(features), np.concatenate(right), np.concatenate(choice)


def fit(features: np.ndarray, right: np.ndarray) -> np.ndarray:
    """Logistic regression coefficients (bias first) on the raw features; fitted standardized, L2 1e-3.

    Standardizing matters: unscaled, the fit stopped far from the optimum (held-out dev at 20% flagged caught 0.749
    of the wrong ones with version 6's seven features, standardized 0.774).
    """
    from scipy.optimize import minimize

    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    x = np.c_[np.ones(len(features)), (features - mean) / scale]
    y = right.astype(np.float64)
    penalty = np.r_[0.0, np.full(features.shape[1], 1e-3)]  # the bias is not penalized

    def loss_and_gradient(w):
        z = x @ w
        # log(1 + e^z) - y z, the logistic loss written to stay finite for large |z|
        loss = np.mean(np.logaddexp(0.0, z) - y * z) + penalty @ (w * w)
        gradient = x.T @ (1.0 / (1.0 + np.exp(-z)) - y) / len(y) + 2 * penalty * w
        return loss, gradient

    w = minimize(loss_and_gradient, np.zeros(x.shape[1]), jac=True, method="L-BFGS-B", options={"maxiter": 5000}).x
    raw = w[1:] / scale
    return np.r_[w[0] - raw @ mean, raw]


def main() -> int:
    import run
    from paintmatch.match._best_settings import ConfidenceSettings

    paths = run.production_suite(HERE / "data", name="production-dev").groups["production-dev"]
    train_x, train_y, _ = collect(paths[:6])
    held_x, held_y, held_choice = collect(paths[6:])
    w = fit(train_x, train_y)
    names = ConfidenceSettings.coefficient_names()  # the defaults file's keys, in the model's order
    print("coefficients:", ", ".join(f"{n} {v:.3f}" for n, v in zip(names, w)))
    logistic = 1.0 / (1.0 + np.exp(-(np.c_[np.ones(len(held_x)), held_x] @ w)))
    # best's confidence: the color choice's probability where it has one, the logistic model elsewhere
    p = np.where(np.isfinite(held_choice), held_choice, logistic)
    wrong = ~held_y
    print(f"held-out dev cuts: {held_y.size} components over 10 px, {wrong.mean():.3f} wrong, "
          f"{np.isfinite(held_choice).mean():.3f} with the color choice's probability")
    print("| flagged | caught (assignment's confidence) | caught (logistic) | caught (best's) |\n|---|---|---|---|")
    for share in (0.1, 0.2, 0.3, 0.4):
        caught = []
        # the uncalibrated confidence: the assignment's, of the colored frame that won the anchor merge (margin 0)
        for score in (np.maximum(held_x[:, 0], held_x[:, 1]), logistic, p):
            flagged = score <= np.quantile(score, share)
            caught.append((flagged & wrong).sum() / max(wrong.sum(), 1))
        print(f"| {share:.0%} | {caught[0]:.3f} | {caught[1]:.3f} | {caught[2]:.3f} |")
    ranked = np.sort(p[wrong])
    threshold = ranked[min(int(np.ceil(CAUGHT * ranked.size)), ranked.size - 1)] if ranked.size else 0.5
    print(f"held-out: confidence < {threshold:.3f} catches {CAUGHT:.0%} of the wrong ones (paintmatch.review.FLAG_CONFIDENCE)")
    for t in sorted({0.5, 0.6, 0.7, 0.8, 0.85, 0.9, round(float(threshold), 2)}):  # the chosen one once
        flagged = p < t
        print(f"best's confidence < {t}: flagged {flagged.mean():.3f}, caught {(flagged & wrong).sum() / max(wrong.sum(), 1):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
