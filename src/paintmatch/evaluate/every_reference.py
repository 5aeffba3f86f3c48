"""Every reference: each frame of a cut in turn is the only colored frame, and the others are scored.

For a cut of n frames and each chosen reference frame r (every frame with a colored truth, or
``max_references`` of them evenly spaced), the cut is colored in memory from frame r's truth alone
(its ``gt/`` frame, or its ``seg/`` colors) with ``paintmatch.cut.colorize_frames``, the propagation of
``paintmatch colorize``; every other frame with a truth is scored on the truth's regions
(``paintmatch.evaluate.regions``). Means are reported at three levels:

- per reference: over the frames colored from that reference;
- per cut: over the cut's references (each reference weighs the same);
- overall: over cuts (``by_cut``, BasicPBC's convention), and beside it over every (cut, reference)
  run (``by_reference``) and over every scored frame (``by_frame``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from paintmatch.errors import InputError
from paintmatch.evaluate.metrics import METRICS, FrameScore, Summary, _json_number, _nanmean, summarize_cut
from paintmatch.evaluate.regions import TruthRegions, read_colored, read_truth_regions
from paintmatch.evaluate.score import Evaluation, _build_matchers, _drop_method, _score_results, cut_names

__all__ = [
    "ReferenceRun",
    "EveryReferenceCut",
    "EveryReferenceSummary",
    "EveryReferenceEvaluation",
    "reference_indices",
    "every_reference_frames",
    "summarize_every_reference",
    "evaluate_every_reference",
]

log = logging.getLogger("paintmatch")

#: Called with (done, total, "cut / method / reference") after each colored run.
ProgressCallback = Callable[[int, int, str], None]

_KEYS = (*METRICS, "seconds")


@dataclass
class ReferenceRun:
    """One cut colored by one method from one reference frame.

    Attributes
    ----------
    reference : str
        Name of the frame the cut was colored from.
    frames : list of FrameScore
        Every other frame with a truth, in frame order.
    means : dict of str to float
        Mean of each metric over ``frames`` (NaN frames left out), and ``seconds`` per frame.
    """

    reference: str
    frames: list[FrameScore] = field(default_factory=list)
    means: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-ready dict (NaN as None)."""
        return {
            "reference": self.reference,
            "means": {k: _json_number(v) for k, v in self.means.items()},
            "frames": [f.as_dict() for f in self.frames],
        }


@dataclass
class EveryReferenceCut:
    """One cut and one method, colored from each chosen reference in turn.

    Attributes
    ----------
    cut : str
        Cut name.
    method : str
        Matcher name.
    references : list of ReferenceRun
        One per reference, in frame order.
    means : dict of str to float
        Mean over the references of their means (and ``seconds`` per frame).
    """

    cut: str
    method: str
    references: list[ReferenceRun] = field(default_factory=list)
    means: dict[str, float] = field(default_factory=dict)

    @property
    def frames(self) -> list[FrameScore]:
        """Every scored frame of every reference run."""
        return [f for run in self.references for f in run.frames]

    def as_dict(self) -> dict:
        """JSON-ready dict (NaN as None)."""
        return {
            "cut": self.cut,
            "method": self.method,
            "means": {k: _json_number(v) for k, v in self.means.items()},
            "references": [r.as_dict() for r in self.references],
        }


