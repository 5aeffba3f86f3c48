"""What a painter should check: review flags and a seed pixel per component.

One rule decides which components are flagged, and the sidecar (``flagged``), the review page (its
pink outlines and its flagged-component stepping) and the benchmark's review-effort numbers all use it:
a component is flagged when its confidence (``best``'s is calibrated: the probability that its color is right) is
under ``FLAG_CONFIDENCE``, it is over ``FLAG_MIN_AREA`` pixels (1-2 px specks are not worth a painter's look) and
nobody locked its color.

The frame to color next is the one whose colors are least sure (``next_to_color``).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from paintmatch.match import Matching
from paintmatch.segment import Segmentation

__all__ = ["FLAG_CONFIDENCE", "FLAG_MIN_AREA", "NextToColor", "next_to_color", "review_flags", "seed_points"]

#: Flag a component with a chance over 1 in 10 of being wrong: on the held-out production-like dev cuts 6-11 it flags
#: 16.1% of the components over 10 px and catches 88.4% of the wrong ones; 0.917 would catch 90% (17.5% flagged) (best
#: defaults version 17, whose confidence there is the color choice's probability, ``python
#: benchmarks/fit_confidence.py``; version 16: 18.2% / 84.7%; version 13: 19.4% / 81.3%).
FLAG_CONFIDENCE = 0.9
#: Components of at most this many pixels are never flagged (the metrics' own acc_thres cut, 10 px).
FLAG_MIN_AREA = 10
_LOCKED = 3  # Matching.STAGES: "locked", a painter's correction


def review_flags(seg: Segmentation, matching: Matching, *, threshold: float = FLAG_CONFIDENCE) -> np.ndarray:
    """(n,) bool: the components a painter should check.

    Parameters
    ----------
    seg : Segmentation
        The frame's components (their areas).
    matching : Matching
        Its matching (confidence and stage per component).
    threshold : float, optional
        Confidence under which a component is flagged.

    Examples
    --------
    >>> from types import SimpleNamespace
    >>> seg = SimpleNamespace(areas=np.array([500, 5, 500, 500]))
    >>> m = SimpleNamespace(confidence=np.array([0.05, 0.0, 0.9, 0.0]), stage=np.array([0, 0, 0, 3]))
    >>> review_flags(seg, m).tolist()
    [True, False, False, False]
    """
    confidence = np.asarray(matching.confidence, dtype=np.float64)
    return (confidence < threshold) & (np.asarray(seg.areas) > FLAG_MIN_AREA) & (np.asarray(matching.stage) != _LOCKED)


@dataclass(frozen=True)
class NextToColor:
    """The frame a painter should color next, and why.

    Attributes
    ----------
    name : str
    mean_confidence : float
        The mean confidence of its components over ``FLAG_MIN_AREA`` px (the lowest of the cut's frames).
    expected_wrong : float
        Their expected number of wrong colors: the sum of (1 - confidence).
    """

    name: str
    mean_confidence: float
    expected_wrong: float


def next_to_color(frames: Iterable[tuple[str, np.ndarray, np.ndarray]]) -> NextToColor | None:
    """The frame to color next: the one whose components over ``FLAG_MIN_AREA`` px have the lowest mean confidence.

    Every colored frame colors every frame, merged by confidence (``paintmatch.cut.key_chains``); the frame whose colors
    paintmatch is least sure of is where the painter's colors add most. Production-like dev cuts, the first colored
    frame the one ``suggest-reference`` names (``make bench-next-key``): acc_thres 0.948 from it alone; a second
    colored frame chosen this way 0.969, the one with the most expected wrong colors 0.968, the farthest from the
    first 0.965, the one with the lowest true score (hindsight) 0.969, the best second frame (hindsight) 0.973 (the
    test cuts, reported only: 0.945 alone, 0.968 this way, 0.966 the farthest).

    Parameters
    ----------
    frames : iterable of (name, areas, confidence)
        The frames paintmatch colored (not the painter's, not those passed through): their component areas (n,) int
        and confidences (n,) float (calibrated probabilities that the color is right).

    Returns
    -------
    NextToColor or None
        None where no frame has a component over ``FLAG_MIN_AREA`` px.

    Examples
    --------
    >>> a = ("0001", np.array([500, 500, 3]), np.array([0.99, 0.97, 0.0]))
    >>> b = ("0002", np.array([500, 500]), np.array([0.99, 0.61]))
    >>> next_to_color([a, b])
    NextToColor(name='0002', mean_confidence=0.8, expected_wrong=0.4)
    """
    best: tuple[float, str, np.ndarray] | None = None  # (mean confidence, name, scored confidences)
    for name, areas, confidence in frames:
        scored = np.asarray(confidence, dtype=np.float64)[np.asarray(areas) > FLAG_MIN_AREA]
        if scored.size and (best is None or scored.mean() < best[0]):
            best = (float(scored.mean()), name, scored)
    if best is None:
        return None
    mean, name, scored = best
    return NextToColor(name, round(mean, 4), round(float((1.0 - scored).sum()), 4))


def seed_points(seg: Segmentation) -> np.ndarray:
    """(n, 2) int32: one pixel (x, y) inside each component, for tools that refill regions by point.

    The centroid where it lies inside its component (most regions); otherwise the component's pixel
    nearest to the centroid (a crescent, a ring), the first in raster order among equals.
    """
    n = seg.n
    seeds = np.zeros((n, 2), np.int32)
    if n == 0:
        return seeds
    h, w = seg.shape
    centre = np.rint(seg.centroids).astype(np.int64)
    cx, cy = np.clip(centre[:, 0], 0, w - 1), np.clip(centre[:, 1], 0, h - 1)
    inside = seg.labels[cy, cx] == np.arange(n)
    seeds[inside] = np.stack([cx[inside], cy[inside]], axis=1)
    for i in np.flatnonzero(~inside):  # a loop over the few non-convex components, not over pixels
        found = _nearest_pixel(seg.labels, i, seg.bboxes[i], seg.centroids[i])
        if found is not None:
            seeds[i] = found
    return seeds


def _nearest_pixel(labels: np.ndarray, label: int, bbox, centroid) -> tuple[int, int] | None:
    """(x, y) of the pixel of ``label`` nearest ``centroid`` (first in raster order among equals), or None.

    Searched in squares around the centroid that grow four times until the nearest pixel found lies within the square's
    half side (no pixel outside can be nearer), then in the whole box. The seven such components of laughing_girl 0001
    at 1600 px (its background among them) took 55 ms scanned whole, 0.4 ms this way, the same seeds.
    """
    x, y, bw, bh = (int(v) for v in bbox)
    cx, cy = float(centroid[0]), float(centroid[1])
    half = 16.0
    while True:
        x0, x1 = max(x, int(np.floor(cx - half))), min(x + bw, int(np.ceil(cx + half)) + 1)
        y0, y1 = max(y, int(np.floor(cy - half))), min(y + bh, int(np.ceil(cy + half)) + 1)
        whole = (x0, x1, y0, y1) == (x, x + bw, y, y + bh)
        if x0 < x1 and y0 < y1:
            ys, xs = np.nonzero(labels[y0:y1, x0:x1] == label)
            if ys.size:
                distance = (xs + x0 - cx) ** 2 + (ys + y0 - cy) ** 2
                k = int(np.argmin(distance))
                if whole or distance[k] <= half * half:
                    return int(xs[k] + x0), int(ys[k] + y0)
        if whole:
            return None
        half *= 4.0
