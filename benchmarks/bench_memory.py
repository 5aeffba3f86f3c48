"""Memory benchmark: peak RSS of ``paintmatch colorize`` against the number of frames in a cut.

Results stream to the staging folder as each frame finishes, so peak memory should not grow with
the length of a cut (DESIGN.md: "peak memory <= 1.5 GB at 4K and flat in the number of frames").
Cuts are built in a temporary folder from the real 1600x1600 frames of
``../shared/data/basicpbc/laughing_girl`` (line frames 0000-0003 repeated, colored frame 0000;
read from ../shared at run time, never copied into the repository), and for the 1920x1080 figure
the same frames scaled to 1080 px high on a 1920x1080 transparent canvas. Each cut is colored by
``paintmatch colorize CUT --out OUT --quiet`` in its own subprocess; its peak RSS is read from the
kernel (``os.wait4``'s ``ru_maxrss``). Run:

    make bench-memory           # or: .venv/bin/python benchmarks/bench_memory.py --hd-frames 150

Acceptance (issue 17): 40 frames of 1600x1600 <= 1.5 GB, and within 10% of the 10-frame figure.
Writes benchmarks/results/memory.json and memory.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "basicpbc"
if not DATA.exists():
    DATA = Path("/work/shared/data/basicpbc")
SOURCE = DATA / "laughing_girl"
LIMIT_MB = 1536.0
FLAT_TOLERANCE = 0.10


def make_cut(folder: Path, frames: int, size: tuple[int, int] | None = None) -> Path:
    """A cut of ``frames`` line frames (laughing_girl's 0000-0003 repeated) and colored frame 0000.

    ``size`` (width, height): fit the frames to that height on a transparent canvas of that size
    (nearest neighbour, so the colored frame stays flat; 3200x3200 doubles every line's width too);
    None keeps them as they are (1600x1600).
    """
    from PIL import Image

    from paintmatch.io import read_image, write_image

    sources = sorted((SOURCE / "line").glob("*.png"))
    if not sources or not (SOURCE / "gt" / "0000.png").exists():
        raise SystemExit(f"bench_memory: the frames of {SOURCE} are missing (line/0000-0003.png, gt/0000.png)")
    (folder / "line").mkdir(parents=True)
    (folder / "gt").mkdir()

    def fit(path: Path) -> np.ndarray:
        image = read_image(path)
        if size is None:
            return image
        width, height = size
        side = min(width, height)
        small = np.array(Image.fromarray(image).resize((side, side), Image.NEAREST))
        canvas = np.zeros((height, width, 4), np.uint8)
        x, y = (width - side) // 2, (height - side) // 2
        canvas[y : y + side, x : x + side] = small
        return canvas

    fitted = [fit(path) for path in sources]
    for index in range(frames):
        write_image(folder / "line" / f"{index:04d}.png", fitted[index % len(fitted)])
    write_image(folder / "gt" / "0000.png", fit(SOURCE / "gt" / "0000.png"))
    return folder


def peak_rss_of_colorize(cut: Path, out: Path, method: str) -> tuple[float, float]:
    """(peak RSS in MB, seconds) of ``paintmatch colorize CUT --out OUT`` in a subprocess."""
    mb, seconds, _cpu = colorize_usage(cut, out, method)
    return mb, seconds


def colorize_usage(cut: Path, out: Path, method: str) -> tuple[float, float, float]:
    """(peak RSS in MB, wall seconds, CPU seconds: user + system) of ``paintmatch colorize CUT --out OUT`` in a subprocess."""
    command = [sys.executable, "-m", "paintmatch.cli", "colorize", str(cut), "--out", str(out), "--quiet", "--method", method]
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    stdout, stderr = process.stdout.read(), process.stderr.read()  # type: ignore[union-attr]
    if process.returncode != 0:
        raise SystemExit(f"bench_memory: {' '.join(command)} failed ({process.returncode}):\n{stderr.decode()}{stdout.decode()}")
    return usage.ru_maxrss / 1024.0, seconds, usage.ru_utime + usage.ru_stime  # Linux: kilobytes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--frames", type=int, nargs=2, default=[10, 40], metavar=("SHORT", "LONG"),
                        help="frame counts of the two 1600x1600 cuts (default 10 40)")
    parser.add_argument("--hd-frames", type=int, default=150, help="frames of the 1920x1080 cut; 0 skips it (default 150)")
    parser.add_argument("--big-frames", type=int, default=4,
                        help="frames of a 3200x3200 cut (laughing_girl scaled 2x; gap closing at that size); 0 skips it")
    parser.add_argument("--method", default="best", help="matching method (default best, the default of colorize)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results", help="where memory.json/.md go")
    args = parser.parse_args()

    runs = []
    with tempfile.TemporaryDirectory(prefix="paintmatch-bench-memory-") as tmp:
        work = Path(tmp)
        plan = [(n, None) for n in args.frames] + ([(args.hd_frames, (1920, 1080))] if args.hd_frames else [])
        plan += [(args.big_frames, (3200, 3200))] if args.big_frames else []
        for frames, size in plan:
            label = f"{frames} x {'1600x1600' if size is None else f'{size[0]}x{size[1]}'}"
            cut = make_cut(work / f"cut-{frames}-{size}", frames, size)
            mb, seconds = peak_rss_of_colorize(cut, work / f"out-{frames}-{size}", args.method)
            written = len(list((work / f"out-{frames}-{size}").glob("*.png")))
            if written != frames:
                raise SystemExit(f"bench_memory: {label}: {written} frames written, expected {frames}")
            runs.append({"frames": frames, "size": "1600x1600" if size is None else f"{size[0]}x{size[1]}",
                         "peak_rss_mb": round(mb, 1), "seconds": round(seconds, 1),
                         "seconds_per_frame": round(seconds / frames, 3)})
            print(f"{label}: peak RSS {mb:.0f} MB, {seconds:.1f} s ({seconds / frames:.2f} s per frame)", flush=True)
            shutil.rmtree(cut)
            shutil.rmtree(work / f"out-{frames}-{size}")

    short, long = runs[0], runs[1]
    growth = long["peak_rss_mb"] / short["peak_rss_mb"] - 1.0
    verdict = {
        "long_within_limit": long["peak_rss_mb"] <= LIMIT_MB,
        "flat": abs(growth) <= FLAT_TOLERANCE,
        "growth": round(growth, 4),
    }
    report = {
        "benchmark": "peak RSS of paintmatch colorize (one subprocess per cut)",
        "source": "../shared/data/basicpbc/laughing_girl",
        "method": args.method,
        "machine": {"cpus": os.cpu_count(), "python": platform.python_version(), "platform": platform.platform()},
        "runs": runs,
        "acceptance": {"limit_mb": LIMIT_MB, "flat_tolerance": FLAT_TOLERANCE, **verdict},
    }
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "memory.json").write_text(json.dumps(report, indent=2) + "\n")
    lines = [
        "# Memory: peak RSS of `paintmatch colorize` against cut length",
        "",
        f"Frames of `laughing_girl` repeated, method `{args.method}`, one subprocess per cut "
        "(`make bench-memory`, i.e. `.venv/bin/python benchmarks/bench_memory.py`).",
        "",
        "| frames | size | peak RSS (MB) | seconds | s/frame |",
        "|---:|---|---:|---:|---:|",
        *(f"| {r['frames']} | {r['size']} | {r['peak_rss_mb']:.0f} | {r['seconds']:.1f} | {r['seconds_per_frame']:.2f} |" for r in runs),
        "",
        f"{long['frames']} frames vs {short['frames']}: {100 * growth:+.1f}% "
        f"({'flat' if verdict['flat'] else 'NOT flat'}, tolerance {100 * FLAT_TOLERANCE:.0f}%); "
        f"{long['frames']} frames {'within' if verdict['long_within_limit'] else 'OVER'} {LIMIT_MB:.0f} MB.",
        "",
    ]
    (args.out / "memory.md").write_text("\n".join(lines))
    print("\n".join(lines))
    if not (verdict["flat"] and verdict["long_within_limit"]):
        sys.exit(1)


if __name__ == "__main__":
    main()
