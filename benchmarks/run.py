"""Accuracy benchmark: every registered method on the standard suites, side by side.

    python benchmarks/run.py                      # full run (make bench)
    python benchmarks/run.py --small              # 2 cuts x 3 frames, 1 deformation level (make bench-small)
    python benchmarks/run.py --methods simple,flow --suites synthetic-test

Suites (generated into ``--data`` if missing, deterministic by seed):

- ``production-test`` (the goal): ``paintmatch.synth`` production-like cuts, seed 9000, 20 cuts x 8 key drawings
  at 1024 px: leaking 1-4 px gaps, antialiased lines on transparency or white, painted frames with ink/paint
  blends, key-drawing motion. Every reference: each drawing in turn is the only colored frame and the others
  are scored (``paintmatch.evaluate.every_reference``). ``production-dev`` (seed 1000, 12 cuts) is for choices.
- ``synthetic-test`` (clean, second table): ``paintmatch.synth.generate_suite`` with seed 10_000, 20 cuts x 8 frames (512 px).
  Seeds 20_000 (``synthetic-dev``, for choosing parameters) and the training seeds are disjoint from it.
- ``real-deformation``: ``paintmatch.deform.make_deformation_suite`` from the real colored frame
  PaintBucket-Character 0242 (read from ../shared/data/basicpbc, never copied into the repository; the
  other real drawings there train the shipped weights, so they are not scored), 3 seeds x 3 strength
  levels; one table per level.

Clean and deformation cuts are colored from their first frame; every other frame is scored on the truth's
regions (``paintmatch.evaluate``). The README's tables between the bench markers are rewritten by a full run.
Writes ``<out>/<suite>.json`` and ``<out>/results.md`` (one table per suite or level: method, acc,
acc_thres, pix_acc, pix_acc_wobg, s/frame), and contact sheets of the first cuts under
``<out>/raw/sheets`` (ignored by git). Runs sequentially by default; ``--jobs N`` evaluates N tasks (one method
on one group: a suite, or one deformation level) at a time in separate processes, each given its share of the cores
(OpenCV and onnxruntime threads). The scores are the same either way. It pays on a machine with many cores; on this
2-core one a single process already keeps both cores busy (the full run took 80 minutes with ``--jobs 2``, as
sequentially), and s/frame is then taken beside another worker, which the results page says
(``make bench-speed`` is the speed benchmark).
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import json
import logging
import os
import platform
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

SYNTH_TEST_SEED = 10_000
SYNTH_CUTS, SYNTH_FRAMES = 20, 8  # the clean synthetic suites' size (--small: 2 x 3)
SYNTH_DEV_SEED = 20_000
DEFORM_SEED = 10_000
DEFORM_LEVELS = (1, 2, 3)
DEFORM_REPEATS = 3
#: Frame size of the production-like suites: about the pixel count of a 1200x800 production frame.
PRODUCTION_SIZE = 1024
#: About 2 s per 1024 px frame (the ResNet-34 on every crop, then graph matching): every reference of 20 cuts would
#: take 37 min per method, so on production suites they are scored from SLOW_REFERENCES references per cut (the
#: first and the last drawing), and the table says so.
SLOW_METHODS = ("paper", "paper-equal")
SLOW_REFERENCES = 2
README_START, README_END = "<!-- bench:start (benchmarks/run.py writes this part) -->", "<!-- bench:end -->"


def _shared_data() -> Path:
    for candidate in (ROOT.parent / "shared" / "data" / "basicpbc", Path("/work/shared/data/basicpbc")):
        if candidate.is_dir():
            return candidate
    raise SystemExit("benchmark: real line art not found at ../shared/data/basicpbc (needed by real-deformation)")


@dataclass
class Suite:
    """A benchmark suite: named groups of cut folders, each group reported as one table."""

    name: str
    description: str
    groups: dict[str, list[Path]] = field(default_factory=dict)
    settings: dict = field(default_factory=dict)
    every_reference: bool = False


def _ready(folder: Path, settings: dict) -> bool:
    """True if ``folder`` holds a suite generated with exactly ``settings``."""
    marker = folder / "suite.json"
    try:
        return json.loads(marker.read_text()) == settings
    except (OSError, ValueError):
        return False


def _generated(folder: Path, settings: dict, what: str, generate: Callable[[Path], object]) -> None:
    """Make sure ``folder`` holds the suite made with ``settings``: ``generate(tmp)`` fills a temporary sibling folder,
    which then replaces ``folder`` in one rename.

    Two benchmarks started together (``make bench-flags`` beside ``benchmarks/dev.py``) once generated into the same
    folder, one deleting the cuts the other was scoring, and a dev run scored a half-written suite without a word.
    Now one process generates while the others wait on a lock file beside the folder, then find the suite ready; a
    reader never sees a partly written suite. POSIX file locks (``fcntl``): the benchmarks run on Linux.
    """
    import fcntl

    if _ready(folder, settings):
        return
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if _ready(folder, settings):  # another benchmark generated it while this one waited
            return
        print(f"benchmark: generating {what} in {folder}", flush=True)
        partial = folder.with_name(f".{folder.name}.partial")
        if partial.exists():
            shutil.rmtree(partial)
        partial.mkdir()
        generate(partial)
        (partial / "suite.json").write_text(json.dumps(settings, indent=2) + "\n")
        if folder.exists():  # made with other settings
            stale = folder.with_name(f".{folder.name}.stale")
            if stale.exists():
                shutil.rmtree(stale)
            folder.rename(stale)
            shutil.rmtree(stale)
        partial.rename(folder)


def synth_cuts(folder: Path, what: str, *, seed: int, cuts: int, frames: int, recorded: dict,
               **options) -> tuple[list[Path], dict]:
    """``(cut folders, settings)`` of a ``paintmatch.synth`` suite in ``folder``, generated (``_generated``: once,
    whole) if missing or made with other settings.

    ``recorded``: settings written to ``suite.json`` beside the generator, its version, ``seed``, ``cuts`` and
    ``frames``; ``options``: more keywords of ``paintmatch.synth.generate_suite`` (``style``, ``size``).
    """
    from paintmatch.synth import GENERATOR_VERSION, generate_suite

    settings = {"generator": "paintmatch.synth", "version": GENERATOR_VERSION, "seed": seed, "cuts": cuts,
                "frames": frames, **recorded}
    _generated(folder, settings, what, lambda out: generate_suite(out, cuts=cuts, frames=frames, seed=seed, **options))
    return sorted(p for p in folder.iterdir() if p.is_dir() and (p / "line").is_dir()), settings


def synthetic_suite(data: Path, *, name: str, folder: str, seed: int, cuts: int, frames: int, size: int = 512) -> Suite:
    """The synthetic suite ``name`` in ``data/folder`` (generated if missing or made with other settings)."""
    paths, settings = synth_cuts(data / folder, f"{name} ({cuts} cuts x {frames} frames, seed {seed})", seed=seed,
                                 cuts=cuts, frames=frames, recorded={"size": size}, size=size)
    description = f"{cuts} synthetic cuts x {frames} frames ({size} px), seed {seed}"
    return Suite(name=name, description=description, groups={name: paths}, settings=settings)


def every_reference_frames(cut: Path, matcher, max_references: int | None):
    """``paintmatch.evaluate.every_reference.every_reference_frames`` (the bench scripts call it from here)."""
    from paintmatch.evaluate.every_reference import every_reference_frames as frames

    return frames(cut, matcher, max_references)


def add_report_suite(parser: argparse.ArgumentParser, results_name: str) -> None:
    """``--suite`` and ``--out`` for a dev-suite table: the dev suite writes ``benchmarks/results/results_name`` (settings
    are chosen there); ``production-test`` is reported only, into a file of its own (``chosen_report_suite``)."""
    parser.add_argument("--suite", default="production-dev", choices=("production-dev", "production-test"))
    parser.add_argument("--out", type=Path, default=None, help=f"default: benchmarks/results/{results_name} (dev only)")


def chosen_report_suite(parser: argparse.ArgumentParser, args: argparse.Namespace,
                        results_name: str) -> tuple[list[Path], Path, str]:
    """For ``add_report_suite``'s options: the suite's cut folders, the table's path and the ``--suite`` flag that
    its "Made by" line names ("" for the dev suite); a test-suite run without ``--out`` is refused."""
    if args.out is None and args.suite != "production-dev":
        parser.error("--suite production-test reports only: give it a file of its own with --out")
    suite = production_suite(HERE / "data", name=args.suite)
    flag = "" if args.suite == "production-dev" else f" --suite {args.suite}"
    return suite.groups[args.suite], args.out or HERE / "results" / results_name, flag


@dataclass
class SuiteRuns:
    """What ``measure_each_cut`` ran: the options, the cuts, one measurement per cut, and where the table goes."""

    args: argparse.Namespace
    cuts: list[Path]
    per_cut: list
    out: Path
    suite_flag: str

    def write(self, lines: list[str], *, measurements: bool = True) -> None:
        """The table (``lines``) written to ``out`` and printed; with ``measurements``, ``per_cut`` beside it as JSON."""
        write_markdown(self.out, lines)
        if measurements:
            write_markdown(self.out.with_suffix(".json"), [json.dumps(self.per_cut, indent=1)])
        print("\n".join(lines))


def measure_each_cut(description: str, results_name: str, measure, describe, argv: list[str] | None) -> SuiteRuns:
    """The ``--method``/``--suite``/``--out`` command line of a per-cut dev-suite table (``add_report_suite``), parsed
    from ``argv``; ``measure(cut, method)`` run on each cut of the suite, ``describe(measured)`` printed after each."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--method", default="best")
    add_jobs(parser, "cuts measured at a time, in processes of their own (default 1: sequential)")
    add_report_suite(parser, results_name)
    args = parser.parse_args(argv)
    cuts, out, suite_flag = chosen_report_suite(parser, args, results_name)
    per_cut = []
    with contextlib.ExitStack() as stack:
        mapped = map if args.jobs == 1 else stack.enter_context(worker_pool(args.jobs)).map
        for cut, measured in zip(cuts, mapped(measure, cuts, [args.method] * len(cuts))):  # in the suite's order
            per_cut.append(measured)
            print(f"{cut.name}: {describe(measured)}", flush=True)
    return SuiteRuns(args, list(cuts), per_cut, out, suite_flag)


