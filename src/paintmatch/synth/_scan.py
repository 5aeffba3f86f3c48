"""Line art as a scanner gives it back: grey paper with grain and a light gradient, the ink as pencil.

The production-like suites publish clean digital line art (RGBA on transparency, or RGB on white). Scans of drawn
paper differ: the paper is grey (a dim scan, yellowed paper), grainy and unevenly lit, and the lines are a lighter,
grainy pencil. ``as_scan`` turns a published frame into such a scan, keeping each line's own color (a colored trace
line is a colored pencil), so a benchmark can ask whether the drawing still reads the same (``benchmarks/scans.py``).
"""

from __future__ import annotations

import cv2
import numpy as np

from paintmatch.segment import _is_transparent_art

__all__ = ["as_scan"]

#: How far the paper darkens from one corner to the other (levels) and its grain (standard deviation, levels).
GRADIENT = 20.0
GRAIN = 4.0
#: The pencil: each line's color lightened (``color * PENCIL_GAIN + PENCIL_LIFT``) with grain of its own.
PENCIL_GAIN = 0.8
PENCIL_LIFT = 40.0
PENCIL_GRAIN = 10.0


def as_scan(line: np.ndarray, paper: float, *, seed: int = 0) -> np.ndarray:
    """A published line-art frame as a scan on grey paper.

    Parameters
    ----------
    line : (H, W, 4) ndarray of uint8
        Line art: RGBA on transparency (alpha is the ink) or opaque on white (the darkest channel says how much
        ink covers a pixel).
    paper : float
        The paper's grey level at its brightest corner (255: white paper); it darkens by ``GRADIENT`` levels across.
    seed : int, optional
        The grain's seed.

    Returns
    -------
    (H, W, 4) ndarray of uint8
        Opaque RGB: the paper, slightly warm (blue 4% under red), and the lines as grainy pencil in their own colors,
        softened by a 3x3 blur as a scanner's optics do.

    Examples
    --------
    >>> art = np.zeros((8, 8, 4), np.uint8); art[3:5, :, 3] = 255  # a black line on transparency
    >>> scan = as_scan(art, 170)
    >>> int(scan[0, 0, 0]) in range(150, 180), int(scan[3, 4, 0]) < 120, bool((scan[..., 3] == 255).all())
    (True, True, True)
    """
    rgba = np.asarray(line)
    height, width = rgba.shape[:2]
    color = rgba[..., :3].astype(np.float32)
    if _is_transparent_art(rgba[..., 3]):  # on transparency (as line_mask tells it): alpha is the ink
        ink = rgba[..., 3].astype(np.float32) / 255.0
    else:  # on white: a pixel a * color + (1 - a) * 255 has its darkest channel at least 255 * (1 - a) under white
        ink = 1.0 - color.min(axis=2) / 255.0
        color = np.where(ink[..., None] > 0.05, (color - 255.0 * (1.0 - ink[..., None])) / np.maximum(ink[..., None], 0.05), 0.0)
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32) / max(height, width)
    ground = paper - GRADIENT * (0.7 * xx + 0.3 * yy) + rng.normal(0.0, GRAIN, (height, width)).astype(np.float32)
    ground = np.stack([ground, ground * 0.99, ground * 0.96], axis=2)
    pencil = color * PENCIL_GAIN + PENCIL_LIFT + rng.normal(0.0, PENCIL_GRAIN, (height, width, 1)).astype(np.float32)
    scan = ground * (1.0 - ink[..., None]) + pencil * ink[..., None]
    scan = cv2.GaussianBlur(scan, (3, 3), 0.7)
    out = np.full((height, width, 4), 255, np.uint8)
    out[..., :3] = np.clip(np.round(scan), 0, 255).astype(np.uint8)
    return out
