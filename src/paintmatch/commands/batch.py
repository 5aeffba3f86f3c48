"""``paintmatch batch``: color every cut of an episode on a Dask cluster (local processes by default)."""

from __future__ import annotations

import argparse
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    from paintmatch.commands.colorize import add_coloring_options

    parser.add_argument("episode", type=Path, metavar="EPISODE", help="folder holding the cut folders (each with line/ and gt/), at any depth")
    parser.add_argument("--out", "-o", type=Path, required=True, help="output folder: OUT/<cut>/ per cut, OUT/summary.json, OUT/manifest.json")
    parser.add_argument("--workers", "-w", type=int, default=2, metavar="N", help="worker processes of the local cluster, one thread each (default 2)")
    parser.add_argument("--scheduler", metavar="ADDRESS", help="run on an existing Dask cluster, e.g. tcp://host:8786 (started with `dask scheduler` and `dask worker`)")
    parser.add_argument("--resume", action="store_true", help="skip cuts already complete with unchanged inputs and settings (OUT/manifest.json)")
    parser.add_argument("--retries", type=int, default=2, metavar="N", help="extra attempts for a cut whose task crashed (default 2)")
    add_coloring_options(parser)


def run(args: argparse.Namespace) -> int:
    """Run the batch and report. Returns 0 if every cut is done, 1 if any failed (named on stderr)."""
    import sys

    from paintmatch.batch import SUMMARY_FILE
    from paintmatch.batch import run as run_batch
    from paintmatch.commands.colorize import coloring_options

    options = coloring_options(args)
    summary = run_batch(
        args.episode,
        args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        resume=args.resume,
        options=options,
        progress=not args.quiet,
        retries=args.retries,
    )
    counts = summary["counts"]
    if not args.quiet:
        print(
            f"{counts['ok']} cut(s) colored, {counts['skipped']} skipped (complete), {counts['failed']} failed "
            f"in {summary['seconds']:.1f} s -> {args.out} (summary: {Path(args.out) / SUMMARY_FILE})"
        )
    rerun = [row for row in summary["cuts"] if row.get("worker_died")]
    if rerun and not args.quiet:
        names = ", ".join(row["cut"] for row in rerun)
        print(f"{len(rerun)} cut(s) run again after a worker died: {names} (see {SUMMARY_FILE})")
    if summary["failed"]:
        for row in summary["cuts"]:
            if row["status"] == "failed":
                print(f"paintmatch batch: cut {row['cut']} failed: {row['error']}", file=sys.stderr)
        return 1
    return 0