def write_markdown(path: Path, lines: list[str]) -> None:
    """Write a results table (``lines``) to ``path``: a temporary name first, then renamed over it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text("\n".join(lines) + "\n", encoding="utf-8")
    tmp.replace(path)


def production_suite(data: Path, *, name: str, cuts: int | None = None, frames: int | None = None) -> Suite:
    """The production-like suite ``name`` (``paintmatch.synth.SUITES``) in ``data/name`` (generated if missing).

    Leaking 1-4 px gaps, antialiased lines on transparency or white, painted frames with ink/paint blends,
    key-drawing motion; the truth is the painter's regions (``paintmatch synth`` defaults).
    """
    from paintmatch.synth import SUITES

    spec = dict(SUITES[name])
    cuts, frames = cuts or spec["cuts"], frames or spec["frames"]
    folder = data / (name if (cuts, frames) == (spec["cuts"], spec["frames"]) else f"{name}-{cuts}x{frames}")
    paths, settings = synth_cuts(folder, f"{name} ({cuts} cuts x {frames} drawings, seed {spec['seed']})",
                                 seed=spec["seed"], cuts=cuts, frames=frames, recorded={"style": "production"},
                                 style="production", size=PRODUCTION_SIZE)
    description = (
        f"{cuts} production-like cuts x {frames} key drawings ({PRODUCTION_SIZE} px; leaking gaps, antialiased lines on "
        f"transparency or white, painted frames with ink/paint blends, key-drawing motion), seed {spec['seed']}; "
        "every reference: each drawing in turn is the only colored frame, the others are scored"
    )
    return Suite(name=name, description=description, groups={name: paths}, settings=settings, every_reference=True)


def deformation_suite(data: Path, *, folder: str, levels: tuple[int, ...], frames: int, small: bool = False,
                      seed: int = DEFORM_SEED, repeats: int = DEFORM_REPEATS) -> Suite:
    """Real drawings under known smooth deformations, one group per strength level.

    Only the PaintBucket-Character frame 0242 is warped: laughing_girl and smoke_explosion are training sources
    of the shipped weights (the part field and the ResNets train on warps of them), and nothing learned may be
    scored on a source it trained on. To keep more than one cut per level, the frame is warped with
    ``repeats`` seeds from ``seed`` (``small``: one). The test suite's seeds are the defaults; ``benchmarks/dev.py
    --suite real`` warps it with seeds of its own.
    """
    from paintmatch import deform

    shared = _shared_data()
    sources = {"pbc0242": (shared / "assets" / "gt0242.png", shared / "assets" / "line0242.png")}
    repeats = 1 if small else repeats
    version = getattr(deform, "DEFORM_VERSION", None) or {str(k): repr(v) for k, v in deform.LEVELS.items()}
    settings = {
        "generator": "paintmatch.deform",
        "version": version,
        "seed": seed,
        "repeats": repeats,
        "levels": list(levels),
        "frames": frames,
        "sources": {k: [p.name for p in v] for k, v in sources.items()},
    }
    folder = data / folder

    def generate(out: Path) -> None:
        for k in range(repeats):
            deform.make_deformation_suite(
                list(sources.values()), out / f"seed{k}", levels=levels, frames=frames, seed=seed + k
            )

    _generated(folder, settings, f"real-deformation (levels {list(levels)})", generate)
    groups: dict[str, list[Path]] = {}
    for level in levels:
        cuts = sorted(p.parent for p in folder.glob("**/line") if _level_of(p.parent, folder) == level)
        groups[f"real-deformation level {level}"] = cuts
    description = (
        f"the real colored frame {', '.join(sources)} (never trained on) warped by smooth random deformations, "
        f"{repeats} cut(s) per level x {frames} frames (frame 0000 the original), seeds {seed}+k"
    )
    return Suite(name="real-deformation", description=description, groups=groups, settings=settings)


def _level_of(cut: Path, root: Path) -> int | None:
    """Strength level of a deformation cut: from its deform.json, else from a 'level_N' / 'lN' folder name."""
    import re

    meta = cut / "deform.json"
    if meta.is_file():
        try:
            level = json.loads(meta.read_text()).get("level")
            if level is not None:
                return int(level)
        except (OSError, ValueError, TypeError):
            pass
    for part in cut.relative_to(root).parts:
        match = re.fullmatch(r"(?:level[_-]?|l)(\d+)", part) or re.search(r"level[_-]?(\d+)", part)
        if match:
            return int(match.group(1))
    return None


def _shown(path: Path) -> str:
    """``path`` relative to the repository when inside it (results stay the same on every checkout)."""
    try:
        return str(Path(path).resolve().relative_to(ROOT))
    except ValueError:
        return str(path)


def _methods(asked: str | None) -> list[str]:
    from paintmatch.match import matcher_names

    if not asked:
        return matcher_names()
    names = [m.strip() for m in asked.split(",") if m.strip()]
    unknown = sorted(set(names) - set(matcher_names()))
    if unknown:
        raise SystemExit(f"benchmark: unknown method(s) {', '.join(unknown)}; known: {', '.join(matcher_names())}")
    return names


def _table(evaluation) -> str:
    from paintmatch.evaluate.report import COLUMNS, markdown_table, summary_rows

    return markdown_table(["method", *COLUMNS.values()], summary_rows(evaluation.summary))


def _leaks(evaluation) -> dict[str, int]:
    """Method -> regions over 200 px painted in the truth that came out transparent, over every scored frame."""
    totals: dict[str, int] = {}
    for method, cuts in evaluation.results.items():
        frames = [f for cut in cuts for f in cut.frames]
        totals[method] = sum(f.leaked for f in frames)
    return totals


def _evaluate_group(suite: Suite, paths: list[Path], methods: list[str], *, max_references: int | None, draw):
    """The group's evaluation; production suites every reference, the paper's slow matchers at ``SLOW_REFERENCES``."""
    from paintmatch.evaluate import evaluate
    from paintmatch.evaluate.every_reference import evaluate_every_reference

    if not suite.every_reference:
        return evaluate(paths, methods, on_frames=draw, skip_unavailable=True)
    fast = [m for m in methods if m not in SLOW_METHODS]
    slow = [m for m in methods if m in SLOW_METHODS]
    evaluation = evaluate_every_reference(paths, fast, max_references=max_references, skip_unavailable=True) if fast else None
    if slow:
        capped = SLOW_REFERENCES if max_references is None else min(max_references, SLOW_REFERENCES)
        other = evaluate_every_reference(paths, slow, max_references=capped, skip_unavailable=True)
        return other if evaluation is None else _combined([evaluation, other])
    return evaluation


def _draw_sheet(cut: str, method: str, frames, *, sheet_dir: Path, first: set[str]) -> None:
    """Contact sheet of one cut's evaluation, for the first ``--sheets`` cuts of a group."""
    from paintmatch.evaluate.report import evaluation_sheet, sheet_file_name
    from paintmatch.io import write_image

    if cut.split("/")[-1] in first:
        write_image(sheet_dir / sheet_file_name(cut, method), evaluation_sheet(frames))


