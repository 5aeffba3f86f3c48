"""Score coloring methods on cuts with ground truth.

Each cut is colored from its FIRST colored frame only (``gt/`` of the other frames is their truth,
never shown to the method), with ``paintmatch.cut.colorize_frames``, the same propagation as
``paintmatch colorize``; every other frame with a truth is scored with ``paintmatch.evaluate.regions``:
on the truth's regions (``seg/`` segments, or the painted regions of ``gt/``), from the output image
alone, so every method is scored on the same regions.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Sequence

import numpy as np

from paintmatch.errors import InputError
from paintmatch.evaluate.metrics import CutScore, FrameScore, Summary, summarize, summarize_cut
from paintmatch.evaluate.regions import TruthRegions, read_truth_regions, score_output

__all__ = ["FrameEvaluation", "Evaluation", "cut_names", "evaluate_cut", "evaluate"]

log = logging.getLogger("paintmatch")

#: Called with (done, total, "cut / method") after each cut and method.
ProgressCallback = Callable[[int, int, str], None]
#: Called with (cut name, method, frames) after each cut and method, e.g. to draw a contact sheet.
FramesCallback = Callable[[str, str, "list[FrameEvaluation]"], None]


@dataclass
class FrameEvaluation:
    """One frame of an evaluated cut, with what a report needs to show it.

    Attributes
    ----------
    name : str
        Frame name.
    line : (H, W, 4) ndarray of uint8
        Line art.
    painted : (H, W, 4) ndarray of uint8
        The method's result.
    truth : (H, W, 4) ndarray of uint8 or None
        True colors (None: no truth for this frame).
    labels : (H, W) ndarray of int32
        The truth's regions (-1 on lines); the method's own components where the frame has no truth.
    wrong : (n,) ndarray of bool or None
        Truth regions colored wrongly (None for the reference and unscored frames).
    score : FrameScore or None
        Metrics (None for the reference and unscored frames).
    is_reference : bool
        The colored frame the cut was colored from.
    """

    name: str
    line: np.ndarray
    painted: np.ndarray
    truth: np.ndarray | None
    labels: np.ndarray
    wrong: np.ndarray | None
    score: FrameScore | None
    is_reference: bool = False


@dataclass
class Evaluation:
    """Results of ``evaluate``: per cut and method, and a summary per method.

    Attributes
    ----------
    methods : list of str
        Method names, in the order asked.
    cuts : list of str
        Cut names (unique), in order.
    results : dict of str to list of CutScore
        Method -> one ``CutScore`` per cut (in ``cuts`` order).
    summary : dict of str to Summary
        Method -> overall means.
    errors : dict of str to str
        Method -> why it could not run (e.g. missing model weights); such methods have no results.
    """

    methods: list[str]
    cuts: list[str]
    results: dict[str, list[CutScore]] = field(default_factory=dict)
    summary: dict[str, Summary] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-ready dict (NaN as None)."""
        return {
            "methods": self.methods,
            "cuts": self.cuts,
            "summary": {m: s.as_dict() for m, s in self.summary.items()},
            "errors": self.errors,
            "results": {m: [c.as_dict() for c in cuts] for m, cuts in self.results.items()},
        }


def cut_names(cut_dirs: Sequence[str | Path]) -> list[str]:
    """Unique display names: the folder name, with its parent's name where two cuts share one."""
    paths = [Path(p) for p in cut_dirs]
    base = [p.name or str(p) for p in paths]
    names = [f"{p.parent.name}/{b}" if base.count(b) > 1 else b for p, b in zip(paths, base)]
    seen: dict[str, int] = {}
    for i, name in enumerate(list(names)):  # still equal (same parent name too): number them
        seen[name] = seen.get(name, 0) + 1
        if names.count(name) > 1 or seen[name] > 1:
            names[i] = f"{name}#{seen[name]}"
    return names


@dataclass
class _LoadedCut:
    root: Path
    names: list[str]
    lines: list[np.ndarray]
    reference: int
    colored: np.ndarray
    truths: list[TruthRegions | None]


def _load_cut(cut_dir: str | Path, truth: str = "auto") -> _LoadedCut:
    from paintmatch.io import read_cut, read_image

    files = read_cut(cut_dir)
    names = files.names
    reference_name = next(name for name in names if name in files.colored)
    lines = [read_image(path) for path in files.line]
    truths = [read_truth_regions(files.root, name, line, source=truth) for name, line in zip(names, lines)]
    return _LoadedCut(
        root=Path(files.root),
        names=names,
        lines=lines,
        reference=names.index(reference_name),
        colored=read_image(files.colored[reference_name], painted=True),
        truths=truths,
    )


def _score_results(
    results, truths: Sequence[TruthRegions | None], references: set[int]
) -> tuple[list[FrameScore], list[FrameEvaluation]]:
    """Score every non-reference frame that has a truth, on the truth's regions, from its output image."""
    scores: list[FrameScore] = []
    frames: list[FrameEvaluation] = []
    for index, (result, truth) in enumerate(zip(results, truths)):
        score, wrong, labels = None, None, result.frame.seg.labels
        if index not in references and truth is not None:
            score, wrong = score_output(result.name, result.painted.image, truth, seconds=result.seconds)
            labels = truth.labels
            scores.append(score)
        frames.append(
            FrameEvaluation(
                name=result.name,
                line=result.frame.line,
                painted=result.painted.image,
                truth=truth.image if truth is not None else None,
                labels=labels,
                wrong=wrong,
                score=score,
                is_reference=index in references,
            )
        )
    return scores, frames


