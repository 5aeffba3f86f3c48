"""A painter's work on a cut: how many components they fix to finish it, by the workflow they follow.

    python benchmarks/workflow.py                      # production-dev (choices are made there)
    python benchmarks/workflow.py --suite production-test --out /tmp/workflow-test.md   # report only
    python benchmarks/workflow.py --jobs 2             # two cuts at a time (the waits then beside another cut's)

The painter colors the drawing ``paintmatch suggest-reference`` names (its truth), then finishes the cut: every
component over 10 px (the ones the review page flags and ``acc_thres`` scores) of every other drawing takes its true
color (the majority truth color under it). Each wrong one the painter fixes is one fix; the count is the painter's
work beyond the first drawing. Workflows:

- **fix every frame**: one ``colorize``, then every wrong component fixed;
- **fix frame by frame, fixes carried on**: the frames nearest the colored one first; each frame's fixes are locked
  (``colorize_frames``' ``overrides``, the review page's locked fixes) and the cut colored again, so the next frames are
  matched from fixed frames (the page's **Re-propagate from here**);
- **fix frame by frame, each made a colored frame**: the same order, one frame at a time; each fixed frame is made a
  colored frame (the page's **Make colored frame**) and the cut colored again from every colored frame;
- **color next, k times**: the frame ``colorize`` names next (``CutResult.next_to_color``) is fixed and made a
  colored frame (the page's **Make colored frame**), the cut colored again, k times; then every wrong component left
  fixed.

Per workflow: fixes per cut, the share of the scored components they are, the fixes the review flags did not point
at (``review_flags`` when the painter looked at that frame: errors to find by eye), and the seconds of coloring the
painter waits for (every run). Means over cuts. Prints the table and writes ``benchmarks/results/workflow.md`` for the
dev suite.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
#: Rounds of "color next" measured (each adds one colored frame made from a fixed result).
ROUNDS = (1, 2, 3)


def wrong_components(result, truth) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001 - FrameResult, TruthRegions
    """The components over ``FLAG_MIN_AREA`` px (the review flags' and acc_thres' size floor) of a frame's result whose
    color is not the majority truth color under them: (k,) int64 ids, and (k, 4) uint8 their true colors."""
    from paintmatch.evaluate.regions import truth_under_components
    from paintmatch.review import FLAG_MIN_AREA
    from paintmatch.rgba import pack_rgba, unpack_rgba

    seg = result.frame.seg
    truth_packed = truth_under_components(seg.labels, seg.n, truth)
    scored = np.asarray(seg.areas) > FLAG_MIN_AREA
    wrong = np.flatnonzero((pack_rgba(result.matching.colors) != truth_packed) & scored)
    return wrong, unpack_rgba(truth_packed[wrong])


def fixed_image(result, components: np.ndarray, colors: np.ndarray) -> np.ndarray:  # noqa: ANN001 - FrameResult
    """(H, W, 4) uint8: a frame's result painted again with ``components`` given ``colors`` (the painter's fixes)."""
    from paintmatch.paint import paint

    painted = result.matching.colors.copy()
    painted[components] = colors
    return paint(result.frame, painted).image


class Painter:
    """Counts a painter's fixes and waits over one cut colored from its suggested drawing (``first``)."""

    def __init__(self, cut: Path, method: str) -> None:
        from paintmatch.cut import ColorizeOptions, suggest_reference
        from paintmatch.evaluate.regions import read_colored, read_truth_regions
        from paintmatch.io import read_cut, read_image
        from paintmatch.match import get_matcher
        from paintmatch.match.memo import MatchMemo

        files = read_cut(cut)
        self.names = files.names
        self.lines = [read_image(path) for path in files.line]
        self.regions = [read_truth_regions(cut, name, line) for name, line in zip(self.names, self.lines)]
        self.options, self.matcher = ColorizeOptions(method=method), get_matcher(method)
        self.memo = MatchMemo()  # as the review page keeps one (a workspace's): its runs match only the steps that changed
        self.first = self.names.index(suggest_reference(cut, close_gaps=self.options.close_gaps)[0][0])
        self.colored = {self.first: read_colored(cut, self.names[self.first])}
        self.scored = [k for k in range(len(self.lines)) if k != self.first]
        self.components = 0  # over FLAG_MIN_AREA px, in the scored frames (counted on the first run)
        self.fixes = self.unflagged = 0
        self.seconds = 0.0

    def color(self, colored: dict[int, np.ndarray], overrides: dict | None = None) -> list:
        """The cut colored from ``colored`` with locked ``overrides``; the painter waits for it."""
        from paintmatch.cut import colorize_frames
        from paintmatch.review import FLAG_MIN_AREA

        start = time.perf_counter()
        results = colorize_frames(self.lines, colored, names=self.names, matcher=self.matcher, options=self.options,
                                  overrides=overrides, memo=self.memo)
        self.seconds += time.perf_counter() - start
        if not self.components:
            self.components = int(sum((results[k].frame.seg.areas > FLAG_MIN_AREA).sum() for k in self.scored))
        return results

    def fix(self, result, truth) -> tuple[np.ndarray, np.ndarray]:  # noqa: ANN001 - FrameResult, TruthRegions
        """The painter fixes a frame's wrong components: counted (and those the review did not flag); returned."""
        from paintmatch.review import review_flags

        wrong, colors = wrong_components(result, truth)
        self.fixes += wrong.size
        self.unflagged += int((~review_flags(result.frame.seg, result.matching)[wrong]).sum())
        return wrong, colors

    def totals(self) -> dict[str, float]:
        return {"fixes": self.fixes, "unflagged": self.unflagged, "components": self.components,
                "seconds": self.seconds}


