"""``paintmatch colorize``: color a cut folder, or given line frames from one colored frame."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_arguments", "run", "add_coloring_options", "coloring_options"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    parser.add_argument("inputs", nargs="+", metavar="CUT|LINE", help="a cut folder (line/, gt/), or line frames with --reference")
    parser.add_argument("--out", "-o", type=Path, help="output folder (default: CUT/paint; required with --reference)")
    parser.add_argument("--reference", type=Path, help="the colored frame to copy colors from (with LINE... inputs)")
    parser.add_argument("--reference-line", type=Path, help="the reference's line art (default: the LINE of the same name, else the colored frame's dark lines)")
    add_coloring_options(parser)


def add_coloring_options(parser: argparse.ArgumentParser) -> None:
    """The options of a coloring run, shared by ``colorize`` and ``batch``."""
    from paintmatch.cut import DEFAULT_METHOD
    from paintmatch.match import matcher_names

    parser.add_argument("--method", default=DEFAULT_METHOD, help=f"matching method: {', '.join(matcher_names())} (default {DEFAULT_METHOD})")
    parser.add_argument("--line-mode", choices=["keep", "recolor"], default="keep", help="keep lines as drawn, or recolor trace lines with the darker adjacent region's color")
    parser.add_argument("--layers", action="store_true", help="also write <name>_paint and <name>_lines layers")
    parser.add_argument("--close-gaps", type=_gap_setting, default="auto", metavar="auto|off|PX",
                        help="close line gaps: auto (default: where a stroke ends near another line, scaled to the line "
                             "width), off, or PX (trapped ball, gaps up to about 2*PX pixels)")
    parser.add_argument("--gap-previews", action="store_true", help="also write <name>_gaps.png: the closures in magenta")
    parser.add_argument("--nearer-key-only", action="store_true",
                        help="with two colored frames or more, color each frame from the nearer one only (default: from "
                             "every one, each region taking the most confident one's color; a match of each frame "
                             "per colored frame)")
    parser.add_argument("--format", dest="output_format", choices=["png", "tga", "tiff"], default=None,
                        help="output image format (default: the line art's, TGA or TIFF, else PNG)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar, only errors")


def coloring_options(args: argparse.Namespace):
    """``ColorizeOptions`` from the parsed ``add_coloring_options`` arguments."""
    from paintmatch.cut import ColorizeOptions

    return ColorizeOptions(
        method=args.method,
        line_mode=args.line_mode,
        layers=args.layers,
        close_gaps=args.close_gaps,
        gap_previews=args.gap_previews,
        output_format=args.output_format,
        both_keys=not args.nearer_key_only,
    )


def _gap_setting(value: str) -> int | str:
    """``--close-gaps`` value: "auto", "off" or a whole number of pixels."""
    text = value.strip().lower()
    if text in ("auto", "off"):
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected auto, off or a number of pixels; got {value!r}") from None


def run(args: argparse.Namespace) -> int:
    """Color and report where the results are. Returns the exit code."""
    from paintmatch.cut import colorize_cut, colorize_files
    from paintmatch.errors import InputError
    from paintmatch.review import FLAG_MIN_AREA

    options = coloring_options(args)
    if args.reference is None:
        if len(args.inputs) != 1:
            raise InputError(
                "several inputs given without --reference: pass one cut folder, or line frames with "
                "--reference COLOR.png --out OUT"
            )
        result = colorize_cut(args.inputs[0], args.out, options=options, quiet=args.quiet)
    else:
        if args.out is None:
            raise InputError("--out OUT is required with --reference (where to write the colored frames)")
        result = colorize_files(
            args.inputs, args.reference, args.out, reference_line=args.reference_line, options=options, quiet=args.quiet
        )
    if not args.quiet:
        skipped = result.passed_through
        colored_inputs = sum(r.is_reference and not r.passed_through for r in result.frames)
        frames = len(result.frames) - len(skipped) - colored_inputs
        note = f"; {len(skipped)} written through uncolored (no lines, no closed region or too many regions: see the warnings): {', '.join(skipped)}" if skipped else ""
        if result.misfits:  # said at the start too, where a long run's progress scrolls it away
            note += f"; colored frame(s) that do not fit their line frames (see the warnings): {', '.join(result.misfits)}"
        print(f"colored {frames} frame(s) from {colored_inputs} colored frame(s) -> {result.out_dir} (mean confidence "
              f"{result.mean_confidence:.2f} over the regions over {FLAG_MIN_AREA} px){note}")
        upcoming = result.next_to_color if args.reference is None else None
        if upcoming is not None:  # a cut folder takes more colored frames in gt/ (one --reference only)
            wrong = round(upcoming.expected_wrong)
            print(f"color {upcoming.name} next (into {Path(args.inputs[0]) / 'gt'}) and run again: its colors are the least "
                  f"sure (mean confidence {upcoming.mean_confidence:.2f}, about {wrong} region{'' if wrong == 1 else 's'} "
                  "likely wrong), and every frame is then colored from each colored frame")
    return 0
