"""Ablation of ``best``: every evidence term and refinement step switched off one at a time, on the benchmark suites.

    make ablation          # or: .venv/bin/python benchmarks/ablation.py

Uses the suites of ``benchmarks/run.py`` (generated as ``make bench`` does where missing): the production-like
test suite, each cut colored from its first and from its last drawing (``REFERENCES``; every reference would take 16
times the bench's best run), the clean synthetic test suite (from the first frame) and the real-deformation suite's
levels 1 and 3 (``REAL_LEVELS``: warps of the real frame 0242, from the first frame). Scored on the truth's regions;
acc beside acc_thres, because the specks under 10 px that acc_thres leaves out are most of a real frame's regions
(a deletion free on acc_thres everywhere cost the real warps 3-5 points of acc: best_defaults.yaml,
``anchor.part_weight``). Writes benchmarks/results/ablation.md and ablation.json.
``--jobs N`` scores N (variant, suite) pairs at a time in separate processes: the same scores, faster only on a
machine with more than 2 cores (``make ablation`` uses ``BENCH_JOBS``, 1 unless set).
The calibrated confidence changes no color and has no row.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REFERENCES = 2  # per production cut: the first and the last drawing
#: The real-deformation levels scored: the mildest and the strongest warps (level 2 sits between them in every table).
REAL_LEVELS = (1, 3)

def variants() -> dict[str, dict]:
    """One row per evidence term and per refinement step of ``best``, each switched off alone (keyword overrides)."""
    from paintmatch.match import get_matcher

    matcher = get_matcher("best")
    rows: dict[str, dict] = {"best (all)": {}}
    for term in matcher.terms:
        if term.name == "background":  # a hard constraint, not evidence
            continue
        # The veto, trace-line consistency and the color choice read the part field: they go with it.
        label = ("part term (and the veto, trace lines and color choice, which need it)" if term.name == "part"
                 else f"{term.name} term")
        rows[f"- {label}"] = {f"weights.{term.name}": 0.0}
    rows["- global alignment (of the pos term)"] = {"align": False}
    rows["- flow (term and both flow votes)"] = {"flow": False}
    rows["- flow check"] = {"fb_tol": 0.0}
    rows["- per-color flow coverage"] = {"color_vote": 0.0}
    rows["- mirrored view of the part field"] = {"part_mirror": ""}
    rows["- part support in the anchor merge"] = {"anchor_part": 0.0}
    steps = {"guided-flow": {"guided_flow": False}, "neighbour-consistency": {"neighbours": False}, "tiny-region-vote": {"tiny_area": 0},
             "anchor-merge": {"anchor": False},
             "part-field-veto": {"part_veto": 0.0}, "trace-line-consistency": {"trace_lines": False},
             "color-choice": {"color_choice.enabled": False}}
    for step in matcher.steps:
        if step in steps:
            rows[f"- {step}"] = steps[step]
    rows["+ deep features (= best-deep)"] = {"features": "deep"}
    return rows


def _production_score(cuts: list[Path], params: dict) -> dict:
    """Mean metrics of ``best`` with ``params`` over production cuts, each colored from ``REFERENCES`` references."""
    from paintmatch.evaluate.every_reference import evaluate_every_reference

    evaluation = evaluate_every_reference(cuts, ["best"], max_references=REFERENCES, matcher_params={"best": params})
    return dict(evaluation.summary["best"].by_cut)


def _score(variant: str, suite: str, cuts: list[Path], params: dict) -> tuple[dict, float]:
    """(mean metrics, seconds) of ``best`` with ``params`` on one suite's cuts; runs here or in a ``--jobs`` worker."""
    from tune import score  # benchmarks/tune.py: mean metrics of a method over cuts

    start = time.perf_counter()
    metrics = _production_score(cuts, params) if suite.startswith("production") else score(cuts, "best", params)
    seconds = time.perf_counter() - start
    print(f"{variant:32s} {suite:26s} acc_thres {metrics['acc_thres']:.4f} acc {metrics['acc']:.4f} ({seconds:.0f} s)", flush=True)
    return metrics, seconds


def _suites(data: Path) -> dict[str, list[Path]]:
    """Each suite's cut folders, generated as ``make bench`` does where missing (the same seeds and markers)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import run

    suites = [run.named_suite(data, name) for name in ("production-test", "synthetic-test", "real-deformation")]
    groups = {name: cuts for suite in suites for name, cuts in suite.groups.items()}
    return {name: groups[name] for name in ("production-test", "synthetic-test",
                                            *(f"real-deformation level {level}" for level in REAL_LEVELS))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--variants", help="comma-separated variant names (default: all)")
    parser.add_argument("--jobs", type=int, default=1, help="(variant, suite) pairs scored at a time, in separate processes")
    args = parser.parse_args(argv)
    suites = _suites(args.data)
    known = variants()
    unknown = [k for k in (args.variants or "").split(",") if k and k not in known]
    if unknown:
        parser.error(f"--variants: unknown {', '.join(map(repr, unknown))}; known: {', '.join(map(repr, known))}")
    chosen = known if not args.variants else {k: known[k] for k in args.variants.split(",")}
    if args.jobs < 1:
        parser.error(f"--jobs must be at least 1; got {args.jobs}")
    pairs = [(variant, suite, cuts, params) for variant, params in chosen.items() for suite, cuts in suites.items()]
    if args.jobs == 1:
        scored = [_score(*pair)[0] for pair in pairs]
    else:
        import multiprocessing
        from concurrent.futures import ProcessPoolExecutor

        from paintmatch.features import set_process_threads

        # one OpenCV and onnxruntime thread per worker, so the workers do not fight for the cores
        with ProcessPoolExecutor(max_workers=args.jobs, mp_context=multiprocessing.get_context("spawn"),
                                 initializer=set_process_threads, initargs=(1,)) as pool:
            scored = [metrics for metrics, _ in pool.map(_score, *zip(*pairs))]
    rows = []
    for (variant, suite, _, params), metrics in zip(pairs, scored):
        if not rows or rows[-1]["variant"] != variant:
            rows.append({"variant": variant, "params": params})
        rows[-1][suite] = metrics
    header = "| variant | " + " | ".join(f"{s} acc / acc_thres" for s in suites) + " |"
    lines = [header, "|---|" + "---|" * len(suites)]
    for row in rows:
        cells = [f"{row[s]['acc']:.4f} / {row[s]['acc_thres']:.4f}" for s in suites]
        lines.append(f"| {row['variant']} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ablation.md").write_text("Made by `python benchmarks/ablation.py`.\n\n" + table + "\n")
    (args.out / "ablation.json").write_text(json.dumps(rows, indent=2))
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