def fix_every_frame(cut: Path, method: str) -> dict[str, float]:
    """One colorize, then every wrong component fixed."""
    painter = Painter(cut, method)
    results = painter.color(painter.colored)
    for k in painter.scored:
        painter.fix(results[k], painter.regions[k])
    return painter.totals()


def fix_frame_by_frame(cut: Path, method: str) -> dict[str, float]:
    """The frames nearest the colored one first, each frame's fixes locked and the cut colored again."""
    painter = Painter(cut, method)
    overrides: dict[int, dict[int, tuple[int, ...]]] = {}
    distances = sorted({abs(k - painter.first) for k in painter.scored})
    for distance in distances:
        results = painter.color(painter.colored, overrides)
        for k in (k for k in painter.scored if abs(k - painter.first) == distance):
            wrong, colors = painter.fix(results[k], painter.regions[k])
            overrides[k] = {int(c): tuple(int(v) for v in color) for c, color in zip(wrong, colors)}
    return painter.totals()


def colored_frame_by_frame(cut: Path, method: str) -> dict[str, float]:
    """The frames nearest the colored one first (the earlier on a tie), one at a time: each fixed and made a colored
    frame, the cut colored again from every colored frame before the next."""
    painter = Painter(cut, method)
    colored = dict(painter.colored)
    for k in sorted(painter.scored, key=lambda k: (abs(k - painter.first), k)):
        results = painter.color(colored)
        colored[k] = fixed_image(results[k], *painter.fix(results[k], painter.regions[k]))
    return painter.totals()


def color_next(cut: Path, method: str, rounds: int) -> dict[str, float]:
    """``rounds`` times: the frame colorize names next fixed and made a colored frame; then the rest fixed."""
    from paintmatch.cut import CutResult

    painter = Painter(cut, method)
    colored = dict(painter.colored)
    for _ in range(rounds):
        results = painter.color(colored)
        upcoming = CutResult(frames=results, out_dir=None, written=[]).next_to_color
        if upcoming is None:
            break
        k = painter.names.index(upcoming.name)
        colored[k] = fixed_image(results[k], *painter.fix(results[k], painter.regions[k]))
    results = painter.color(colored)
    for k in painter.scored:
        if k not in colored:
            painter.fix(results[k], painter.regions[k])
    return painter.totals()


#: The table's rows: (label, function of (cut, method)).
WORKFLOWS = (
    ("fix every frame after one colorize", fix_every_frame),
    ("fix frame by frame, each frame's fixes carried on", fix_frame_by_frame),
    ("fix frame by frame, each fixed frame made a colored frame", colored_frame_by_frame),
    *((f"color next {k} time{'s' if k > 1 else ''} (Make colored frame), then fix the rest",
       lambda cut, method, k=k: color_next(cut, method, k)) for k in ROUNDS),
)


def table(per_cut: list[dict[str, dict[str, float]]]) -> list[str]:
    """Markdown lines: one row per workflow, means over cuts."""
    lines = ["| workflow | fixes per cut | of the components | not flagged when fixed | coloring waited for (s per cut) |",
             "|---|---|---|---|---|"]
    for label, _ in WORKFLOWS:
        of = [cut[label] for cut in per_cut]
        fixes = np.mean([m["fixes"] for m in of])
        share = np.sum([m["fixes"] for m in of]) / max(np.sum([m["components"] for m in of]), 1)
        unflagged = np.sum([m["unflagged"] for m in of]) / max(np.sum([m["fixes"] for m in of]), 1)
        lines.append(f"| {label} | {fixes:.1f} | {share:.1%} | {unflagged:.0%} | {np.mean([m['seconds'] for m in of]):.1f} |")
    return lines


def measure_cut(cut: Path, method: str) -> dict[str, dict[str, float]]:
    """Per workflow label (``WORKFLOWS``): the painter's fixes, those not flagged, the components, the seconds."""
    return {label: measure(cut, method) for label, measure in WORKFLOWS}


def main(argv: list[str] | None = None) -> int:
    import run

    runs = run.measure_each_cut(__doc__.splitlines()[0], "workflow.md", measure_cut, lambda measured: ", ".join(
        str(m["fixes"]) for m in measured.values()) + f" fixes of {next(iter(measured.values()))['components']}", argv)
    args, per_cut, suite_flag = runs.args, runs.per_cut, runs.suite_flag
    jobs = f" --jobs {args.jobs}" if args.jobs > 1 else ""
    waits = f"; the waits with {args.jobs} cuts measured at a time" if args.jobs > 1 else ""
    lines = [f"Made by `python benchmarks/workflow.py{suite_flag}{jobs}` (method {args.method}, {len(per_cut)} cuts; the "
             "painter colors the drawing `suggest-reference` names, then fixes every wrong component over 10 px of the "
             f"others{waits}).",
             "", *table(per_cut)]
    runs.write(lines)
    return 0


if __name__ == "__main__":
    sys.exit(main())
