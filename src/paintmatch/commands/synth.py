"""``paintmatch synth``: generate synthetic anime-like cuts with ground truth."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    parser.add_argument("out", type=Path, metavar="OUT", help="folder to write the cuts into (OUT/cut_000, OUT/cut_001...)")
    parser.add_argument("--cuts", type=int, default=1, help="number of cuts (default 1)")
    parser.add_argument("--frames", type=int, default=8, help="frames per cut (default 8)")
    parser.add_argument("--seed", type=int, default=0, help="seed: the same seed gives byte-identical cuts (default 0)")
    parser.add_argument("--size", type=int, default=512, help="frame width and height in pixels (default 512)")
    parser.add_argument("--antialias", action="store_true", help="antialiased lines")
    parser.add_argument("--gaps", action="store_true", help="leave a few tiny gaps in the main lines")
    parser.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")


def run(args: argparse.Namespace) -> int:
    """Generate the suite and say where it is. Returns the exit code."""
    import time

    from paintmatch.synth import generate_suite

    started = time.perf_counter()
    cuts = generate_suite(args.out, cuts=args.cuts, frames=args.frames, seed=args.seed, size=args.size,
                          antialias=args.antialias, gaps=args.gaps)
    if not args.quiet:
        seconds = time.perf_counter() - started
        frames = len(cuts) * args.frames
        print(f"wrote {len(cuts)} cut(s) x {args.frames} frame(s) -> {args.out} "
              f"({seconds:.1f} s, {seconds / frames:.3f} s per frame)")
    return 0
