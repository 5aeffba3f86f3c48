"""Which frame a painter should color second: the one ``colorize`` names next, against other rules and hindsight.

    python benchmarks/next_key.py                      # production-dev (the rule is chosen there)
    python benchmarks/next_key.py --suite production-test --out /tmp/next-key-test.md   # report only

Each production-like cut is colored from the drawing ``paintmatch suggest-reference`` names (its truth), alone; then
from it and each other drawing in turn (``colorize``'s two-sided chains, ``cut.key_chains``). A rule picks the second
drawing from what a painter has at that point (the first run's results, the line art):

- the one ``colorize`` names next (``CutResult.next_to_color``: the lowest mean confidence over components over 10 px);
- the one with the most expected wrong colors (the sum of 1 - confidence over the same components);
- the one farthest from the first (in drawings; the later one on a tie);
- the one with the second most components (``suggest-reference``'s ranking);

and, in hindsight (the truth read), the drawing the first run scored worst on, and the best and worst second drawing.
One more row colors the least sure drawing as a painter does in the review page: its first-run result with only its
flagged components given their true colors (``flagged_fixed``), made a colored frame.
Scored on the truth's regions of every drawing but the first colored one (acc_thres over regions > 10 px, pix_acc,
leaked regions over 200 px), the second colored drawing included (it is the painter's own; every row has one): means
over drawings, then over cuts. Prints the table and writes ``benchmarks/results/next-key.md`` for the dev suite.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
#: The table's rows, in order: (label, key of ``choices``). "alone" is the first colored drawing without a second.
ROWS = (
    ("the suggested drawing alone", "alone"),
    ("+ the drawing colorize names next: least sure (default)", "least sure"),
    ("+ the same drawing as the review page makes it: its result, only its flagged components fixed", "least sure, flagged fixed"),
    ("+ the drawing with the most expected wrong colors", "most expected wrong"),
    ("+ the drawing farthest from the first", "farthest"),
    ("+ the drawing with the second most components", "second most components"),
    ("+ the drawing the first run scored worst on (hindsight)", "worst scored"),
    ("+ the best second drawing (hindsight)", "best"),
    ("+ the worst second drawing (hindsight)", "worst"),
)


def choices(first: int, names: list[str], ranking: list[tuple[str, int]], alone, single_scores: dict[int, float],
            two_scores: dict[int, float]) -> dict[str, int]:
    """The second drawing each rule picks (``ROWS``' keys but "alone" and "least sure, flagged fixed").

    ``alone``: the first run's ``CutResult``; ``single_scores`` / ``two_scores``: per drawing index, the first run's
    acc_thres on it and the mean acc_thres of the run with it colored second (the hindsight rows read them).
    """
    others = [k for k in range(len(names)) if k != first]
    upcoming = alone.next_to_color
    by_name = {r.name: r for r in alone.frames}
    expected = {k: float((1.0 - np.asarray(by_name[names[k]].confidence, np.float64))[by_name[names[k]].areas > 10].sum())
                for k in others}
    ranked = [names.index(name) for name, _ in ranking if names.index(name) != first]
    return {
        "least sure": names.index(upcoming.name) if upcoming is not None else others[-1],
        "most expected wrong": max(others, key=lambda k: (expected[k], k)),
        "farthest": max(others, key=lambda k: (abs(k - first), k)),
        "second most components": ranked[0],
        "worst scored": min(others, key=lambda k: (single_scores[k], k)),
        "best": max(others, key=lambda k: (two_scores[k], -k)),
        "worst": min(others, key=lambda k: (two_scores[k], k)),
    }


def flagged_fixed(result, truth) -> np.ndarray:  # noqa: ANN001 - FrameResult, TruthRegions
    """(H, W, 4) uint8: a frame's result with its flagged components (``review_flags``) given their true colors (the
    majority truth region's under each), the rest as paintmatch colored them: the review page's Make colored frame
    after a painter fixed what it flagged."""
    from paintmatch.paint import paint
    from paintmatch.review import review_flags

    seg = result.frame.seg
    colors = result.matching.colors.copy()
    both = (seg.labels >= 0) & (truth.labels >= 0)
    pairs = seg.labels[both].astype(np.int64) * len(truth.colors) + truth.labels[both]
    counts = np.bincount(pairs, minlength=seg.n * len(truth.colors)).reshape(seg.n, len(truth.colors))
    for component in np.flatnonzero(review_flags(seg, result.matching)):
        if counts[component].any():
            colors[component] = truth.colors[int(counts[component].argmax())]
    return paint(result.frame, colors).image


def measure_cut(cut: Path, method: str) -> dict:
    """Per ``ROWS`` key: mean acc_thres, pix_acc and leaked regions (summed) of ``cut``, and the drawings chosen."""
    from keys import scored_means
    from paintmatch.cut import ColorizeOptions, CutResult, colorize_frames, suggest_reference
    from paintmatch.evaluate.regions import read_colored, read_truth_regions
    from paintmatch.io import read_cut, read_image
    from paintmatch.match import get_matcher

    files = read_cut(cut)
    names = files.names
    lines = [read_image(path) for path in files.line]
    regions = [read_truth_regions(cut, name, line) for name, line in zip(names, lines)]
    options, matcher = ColorizeOptions(method=method), get_matcher(method)
    ranking = suggest_reference(cut, close_gaps=options.close_gaps)
    first = names.index(ranking[0][0])
    scored = [k for k in range(len(lines)) if k != first]

    def color_from(colored: tuple[int, ...], images: dict[int, np.ndarray] | None = None) -> tuple[list, dict[str, float], dict[int, float]]:
        """The cut colored from the truth of the ``colored`` drawings (or the given ``images`` of them); scored."""
        given = {i: read_colored(cut, names[i]) for i in colored} | (images or {})
        results = colorize_frames(lines, given, names=names, matcher=matcher, options=options)
        return (results, *scored_means(results, regions, scored))

    results, alone_means, single_scores = color_from((first,))
    alone = CutResult(frames=results, out_dir=None, written=[])
    with_second = {k: color_from((first, k))[1] for k in scored}
    picked = choices(first, names, ranking, alone, single_scores, {k: m["acc_thres"] for k, m in with_second.items()})
    out = {"first": names[first], "picked": {key: names[k] for key, k in picked.items()}, "alone": alone_means}
    out.update({key: with_second[k] for key, k in picked.items()})
    least_sure = picked["least sure"]
    made = flagged_fixed(results[least_sure], regions[least_sure])
    out["least sure, flagged fixed"] = color_from((first,), {least_sure: made})[1]
    out["picked"]["least sure, flagged fixed"] = names[least_sure]
    return out


def table(per_cut: list[dict]) -> list[str]:
    """Markdown lines: one row per ``ROWS`` entry, means over cuts."""
    lines = ["| second colored drawing | acc_thres | pix_acc | leaked |", "|---|---|---|---|"]
    for label, key in ROWS:
        of = [cut[key] for cut in per_cut]
        lines.append(f"| {label} | {np.mean([m['acc_thres'] for m in of]):.4f} | "
                     f"{np.mean([m['pix_acc'] for m in of]):.4f} | {sum(m['leaked'] for m in of)} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    import run

    def describe(measured: dict) -> str:
        picked = measured["picked"]
        return (f"first {measured['first']}, next {picked['least sure']} (best {picked['best']}), "
                f"acc_thres {measured['alone']['acc_thres']:.4f} -> {measured['least sure']['acc_thres']:.4f}")

    runs = run.measure_each_cut(__doc__.splitlines()[0], "next-key.md", measure_cut, describe, argv)
    args, cuts, per_cut, suite_flag = runs.args, runs.cuts, runs.per_cut, runs.suite_flag
    lines = [f"Made by `python benchmarks/next_key.py{suite_flag}` (method {args.method}, {len(per_cut)} cuts; the "
             "first colored drawing is the one `suggest-reference` names; scored on every other drawing).", "",
             *table(per_cut), "", "The drawings each rule picked, per cut:", "",
             "| cut | first | " + " | ".join(key for _, key in ROWS[1:]) + " |",
             "|---|---|" + "---|" * (len(ROWS) - 1)]
    for cut, measured in zip(cuts, per_cut):
        lines.append(f"| {cut.name} | {measured['first']} | "
                     + " | ".join(measured["picked"][key] for _, key in ROWS[1:]) + " |")
    runs.write(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
