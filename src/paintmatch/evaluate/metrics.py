"""Coloring metrics with the PaintBucket-Character (BasicPBC) definitions.

Per frame, over the truth's regions (``paint/utils.py::eval_json`` of ykdai/BasicPBC):

- ``acc``: share of regions whose predicted color equals the truth;
- ``acc_thres``: the same over the regions larger than ``threshold`` (10) pixels;
- ``pix_acc``: share of non-line pixels that are correct;
- ``pix_acc_wobg``: ``pix_acc`` without the background regions (truth color transparent).

``paintmatch.evaluate.regions`` computes them from an output image over the truth's regions (pixel by
pixel for ``pix_acc``), as ``paintmatch evaluate`` does. ``frame_metrics`` here takes per-region arrays
(a color per region, areas weighting ``pix_acc``), for callers that already have them.

Means are taken over the frames of a cut, then over cuts (BasicPBC averages by folder, not by image);
the mean over all frames is reported beside it. Colors compare as RGBA, with every fully transparent
color equal to every other one (BasicPBC writes background as ``[255, 255, 255, 0]``, paintmatch as
``[0, 0, 0, 0]``).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Iterable, Sequence

import numpy as np

__all__ = [
    "METRICS",
    "AREA_THRESHOLD",
    "FrameScore",
    "CutScore",
    "Summary",
    "normalize_colors",
    "correct_components",
    "frame_metrics",
    "score_frame",
    "summarize_cut",
    "summarize",
]

#: Metric names in report order.
METRICS: tuple[str, ...] = ("acc", "acc_thres", "pix_acc", "pix_acc_wobg")
#: Components of at most this many pixels are left out of ``acc_thres`` (BasicPBC's ``threshold=10``).
AREA_THRESHOLD = 10


def normalize_colors(colors: np.ndarray) -> np.ndarray:
    """RGBA colors with every fully transparent color written as ``(0, 0, 0, 0)``.

    Parameters
    ----------
    colors : (n, 4) array_like of uint8
        RGBA per component.

    Returns
    -------
    (n, 4) ndarray of uint8
        A copy; rows whose alpha is 0 are all zero.

    Examples
    --------
    >>> normalize_colors(np.array([[255, 255, 255, 0], [1, 2, 3, 255]], np.uint8)).tolist()
    [[0, 0, 0, 0], [1, 2, 3, 255]]
    """
    colors = np.asarray(colors)
    if colors.ndim != 2 or colors.shape[1] != 4:
        raise ValueError(f"colors must be an (n, 4) RGBA array; got shape {colors.shape}")
    out = colors.astype(np.uint8, copy=True)
    out[out[:, 3] == 0] = 0
    return out


def correct_components(predicted: np.ndarray, truth: np.ndarray) -> np.ndarray:
    """(n,) bool: the components whose predicted color equals the truth (transparent equals transparent)."""
    predicted, truth = normalize_colors(predicted), normalize_colors(truth)
    if predicted.shape != truth.shape:
        raise ValueError(f"predicted colors {predicted.shape} and truth colors {truth.shape} differ in shape")
    return (predicted == truth).all(axis=1)


def _ratio(numerator: float, denominator: float) -> float:
    return float(numerator) / float(denominator) if denominator > 0 else math.nan


def frame_metrics(
    predicted: np.ndarray,
    truth: np.ndarray,
    areas: np.ndarray,
    background: np.ndarray | None = None,
    *,
    threshold: int = AREA_THRESHOLD,
) -> dict[str, float]:
    """The four metrics of one frame from per-component arrays.

    Parameters
    ----------
    predicted : (n, 4) array_like of uint8
        Predicted RGBA per component.
    truth : (n, 4) array_like of uint8
        True RGBA per component.
    areas : (n,) array_like of int
        Pixels per component (line pixels belong to no component).
    background : (n,) array_like of bool, optional
        Background components, left out of ``pix_acc_wobg``. Default: those whose truth color is
        transparent (alpha 0), as in BasicPBC.
    threshold : int, optional
        ``acc_thres`` counts the components with ``area > threshold``.

    Returns
    -------
    dict of str to float
        ``acc``, ``acc_thres``, ``pix_acc``, ``pix_acc_wobg`` in [0, 1]; NaN where the metric has
        nothing to count (no component, none above the threshold, or only background).

    Examples
    --------
    >>> truth = np.array([[255, 0, 0, 255], [0, 255, 0, 255], [0, 0, 0, 0]], np.uint8)
    >>> wrong = truth.copy(); wrong[1] = (0, 0, 255, 255)
    >>> m = frame_metrics(wrong, truth, np.array([100, 50, 850]))
    >>> round(m["acc"], 4), m["pix_acc"], round(m["pix_acc_wobg"], 4)
    (0.6667, 0.95, 0.6667)
    """
    areas = np.asarray(areas, dtype=np.int64)
    ok = correct_components(predicted, truth)
    if areas.shape != ok.shape:
        raise ValueError(f"areas must have shape ({ok.shape[0]},); got {areas.shape}")
    if background is None:
        background = np.asarray(truth)[:, 3] == 0
    background = np.asarray(background, dtype=bool)
    if background.shape != ok.shape:
        raise ValueError(f"background must have shape ({ok.shape[0]},); got {background.shape}")
    big = areas > threshold
    fg = ~background
    return {
        "acc": _ratio(ok.sum(), ok.size),
        "acc_thres": _ratio((ok & big).sum(), big.sum()),
        "pix_acc": _ratio(areas[ok].sum(), areas.sum()),
        "pix_acc_wobg": _ratio(areas[ok & fg].sum(), areas[fg].sum()),
    }


@dataclass
class FrameScore:
    """Metrics of one scored frame.

    Attributes
    ----------
    name : str
        Frame name.
    acc, acc_thres, pix_acc, pix_acc_wobg : float
        See the module docstring (NaN where undefined).
    seconds : float
        Time to color the frame (segmentation, matching, painting).
    components : int
        Number of components scored.
    wrong : int
        Number of components with a wrong color.
    leaked : int
        Truth regions over ``LEAK_AREA`` pixels, painted in the truth, that came out transparent (a head
        that leaked into the background through a line gap); 0 where not measured.
    """

    name: str
    acc: float
    acc_thres: float
    pix_acc: float
    pix_acc_wobg: float
    seconds: float
    components: int
    wrong: int
    leaked: int = 0

    def as_dict(self) -> dict:
        """JSON-ready dict (NaN as None)."""
        return {k: _json_number(v) for k, v in asdict(self).items()}


def score_frame(
    name: str,
    predicted: np.ndarray,
    truth: np.ndarray,
    areas: np.ndarray,
    *,
    seconds: float = 0.0,
    background: np.ndarray | None = None,
    threshold: int = AREA_THRESHOLD,
) -> FrameScore:
    """``frame_metrics`` of one frame as a ``FrameScore`` (with its component counts and time)."""
    metrics = frame_metrics(predicted, truth, areas, background, threshold=threshold)
    ok = correct_components(predicted, truth)
    return FrameScore(name=name, seconds=float(seconds), components=int(ok.size), wrong=int((~ok).sum()), **metrics)


def _nanmean(values: Iterable[float]) -> float:
    array = np.asarray([v for v in values], dtype=np.float64)
    finite = array[~np.isnan(array)]
    return float(finite.mean()) if finite.size else math.nan


def _json_number(value):
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


@dataclass
class CutScore:
    """Metrics of one cut with one method: means over its scored frames.

    Attributes
    ----------
    cut : str
        Cut name (its folder name).
    method : str
        Matcher name.
    frames : list of FrameScore
        Every scored frame, in order.
    means : dict of str to float
        Mean of each metric over the frames (NaN frames left out), and ``seconds`` per frame.
    """

    cut: str
    method: str
    frames: list[FrameScore] = field(default_factory=list)
    means: dict[str, float] = field(default_factory=dict)

    def as_dict(self) -> dict:
        """JSON-ready dict (NaN as None)."""
        return {
            "cut": self.cut,
            "method": self.method,
            "means": {k: _json_number(v) for k, v in self.means.items()},
            "frames": [f.as_dict() for f in self.frames],
        }


def summarize_cut(cut: str, method: str, frames: Sequence[FrameScore]) -> CutScore:
    """Means over the frames of a cut (``seconds`` = mean seconds per frame)."""
    means = {m: _nanmean(getattr(f, m) for f in frames) for m in METRICS}
    means["seconds"] = _nanmean(f.seconds for f in frames)
    return CutScore(cut=cut, method=method, frames=list(frames), means=means)


@dataclass
class Summary:
    """Overall metrics of one method over several cuts.

    Attributes
    ----------
    method : str
        Matcher name.
    by_cut : dict of str to float
        Mean over cuts of the per-cut means (BasicPBC's convention), and ``seconds`` per frame.
    by_frame : dict of str to float
        Mean over every scored frame of every cut.
    cuts : int
        Number of cuts with at least one scored frame.
    frames : int
        Number of scored frames.
    """

    method: str
    by_cut: dict[str, float]
    by_frame: dict[str, float]
    cuts: int
    frames: int

    def as_dict(self) -> dict:
        """JSON-ready dict (NaN as None)."""
        return {
            "method": self.method,
            "cuts": self.cuts,
            "frames": self.frames,
            "by_cut": {k: _json_number(v) for k, v in self.by_cut.items()},
            "by_frame": {k: _json_number(v) for k, v in self.by_frame.items()},
        }


def summarize(method: str, cuts: Sequence[CutScore]) -> Summary:
    """Overall means of ``method`` over ``cuts``: by cut (the headline number) and by frame.

    Examples
    --------
    >>> a = summarize_cut("a", "m", [FrameScore("1", 1.0, 1.0, 1.0, 1.0, 0.1, 4, 0)])
    >>> b = summarize_cut("b", "m", [FrameScore("1", 0.5, 0.5, 0.5, 0.5, 0.3, 4, 2),
    ...                              FrameScore("2", 0.0, 0.0, 0.0, 0.0, 0.3, 4, 4)])
    >>> s = summarize("m", [a, b])
    >>> s.by_cut["acc"], round(s.by_frame["acc"], 4)
    (0.625, 0.5)
    """
    scored = [c for c in cuts if c.frames]
    keys = (*METRICS, "seconds")
    by_cut = {k: _nanmean(c.means[k] for c in scored) for k in keys}
    all_frames = [f for c in scored for f in c.frames]
    by_frame = {k: _nanmean(getattr(f, k) for f in all_frames) for k in keys}
    return Summary(method=method, by_cut=by_cut, by_frame=by_frame, cuts=len(scored), frames=len(all_frames))
