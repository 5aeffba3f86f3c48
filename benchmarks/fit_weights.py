"""Fit the weights of `best`'s cost terms by maximum likelihood on a synthetic TRAINING suite.

    .venv/bin/python benchmarks/fit_weights.py                      # fit area, trace, pos, flow
    .venv/bin/python benchmarks/fit_weights.py --fit area,trace
    .venv/bin/python benchmarks/fit_weights.py --style production --fit area,feat,trace,pos,flow,part

The suite (seed 30000: disjoint from the dev suite's 20000 and the test suite's 10000) is generated into
``benchmarks/data/synthetic-train-16x8`` if missing; with ``--style production``, production-like cuts (seed 37000)
into ``benchmarks/data/production-train-16x8``, segmented with colorize's gap closing. Every frame k of every cut is matched against frame k-1
and against frame 0, both colored with their TRUE colors, and ``BestMatcher.cost_terms`` are collected. The
model is a conditional logit: P(target t takes reference r) is proportional to exp(-s * cost[t, r]), and the
likelihood of the true COLOR (the sum over the reference components of that color) is maximised over the
fitted weights (non-negative) by L-BFGS. ``s`` is first fitted with the current weights; fitted weights are
printed in cost units (divided by ``s``), so they drop into ``best`` beside the unfitted ones. The
script chooses nothing: the weights are then checked on the dev suites and written, with the measurement
that chose them, into ``src/paintmatch/match/best_defaults.yaml``. SciPy fits; only the loss and its gradient are written here.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TRAIN_SEED = 30_000
#: Production-like training cuts for ``--style production``: no benchmark (dev 1000, test 9000) and no part-field
#: training run (30000-34000) uses this seed.
PRODUCTION_TRAIN_SEED = 37_000


def truth_majority_colors(gt: np.ndarray, labels: np.ndarray, n: int) -> np.ndarray:
    """(n, 4) uint8: the most common color of the (H, W, 4) painted truth over each component of ``labels``
    (as the scorer reads a method's output: ``paintmatch.evaluate.regions.majority_values``)."""
    from paintmatch.evaluate.regions import majority_values
    from paintmatch.rgba import pack_rgba, unpack_rgba

    inside = labels >= 0
    return unpack_rgba(majority_values(labels[inside], pack_rgba(gt)[inside], n))


def production_frames(cut: Path) -> list:
    """The frames of a production-like cut as ``colorize`` segments them (default gap closing), with the truth's
    majority color per component."""
    from paintmatch.cut import ColorizeOptions, segment_frame
    from paintmatch.evaluate.regions import read_colored
    from paintmatch.io import read_cut, read_image
    from paintmatch.match import Frame

    files = read_cut(cut, require_colored=False)
    close_gaps = ColorizeOptions().close_gaps
    frames = []
    for name, path in zip(files.names, files.line):
        frame, _ = segment_frame(read_image(path), name, close_gaps)
        colors = truth_majority_colors(read_colored(files.root, name), frame.seg.labels, frame.n)
        frames.append(Frame(frame.line, frame.seg, colors=colors, name=name))
    return frames


def clean_frames(cut: Path) -> list:
    """The frames of a clean synthetic cut, segmented without gap closing, with their true colors."""
    from paintmatch.evaluate.truth import read_truth, truth_colors
    from paintmatch.io import read_cut, read_image
    from paintmatch.match import Frame
    from paintmatch.segment import segment

    files = read_cut(cut)
    frames = []
    for name, path in zip(files.names, files.line):
        line = read_image(path)
        seg = segment(line)
        frames.append(Frame(line, seg, colors=truth_colors(read_truth(files.root, name).image, seg)))
    return frames


def collect_cut(cut: Path, style: str = "clean") -> list[tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]]:
    """(terms, same_color (n_t, n_r) bool, target areas) for every (k-1 -> k) and (0 -> k) pair of a cut."""
    from paintmatch.match import Frame, get_matcher
    from paintmatch.rgba import pack_rgba

    matcher = get_matcher("best")
    frames = production_frames(cut) if style == "production" else clean_frames(cut)
    pairs = []
    for k in range(1, len(frames)):
        for j in sorted({k - 1, 0}):
            target = Frame(frames[k].line, frames[k].seg)
            terms = matcher.cost_terms(frames[j], target)
            same = pack_rgba(frames[k].colors)[:, None] == pack_rgba(frames[j].colors)[None, :]
            pairs.append((terms, same, frames[k].seg.areas))
    return pairs


