"""Gap-closing benchmark: ms at 1600x1600 for ``auto`` (endpoint closing) and trapped ball (radius 2).

Frames: laughing_girl 0000 (1600x1600), smoke_explosion 00000 upscaled from 1000 to 1600 px, and a
synthetic 1600x1600 frame of random outlines with 1-4 px gaps. Per frame: the closing step alone
(``endpoint_closures`` / ``close_gaps`` on the line mask, the number the 40 ms budget is about),
``segment`` end to end for off / auto / trapped ball 2, and the component counts. The real frames
are read from ../shared at run time (never copied into the project). Run:

    .venv/bin/python benchmarks/bench_gaps.py [--repeats 7] [--json benchmarks/results/gaps.json]
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "basicpbc"
if not DATA.exists():
    DATA = Path("/work/shared/data/basicpbc")
SIZE = 1600


def _at_size(rgba: np.ndarray) -> np.ndarray:
    """The frame scaled to SIZE px on its longer side (lines stay antialiased: linear interpolation)."""
    scale = SIZE / max(rgba.shape[:2])
    if scale == 1:
        return rgba
    return cv2.resize(rgba, None, fx=scale, fy=scale, interpolation=cv2.INTER_LINEAR)


def _synthetic(seed: int = 0, shapes: int = 40) -> np.ndarray:
    """1600x1600 RGBA line art: ``shapes`` ellipses, each with a 1-4 px gap, and as many strokes, 2-3 px wide.

    40 shapes put about as much ink on the frame as cleaned character art (about 4% of the pixels;
    laughing_girl has 1.8%); 150 make a dense frame (about 14%). Thinning, the costly step of
    ``auto``, grows with the ink.
    """
    rng = np.random.default_rng(seed)
    image = np.zeros((SIZE, SIZE, 4), np.uint8)
    for _ in range(shapes):
        center = tuple(int(v) for v in rng.integers(60, SIZE - 60, 2))
        axes = tuple(int(v) for v in rng.integers(15, 120, 2))
        start = float(rng.uniform(0, 360))
        gap = float(rng.uniform(1, 4)) / max(axes) * 180 / np.pi  # 1-4 px of arc, in degrees
        width = int(rng.integers(2, 4))
        cv2.ellipse(image, center, axes, 0, start + gap, start + 360, (0, 0, 0, 255), width, cv2.LINE_AA)
    for _ in range(shapes):
        p0 = rng.integers(0, SIZE, 2)
        p1 = p0 + rng.integers(-200, 200, 2)
        a, b = tuple(int(v) for v in p0), tuple(int(v) for v in p1)
        cv2.line(image, a, b, (0, 0, 0, 255), int(rng.integers(2, 4)), cv2.LINE_AA)
    return image


def _median_ms(fn, repeats: int) -> float:
    """Median wall time in ms (on a shared machine the minimum is printed too, as ``best``)."""
    fn()  # warm up (imports, allocations)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    _BEST.append(float(np.min(times) * 1000.0))
    return float(np.median(times) * 1000.0)


_BEST: list[float] = []


def run(repeats: int) -> list[dict]:
    from paintmatch.io import read_image
    from paintmatch.segment import close_gaps, endpoint_closures, line_mask, segment

    frames = {
        "laughing_girl/0000": _at_size(read_image(DATA / "laughing_girl" / "line" / "0000.png")),
        "smoke_explosion/00000 (upscaled)": _at_size(read_image(DATA / "smoke_explosion" / "line" / "00000.png")),
        "synthetic (seed 0, 40 shapes)": _synthetic(0),
        "synthetic dense (seed 0, 150 shapes)": _synthetic(0, 150),
    }
    rows = []
    for name, rgba in frames.items():
        mask, _ = line_mask(rgba)
        row = {"frame": name, "size": f"{rgba.shape[1]}x{rgba.shape[0]}"}
        row["auto_close_ms"] = _median_ms(lambda: endpoint_closures(mask), repeats)
        row["auto_close_best_ms"] = _BEST[-1]
        row["ball2_close_ms"] = _median_ms(lambda: close_gaps(mask, radius=2), repeats)
        row["ball2_close_best_ms"] = _BEST[-1]
        for mode, key in ((0, "off"), ("auto", "auto"), (2, "ball2")):
            row[f"{key}_segment_ms"] = _median_ms(lambda: segment(rgba, close_gaps_px=mode), repeats)
            row[f"{key}_components"] = segment(rgba, close_gaps_px=mode).n
        row["auto_closures"] = int(endpoint_closures(mask).shape[0])
        rows.append(row)
    return rows


def _table(rows: list[dict]) -> str:
    head = ("frame | closing ms auto (best) | closing ms ball 2 (best) | segment ms off / auto / ball 2 | "
            "components off / auto / ball 2 | auto closures")
    lines = [head, " | ".join("---" for _ in head.split(" | "))]
    for r in rows:
        lines.append(
            f"{r['frame']} | {r['auto_close_ms']:.1f} ({r['auto_close_best_ms']:.1f}) | "
            f"{r['ball2_close_ms']:.1f} ({r['ball2_close_best_ms']:.1f}) | "
            f"{r['off_segment_ms']:.1f} / {r['auto_segment_ms']:.1f} / {r['ball2_segment_ms']:.1f} | "
            f"{r['off_components']} / {r['auto_components']} / {r['ball2_components']} | {r['auto_closures']}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per measurement (median reported)")
    parser.add_argument("--json", type=Path, default=None, help="also write the rows as JSON here")
    args = parser.parse_args(argv)
    rows = run(args.repeats)
    print(_table(rows))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
