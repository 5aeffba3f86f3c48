"""How `best` colors line art handed over as scans on grey paper: the production-like dev cuts, their line frames
turned into scans (``paintmatch.synth.as_scan``: grey paper with grain and a 20-level gradient, the lines as grainy
pencil in their own colors), the colored frames and the truth as published.

    make bench-scans                                     # or: .venv/bin/python benchmarks/scans.py (dev, 1 drawing a cut)
    python benchmarks/scans.py --suite production-test --out /tmp/scans-test.md

Each cut is colored from one drawing (``--max-references``), as ``colorize`` does with its defaults, once with the
line frames as published and once per paper level (``PAPERS``); scored on the truth's regions (``acc_thres``, leaked
regions over 200 px). The row ``fixed threshold`` reads the scans as line art was read before (ink: grey under 160,
whatever the paper), for comparison: a frame it reads into over ``paintmatch.cut.MAX_COMPONENTS`` regions is written
through uncolored (before that limit, matching it was killed for memory), and a cut whose colored frame is one is
refused with an error (it counts 0). Prints the table and writes
``benchmarks/results/scans.md`` for the dev suite; another suite is for reporting, into a file of its own (``--out``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
#: The paper's grey at its brightest corner: a good scan (230), a dim one (200, 175), a dark one (150).
PAPERS = (230, 200, 175, 150)


def transformed_cut(cut: Path, out: Path, transform) -> Path:
    """A copy of ``cut`` whose line frames are ``transform(rgba, number)`` of its own (PNG; every other folder copied
    as it is)."""
    from paintmatch.io import read_image, write_image

    for folder in cut.iterdir():
        if folder.is_dir() and folder.name != "line":
            shutil.copytree(folder, out / folder.name)
        elif folder.is_file():
            shutil.copy2(folder, out / folder.name)
    (out / "line").mkdir(parents=True)
    for number, frame in enumerate(sorted((cut / "line").glob("*.png"))):
        write_image(out / "line" / frame.name, transform(read_image(frame), number))
    return out


def scan_cut(cut: Path, out: Path, paper: float) -> Path:
    """A copy of ``cut`` whose line frames are scans on ``paper`` (``transformed_cut``)."""
    from paintmatch.synth import as_scan

    return transformed_cut(cut, out, lambda line, number: as_scan(line, paper, seed=number))


def score(cuts: list[Path], max_references: int) -> tuple[float, int, int, int]:
    """``best`` with colorize's defaults on ``cuts``: (acc_thres, the mean over cuts; leaked regions; line frames
    written through uncolored; cuts refused, none of whose colored frames could give colors: they count 0)."""
    import run
    from paintmatch.cut import ColorizeOptions, segment_frame
    from paintmatch.errors import InputError
    from paintmatch.evaluate.every_reference import evaluate_every_reference
    from paintmatch.io import read_image

    accuracies, leaked, refused = [], 0, 0
    for cut in cuts:
        try:
            evaluation = evaluate_every_reference([cut], ["best"], max_references=max_references)
        except InputError:
            accuracies.append(0.0)
            refused += 1
            continue
        accuracies.append(evaluation.summary["best"].by_cut["acc_thres"])
        leaked += run._leaks(evaluation)["best"]
    close_gaps = ColorizeOptions().close_gaps
    passed = sum(segment_frame(read_image(frame), frame.stem, close_gaps)[1] is not None
                 for cut in cuts for frame in sorted((cut / "line").glob("*.png")))
    return sum(accuracies) / max(len(accuracies), 1), leaked, passed, refused


def main(argv: list[str] | None = None) -> int:
    import run

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-references", type=int, default=1)
    parser.add_argument("--cuts", type=int, default=None, help="only the first N cuts")
    run.add_report_suite(parser, "scans.md")
    args = parser.parse_args(argv)
    cuts, out, flag = run.chosen_report_suite(parser, args, "scans.md")
    cuts = cuts[: args.cuts]
    rows = [("as published (RGBA on transparency or RGB on white)", *score(cuts, args.max_references))]
    import paintmatch.segment

    with tempfile.TemporaryDirectory(prefix="paintmatch-scans-") as tmp:
        for paper in PAPERS:
            scanned = [scan_cut(cut, Path(tmp) / f"{paper}" / cut.name, paper) for cut in cuts]
            rows.append((f"scan, paper at {paper}", *score(scanned, args.max_references)))
            measured = paintmatch.segment.ink_threshold
            paintmatch.segment.ink_threshold = lambda gray, dark_threshold=160: dark_threshold  # grey under 160 (before)
            try:
                rows.append((f"scan, paper at {paper}, fixed threshold", *score(scanned, args.max_references)))
            finally:
                paintmatch.segment.ink_threshold = measured
            print(rows[-2], rows[-1], flush=True)
    command = f"python benchmarks/scans.py{flag} --max-references {args.max_references}" + (f" --cuts {args.cuts}" if args.cuts else "")
    lines = [f"Made by `{command}` ({len(cuts)} cuts, each colored from {args.max_references} drawing(s) in turn; "
             "acc_thres on the truth's regions over 10 px, leaked: painted truth regions over 200 px left transparent).", "",
             "| line frames | acc_thres | leaked | line frames written through | cuts refused |", "|---|---|---|---|---|"]
    lines += [f"| {name} | {acc:.4f} | {leaked} | {passed} | {refused} |" for name, acc, leaked, passed, refused in rows]
    run.write_markdown(out, lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
