"""``paintmatch evaluate``: score coloring methods on cuts with ground truth, side by side.

Every method is scored on the truth's regions (``--truth``: ``seg/`` segments or ``gt/``'s painted
regions) from its output image. Each cut is colored from its first colored frame, or, with
``--every-reference``, from each frame in turn (``--max-references K`` evenly spaced).
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Callable

__all__ = ["add_arguments", "run", "BASELINES"]

#: Always scored beside the asked methods (unless ``--no-baselines``).
BASELINES = ("overlap", "flow")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    from paintmatch.cut import DEFAULT_METHOD
    from paintmatch.match import matcher_names

    parser.add_argument("cuts", nargs="+", type=Path, metavar="CUT", help="cut folders (line/, gt/ for every frame or seg/)")
    parser.add_argument(
        "--method",
        "-m",
        action="append",
        dest="methods",
        metavar="NAME",
        help=f"a method to score (repeat, or a comma list, for several; 'all' for every registered one): "
        f"{', '.join(matcher_names())} (default {DEFAULT_METHOD})",
    )
    parser.add_argument("--no-baselines", action="store_true", help=f"do not add the baselines ({', '.join(BASELINES)}) beside the methods")
    parser.add_argument("--out", "-o", type=Path, metavar="REPORT_DIR", help="write report.md, report.json and contact sheets here")
    parser.add_argument("--json", type=Path, metavar="FILE", help="write the results as JSON to FILE")
    parser.add_argument("--by-frame", action="store_true", help="also print the mean over all frames (default: over cuts)")
    parser.add_argument("--tile", type=int, default=240, help="contact sheet row height in pixels (default 240)")
    parser.add_argument(
        "--every-reference",
        action="store_true",
        help="each frame of a cut in turn is the only colored frame (its gt/ or seg/ truth); the cut is colored from it "
        "and every other frame is scored; means per reference, per cut and overall (needs every frame's truth)",
    )
    parser.add_argument(
        "--max-references",
        type=int,
        metavar="K",
        help="with --every-reference: at most K references per cut, evenly spaced (default: every frame)",
    )
    parser.add_argument(
        "--truth",
        choices=("auto", "seg", "gt"),
        default="auto",
        help="the truth's regions to score on: seg/ segments, or the painted regions of gt/ (4-connected non-line pixels "
        "of one painted color); auto = seg/ where a frame has it, else gt/ (default auto)",
    )
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def _methods(asked: list[str] | None, baselines: bool) -> list[str]:
    from paintmatch.cut import DEFAULT_METHOD
    from paintmatch.match import matcher_names

    methods: list[str] = []
    names = [part.strip() for value in (asked or [DEFAULT_METHOD]) for part in value.split(",") if part.strip()]
    for name in names or [DEFAULT_METHOD]:
        methods += matcher_names() if name == "all" else [name]
    if baselines:
        methods += BASELINES
    return list(dict.fromkeys(methods))


def run(args: argparse.Namespace) -> int:
    """Evaluate, print the table and write the reports. Returns the exit code."""
    from paintmatch.errors import InputError
    from paintmatch.evaluate import evaluate
    from paintmatch.evaluate.report import (
        COLUMNS,
        cut_rows,
        evaluation_sheet,
        format_table,
        markdown_report,
        sheet_file_name,
    )
    from paintmatch.io import write_image

    if not 32 <= args.tile <= 2048:
        raise InputError(f"--tile must be between 32 and 2048 pixels; got {args.tile}")
    if args.max_references is not None and not args.every_reference:
        raise InputError("--max-references applies to --every-reference only; add --every-reference")
    if args.max_references is not None and args.max_references < 1:
        raise InputError(f"--max-references must be at least 1; got {args.max_references}")
    methods = _methods(args.methods, not args.no_baselines)
    if args.every_reference:
        return _run_every_reference(args, methods)
    sheets: dict[tuple[str, str], str] = {}
    if args.out is not None:
        _report_folder(args.out, "sheets")

    def draw(cut: str, method: str, frames) -> None:
        if args.out is None:
            return
        relative = f"sheets/{sheet_file_name(cut, method)}"
        write_image(args.out / relative, evaluation_sheet(frames, tile=args.tile))
        sheets[(cut, method)] = relative

    progress, close = _progress_bar(args.quiet, len(args.cuts) * len(methods), "cut")
    try:
        evaluation = evaluate(args.cuts, methods, progress=progress, on_frames=draw, truth=args.truth)
    finally:
        close()

    headers = ["method", *COLUMNS.values()]
    print(format_table(["cut", *headers, "frames"], cut_rows(evaluation.results)))
    print()
    print(f"overall: mean over {len(evaluation.cuts)} cut(s)")
    _overall_and_reports(
        args,
        evaluation,
        headers,
        all_frames="all frames",
        markdown=lambda: markdown_report(evaluation, sheets=sheets),
        report_note=f"contact sheets in {args.out / 'sheets'}" if args.out is not None else "",
    )
    return 0


def _report_folder(out: Path, inside: str = "") -> None:
    """Create the report folder ``out`` (and ``out/inside``, with their parents)."""
    from paintmatch.errors import InputError

    try:
        (out / inside).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create the report folder {out}: {error.strerror}") from None


def _overall_and_reports(
    args: argparse.Namespace, evaluation, headers: list[str], *, all_frames: str, markdown: Callable[[], str], report_note: str
) -> None:
    """Print the overall table (and, with ``--by-frame``, the mean over ``all_frames``); write ``--json`` and
    ``--out``'s report.json and report.md (``markdown()``), and say where they are."""
    from paintmatch.evaluate.report import format_table, summary_rows
    from paintmatch.io import atomic_write, write_json

    print(format_table(headers, summary_rows(evaluation.summary)))
    if args.by_frame:
        print()
        print(f"overall: mean over {all_frames}")
        print(format_table(headers, summary_rows(evaluation.summary, by="by_frame")))
    data = evaluation.as_dict()
    data["cut_dirs"] = [str(p) for p in args.cuts]
    if args.json is not None:
        write_json(args.json, data)
        print(f"JSON: {args.json}")
    if args.out is not None:
        write_json(args.out / "report.json", data)
        with atomic_write(args.out / "report.md", "w") as handle:
            handle.write(markdown())
        print(f"report: {args.out / 'report.md'} ({report_note})")


