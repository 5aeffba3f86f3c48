"""Why painted regions come out transparent: the leaks of ``best`` on the production-like DEV suite, by cause.

    python benchmarks/leaks.py                       # production-dev, 3 references per cut (as benchmarks/dev.py)
    python benchmarks/leaks.py --method best --max-references 8
    python benchmarks/leaks.py --suite production-test --max-references 8 --out /tmp/leaks-test.md  # report only

A leak is a truth region over 200 px, painted in the truth, whose output is transparent (``leaked_regions``, issue 19's
acceptance). Each one is put down to the component of the method's own segmentation that covers most of it:

- ``gap``: that component is mostly truth background: an outline gap that gap closing left open;
- ``edge``: a component touching the frame edge that took the reference's transparent background;
- ``hole``: an inner component that took the transparency of a hole of the reference (background seen between an
  arm and the body): the background term keeps inner components off the border background only.

Across the three, ``unseen`` counts the leaks whose true color the painter's frame does not have at all (a part it
never shows, as ``benchmarks/errors.py``): no match can paint those right, transparent or not.

Prints the counts and writes ``benchmarks/results/leaks.md`` for the dev suite (settings are chosen there); another
suite (``--suite``) is for reporting, into a file of its own (``--out``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
KINDS = ("gap", "edge", "hole")
GAP_SHARE = 0.3  # a component over 30% truth background is the background leaking in (not measured: a clear split)


def leak_kind(region: np.ndarray, labels: np.ndarray, truth_background: np.ndarray) -> str:
    """The cause of one leaked truth region (the module docstring's ``gap``, ``edge`` or ``hole``).

    Parameters
    ----------
    region : (H, W) ndarray of bool
        The leaked truth region's pixels.
    labels : (H, W) ndarray of int32
        The method's components (-1 on lines).
    truth_background : (H, W) ndarray of bool
        Pixels of the truth's background regions.
    """
    inside = region & (labels >= 0)
    if not inside.any():
        return "gap"  # no component of its own: all line or merged away
    found, counts = np.unique(labels[inside], return_counts=True)
    component = labels == found[counts.argmax()]
    if truth_background[component].mean() > GAP_SHARE:
        return "gap"
    edge = component[0].any() or component[-1].any() or component[:, 0].any() or component[:, -1].any()
    return "edge" if edge else "hole"


def count_leaks(cut: Path, method: str, max_references: int) -> dict[str, int]:
    """Leaks of ``method`` on one cut, each chosen drawing (``_plan``) in turn the only colored frame: by kind
    (``KINDS``), and ``unseen``: those whose true color the painter's frame lacks."""
    import run
    from paintmatch.evaluate.regions import leaked_regions
    from paintmatch.match import get_matcher
    from paintmatch.rgba import pack_rgba

    kinds = dict.fromkeys(KINDS + ("unseen",), 0)
    for _, painted, _, result, truth in run.every_reference_frames(cut, get_matcher(method), max_references):
        painted_colors = pack_rgba(painted.colors[painted.colors[:, 3] > 0])
        background = np.zeros(truth.labels.shape, bool)
        inside = truth.labels >= 0
        background[inside] = truth.background[truth.labels[inside]]
        for region in np.flatnonzero(leaked_regions(result.painted.image, truth)):
            kinds[leak_kind(truth.labels == region, result.frame.seg.labels, background)] += 1
            kinds["unseen"] += int(not np.isin(pack_rgba(truth.colors[region][None]), painted_colors)[0])
    return kinds


def main(argv: list[str] | None = None) -> int:
    import run

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="best")
    parser.add_argument("--max-references", type=int, default=3)
    run.add_report_suite(parser, "leaks.md")
    args = parser.parse_args(argv)
    cuts, out, suite_flag = run.chosen_report_suite(parser, args, "leaks.md")
    totals = dict.fromkeys(KINDS + ("unseen",), 0)
    for cut in cuts:
        for kind, count in count_leaks(cut, args.method, args.max_references).items():
            totals[kind] += count
        print(f"{cut.name}: {totals}", flush=True)
    lines = [
        f"Made by `python benchmarks/leaks.py --method {args.method} --max-references {args.max_references}"
        f"{suite_flag}` (suite {args.suite}).", "",
        "| method | leaked | gap left open | edge component took the background | inner component took a hole "
        "| of all, the painter's frame lacks its color |",
        "|---|---|---|---|---|---|",
        f"| {args.method} | {sum(totals[kind] for kind in KINDS)} | {totals['gap']} | {totals['edge']} | "
        f"{totals['hole']} | {totals['unseen']} |",
    ]
    run.write_markdown(out, lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
