"""Two colored frames a cut: the other frames colored from the nearer one, or from both (``cut.key_chains``).

    python benchmarks/keys.py                      # production-dev (settings are chosen there)
    python benchmarks/keys.py --suite production-test --out /tmp/keys-test.md   # report only

A painter colors more than one drawing of a cut where parts come and go (a hand that appears, a head that turns).
Each cut is colored from two of its drawings (their truth): its first and last (every other frame between them), and
its first and middle (frames beyond the middle one too), with ``colorize``'s propagation (``colorize_frames``): each
frame from the nearer colored frame only (``both_keys`` off), or from both, each component taking the more confident
side's color (the default). Beside them, the cut colored from its first drawing alone, scored on the same frames: what
the second colored frame adds. Scored on the truth's regions of every frame not colored (acc_thres over regions > 10
px, pix_acc, leaked regions over 200 px); means over frames, then over cuts.

Prints the table and writes ``benchmarks/results/keys.md`` for the dev suite.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
#: The two colored frames of each table: the cut's first drawing and its last or its middle one (as drawn in
#: ``benchmarks/drift.py``), and the rows: the first only, the nearer colored frame, both (the default).
GROUPS = ("first and last", "first and middle")
ROWS = (("the first drawing only", "first", True), ("each frame from the nearer colored frame", "two", False),
        ("each frame from both (default)", "two", True))


def measure_cut(cut: Path, method: str) -> dict[str, dict[str, dict[str, float]]]:
    """Per group (``GROUPS``) and row label (``ROWS``): mean acc_thres and pix_acc over the frames the group's two
    colored frames leave, leaked regions summed, and seconds."""
    from paintmatch.cut import ColorizeOptions, colorize_frames
    from paintmatch.evaluate.regions import read_colored, read_truth_regions
    from paintmatch.io import read_cut, read_image
    from paintmatch.match import get_matcher

    files = read_cut(cut)
    names = files.names
    lines = [read_image(path) for path in files.line]
    last = len(lines) - 1
    regions = [read_truth_regions(cut, name, line) for name, line in zip(names, lines)]
    matcher = get_matcher(method)
    out: dict[str, dict[str, dict[str, float]]] = {}
    for group, second in zip(GROUPS, (last, last // 2 + 1)):
        keys = (0, second)
        scored = [k for k in range(len(lines)) if k not in keys]
        out[group] = {}
        for label, colored, both in ROWS:
            indices = (0,) if colored == "first" else keys
            start = time.perf_counter()
            results = colorize_frames(lines, {i: read_colored(cut, names[i]) for i in indices}, names=names,
                                      matcher=matcher, options=ColorizeOptions(method=method, both_keys=both))
            seconds = time.perf_counter() - start
            out[group][label] = {**scored_means(results, regions, scored)[0], "seconds": seconds}
    return out


def scored_means(results: list, regions: list, scored: list[int]) -> tuple[dict[str, float], dict[int, float]]:
    """Over the ``scored`` frames of a colored cut (``FrameResult`` and ``TruthRegions`` per frame): mean acc_thres and
    pix_acc and the leaked regions summed; and each scored frame's acc_thres."""
    from paintmatch.evaluate.regions import leaked_regions, region_metrics

    scores = {k: region_metrics(results[k].painted.image, regions[k])[0] for k in scored}
    means = {"acc_thres": float(np.nanmean([s["acc_thres"] for s in scores.values()])),
             "pix_acc": float(np.nanmean([s["pix_acc"] for s in scores.values()])),
             "leaked": int(sum(leaked_regions(results[k].painted.image, regions[k]).sum() for k in scored))}
    return means, {k: s["acc_thres"] for k, s in scores.items()}


def main(argv: list[str] | None = None) -> int:
    import run

    runs = run.measure_each_cut(__doc__.splitlines()[0], "keys.md", measure_cut, lambda measured: {
        group: {label: round(row["acc_thres"], 4) for label, row in rows.items()} for group, rows in measured.items()},
        argv)
    args, cuts, per_cut, suite_flag = runs.args, runs.cuts, runs.per_cut, runs.suite_flag
    lines = [
        f"Made by `python benchmarks/keys.py --method {args.method}{suite_flag}` (suite {args.suite}, {len(cuts)} cuts; "
        "each colored from two of its drawings, the first and the last or the middle one, scored on the others).", "",
        "| colored frames | frames colored from | acc_thres | pix_acc | leaked | seconds per cut |", "|---|---|---|---|---|---|",
    ]
    for group in GROUPS:
        for label, _, _ in ROWS:
            rows = [c[group][label] for c in per_cut]
            lines.append(f"| {group} | {label} | {np.mean([r['acc_thres'] for r in rows]):.4f} | "
                         f"{np.mean([r['pix_acc'] for r in rows]):.4f} | {sum(r['leaked'] for r in rows)} | "
                         f"{np.mean([r['seconds'] for r in rows]):.1f} |")
    runs.write(lines, measurements=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
