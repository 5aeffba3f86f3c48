"""Choose matcher parameters on the synthetic DEV suite (seeds disjoint from the test suite).

    .venv/bin/python benchmarks/tune.py --method paper --grid t_d=0.08,0.12,0.2 --grid t_f=0.3,0.5,0.8
    .venv/bin/python benchmarks/tune.py --method best --grid w_flow=1,2,4

Each grid point colors every dev cut from its first frame (as ``paintmatch evaluate`` does) and is
scored by mean acc_thres over cuts; the best point is written to ``benchmarks/results/tuned-<method>.yaml``
with the command that chose it. ``best`` takes its flat names (``w_flow``) or ``group.field`` paths
(``--grid flow.side=400,512``); a value it keeps goes, with this measurement as its reason, into
``src/paintmatch/match/best_defaults.yaml`` (bump its ``version``): the one file ``best`` loads. The dev suite (seed 20_000) is generated into
``benchmarks/data/synthetic-dev`` if missing.
"""

from __future__ import annotations

import argparse
import itertools
import json
import shlex
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEV_SEED = 20_000


def _value(text: str):
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def parse_grid(items: list[str]) -> dict[str, list]:
    grid = {}
    for item in items:
        name, _, values = item.partition("=")
        if not values:
            raise SystemExit(f"--grid needs NAME=V1,V2,...; got {item!r}")
        grid[name] = [_value(v) for v in values.split(",")]
    return grid


def cached_suite(folder: Path, cuts: int, frames: int, seed: int, **options) -> list[Path]:
    """The cut folders of a synthetic suite in ``folder``, generated (deterministic by ``seed``) if missing or made with
    other settings, as ``run.py``'s suites are (``run.synth_cuts``: once, whole, however many benchmarks ask at once).

    ``options``: more keywords of ``paintmatch.synth.generate_suite`` (``style``, ``size``); the default is clean cuts.
    """
    import run  # benchmarks/ is the calling script's folder, first on sys.path

    return run.synth_cuts(folder, f"{folder.name} ({cuts} cuts x {frames} frames, seed {seed})", seed=seed, cuts=cuts,
                          frames=frames, recorded=options, **options)[0]


def dev_suite(data: Path, cuts: int, frames: int) -> list[Path]:
    return cached_suite(data / f"synthetic-dev-{cuts}x{frames}", cuts, frames, DEV_SEED)


def score(cuts: list[Path], method: str, params: dict) -> dict[str, float]:
    from paintmatch.evaluate.score import evaluate_cut

    means = [evaluate_cut(cut, method, matcher_params=params)[0].means for cut in cuts]
    return {k: float(np.nanmean([m[k] for m in means])) for k in ("acc", "acc_thres", "pix_acc", "seconds")}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", required=True)
    parser.add_argument("--grid", action="append", default=[], help="NAME=V1,V2,... (repeat)")
    parser.add_argument("--fixed", action="append", default=[], help="NAME=VALUE kept constant (repeat)")
    parser.add_argument("--cuts", type=int, default=8)
    parser.add_argument("--frames", type=int, default=6)
    parser.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    grid = parse_grid(args.grid)
    fixed = {k: v[0] for k, v in parse_grid(args.fixed).items()}
    cuts = dev_suite(args.data, args.cuts, args.frames)
    results = []
    for values in itertools.product(*grid.values()):
        params = {**fixed, **dict(zip(grid, values))}
        start = time.perf_counter()
        metrics = score(cuts, args.method, params)
        results.append((metrics["acc_thres"], params, metrics))
        print(f"{json.dumps(params):60s} acc_thres {metrics['acc_thres']:.4f} acc {metrics['acc']:.4f} "
              f"({time.perf_counter() - start:.0f} s)", flush=True)
    best_score, best_params, best_metrics = max(results, key=lambda r: r[0])
    command = "python benchmarks/tune.py " + shlex.join(sys.argv[1:] if argv is None else argv)
    lines = [
        f"# Parameters of `{args.method}` chosen on the synthetic dev suite ({args.cuts} cuts x {args.frames} frames,",
        f"# seed {DEV_SEED}, disjoint from the test suite's 10000) by mean acc_thres = {best_score:.4f}, with:",
        f"#   {command}",
        f"method: {args.method}",
        "params:",
        *[f"  {k}: {json.dumps(v)}" for k, v in best_params.items()],
        "dev_metrics:",
        *[f"  {k}: {v:.4f}" for k, v in best_metrics.items()],
    ]
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"tuned-{args.method}.yaml"
    path.write_text("\n".join(lines) + "\n")
    print(f"best: {best_params} -> {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
