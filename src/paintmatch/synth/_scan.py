"""Line art as a scanner gives it back: grey paper with grain and a light gradient, the ink as pencil.

The production-like suites publish clean digital line art (RGBA on transparency, or RGB on white). Scans of drawn
paper differ: the paper is grey (a dim scan, yellowed paper), grainy and unevenly lit, and the lines are a lighter,
grainy pencil. ``as_scan`` turns a published frame into such a scan, keeping each line's own color (a colored trace
line is a colored pencil), so a benchmark can ask whether the drawing still reads the same (``benchmarks/scans.py``).
``with_main_ink`` redraws a frame's black lines in another ink, ``faded`` lowers the opacity of its whole line layer,
``pale_trace_lines`` draws its trace lines (``trace_line_pixels``) in pastel, ``blurred_on_white`` flattens it on
white paper blurred as a scan blurs, and ``as_jpeg`` saves it as a JPEG exporter does (``benchmarks/line_inks.py``).
"""

from __future__ import annotations

import cv2
import numpy as np

from paintmatch.segment import _is_transparent_art

__all__ = [
    "as_scan", "as_jpeg", "ink_and_color", "with_main_ink", "blurred_on_white", "faded", "pale_trace_lines",
    "trace_line_pixels",
]

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
    ink, color = ink_and_color(rgba)
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


