"""Pictures of a frame for the UI: result, line art, confidence and segmentation views, as PNG bytes."""

from __future__ import annotations

import cv2
import numpy as np

from paintmatch.match import Frame, Matching

__all__ = ["VIEWS", "confidence_view", "segments_view", "fit", "encode_png"]

VIEWS = ("result", "line", "confidence", "segments", "gaps")

LOCKED_STAGE = next(code for code, name in Matching.STAGES.items() if name == "locked")
"""``Matching.stage`` value of a painter's locked correction."""
_LOW = np.array([255, 0, 200], dtype=np.float32)  # magenta-pink: "check this one"


def confidence_view(result: np.ndarray, frame: Frame, matching: Matching, threshold: float) -> np.ndarray:
    """The result with confident components washed out and low-confidence ones tinted and outlined.

    Parameters
    ----------
    result : (H, W, 4) ndarray of uint8
        The painted frame.
    frame : Frame
        Its segmentation.
    matching : Matching
        Its colors and confidences; locked (corrected) components count as confident.
    threshold : float
        Components with confidence below it are highlighted.

    Returns
    -------
    (H, W, 4) ndarray of uint8
        Opaque image (over white).
    """
    expanded = frame.seg.expanded_labels()
    low = (matching.confidence < threshold) & (matching.stage != LOCKED_STAGE)
    alpha = result[..., 3:4].astype(np.float32) / 255.0
    rgb = result[..., :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
    # A frame without components (blank, all ink) has no component to highlight: -1 everywhere.
    low_pixels = np.append(low, False)[expanded] & ~frame.seg.line
    washed = rgb * 0.35 + 255.0 * 0.65
    out = np.where(low_pixels[..., None], rgb * 0.45 + _LOW * 0.55, washed)
    on_line = frame.seg.line
    out[on_line] = rgb[on_line]
    mask = low_pixels.astype(np.uint8)
    edge = cv2.dilate(mask, np.ones((5, 5), np.uint8)).astype(bool) & ~cv2.erode(mask, np.ones((3, 3), np.uint8)).astype(bool)
    out[edge] = _LOW
    return np.dstack([np.round(out).astype(np.uint8), np.full(on_line.shape, 255, np.uint8)])


def segments_view(frame: Frame) -> np.ndarray:
    """Every component in its own arbitrary color (stable per id), lines in black.

    Returns
    -------
    (H, W, 4) ndarray of uint8
        Opaque image.
    """
    n = max(frame.n, 1)
    ids = np.arange(n)
    hue = ((ids * 0.61803398875) % 1.0 * 180).astype(np.uint8)  # golden-ratio hues: neighbours differ
    sat = (140 + (ids * 37) % 100).astype(np.uint8)
    val = (170 + (ids * 53) % 80).astype(np.uint8)
    hsv = np.stack([hue, sat, val], axis=1)[None]
    palette = cv2.cvtColor(hsv, cv2.COLOR_HSV2RGB)[0]
    labels = frame.seg.labels
    out = np.zeros(labels.shape + (4,), np.uint8)
    out[..., 3] = 255
    inside = labels >= 0
    out[inside, :3] = palette[labels[inside]]
    return out


def fit(rgba: np.ndarray, max_side: int | None) -> np.ndarray:
    """Downscale (area interpolation) so that the longer side is at most ``max_side``; never upscale."""
    if not max_side:
        return rgba
    h, w = rgba.shape[:2]
    scale = max_side / max(h, w)
    if scale >= 1:
        return rgba
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    return cv2.resize(rgba, size, interpolation=cv2.INTER_AREA)


def encode_png(rgba: np.ndarray) -> bytes:
    """PNG bytes of an (H, W, 4) uint8 RGBA image (fast compression: these are previews)."""
    ok, buffer = cv2.imencode(".png", cv2.cvtColor(rgba, cv2.COLOR_RGBA2BGRA), [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:  # pragma: no cover - OpenCV always encodes a valid uint8 array
        raise RuntimeError("PNG encoding failed")
    return buffer.tobytes()