@dataclass
class EveryReferenceSummary(Summary):
    """Overall means of one method, every reference: ``by_cut`` (headline), ``by_reference``, ``by_frame``.

    Attributes
    ----------
    references : int
        Number of (cut, reference) runs with at least one scored frame.
    by_reference : dict of str to float
        Mean over those runs of their means.
    """

    references: int = 0
    by_reference: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-ready dict (NaN as None)."""
        data = super().as_dict()
        data["references"] = self.references
        data["by_reference"] = {k: _json_number(v) for k, v in self.by_reference.items()}
        return data


@dataclass
class EveryReferenceEvaluation(Evaluation):
    """Results of ``evaluate_every_reference``: an ``Evaluation`` whose ``results`` are
    ``EveryReferenceCut`` (one per cut, in ``cuts`` order) and ``summary`` ``EveryReferenceSummary``.

    Attributes
    ----------
    max_references : int or None
        The cap on references per cut (None: every frame).
    """

    max_references: int | None = None

    def as_dict(self) -> dict:
        """JSON-ready dict (NaN as None): summary per method, then per cut with its references and frames."""
        data = super().as_dict()
        head = {"mode": "every-reference", "methods": data.pop("methods"), "cuts": data.pop("cuts")}
        return {**head, "max_references": self.max_references, **data}


def reference_indices(count: int, max_references: int | None = None) -> list[int]:
    """Indices of the references among ``count`` candidates: all, or ``max_references`` evenly spaced.

    The first and the last candidate are always among them (when ``max_references`` >= 2).

    Examples
    --------
    >>> reference_indices(8), reference_indices(8, 3), reference_indices(8, 1), reference_indices(2, 5)
    ([0, 1, 2, 3, 4, 5, 6, 7], [0, 4, 7], [0], [0, 1])
    """
    if max_references is not None and max_references < 1:
        raise InputError(f"max_references must be at least 1; got {max_references}")
    if max_references is None or max_references >= count:
        return list(range(count))
    if max_references == 1:
        return [0]
    return sorted(set(np.linspace(0, count - 1, max_references).round().astype(int).tolist()))


@dataclass
class _TruthCut:
    names: list[str]
    lines: list[np.ndarray]
    colored: dict[int, np.ndarray]
    truths: list[TruthRegions | None]


def _has_colored(root: Path, name: str) -> bool:
    from paintmatch.evaluate.regions import _gt_path

    return _gt_path(root, name) is not None or (
        (root / "seg" / f"{name}.png").is_file() and (root / "seg" / f"{name}.json").is_file()
    )


def _plan(cut_dir: str | Path, max_references: int | None) -> list[int]:
    """The reference frame indices of a cut (file names only: no pixel is read)."""
    from paintmatch.io import read_cut

    files = read_cut(cut_dir, require_colored=False)
    candidates = [i for i, name in enumerate(files.names) if _has_colored(Path(files.root), name)]
    if not candidates:
        raise InputError(f"{files.root}: no frame has a truth (gt/ or seg/): --every-reference needs one per frame")
    return [candidates[i] for i in reference_indices(len(candidates), max_references)]


def _load_truth_cut(cut_dir: str | Path, truth: str, references: Sequence[int]) -> _TruthCut:
    from paintmatch.io import read_cut, read_image

    files = read_cut(cut_dir, require_colored=False)
    lines = [read_image(path) for path in files.line]
    truths = [read_truth_regions(files.root, name, line, source=truth) for name, line in zip(files.names, lines)]
    colored = {}
    for index in references:
        name, image = files.names[index], read_colored(files.root, files.names[index])
        if image.shape[:2] != lines[index].shape[:2]:
            raise InputError(
                f"{files.root}: the colored truth of frame {name} is {image.shape[1]}x{image.shape[0]} but its "
                f"line frame is {lines[index].shape[1]}x{lines[index].shape[0]}; truth must have the line frame's size"
            )
        colored[index] = image
    missing = [name for name, t in zip(files.names, truths) if t is None]
    if missing:
        log.warning("%s: frames %s have no truth (gt/ or seg/): not scored", files.root, ", ".join(missing[:10]))
    return _TruthCut(names=files.names, lines=lines, colored=colored, truths=truths)


def every_reference_frames(cut: str | Path, matcher, max_references: int | None):
    """``cut`` colored by ``matcher`` from each chosen reference (``_plan``) in turn, as the bench scores it: yields
    ``(reference, painted, index, result, truth)`` for every other frame with a truth: the reference's index and its
    colored ``Frame`` as ``colorize`` segmented it, the frame's index, ``FrameResult`` and ``TruthRegions``."""
    from paintmatch.cut import colorize_frames

    references = _plan(cut, max_references)
    truth_cut = _load_truth_cut(cut, "auto", references)  # the bench's loading and size checks
    for reference in references:
        results = colorize_frames(truth_cut.lines, {reference: truth_cut.colored[reference]}, names=truth_cut.names,
                                  matcher=matcher)
        for index, (result, truth) in enumerate(zip(results, truth_cut.truths)):
            if index != reference and truth is not None:
                yield reference, results[reference].frame, index, result, truth


def _run_reference(cut: _TruthCut, reference: int, matcher, options=None) -> ReferenceRun:
    from paintmatch.cut import colorize_frames

    results = colorize_frames(cut.lines, {reference: cut.colored[reference]}, names=cut.names, matcher=matcher, options=options)
    scores, _ = _score_results(results, cut.truths, {reference})
    summary = summarize_cut("", "", scores)
    return ReferenceRun(reference=cut.names[reference], frames=scores, means=summary.means)


def _cut_means(runs: Sequence[ReferenceRun]) -> dict[str, float]:
    scored = [r for r in runs if r.frames]
    return {k: _nanmean(r.means[k] for r in scored) for k in _KEYS}


