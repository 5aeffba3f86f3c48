"""Review effort: how many components the review flags point a painter at, and how many of the errors they catch.

    python benchmarks/flags.py                       # production-like DEV suite, 3 references per cut
    python benchmarks/flags.py --suite production-test --max-references 8

Each cut is colored with ``best`` (colorize's defaults) from each chosen reference; for every other frame, each
component of ``best``'s own segmentation over 10 px is wrong when its color differs from the majority truth color
under it. For confidence thresholds, prints the share of those components flagged (``paintmatch.review``) and the
share of the wrong ones among them (recall), and the same for the shipped threshold. Targets (issue 20): flagged
<= 10% of the components over 10 px, >= 90% of the wrong ones flagged.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
THRESHOLDS = (0.3, 0.5, 0.6, 0.7, 0.9)  # calibrated P(right): the shipped FLAG_CONFIDENCE is added


def scored_frames(paths, matcher, *, max_references: int | None):
    """Each cut colored by ``matcher`` from each chosen reference: yields ``(result, right)`` for every other frame
    with a truth, ``right`` (n,) bool: the component's color is the majority truth color under it."""
    import run
    from paintmatch.evaluate.regions import truth_under_components
    from paintmatch.rgba import pack_rgba

    for path in paths:
        for _, _, _, result, truth in run.every_reference_frames(path, matcher, max_references):
            if result.passed_through:
                continue
            seg = result.frame.seg
            yield result, pack_rgba(result.matching.colors) == truth_under_components(seg.labels, seg.n, truth)


def component_records(paths, *, max_references: int | None, method: str = "best"):
    """(confidence, area, wrong) of every scored component, as three arrays."""
    from paintmatch.match import get_matcher

    conf, area, wrong = [], [], []
    for result, right in scored_frames(paths, get_matcher(method), max_references=max_references):
        conf.append(result.matching.confidence.astype(np.float64))
        area.append(result.frame.seg.areas)
        wrong.append(~right)
    return np.concatenate(conf), np.concatenate(area), np.concatenate(wrong)


def main(argv: list[str] | None = None) -> int:
    import run
    from paintmatch.review import FLAG_CONFIDENCE, FLAG_MIN_AREA

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="production-dev", choices=["production-dev", "production-test"])
    parser.add_argument("--max-references", type=int, default=3)
    args = parser.parse_args(argv)
    suite = run.production_suite(HERE / "data", name=args.suite)
    conf, area, wrong = component_records(suite.groups[args.suite], max_references=args.max_references)
    big = area > FLAG_MIN_AREA
    conf, wrong = conf[big], wrong[big]
    rows = []
    for threshold in sorted({*THRESHOLDS, FLAG_CONFIDENCE}):
        flagged = conf < threshold
        rows.append({"threshold": threshold, "flagged": float(flagged.mean()),
                     "recall": float((flagged & wrong).sum() / max(wrong.sum(), 1)),
                     "precision": float((flagged & wrong).sum() / max(flagged.sum(), 1))})
    print(f"{args.suite}: {conf.size} components over {FLAG_MIN_AREA} px, {int(wrong.sum())} wrong "
          f"({wrong.mean():.3f}); shipped threshold {FLAG_CONFIDENCE}")
    print("| confidence < | flagged | wrong ones flagged | flagged that are wrong |\n|---|---|---|---|")
    for row in rows:
        mark = " (shipped)" if row["threshold"] == FLAG_CONFIDENCE else ""
        print(f"| {row['threshold']}{mark} | {row['flagged']:.3f} | {row['recall']:.3f} | {row['precision']:.3f} |")
    out = HERE / "results" / f"flags-{args.suite}.json"
    out.write_text(json.dumps({"suite": args.suite, "max_references": args.max_references, "components": int(conf.size),
                               "wrong": int(wrong.sum()), "rows": rows}, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
