"""Where a matcher's errors come from on synthetic cuts: drift, parts the reference never shows, key frames.

    make bench-drift          # or: .venv/bin/python benchmarks/drift.py [--suite DIR] [--method best]

For every cut of a synthetic suite (default: the synthetic test suite of ``make bench``, 20 cuts x 8
frames, seed 10000, generated into benchmarks/data/synthetic-test when missing) it measures acc_thres
(propagation, one step, key frames: on the truth's regions larger than 10 px, from the painted image, as
``paintmatch evaluate`` scores; the error counts: on the method's components larger than 10 px):

- propagation: the cut colored from its first frame as ``colorize`` does (each painted frame is the
  next reference, the first frame the anchor), per frame position;
- one step from the truth: each frame matched from the previous frame carrying its TRUE colors (and
  the first frame as anchor): one matching step without inherited errors;
- error sources of propagation: wrong components whose part (``label/``: the same id for the same part
  in every frame) does not appear in the first frame at all (a mouth opening, a hand revealed: no
  reference shows its color), and wrong components that copied an already wrong component of the
  previous frame (inherited);
- key frames: propagation with a second colored frame (the middle or the last of the cut), and
  with one colored frame chosen by ``paintmatch suggest-reference`` (the frame with the most
  components, the paper's rule) instead of the first, scored over the frames left uncolored.

Writes benchmarks/results/drift.md and drift.json.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SMALL_PX = 10  # acc_thres counts components larger than this
COMPLETION = 2  # Matching.stage of a many-to-one completion (the target shares its reference with another)


def part_ids(cut: Path, name: str, seg) -> np.ndarray | None:
    """(n,) int64 part id per component of ``seg``: the majority of ``label/<name>.png`` under it (-1 background).

    Read per pixel, so it holds for any segmentation (gap closing included); None if the label map is absent or
    not of the frame's size.
    """
    from paintmatch.evaluate.regions import majority_values
    from paintmatch.evaluate.truth import read_id_map

    path = cut / "label" / f"{name}.png"
    if not path.is_file():
        return None
    ids = read_id_map(path, kind="label map")  # R << 16 | G << 8 | B, -1 where transparent
    if ids.shape != seg.shape:
        return None
    inside = seg.labels >= 0
    values, codes = np.unique(ids[inside], return_inverse=True)
    majority = majority_values(seg.labels[inside], codes.ravel().astype(np.uint32), seg.n)
    return values[majority.astype(np.int64)]


def _scored(colors: np.ndarray, truth: np.ndarray, areas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from paintmatch.evaluate.metrics import correct_components

    return correct_components(colors, truth), areas > SMALL_PX


def measure_cut(cut: Path, method: str) -> dict:
    """The measurements of the module docstring for one cut (plain numbers and lists, JSON-ready)."""
    from paintmatch.cut import colorize_frames, suggest_reference
    from paintmatch.evaluate.regions import read_colored, read_truth_regions, region_metrics
    from paintmatch.evaluate.truth import read_truth, truth_colors
    from paintmatch.io import read_cut, read_image
    from paintmatch.match import Frame, get_matcher
    from paintmatch.paint import paint

    files = read_cut(cut)
    names = files.names
    lines = [read_image(p) for p in files.line]
    truth_images = [read_truth(cut, name) for name in names]
    if any(t is None for t in truth_images):
        raise SystemExit(f"drift: {cut} lacks the truth (gt/ or seg/) of some frame; this benchmark needs every frame's truth")
    # the painter's frame as evaluate reads it: gt/ (antialiased as exported), else the seg/ colors
    colored = {i: read_colored(cut, name) for i, name in enumerate(names)}
    regions = [read_truth_regions(cut, name, line) for name, line in zip(names, lines)]

    def region_acc(image: np.ndarray, k: int) -> float:
        return float(region_metrics(image, regions[k])[0]["acc_thres"])

    matcher = get_matcher(method)
    last = len(lines) - 1

    run = colorize_frames(lines, {0: colored[0]}, names=names, matcher=matcher)
    segs = [r.frame.seg for r in run]
    truths = [truth_colors(colored[i], s) for i, s in enumerate(segs)]
    parts = [part_ids(cut, name, s) for name, s in zip(names, segs)]
    first_parts = np.unique(parts[0]) if parts[0] is not None else None

    out: dict = {"cut": cut.name, "propagation": [], "one_step": [], "wrong": 0, "scored": 0,
                 "wrong_absent_part": None if first_parts is None else 0, "absent_part": None if first_parts is None else 0,
                 "wrong_inherited": 0, "step_wrong": 0, "step_completions": 0, "step_wrong_completions": 0}
    anchor = Frame(line=lines[0], seg=segs[0], colors=truths[0])
    prev_ok = np.ones(segs[0].n, bool)  # the colored frame is painted with its own colors
    for k in range(1, len(lines)):
        ok, big = _scored(run[k].matching.colors, truths[k], segs[k].areas)
        out["propagation"].append(region_acc(run[k].painted.image, k))
        out["wrong"] += int((~ok & big).sum())
        out["scored"] += int(big.sum())
        if first_parts is not None and parts[k] is not None:
            absent = ~np.isin(parts[k], first_parts)
            out["absent_part"] += int((absent & big).sum())
            out["wrong_absent_part"] += int((absent & big & ~ok).sum())
        # Inherited: matched to a component of the previous frame that was itself painted wrong.
        source = run[k].matching.ref_index
        from_prev = source >= 0
        inherited = np.zeros(segs[k].n, bool)
        inherited[from_prev] = ~prev_ok[source[from_prev]]
        out["wrong_inherited"] += int((inherited & big & ~ok).sum())
        prev_ok = ok
        # One step from the truth: the previous frame with its true colors, the first frame as anchor.
        previous = Frame(line=lines[k - 1], seg=segs[k - 1], colors=truths[k - 1])
        target = Frame(line=lines[k], seg=segs[k])
        step = matcher.match(previous, target, anchor=anchor) if k > 1 and getattr(matcher, "uses_anchor", False) else matcher.match(previous, target)
        ok1, _ = _scored(step.colors, truths[k], segs[k].areas)
        out["one_step"].append(region_acc(paint(target, step).image, k))
        completion = step.stage == COMPLETION
        out["step_wrong"] += int((~ok1 & big).sum())
        out["step_completions"] += int((completion & big).sum())
        out["step_wrong_completions"] += int((completion & big & ~ok1).sum())

    suggested = names.index(suggest_reference(cut)[0][0])
    out["suggested_frame"] = suggested
    for label, refs in (("first+middle", (0, last // 2 + 1)), ("first+last", (0, last)), ("suggested", (suggested,))):
        keyed = colorize_frames(lines, {i: colored[i] for i in refs}, names=names, matcher=matcher)
        accs = []
        for k, result in enumerate(keyed):
            if k in refs:
                continue
            accs.append(region_acc(result.painted.image, k))
        out[label] = float(np.mean(accs))
    return out


def summarize(rows: list[dict]) -> dict:
    """Means over cuts (per frame position for the two curves) and summed error counts."""
    prop = np.array([r["propagation"] for r in rows])
    step = np.array([r["one_step"] for r in rows])
    total = {k: sum(r[k] for r in rows) for k in ("wrong", "scored", "wrong_inherited", "step_wrong", "step_completions", "step_wrong_completions")}
    has_parts = all(r["absent_part"] is not None for r in rows)
    return {
        "cuts": len(rows),
        "propagation_by_frame": prop.mean(axis=0).round(4).tolist(),
        "one_step_by_frame": step.mean(axis=0).round(4).tolist(),
        "propagation": float(prop.mean()),
        "one_step": float(step.mean()),
        "first+middle": float(np.mean([r["first+middle"] for r in rows])),
        "first+last": float(np.mean([r["first+last"] for r in rows])),
        "suggested": float(np.mean([r["suggested"] for r in rows])),
        "suggested_not_first": sum(r["suggested_frame"] != 0 for r in rows),
        **total,
        "absent_part": sum(r["absent_part"] for r in rows) if has_parts else None,
        "wrong_absent_part": sum(r["wrong_absent_part"] for r in rows) if has_parts else None,
    }


def report(summary: dict, method: str, suite: Path, command: str) -> str:
    frames = len(summary["propagation_by_frame"])
    head = "| | " + " | ".join(f"frame {k + 1}" for k in range(frames)) + " | mean |"
    rule = "|---" * (frames + 2) + "|"
    prop = "| propagation | " + " | ".join(f"{v:.3f}" for v in summary["propagation_by_frame"]) + f" | {summary['propagation']:.3f} |"
    step = "| one step from the truth | " + " | ".join(f"{v:.3f}" for v in summary["one_step_by_frame"]) + f" | {summary['one_step']:.3f} |"
    wrong, scored = summary["wrong"], summary["scored"]
    lines = [
        f"# Error sources of `{method}`",
        "",
        f"Made by `{command}` ({os.cpu_count()} CPU cores), {time.strftime('%Y-%m-%d')}, on {summary['cuts']} cuts of "
        f"`{suite.relative_to(ROOT) if suite.is_relative_to(ROOT) else suite}`. acc_thres (components > {SMALL_PX} px), "
        "means over cuts; frame 0 is the colored reference.",
        "",
        head,
        rule,
        prop,
        step,
        "",
        f"Propagation got {wrong} of {scored} scored components wrong ({1 - wrong / scored:.3f} correct).",
        f"- {summary['wrong_inherited']} of them copied a component of the previous frame that was already wrong (inherited).",
    ]
    if summary["absent_part"] is not None:
        absent, wrong_absent = summary["absent_part"], summary["wrong_absent_part"]
        lines.append(
            f"- {wrong_absent} of them belong to parts that the colored frame does not show at all ({absent} such "
            f"components, {absent / scored:.1%} of the scored ones); without them propagation scores "
            f"{1 - (wrong - wrong_absent) / (scored - absent):.3f} on the rest."
        )
    lines.append(
        f"\nOne step from the truth got {summary['step_wrong']} wrong; {summary['step_wrong_completions']} of them are completions "
        f"(many-to-one: a target that shares its reference with another, a split or new region: {summary['step_completions']} in all, "
        f"{summary['step_wrong_completions'] / max(summary['step_completions'], 1):.0%} of them wrong)."
    )
    lines += [
        "",
        "| colored frames | acc_thres of the other frames |",
        "|---|---|",
        f"| first | {summary['propagation']:.3f} |",
        f"| first + middle | {summary['first+middle']:.3f} |",
        f"| first + last | {summary['first+last']:.3f} |",
        f"| only the one `paintmatch suggest-reference` names (most components; not the first in "
        f"{summary['suggested_not_first']} of {summary['cuts']} cuts) | {summary['suggested']:.3f} |",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path(__file__).parent))
    from tune import cached_suite

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", type=Path, default=ROOT / "benchmarks" / "data" / "synthetic-test")
    parser.add_argument("--cuts", type=int, default=20, help="cuts to generate when --suite is missing (default 20)")
    parser.add_argument("--frames", type=int, default=8, help="frames per generated cut (default 8)")
    parser.add_argument("--seed", type=int, default=10_000, help="seed of a generated suite (default 10000: the test suite)")
    parser.add_argument("--method", default="best")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results")
    args = parser.parse_args(argv)

    cuts = cached_suite(args.suite, args.cuts, args.frames, args.seed) if not args.suite.is_dir() else sorted(
        p for p in args.suite.iterdir() if (p / "line").is_dir()
    )
    if not cuts:
        print(f"drift: no cut under {args.suite}", file=sys.stderr)
        return 2
    started = time.perf_counter()
    with ProcessPoolExecutor(max(1, args.workers)) as pool:
        rows = list(pool.map(measure_cut, cuts, [args.method] * len(cuts)))
    summary = summarize(rows)
    command = "python benchmarks/drift.py" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    text = report(summary, args.method, args.suite.resolve(), command)
    args.out.mkdir(parents=True, exist_ok=True)
    stem = "drift" if args.method == "best" else f"drift-{args.method}"
    from paintmatch.io import write_json

    write_json(args.out / f"{stem}.json", {"method": args.method, "suite": str(args.suite), "summary": summary, "cuts": rows})
    tmp = args.out / f".{stem}.md.tmp"
    tmp.write_text(text)
    tmp.replace(args.out / f"{stem}.md")
    print(text)
    print(f"drift: {len(cuts)} cuts in {time.perf_counter() - started:.0f} s -> {args.out / (stem + '.md')}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
