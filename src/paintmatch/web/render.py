"""Pictures of a frame for the UI: result, line art, confidence and segmentation views, match crops, as PNG bytes."""

from __future__ import annotations

import cv2
import numpy as np

from paintmatch.match import Frame

__all__ = ["VIEWS", "confidence_view", "crop_box", "match_crop", "segments_view", "fit"]

VIEWS = ("result", "line", "confidence", "segments", "gaps")

_LOW = np.array([255, 0, 200], dtype=np.float32)  # magenta-pink: "check this one"
_DARK = np.array([43, 45, 66], dtype=np.float32)  # the page's header color: a ring that shows on light paint


def confidence_view(result: np.ndarray, frame: Frame, flagged: np.ndarray) -> np.ndarray:
    """The result with the flagged components tinted and outlined, the others washed out.

    Parameters
    ----------
    result : (H, W, 4) ndarray of uint8
        The painted frame.
    frame : Frame
        Its segmentation.
    flagged : (n,) ndarray of bool
        The components to highlight: ``paintmatch.review.review_flags`` of the frame, so the view marks
        exactly what the sidecar's ``flagged`` says.

    Returns
    -------
    (H, W, 4) ndarray of uint8
        Opaque image (over white).
    """
    expanded = frame.seg.expanded_labels()
    alpha = result[..., 3:4].astype(np.float32) / 255.0
    rgb = result[..., :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)
    # A frame without components (blank, all ink) has no component to highlight: -1 everywhere.
    low_pixels = np.append(np.asarray(flagged, dtype=bool), False)[expanded] & ~frame.seg.line
    washed = rgb * 0.35 + 255.0 * 0.65
    out = np.where(low_pixels[..., None], rgb * 0.45 + _LOW * 0.55, washed)
    on_line = frame.seg.line
    out[on_line] = rgb[on_line]
    mask = low_pixels.astype(np.uint8)
    edge = cv2.dilate(mask, np.ones((5, 5), np.uint8)).astype(bool) & ~cv2.erode(mask, np.ones((3, 3), np.uint8)).astype(bool)
    out[edge] = _LOW
    return np.dstack([np.round(out).astype(np.uint8), np.full(on_line.shape, 255, np.uint8)])


def crop_box(bbox: np.ndarray, shape: tuple[int, int], *, margin: float = 0.75, least: int = 112) -> tuple[int, int, int, int]:
    """(x, y, w, h): a component's bounding box grown by ``margin`` of its longer side (at least ``least``
    px across), for context around it (a painter finds a 10 px region by what surrounds it), kept inside an
    (H, W) frame."""
    h, w = shape
    x, y, bw, bh = (int(v) for v in bbox)
    pad = max(int(round(margin * max(bw, bh))), (least - min(bw, bh)) // 2, 8)
    x0, y0 = max(0, x - pad), max(0, y - pad)
    x1, y1 = min(w, x + bw + pad), min(h, y + bh + pad)
    return x0, y0, x1 - x0, y1 - y0


def match_crop(image: np.ndarray, labels: np.ndarray, component: int, box: tuple[int, int, int, int], *, size: int = 240) -> np.ndarray:
    """A crop of ``image`` around one component, scaled so its longer side is ``size``, the component outlined.

    Parameters
    ----------
    image : (H, W, 4) ndarray of uint8
        The reference frame's painted result.
    labels : (H, W) ndarray of int32
        Its component labels (-1 on lines).
    component : int
        The component to outline.
    box : tuple of int
        (x, y, w, h), from ``crop_box``.
    size : int
        Longer side of the output (small crops are enlarged, without smoothing, up to 4 times).

    Returns
    -------
    (h, w, 4) ndarray of uint8
        Opaque (over a light checkerboard where the frame is transparent): the component in full color,
        ringed in magenta-pink (the confidence view's color) and a dark line, its surroundings washed out.
    """
    x, y, w, h = box
    rgba = image[y : y + h, x : x + w]
    mask = (labels[y : y + h, x : x + w] == component).astype(np.uint8)
    scale = min(size / max(w, h), 4.0)
    out_w, out_h = max(1, round(w * scale)), max(1, round(h * scale))
    interpolation = cv2.INTER_NEAREST if scale >= 1 else cv2.INTER_AREA
    rgba = cv2.resize(rgba, (out_w, out_h), interpolation=interpolation)
    mask = cv2.resize(mask, (out_w, out_h), interpolation=cv2.INTER_NEAREST)
    yy, xx = np.mgrid[0:out_h, 0:out_w]
    checker = np.where(((yy // 8) + (xx // 8)) % 2 == 0, 235.0, 255.0)[..., None]
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    rgb = rgba[..., :3].astype(np.float32) * alpha + checker * (1.0 - alpha)
    inside = mask.astype(bool)
    rgb[~inside] = rgb[~inside] * 0.65 + 255.0 * 0.35  # the context washed out, the component in full color
    ring = cv2.dilate(mask, np.ones((3, 3), np.uint8), iterations=2).astype(bool) & ~inside
    halo = cv2.dilate(mask, np.ones((3, 3), np.uint8), iterations=3).astype(bool) & ~ring & ~inside
    rgb[halo] = _DARK
    rgb[ring] = _LOW
    return np.dstack([np.round(rgb).astype(np.uint8), np.full((out_h, out_w), 255, np.uint8)])


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
