"""What a painter should check: review flags and a seed pixel per component.

One rule decides which components are flagged, and the sidecar (``flagged``), the review page (its
pink outlines and its flagged-component stepping) and the benchmark's review-effort numbers all use it:
a component is flagged when its confidence (``best``'s is calibrated: the probability that its color is right) is
under ``FLAG_CONFIDENCE``, it is over ``FLAG_MIN_AREA`` pixels (1-2 px specks are not worth a painter's look) and
nobody locked its color.
"""

from __future__ import annotations

import numpy as np

from paintmatch.match import Matching
from paintmatch.segment import Segmentation

__all__ = ["FLAG_CONFIDENCE", "FLAG_MIN_AREA", "review_flags", "seed_points"]

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
