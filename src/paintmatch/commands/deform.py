"""``paintmatch deform``: deformation benchmark cuts from a real colored frame and its line art."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_arguments", "run"]


def _levels(text: str) -> list[int]:
    try:
        levels = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"levels must be comma-separated numbers like 1,2,3, got {text!r}") from None
    if not levels:
        raise argparse.ArgumentTypeError("give at least one level, e.g. --levels 1,2,3")
    return levels


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    parser.add_argument("colored", type=Path, metavar="COLORED", help="the real colored frame (e.g. CUT/gt/0000.png)")
    parser.add_argument("line", type=Path, metavar="LINE", help="its line art (e.g. CUT/line/0000.png)")
    parser.add_argument("out", type=Path, metavar="OUT", help="folder for the cuts (OUT/<name>_level<L>)")
    parser.add_argument("--levels", type=_levels, default=[1, 2, 3], help="strength levels, comma-separated (default 1,2,3: mild, medium, strong)")
    parser.add_argument("--frames", type=int, default=4, help="frames per cut, the original included (default 4)")
    parser.add_argument("--seed", type=int, default=0, help="seed: the same seed gives byte-identical cuts (default 0)")
    parser.add_argument("--no-edits", action="store_true", help="smooth warps only, no local edits (splits, gaps)")
    parser.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")


def run(args: argparse.Namespace) -> int:
    """Write the cuts and say where they are. Returns the exit code."""
    from paintmatch.deform import make_deformation_suite

    cuts = make_deformation_suite([(args.colored, args.line)], args.out, levels=args.levels, frames=args.frames,
                                  seed=args.seed, local_edits=not args.no_edits)
    if not args.quiet:
        for cut in cuts:
            print(f"wrote {cut}")
    return 0