def ink_and_color(line: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """How much ink covers each pixel of ``line`` (H, W, 4) uint8 and of what color: (H, W) float32 in [0, 1] and
    (H, W, 3) float32 RGB (0 where no ink).

    On transparency (as ``line_mask`` tells it) alpha is the ink. On white, a pixel ``a * color + (1 - a) * 255`` has its
    darkest channel at least ``255 * (1 - a)`` under white: its coverage is read there and the color unmixed from the
    white (an antialiased grey edge pixel of a black line is black ink at partial coverage; pink is red at a third).

    Examples
    --------
    >>> art = np.full((1, 2, 4), 255, np.uint8); art[0, 0, :3] = 128  # a grey edge pixel of a black line, on white
    >>> cover, color = ink_and_color(art)
    >>> round(float(cover[0, 0]), 2), color[0, 0].round().tolist(), float(cover[0, 1])
    (0.5, [0.0, 0.0, 0.0], 0.0)
    """
    color = line[..., :3].astype(np.float32)
    if _is_transparent_art(line[..., 3]):
        return line[..., 3].astype(np.float32) / 255.0, color
    cover = 1.0 - color.min(axis=2) / 255.0
    unmixed = (color - 255.0 * (1.0 - cover[..., None])) / np.maximum(cover[..., None], 0.05)
    return cover, np.where(cover[..., None] > 0.05, unmixed, 0.0).astype(np.float32)


def with_main_ink(line: np.ndarray, ink: tuple[int, int, int]) -> np.ndarray:
    """``line`` (H, W, 4) uint8 with its black and grey lines (ink whose every channel is under 60,
    ``ink_and_color``) drawn in ``ink`` (RGB) at the coverage they had, the trace lines kept: on transparency the
    antialiasing stays in alpha; on white a black line's grey edge turns into a blend of ``ink`` and white, as the
    line would have been drawn in that ink (not a dark rim around a light core).

    Examples
    --------
    >>> art = np.zeros((2, 2, 4), np.uint8); art[0, 0] = (0, 0, 0, 255); art[0, 1] = (255, 0, 0, 255)
    >>> with_main_ink(art, (90, 45, 30))[0].tolist()
    [[90, 45, 30, 255], [255, 0, 0, 255]]
    >>> on_white = np.full((1, 2, 4), 255, np.uint8); on_white[0, 0, :3] = 0; on_white[0, 1, :3] = 128
    >>> with_main_ink(on_white, (170, 170, 170))[0, :, :3].tolist()  # the edge: half of 170, half of white
    [[170, 170, 170], [213, 213, 213]]
    """
    cover, color = ink_and_color(line)
    main = (line[..., 3] > 0) & (cover > 0) & (color.max(axis=-1) < 60)
    out = line.copy()
    if _is_transparent_art(line[..., 3]):
        out[main, :3] = ink
    else:
        redrawn = cover[..., None] * np.asarray(ink, np.float32) + (1.0 - cover[..., None]) * 255.0
        out[main, :3] = np.clip(np.round(redrawn[main]), 0, 255).astype(np.uint8)
    return out


def blurred_on_white(line: np.ndarray, sigma: float) -> np.ndarray:
    """``line`` (H, W, 4) uint8 flattened on white (by its alpha) and blurred by a Gaussian of ``sigma`` px, as a scan
    blurs its lines (``sigma`` 0: not blurred): opaque RGBA. A 2-3 px line becomes a core in its ink and a ring of pale,
    unsaturated pixels.

    Examples
    --------
    >>> art = np.zeros((5, 5, 4), np.uint8); art[2, :] = (0, 0, 0, 255)
    >>> out = blurred_on_white(art, 1.0)
    >>> int(out[0, 2, 0]) > int(out[1, 2, 0]) > int(out[2, 2, 0]), bool((out[..., 3] == 255).all())
    (True, True)
    """
    alpha = line[..., 3:4] / 255.0
    rgb = (line[..., :3] * alpha + 255 * (1 - alpha)).astype(np.float32)
    if sigma > 0:
        rgb = cv2.GaussianBlur(rgb, (0, 0), sigma)
    out = np.empty(line.shape, np.uint8)
    out[..., :3] = np.clip(rgb + 0.5, 0, 255)
    out[..., 3] = 255
    return out


def as_jpeg(line: np.ndarray, quality: int) -> np.ndarray:
    """``line`` (H, W, 4) uint8, opaque, as a JPEG exporter leaves it: saved by OpenCV at ``quality`` (its color at half
    resolution, 4:2:0, as most exporters keep it) and decoded; opaque RGBA. Around each line the paper rings, and a
    grey line beside a trace line takes some of its color. (``paintmatch.io`` reads a JPEG file through ``clean_jpeg``,
    which makes near-white paper white again: apply it to read as paintmatch reads such a file.)

    Examples
    --------
    >>> art = np.full((16, 16, 4), 255, np.uint8); art[:, 6:9, :3] = 175; art[:, 9:12, :3] = (0, 0, 255)
    >>> out = as_jpeg(art, 85)
    >>> int(np.ptp(out[8, 8, :3].astype(int))) > 10, bool((out[..., 3] == 255).all())  # the grey beside blue, tinted
    (True, True)
    """
    bgr = cv2.cvtColor(np.ascontiguousarray(line[..., :3]), cv2.COLOR_RGB2BGR)
    _, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
    out = np.full(line.shape, 255, np.uint8)
    out[..., :3] = cv2.cvtColor(cv2.imdecode(data, cv2.IMREAD_COLOR), cv2.COLOR_BGR2RGB)
    return out


def faded(line: np.ndarray, opacity: float) -> np.ndarray:
    """``line`` (H, W, 4) uint8 as a line layer at ``opacity``: its alpha scaled (flattened on white by
    ``blurred_on_white``, black turns grey and a red trace line pink: (255, 166, 166) at 0.35).

    Examples
    --------
    >>> art = np.zeros((1, 2, 4), np.uint8); art[0, 0] = (255, 0, 0, 255)
    >>> blurred_on_white(faded(art, 0.35), 0)[0, :, :3].tolist()
    [[255, 166, 166], [255, 255, 255]]
    """
    out = line.copy()
    out[..., 3] = np.round(line[..., 3] * float(opacity)).astype(np.uint8)
    return out


def pale_trace_lines(line: np.ndarray, share: float) -> np.ndarray:
    """``line`` (H, W, 4) uint8 with its colored line pixels (``trace_line_pixels``) drawn in a pastel of their color,
    ``share`` of it and the rest white, at their own alpha: a trace layer drawn with a pale pen (pink, light blue), not
    faded (``faded`` lowers alpha instead).

    Examples
    --------
    >>> art = np.zeros((1, 2, 4), np.uint8); art[0, 0] = (255, 0, 0, 255); art[0, 1] = (0, 0, 0, 255)
    >>> pale_trace_lines(art, 0.35)[0].tolist()
    [[255, 166, 166, 255], [0, 0, 0, 255]]
    """
    out = line.copy()
    colored = trace_line_pixels(line)
    out[colored, :3] = np.round(line[colored, :3] * float(share) + 255.0 * (1.0 - float(share))).astype(np.uint8)
    return out


def trace_line_pixels(line: np.ndarray) -> np.ndarray:
    """(H, W) bool: the colored line pixels of ``line`` (H, W, 4) uint8, not transparent and with channels over 60
    levels apart (the suites' red, green and blue trace lines; black and grey lines are not).

    Examples
    --------
    >>> art = np.zeros((1, 3, 4), np.uint8); art[0, 0] = (255, 0, 0, 255); art[0, 1] = (90, 90, 90, 255)
    >>> trace_line_pixels(art).tolist()
    [[True, False, False]]
    """
    return (line[..., 3] > 0) & (np.ptp(line[..., :3].astype(np.int16), axis=2) > 60)