def _score_loaded(cut: _LoadedCut, cut_name: str, method: str, matcher) -> tuple[CutScore, list[FrameEvaluation]]:
    from paintmatch.cut import colorize_frames

    results = colorize_frames(cut.lines, {cut.reference: cut.colored}, names=cut.names, matcher=matcher)
    scores, frames = _score_results(results, cut.truths, {cut.reference})
    if not scores:
        log.warning("%s: no frame besides the reference has a truth (gt/ or seg/): nothing scored", cut_name)
    return summarize_cut(cut_name, method, scores), frames


def _build_matcher(method: str, params: dict | None):
    from paintmatch.match import get_matcher

    try:
        return get_matcher(method, **(params or {}))
    except ValueError as error:
        raise InputError(f"--method: {error}") from None


def _build_matchers(
    methods: Sequence[str], matcher_params: dict[str, dict] | None, skip_unavailable: bool, errors: dict[str, str]
) -> dict:
    """Method -> its matcher, in order. A method that cannot be built raises; with ``skip_unavailable``
    (and unless the error is an ``InputError``) it is left out and why is recorded in ``errors``."""
    from paintmatch.errors import PaintmatchError

    matchers = {}
    for method in methods:
        try:
            matchers[method] = _build_matcher(method, (matcher_params or {}).get(method))
        except PaintmatchError as error:
            if not skip_unavailable or isinstance(error, InputError):
                raise
            errors[method] = str(error)
            log.warning("%s: cannot run: %s", method, error)
    return matchers


def _drop_method(evaluation: Evaluation, matchers: dict, method: str, error: Exception) -> None:
    """``method`` failed while running (``skip_unavailable``): record why, drop its results and its matcher."""
    evaluation.errors[method] = str(error)
    evaluation.results.pop(method, None)
    del matchers[method]
    log.warning("%s: cannot run: %s", method, error)


def evaluate_cut(
    cut_dir: str | Path,
    method: str,
    *,
    matcher_params: dict | None = None,
    name: str | None = None,
    truth: str = "auto",
) -> tuple[CutScore, list[FrameEvaluation]]:
    """Color one cut from its first colored frame with ``method`` and score the other frames.

    Parameters
    ----------
    cut_dir : str or Path
        A cut in the PaintBucket-Character layout whose frames have truth in ``gt/`` or ``seg/``.
    method : str
        Registered matcher name.
    matcher_params : dict, optional
        Keyword parameters of the matcher.
    name : str, optional
        Cut name in the results (default: the folder name).
    truth : {"auto", "seg", "gt"}
        Where the truth regions come from (``read_truth_regions``): ``auto`` = ``seg/`` when a frame
        has it, else ``gt/``.

    Returns
    -------
    CutScore
        Per-frame metrics and their means.
    list of FrameEvaluation
        Every frame with its images, for reports.
    """
    matcher = _build_matcher(method, matcher_params)
    return _score_loaded(_load_cut(cut_dir, truth), name or Path(cut_dir).name, method, matcher)


def evaluate(
    cut_dirs: Sequence[str | Path],
    methods: Sequence[str],
    *,
    matcher_params: dict[str, dict] | None = None,
    progress: ProgressCallback | None = None,
    on_frames: FramesCallback | None = None,
    skip_unavailable: bool = False,
    truth: str = "auto",
) -> Evaluation:
    """Score several methods on several cuts, side by side.

    Parameters
    ----------
    cut_dirs : sequence of str or Path
        Cut folders.
    methods : sequence of str
        Registered matcher names.
    matcher_params : dict of str to dict, optional
        Method -> keyword parameters of its matcher.
    progress : callable(done, total, label), optional
        Called after each cut and method.
    on_frames : callable(cut, method, frames), optional
        Called with the frames of each cut and method (images included) before they are dropped:
        contact sheets are drawn here, so memory holds one cut at a time.
    skip_unavailable : bool
        If a method cannot be built (e.g. its model weights are missing), record why in
        ``Evaluation.errors`` and go on instead of raising.
    truth : {"auto", "seg", "gt"}
        Where the truth regions come from (``read_truth_regions``).

    Returns
    -------
    Evaluation
        Every method scored on the truth's regions of every frame but the reference.
    """
    from paintmatch.errors import PaintmatchError

    if not cut_dirs:
        raise InputError("no cut to evaluate: give one or more cut folders (line/, gt/)")
    if not methods:
        raise InputError("no method to evaluate: give --method NAME")
    methods = list(dict.fromkeys(methods))
    names = cut_names(cut_dirs)
    evaluation = Evaluation(methods=methods, cuts=names)
    matchers = _build_matchers(methods, matcher_params, skip_unavailable, evaluation.errors)
    total = len(cut_dirs) * len(matchers)
    done = 0
    for cut_dir, name in zip(cut_dirs, names):
        cut = _load_cut(cut_dir, truth)
        for method, matcher in list(matchers.items()):
            try:
                score, frames = _score_loaded(cut, name, method, matcher)
            except PaintmatchError as error:  # e.g. a model file missing: known only when first used
                if not skip_unavailable or isinstance(error, InputError):
                    raise
                _drop_method(evaluation, matchers, method, error)
                total -= len(cut_dirs)
                continue
            evaluation.results.setdefault(method, []).append(score)
            if on_frames is not None:
                on_frames(name, method, frames)
            done += 1
            if progress is not None:
                progress(done, total, f"{name} / {method}")
    for method in matchers:
        evaluation.summary[method] = summarize(method, evaluation.results.get(method, []))
    return evaluation
