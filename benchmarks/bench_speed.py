"""Speed benchmark: one 1600x1600 frame (laughing_girl, ~150 components) colored end to end, with colorize's defaults.

Per-stage breakdown (read, segment, features, match, paint, write), the I/O floor (decode + encode
of the same PNGs in the same run) and peak memory (max RSS of this process); then the ``paintmatch colorize`` command
itself per frame and per cut (``command_speed``: everything a frame costs beyond the stages, the sidecar and the
previews, and the start-up). Run:

    make bench-speed            # or: .venv/bin/python benchmarks/bench_speed.py --method best

Writes benchmarks/results/speed.json and speed.md.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "basicpbc"
if not DATA.exists():
    DATA = Path("/work/shared/data/basicpbc")


def _timed(timings: dict[str, list[float]], name: str, fn, *args, **kwargs):
    start = time.perf_counter()
    value = fn(*args, **kwargs)
    timings.setdefault(name, []).append(time.perf_counter() - start)
    return value


def run(method: str, repeats: int) -> dict:
    from paintmatch.cut import ColorizeOptions
    from paintmatch.io import read_image, write_image
    from paintmatch.match import Frame, get_matcher
    from paintmatch.paint import paint
    from paintmatch.segment import reference_colors, segment, split_by_paint

    close_gaps = ColorizeOptions().close_gaps  # colorize's default ("auto"): gap closing is part of segmenting

    cut = DATA / "laughing_girl"
    matcher = get_matcher(method)
    timings: dict[str, list[float]] = {}
    out = Path(tempfile.mkdtemp())
    # The reference frame is prepared once (in a cut it is the previous painted frame, already segmented).
    ref_line = read_image(cut / "line" / "0000.png")
    colored = read_image(cut / "gt" / "0000.png")
    reference = Frame(ref_line, split_by_paint(segment(ref_line, close_gaps_px=close_gaps), colored), name="0000")
    reference.colors = reference_colors(colored, reference.seg)
    features = getattr(matcher, "features", None)
    if features in ("deep", "shape"):
        from paintmatch.match.paper import frame_features

        frame_features(reference, features)
    targets = ["0001", "0002", "0003"]
    components = []
    anchor = reference
    for r in range(repeats + 1):  # the first round warms up (session creation, imports)
        previous = anchor
        for name in targets:
            t0 = time.perf_counter()
            line = _timed(timings, "read", read_image, cut / "line" / f"{name}.png")
            frame = Frame(line, _timed(timings, "segment", segment, line, close_gaps_px=close_gaps), name=name)
            if features in ("deep", "shape"):
                _timed(timings, "features", frame_features, frame, features)
            # As in a cut: the previous painted frame is the reference, the colored frame the anchor.
            if getattr(matcher, "uses_anchor", False) and previous is not anchor:
                matching = _timed(timings, "match", matcher.match, previous, frame, anchor=anchor)
            else:
                matching = _timed(timings, "match", matcher.match, previous, frame)
            painted = _timed(timings, "paint", paint, frame, matching)
            _timed(timings, "write", write_image, out / f"{name}.png", painted.image)
            timings.setdefault("total", []).append(time.perf_counter() - t0)
            previous = frame.with_colors(matching.colors)
            # I/O floor: decode + encode of the same PNGs.
            t1 = time.perf_counter()
            read_image(cut / "line" / f"{name}.png")
            write_image(out / f"floor_{name}.png", painted.image)
            timings.setdefault("io_floor", []).append(time.perf_counter() - t1)
            components.append(frame.n)
        if r == 0:
            timings = {}
    stages = {k: float(np.median(v)) for k, v in timings.items()}
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {
        "method": method,
        "frame": "laughing_girl 1600x1600, frames 0001-0003 colored in sequence from 0000",
        "components": int(np.median(components)),
        "seconds": stages,
        "ratio_to_io_floor": stages["total"] / stages["io_floor"],
        "peak_rss_mb": peak_mb,
        "repeats": repeats,
    }


def command_speed(method: str, short: int = 4, long: int = 12, repeats: int = 3) -> dict:
    """The ``paintmatch colorize`` command itself, in a subprocess: seconds per frame and per cut's start-up.

    Two cuts of laughing_girl's frames (``bench_memory.make_cut``: 0000-0003 repeated, 0000 colored), ``short`` and
    ``long`` frames: a frame costs the difference over ``long - short`` frames (everything the command does per
    frame: reading, segmenting, matching, painting, the sidecar, the previews); the start-up (imports, model sessions,
    the reference's segmentation and palette, checking the cut) is the rest of the short run. The two runs are made
    ``repeats`` times, alternating, and the median pair's figures reported: one pair's difference moved by 0.1 s a
    frame between runs minutes apart on this VM (43rd session: 0.48 and 0.39 s for the same code).
    """
    from bench_memory import colorize_usage, make_cut

    with tempfile.TemporaryDirectory(prefix="paintmatch-bench-speed-") as tmp:
        work = Path(tmp)
        cuts = {frames: make_cut(work / f"cut-{frames}", frames) for frames in (short, long)}
        pairs, cpu = [], []
        for repeat in range(repeats):
            usage = {frames: colorize_usage(cut, work / f"out-{frames}-{repeat}", method) for frames, cut in cuts.items()}
            pairs.append((usage[short][1], usage[long][1]))
            cpu.append((usage[long][2] - usage[short][2]) / (long - short))
    per_frames = [(b - a) / (long - short) for a, b in pairs]
    middle = int(np.argsort(per_frames)[len(per_frames) // 2])
    per_frame = per_frames[middle]
    return {"frames": [short, long], "seconds": [list(p) for p in pairs], "per_frame": per_frame,
            "per_frame_range": [min(per_frames), max(per_frames)], "start_up": pairs[middle][0] - short * per_frame,
            "cpu_per_frame": float(np.median(cpu))}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", action="append", help="a matcher to time; repeat the option for several (default: best, simple and paper)")
    parser.add_argument("--repeats", type=int, default=3, help="rounds of the stages, and pairs of command runs (median reported)")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)
    methods = args.method or ["best", "simple", "paper"]
    results = [run(m, args.repeats) for m in methods]
    for result in results:
        result["command"] = command_speed(result["method"], repeats=args.repeats)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "speed.json").write_text(json.dumps(results, indent=2))
    stages = ["read", "segment", "features", "match", "paint", "write", "total", "io_floor"]
    lines = [
        "| method | components | " + " | ".join(stages) + " | total / I/O floor | peak RSS |",
        "|---|---|" + "---|" * len(stages) + "---|---|",
    ]
    for r in results:
        cells = [f"{r['seconds'].get(s, 0.0) * 1000:.0f} ms" for s in stages]
        lines.append(f"| {r['method']} | {r['components']} | " + " | ".join(cells) + f" | {r['ratio_to_io_floor']:.2f} | {r['peak_rss_mb']:.0f} MB |")
    lines += ["", "| method | `paintmatch colorize`, s per frame (median of 3; range) | CPU s per frame | start-up per cut (s) |",
              "|---|---|---|---|"]
    lines += [f"| {r['method']} | {r['command']['per_frame']:.2f} ({r['command']['per_frame_range'][0]:.2f}-"
              f"{r['command']['per_frame_range'][1]:.2f}) | {r['command']['cpu_per_frame']:.2f} | {r['command']['start_up']:.1f} |"
              for r in results]
    table = "\n".join(lines)
    (args.out / "speed.md").write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
