"""``paintmatch synth``: generate synthetic anime-like cuts with ground truth."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_arguments", "run"]

_SIZES = {"clean": 512, "production": 1024}
"""Default frame size per style: production-like frames about as many pixels as a 1200x800 production frame."""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    from paintmatch.synth import SUITES

    parser.add_argument("out", type=Path, metavar="OUT", help="folder to write the cuts into (OUT/cut_000, OUT/cut_001...)")
    parser.add_argument("--suite", choices=sorted(SUITES),
                        help="a named production-like suite: " + "; ".join(
                            f"{name}: seed {s['seed']}, {s['cuts']} cuts x {s['frames']} frames" for name, s in SUITES.items())
                        + " (dev and test seeds draw disjoint cuts); --cuts, --frames and --seed override it")
    parser.add_argument("--cuts", type=int, default=None, help="number of cuts (default 1)")
    parser.add_argument("--frames", type=int, default=None, help="frames per cut (default 8)")
    parser.add_argument("--seed", type=int, default=None, help="seed: the same seed gives byte-identical cuts (default 0)")
    parser.add_argument("--size", type=int, default=None,
                        help="frame width and height in pixels (default 1024 for production-like cuts, 512 with --clean)")
    parser.add_argument("--clean", action="store_true",
                        help="the clean cuts of earlier versions, pixel for pixel (closed lines, flat gt, smooth motion) "
                             "instead of production-like ones (leaking 1-4 px gaps, antialiased gt, key-drawing motion)")
    parser.add_argument("--line-format", choices=["mixed", "rgba", "white"], default="mixed",
                        help="production-like line art: RGBA on transparency, RGB on white, or mixed (cuts alternate; default)")
    parser.add_argument("--antialias", action="store_true", help="with --clean: antialiased lines")
    parser.add_argument("--gaps", action="store_true", help="with --clean: leave a few tiny gaps in the main lines")
    parser.add_argument("--quiet", "-q", action="store_true", help="print nothing but errors")


def run(args: argparse.Namespace) -> int:
    """Generate the suite and say where it is. Returns the exit code."""
    import time

    from paintmatch.errors import InputError
    from paintmatch.synth import SUITES, generate_suite

    style = "clean" if args.clean else "production"
    if args.clean and args.suite:
        raise InputError(f"--suite {args.suite} is a production-like suite; leave out --clean")
    if not args.clean and (args.antialias or args.gaps):
        raise InputError("--antialias and --gaps shape the clean cuts only (production-like cuts are always "
                         "antialiased and have leaking gaps); add --clean")
    preset = SUITES.get(args.suite, {}) if args.suite else {}
    cuts = args.cuts if args.cuts is not None else preset.get("cuts", 1)
    frames = args.frames if args.frames is not None else preset.get("frames", 8)
    seed = args.seed if args.seed is not None else preset.get("seed", 0)
    size = args.size if args.size is not None else _SIZES[style]
    started = time.perf_counter()
    if args.clean:
        written = generate_suite(args.out, cuts=cuts, frames=frames, seed=seed, size=size,
                                 antialias=args.antialias, gaps=args.gaps)
    else:
        written = generate_suite(args.out, cuts=cuts, frames=frames, seed=seed, size=size, style=style,
                                 line_format=args.line_format)
    if not args.quiet:
        seconds = time.perf_counter() - started
        total = len(written) * frames
        print(f"wrote {len(written)} {style} cut(s) x {frames} frame(s) of {size} px -> {args.out} "
              f"({seconds:.1f} s, {seconds / total:.3f} s per frame)")
    return 0
