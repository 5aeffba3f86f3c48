"""How right ``colorize`` reads the painter's frames: each region's color, before any matching.

    make bench-palette                                  # or: .venv/bin/python benchmarks/palette_read.py
    python benchmarks/palette_read.py --max-references 8 --suite production-test --out /tmp/palette-test.md

A region of the painter's frame that is read with the wrong color passes that color on to every region matched to it,
however right the match: the reference read is the ceiling of everything after it. Each chosen drawing of each cut
(``_plan``, 3 per cut as ``benchmarks/dev.py``) is read as ``colorize`` reads a colored frame (segmented with the
defaults, split by its paint, one palette color per component); each component over 10 px is scored against the
truth's color over most of its pixels. Components too thin to hold a flat pixel (3x3 of one color; eyes, mouths,
highlights a few pixels wide) are counted apart: their paint is read from their own exact colors or their blends.

Prints the table and writes ``benchmarks/results/palette_read.md`` for the dev suite (settings are chosen there);
another suite is for reporting, into a file of its own (``--out``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def read_scores(seg_labels: np.ndarray, colors: np.ndarray, truth, unflat: np.ndarray) -> dict[str, int]:
    """Counts for one read frame: components over 10 px, those read right, and the same for the ``unflat`` ones.

    ``seg_labels`` (H, W) int32 components (-1 on lines), ``colors`` (n, 4) uint8 their read colors, ``truth`` the
    frame's ``TruthRegions``, ``unflat`` (n,) bool the components with no flat pixel of a palette color.
    """
    from paintmatch.evaluate.metrics import AREA_THRESHOLD
    from paintmatch.rgba import pack_rgba

    inside = (seg_labels >= 0) & (truth.labels >= 0)
    n = colors.shape[0]
    pairs, counts = np.unique(seg_labels[inside].astype(np.int64) << 32 | truth.labels[inside], return_counts=True)
    owner = pairs >> 32
    order = np.lexsort((-counts, owner))
    first = order[np.r_[True, owner[order][1:] != owner[order][:-1]]] if order.size else order
    truth_of = np.full(n, -1, np.int64)
    truth_of[owner[first]] = pairs[first] & 0xFFFFFFFF
    areas = np.bincount(seg_labels[seg_labels >= 0], minlength=n)[:n]
    scored = (areas > AREA_THRESHOLD) & (truth_of >= 0)
    right = np.zeros(n, bool)
    right[scored] = pack_rgba(colors[scored]) == pack_rgba(truth.colors[truth_of[scored]])
    return {"scored": int(scored.sum()), "right": int(right.sum()),
            "unflat": int((scored & unflat).sum()), "unflat_right": int((right & unflat).sum())}


def score_cut(cut: Path, max_references: int) -> dict[str, int]:
    """``read_scores`` summed over the chosen drawings of one cut, each read as ``colorize`` reads a colored frame."""
    from paintmatch.cut import colorize_frames
    from paintmatch.evaluate.every_reference import _load_truth_cut, _plan
    from paintmatch.segment import _flat_pixels, _keys, _unflat_components, reference_palette

    references = _plan(cut, max_references)
    truth_cut = _load_truth_cut(cut, "auto", references)
    totals = dict.fromkeys(("scored", "right", "unflat", "unflat_right"), 0)
    for index in references:
        colored = truth_cut.colored[index]
        result = colorize_frames(truth_cut.lines[index:index + 1], {0: colored}, names=truth_cut.names[index:index + 1])[0]
        seg = result.frame.seg
        packed, flat = _flat_pixels(colored)
        palette = _keys(reference_palette(colored, seg))
        unflat = np.zeros(seg.n, bool)
        unflat[_unflat_components(packed, flat, seg.labels, seg.n, palette)] = True
        for key, value in read_scores(seg.labels, result.frame.colors, truth_cut.truths[index], unflat).items():
            totals[key] += value
    return totals


def main(argv: list[str] | None = None) -> int:
    import run

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-references", type=int, default=3)
    run.add_report_suite(parser, "palette_read.md")
    args = parser.parse_args(argv)
    cuts, out, suite_flag = run.chosen_report_suite(parser, args, "palette_read.md")
    totals = dict.fromkeys(("scored", "right", "unflat", "unflat_right"), 0)
    for cut in cuts:
        for key, value in score_cut(cut, args.max_references).items():
            totals[key] += value
        print(f"{cut.name}: {totals}", flush=True)
    share = lambda a, b: f"{a / b:.1%}" if b else "-"  # noqa: E731
    lines = [
        f"Made by `python benchmarks/palette_read.py --max-references {args.max_references}{suite_flag}` "
        f"(suite {args.suite}; the painter's frames read as `colorize` reads them, components over 10 px).", "",
        "| components | read right | too thin for a flat pixel | of them read right |",
        "|---|---|---|---|",
        f"| {totals['scored']} | {totals['right']} ({share(totals['right'], totals['scored'])}) | {totals['unflat']} | "
        f"{totals['unflat_right']} ({share(totals['unflat_right'], totals['unflat'])}) |",
    ]
    run.write_markdown(out, lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
