"""Measure how production-like a cut is: leaking gaps, antialiased blends in gt, motion between drawings."""

from __future__ import annotations

import json
import os
from pathlib import Path

import cv2
import numpy as np

from paintmatch.errors import InputError
from paintmatch.io import read_image
from paintmatch.segment import segment

__all__ = ["measure_cut"]


def _ids(path: Path) -> np.ndarray:
    rgba = read_image(path)
    rgb = rgba[..., :3].astype(np.int64)
    ids = rgb[..., 0] << 16 | rgb[..., 1] << 8 | rgb[..., 2]
    return np.where(rgba[..., 3] == 0, -1, ids)


def measure_cut(cut_dir: str | os.PathLike[str]) -> dict[str, float | list]:
    """Measure the issue-18 properties of a cut in the ``paintmatch.synth`` layout.

    Parameters
    ----------
    cut_dir : str or PathLike
        A cut with ``line/``, ``gt/``, ``seg/`` and ``label/`` for every frame.

    Returns
    -------
    dict
        ``leaking_share``: share of frames whose line art, segmented without gap closing, has fewer
        regions than ``seg/``; ``blend_share``: share of the off-line pixels (``seg`` id > 0) next to a
        line pixel (8-neighbourhood) whose ``gt`` color is no color of the frame's ``seg`` json;
        ``median_displacement``: per pair of consecutive frames, the median over parts present in both
        (``label/``) of the centroid displacement over the frame width, then the median over pairs;
        ``displacements``: the per-pair medians; ``regions``, ``regions_without_closing``: per frame.

    Raises
    ------
    InputError
        The folder has no ``line/`` frames.
    """
    cut = Path(cut_dir)
    names = sorted(p.stem for p in (cut / "line").glob("*.png"))
    if not names:
        raise InputError(f"{cut}: no line/*.png frames; is this a cut made by paintmatch synth?")
    regions, open_regions, blends, near = [], [], 0, 0
    centroids: list[dict[int, np.ndarray]] = []
    width = 1
    for name in names:
        seg_ids = _ids(cut / "seg" / f"{name}.png")  # seg is opaque: 0 on lines
        colors = json.loads((cut / "seg" / f"{name}.json").read_text())
        regions.append(len(colors))
        open_regions.append(segment(read_image(cut / "line" / f"{name}.png")).n)
        gt = read_image(cut / "gt" / f"{name}.png", painted=True)
        line = (seg_ids == 0).astype(np.uint8)
        beside = (cv2.dilate(line, np.ones((3, 3), np.uint8)) > 0) & (seg_ids > 0)
        packed = gt.astype(np.int64) @ np.array([1 << 24, 1 << 16, 1 << 8, 1], dtype=np.int64)
        palette = np.array([((c[0] << 24) | (c[1] << 16) | (c[2] << 8) | c[3]) for c in colors.values()], dtype=np.int64)
        blends += int(np.count_nonzero(~np.isin(packed[beside], palette)))
        near += int(np.count_nonzero(beside))
        label = _ids(cut / "label" / f"{name}.png")
        height, width = label.shape
        ys, xs = np.nonzero(label > 0)
        ids = label[ys, xs]
        order = np.unique(ids)
        count = np.bincount(np.searchsorted(order, ids))
        cx = np.bincount(np.searchsorted(order, ids), weights=xs) / count
        cy = np.bincount(np.searchsorted(order, ids), weights=ys) / count
        centroids.append({int(i): np.array([x, y]) for i, x, y in zip(order, cx, cy)})
    displacements = []
    for a, b in zip(centroids, centroids[1:]):
        shared = sorted(set(a) & set(b))
        if shared:
            displacements.append(float(np.median([np.hypot(*(a[i] - b[i])) for i in shared]) / width))
    return {
        "leaking_share": float(np.mean([o < r for o, r in zip(open_regions, regions)])),
        "blend_share": blends / max(near, 1),
        "median_displacement": float(np.median(displacements)) if displacements else 0.0,
        "displacements": displacements,
        "regions": regions,
        "regions_without_closing": open_regions,
    }