def negative_log_likelihood(w: np.ndarray, data) -> tuple[float, np.ndarray]:
    """Sum over targets of -log P(true color), and its gradient in ``w``.

    ``data``: per pair (stack (n_t, n_r, m) of fitted terms, fixed cost (n_t, n_r), positives, weights).
    """
    from scipy.special import logsumexp

    total, grad = 0.0, np.zeros_like(w)
    for stack, fixed, positive, weight in data:
        logits = -(stack @ w + fixed)
        all_ = logsumexp(logits, axis=1)
        pos_logits = np.where(positive, logits, -np.inf)
        pos = logsumexp(pos_logits, axis=1)
        total += float(np.sum(weight * (all_ - pos)))
        p_all = np.exp(logits - all_[:, None])
        p_pos = np.exp(pos_logits - pos[:, None])
        grad -= np.einsum("t,tr,trk->k", weight, p_all - p_pos, stack)
    return total, grad


def top1_color_accuracy(w: np.ndarray, data) -> float:
    """Share of targets over 10 px whose cheapest reference has the true color."""
    right = count = 0
    for stack, fixed, positive, weight in data:
        best = (stack @ w + fixed).argmin(axis=1)
        big = weight == 1.0
        right += int(positive[np.arange(best.size), best][big].sum())
        count += int(big.sum())
    return right / max(count, 1)


def main(argv: list[str] | None = None) -> int:
    from scipy.optimize import minimize, minimize_scalar
    from run import PRODUCTION_SIZE  # benchmarks/ is this script's folder, first on sys.path
    from tune import cached_suite

    from paintmatch.match import get_matcher

    matcher = get_matcher("best")
    current = {term.name: float(term.weight) for term in matcher.terms}
    fittable = [name for name in current if name != "background"]
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data")
    parser.add_argument("--cuts", type=int, default=16)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--fit", default="area,trace,pos,flow", help=f"terms to fit, of {','.join(fittable)}")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--style", choices=("clean", "production"), default="clean",
                        help=f"clean synthetic cuts (seed {TRAIN_SEED}) or production-like ones (seed {PRODUCTION_TRAIN_SEED}, "
                             f"{PRODUCTION_SIZE} px, segmented and colored as colorize does)")
    args = parser.parse_args(argv)

    fit = [name.strip() for name in args.fit.split(",") if name.strip()]
    unknown = [name for name in fit if name not in fittable]
    if unknown:
        parser.error(f"--fit: unknown term(s) {', '.join(unknown)}; the terms are {', '.join(fittable)}")
    if args.style == "production":
        cuts = cached_suite(args.data / f"production-train-{args.cuts}x{args.frames}", args.cuts, args.frames,
                            PRODUCTION_TRAIN_SEED, style="production", size=PRODUCTION_SIZE)
    else:
        cuts = cached_suite(args.data / f"synthetic-train-{args.cuts}x{args.frames}", args.cuts, args.frames, TRAIN_SEED)
    print(f"collecting cost terms from {len(cuts)} training cuts ...", file=sys.stderr)
    with ProcessPoolExecutor(args.workers) as pool:
        pairs = [pair for cut_pairs in pool.map(collect_cut, cuts, [args.style] * len(cuts)) for pair in cut_pairs]

    def dataset(scale: float):
        data = []
        for terms, same, areas in pairs:
            keep = same.any(axis=1)  # a target whose color the reference lacks says nothing about weights
            stack = np.stack([terms[name][keep] for name in fit], axis=2) * scale
            # the terms not fitted (the background penalty among them) at their current weights
            fixed = sum(current[name] * terms[name][keep] for name in current if name not in fit)
            data.append((stack, fixed * scale, same[keep], np.where(areas[keep] > 10, 1.0, 0.3)))
        return data

    w0 = np.array([current[name] for name in fit])
    unit = dataset(1.0)
    scale = minimize_scalar(
        lambda s: negative_log_likelihood(s * w0, [(st, s * fx, p, wt) for st, fx, p, wt in unit])[0],
        bounds=(0.1, 50.0), method="bounded",
    ).x
    data = dataset(scale)  # logits in units of scale * cost: fitted weights come back in cost units
    result = minimize(
        negative_log_likelihood, w0, args=(data,), jac=True, method="L-BFGS-B",
        bounds=[(0.0, None)] * len(fit), options={"maxiter": 300},
    )
    print(f"{sum(p[1].shape[0] for p in pairs)} targets in {len(pairs)} frame pairs; logit scale {scale:.3f}")
    print(f"{'term':8s} {'current':>8s} {'fitted':>8s}")
    for name, before, after in zip(fit, w0, result.x):
        print(f"{name:8s} {before:8.3f} {after:8.3f}")
    print(f"top-1 color accuracy (targets > 10 px): current {top1_color_accuracy(w0, data):.4f}, "
          f"fitted {top1_color_accuracy(result.x, data):.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