def _progress_bar(quiet: bool, total: int, unit: str):
    """(progress callback or None, close function)."""
    if quiet:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc="evaluate", unit=unit, leave=False)

    def progress(done: int, total: int, label: str) -> None:
        bar.total = total
        bar.set_postfix_str(label)
        bar.update(done - bar.n)

    return progress, bar.close


def _run_every_reference(args: argparse.Namespace, methods: list[str]) -> int:
    """``--every-reference``: tables per reference, per cut and overall; JSON and Markdown on request."""
    from paintmatch.evaluate.every_reference import evaluate_every_reference
    from paintmatch.evaluate.report import (
        COLUMNS,
        every_reference_cut_rows,
        every_reference_markdown,
        format_table,
        reference_headers,
        reference_rows,
    )

    if args.out is not None:
        _report_folder(args.out)
    progress, close = _progress_bar(args.quiet, len(args.cuts) * len(methods), "run")
    try:
        evaluation = evaluate_every_reference(
            args.cuts, methods, max_references=args.max_references, truth=args.truth, progress=progress
        )
    finally:
        close()
    ran = [m for m in evaluation.methods if m in evaluation.results]
    headers = ["method", *COLUMNS.values()]
    print("per reference: acc_thres / pix_acc_wobg")
    print(format_table(reference_headers(ran), reference_rows(evaluation)))
    print()
    print("per cut: mean over references")
    print(format_table(["cut", *headers, "refs", "frames"], every_reference_cut_rows(evaluation.results)))
    print()
    print(f"overall: mean over {len(evaluation.cuts)} cut(s), every reference")
    _overall_and_reports(
        args,
        evaluation,
        headers,
        all_frames="all scored frames",
        markdown=lambda: every_reference_markdown(evaluation),
        report_note="no contact sheets with --every-reference",
    )
    return 0
