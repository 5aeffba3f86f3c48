"""Development choices on the production-like DEV suite only (seed 1000; the test suite is only reported).

    python benchmarks/dev.py --methods best,flow --close-gaps 0,auto --max-references 3
    python benchmarks/dev.py --methods best --params '{"w_part": 0}'
    python benchmarks/dev.py --suite clean --methods best --params '{"tiny_area": 20}'
    python benchmarks/dev.py --suite real --methods best --params '{"tiny_area": 20}'

``--suite production`` (the default): every reference (or ``--max-references K`` evenly spaced) of every cut of
``production-dev`` is the only colored frame in turn; prints acc_thres / pix_acc / pix_acc_wobg / leaked regions per
method and setting. The two second suites the settings must not lose on, each cut colored from its first frame:
``clean``, the clean synthetic dev suite (12 cuts x 8 frames, seed 20000, as ``benchmarks/tune.py``'s), and ``real``,
the real frame PaintBucket-Character 0242 warped by ``paintmatch.deform`` (seeds 20000-20002, levels 1 and 3, 4 frames;
the test suite's warps use seeds 10000+); they print acc and acc_thres per group (acc counts the specks too). Each run
appends a JSON line to ``benchmarks/results/raw/dev.jsonl`` (ignored by git) so choices can be traced.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def main(argv: list[str] | None = None) -> int:
    import run

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--methods", default="best,flow")
    parser.add_argument("--close-gaps", default=None, help="comma-separated settings to compare (default: colorize's)")
    parser.add_argument("--params", default=None, help="JSON matcher parameters for every method")
    parser.add_argument("--max-references", type=int, default=None)
    parser.add_argument("--cuts", type=int, default=None, help="only the first N dev cuts")
    parser.add_argument("--suite", choices=("production", "clean", "real"), default="production",
                        help="production-like dev (default), or a second suite: clean synthetic dev, real dev warps")
    parser.add_argument("--real-repeats", type=int, default=None,
                        help=f"--suite real: warp seeds per level (default {REAL_DEV_REPEATS}; each seed adds 3 target "
                             "frames of about 96 components over 10 px: at 3 seeds one component is about 0.1 points)")
    args = parser.parse_args(argv)
    if args.suite != "production":
        return _second_suite(args)

    from paintmatch.cut import ColorizeOptions
    from paintmatch.evaluate.every_reference import evaluate_every_reference

    suite = run.production_suite(HERE / "data", name="production-dev")
    paths = suite.groups["production-dev"][: args.cuts]
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    params = json.loads(args.params) if args.params else None
    settings = [None] if args.close_gaps is None else [int(v) if v.isdigit() else v for v in args.close_gaps.split(",")]
    log = HERE / "results" / "raw" / "dev.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)
    for close_gaps in settings:
        options = ColorizeOptions() if close_gaps is None else ColorizeOptions(close_gaps=close_gaps)
        started = time.perf_counter()
        evaluation = evaluate_every_reference(
            paths, methods, max_references=args.max_references, options=options,
            matcher_params={m: params for m in methods} if params else None,
        )
        leaks = run._leaks(evaluation)
        for method, summary in evaluation.summary.items():
            row = {"method": method, "close_gaps": options.close_gaps, "params": params, "cuts": len(paths),
                   "max_references": args.max_references, **{k: summary.by_cut[k] for k in ("acc", "acc_thres", "pix_acc", "pix_acc_wobg", "seconds")},
                   "leaked": leaks[method], "minutes": round((time.perf_counter() - started) / 60, 1)}
            print(f"{method:10s} close_gaps={options.close_gaps!s:5s} acc_thres {row['acc_thres']:.4f}  "
                  f"pix_acc {row['pix_acc']:.4f}  pix_acc_wobg {row['pix_acc_wobg']:.4f}  leaked {leaks[method]}  {row['seconds']:.3f} s/frame", flush=True)
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(row) + "\n")
    return 0


#: The real dev warps: seeds of their own (the real-deformation test suite uses run.DEFORM_SEED + k).
REAL_DEV_SEED = 20_000
REAL_DEV_REPEATS = 3
REAL_DEV_LEVELS = (1, 3)
REAL_DEV_FRAMES = 4


def real_dev_groups(data: Path, repeats: int | None = None) -> dict[str, list[Path]]:
    """The real dev warps' cut folders by level (``run.deformation_suite`` with ``repeats`` dev seeds from
    ``REAL_DEV_SEED``, default ``REAL_DEV_REPEATS``), generated into ``data/real-dev`` (``data/real-dev-<repeats>``
    for other counts) if missing or made otherwise."""
    import run

    repeats = REAL_DEV_REPEATS if repeats is None else repeats
    folder = "real-dev" if repeats == REAL_DEV_REPEATS else f"real-dev-{repeats}"
    suite = run.deformation_suite(data, folder=folder, levels=REAL_DEV_LEVELS, frames=REAL_DEV_FRAMES,
                                  seed=REAL_DEV_SEED, repeats=repeats)
    return {f"real dev level {level}": suite.groups[f"real-deformation level {level}"] for level in REAL_DEV_LEVELS}


def _second_suite(args: argparse.Namespace) -> int:
    """``--suite clean|real``: every cut colored from its first frame, mean acc / acc_thres / pix_acc per group."""
    import tune

    if args.suite == "clean":
        groups = {"clean dev 12x8": tune.dev_suite(HERE / "data", 12, 8)}
    else:
        groups = real_dev_groups(HERE / "data", args.real_repeats)
    params = json.loads(args.params) if args.params else {}
    log = HERE / "results" / "raw" / "dev.jsonl"
    log.parent.mkdir(parents=True, exist_ok=True)
    for method in [m.strip() for m in args.methods.split(",") if m.strip()]:
        for group, cuts in groups.items():
            cuts = cuts[: args.cuts]
            row = {"method": method, "suite": group, "params": params or None, "cuts": len(cuts),
                   **tune.score(cuts, method, params)}
            print(f"{method:10s} {group:18s} acc_thres {row['acc_thres']:.4f}  acc {row['acc']:.4f}  "
                  f"pix_acc {row['pix_acc']:.4f}", flush=True)
            with open(log, "a", encoding="utf-8") as handle:
                handle.write(json.dumps(row) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
