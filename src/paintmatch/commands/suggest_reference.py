"""``paintmatch suggest-reference``: the frame to color first (the one with the most components).

The frame to color second comes from a colorize run (``CutResult.next_to_color``: the least sure frame)."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    parser.add_argument("cut", type=Path, help="a cut folder with line/")
    from paintmatch.commands.colorize import _gap_setting

    parser.add_argument("--close-gaps", type=_gap_setting, default="auto", metavar="auto|off|PX",
                        help="gap closing before counting components (default auto, as colorize)")
    parser.add_argument("--all", action="store_true", help="list every frame with its component count")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only the frame name")


def run(args: argparse.Namespace) -> int:
    """Print the suggested frame (and the ranking with --all)."""
    from paintmatch.cut import suggest_reference

    ranking = suggest_reference(args.cut, close_gaps=args.close_gaps)
    name, count = ranking[0]
    if args.quiet:
        print(name)
    else:
        print(f"color {name} first: it has the most components ({count}); "
              "`paintmatch colorize` then names the frame to color next")
        if args.all:
            for other, other_count in ranking:
                print(f"  {other}\t{other_count}")
    return 0