def _run_group(suite: Suite, group: str, paths: list[Path], methods: list[str], *, max_references: int | None,
               sheet_dir: Path, first: set[str]):
    """(evaluation, seconds) of one group; runs in this process or in a ``--jobs`` worker."""
    draw = functools.partial(_draw_sheet, sheet_dir=sheet_dir, first=first)
    started = time.perf_counter()
    evaluation = _evaluate_group(suite, paths, methods, max_references=max_references, draw=draw)
    return evaluation, time.perf_counter() - started


def _combined(evaluations: list):
    """The first evaluation with the methods of the others beside its own (the same cuts, other methods)."""
    evaluation = evaluations[0]
    for other in evaluations[1:]:
        evaluation.methods += other.methods
        evaluation.results.update(other.results)
        evaluation.summary.update(other.summary)
        evaluation.errors.update(other.errors)
    return evaluation


def _merged(runs: list[tuple]) -> tuple:
    """One (evaluation, seconds) from a group's per-method runs: methods side by side, seconds summed."""
    return _combined([evaluation for evaluation, _ in runs]), sum(seconds for _, seconds in runs)


def add_jobs(parser: argparse.ArgumentParser, help_text: str) -> None:
    """``--jobs N`` (default 1), refused below 1: how many processes a benchmark runs at a time (``worker_pool``)."""

    def at_least_one(value: str) -> int:
        jobs = int(value)
        if jobs < 1:
            raise argparse.ArgumentTypeError(f"must be at least 1; got {jobs}")
        return jobs

    parser.add_argument("--jobs", type=at_least_one, default=1, help=help_text)


