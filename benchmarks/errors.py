"""Where ``best``'s wrong regions are on the production-like DEV suite: by cause, by size, by distance to the reference.

    make bench-errors                                   # or: .venv/bin/python benchmarks/errors.py
    python benchmarks/errors.py --method best --max-references 3

Every truth region that ``acc_thres`` scores (over 10 px) and that comes out with the wrong color is put down to one
cause (``error_cause``):

- ``unseen``: its true color is not in the painter's frame at all (a part that frame never shows): no match can
  find it;
- ``hole``: it is truth background (between an arm and the body) and came out painted;
- ``leak``: it is painted in the truth and came out transparent;
- ``shade swap``: it came out with another shade of its own paint (lit, shadow or highlight: a matching error
  between the two sides of a trace line, where every other piece of evidence is alike); the synthetic truth's
  ``label/`` ids say which regions are shades of one paint (``paint_families``);
- ``other part``: it came out with the color of another part that the painter's frame has (a matching error proper).

Each drawing chosen by ``_plan`` (3 per cut, as ``benchmarks/dev.py``) is the only colored frame in turn; colored with
``colorize``'s defaults. Prints the tables and writes ``benchmarks/results/errors.md``; the dev suite only.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
CAUSES = ("unseen", "hole", "leak", "shade swap", "other part")
#: Truth-region size bins (px) of the table: the edges where the error rate roughly halves (dev, best version 10).
SIZE_EDGES = (10, 50, 200, 1000)


def error_cause(truth_color: np.ndarray, predicted: np.ndarray, painted_colors: set[int],
                families: dict[int, frozenset[int]] | None = None) -> str:
    """The cause of one wrong region (the module docstring's causes).

    Parameters
    ----------
    truth_color, predicted : (4,) ndarray of uint8
        Its true RGBA and the majority RGBA of the output over it (alpha 0: transparent).
    painted_colors : set of int
        ``pack_rgba`` of the colors of the painter's frame's components.
    families : dict, optional
        ``paint_families`` of the cut: packed color -> the paints it is a shade of (None: no shade swaps told).
    """
    from paintmatch.rgba import pack_rgba

    if truth_color[3] == 0:
        return "hole"
    truth_key, predicted_key = (int(pack_rgba(c[None])[0]) for c in (truth_color, predicted))
    if truth_key not in painted_colors:
        return "unseen"
    if predicted[3] == 0:
        return "leak"
    if families and families.get(truth_key, frozenset()) & families.get(predicted_key, frozenset()):
        return "shade swap"
    return "other part"


def paint_families(cut: Path) -> dict[int, frozenset[int]]:
    """Packed truth color -> the paints it is a shade of, from a synthetic cut's ``seg/*.json`` and ``label/*.json``.

    The generator's region ids come in threes: a paint's lit id ``1 + 3k``, its shadow ``2 + 3k``, its highlight
    ``3 + 3k`` (``paintmatch.synth._character``), so paint ``k = (id - 1) // 3``. Empty without ``label/``.
    """
    import json

    from paintmatch.rgba import pack_rgba

    families: dict[int, set[int]] = {}
    for colors_file in sorted((cut / "seg").glob("*.json")):
        labels_file = cut / "label" / colors_file.name
        if not labels_file.is_file():
            continue
        colors, labels = json.loads(colors_file.read_text()), json.loads(labels_file.read_text())
        for segment_id, color in colors.items():
            region = labels.get(segment_id, [0, -1])[1]
            if region > 0:
                key = int(pack_rgba(np.array([color], np.uint8))[0])
                families.setdefault(key, set()).add((region - 1) // 3)
    return {key: frozenset(paints) for key, paints in families.items()}


def size_bin(area: int) -> str:
    """The table's size bin of a region of ``area`` px (``SIZE_EDGES``)."""
    edges = SIZE_EDGES
    for low, high in zip(edges, edges[1:]):
        if area <= high:
            return f"{low + 1}-{high}"
    return f">{edges[-1]}"


def count_errors(cut: Path, method: str, max_references: int) -> list[dict]:
    """One record per scored truth region of ``cut``: area, distance to the reference, cause (None when right)."""
    import run
    from paintmatch.evaluate.metrics import AREA_THRESHOLD
    from paintmatch.evaluate.regions import predicted_colors
    from paintmatch.match import get_matcher
    from paintmatch.rgba import pack_rgba

    records = []
    families = paint_families(cut)
    for reference, painted, index, result, truth in run.every_reference_frames(cut, get_matcher(method), max_references):
        painted_colors = set(pack_rgba(painted.colors[painted.colors[:, 3] > 0]).tolist())
        predicted = predicted_colors(result.painted.image, truth)
        for region in np.flatnonzero(truth.areas > AREA_THRESHOLD):
            right = bool((predicted[region] == truth.colors[region]).all())
            cause = None if right else error_cause(truth.colors[region], predicted[region], painted_colors, families)
            records.append({"area": int(truth.areas[region]), "distance": abs(index - reference), "cause": cause})
    return records


def tables(records: list[dict]) -> list[str]:
    """Markdown lines: wrong regions by cause, by size and by distance to the reference."""
    wrong = [r for r in records if r["cause"] is not None]
    unseen = sum(r["cause"] == "unseen" for r in wrong)
    lines = [f"{len(wrong)} wrong of {len(records)} scored regions ({len(wrong) / max(len(records), 1):.1%}); "
             f"{unseen} of them have a color the painter's frame lacks, so a method right on every other region "
             f"would score {1 - unseen / max(len(records), 1):.1%} of them (the ceiling of one colored frame).", "",
             "| cause | wrong regions | share of the wrong | their pixels |", "|---|---|---|---|"]
    for cause in CAUSES:
        of = [r for r in wrong if r["cause"] == cause]
        lines.append(f"| {cause} | {len(of)} | {len(of) / max(len(wrong), 1):.1%} | {sum(r['area'] for r in of):,} |")
    lines += ["", "| region size (px) | scored | wrong | error rate | of them unseen |", "|---|---|---|---|---|"]
    for name in (size_bin(edge + 1) for edge in SIZE_EDGES):
        of = [r for r in records if size_bin(r["area"]) == name]
        bad = [r for r in of if r["cause"] is not None]
        unseen = sum(r["cause"] == "unseen" for r in bad)
        lines.append(f"| {name} | {len(of)} | {len(bad)} | {len(bad) / max(len(of), 1):.1%} | {unseen} |")
    lines += ["", "| drawings from the reference | scored | error rate |", "|---|---|---|"]
    for distance in sorted({r["distance"] for r in records}):
        of = [r for r in records if r["distance"] == distance]
        bad = sum(r["cause"] is not None for r in of)
        lines.append(f"| {distance} | {len(of)} | {bad / max(len(of), 1):.1%} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    import run

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--method", default="best")
    parser.add_argument("--max-references", type=int, default=3)
    parser.add_argument("--out", type=Path, default=HERE / "results" / "errors.md")
    args = parser.parse_args(argv)
    suite = run.production_suite(HERE / "data", name="production-dev")
    records: list[dict] = []
    for cut in suite.groups["production-dev"]:
        records += count_errors(cut, args.method, args.max_references)
        print(f"{cut.name}: {sum(r['cause'] is not None for r in records)} wrong of {len(records)}", flush=True)
    lines = [f"Made by `python benchmarks/errors.py --method {args.method} --max-references {args.max_references}` "
             "(production-like dev suite; truth regions over 10 px, as acc_thres scores).", "", *tables(records)]
    run.write_markdown(args.out, lines)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
