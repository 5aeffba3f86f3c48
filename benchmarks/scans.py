"""How `best` colors line art handed over as scans on grey paper: the production-like dev cuts, their line frames
turned into scans (``paintmatch.synth.as_scan``: grey paper with grain and a 20-level gradient, the lines as grainy
pencil in their own colors), the colored frames and the truth as published.

    make bench-scans                                     # or: .venv/bin/python benchmarks/scans.py (dev, 1 drawing a cut)
    python benchmarks/scans.py --suite production-test --out /tmp/scans-test.md

Each cut is colored from one drawing (``--max-references``), as ``colorize`` does with its defaults, once with the
line frames as published and once per paper level (``PAPERS``), and once per light pencil (``LIGHT_PENCILS``, the
main lines redrawn in it, on the brightest paper); scored on the truth's regions (``acc_thres``, leaked
regions over 200 px). The row ``grain holes left`` reads a light pencil with the 1-3 px holes its grain leaves in its
lines kept as regions (``paintmatch.segment.NOISE_HOLE_AREA``, since the 59th session), ``junctions read by one ink
alone`` with a pixel part pencil, part colored trace line read by one ink or the other
(``paintmatch.segment.JUNCTION_LIFT``, since the 60th session), and ``both`` as before the 59th. The row ``fixed threshold``
reads the scans as line art was read before (ink: grey under 160, whatever the paper), for comparison: a frame it reads
into over ``paintmatch.cut.MAX_COMPONENTS`` regions is written through uncolored (before that limit, matching it was
killed for memory), and a cut whose colored frame is one is refused with an error (it counts 0). Prints the table and
writes ``benchmarks/results/scans.md`` for the dev suite; another suite is for reporting, into a file of its own (``--out``).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
#: The paper's grey at its brightest corner: a good scan (230), a dim one (200, 175), a dark one (150).
PAPERS = (230, 200, 175, 150)
#: Main lines drawn with a lighter pencil than black (``paintmatch.synth.with_main_ink``, then ``as_scan`` on paper at
#: 230): an HB-like grey and a lighter one, and a medium brown colored pencil (the trace lines kept in red and blue).
LIGHT_PENCILS = {"grey": (150, 150, 150), "light grey": (170, 170, 170), "medium brown": (170, 140, 110)}


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


def scan_cut(cut: Path, out: Path, paper: float, ink: tuple[int, int, int] | None = None) -> Path:
    """A copy of ``cut`` whose line frames are scans on ``paper`` (``transformed_cut``), their main lines first redrawn
    in ``ink`` (RGB, ``paintmatch.synth.with_main_ink``) where given."""
    from paintmatch.synth import as_scan, with_main_ink

    def scanned(line, number):
        return as_scan(line if ink is None else with_main_ink(line, ink), paper, seed=number)

    return transformed_cut(cut, out, scanned)


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


@dataclass
class LineArtReport:
    """A report that colors one suite's cuts with their line frames changed (``transformed_cut``) and tables it: its
    options (``--max-references``, ``--cuts``, ``--suite``, ``--out``), cuts, table path and "Made by" line."""

    args: argparse.Namespace
    cuts: list[Path]
    out: Path
    command: str

    @classmethod
    def parse(cls, argv: list[str] | None, script: str, results_name: str, doc: str) -> "LineArtReport":
        import run

        parser = argparse.ArgumentParser(description=doc.splitlines()[0])
        parser.add_argument("--max-references", type=int, default=1)
        parser.add_argument("--cuts", type=int, default=None, help="only the first N cuts")
        run.add_report_suite(parser, results_name)
        args = parser.parse_args(argv)
        cuts, out, flag = run.chosen_report_suite(parser, args, results_name)
        command = (f"python benchmarks/{script}{flag} --max-references {args.max_references}"
                   + (f" --cuts {args.cuts}" if args.cuts else ""))
        return cls(args, cuts[: args.cuts], out, command)

    def write(self, columns: list[str], rows: list[tuple]) -> None:
        """The table (first column a row's name, then ``columns``: acc_thres as 4 decimals, the rest as they are)."""
        import run

        lines = [f"Made by `{self.command}` ({len(self.cuts)} cuts, each colored from {self.args.max_references} "
                 "drawing(s) in turn; acc_thres on the truth's regions over 10 px, leaked: painted truth regions over 200 "
                 "px left transparent).", "", "| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join([row[0], f"{row[1]:.4f}", *map(str, row[2:])]) + " |" for row in rows]
        run.write_markdown(self.out, lines)
        print("\n".join(lines))


@contextmanager
def replaced(owner, name: str, value):
    """``owner.name`` is ``value`` inside the block (the reading of before, for a row beside the new one)."""
    kept = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, kept)


def main(argv: list[str] | None = None) -> int:
    import paintmatch.segment

    report = LineArtReport.parse(argv, "scans.py", "scans.md", __doc__)
    refs = report.args.max_references
    rows = [("as published (RGBA on transparency or RGB on white)", *score(report.cuts, refs))]
    with tempfile.TemporaryDirectory(prefix="paintmatch-scans-") as tmp:
        for paper in PAPERS:
            scanned = [scan_cut(cut, Path(tmp) / f"{paper}" / cut.name, paper) for cut in report.cuts]
            rows.append((f"scan, paper at {paper}", *score(scanned, refs)))
            # grey under 160 whatever the paper (before)
            with replaced(paintmatch.segment, "ink_threshold", lambda gray, dark_threshold=160, value=None: dark_threshold):
                rows.append((f"scan, paper at {paper}, fixed threshold", *score(scanned, refs)))
            print(rows[-2], rows[-1], flush=True)
        for name, ink in LIGHT_PENCILS.items():
            scanned = [scan_cut(cut, Path(tmp) / name / cut.name, PAPERS[0], ink) for cut in report.cuts]
            rows.append((f"scan, paper at {PAPERS[0]}, main lines in {name} pencil {ink}", *score(scanned, refs)))
            pencil = f"scan, paper at {PAPERS[0]}, main lines in {name} pencil {ink}"
            with replaced(paintmatch.segment, "NOISE_HOLE_AREA", 0):  # its grain's holes left as regions
                rows.append((f"{pencil}, grain holes left", *score(scanned, refs)))
            with replaced(paintmatch.segment, "JUNCTION_LIFT", 0.0):  # a pixel part pencil, part trace line: one ink
                rows.append((f"{pencil}, junctions read by one ink alone", *score(scanned, refs)))
            with replaced(paintmatch.segment, "NOISE_HOLE_AREA", 0), replaced(paintmatch.segment, "JUNCTION_LIFT", 0.0):
                rows.append((f"{pencil}, both (before)", *score(scanned, refs)))
            print(*rows[-4:], sep="\n", flush=True)
    report.write(["line frames", "acc_thres", "leaked", "line frames written through", "cuts refused"], rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
