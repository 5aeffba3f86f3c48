"""Batch benchmark: cuts per minute of ``paintmatch batch`` with 1 and 2 local workers, and the scaling.

An episode of ``--cuts`` cuts is made in a temporary folder: synthetic 512x512 cuts from
``paintmatch.synth.generate_suite`` with only frame 0000 colored (``--source synth``), or copies of the real 1600x1600 cut
``laughing_girl`` read from ``../shared`` (``--source real``; never copied into the repository).
Each worker count colors the whole episode from scratch; the wall time includes starting and
stopping the LocalCluster, as a user of the command sees it. A serial loop over ``colorize_cut`` in
this process (no Dask) is measured too, to show the cost of the cluster. Run:

    make bench-batch            # or: .venv/bin/python benchmarks/bench_batch.py --cuts 8 --source synth

Writes benchmarks/results/batch.json and batch.md.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import multiprocessing
import os
import platform
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "basicpbc"
if not DATA.exists():
    DATA = Path("/work/shared/data/basicpbc")


def make_episode(folder: Path, source: str, cuts: int, frames: int, seed: int) -> Path:
    """An episode of ``cuts`` cut folders under ``folder``."""
    if source == "synth":
        from paintmatch.synth import generate_suite

        for cut in generate_suite(folder, cuts=cuts, frames=frames, seed=seed):
            for path in (cut / "gt").iterdir():  # the truth of every frame: keep the first, as a painter delivers it
                if path.stem != "0000":
                    path.unlink()
        return folder
    real = DATA / "laughing_girl"
    for index in range(cuts):
        cut = folder / f"cut{index:03d}"
        (cut / "line").mkdir(parents=True)
        (cut / "gt").mkdir()
        for path in sorted((real / "line").glob("*.png"))[:frames]:
            shutil.copy(path, cut / "line")
        shutil.copy(real / "gt" / "0000.png", cut / "gt")
    return folder


def _burn(_: int) -> float:
    """A fixed amount of pure-CPU work (sha256 of 1 GiB); returns its seconds."""
    start = time.perf_counter()
    digest = hashlib.sha256()
    block = b"x" * (1 << 20)
    for _ in range(1024):
        digest.update(block)
    return time.perf_counter() - start


def cpu_parallelism(processes: int = 2) -> float:
    """How many CPUs' worth of work ``processes`` processes really get now (``processes`` on an idle machine).

    The same work in one process, then in ``processes`` processes at once: a shared or throttled
    machine gives less than ``processes``, and no batch can scale beyond it.
    """
    one = _burn(0)
    with multiprocessing.get_context("spawn").Pool(processes) as pool:
        start = time.perf_counter()
        pool.map(_burn, range(processes))
        together = time.perf_counter() - start
    return processes * one / together


def serial(episode: Path, out: Path, method: str) -> dict:
    """Every cut with ``colorize_cut`` in this process, one after the other (no Dask)."""
    from paintmatch.batch import find_cuts
    from paintmatch.cut import ColorizeOptions, colorize_cut

    cuts = find_cuts(episode)
    start = time.perf_counter()
    for cut in cuts:
        colorize_cut(cut, out / cut.relative_to(episode), options=ColorizeOptions(method=method), quiet=True)
    seconds = time.perf_counter() - start
    return {"cuts": len(cuts), "seconds": seconds, "cuts_per_minute": 60.0 * len(cuts) / seconds}


def batch(episode: Path, out: Path, method: str, workers: int) -> dict:
    """The whole episode through ``paintmatch.batch.run`` on a fresh LocalCluster of ``workers``."""
    from paintmatch.batch import run
    from paintmatch.cut import ColorizeOptions

    start = time.perf_counter()
    summary = run(episode, out, workers=workers, options=ColorizeOptions(method=method), progress=False)
    seconds = time.perf_counter() - start
    ok = summary["counts"]["ok"]
    if summary["counts"]["failed"]:
        raise SystemExit(f"bench_batch: cuts failed: {summary['failed']}")
    task_seconds = sum(row["seconds"] for row in summary["cuts"])
    return {
        "workers": workers,
        "cuts": ok,
        "seconds": seconds,
        "cuts_per_minute": 60.0 * ok / seconds,
        "task_seconds": task_seconds,
        "frames": sum(row["frames"] for row in summary["cuts"]),
    }


def main(argv: list[str] | None = None) -> int:
    from paintmatch.cut import DEFAULT_METHOD

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cuts", type=int, default=8)
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--source", choices=["synth", "real"], default="synth")
    parser.add_argument("--method", default=DEFAULT_METHOD)
    parser.add_argument("--repeat", type=int, default=1, help="runs per setting; the fastest is kept (a shared machine is noisy)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)

    parallel = cpu_parallelism(max(args.workers))
    print(f"CPU parallelism available to {max(args.workers)} processes: {parallel:.2f}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        episode = make_episode(work / "episode", args.source, args.cuts, args.frames, args.seed)
        base = min((serial(episode, work / f"serial-{i}", args.method) for i in range(args.repeat)), key=lambda r: r["seconds"])
        print(f"serial (no Dask): {base['cuts_per_minute']:.1f} cuts/min ({base['seconds']:.1f} s)", flush=True)
        runs = []
        for workers in args.workers:
            result = min(
                (batch(episode, work / f"out-{workers}-{i}", args.method, workers) for i in range(args.repeat)),
                key=lambda r: r["seconds"],
            )
            runs.append(result)
            print(f"{workers} worker(s): {result['cuts_per_minute']:.1f} cuts/min ({result['seconds']:.1f} s)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)

    one = next((r for r in runs if r["workers"] == 1), runs[0])
    for r in runs:
        r["speedup"] = r["cuts_per_minute"] / one["cuts_per_minute"]
        r["efficiency"] = r["speedup"] / (r["workers"] / one["workers"])
    command = "python benchmarks/bench_batch.py " + " ".join(argv if argv is not None else sys.argv[1:])
    result = {
        "command": command.strip(),
        "source": args.source,
        "cuts": args.cuts,
        "frames_per_cut": args.frames,
        "method": args.method,
        "repeat": args.repeat,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}",
        "cpu_parallelism": {"processes": max(args.workers), "cpus_worth": parallel},
        "load_average": os.getloadavg(),
        "serial": base,
        "runs": runs,
    }
    lines = [
        f"Episode: {args.cuts} {args.source} cuts x {args.frames} frames, method `{args.method}`, best of {args.repeat}, "
        f"{result['machine']}. Command: `{result['command']}`.",
        "",
        f"CPU parallelism measured just before (the same pure-CPU work in 1 and {max(args.workers)} processes): "
        f"{parallel:.2f} CPUs' worth for {max(args.workers)} processes; load average "
        f"{result['load_average'][0]:.2f} at the end.",
        "",
        "| run | wall time (s) | cuts / minute | seconds per cut task | cluster start, stop and idle (s) | speed-up | scaling efficiency |",
        "|---|---:|---:|---:|---:|---:|---:|",
        f"| serial `colorize_cut` loop, no Dask | {base['seconds']:.1f} | {base['cuts_per_minute']:.1f} "
        f"| {base['seconds'] / base['cuts']:.2f} | | | |",
    ]
    for r in runs:
        lines.append(
            f"| `paintmatch batch --workers {r['workers']}` | {r['seconds']:.1f} | {r['cuts_per_minute']:.1f} "
            f"| {r['task_seconds'] / r['cuts']:.2f} | {r['seconds'] - r['task_seconds'] / r['workers']:.1f} | {r['speedup']:.2f}x | {100 * r['efficiency']:.0f}% |"
        )
    markdown = "\n".join(lines) + "\n"
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "batch.json").write_text(json.dumps(result, indent=2) + "\n")
    (args.out / "batch.md").write_text(markdown)
    print(markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
