"""Fixed-size crops of the line art around each component: the input of the appearance network."""

from __future__ import annotations

import cv2
import numpy as np

from paintmatch.errors import InputError
from paintmatch.segment import LineClass, Segmentation

__all__ = ["CHANNELS", "component_crops", "crop_windows", "ink_image"]

#: Channel name -> what it holds. Every channel is in [0, 1]; resized with area averaging.
CHANNELS: dict[str, str] = {
    "ink": "line darkness (1 - grey of the art composited on white): every drawn line",
    "mask": "the component itself (1 inside, 0 outside)",
    "trace": "colored trace lines (shadow / highlight boundaries), any hue",
}


def ink_image(rgba: np.ndarray) -> np.ndarray:
    """(H, W) uint8 line darkness: 255 - grey of the art composited on white.

    Parameters
    ----------
    rgba : (H, W, 4) ndarray of uint8
        Line art, transparent background or on white.
    """
    rgba = np.ascontiguousarray(rgba)
    darkness = cv2.bitwise_not(cv2.cvtColor(rgba, cv2.COLOR_RGBA2GRAY))
    return cv2.multiply(darkness, cv2.extractChannel(rgba, 3), scale=1.0 / 255.0)


def crop_windows(seg: Segmentation, *, size: int, context: float) -> np.ndarray:
    """Square window around every component's bounding box, as a grid of ``size`` x ``size`` blocks.

    The window is centred on the box; its side is ``max(w, h) * (1 + 2 * context)`` rounded up to
    a whole number of pixels per crop pixel (``factor``), at least ``size`` (tiny components are
    never enlarged) and at most about the frame's larger side (the background sees the whole frame).

    Returns
    -------
    (n, 3) ndarray of int64
        ``x0, y0, factor`` per component: the window is ``[x0, x0 + factor * size)`` by
        ``[y0, y0 + factor * size)`` in frame pixels and may reach outside the frame.
    """
    boxes = seg.bboxes.astype(np.float64)
    height, width = seg.shape
    side = np.maximum(boxes[:, 2], boxes[:, 3]) * (1.0 + 2.0 * context)
    side = np.minimum(side, max(height, width))
    factor = np.maximum(np.ceil(side / size), 1).astype(np.int64)
    cx = boxes[:, 0] + boxes[:, 2] / 2.0
    cy = boxes[:, 1] + boxes[:, 3] / 2.0
    x0 = np.floor(cx - factor * size / 2.0).astype(np.int64)
    y0 = np.floor(cy - factor * size / 2.0).astype(np.int64)
    return np.stack([x0, y0, factor], axis=1)


def _check_channels(channels: tuple[str, ...] | list[str]) -> tuple[str, ...]:
    channels = tuple(channels)
    unknown = [c for c in channels if c not in CHANNELS]
    if unknown or not channels:
        raise InputError(
            f"unknown crop channels {unknown or channels!r}; known: {', '.join(CHANNELS)} "
            "(check the model's .json or the training config)"
        )
    return channels


def _block_sums(integral: np.ndarray, ey: np.ndarray, ex: np.ndarray) -> np.ndarray:
    """Sums over the blocks between consecutive edges, from an integral image.

    ``integral`` is (H+1, W+1[, C]); ``ey`` (m, s+1) and ``ex`` (m, s+1) are edges already clipped
    into it. Returns (m, s, s[, C]) float64 (or the integral's dtype).
    """
    corners = integral[ey[:, :, None], ex[:, None, :]]
    return corners[:, 1:, 1:] - corners[:, :-1, 1:] - corners[:, 1:, :-1] + corners[:, :-1, :-1]


