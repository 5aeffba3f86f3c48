"""How right a colored frame exported as JPEG is read: each region's paint, and how many paints the palette gets.

    make bench-jpeg                                      # or: .venv/bin/python benchmarks/jpeg_paint.py (dev, 3 drawings a cut)
    python benchmarks/jpeg_paint.py --suite production-test --out /tmp/jpeg-paint-test.md

A painter may hand over the colored frame as a JPEG (on white: JPEG has no transparency). JPEG shifts a flat paint by
a few levels from block to block and rings next to the lines. Each chosen drawing of each cut (``_plan``, 3 per cut
as ``benchmarks/dev.py``) is put on white, saved as JPEG at three qualities, decoded, cleaned up one way or another
and read as ``colorize`` reads a colored frame (``benchmarks/palette_read.py``). A truth region over 10 px is read
right when the color read over most of it is nearer to its true paint (over white) than to any other paint of the
frame; the colors read are counted over those regions, beside the number of true paints among them (more: a paint
read twice, a near-duplicate in the output; fewer: a paint lost). The PNG on white is the exact read, for comparison. Cleanups:
``none`` (the decoded pixels), ``clean_jpeg`` (near-white and near-black snapped: what line art gets, and what colored
frames got before), ``flatten Y / C`` (``paintmatch.io.flatten_jpeg_paint`` at luma tolerance Y and chroma tolerance C).

Prints the table and writes ``benchmarks/results/jpeg_paint.md`` for the dev suite (settings are chosen there);
another suite is for reporting, into a file of its own (``--out``).
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
QUALITIES = (95, 85, 70)
#: (luma, chroma) tolerances of ``flatten_jpeg_paint`` compared; the first is the shipped one.
TOLERANCES = ((6, 8), (6, 12), (6, 16), (8, 12), (4, 12))


def on_white(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8: ``rgba`` composited over white, opaque (what a JPEG export of it holds: paintmatch's own
    compositing for formats without alpha)."""
    from paintmatch.io import _composite_on_white

    rgb = _composite_on_white(rgba)
    return np.concatenate([rgb, np.full(rgb.shape[:2] + (1,), 255, np.uint8)], axis=2)


def jpeg_round_trip(rgba: np.ndarray, quality: int) -> np.ndarray:
    """(H, W, 4) uint8: ``rgba``'s RGB saved as JPEG at ``quality`` by Pillow and decoded again (alpha 255)."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(rgba[..., :3])).save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    return np.array(Image.open(buffer).convert("RGBA"))


def cleanups() -> dict[str, object]:
    """Name -> the function applied to a decoded JPEG colored frame."""
    from paintmatch.io import clean_jpeg, flatten_jpeg_paint

    chosen = {"none": lambda rgba: rgba, "clean_jpeg": clean_jpeg}
    for luma, chroma in TOLERANCES:
        chosen[f"flatten {luma} / {chroma}"] = lambda rgba, y=luma, c=chroma: flatten_jpeg_paint(
            rgba, luma_tolerance=y, chroma_tolerance=c)
    return chosen


def read_counts(read: np.ndarray, seg_labels: np.ndarray, truth) -> dict[str, int]:
    """Truth regions over 10 px, those read with their own paint, distinct colors read and distinct true paints.

    ``read`` (n, 4) uint8 the colors read per component, ``seg_labels`` (H, W) int32 (-1 on lines), ``truth`` the
    frame's ``TruthRegions`` (its colors are put over white to compare). A truth region's read color is the most
    common one over its pixels off the read frame's lines (scored on the truth's regions, so a region split into
    several components by noise counts once).
    """
    from paintmatch.evaluate.metrics import AREA_THRESHOLD
    from paintmatch.evaluate.regions import majority_values

    n = truth.colors.shape[0]
    inside = (seg_labels >= 0) & (truth.labels >= 0)
    rgb = read[:, :3].astype(np.uint32)
    keys = (rgb[:, 0] << 16) | (rgb[:, 1] << 8) | rgb[:, 2]
    majority = majority_values(truth.labels[inside], keys[seg_labels[inside]], n)
    seen = np.bincount(truth.labels[inside], minlength=n)[:n] > 0
    scored = np.flatnonzero((truth.areas > AREA_THRESHOLD) & seen)
    true_rgb = on_white(truth.colors[None])[0, :, :3].astype(np.int64)
    paints = np.unique(true_rgb, axis=0)
    got = np.stack([(majority >> 16) & 255, (majority >> 8) & 255, majority & 255], axis=1).astype(np.int64)[scored]
    nearest = paints[np.abs(got[:, None, :] - paints[None, :, :]).sum(axis=2).argmin(axis=1)]
    right = (nearest == true_rgb[scored]).all(axis=1)
    return {"scored": int(scored.size), "right": int(right.sum()),
            "paints_read": len({tuple(c) for c in got.tolist()}),
            "paints_true": len({tuple(c) for c in true_rgb[scored].tolist()})}


def score_cut(cut: Path, max_references: int) -> dict[str, dict[str, int]]:
    """``read_counts`` summed per reading (``png`` and ``q<quality> <cleanup>``) over the chosen drawings of ``cut``."""
    from paintmatch.cut import colorize_frames
    from paintmatch.evaluate.every_reference import _load_truth_cut, _plan

    references = _plan(cut, max_references)
    truth_cut = _load_truth_cut(cut, "auto", references)
    totals: dict[str, dict[str, int]] = {}

    def add(name: str, colored: np.ndarray, index: int) -> None:
        result = colorize_frames(truth_cut.lines[index:index + 1], {0: colored}, names=truth_cut.names[index:index + 1])[0]
        counts = read_counts(result.frame.colors, result.frame.seg.labels, truth_cut.truths[index])
        row = totals.setdefault(name, dict.fromkeys(counts, 0))
        for key, value in counts.items():
            row[key] += value

    for index in references:
        white = on_white(truth_cut.colored[index])
        add("png", white, index)
        for quality in QUALITIES:
            decoded = jpeg_round_trip(white, quality)
            for name, cleanup in cleanups().items():
                add(f"q{quality} {name}", cleanup(decoded), index)
    return totals


def main(argv: list[str] | None = None) -> int:
    import run

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-references", type=int, default=3)
    parser.add_argument("--cuts", type=int, default=None, help="only the first N cuts")
    run.add_report_suite(parser, "jpeg_paint.md")
    args = parser.parse_args(argv)
    cuts, out, suite_flag = run.chosen_report_suite(parser, args, "jpeg_paint.md")
    totals: dict[str, dict[str, int]] = {}
    for cut in cuts[: args.cuts]:
        for name, counts in score_cut(cut, args.max_references).items():
            row = totals.setdefault(name, dict.fromkeys(counts, 0))
            for key, value in counts.items():
                row[key] += value
        print(f"{cut.name}: " + ", ".join(f"{k} {v['right']}/{v['scored']}" for k, v in totals.items()), flush=True)
    lines = [
        f"Made by `python benchmarks/jpeg_paint.py --max-references {args.max_references}{suite_flag}` (suite "
        f"{args.suite}; the painter's frames on white, as JPEG, read as `colorize` reads them; truth regions over 10 px).",
        "", "| read from | truth regions | read with their own paint | colors read (true paints) |", "|---|---|---|---|",
    ]
    for name, row in totals.items():
        lines.append(f"| {name} | {row['scored']} | {row['right']} ({row['right'] / max(row['scored'], 1):.2%}) | "
                     f"{row['paints_read']} ({row['paints_true']}) |")
    run.write_markdown(out, lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
