"""Ablation of ``best``: every addition switched off one at a time, on the benchmark suites.

    make ablation          # or: .venv/bin/python benchmarks/ablation.py

Uses the suites of ``benchmarks/run.py`` (run ``make bench`` first, or this generates nothing and
says so). Writes benchmarks/results/ablation.md and ablation.json.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

VARIANTS: dict[str, dict] = {
    "best (all)": {},
    "- flow prior": {"flow": False},
    "- anchor reference": {"anchor": False},
    "- neighbourhood consistency": {"neighbours": False},
    "- global alignment": {"align": False},
    "- tiny-region flow vote": {"tiny_area": 0},
    "- per-color flow vote": {"color_vote": 0.0},
    "+ deep features (= best-deep)": {"features": "deep"},
    "no appearance features": {"features": "none"},
    "- flow check": {"fb_tol": 0.0},
    "- part field": {"w_part": 0.0},
    "- large-region flow vote": {"large_vote_share": 0.0},
    "- part-field veto": {"part_veto": 0.0},
}


def _cuts(folder: Path, level: int | None = None) -> list[Path]:
    cuts = sorted(p for p in folder.iterdir() if (p / "line").is_dir())
    if level is not None:
        cuts = [c for c in cuts if c.name.endswith(f"_level{level}")]
    return cuts


def main(argv: list[str] | None = None) -> int:
    from tune import score  # benchmarks/tune.py: mean metrics of a method over cuts

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "benchmarks" / "data")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    parser.add_argument("--variants", help="comma-separated variant names (default: all)")
    args = parser.parse_args(argv)
    suites = {
        "synthetic-test": args.data / "synthetic-test",
        "real-deformation level 3": args.data / "real-deformation",
    }
    for name, folder in suites.items():
        if not folder.is_dir():
            print(f"ablation: {folder} is missing: run `make bench` first (it generates the suites)", file=sys.stderr)
            return 2
    variants = VARIANTS if not args.variants else {k: VARIANTS[k] for k in args.variants.split(",")}
    rows = []
    for variant, params in variants.items():
        row = {"variant": variant, "params": params}
        for suite, folder in suites.items():
            cuts = _cuts(folder, 3 if "level 3" in suite else None)
            start = time.perf_counter()
            row[suite] = score(cuts, "best", params)
            print(f"{variant:32s} {suite:26s} acc_thres {row[suite]['acc_thres']:.4f} acc {row[suite]['acc']:.4f} "
                  f"({time.perf_counter() - start:.0f} s)", flush=True)
        rows.append(row)
    header = "| variant | " + " | ".join(f"{s} acc / acc_thres" for s in suites) + " |"
    lines = [header, "|---|" + "---|" * len(suites)]
    for row in rows:
        cells = [f"{row[s]['acc']:.4f} / {row[s]['acc_thres']:.4f}" for s in suites]
        lines.append(f"| {row['variant']} | " + " | ".join(cells) + " |")
    table = "\n".join(lines)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "ablation.md").write_text("Made by `python benchmarks/ablation.py`.\n\n" + table + "\n")
    (args.out / "ablation.json").write_text(json.dumps(rows, indent=2))
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