def component_crops(
    frame,
    *,
    size: int,
    context: float = 0.5,
    channels: tuple[str, ...] | list[str] = ("ink", "mask", "trace"),
) -> np.ndarray:
    """Crop the line art around every component of a frame, at a fixed size.

    Parameters
    ----------
    frame : paintmatch.match.Frame
        A segmented frame (``frame.line`` RGBA, ``frame.seg``).
    size : int
        Side of the square crops, in pixels (for example 32).
    context : float, optional
        Margin around the component's box on each side, as a share of the box's larger side: the
        neighbourhood that tells two similar shapes apart (left eye / right eye).
    channels : sequence of str, optional
        Channels to stack, from ``CHANNELS``: ``ink`` (all lines), ``mask`` (the component),
        ``trace`` (colored trace lines).

    Returns
    -------
    (n, C, size, size) ndarray of float32
        Values in [0, 1]. Aspect ratio is kept (square windows, see ``crop_windows``); parts of a
        window outside the frame are 0. Each crop pixel is the exact mean of its block of
        ``factor`` x ``factor`` frame pixels (area averaging), so thin lines of large components
        survive the reduction as grey.

    Raises
    ------
    InputError
        For a size below 8, a negative context or an unknown channel name.

    Notes
    -----
    Area averaging by integral images (``cv2.integral``): the frame-wide planes (ink, trace) are
    integrated once and every crop of every component is gathered in one vectorised step; the
    mask is integrated over each component's own bounding box only (it is zero elsewhere). A
    1600x1600 frame with about 150 components takes a few tens of milliseconds.

    Examples
    --------
    >>> import numpy as np
    >>> from paintmatch.match import Frame
    >>> from paintmatch.segment import segment
    >>> art = np.zeros((64, 64, 4), np.uint8); art[:, 31:33, 3] = 255
    >>> frame = Frame(line=art, seg=segment(art))
    >>> component_crops(frame, size=16).shape
    (2, 3, 16, 16)
    """
    if isinstance(size, bool) or int(size) != size or size < 8:
        raise InputError(f"crop size must be an integer >= 8, got {size!r}")
    if not np.isfinite(context) or context < 0:
        raise InputError(f"crop context must be a non-negative number, got {context!r}")
    channels = _check_channels(channels)
    size = int(size)
    seg: Segmentation = frame.seg
    labels = seg.labels
    height, width = labels.shape
    n = seg.n
    out = np.zeros((n, len(channels), size, size), dtype=np.float32)
    if n == 0:
        return out

    windows = crop_windows(seg, size=size, context=context)
    x0, y0, factor = windows[:, 0:1], windows[:, 1:2], windows[:, 2:3]
    steps = np.arange(size + 1, dtype=np.int64)[None, :]
    edges_x = x0 + factor * steps  # (n, size + 1) block edges in frame pixels
    edges_y = y0 + factor * steps
    norm = 1.0 / (factor[:, 0].astype(np.float64) ** 2)  # pixels per block

    shared = [c for c in channels if c != "mask"]
    if shared:
        planes = []
        for name in shared:
            if name == "ink":
                planes.append(ink_image(frame.line))
            else:  # trace
                planes.append(np.isin(seg.line_class, LineClass.TRACE).astype(np.uint8) * 255)
        stack = cv2.merge(planes) if len(planes) > 1 else planes[0]
        depth = cv2.CV_32S if height * width * 255 < 2**31 else cv2.CV_64F
        integral = cv2.integral(stack, sdepth=depth)
        if integral.ndim == 2:
            integral = integral[:, :, None]
        sums = _block_sums(integral, np.clip(edges_y, 0, height), np.clip(edges_x, 0, width))
        values = sums.astype(np.float64) * (norm / 255.0)[:, None, None, None]
        for c, name in enumerate(shared):
            out[:, channels.index(name)] = values[..., c]

    if "mask" in channels:
        mask_channel = channels.index("mask")
        # One small integral per component over its own box: the mask is zero outside it.
        for k, (bx, by, bw, bh) in enumerate(seg.bboxes):
            inside = (labels[by : by + bh, bx : bx + bw] == k).astype(np.uint8)
            integral = cv2.integral(inside)
            ey = np.clip(edges_y[k] - by, 0, bh)[None, :]
            ex = np.clip(edges_x[k] - bx, 0, bw)[None, :]
            out[k, mask_channel] = _block_sums(integral, ey, ex)[0] * norm[k]
    return out