def summarize_every_reference(method: str, cuts: Sequence[EveryReferenceCut]) -> EveryReferenceSummary:
    """Overall means of ``method``: over cuts, over (cut, reference) runs and over scored frames.

    Examples
    --------
    >>> f = lambda acc: FrameScore("1", acc, acc, acc, acc, 0.1, 4, 0)
    >>> runs = [ReferenceRun("0", [f(1.0)], {"acc": 1.0}), ReferenceRun("1", [f(0.0), f(0.0)], {"acc": 0.0})]
    >>> a = EveryReferenceCut("a", "m", runs, {"acc": 0.5})
    >>> b = EveryReferenceCut("b", "m", [ReferenceRun("0", [f(1.0)], {"acc": 1.0})], {"acc": 1.0})
    >>> s = summarize_every_reference("m", [a, b])
    >>> s.by_cut["acc"], round(s.by_reference["acc"], 4), s.by_frame["acc"], s.references, s.frames
    (0.75, 0.6667, 0.5, 3, 4)
    """
    scored = [c for c in cuts if c.frames]
    runs = [r for c in scored for r in c.references if r.frames]
    frames = [f for r in runs for f in r.frames]
    return EveryReferenceSummary(
        method=method,
        by_cut={k: _nanmean(c.means.get(k, np.nan) for c in scored) for k in _KEYS},
        by_frame={k: _nanmean(getattr(f, k) for f in frames) for k in _KEYS},
        cuts=len(scored),
        frames=len(frames),
        references=len(runs),
        by_reference={k: _nanmean(r.means.get(k, np.nan) for r in runs) for k in _KEYS},
    )


def evaluate_every_reference(
    cut_dirs: Sequence[str | Path],
    methods: Sequence[str],
    *,
    matcher_params: dict[str, dict] | None = None,
    max_references: int | None = None,
    truth: str = "auto",
    progress: ProgressCallback | None = None,
    skip_unavailable: bool = False,
    options=None,
) -> EveryReferenceEvaluation:
    """Score several methods on several cuts, each frame of a cut in turn being the only colored frame.

    Parameters
    ----------
    cut_dirs : sequence of str or Path
        Cut folders with the truth of every frame (``gt/`` or ``seg/``; synthetic cuts have both).
    methods : sequence of str
        Registered matcher names (the baselines ``overlap`` and ``flow`` included).
    matcher_params : dict of str to dict, optional
        Method -> keyword parameters of its matcher.
    max_references : int, optional
        Use at most this many references per cut, evenly spaced (``reference_indices``); default: every
        frame with a colored truth. For benchmarks: the cost is references x frames colorings per method.
    truth : {"auto", "seg", "gt"}
        Where the truth regions come from (``paintmatch.evaluate.regions.read_truth_regions``).
    progress : callable(done, total, label), optional
        Called after each colored run (cut, method, reference).
    skip_unavailable : bool
        If a method cannot be built or run (e.g. its model weights are missing), record why in
        ``errors`` and go on instead of raising.
    options : paintmatch.cut.ColorizeOptions, optional
        Coloring settings besides the matcher (gap closing...); default: ``colorize``'s defaults.

    Returns
    -------
    EveryReferenceEvaluation
        Means per reference, per cut and overall for every method; ``as_dict()`` for JSON.

    Raises
    ------
    InputError
        No cut or method, an unknown method, a bad ``max_references`` or ``truth``, or a cut with no truth.
    """
    from paintmatch.errors import PaintmatchError

    if not cut_dirs:
        raise InputError("no cut to evaluate: give one or more cut folders (line/, gt/ or seg/ for every frame)")
    if not methods:
        raise InputError("no method to evaluate: give --method NAME")
    reference_indices(2, max_references)  # checks the value before any work
    methods = list(dict.fromkeys(methods))
    names = cut_names(cut_dirs)
    evaluation = EveryReferenceEvaluation(methods=methods, cuts=names, max_references=max_references)
    matchers = _build_matchers(methods, matcher_params, skip_unavailable, evaluation.errors)
    plans = [_plan(cut_dir, max_references) for cut_dir in cut_dirs]
    runs_left = sum(len(p) for p in plans)  # per method
    done, total = 0, runs_left * len(matchers)
    for cut_dir, name, references in zip(cut_dirs, names, plans):
        cut = _load_truth_cut(cut_dir, truth, references)
        for method, matcher in list(matchers.items()):
            entry = EveryReferenceCut(cut=name, method=method)
            try:
                for reference in references:
                    entry.references.append(_run_reference(cut, reference, matcher, options))
                    done += 1
                    if progress is not None:
                        progress(done, total, f"{name} / {method} / {cut.names[reference]}")
            except PaintmatchError as error:  # e.g. a model file missing: known only when first used
                if not skip_unavailable or isinstance(error, InputError):
                    raise
                _drop_method(evaluation, matchers, method, error)
                total -= runs_left - len(entry.references)
                continue
            if not entry.frames:
                log.warning("%s: no frame besides the reference has a truth (gt/ or seg/): nothing scored", name)
            entry.means = _cut_means(entry.references)
            evaluation.results.setdefault(method, []).append(entry)
        runs_left -= len(references)
    for method in matchers:
        evaluation.summary[method] = summarize_every_reference(method, evaluation.results.get(method, []))
    return evaluation