def _threads_per_job(jobs: int) -> int:
    """Threads each of ``jobs`` worker processes may use: the cores shared out."""
    return max(1, (os.cpu_count() or 1) // jobs)


def worker_pool(jobs: int):  # noqa: ANN201 - concurrent.futures.ProcessPoolExecutor
    """``jobs`` spawned worker processes that share the cores out (``_share_cores``): what ``--jobs`` runs in."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_share_cores, initargs=(_threads_per_job(jobs),))


def _share_cores(threads: int) -> None:
    """``--jobs`` worker start-up: OpenCV and onnxruntime use ``threads`` threads, so the workers do not fight."""
    from paintmatch.features import set_process_threads

    logging.basicConfig(level=logging.WARNING, format="%(message)s")
    set_process_threads(threads)


def _update_readme(results_md: str) -> None:
    """Replace the README's benchmark tables (between the bench markers) with ``results_md``."""
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    if README_START not in text or README_END not in text:
        print("benchmark: README.md has no bench markers; tables left in benchmarks/results/results.md only")
        return
    head, rest = text.split(README_START, 1)
    _, tail = rest.split(README_END, 1)
    body = results_md.split("\n", 2)[2] if results_md.startswith("# ") else results_md  # drop the page title
    body = body.replace("\n## ", "\n### ").replace("\n### real-deformation level", "\n#### real-deformation level")
    tmp = readme.with_suffix(".md.tmp")
    tmp.write_text(head + README_START + "\n" + body.strip() + "\n" + README_END + tail, encoding="utf-8")
    os.replace(tmp, readme)


SUITE_NAMES = ("production-test", "production-dev", "synthetic-test", "synthetic-dev", "real-deformation")


def named_suite(data: Path, name: str, *, small: bool = False) -> Suite:
    """The benchmark suite ``name`` (``SUITE_NAMES``) in ``data``, generated where missing; ``small``: the quick
    variant of ``--small`` (fewer cuts and frames, its own folders). An unknown name exits with the known ones."""
    cuts, frames = (2, 3) if small else (SYNTH_CUTS, SYNTH_FRAMES)
    suffix = "-small" if small else ""
    if name in ("production-test", "production-dev"):
        return production_suite(data, name=name, **({"cuts": 2, "frames": 3} if small else {}))
    if name == "synthetic-test":
        return synthetic_suite(data, name=name, folder=name + suffix, seed=SYNTH_TEST_SEED, cuts=cuts, frames=frames)
    if name == "synthetic-dev":
        return synthetic_suite(data, name=name, folder=name + suffix, seed=SYNTH_DEV_SEED, cuts=cuts, frames=frames)
    if name == "real-deformation":
        levels = DEFORM_LEVELS[-1:] if small else DEFORM_LEVELS
        return deformation_suite(data, folder=name + suffix, levels=levels, frames=frames, small=small)
    raise SystemExit(f"benchmark: unknown suite {name!r}; known: {', '.join(SUITE_NAMES)}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="tiny suites (2 cuts x 3 frames, 1 level) for tests")
    parser.add_argument("--data", type=Path, help="suite folder (default benchmarks/data)")
    parser.add_argument("--out", type=Path, help="results folder (default benchmarks/results; --small: benchmarks/results/raw/small)")
    parser.add_argument("--methods", help="comma-separated methods (default: every registered method)")
    parser.add_argument("--suites", default="production-test,synthetic-test,real-deformation",
                        help=f"comma-separated, of: {', '.join(SUITE_NAMES)}")
    parser.add_argument("--max-references", type=int, default=None,
                        help="production suites: at most K references per cut, evenly spaced (default: every drawing)")
    parser.add_argument("--sheets", type=int, default=1, help="contact sheets for the first N cuts of each group (default 1)")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite the README's benchmark tables")
    add_jobs(parser, "tasks (one method on one group) evaluated at a time, in separate processes (default 1: sequential)")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(message)s")

    from paintmatch.io import write_json

    data = args.data or HERE / "data"
    out = args.out or (HERE / "results" / "raw" / "small" if args.small else HERE / "results")
    out.mkdir(parents=True, exist_ok=True)
    methods = _methods(args.methods)
    suites = [named_suite(data, name, small=args.small) for name in [s.strip() for s in args.suites.split(",") if s.strip()]]

    timing = ("sequential, one process" if args.jobs == 1 else
              f"{args.jobs} processes at a time (one method of one group each), {_threads_per_job(args.jobs)} thread(s) each, so taken "
              "beside another worker (`make bench-speed` measures speed alone)")
    command = "python benchmarks/run.py" + (" " + " ".join(argv if argv is not None else sys.argv[1:])).rstrip()
    md = [
        "# Benchmark results",
        "",
        f"Made by `{command}` on {platform.node() or 'this machine'} ({platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPU cores, Python {platform.python_version()}), {time.strftime('%Y-%m-%d')}.",
        "Scored on the truth's regions (`seg/` segments: the painter's regions), never on a method's own segmentation; "
        "a region's predicted color is the majority of the output over it. Metrics as in PaintBucket-Character / "
        "BasicPBC: acc (regions), acc_thres (regions > 10 px), pix_acc (non-line pixels), pix_acc_wobg (without "
        "background); means over frames, then over references (production suites), then over cuts. leaked: regions "
        "over 200 px painted in the truth that came out transparent, summed over every scored frame. s/frame: "
        f"segmentation + matching + painting of one frame, {timing}. Production-like suites: every "
        "drawing in turn is the only colored frame; the clean synthetic and real-deformation suites: each cut colored "
        "from its first frame by propagation.",
        "",
    ]
    # (suite, group, paths, methods) in the order of the results page; with --jobs, one task per method of a group
    # (the production suite alone is most of a full run), merged back into one evaluation per group.
    tasks = []
    for suite in suites:
        for group, paths in suite.groups.items():
            if not paths:
                raise SystemExit(f"benchmark: {group}: no cut found under {data}")
            ordered = [m for m in methods if m not in SLOW_METHODS] + [m for m in methods if m in SLOW_METHODS]
            for chunk in ([ordered] if args.jobs == 1 else [[m] for m in ordered]):
                tasks.append((suite, group, paths, chunk))
    parts: dict[tuple[str, str], list] = {}

    def arguments(suite, group, paths, chunk):
        return (suite, group, paths, chunk), {
            "max_references": args.max_references, "sheet_dir": out / "raw" / "sheets" / group.replace(" ", "_"),
            "first": {p.name for p in paths[: max(args.sheets, 0)]}}

    if args.jobs == 1:
        for suite, group, paths, chunk in tasks:
            print(f"benchmark: {group}: {len(paths)} cuts x {len(chunk)} methods", flush=True)
            positional, keywords = arguments(suite, group, paths, chunk)
            parts[suite.name, group] = [_run_group(*positional, **keywords)]
            print(_table(parts[suite.name, group][0][0]), flush=True)
    else:
        from concurrent.futures import as_completed

        with worker_pool(args.jobs) as pool:
            futures = {}
            for index, task in enumerate(tasks):
                positional, keywords = arguments(*task)
                futures[pool.submit(_run_group, *positional, **keywords)] = index
            print(f"benchmark: {len(tasks)} tasks (a method on a group), {args.jobs} at a time", flush=True)
            results_by_task = {}
            for future in as_completed(futures):
                suite, group, _, chunk = tasks[futures[future]]
                results_by_task[futures[future]] = future.result()
                print(f"benchmark: {group}: {chunk[0]} done in {results_by_task[futures[future]][1]:.0f} s", flush=True)
        for index, (suite, group, _, _) in enumerate(tasks):
            parts.setdefault((suite.name, group), []).append(results_by_task[index])
    done = {key: _merged(runs) for key, runs in parts.items()}

    for suite in suites:
        results = {"suite": suite.name, "description": suite.description, "settings": suite.settings, "methods": methods, "groups": {}}
        md += [f"## {suite.name}", "", suite.description + ".", ""]
        for group, paths in suite.groups.items():
            evaluation, elapsed = done[suite.name, group]
            leaks = _leaks(evaluation)
            results["groups"][group] = {**evaluation.as_dict(), "leaked": leaks, "seconds_total": round(elapsed, 1),
                                        "cut_dirs": [_shown(p) for p in paths]}
            frames_scored = max((s.frames for s in evaluation.summary.values()), default=0)
            if len(suite.groups) > 1:
                md += [f"### {group}", ""]
            table = _table(evaluation)
            md += [table, ""]
            scope = f"{len(paths)} cuts, {frames_scored} frames scored per method"
            if suite.every_reference:
                runs = {m: getattr(s, "references", 0) for m, s in evaluation.summary.items()}
                full = max(runs.values(), default=0)
                scope += f" ({full} references"
                capped = [m for m, r in runs.items() if r < full]
                if capped:
                    scope += f"; {', '.join(capped)}: {SLOW_REFERENCES} per cut, the first and the last drawing"
                scope += ")"
            md += [scope + ". leaked: " + ", ".join(f"{m} {leaks[m]}" for m in evaluation.summary) + ".", ""]
            if evaluation.errors:
                md += [f"- `{m}` did not run: {why}" for m, why in evaluation.errors.items()] + [""]
        write_json(out / f"{suite.name}.json", results)
    text = "\n".join(md)
    with open(out / "results.md.tmp", "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(out / "results.md.tmp", out / "results.md")
    if not args.small and not args.no_readme and args.out is None:
        _update_readme(text)
    print(f"benchmark: results in {out}/results.md and {', '.join(s.name + '.json' for s in suites)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
