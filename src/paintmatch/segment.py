"""Segment line art into components: the regions enclosed by lines.

A pixel is line if it is opaque ink: alpha >= 128 on transparent art, dark or saturated on art
drawn on white. Colored trace lines (red / green / blue / other saturated hue: the boundaries of
shadow and highlight regions) are lines for segmentation and remembered by class. Components are
the 4-connected non-line regions. Everything is vectorised (OpenCV / NumPy / scikit-image).
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

import cv2
import numpy as np

from paintmatch.background import in_background
from paintmatch.errors import InputError

__all__ = [
    "LineClass",
    "Segmentation",
    "line_mask",
    "classify_lines",
    "segment",
    "CLOSE_GAPS_MODES",
    "close_gaps",
    "endpoint_closures",
    "narrow_cut_closures",
    "draw_closures",
    "reference_palette",
    "split_by_paint",
    "paint_off_lines",
    "reference_colors",
    "expand_to_lines",
    "gap_preview",
]


class LineClass:
    """Values of ``Segmentation.line_class`` (uint8)."""

    NONE = 0  #: not a line pixel
    MAIN = 1  #: black / grey ink: main outlines
    RED = 2  #: red trace line (usually highlight boundaries)
    GREEN = 3  #: green trace line
    BLUE = 4  #: blue trace line (usually shadow boundaries)
    OTHER = 5  #: another saturated hue
    CLOSURE = 6  #: a gap closed by ``segment`` (automatic or by hand; not drawn by the artist)

    TRACE = (RED, GREEN, BLUE, OTHER)
    NAMES = {0: "none", 1: "main", 2: "red", 3: "green", 4: "blue", 5: "other", 6: "closure"}


@dataclass
class Segmentation:
    """Components of one line-art frame.

    Attributes
    ----------
    labels : (H, W) ndarray of int32
        Component id per pixel, ``0 .. n-1``; ``-1`` on line pixels.
    line_class : (H, W) ndarray of uint8
        ``LineClass`` value per pixel (``NONE`` where not a line).
    areas : (n,) ndarray of int64
        Pixel count per component.
    centroids : (n, 2) ndarray of float64
        Centre (x, y) per component, in pixels.
    bboxes : (n, 4) ndarray of int32
        Bounding box (x, y, width, height) per component.
    adjacency : (m, 2) ndarray of int32
        Pairs ``(a, b)`` with ``a < b`` of components that touch across a line (or directly).
    trace_sides : (n,) ndarray of uint8
        Bit set of the trace-line classes bordering each component (bit ``c`` for ``LineClass`` c).
    transparent : bool
        True if the art has a transparent background (alpha decides what is ink).
    closure_segments : (k, 4) ndarray of int32
        The closing strokes ``(x0, y0, x1, y1)`` drawn across line gaps (automatic ``"auto"``
        closures that were not removed, then the hand-drawn ones), as ``segment`` drew them. Plain
        data for sidecars and the review page; trapped-ball closures are pixels only
        (``closures``).
    """

    labels: np.ndarray
    line_class: np.ndarray
    areas: np.ndarray
    centroids: np.ndarray
    bboxes: np.ndarray
    adjacency: np.ndarray
    trace_sides: np.ndarray
    transparent: bool
    closure_segments: np.ndarray = field(default_factory=lambda: np.zeros((0, 4), np.int32), repr=False)
    _expanded: np.ndarray | None = field(default=None, repr=False)
    _trace_pairs: dict[int, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        """Number of components."""
        return int(self.areas.shape[0])

    @property
    def shape(self) -> tuple[int, int]:
        """(H, W) of the frame."""
        return self.labels.shape  # type: ignore[return-value]

    @property
    def line(self) -> np.ndarray:
        """(H, W) bool: line pixels."""
        return self.labels < 0

    @property
    def closures(self) -> np.ndarray:
        """(H, W) bool: gap-closing pixels (line for the components, never painted as line)."""
        return self.line_class == LineClass.CLOSURE

    def neighbours(self) -> list[np.ndarray]:
        """List of length n: the ids of each component's neighbours (int32 arrays)."""
        result: list[list[int]] = [[] for _ in range(self.n)]
        for a, b in self.adjacency:
            result[a].append(int(b))
            result[b].append(int(a))
        return [np.asarray(r, dtype=np.int32) for r in result]

    def expanded_labels(self) -> np.ndarray:
        """(H, W) int32: every pixel, line pixels included, labelled with its nearest component."""
        if self._expanded is None:
            self._expanded = expand_to_lines(self.labels)
        return self._expanded

    def trace_pairs(self, junction_radius: int = 0) -> np.ndarray:
        """(m, 4) int64 rows ``(a, b, line_class, length)``: components ``a < b`` that face each other across a trace
        line of that ``LineClass``, and the length in px of the seam between them inside the line (where the line's
        pixels pass from nearest-to-a to nearest-to-b). ``junction_radius``: trace pixels within that many px
        (a square) of a main line are left out; where a trace line meets or crosses an outline, the components
        across the outline are nearest to its pixels and seem to meet it. Computed once per radius."""
        if junction_radius not in self._trace_pairs:
            line_class = self.line_class
            if junction_radius > 0:
                size = 2 * junction_radius + 1
                near = cv2.dilate((line_class == LineClass.MAIN).view(np.uint8), np.ones((size, size), np.uint8)) > 0
                line_class = np.where(near, LineClass.NONE, line_class).astype(np.uint8)
            self._trace_pairs[junction_radius] = _trace_pairs(self.expanded_labels(), line_class)
        return self._trace_pairs[junction_radius]


#: A vivid trace line (pure red on white) is ink where it covers this share of a pixel (its HSV saturation).
COLORED_INK_SATURATION = 0.35
#: The same as an HSV saturation level (of 255): 90.
VIVID_INK_LEVEL = int(np.ceil(COLORED_INK_SATURATION * 255))


def _is_transparent_art(alpha: np.ndarray) -> bool:
    """True when at least 1% of pixels are clearly transparent (``alpha`` < 128)."""
    return bool(np.count_nonzero(alpha < 128) >= 0.01 * alpha.size)


def line_mask(
    rgba: np.ndarray,
    *,
    dark_threshold: int = 160,
    saturation_threshold: float = COLORED_INK_SATURATION,
) -> tuple[np.ndarray, bool]:
    """Find the ink pixels of a line-art frame.

    Parameters
    ----------
    rgba : (H, W, 4) ndarray of uint8
        Line art in RGBA (``paintmatch.io.read_image`` always returns this).
    dark_threshold : int, optional
        On art drawn on white, pixels with luminance below this are ink. Antialiased edges
        darker than half-way count as ink. On grey paper (a dim scan) the same share of ink is
        measured between the paper's grey and the ink's (``ink_threshold``). In a light ink the holes its grain
        leaves in the lines of a scan, or JPEG's ringing, are ink too (``_filled_noise_holes``).
    saturation_threshold : float, optional
        On art drawn on white, pixels with HSV saturation above this are ink (colored trace lines); lower where the
        frame's most saturated ink is paler than this (``colored_ink_threshold``).

    Returns
    -------
    mask : (H, W) ndarray of bool
        True on line pixels.
    transparent : bool
        Whether the art has a transparent background (alpha decided).
    """
    _check_rgba(rgba, "rgba")
    # One contiguous copy of the alpha channel: comparing the strided view twice costs twice as much.
    alpha = cv2.extractChannel(rgba, 3) if rgba.flags.c_contiguous else np.ascontiguousarray(rgba[..., 3])
    if _is_transparent_art(alpha):
        return alpha >= ink_alpha_threshold(alpha), True
    rgb = rgba[..., :3]
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV)
    vivid = colored_ink_threshold(rgb, saturation_threshold)
    saturated = (hsv[..., 1] >= vivid) & (hsv[..., 2] >= 60)
    value = cv2.extractChannel(hsv, 2)
    threshold = ink_threshold(gray, dark_threshold, value=value)
    # Light ink (a threshold over black ink's) is read in each pixel's brightest channel, where its darkness was read:
    # a red trace line, dark in grey (76), is ink there by its saturation alone, as beside black lines. Read in grey,
    # its edges were ink from 22% coverage (against 35%) and fattened lines ate thin regions beside them.
    light = threshold > dark_threshold
    if not light:
        ink = (unblurred(gray) < threshold) | saturated
    else:
        reading = unblurred(value)
        saturation = cv2.extractChannel(hsv, 1)
        lifted = _trace_lifted_threshold(reading, saturation, threshold, vivid, paper_level(value))
        ink = (reading < lifted) | saturated
    return (_filled_noise_holes(ink) if light and _is_noisy(gray, ink) else ink), False


#: How far toward the paper a light ink's threshold rises in a pixel as saturated as a trace line (less, in
#: proportion, in a paler one): all the way, so a pixel's shares of the two inks add up (1); 0 reads each ink alone.
#: Production-like dev, 1 drawing a cut (`make bench-inks`, `make bench-scans`), 0 -> 1: light grey 175 lines as a
#: JPEG file 0.8977 -> 0.9136, as JPEG re-saved as PNG 0.9092 -> 0.9358; a light grey 170 pencil scan 0.9365 -> 0.9388.
JUNCTION_LIFT = 1.0


def _trace_lifted_threshold(value: np.ndarray, saturation: np.ndarray, threshold: int, vivid: float,
                            paper: int) -> np.ndarray:
    """(H, W) float32: the brightest-channel level under which a pixel of a light ink is ink, lifted toward the paper
    by the share of a trace line's saturation the pixel has over the main ink's own.

    A pixel where a light main line meets a trace line is part of each: its brightest channel is over ``threshold``
    (the trace color adds to it) and its saturation under ``vivid`` (the grey dilutes it), so neither reading alone
    calls it ink; each is a share of its own threshold, and together they make it ink when they add up to one. JPEG
    makes many such pixels (its color, kept at half resolution, tints the grey beside a trace line) and so does a
    scan's blur. A pixel no more saturated than the main ink's median (grey, a brown line's blend with the paper) and
    a trace line's edge on paper (the paper's brightness) read as before.

    ``value``: (H, W) uint8 or float32, each pixel's brightest channel as the ink is read (``unblurred``);
    ``saturation``: (H, W) uint8, HSV's (contiguous); ``threshold``: the light ink's (``ink_threshold``); ``vivid``: a trace line's
    saturation (``colored_ink_threshold``); ``paper``: the paper's level in the brightest channel (``paper_level``).
    """
    main = (value < threshold).view(np.uint8)
    own = max(_median_level(cv2.calcHist([saturation], [0], main, [256], [0, 256]).ravel()),
              _median_level(cv2.calcHist([saturation], [0], None, [256], [0, 256]).ravel()))
    levels = np.arange(256, dtype=np.float32)  # the lifted threshold of each saturation, looked up per pixel
    trace_share = np.clip((levels - own) / max(vivid - own, 1.0), 0.0, 1.0)
    table = (threshold + JUNCTION_LIFT * (paper - threshold) * trace_share).astype(np.float32)
    return cv2.LUT(saturation, table)


def _median_level(histogram: np.ndarray) -> int:
    """The median level of a (256,) histogram (0 if it is empty): half its pixels lie at or under it."""
    counts = np.cumsum(histogram)
    return int(np.searchsorted(counts, 0.5 * counts[-1], side="left")) if counts[-1] > 0 else 0


#: Holes of paper this small (px, 4-connected) in a light ink's lines on noisy paper are its noise, filled as ink.
#: Production-like dev from one drawing a cut (a /tmp sweep over ``benchmarks/scans.py``'s cuts and scorer), holes up
#: to 0 / 1 / 3 / 8 px filled: a light grey 170 pencil scanned on paper at 230 0.9199 / 0.9307 / 0.9352 / 0.9360, a
#: grey 150 one 0.9296 / - / 0.9378 / 0.9356, a medium brown one 0.9376 / - / 0.9371 / 0.9330.
NOISE_HOLE_AREA = 3


#: Paper is noisy where more than this share of its pixels 3-8 px from the ink are darker than all 8 of their
#: neighbours (a pit): flat digital paper, blurred or resized lines 0-0.0008 (production-like dev frames in light grey
#: on white, faded, blurred in brown or grey, resized by cubic or Lanczos interpolation); a scan's grain 0.028-0.029
#: (``paintmatch.synth.as_scan``), JPEG's ringing around the lines 0.024-0.028 (quality 95 / 85 / 70), once
#: ``paintmatch.io.clean_jpeg`` has made near-white paper white 0.0001-0.0002 (a JPEG file as paintmatch reads it).
NOISY_PAPER_PITS = 0.01


def _is_noisy(gray: np.ndarray, ink: np.ndarray) -> bool:
    """Whether the paper of ``gray`` (H, W uint8) near ``ink`` (H, W bool) carries noise: a scan's grain, or the
    ringing JPEG leaves around lines (flat paper away from them). A blur's or a resize's tails fall smoothly to the
    paper and leave no pit."""
    near = (cv2.dilate(ink.view(np.uint8), np.ones((17, 17), np.uint8)) > 0) & (
        cv2.dilate(ink.view(np.uint8), np.ones((5, 5), np.uint8)) == 0)  # 3-8 px from the ink (a square's reach)
    if not near.any():
        return False
    neighbours = np.ones((3, 3), np.uint8)
    neighbours[1, 1] = 0
    pits = gray < cv2.erode(gray, neighbours)
    return np.count_nonzero(pits & near) > NOISY_PAPER_PITS * np.count_nonzero(near)


def _filled_noise_holes(ink: np.ndarray) -> np.ndarray:
    """(H, W) bool ``ink`` with its enclosed paper pieces of at most ``NOISE_HOLE_AREA`` px made ink.

    A light ink is read near its own level (``LIGHT_INK_COVERAGE``), where a pencil's grain, or JPEG's ringing, lifts
    single pixels of a line over the threshold, and its colored trace lines by their saturation alone, as noisy: a
    production-like frame scanned in a light grey pencil came apart into 316 components, 202 of them specks of 1-3 px
    (133 and 22 in black pencil), and matching such a cut took twice as long. Dark ink is read far under its own level
    and left as it is, and so is light ink on clean paper (``_is_noisy``: a line layer at low opacity, light lines drawn
    digitally, blurred or not): both hold real 1-3 px regions (slivers between lines, notches in antialiased edges;
    laughing_girl in light grey on white 49 of its 151, and production-like dev in medium brown blurred on white scored
    0.9341 as it is, 0.9297 filled).
    """
    holes = small_holes(ink, NOISE_HOLE_AREA)
    return ink if holes is None else ink | holes


def small_holes(solid: np.ndarray, max_area: int) -> np.ndarray | None:
    """(H, W) bool: the 4-connected pieces of ``~solid`` ((H, W) bool) of at most ``max_area`` px; None if none.

    Noise holes in a scan's or a JPEG's lines (``_filled_noise_holes``), pockets where a generated frame's lines meet
    (``paintmatch.synth``).
    """
    count, pieces, stats, _ = cv2.connectedComponentsWithStats((~solid).view(np.uint8), connectivity=4)
    small = stats[:, cv2.CC_STAT_AREA] <= max_area
    small[0] = False  # label 0: ``solid`` itself
    if count <= 1 or not small.any():
        return None
    return small[pieces]


#: On transparent line art, alpha this faint is neither ink nor the ink's opacity: a paper texture or noise layer.
FAINT_ALPHA = 16


def ink_alpha_threshold(alpha: np.ndarray) -> int:
    """The opacity from which a pixel of transparent line art is ink: half the ink's own opacity, at most 128.

    The ink's opacity is the 99th percentile of the frame's alpha over ``FAINT_ALPHA``: 255 for line art drawn at full
    opacity, antialiased or not, which reads as before (alpha 128 and up is ink); lines exported from a layer at 50%
    opacity (alpha 127) or drawn with a light pencil read by the same share of their own opacity instead of not at
    all (laughing_girl's lines at 70 / 50 / 35 / 20% opacity: the same 156 regions as at full opacity; with 128 fixed,
    "no lines" from 50% down).

    Parameters
    ----------
    alpha : (H, W) ndarray of uint8
        The frame's alpha channel.
    """
    counts = cv2.calcHist([alpha], [0], None, [256], [0, 256]).ravel()[FAINT_ALPHA:]  # one histogram, 1 ms at 1600 px
    total = int(counts.sum())
    if total == 0:
        return 128
    level = FAINT_ALPHA + int(np.searchsorted(np.cumsum(counts), 0.99 * total))
    return int(min(128, -(-level // 2)))


#: Ink is at least this many levels darker than the paper, whatever its own grey; on white, where a frame's lines cover
#: under 1% and its darkest 1% is paper, it is the whole threshold. A scan's 20-level gradient puts its darkest corner
#: about 8 under its most common grey: 20 clears that and the grain (3 sigma of 1.8 levels after the scan's blur).
#: ``make bench-scans``' rows, production-like dev, at 12 / 20 / 28: grey 150 pencil 0.9296 at each, light grey 170
#: pencil 0.9199 / 0.9199 / 0.9074, black pencil on paper at 150 0.9386 at each; at the old 40 a light grey pencil had
#: half its lines' core read as paper (0.523 of a dev frame's, 0.992 at 20). laughing_girl's truth regions over 10 px
#: found whole (80% of the region in one of ours, 80% of ours in it), 40 -> 20: in grey 150 / 175 pencil scanned on
#: paper at 230 10 -> 86 / 7 -> 25 of 100, at 255 58 -> 61 / 16 -> 59; flattened on white and blurred by 1.1 px
#: 64 -> 60 / 41 -> 59, by 0.7 px 95 -> 95 / 92 -> 95; smoke_explosion blurred on white alike at both. Taking the
#: gradient out first (a quadratic lighting fitted to the paper) read the same dev frame's core alike (0.993): not done.
PAPER_MARGIN = 20
#: The paper is looked for among levels this bright or brighter: a frame half covered by a black fill still finds
#: its paper, not its fill.
PAPER_SEARCH_FROM = 96
#: The ink's grey is the darkest this share of the frame (a frame's lines cover more than 1%).
INK_PERCENTILE = 0.01


#: The share of its own darkness that makes a pixel of a light ink ink (a frame whose darkest ink, of any hue, is
#: lighter than ``dark_threshold``): half, the antialiasing midpoint (laughing_girl's main lines in grey 160-210 on
#: white: 151 regions as in black, against 9 before; `make bench-inks`, production-like dev in grey 175: 0.9371 against
#: 0.0575 by black ink's threshold; every line at 35% opacity, its pale trace lines read by the same share of their
#: saturation (``colored_ink_threshold``): 0.9399 against 0.4749).
LIGHT_INK_COVERAGE = 0.5


def ink_threshold(gray: np.ndarray, dark_threshold: int = 160, *, value: np.ndarray | None = None) -> int:
    """The grey under which a pixel of an opaque line-art frame is ink.

    On white paper with black ink, ``dark_threshold``: a pixel is ink where ink covers at least
    ``(255 - dark_threshold) / 255`` of it (37% at 160). A scan's paper is grey and its pencil lighter than black: the
    same coverage is then measured between the frame's paper (``paper_level``) and its ink (the darkest
    ``INK_PERCENTILE`` of the frame), and kept ``PAPER_MARGIN`` levels under the paper; never above ``dark_threshold``
    (a mid-dark ink read by 37% of its own darkness fattens its lines: session 53, brown scans 0.9333 -> 0.9287).
    A light ink is one whose darkest pixels are fewer levels under the paper than ``dark_threshold`` is under white
    (95 at 160): a line layer at low opacity flattened on white, a light pencil (grey 150 scanned on paper at 230 reads
    about 158 on paper at 216). Its lines are read by ``LIGHT_INK_COVERAGE`` of their darkness instead of not at all.
    Its darkest ink is read from ``value``, each pixel's brightest channel, where given: a red or blue trace line is
    dark in grey (76 for pure red) but bright in its own hue, and a frame of light grey main lines and red trace lines
    has light ink. On white paper that is a darkest ink lighter than ``dark_threshold``, as it always was; measured
    against white on a grey scan, a grey 150 pencil was taken for dark ink, read under 160, and half its lines' core
    lost (0.542 of a production-like dev frame's core read; 0.998 now).

    Measured (``make bench-scans``, production-like dev as pencil scans, the ink at about 39): with paper at 200 a
    margin of 20 / 40 / 60 scored 0.9187 / 0.9319 / 0.9416, with paper at 150 margin 40 / 60 / 80 0.9390 / 0.9332 /
    0.9254: the threshold that serves both follows the paper's and the ink's greys (margins of about 60 and 41 here),
    which the coverage reading gives.

    Parameters
    ----------
    gray : (H, W) ndarray of uint8
    dark_threshold : int, optional
    value : (H, W) ndarray of uint8, optional
        Each pixel's brightest channel (HSV's value); without it, the darkest ink is read from ``gray``.

    Examples
    --------
    >>> white = np.full((10, 10), 255, np.uint8); white[4:6] = 0  # black ink on white: the fixed threshold
    >>> ink_threshold(white)
    160
    >>> scan = np.full((10, 10), 200, np.uint8); scan[4:6] = 40  # pencil at 40 on paper at 200
    >>> ink_threshold(scan)  # 200 - 0.37 * (200 - 40)
    140
    >>> light = np.full((10, 10), 255, np.uint8); light[4:6] = 175  # light grey lines on white: half their darkness
    >>> ink_threshold(light)  # 255 - max(20, 0.5 * (255 - 175))
    215
    >>> pencil = np.full((10, 10), 216, np.uint8); pencil[4:6] = 158  # a grey pencil scanned: 58 under its paper
    >>> ink_threshold(pencil)  # light ink too: 216 - max(20, 0.5 * (216 - 158))
    187
    """
    paper, ink = paper_and_ink_levels(gray)
    coverage = (255 - dark_threshold) / 255
    threshold = min(dark_threshold, paper - max(PAPER_MARGIN, coverage * (paper - ink)))
    darkest = ink if value is None else _darkest_level(cv2.calcHist([value], [0], None, [256], [0, 256]).ravel())
    if paper - darkest > 255 - dark_threshold:
        return int(threshold)
    return int(max(threshold, paper - max(PAPER_MARGIN, LIGHT_INK_COVERAGE * (paper - darkest))))


#: The most saturated ink is the most saturated this share of the frame: colored trace lines, where a frame has any,
#: cover more than this (production-like frames 3-10%; a 2 px line 500 px long covers 0.1% of a 1024 px frame).
COLORED_INK_SHARE = 0.001
#: Colored ink is at least this many saturation levels (of 255) over the paper's: grey paper's grain and a scanner's
#: channel noise stay far under it (``as_scan``'s paper reads about 10).
SATURATION_MARGIN = 40
#: Trace lines are a minority of a frame's ink: at most 34% of the line pixels of the production-like and first 200
#: synthetic suite frames (median 27%); pale colored ink over this share is the frame's main line.
TRACE_INK_MAX_SHARE = 0.5


def colored_ink_threshold(rgb: np.ndarray, saturation: float = COLORED_INK_SATURATION) -> int:
    """The HSV saturation (levels, 0-255) from which a bright pixel of an opaque frame is colored ink (a trace line).

    A vivid trace line on white (pure red: saturation 255) is ink where it covers ``saturation`` of a pixel (35%:
    level 90), as ever. A frame whose most saturated ink (the most saturated ``COLORED_INK_SHARE`` of it) is paler
    than that (a line layer at low opacity flattened on white, a light colored pencil: red at 35% opacity is
    (255, 166, 166), saturation 89) reads it as ``ink_threshold`` reads light grey lines: ``LIGHT_INK_COVERAGE`` of its
    saturation over the paper's, and at least ``SATURATION_MARGIN`` over the paper's (the median saturation). Read on
    every fourth row and column (1 ms at 1600 px).

    Parameters
    ----------
    rgb : (H, W, 3) ndarray of uint8
    saturation : float, optional
        The share of a vivid color that makes a pixel ink.

    Examples
    --------
    >>> art = np.full((40, 40, 3), 255, np.uint8); art[16:24] = (255, 0, 0)  # red trace lines on white
    >>> colored_ink_threshold(art)
    90
    >>> art[16:24] = (255, 166, 166)  # the same lines at 35% opacity: half their saturation
    >>> colored_ink_threshold(art)
    44
    """
    vivid = int(np.ceil(saturation * 255))
    hsv = cv2.cvtColor(np.ascontiguousarray(rgb[::4, ::4]), cv2.COLOR_RGB2HSV)
    bright = (hsv[..., 2] >= 60).view(np.uint8)
    return _pale_ink_level(cv2.calcHist([hsv], [1], bright, [256], [0, 256]).ravel(), vivid)


def _pale_ink_level(histogram: np.ndarray, vivid: int, paper: int | None = None) -> int:
    """``colored_ink_threshold``'s rule on a (256,) histogram of bright pixels' saturations: ``vivid`` where the most
    saturated ``COLORED_INK_SHARE`` of them reach it, else ``LIGHT_INK_COVERAGE`` of that ink's saturation over the
    ``paper``'s (None: the histogram's median) and at least ``SATURATION_MARGIN`` over it."""
    counts = np.cumsum(histogram)
    if counts[-1] == 0:
        return vivid
    most = int(np.searchsorted(counts, (1 - COLORED_INK_SHARE) * counts[-1], side="left"))
    if most >= vivid:
        return vivid
    if paper is None:
        paper = _median_level(histogram)
    return min(vivid, paper + max(SATURATION_MARGIN, int(LIGHT_INK_COVERAGE * (most - paper))))


def transparent_ink_level(saturation: np.ndarray) -> int:
    """The HSV saturation (levels, 0-255) from which a bright line pixel of transparent line art is colored ink:
    ``colored_ink_threshold``'s rule over ``saturation``, the (k,) uint8 saturations of its bright line pixels, with the
    paper at 0 (transparent art has none: a pixel's color is its ink's own, its coverage in alpha).

    Examples
    --------
    >>> transparent_ink_level(np.array([0] * 900 + [255] * 100, np.uint8))  # vivid red trace lines beside black
    90
    >>> transparent_ink_level(np.array([0] * 900 + [89] * 100, np.uint8))  # the same lines in pastel
    44
    """
    return _pale_ink_level(np.bincount(saturation, minlength=256), VIVID_INK_LEVEL, paper=0)


def paper_and_ink_levels(gray: np.ndarray) -> tuple[int, int]:
    """(paper, ink): the paper's grey (``paper_level``) and the ink's (the darkest ``INK_PERCENTILE`` of the frame)."""
    histogram = cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel()
    return paper_level(gray, histogram), _darkest_level(histogram)


def _darkest_level(histogram: np.ndarray) -> int:
    """The level under which the darkest ``INK_PERCENTILE`` of a (256,) histogram's pixels lie."""
    return int(np.searchsorted(np.cumsum(histogram), INK_PERCENTILE * histogram.sum(), side="right"))


#: The edge width (px, as Gaussian sigma) that ``scan_blur`` measures on sharp antialiased digital art: 0.76-0.79 on
#: every opaque line frame of the suites (128), 0.71 on laughing_girl; a scan's blur adds to it in quadrature.
SHARP_EDGE_WIDTH = 0.77
#: A scan blurred by at least this (px) is unblurred before its ink is read: production-like dev frames flattened on
#: white and blurred by sigma 1 read 0.96 (the ink then fills the 1-2 px of paper between close lines: 72 of 4,811
#: truth regions of 36 frames eaten); every opaque line frame of the suites reads at most 0.16, and
#: ``paintmatch.synth.as_scan``'s pencil scans of the dev cuts on each of ``make bench-scans``' papers at most 0.72
#: (they lose no region), so both are read as before.
UNBLUR_FROM = 0.8
#: How much of the blur unsharp masking takes back: on the grey levels alone 1 left 13 of those 72 regions eaten, 2
#: left 1 (10 with the trace lines' saturated pixels); acc_thres at 1 px, 1 drawing a cut: 2 / 3 / 4 / 6 0.9358 /
#: 0.9368 / 0.9370 / 0.9362, but 4 cost brown and navy scans 0.15 (0.9351 / 0.9357 against 0.9366 / 0.9370): flat.
UNBLUR_AMOUNT = 2.0


def scan_blur(gray: np.ndarray) -> float:
    """The Gaussian blur (sigma, px) a scan added to the frame's lines; about 0 for sharp art.

    A step edge of contrast C blurred by sigma is at most C / (sigma * sqrt(2 pi)) steep: the edge width is the
    frame's paper-to-ink contrast over its steepest edges' gradient (the 95th percentile of the Sobel gradient where
    it exceeds a tenth of the contrast), less ``SHARP_EDGE_WIDTH`` in quadrature. Production-like dev frames blurred
    by 0.7 / 1 / 1.5 / 2 px read 0.7 / 0.96 / 1.33 / 1.72. Lines thinner than the blur are read low (their blurred
    cores are paler than the contrast): laughing_girl (1600 px, 1-2 px lines) blurred by 1 px reads 0.4. 8 ms at
    1600 px, on opaque frames only.

    Parameters
    ----------
    gray : (H, W) ndarray of uint8
        An opaque line-art frame's grey levels.
    """
    paper, ink = paper_and_ink_levels(gray)
    contrast = paper - ink
    if contrast < PAPER_MARGIN:
        return 0.0
    gx = cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3, scale=1 / 8)
    gy = cv2.Sobel(gray, cv2.CV_32F, 0, 1, ksize=3, scale=1 / 8)
    steep = cv2.magnitude(gx, gy)
    steep = steep[steep > 0.1 * contrast]
    if steep.size < 100:
        return 0.0
    k = int(0.95 * (steep.size - 1))
    width = contrast / (np.sqrt(2 * np.pi) * float(np.partition(steep, k)[k]))
    return float(np.sqrt(max(0.0, width**2 - SHARP_EDGE_WIDTH**2)))


def unblurred(gray: np.ndarray) -> np.ndarray:
    """``gray`` with a scan's blur taken back (unsharp masking by ``scan_blur``), or ``gray`` itself for sharp art.

    Blurred, two lines 1-2 px apart darken the paper between them past the ink threshold and the thin region there is
    lost under ink; unsharp masking restores the dip. Sharp art is left as it is (it would gain specks at every
    antialiased edge). Returns (H, W) uint8 or float32.
    """
    blur = scan_blur(gray)
    if blur < UNBLUR_FROM:
        return gray
    level = gray.astype(np.float32)
    return level + UNBLUR_AMOUNT * (level - cv2.GaussianBlur(level, (0, 0), blur))


def paper_level(gray: np.ndarray, histogram: np.ndarray | None = None) -> int:
    """The paper's grey level of an opaque line-art frame: the most common level from ``PAPER_SEARCH_FROM`` up.

    Parameters
    ----------
    gray : (H, W) ndarray of uint8
    histogram : (256,) ndarray, optional
        ``gray``'s histogram, if computed already.

    Returns
    -------
    int
        255 for digital art on white (and for a frame with no pixel that bright).

    Examples
    --------
    >>> gray = np.full((10, 10), 180, np.uint8)
    >>> gray[:6] = 0  # a black fill over most of the frame
    >>> paper_level(gray)
    180
    """
    if histogram is None:
        histogram = cv2.calcHist([gray], [0], None, [256], [0, 256]).ravel()
    bright = histogram[PAPER_SEARCH_FROM:]
    if not bright.any():
        return 255
    return PAPER_SEARCH_FROM + int(bright.argmax())


def classify_lines(rgba: np.ndarray, mask: np.ndarray, *, line_index: np.ndarray | None = None,
                   transparent: bool | None = None) -> np.ndarray:
    """Class of each line pixel by hue: main (black/grey ink) or a trace-line color.

    Parameters
    ----------
    rgba : (H, W, 4) ndarray of uint8
    mask : (H, W) ndarray of bool
        Line pixels, from ``line_mask``.
    line_index : (k,) ndarray of int64, optional
        ``np.flatnonzero(mask)`` when the caller already has it.
    transparent : bool, optional
        Whether the art is on a transparent background (``line_mask``'s second value) when the caller already has it;
        else it is read from the alpha channel where needed.

    Returns
    -------
    line_class : (H, W) ndarray of uint8
        ``LineClass`` value per pixel.
    """
    # Only the line pixels are converted: a few percent of the frame. Flat indices gather them
    # several times faster than a boolean mask over the (H, W, 4) image.
    index = np.flatnonzero(mask) if line_index is None else line_index
    result = np.zeros(mask.shape, dtype=np.uint8)
    if index.size == 0:
        return result
    pixels = np.ascontiguousarray(rgba).view(np.uint32).reshape(-1)  # one 32-bit word per RGBA pixel
    ink = np.ascontiguousarray(pixels[index].view(np.uint8).reshape(-1, 1, 4)[..., :3])
    hsv = cv2.cvtColor(ink, cv2.COLOR_RGB2HSV_FULL)[:, 0, :]
    hue = hsv[:, 0].astype(np.int32) * 360 // 256
    # A pale trace line is colored from a lower saturation (always between SATURATION_MARGIN and vivid ink's: only
    # pixels in that band can move, so it is read only where there are some). On opaque art over the paper's
    # (``colored_ink_threshold``); on transparent art the ink's color is its own (its coverage is in alpha) and there
    # is no paper: the same rule over the bright line pixels themselves, from saturation 0 (a pink trace pen at full
    # alpha, (255, 166, 166): saturation 89, read from 44 where vivid ink's 90 took it for a main line). Pale colored
    # ink that is most of the line pixels is the main line (light sepia lines, (200, 170, 140): saturation 76), read by
    # vivid ink's level as ever: trace lines are a minority of a frame's ink, as ``_main_ink_colored`` reads it.
    saturation, bright = hsv[:, 1], hsv[:, 2] >= 60
    saturated = VIVID_INK_LEVEL
    pale = np.count_nonzero(bright & (saturation >= SATURATION_MARGIN) & (saturation < saturated))
    if 0 < pale < TRACE_INK_MAX_SHARE * index.size:
        if transparent is None:
            transparent = _is_transparent_art(np.ascontiguousarray(rgba[..., 3]))
        if transparent:
            saturated = transparent_ink_level(saturation[bright])
        else:
            saturated = colored_ink_threshold(rgba[..., :3])
    colored = (saturation >= saturated) & bright
    colored &= ~_main_ink_colored(ink[:, 0, :], colored, lambda: _paper_grey(rgba, transparent))
    red = colored & ((hue < 25) | (hue >= 330))
    green = colored & (hue >= 75) & (hue < 165)
    blue = colored & (hue >= 190) & (hue < 270)
    classes = np.full(ink.shape[0], LineClass.MAIN, dtype=np.uint8)
    classes[colored] = LineClass.OTHER
    classes[red] = LineClass.RED
    classes[green] = LineClass.GREEN
    classes[blue] = LineClass.BLUE
    result.ravel()[index] = classes
    return result


#: A main line drawn in a color is darker than the paper in every channel: its brightest channel is at most this share
#: of the paper's grey (dark brown, purple, navy 0.2-0.5; medium brown (170, 140, 110) 0.67, (200, 150, 100) 0.78).
#: Trace lines are pure or pale colors whose brightest channel is the paper's, however many (smoke_explosion's red smoke
#: lines, 255/0/0, outnumber its black outlines; scanned on paper at 150-230 its red channel still reads the paper's).
#: (Until a fixed 160 of 255: medium brown main lines were read as trace lines, ``make bench-inks``' medium brown row.)
MAIN_INK_PAPER_SHARE = 0.8
#: A pixel is of the main ink's family where its ink direction lies within this angle of the ink's own (dark brown is
#: 14 degrees from black's grey direction, the red and blue trace lines 30-37 from brown, purple and navy). Chosen on
#: laughing_girl 0000 and 6 production-like dev frames in brown / purple / navy, sharp and blurred (sigma 1, 1.5) on
#: white: line classes agree with the black frame's blurred alike on 0.989 of line pixels at 5 degrees (worst 0.965),
#: 0.982 at 10 (0.963), 0.973 at 15 (0.945); 3 degrees loses blurred brown's edges (worst 0.959).
INK_FAMILY_DEGREES = 5.0
#: Pixels less than this far from the paper (RGB levels) have no direction to speak of: paper grain, JPEG noise (12,
#: 24 and 48 agree alike on the frames above).
INK_FAMILY_MIN_DEPTH = 24.0


def _main_ink_colored(ink: np.ndarray, colored: np.ndarray, paper_grey: Callable[[], int]) -> np.ndarray:
    """(k,) bool: the colored ink pixels that are the frame's main lines drawn in a color (dark brown, purple, navy).

    Main lines are most of a frame's ink. The most common dark colored ink (the fullest bin of 16 levels a channel
    among colors darker than the paper in every channel, ``MAIN_INK_PAPER_SHARE``) names an ink; its family is every
    line pixel mixed of that ink and the paper: the antialiased or blurred edges of a line lie on the straight line in
    RGB from its ink to the paper, so their direction from the paper is the ink's (within ``INK_FAMILY_DEGREES``) and
    nearer it than black's grey direction.
    Where the family covers more pixels than the uncolored ink outside it, its colored pixels are main lines, not
    trace lines; trace lines in other colors stay trace lines. Black or grey main lines leave every colored pixel a
    trace line, as before. (A scan blurs a brown line into a ring of pale, unsaturated pixels: counted as uncolored
    ink, they outnumbered the brown's fullest bin and the whole frame's lines were read as red trace lines.)

    ``ink``: (k, 3) uint8 RGB of the line pixels; ``colored``: (k,) bool, which of them are saturated and not dark;
    ``paper_grey``: called (only for a frame with a dark colored ink) for the paper's grey level the ink mixes with.
    """
    main = np.zeros(colored.shape, bool)
    colors = ink[colored].astype(np.int32)
    # Only colors darker than the paper can be main lines: pure and pale colors are trace lines, however many
    # (smoke_explosion's red smoke lines); and a blurred brown line spreads over many bins, fewer pixels each than a
    # sharp red trace line's one. Paper is at most white: colors too bright for any paper spare reading it (15 ms at
    # 1600 px on opaque art).
    brightest = colors.max(axis=1)
    if not np.any(brightest <= MAIN_INK_PAPER_SHARE * 255):
        return main
    paper = float(paper_grey())
    colors = colors[brightest <= MAIN_INK_PAPER_SHARE * paper]
    if not len(colors):
        return main
    bin_of = ((colors >> 4) * (1, 16, 256)).sum(axis=1)  # 16 levels a channel
    core = colors[bin_of == np.bincount(bin_of).argmax()].mean(axis=0)
    depth = np.clip(paper - ink.astype(np.float32), 0.0, None)  # (k, 3): how far each pixel is from the paper
    length = np.linalg.norm(depth, axis=1)
    direction = depth / np.maximum(length, 1e-6)[:, None]
    core_direction = np.clip(paper - core, 0.0, None)
    core_direction = core_direction / max(float(np.linalg.norm(core_direction)), 1e-6)
    to_core = direction @ core_direction.astype(np.float32)
    to_grey = direction.sum(axis=1) / np.sqrt(3.0)
    family = (length >= INK_FAMILY_MIN_DEPTH) & (to_core >= np.cos(np.radians(INK_FAMILY_DEGREES))) & (to_core > to_grey)
    if np.count_nonzero(family) <= np.count_nonzero(~colored & ~family):
        return main
    main[colored] = family[colored]
    return main


def _paper_grey(rgba: np.ndarray, transparent: bool | None = None) -> int:
    """The grey level the ink of ``rgba`` mixes with: 255 on transparent art (its antialiasing is in alpha), else the
    paper's (``paper_level``). ``transparent``: whether the art is, if known."""
    if transparent is None:
        transparent = _is_transparent_art(np.ascontiguousarray(rgba[..., 3]))
    if transparent:
        return 255
    return paper_level(cv2.cvtColor(np.ascontiguousarray(rgba[..., :3]), cv2.COLOR_RGB2GRAY))


def expand_to_lines(labels: np.ndarray) -> np.ndarray:
    """Label every line pixel (``-1``) with the id of its nearest component.

    Parameters
    ----------
    labels : (H, W) ndarray of int32
        Component ids, ``-1`` on lines.

    Returns
    -------
    expanded : (H, W) ndarray of int32
        Same as ``labels`` off the lines; on the lines, the nearest component (Euclidean).
        All ``-1`` stays ``-1`` if there is no component at all.
    """
    line = labels < 0
    if not line.any() or line.all():
        return labels.copy()
    return _expand_with(labels, np.flatnonzero(line), _nearest_off_line(line))


def _nearest_off_line(line: np.ndarray) -> np.ndarray:
    """(H, W) int32: raster number (1..N) of the nearest non-line pixel of every pixel (Euclidean).

    ``distanceTransformWithLabels`` (DIST_LABEL_PIXEL) numbers the zero pixels 1..N in raster order.
    """
    line8 = np.ascontiguousarray(line).view(np.uint8)
    _, nearest = cv2.distanceTransformWithLabels(line8, cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL)
    return nearest


def _expand_with(labels: np.ndarray, line_index: np.ndarray, nearest: np.ndarray) -> np.ndarray:
    """``expand_to_lines`` given the sorted flat indices of the line pixels and ``_nearest_off_line``.

    The k-th non-line pixel in raster order (rank r = k - 1) sits at flat index r + j, where j is
    the number of line pixels before it: line pixel i (at ``line_index[i]``) has
    ``line_index[i] - i`` non-line pixels before it, so j counts those ranks <= r. This touches
    only the line pixels (a few percent of the frame) instead of gathering every non-line pixel.
    """
    expanded = labels.copy()
    if line_index.size == 0:
        return expanded
    rank = nearest.ravel()[line_index].astype(np.int64) - 1
    before = np.searchsorted(line_index - np.arange(line_index.size), rank, side="right")
    expanded.ravel()[line_index] = labels.ravel()[rank + before]
    return expanded


def _adjacency(expanded: np.ndarray, line_index: np.ndarray) -> np.ndarray:
    """(m, 2) int32 unique pairs (a < b) of different labels that are 4-neighbours.

    Two 4-neighbours with different expanded labels always include a line pixel (non-line
    neighbours belong to the same component), so only the line pixels (``line_index``, flat) and
    their four neighbours are compared, all directions in one vectorised pass.
    """
    height, width = expanded.shape
    flat = expanded.ravel()
    ys, xs = np.divmod(line_index, width)
    sides = [(xs < width - 1, 1), (xs > 0, -1), (ys < height - 1, width), (ys > 0, -width)]
    here = np.concatenate([line_index[valid] for valid, _ in sides])
    there = here + np.repeat([step for _, step in sides], [int(valid.sum()) for valid, _ in sides])
    a, b = flat[here], flat[there]
    differ = (a != b) & (a >= 0) & (b >= 0)
    a, b = a[differ].astype(np.int64), b[differ].astype(np.int64)
    keys = np.unique(np.minimum(a, b) << 32 | np.maximum(a, b))
    if keys.size == 0:
        return np.zeros((0, 2), dtype=np.int32)
    return np.stack([keys >> 32, keys & 0xFFFFFFFF], axis=1).astype(np.int32)


def _trace_sides(expanded: np.ndarray, line_class: np.ndarray, line_index: np.ndarray, n: int) -> np.ndarray:
    """(n,) uint8 bit set of trace-line classes touching each component (``line_index``: flat indices of the lines)."""
    sides = np.zeros(n, dtype=np.uint8)
    classes = line_class.ravel()[line_index]
    trace = np.isin(classes, LineClass.TRACE)
    if not trace.any():
        return sides
    owners = expanded.ravel()[line_index[trace]]
    classes = classes[trace]
    keep = owners >= 0
    np.bitwise_or.at(sides, owners[keep], (1 << classes[keep]).astype(np.uint8))
    return sides


def _trace_pairs(expanded: np.ndarray, line_class: np.ndarray) -> np.ndarray:
    """``Segmentation.trace_pairs`` from the expanded labels and the line classes (both (H, W))."""
    trace = np.isin(line_class, LineClass.TRACE)
    keys = []
    for first, second in ((np.s_[:, :-1], np.s_[:, 1:]), (np.s_[:-1], np.s_[1:])):  # right and down neighbours
        a, b = expanded[first], expanded[second]
        seam = trace[first] & trace[second] & (a != b) & (a >= 0) & (b >= 0)
        x, y = a[seam].astype(np.int64), b[seam].astype(np.int64)
        keys.append((np.minimum(x, y) << 36) | (np.maximum(x, y) << 8) | line_class[first][seam].astype(np.int64))
    unique, counts = np.unique(np.concatenate(keys), return_counts=True)
    return np.stack([unique >> 36, (unique >> 8) & 0xFFFFFFF, unique & 0xFF, counts], axis=1).astype(np.int64)


CLOSE_GAPS_MODES = ("auto", "off")


def segment(
    rgba: np.ndarray,
    *,
    close_gaps_px: int | str = 0,
    extra_lines: np.ndarray | None = None,
    extra_closures=None,
    removed_closures=None,
) -> Segmentation:
    """Split a line-art frame into its components.

    Parameters
    ----------
    rgba : (H, W, 4) ndarray of uint8
        Line art (RGBA with transparent background, or opaque art on white).
    close_gaps_px : {"auto", "off"} or int, optional
        ``"auto"``: close gaps from the strokes' free ends (``endpoint_closures``), the widest gap
        scaled to the measured line width, and cuts across thick lines (``narrow_cut_closures``).
        An int > 0: trapped-ball closing of gaps narrower than about ``2 * close_gaps_px`` pixels
        (``close_gaps``). ``0`` or ``"off"``: no closing.
        Closures separate components and get ``LineClass.CLOSURE``; ``paint`` fills them with the
        color of a region they close, so they never show in the output.
    extra_lines : (H, W) ndarray of bool, optional
        More pixels to treat as line (for example closures computed elsewhere).
    extra_closures : sequence of (x0, y0, x1, y1), optional
        Closing strokes drawn by hand (review page): each end that is not on a line snaps to the
        nearest line pixel within 4 px, then the segment is drawn like an automatic closure.
    removed_closures : sequence of (x0, y0, x1, y1), optional
        Automatic closures to drop: an automatic segment whose two ends lie within 3 px of the two
        ends of a listed one (in either order), and, in trapped-ball mode, every closure blob the
        listed segment touches. Removals apply before ``extra_closures`` are added, so the same
        plain-data edits (JSON lists of 4 ints) give the same segmentation every time.

    Returns
    -------
    Segmentation
        Components with areas, centroids, boxes, adjacency, trace-line sides and the closing
        segments (``closure_segments``; ``closures`` is their pixel mask).

    Raises
    ------
    InputError
        If the frame has no line pixels at all (nothing to segment).
    ValueError
        If ``close_gaps_px`` is not ``"auto"``, ``"off"`` or an int >= 0, or a closure is not 4 numbers.
    """
    mode = _gap_mode(close_gaps_px)
    extra = _as_segments(extra_closures, "extra_closures")
    removed = _as_segments(removed_closures, "removed_closures")
    mask, transparent = line_mask(rgba)
    if not mask.any():
        raise InputError(
            "the line-art frame has no lines (no opaque ink on a transparent background, and no dark "
            "pixels on white): check that this is the line frame and not an empty or colored image"
        )
    segments = np.zeros((0, 4), dtype=np.int32)
    closure = None
    if extra_lines is not None or mode != 0 or extra.shape[0]:
        closure = np.zeros_like(mask)
    if extra_lines is not None:
        closure |= extra_lines & ~mask
    if mode == "auto":
        segments = endpoint_closures(mask)
        if removed.shape[0]:
            segments = segments[~_matches_any(segments, removed, tolerance=3.0)]
    elif mode > 0:
        blobs = close_gaps(mask, radius=mode)
        if removed.shape[0]:
            blobs = _drop_touched(blobs, removed)
        closure |= blobs
    if extra.shape[0]:
        segments = np.concatenate([segments, _snap_to_lines(extra, mask, radius=4)])
    if segments.shape[0]:
        closure |= draw_closures(mask.shape, segments) & ~mask
    if closure is not None:
        mask = mask | closure
    # The distance transform (the slowest step) starts first, on the helper thread, and runs beside
    # the line classes, the connected components and their statistics.
    nearest = in_background(_nearest_off_line, mask) if not mask.all() else None
    # The flat indices of the final lines serve classification, expansion, adjacency and trace sides.
    # Closure pixels are classified by their color like any line pixel, then marked as closures.
    line_index = np.flatnonzero(mask)
    line_class = classify_lines(rgba, mask, line_index=line_index, transparent=transparent)
    if closure is not None:
        line_class[closure] = LineClass.CLOSURE
    seg = _components(mask, line_class, transparent, line_index, nearest)
    seg.closure_segments = segments.astype(np.int32)
    return seg


def _gap_mode(value) -> int | str:
    """``close_gaps_px`` as ``"auto"``, or an int radius (0: off)."""
    if isinstance(value, str):
        name = value.strip().lower()
        if name == "auto":
            return "auto"
        if name in ("off", "0"):
            return 0
        if name.isdigit():
            return int(name)
        import difflib

        close = difflib.get_close_matches(name, CLOSE_GAPS_MODES, n=1)
        hint = f"; did you mean {close[0]!r}?" if close else ""
        raise ValueError(f"close_gaps_px must be 'auto', 'off' or a radius in pixels; got {value!r}{hint}")
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"close_gaps_px must be 'auto', 'off' or a radius in pixels >= 0; got {value!r}")
    return int(value)


def _as_segments(value, name: str) -> np.ndarray:
    """(k, 4) int32 segments from a sequence of (x0, y0, x1, y1) (None: none)."""
    if value is None:
        return np.zeros((0, 4), dtype=np.int32)
    try:
        array = np.asarray(value, dtype=np.float64).reshape(-1, 4) if len(value) else np.zeros((0, 4))
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a list of (x0, y0, x1, y1) segments; got {value!r}") from None
    if not np.isfinite(array).all():
        raise ValueError(f"{name} must hold finite pixel coordinates; got {value!r}")
    return np.rint(array).astype(np.int32)


def _matches_any(segments: np.ndarray, listed: np.ndarray, *, tolerance: float) -> np.ndarray:
    """(k,) bool: segments whose two ends lie within ``tolerance`` of a listed segment's two ends (either order)."""
    a = segments[:, None, :].astype(np.float64)
    b = listed[None, :, :].astype(np.float64)
    def near(p, q):
        return np.hypot(p[..., 0] - q[..., 0], p[..., 1] - q[..., 1]) <= tolerance
    same = near(a[..., 0:2], b[..., 0:2]) & near(a[..., 2:4], b[..., 2:4])
    swapped = near(a[..., 0:2], b[..., 2:4]) & near(a[..., 2:4], b[..., 0:2])
    return (same | swapped).any(axis=1)


def _drop_touched(closures: np.ndarray, listed: np.ndarray) -> np.ndarray:
    """Closure pixels without the 8-connected blobs that a listed segment (drawn 3 px wide) touches."""
    count, blobs = cv2.connectedComponents(closures.view(np.uint8), connectivity=8)
    if count <= 1:
        return closures
    stroke = np.zeros(closures.shape, np.uint8)
    for x0, y0, x1, y1 in listed:  # a few hand edits
        cv2.line(stroke, (int(x0), int(y0)), (int(x1), int(y1)), 1, 3)
    touched = np.unique(blobs[(stroke > 0) & closures])
    return closures & ~np.isin(blobs, touched)


def _snap_to_lines(segments: np.ndarray, mask: np.ndarray, *, radius: int) -> np.ndarray:
    """Move each segment end that is off the lines to the nearest line pixel within ``radius`` px."""
    height, width = mask.shape
    result = segments.copy()
    ends = result.reshape(-1, 2)  # (x, y) rows, a view
    np.clip(ends[:, 0], 0, width - 1, out=ends[:, 0])
    np.clip(ends[:, 1], 0, height - 1, out=ends[:, 1])
    offsets = np.array([(dx, dy) for dy in range(-radius, radius + 1) for dx in range(-radius, radius + 1)
                        if dx * dx + dy * dy <= radius * radius])
    offsets = offsets[np.argsort(np.hypot(offsets[:, 0], offsets[:, 1]), kind="stable")]
    cand = ends[:, None, :] + offsets[None]
    inside = (cand[..., 0] >= 0) & (cand[..., 0] < width) & (cand[..., 1] >= 0) & (cand[..., 1] < height)
    on_line = np.zeros(inside.shape, bool)
    on_line[inside] = mask[cand[..., 1][inside], cand[..., 0][inside]]
    found = on_line.any(axis=1)
    first = np.argmax(on_line, axis=1)
    ends[found] = cand[found, first[found]]
    return result


def _components(
    mask: np.ndarray,
    line_class: np.ndarray,
    transparent: bool,
    line_index: np.ndarray,
    nearest: Future | None,
) -> Segmentation:
    """The components of a line mask (``nearest``: the pending ``_nearest_off_line`` of it, or None if all is line)."""
    count, cc = cv2.connectedComponents(np.logical_not(mask).view(np.uint8), connectivity=4, ltype=cv2.CV_32S)
    # connectedComponents gives label 0 to the line pixels (the zero pixels) -> shift to -1.
    labels = np.subtract(cc, 1, out=cc)
    n = count - 1
    areas, centroids, bboxes = _component_stats(labels, line_index, n)
    expanded = _expand_with(labels, line_index, nearest.result()) if nearest is not None else labels.copy()
    return Segmentation(
        labels=labels,
        line_class=line_class,
        areas=areas,
        centroids=centroids,
        bboxes=bboxes,
        adjacency=_adjacency(expanded, line_index),
        trace_sides=_trace_sides(expanded, line_class, line_index, n),
        transparent=transparent,
        _expanded=expanded,
    )


def _component_stats(labels: np.ndarray, line_index: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Area, centroid and bounding box of each component, from its horizontal runs.

    The same numbers as ``cv2.connectedComponentsWithStats`` gives, whose per-pixel statistics pass
    costs about twice its labelling (11 ms more on a 1600x1600 frame). The runs of non-line pixels
    lie between consecutive line pixels of a row, so they are found from the line pixels' flat
    indices alone; there are far fewer runs than pixels. Written here because OpenCV computes its
    statistics only per pixel, and ``scipy.ndimage`` (``find_objects``, ``center_of_mass``) too.

    Parameters
    ----------
    labels : (H, W) ndarray of int32
        Component ids ``0 .. n-1``, ``-1`` on lines.
    line_index : (k,) ndarray of int64
        Sorted flat indices of the line pixels (``np.flatnonzero(labels < 0)``).
    n : int
        Number of components.

    Returns
    -------
    areas : (n,) int64, centroids : (n, 2) float64 (x, y), bboxes : (n, 4) int32 (x, y, width, height)
    """
    height, width = labels.shape
    # A barrier after every row (a virtual line pixel at x = width) keeps the runs inside their rows.
    ys, xs = np.divmod(line_index, width)
    stride = width + 1
    barriers = np.sort(np.concatenate([[-1], ys * stride + xs, np.arange(height) * stride + width]))
    starts = barriers[:-1] + 1
    lengths = barriers[1:] - starts
    runs = lengths > 0
    starts, lengths = starts[runs], lengths[runs]
    run_y, run_x0 = np.divmod(starts, stride)
    run_x1 = run_x0 + lengths - 1
    owner = labels[run_y, run_x0]
    areas = np.bincount(owner, weights=lengths, minlength=n).astype(np.int64)
    # Every component has at least one run, so no area is 0.
    sums = np.stack(
        [
            np.bincount(owner, weights=lengths * (run_x0 + run_x1) / 2.0, minlength=n),  # sum of x over a run
            np.bincount(owner, weights=lengths * run_y.astype(np.float64), minlength=n),
        ],
        axis=1,
    )
    centroids = sums / areas[:, None]
    low = np.full((n, 2), np.iinfo(np.int64).max, dtype=np.int64)
    high = np.full((n, 2), -1, dtype=np.int64)
    np.minimum.at(low, (owner, 0), run_x0)
    np.minimum.at(low, (owner, 1), run_y)
    np.maximum.at(high, (owner, 0), run_x1)
    np.maximum.at(high, (owner, 1), run_y)
    bboxes = np.concatenate([low, high - low + 1], axis=1).astype(np.int32)
    return areas, centroids, bboxes


def close_gaps(mask: np.ndarray, *, radius: int) -> np.ndarray:
    """Trapped-ball gap closing: the pixels that close line gaps narrower than ``2 * radius``.

    A ball of ``radius`` pixels cannot pass through a gap narrower than its diameter, so the
    region on each side of a gap keeps a separate *core* (the pixels farther than ``radius`` from
    any line). A watershed from the cores over the distance map meets at the narrowest place, the
    gap; the meeting lines inside one original region are the closures.

    Parameters
    ----------
    mask : (H, W) ndarray of bool
        Line pixels.
    radius : int
        Ball radius in pixels (``--close-gaps PX``); gaps up to about ``2 * radius`` close.

    Returns
    -------
    closures : (H, W) ndarray of bool
        New line pixels (never on existing lines).

    Notes
    -----
    Zhang et al., "Vectorizing cartoon animations", IEEE TVCG 2009 (trapped-ball segmentation).
    The flood itself is scikit-image's watershed; only the core/closure logic is written here.
    """
    from skimage.segmentation import watershed

    if radius <= 0:
        return np.zeros_like(mask)
    free = (~mask).astype(np.uint8)
    distance = cv2.distanceTransform(free, cv2.DIST_L2, 5)
    n_regions, regions = cv2.connectedComponents(free, connectivity=4)
    n_cores, cores = cv2.connectedComponents((distance > radius).astype(np.uint8), connectivity=8)
    if n_cores <= 2:
        return np.zeros_like(mask)
    # Which original region holds each core; regions with two or more cores have gaps to close.
    core_ids = np.arange(1, n_cores)
    first_pixel = np.full(n_cores, -1, dtype=np.int64)
    flat = cores.ravel()
    nz = np.flatnonzero(flat)
    first_pixel[flat[nz][::-1]] = nz[::-1]
    region_of_core = regions.ravel()[first_pixel[core_ids]]
    cores_per_region = np.bincount(region_of_core, minlength=n_regions)
    split_regions = np.flatnonzero(cores_per_region >= 2)
    split_regions = split_regions[split_regions > 0]
    if split_regions.size == 0:
        return np.zeros_like(mask)
    area = np.isin(regions, split_regions)
    markers = np.where(area, cores, 0).astype(np.int32)
    flooded = watershed(-distance, markers=markers, mask=area, watershed_line=True)
    closures = area & (flooded == 0)
    # Keep only closures at narrow places (near lines), not cuts through wide open paint.
    closures &= distance <= radius + 1
    return closures


# Ring of the 8 neighbours, clockwise from north: (dy, dx).
_RING = ((-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1), (0, -1), (-1, -1))


def _end_rings() -> np.ndarray:
    """(256,) bool: whether a pixel whose 8 neighbours (``_RING`` order, packed by ``np.packbits``) are these is a
    stroke end: at most two neighbours, in one run around it (crossing number 1 or 0)."""
    ring = np.unpackbits(np.arange(256, dtype=np.uint8)[:, None], axis=1).astype(bool)  # (256, 8)
    count = ring.sum(axis=1)
    crossings = np.count_nonzero(ring & ~np.roll(ring, 1, axis=1), axis=1)  # runs of neighbours around it
    return (count <= 2) & (crossings <= 1)


_END_RING = _end_rings()


def _stroke_ends(
    skeleton: np.ndarray, *, depth: int, min_length: int, prunes: tuple[int, ...] = (0,)
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Free ends of the strokes of a one-pixel skeleton and the direction each stroke points there, once per pruning.

    An end is a skeleton pixel whose neighbours form one run around it (crossing number 1) and
    number at most two. First the skeleton is pruned: its ends are peeled ``prune`` times, which
    removes the short spurs a thick line's skeleton grows at corners and the fork it grows at a
    blunt stroke end (the stroke's end is then ``prune`` pixels back along it); each number of
    ``prunes`` gives its own ends, the peeling of the larger going on from the smaller. Every end is
    walked back along its stroke ``depth`` pixels at once, as a breadth-first search over
    (end, pixel) pairs: one vectorised step per pixel of depth, never a loop over ends or pixels.
    A walk that branches (a junction: its front spreads over two pixels that do not touch) before
    ``min_length`` pixels, or runs out before it (a dot, a tick), is not a stroke end.

    Returns
    -------
    list of (ends, directions), one per number of ``prunes``, in its order
        ends : (k, 2) ndarray of int64, (y, x) of each stroke end, in ``skeleton``'s coordinates;
        directions : (k, 2) ndarray of float64, unit (dy, dx) pointing out of the stroke at each end.
    """
    height, width = skeleton.shape
    padded = np.zeros((height + 2, width + 2), dtype=bool)
    padded[1:-1, 1:-1] = skeleton
    flat = padded.ravel()
    stride = width + 2
    offsets = np.array([dy * stride + dx for dy, dx in _RING], dtype=np.int64)
    pixels = np.flatnonzero(flat)

    def is_end(pixels: np.ndarray) -> np.ndarray:
        ring = flat[pixels[:, None] + offsets]  # (p, 8) neighbours of every skeleton pixel
        return _END_RING[np.packbits(ring, axis=1)[:, 0]]

    # Every pass peels all current ends, so the next ends are neighbours of the pixels just peeled.
    candidates = pixels
    found = {}
    for peeled in range(max(prunes) + 1):  # one vectorised pass per pixel peeled
        if peeled in prunes:
            ring_count = flat[candidates[:, None] + offsets].sum(axis=1)
            ends = candidates[is_end(candidates) & (ring_count >= 1)]
            # Walked now, on the skeleton as peeled so far: the next passes peel it further.
            found[peeled] = _walk_back(flat, stride, ends, depth=depth, min_length=min_length)
        if peeled == max(prunes):
            break
        peel = candidates[is_end(candidates)]
        flat[peel] = False
        around = (peel[:, None] + offsets).ravel()
        candidates = np.unique(around[flat[around]])
    return [found[prune] for prune in prunes]


def _walk_back(flat: np.ndarray, stride: int, ends: np.ndarray, *, depth: int,
               min_length: int) -> tuple[np.ndarray, np.ndarray]:
    """``_stroke_ends``' walk of each end back along its stroke in a padded skeleton (``flat``: its raveled bool pixels,
    rows of ``stride``; ``ends``: flat indices). Returns the ends kept as (k, 2) int64 (y, x) less the padding and
    their (k, 2) float64 unit directions."""
    if ends.size == 0:
        return np.zeros((0, 2), np.int64), np.zeros((0, 2), np.float64)
    offsets = np.array([dy * stride + dx for dy, dx in _RING], dtype=np.int64)
    k = ends.size
    ids = np.arange(k, dtype=np.int64)
    visited = np.sort(ids * flat.size + ends)  # keys end_id * size + pixel
    front_ids, front_pixels = ids, ends
    branched_at = np.full(k, depth + 1, dtype=np.int64)
    reached = np.zeros(k, dtype=np.int64)  # depth of the last front before a branch or the stroke's end
    tip = np.zeros((k, 2), dtype=np.float64)  # mean (y, x) of that front
    for step in range(1, depth + 1):
        cand_ids = np.repeat(front_ids, 8)
        cand = (front_pixels[:, None] + offsets).ravel()
        keep = flat[cand]
        keys = np.unique(cand_ids[keep] * flat.size + cand[keep])
        keys = keys[~np.isin(keys, visited, assume_unique=True)]
        if keys.size == 0:
            break
        visited = np.union1d(visited, keys)
        front_ids, front_pixels = np.divmod(keys, flat.size)
        y, x = np.divmod(front_pixels, stride)
        # The front of a plain stroke is one pixel or two that touch; wider, the walk has branched.
        starts = _starts(front_ids)
        spread = np.maximum(
            np.maximum.reduceat(y, starts) - np.minimum.reduceat(y, starts),
            np.maximum.reduceat(x, starts) - np.minimum.reduceat(x, starts),
        )
        owners = front_ids[starts]
        newly = owners[(spread >= 2) & (branched_at[owners] > depth)]
        branched_at[newly] = step
        alive = branched_at[owners] > step
        owners_alive = owners[alive]
        counts = np.bincount(front_ids, minlength=k)[owners_alive]
        tip[owners_alive, 0] = np.bincount(front_ids, weights=y, minlength=k)[owners_alive] / counts
        tip[owners_alive, 1] = np.bincount(front_ids, weights=x, minlength=k)[owners_alive] / counts
        reached[owners_alive] = step
        walking = branched_at[front_ids] > step
        front_ids, front_pixels = front_ids[walking], front_pixels[walking]
        if front_ids.size == 0:
            break
    good = reached >= min_length
    ends, tip = ends[good], tip[good]
    end_yx = np.stack(np.divmod(ends, stride), axis=1).astype(np.float64)
    direction = end_yx - tip
    direction /= np.maximum(np.linalg.norm(direction, axis=1, keepdims=True), 1e-9)
    return end_yx.astype(np.int64) - 1, direction


def _starts(sorted_ids: np.ndarray) -> np.ndarray:
    """Indices where a new value starts in a sorted id array."""
    new = np.ones(sorted_ids.size, dtype=bool)
    np.not_equal(sorted_ids[1:], sorted_ids[:-1], out=new[1:])
    return np.flatnonzero(new)


def _thinning_margin(thickest: float) -> int:
    """Pixels of the neighbouring tiles each tile of ``_thin_lines`` is thinned with: twice what peeling ``thickest``
    layers needs."""
    return 4 * int(np.ceil(thickest)) + 16


#: Side of the square tiles ``_thin_lines`` thins one at a time (/tmp script, bench-gaps' three 1600 px frames, thinning
#: alone, median of 9, tiles of 200 / 300 / 400 / 600 / 800 px: the synthetic frame 22.5 / 19.4 / 20.2 / 21.3 / 23.3 ms,
#: laughing_girl 8.7 / 7.9 / 7.4 / 8.1 / 8.3, the dense one 34.2 / 34.7 / 35.4 / 40.1 / 39.9; the whole frame in one
#: piece 37.4 / 21.9 / 106.6).
THINNING_TILE = 400


def _thin_lines(mask: np.ndarray, *, thickest: float) -> np.ndarray:
    """scikit-image's ``skeletonize`` of ``mask`` (H, W) bool, thinned tile by tile on two threads.

    Thinning is the slowest step of gap closing. skimage's thinning passes over its whole image until no pixel
    changes, so a tile stops as soon as its own ink is thin, where the whole frame waits for its thickest blot;
    tiles without ink are skipped, and of the others only the box of their ink is thinned; and the thinning loop
    releases the GIL, so the caller's thread and the helper thread take the tiles from one queue (``in_background``:
    all in the caller's where OpenCV has one thread). Each tile is thinned with a margin of its neighbours around it
    and keeps its own pixels. A thinning pass changes a pixel from its 3x3 neighbourhood only, so what the cut
    changes moves one pixel per pass; thinning peels one layer of ink per two passes, at most ``thickest`` layers
    (the largest distance from ink to paper), so a margin of four times that and 16 px is twice what the peeling
    needs. The result was the whole mask's skeleton, pixel for pixel, on every frame checked: the real frames of
    ../shared, the production-like suites and synthetic frames at their size and at 1600 px, random masks up to 70%
    ink (tests check real and synthetic frames with thick fills across the tiles' edges, and that a small margin is
    not enough).

    Returns
    -------
    (H, W) ndarray of bool
    """
    from skimage.morphology import skeletonize

    height, width = mask.shape
    margin = _thinning_margin(thickest)
    tile = max(THINNING_TILE, 4 * margin)  # a thick frame's margins would cost more than its tiles
    if height <= tile and width <= tile:
        return skeletonize(mask)
    tiles = [(y, x) for y in range(0, height, tile) for x in range(0, width, tile)]
    ink = [np.count_nonzero(mask[y : y + tile, x : x + tile]) for y, x in tiles]
    # The inked tiles, most ink first, taken one at a time by whichever thread is free (a list iterator's next()
    # holds the GIL: no tile is taken twice).
    queue = iter([tiles[i] for i in np.argsort(ink)[::-1] if ink[i]])
    skeleton = np.zeros_like(mask)

    def thin() -> None:
        for y, x in queue:
            top, left = max(y - margin, 0), max(x - margin, 0)
            window = mask[top : y + tile + margin, left : x + tile + margin]
            # Only the box of the window's ink is thinned (every pass scans its whole image; paper stays paper).
            rows, columns = np.flatnonzero(window.any(axis=1)), np.flatnonzero(window.any(axis=0))
            box = np.s_[rows[0] : rows[-1] + 1, columns[0] : columns[-1] + 1]
            thinned = np.zeros_like(window)
            thinned[box] = skeletonize(window[box])
            skeleton[y : y + tile, x : x + tile] = thinned[y - top : y - top + tile, x - left : x - left + tile]

    helper = in_background(thin)
    thin()
    helper.result()
    return skeleton


def endpoint_closures(
    mask: np.ndarray,
    *,
    max_gap: float | None = None,
    cone: float = 30.0,
) -> np.ndarray:
    """Line gaps closed from the strokes' free ends, in the strokes' direction (like OpenToonz autoclose).

    The line mask is thinned to its skeleton; every free stroke end (``_stroke_ends``) looks ahead
    in its stroke's direction. Two ends facing each other across a gap are joined; an end whose
    rays (a fan within ``cone`` degrees of its direction) leave its own stroke and meet another
    line within ``max_gap`` free pixels is joined to the nearest such line pixel. A gap next to a
    junction leaves only short stubs, joined when two face each other (``_stub_closures``); a cut across
    a thick line leaves no end at all, and is found from the paper's side (``narrow_cut_closures``).
    A narrow neck between two wide regions, whose outlines have no free end and only a line's width
    of ink beyond the neck, is never cut.

    Parameters
    ----------
    mask : (H, W) ndarray of bool
        Line pixels.
    max_gap : float, optional
        Widest gap closed, in free pixels. Default: 2.5 times the measured line width, at least
        4 px and at most ``max(8, max(H, W) / 200)`` px.
    cone : float, optional
        Half-angle in degrees of the fan of rays cast from each end.

    Returns
    -------
    segments : (k, 4) ndarray of int32
        One closing segment ``(x0, y0, x1, y1)`` per row, from a stroke end to the line it meets,
        sorted. Draw them with ``draw_closures``.

    Examples
    --------
    >>> mask = np.zeros((40, 40), bool)
    >>> mask[5:35, 5:7] = mask[5:7, 5:35] = mask[5:35, 33:35] = True
    >>> mask[33:35, 5:16] = mask[33:35, 19:35] = True  # a 3-px gap in the bottom side
    >>> endpoint_closures(mask).shape
    (1, 4)
    """
    mask = np.asarray(mask, dtype=bool)
    if mask.ndim != 2:
        raise ValueError(f"mask must be an (H, W) bool array; got shape {mask.shape}")
    empty = np.zeros((0, 4), dtype=np.int32)
    ys, xs = np.nonzero(mask.any(axis=1))[0], np.nonzero(mask.any(axis=0))[0]
    if ys.size == 0:
        return empty
    # Thinning is the slow step: only the lines' bounding box is thinned.
    y0, y1, x0, x1 = ys[0], ys[-1] + 1, xs[0], xs[-1] + 1
    crop = mask[y0:y1, x0:x1]
    # Padded by one pixel of paper: the lines' box may hold no paper at all (an all-ink frame, a fade to black).
    padded = cv2.copyMakeBorder(crop.view(np.uint8), 1, 1, 1, 1, cv2.BORDER_CONSTANT, value=0)
    inside = cv2.distanceTransform(padded, cv2.DIST_L2, cv2.DIST_MASK_3)[1:-1, 1:-1]
    skeleton = _thin_lines(crop, thickest=float(inside.max()))
    length = np.count_nonzero(skeleton)
    if length == 0:
        return empty
    # Line width: the median over the skeleton of twice the distance to paper, less the centre pixel
    # (ink area / skeleton length would count solid black fills as wide lines).
    line_width = float(max(1.0, np.median(2.0 * inside[skeleton] - 1.0)))
    if max_gap is None:
        # Gaps of real cleanup are 1-4 px at 1-3 px lines: 2.5 widths reach them; the resolution cap
        # keeps a thick brush from closing across open paint.
        max_gap = float(np.clip(2.5 * line_width, 4.0, max(8.0, max(mask.shape) / 200.0)))
    # Spurs and forks of a thick line's skeleton are up to about a width long: peel that much. Then
    # walk back about two widths (at least 4 px) to find the stroke's direction. A stroke that outlives
    # the peeling is a stroke (a dot or a tick does not); one pixel of it left is enough (production-like
    # dev: at least 3 px left 33 leaked regions, 1 px 29, with the stubs below 23).
    prune = int(round(line_width)) + 1
    depth = int(max(4, round(2 * line_width) + 2))
    tip_reach = prune + int(np.ceil(line_width)) + 1
    # The stubs by junctions (``_stub_closures``) are the ends of the skeleton peeled one pixel only.
    stub_reach = 2 + int(np.ceil(line_width))
    (ends, directions), stubs = _free_ends(crop, skeleton, (y0, x0), mask.shape, depth=depth, prunes=(prune, 1),
                                           reaches=(tip_reach, stub_reach))
    segments = np.zeros((0, 4), np.int64)
    if ends.shape[0]:
        # The stroke's own ink around its tip (a hook, a blot) is no line to close a gap to.
        own = _own_ink(crop, ends, radius=tip_reach + 2)
        segments, used = _join_facing_ends(ends, directions, own, reach=max_gap + 2.0, cone=max(cone, 45.0))
        # Beside the stroke's direction only gaps of about a line width close (a stroke ending alongside the
        # line it should touch); farther, a stroke's end would cut the corridor it runs in.
        near_gap = min(max_gap, max(3.0, 1.5 * line_width))
        rays = _ray_closures(
            crop,
            ends[~used],
            directions[~used],
            own[~used],
            max_gap=max_gap,
            near_gap=near_gap,
            cone=cone,
            skip=line_width / 2 + 2.0,
        )
        segments = np.concatenate([segments, rays])
        # Ends that closed nothing (not joined to a facing end, no ray from them), heading for the frame's edge
        # within a gap: joined to it. Still needed beside the edge padding below (segmentation alone on 76
        # production-like cuts of seed 60000, no benchmark's: without it leaked 3 -> 4 of 608 frames).
        ray_starts = {(int(y), int(x)) for x, y in rays[:, :2]}
        free = ~used & np.array([(int(y), int(x)) not in ray_starts for y, x in ends], dtype=bool)
        edge = _edge_closures(mask, ends[free] + (y0, x0), directions[free], max_gap=max_gap)
        segments = np.concatenate([segments, edge - np.array([x0, y0, x0, y0])])
    segments = np.concatenate([segments, _stub_closures(crop, *stubs, segments, reach=stub_reach, max_gap=max_gap)])
    # Cuts across thick lines beside junctions leave no free end at all: closed from the paper's side (segmentation
    # alone on 76 production-like cuts of seed 60000, no benchmark's: leaked regions 8 -> 5, 0.14% more components).
    # A fill stops at the frame's edge: where the lines reach it, the edge is ink beyond the frame, so a stroke that
    # stops a pixel or two short of the edge leaves a cut between it and the edge (the same 76 cuts: leaked 5 -> 3;
    # with tips a row from the edge free ends, 3 -> 2: cut_030 drawing 4 of those cuts, now a test, STEM_ABOVE_THE_EDGE).
    min_ink = max(4.0, 1.5 * line_width)
    pad = int(np.ceil(min_ink)) + 1
    top, left = pad * (y0 == 0), pad * (x0 == 0)
    bottom, right = pad * (y1 == mask.shape[0]), pad * (x1 == mask.shape[1])
    closed = cv2.copyMakeBorder((crop | draw_closures(crop.shape, segments)).view(np.uint8), top, bottom, left, right,
                                cv2.BORDER_CONSTANT, value=1).view(bool)
    cuts = narrow_cut_closures(closed, max_length=2 * max_gap, min_ink=min_ink) - np.array([left, top, left, top])
    segments = np.concatenate([segments, cuts]).astype(np.int32)
    if segments.shape[0] == 0:
        return empty
    segments += np.array([x0, y0, x0, y0], dtype=np.int32)
    order = np.lexsort(segments.T[::-1])
    return segments[order]


def _edge_closures(mask: np.ndarray, tips: np.ndarray, directions: np.ndarray, *, max_gap: float) -> np.ndarray:
    """Strokes that stop short of the frame's edge, heading for it: each joined to the edge straight ahead.

    A fill stops at the frame's edge, so the edge closes every region the painter paints; a stroke that ends within
    ``max_gap`` free pixels of it, pointing at it, is meant to reach it (a leg's outline that stops 2 px above the
    bottom of the frame), and without the closure the regions on its two sides join around its end.

    ``mask``: (H, W) bool lines; ``tips``: (k, 2) int (y, x) in ``mask``'s coordinates; ``directions``: (k, 2) unit
    (dy, dx). Returns (m, 4) int64 segments (x0, y0, x1, y1) from a tip to the last pixel before the edge.
    """
    height, width = mask.shape
    if tips.shape[0] == 0:
        return np.zeros((0, 4), np.int64)
    steps = np.arange(1, int(np.ceil(max_gap)) + 2, dtype=np.float64)
    py = np.rint(tips[:, None, 0] + directions[:, None, 0] * steps).astype(np.int64)
    px = np.rint(tips[:, None, 1] + directions[:, None, 1] * steps).astype(np.int64)
    outside = (py < 0) | (py >= height) | (px < 0) | (px >= width)
    ink = np.zeros(py.shape, dtype=bool)
    ink[~outside] = mask[py[~outside], px[~outside]]
    first_out = np.argmax(outside, axis=1)
    before = np.arange(steps.size)[None, :] < first_out[:, None]
    ok = outside.any(axis=1) & (first_out >= 1) & ~(ink & before).any(axis=1)
    rows = np.flatnonzero(ok)
    last = first_out[rows] - 1
    return np.stack([tips[rows, 1], tips[rows, 0], px[rows, last], py[rows, last]], axis=1).astype(np.int64)


def _free_ends(
    crop: np.ndarray, skeleton: np.ndarray, origin: tuple[int, int], shape: tuple[int, int], *, depth: int,
    prunes: tuple[int, ...], reaches: tuple[int, ...],
) -> list[tuple[np.ndarray, np.ndarray]]:
    """Stroke tips of ``skeleton`` peeled ``prunes[i]`` px (``_stroke_ends``), marched forward to the last ink within
    ``reaches[i]`` px (``_tips``): one (ends, directions) per pruning.

    ``crop``: (h, w) bool, the lines' box of a frame of ``shape``, at ``origin`` (y0, x0). A stroke cut by the
    frame's edge (its tip on the edge's row or column) is not a free end; one that stops a row short of it is.
    Each: (k, 2) int64 (y, x) in ``crop``'s coordinates and (k, 2) float64 unit (dy, dx) pointing out of the stroke.
    """
    found = []
    (y0, x0), (height, width) = origin, shape
    for (ends, directions), reach in zip(_stroke_ends(skeleton, depth=depth, min_length=1, prunes=prunes), reaches):
        if ends.shape[0]:
            ends = _tips(crop, ends, directions, reach=reach)
            # Tips on the edge's own row or column are left out, a row inside kept (segmentation alone on 76
            # production-like cuts of seed 60000, no benchmark's: leaving out two rows, as before, leaked 3 regions of
            # 608 frames, one row 2, with 37 more components in all).
            inner = ((ends[:, 0] + y0 > 0) & (ends[:, 0] + y0 < height - 1)
                     & (ends[:, 1] + x0 > 0) & (ends[:, 1] + x0 < width - 1))
            ends, directions = ends[inner], directions[inner]
        found.append((ends, directions))
    return found


#: Half-angle within which two stub tips must face each other (degrees): the direction of a stroke a few pixels
#: long is rough (production-like dev cut_008 drawing 1: a hair tip and the shoulder line 4 px apart face each
#: other at 52 degrees).
STUB_CONE = 60.0


def _stub_closures(
    crop: np.ndarray, ends: np.ndarray, directions: np.ndarray, found: np.ndarray, *, reach: int, max_gap: float,
) -> np.ndarray:
    """Gaps next to junctions: two short stubs facing each other across a gap, joined.

    A gap a few pixels from where its stroke meets another line leaves a stub on each side that the peeling in
    ``endpoint_closures`` removes whole, so neither side has a free end there. Peeled one pixel only, the stubs
    have ends (``ends``, ``directions``: ``_free_ends`` peeled 1 px, their tips marched ``reach`` px); those not
    within 3 px of an end of a ``found`` segment ((k, 4) x0, y0, x1, y1 in ``crop``'s coordinates) are joined to
    each other only, within ``max_gap`` and ``STUB_CONE``, never to their own ink: no rays, so the spurs this light
    peeling leaves at a thick line's corners close nothing.
    Returns (m, 4) int64 segments (x0, y0, x1, y1) in ``crop``'s coordinates.
    """
    empty = np.zeros((0, 4), np.int64)
    if found.shape[0] and ends.shape[0]:
        done = np.concatenate([found[:, [1, 0]], found[:, [3, 2]]])  # (y, x) of both ends of every found segment
        # Within 3 px (Chebyshev) of one: a k-d tree, not an (ends, segments) table (a speckled scan has tens of
        # thousands of both: the table took 14 GB on a 1300 x 1100 frame of 20% noise).
        from scipy.spatial import cKDTree

        near = cKDTree(done).query(ends, p=np.inf, distance_upper_bound=3.5)[0] <= 3
        ends, directions = ends[~near], directions[~near]
    if ends.shape[0] < 2:
        return empty
    own = _own_ink(crop, ends, radius=reach + 2)
    segments, _ = _join_facing_ends(ends, directions, own, reach=max_gap + 2.0, cone=STUB_CONE)
    return segments


def _tips(mask: np.ndarray, ends: np.ndarray, directions: np.ndarray, *, reach: int) -> np.ndarray:
    """(k, 2) int64 (y, x): from each end, the last ink pixel straight ahead (within ``reach`` px)."""
    height, width = mask.shape
    steps = np.arange(reach + 1, dtype=np.float64)
    py = np.clip(np.rint(ends[:, None, 0] + directions[:, None, 0] * steps), 0, height - 1).astype(np.int64)
    px = np.clip(np.rint(ends[:, None, 1] + directions[:, None, 1] * steps), 0, width - 1).astype(np.int64)
    ink = mask[py, px]
    ink[:, 0] = True  # the end itself is on the skeleton, in the ink
    last = np.where(ink.all(axis=1), reach, np.argmin(ink, axis=1) - 1)
    rows = np.arange(ends.shape[0])
    return np.stack([py[rows, last], px[rows, last]], axis=1)


def _own_ink(mask: np.ndarray, tips: np.ndarray, *, radius: int) -> np.ndarray:
    """(k, 2r+1, 2r+1) bool: around each tip, the ink 8-connected to it inside the window.

    The windows are laid side by side in one strip, a column of paper between each two (8-connected ink cannot
    cross it), and labelled at once.
    """
    size = 2 * radius + 1
    count = tips.shape[0]
    if count == 0:
        return np.zeros((0, size, size), dtype=bool)
    height, width = mask.shape
    steps = np.arange(-radius, radius + 1)
    ys = tips[:, 0, None, None] + steps[None, :, None]  # (k, size, 1)
    xs = tips[:, 1, None, None] + steps[None, None, :]  # (k, 1, size)
    inside = (ys >= 0) & (ys < height) & (xs >= 0) & (xs < width)
    windows = inside & mask[np.clip(ys, 0, height - 1), np.clip(xs, 0, width - 1)]  # (k, size, size), paper outside
    strip = np.zeros((size, count, size + 1), dtype=np.uint8)
    strip[:, :, :size] = windows.transpose(1, 0, 2)
    _, labels = cv2.connectedComponents(strip.reshape(size, -1), connectivity=8)
    labels = labels.reshape(size, count, size + 1)[:, :, :size].transpose(1, 0, 2)  # (k, size, size)
    return labels == labels[:, radius, radius][:, None, None]


def _is_own(own: np.ndarray, tips: np.ndarray, hy: np.ndarray, hx: np.ndarray) -> np.ndarray:
    """bool per hit (``hy``, ``hx``, shaped like ``own``'s first axis + more): on its tip's own ink."""
    radius = own.shape[1] // 2
    extra = (1,) * (hy.ndim - 1)
    dy = hy - tips[:, 0].reshape((-1,) + extra) + radius
    dx = hx - tips[:, 1].reshape((-1,) + extra) + radius
    inside = (dy >= 0) & (dy < own.shape[1]) & (dx >= 0) & (dx < own.shape[2])
    index = np.broadcast_to(np.arange(own.shape[0]).reshape((-1,) + extra), hy.shape)
    result = np.zeros(hy.shape, dtype=bool)
    result[inside] = own[index[inside], dy[inside], dx[inside]]
    return result


def _join_facing_ends(
    ends: np.ndarray, directions: np.ndarray, own: np.ndarray, *, reach: float, cone: float
) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of stroke ends that face each other within ``reach`` pixels, nearest first, each end once.

    Returns the segments (k, 4) as (x0, y0, x1, y1) and a bool per end: joined.
    """
    from scipy.spatial import cKDTree

    used = np.zeros(ends.shape[0], dtype=bool)
    pairs = cKDTree(ends).query_pairs(reach, output_type="ndarray")
    if pairs.shape[0] == 0:
        return np.zeros((0, 4), np.int64), used
    a, b = pairs[:, 0], pairs[:, 1]
    step = (ends[b] - ends[a]).astype(np.float64)
    distance = np.linalg.norm(step, axis=1)
    unit = step / np.maximum(distance, 1e-9)[:, None]
    cos_cone = np.cos(np.deg2rad(cone))
    facing = (np.sum(unit * directions[a], axis=1) >= cos_cone) & (np.sum(-unit * directions[b], axis=1) >= cos_cone)
    facing &= ~_is_own(own[a], ends[a], ends[b, 0], ends[b, 1])  # two tips of one hooked stroke
    a, b, distance = a[facing], b[facing], distance[facing]
    chosen = []
    for i in np.lexsort((b, a, distance)):  # a few candidate pairs, nearest first (not a loop over pixels)
        if not used[a[i]] and not used[b[i]]:
            used[a[i]] = used[b[i]] = True
            chosen.append((ends[a[i], 1], ends[a[i], 0], ends[b[i], 1], ends[b[i], 0]))
    return np.asarray(chosen, dtype=np.int64).reshape(-1, 4), used


def _ray_closures(
    mask: np.ndarray,
    ends: np.ndarray,
    directions: np.ndarray,
    own: np.ndarray,
    *,
    max_gap: float,
    near_gap: float,
    cone: float,
    skip: float,
) -> np.ndarray:
    """From each end, the shortest ray of a fan that leaves the stroke and meets a line across a gap.

    Rays within ``cone`` degrees of the stroke's direction close gaps up to ``max_gap``; the rest of
    the half plane ahead (up to 90 degrees) only gaps up to ``near_gap``: a stroke that ends beside
    a line it was meant to touch. All ends, rays and steps are sampled in one (ends, rays, steps)
    array. A ray must leave its own stroke within ``skip`` pixels (else it runs along the stroke)
    and meet ink that is not the stroke's own near its tip (``own``, from ``_own_ink``).
    Returns segments (k, 4) (x0, y0, x1, y1).
    """
    if ends.shape[0] == 0:
        return np.zeros((0, 4), np.int64)
    height, width = mask.shape
    angles = np.deg2rad(np.arange(-90.0, 90.0 + 1e-9, 7.5))
    allowed = np.where(np.abs(angles) <= np.deg2rad(cone) + 1e-9, max_gap, near_gap)
    cos, sin = np.cos(angles), np.sin(angles)
    # Each end's direction turned by every angle: (k, r, 2) as (dy, dx).
    dy = directions[:, None, 0] * cos - directions[:, None, 1] * sin
    dx = directions[:, None, 0] * sin + directions[:, None, 1] * cos
    steps = np.arange(1, int(np.ceil(skip + max(max_gap, near_gap))) + 2, dtype=np.float64)  # 1 px steps
    py = np.rint(ends[:, None, None, 0] + dy[..., None] * steps).astype(np.int64)
    px = np.rint(ends[:, None, None, 1] + dx[..., None] * steps).astype(np.int64)
    inside = (py >= 0) & (py < height) & (px >= 0) & (px < width)
    ink = np.zeros(py.shape, dtype=bool)
    ink[inside] = mask[py[inside], px[inside]]
    n_steps = steps.size
    left = np.argmax(~ink, axis=2)  # first free step: the ray has left its stroke
    left_ok = (~ink).any(axis=2) & (steps[left] <= skip)
    after = ink & (np.arange(n_steps) > left[..., None])
    met = np.argmax(after, axis=2)  # first ink after leaving: the line on the other side of the gap
    gap = met - left
    ok = left_ok & after.any(axis=2) & (gap <= allowed)
    rows = np.arange(ends.shape[0])[:, None]
    hit_y, hit_x = py[rows, np.arange(angles.size)[None, :], met], px[rows, np.arange(angles.size)[None, :], met]
    ok &= ~_is_own(own, ends, hit_y, hit_x)
    if not ok.any():
        return np.zeros((0, 4), np.int64)
    # Per end, the ray with the shortest gap; on ties the one closest to the stroke's direction.
    cost = np.where(ok, gap * 1000 + np.abs(np.arange(angles.size) - angles.size // 2)[None, :], np.iinfo(np.int64).max)
    best = np.argmin(cost, axis=1)
    has = ok[np.arange(ends.shape[0]), best]
    idx = np.flatnonzero(has)
    ray, hit = best[idx], met[idx, best[idx]]
    hy, hx = py[idx, ray, hit], px[idx, ray, hit]
    return np.stack([ends[idx, 1], ends[idx, 0], hx, hy], axis=1)


#: A cut closes only between two open areas of at least this many pixels each: a pocket of paper inside a thick line
#: or a notch of its antialiased edge is no region (set by hand, not measured: a region under 50 px is a speck).
NARROW_CUT_SIDE_AREA = 50

#: The widest cut across a line that ``narrow_cut_closures`` closes: real cleanup gaps are 1-4 px (issue 19).
NARROW_CUT_WIDTH = 4


def narrow_cut_closures(
    mask: np.ndarray,
    *,
    max_length: float,
    min_ink: float,
    max_width: int = NARROW_CUT_WIDTH,
    min_side_area: int = NARROW_CUT_SIDE_AREA,
) -> np.ndarray:
    """Cuts across thick lines between two open areas: one closing segment across each.

    A gap cut across a thick line where several strokes meet leaves no free stroke end on either side (the
    skeleton forks to the cut's corners), so the stroke ends of ``endpoint_closures`` cannot see it, yet a head
    leaks into the background through it. Paper that a square of ``max_width + 1`` px cannot reach (a
    morphological opening of the paper) is *narrow*; a 4-connected piece of narrow paper, at most ``max_length``
    px across, that touches two different open areas of at least ``min_side_area`` px each may be a gap (smaller
    pockets of open paper belong to the piece). Its crossing runs through its pixel nearest its centroid along its
    minor axis, from line to line; it is a cut through a line, and closed, only where the ink goes on for
    ``min_ink`` px beyond both ends of the crossing (the line on both sides of the cut). A corridor between two
    lines that run side by side (a narrow neck between two wide regions) has only the lines' width of ink beyond
    it, and a pocket beside a line is no open area: neither is ever cut.

    Parameters
    ----------
    mask : (H, W) ndarray of bool
        Line pixels (with any closures found before).
    max_length : float
        Longest side of a narrow piece's bounding box that may still be a gap.
    min_ink : float
        Ink needed beyond each end of the crossing, in px.
    max_width : int, optional
        Widest cut closed, in px.
    min_side_area : int, optional
        Open paper needed on each side of a cut.

    Returns
    -------
    segments : (k, 4) ndarray of int64
        ``(x0, y0, x1, y1)`` per closure, its ends the last free pixels before the line on each side.

    Examples
    --------
    >>> mask = np.zeros((40, 40), bool)
    >>> mask[:, 14:26] = True          # a 12 px thick line between two open areas
    >>> mask[19:22, 14:26] = False     # cut across by a 3 px gap
    >>> narrow_cut_closures(mask, max_length=20, min_ink=5).tolist()
    [[19, 19, 19, 21]]
    >>> narrow_cut_closures(mask, max_length=20, min_ink=25).shape  # the ink beyond is 18 px: no line that long
    (0, 4)
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    mask = np.asarray(mask, dtype=bool)
    empty = np.zeros((0, 4), np.int64)
    paper = (~mask).view(np.uint8)
    opened = cv2.morphologyEx(paper, cv2.MORPH_OPEN, np.ones((max_width + 1, max_width + 1), np.uint8))
    narrow = cv2.subtract(paper, opened)
    points = cv2.findNonZero(narrow)  # narrow paper is sparse: everything below works on its pixels only
    if points is None:
        return empty
    # The open areas (most of the frame) are labelled on the helper thread beside the narrow pieces; labels only (with
    # OpenCV's stats 10.3 ms against 3.7 on the synthetic 1600 px frame of bench-gaps): the few areas the pieces touch
    # are sized afterwards (``_areas_at_least``).
    open_areas = in_background(cv2.connectedComponents, opened, None, 4)
    points = points.reshape(-1, 2).astype(np.int64)
    xs, ys = points[:, 0], points[:, 1]
    n_pieces, piece = _pieces(ys, xs, paper.shape[1])
    low_y, low_x = np.full(n_pieces, ys.max()), np.full(n_pieces, xs.max())
    np.minimum.at(low_y, piece, ys)
    np.minimum.at(low_x, piece, xs)
    high_y, high_x = np.zeros(n_pieces, np.int64), np.zeros(n_pieces, np.int64)
    np.maximum.at(high_y, piece, ys)
    np.maximum.at(high_x, piece, xs)
    short = np.maximum(high_y - low_y, high_x - low_x) + 1 <= max_length
    n_open, open_label = open_areas.result()
    # The open areas each short piece touches (its pixels' 4 neighbours), as unique (piece, area) pairs.
    height, width = paper.shape
    keep = short[piece]
    near_y = np.concatenate([np.clip(ys[keep] + dy, 0, height - 1) for dy in (-1, 1, 0, 0)])
    near_x = np.concatenate([np.clip(xs[keep] + dx, 0, width - 1) for dx in (0, 0, -1, 1)])
    near_label = open_label[near_y, near_x].astype(np.int64)
    pairs, first = np.unique(np.tile(piece[keep], 4) * n_open + near_label, return_index=True)
    pairs = np.stack([pairs // n_open, pairs % n_open], axis=1)
    open_side = pairs[:, 1] > 0
    pairs, first = pairs[open_side], first[open_side]
    big = np.zeros(n_open, dtype=bool)
    touched, seed = np.unique(pairs[:, 1], return_index=True)
    big[touched] = _areas_at_least(open_label, touched, near_y[first[seed]], near_x[first[seed]], min_side_area)
    # A pocket of open paper too small to be a region joins the pieces around it into one passage.
    pocket = pairs[~big[pairs[:, 1]]]
    nodes = n_pieces + n_open
    graph = coo_matrix((np.ones(len(pocket)), (pocket[:, 0], n_pieces + pocket[:, 1])), shape=(nodes, nodes))
    _, passage = connected_components(graph, directed=False)
    sides = pairs[big[pairs[:, 1]]]
    sides_of_passage = np.unique(passage[sides[:, 0]].astype(np.int64) * n_open + sides[:, 1]) // n_open
    gaps_between = np.bincount(sides_of_passage, minlength=nodes) >= 2
    # Every piece of such a passage that meets an open area is cut across.
    cut = np.unique(sides[gaps_between[passage[sides[:, 0]]], 0])
    segments = []
    for gap in cut:  # a few pieces per frame (not a loop over pixels)
        inside = piece == gap
        segment = _cut_across(mask, ys[inside], xs[inside], reach=max_width, min_ink=min_ink)
        if segment is not None:
            segments.append(segment)
    return np.asarray(segments, dtype=np.int64).reshape(-1, 4)


def _pieces(ys: np.ndarray, xs: np.ndarray, width: int) -> tuple[int, np.ndarray]:
    """The 4-connected pieces of a sparse set of pixels (``ys``, ``xs``: (p,) int64, in row-major order, as
    ``cv2.findNonZero`` gives them), labelled as a graph of their pixels: (count, (p,) int64 piece of each pixel).

    A few thousand pixels of a 1600 px frame: labelling the whole image costs 3.4 ms, the graph 0.3.
    """
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    keys = ys * width + xs
    index = np.arange(keys.size)
    right = index[:-1][(keys[1:] == keys[:-1] + 1) & (xs[:-1] + 1 < width)]
    below = np.searchsorted(keys, keys + width)
    found = below < keys.size
    found[found] = keys[below[found]] == keys[found] + width
    rows = np.concatenate([right, index[found]])
    cols = np.concatenate([right + 1, below[found]])
    graph = coo_matrix((np.ones(rows.size, np.int8), (rows, cols)), shape=(keys.size, keys.size))
    count, piece = connected_components(graph, directed=False)
    return int(count), piece.astype(np.int64)  # int64: piece * n_open in narrow_cut_closures must not overflow


def _areas_at_least(labels: np.ndarray, ids: np.ndarray, seed_y: np.ndarray, seed_x: np.ndarray,
                    min_area: int) -> np.ndarray:
    """(k,) bool: whether the 4-connected area ``ids[i]`` of ``labels`` (H, W) int32 has ``min_area`` pixels or more.

    Counted in a window around a pixel of each area (``seed_y``, ``seed_x``: (k,) int64), all windows at once; over
    the whole frame only for an area with fewer pixels in its window that reaches the window's rim (inside the
    frame): an area that does not lies inside its window (it is connected). Open areas are mostly either a region's
    wide interior or a speck. Written by hand: OpenCV sizes every area of the frame, which costs three times the
    labelling, for the few dozen to hundred areas a frame's narrow pieces touch.
    """
    # Twice the side of a square of min_area: an area seen at its edge rarely needs the whole frame (laughing_girl
    # 0000 at 1600 px: 3 of 86 areas with a window of one side, none with two).
    radius = 2 * int(np.ceil(np.sqrt(min_area)))
    height, width = labels.shape
    offsets = np.arange(-radius, radius + 1)
    ys = seed_y[:, None, None] + offsets[None, :, None]  # (k, 2r+1, 1)
    xs = seed_x[:, None, None] + offsets[None, None, :]  # (k, 1, 2r+1)
    inside = (ys >= 0) & (ys < height) & (xs >= 0) & (xs < width)
    own = inside & (labels[np.clip(ys, 0, height - 1), np.clip(xs, 0, width - 1)] == ids[:, None, None])
    count = np.count_nonzero(own, axis=(1, 2))
    rim = own.copy()
    rim[:, 1:-1, 1:-1] = False
    unsure = np.flatnonzero((count < min_area) & rim.any(axis=(1, 2)))
    for i in unsure:  # an area reaching past its window with fewer pixels inside: rare
        count[i] = np.count_nonzero(labels == ids[i])
    return count >= min_area


def _cut_across(mask: np.ndarray, ys: np.ndarray, xs: np.ndarray, *, reach: int,
                min_ink: float) -> tuple[int, int, int, int] | None:
    """The closing segment across a narrow piece of paper (pixels ``ys``, ``xs``), or None if it is no cut.

    Through the piece's pixel nearest its centroid, along its minor axis, to the last free pixel before ink on each
    side (within ``reach`` px); a cut only where ink then goes on for ``min_ink`` px on both sides.
    """
    cy, cx = ys.mean(), xs.mean()
    centre = int(np.argmin((ys - cy) ** 2 + (xs - cx) ** 2))
    if ys.size > 1:
        _, vectors = np.linalg.eigh(np.cov(np.stack([ys, xs]).astype(np.float64)))
        dy, dx = vectors[:, 0]  # the eigenvector of the smaller eigenvalue: across the piece
    else:
        dy, dx = 1.0, 0.0
    steps = np.arange(1, reach + int(np.ceil(min_ink)) + 2)
    ends = []
    for sign in (1.0, -1.0):
        y = np.rint(ys[centre] + sign * steps * dy).astype(np.int64)
        x = np.rint(xs[centre] + sign * steps * dx).astype(np.int64)
        inside = (y >= 0) & (y < mask.shape[0]) & (x >= 0) & (x < mask.shape[1])
        ink = np.zeros(steps.size, dtype=bool)
        ink[inside] = mask[y[inside], x[inside]]
        first = int(np.argmax(ink))
        if not ink[first] or first >= reach:
            return None  # no line within reach on this side
        beyond = np.argmin(ink[first:]) if not ink[first:].all() else steps.size - first
        if beyond < min_ink:
            return None  # only a thin line's width of ink: two lines side by side, not a cut through one
        ends.append((int(y[first - 1]), int(x[first - 1])) if first else (int(ys[centre]), int(xs[centre])))
    (y0, x0), (y1, x1) = sorted(ends)
    return x0, y0, x1, y1


def draw_closures(shape: tuple[int, int], segments) -> np.ndarray:
    """(H, W) bool: closing segments ``(x0, y0, x1, y1)`` drawn one pixel wide, 8-connected.

    An 8-connected line is a wall for the 4-connected components, so one pixel is enough.
    """
    canvas = np.zeros(shape, dtype=np.uint8)
    for x0, y0, x1, y1 in np.asarray(segments, dtype=np.int64).reshape(-1, 4):  # one call per closure
        cv2.line(canvas, (int(x0), int(y0)), (int(x1), int(y1)), 1, 1, lineType=cv2.LINE_8)
    return canvas.view(bool)


def _keys(rgba: np.ndarray) -> np.ndarray:
    """(...,) uint32: each RGBA pixel's 4 bytes read as one number (a cheap view, not ``pack_rgba``'s order)."""
    return np.ascontiguousarray(rgba).view(np.uint32)[..., 0]


def _from_keys(keys: np.ndarray) -> np.ndarray:
    """(..., 4) uint8 RGBA of ``_keys`` values."""
    keys = np.ascontiguousarray(keys, dtype=np.uint32)
    return keys.view(np.uint8).reshape(keys.shape + (4,))


def _flat_pixels(colored: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Color keys (``_keys``; transparent pixels all 0) and the pixels whose 3x3 neighbourhood is one color.

    Antialiased blends (ink into paint, paint into paint) are at most a pixel or two wide, so they
    are never flat: the flat pixels carry the painter's colors only.
    """
    keys = np.where(colored[..., 3] == 0, np.uint32(0), _keys(colored))
    canonical = _from_keys(keys)
    kernel = np.ones((3, 3), np.uint8)
    low = cv2.erode(canonical, kernel, borderType=cv2.BORDER_REPLICATE)
    high = cv2.dilate(canonical, kernel, borderType=cv2.BORDER_REPLICATE)
    return keys, _keys(low) == _keys(high)


def _line_pixels(lines, shape: tuple[int, int], name: str) -> np.ndarray | None:
    """(H, W) bool line mask from a Segmentation, a bool mask or None."""
    if lines is None:
        return None
    mask = lines.line if isinstance(lines, Segmentation) else np.asarray(lines, dtype=bool)
    if mask.shape != shape:
        raise InputError(
            f"{name} is {mask.shape[1]}x{mask.shape[0]} but the colored frame is {shape[1]}x{shape[0]}: "
            "the colored frame must have the line frame's size"
        )
    return mask


def _run_counts(keys: np.ndarray, use: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values of ``keys[use]`` and their counts, from the horizontal runs of equal keys.

    Painted frames are flat: a row holds few runs, so counting runs is much cheaper than sorting
    every pixel.
    """
    flat_keys = keys.ravel()
    flat_use = use.ravel()
    width = keys.shape[1]
    change = np.empty(flat_keys.size, dtype=bool)
    change[0] = True
    np.not_equal(flat_keys[1:], flat_keys[:-1], out=change[1:])
    change[1:] |= flat_use[1:] != flat_use[:-1]
    change[::width] = True  # a run never crosses a row end
    starts = np.flatnonzero(change)
    lengths = np.diff(np.r_[starts, flat_keys.size])
    keep = flat_use[starts]
    values, inverse = np.unique(flat_keys[starts[keep]], return_inverse=True)
    counts = np.bincount(inverse, weights=lengths[keep], minlength=values.size).astype(np.int64)
    return values, counts


def reference_palette(colored: np.ndarray, lines=None, *, min_area: int = 4) -> np.ndarray:
    """The painter's palette: the colors that cover flat areas of a painted frame, largest first.

    A pixel counts when its 3x3 neighbourhood is all one color (antialiased blends along lines and
    paint boundaries never are) and it is off the lines. Colors with at least ``min_area`` such
    pixels are kept. A region too thin to hold a flat pixel (an eye 3 px tall) adds its own paint
    after them (``_own_paints``: its most common exact color), when ``lines`` gives the regions. A
    flat-painted frame (no blends: paintmatch's output, a PaintMan export) keeps every color off its
    lines, however small. Transparent pixels count as the one color ``(0, 0, 0, 0)``.

    Parameters
    ----------
    colored : (H, W, 4) ndarray of uint8
        The painted frame, RGBA.
    lines : Segmentation or (H, W) ndarray of bool, optional
        The frame's line art (its components, or its line mask): ink pixels are not paint.
    min_area : int, optional
        Fewest flat pixels a color needs. 4 keeps a 4x4 px eye highlight (its 2x2 flat core) and
        drops the rare 3x3 patch a wide blend can leave.

    Returns
    -------
    palette : (K, 4) ndarray of uint8
        RGBA colors, by decreasing flat area (ties by color). Use it with ``reference_colors`` and
        ``split_by_paint``; the review page shows it as the painter's palette.

    Examples
    --------
    >>> colored = np.zeros((8, 8, 4), np.uint8)
    >>> colored[:, 3:] = (200, 50, 50, 255)
    >>> reference_palette(colored).tolist()
    [[200, 50, 50, 255], [0, 0, 0, 0]]
    """
    _check_rgba(colored, "colored")
    if isinstance(min_area, bool) or not isinstance(min_area, (int, np.integer)) or min_area < 1:
        raise ValueError(f"min_area must be an int >= 1; got {min_area!r}")
    line = _line_pixels(lines, colored.shape[:2], "lines")
    packed, flat = _flat_pixels(colored)
    off_line = np.ones(packed.shape, bool) if line is None else ~line
    if line is None:
        return _from_keys(_palette_keys(packed, flat, off_line, min_area)[0])
    if isinstance(lines, Segmentation):
        labels, n = lines.labels, lines.n
    else:
        count, labels = cv2.connectedComponents(off_line.view(np.uint8), connectivity=4, ltype=cv2.CV_32S)
        labels, n = labels - 1, count - 1  # as ``segment`` numbers the components of a line mask
    return _from_keys(_palette_with_own_paints(packed, flat, labels, n, min_area)[0])


def _palette_with_own_paints(packed: np.ndarray, flat: np.ndarray, labels: np.ndarray, n: int,
                             min_area: int) -> tuple[np.ndarray, bool]:
    """``_palette_keys`` off the lines of ``labels`` (``n`` components), then the own paints of its components with
    no flat pixel (``_own_paints``) that are not in it yet, most pixels first; and whether the frame is flat-painted."""
    keys, exact = _palette_keys(packed, flat, labels >= 0, min_area)
    if exact:
        return keys, exact
    _, own, counts = _own_paints(packed, labels, _unflat_components(packed, flat, labels, n, keys))
    new = ~np.isin(own, keys)
    extra, where = np.unique(own[new], return_inverse=True)
    weight = np.bincount(where, weights=counts[new], minlength=extra.size)
    order = np.lexsort((extra, -weight))
    return np.concatenate([keys, extra[order]]), exact


# A frame whose off-line pixels hold under this share of colors never seen flat is flat-painted
# (paintmatch's own output, a PaintMan export): it has no blends, so every color in it is paint.
# Antialiased paint has about 2% blends at 1600 px (two blend pixels per pixel of line length).
_FLAT_PAINTED_BLENDS = 0.002


def _palette_keys(packed: np.ndarray, flat: np.ndarray, off_line: np.ndarray, min_area: int) -> tuple[np.ndarray, bool]:
    """Palette color keys (``_keys``), largest area first, and whether the frame is flat-painted.

    An antialiased frame's palette is its flat colors with at least ``min_area`` flat pixels; a
    flat-painted frame's palette is every color off the lines (a 2-px component's color is paint).
    """
    flat_values, flat_counts = _run_counts(packed, flat & off_line)
    values, counts = _run_counts(packed, off_line)
    blends = counts[~np.isin(values, flat_values, assume_unique=True)].sum()
    exact = bool(blends <= _FLAT_PAINTED_BLENDS * max(int(counts.sum()), 1))
    if not exact:
        keep = flat_counts >= min_area
        values, counts = flat_values[keep], flat_counts[keep]
    order = np.lexsort((values, -counts))
    return values[order], exact


# A region with no flat pixel takes its most common exact color as its own paint when that color
# covers at least this share of it and this many pixels (else its blends are read: ``_colors_from_blends``).
# Production-like dev references (12 cuts x 3): of 305 such regions over 10 px, the blends read 261
# right, the own paint 299 (2 px / 10%: 293, 3 px / 25%: 297, 4 px / 20%: 299): benchmarks/palette_read.py.
_OWN_PAINT_SHARE = 0.2
_OWN_PAINT_PIXELS = 3


def _unflat_components(packed: np.ndarray, flat: np.ndarray, labels: np.ndarray, n: int, keys: np.ndarray) -> np.ndarray:
    """Indices of the components (``labels``, ``n`` of them) with no flat pixel of a palette color (``keys``)."""
    where = np.flatnonzero(flat & (labels >= 0))
    where = where[_palette_index(packed.ravel()[where], _from_keys(keys)) >= 0]
    return np.flatnonzero(np.bincount(labels.ravel()[where], minlength=n)[:n] == 0)


def _own_paints(packed: np.ndarray, labels: np.ndarray, components: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(which, keys, counts)``: the listed components that have an own paint, that paint (``_keys``) and its pixels.

    A region too thin for a flat pixel (an eye 3 px tall) still shows its paint exactly on its inner
    pixels, while the antialiased blends around them each take a different value: its most common
    exact color, over ``_OWN_PAINT_SHARE`` of it and ``_OWN_PAINT_PIXELS`` pixels, is its paint.
    ``which`` int64 and ``counts`` int64, in component order.
    """
    if components.size == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.uint32), np.zeros(0, np.int64)
    member = np.zeros(int(labels.max()) + 2, dtype=bool)
    member[components + 1] = True
    pixels = np.flatnonzero(member[labels.ravel() + 1])
    owners = labels.ravel()[pixels].astype(np.int64)
    pairs, counts = np.unique(owners << 32 | packed.ravel()[pixels].astype(np.int64), return_counts=True)
    owner = pairs >> 32
    order = np.lexsort((-counts, owner))  # per component, its most common color first
    first = order[np.r_[True, owner[order][1:] != owner[order][:-1]]]
    size = np.bincount(owners)[owner[first]]
    ok = (counts[first] >= _OWN_PAINT_PIXELS) & (counts[first] >= _OWN_PAINT_SHARE * size)
    return owner[first][ok], (pairs[first][ok] & 0xFFFFFFFF).astype(np.uint32), counts[first][ok].astype(np.int64)


def _palette_index(packed: np.ndarray, palette: np.ndarray) -> np.ndarray:
    """int32 index into ``palette`` of each color key (``packed``: ``_keys``, any shape), -1 when none."""
    keys = _keys(np.asarray(palette, dtype=np.uint8).reshape(-1, 4))
    order = np.argsort(keys, kind="stable")
    sorted_keys = keys[order]
    where = np.clip(np.searchsorted(sorted_keys, packed), 0, max(sorted_keys.size - 1, 0))
    found = sorted_keys[where] == packed if sorted_keys.size else np.zeros(packed.shape, bool)
    return np.where(found, order[where], -1).astype(np.int32)


def reference_colors(colored: np.ndarray, seg: Segmentation, *, palette: np.ndarray | None = None) -> np.ndarray:
    """The palette color of each component of a painted frame.

    Each component takes the palette color that covers most of its flat pixels (see
    ``reference_palette``); in a flat-painted frame (no blends) simply its majority color, edge
    pixels aside. A small component with no flat pixel (an eye a few pixels wide) takes its own
    paint, the most common exact color of its pixels, when that is a palette color
    (``_own_paints``); else it reads its blends: each pixel is explained as a mix of the ink next to
    it and one palette color (the palette color nearest to the blend's paint side), and the
    component takes the majority. So every component carries a palette color, never a blend.

    Parameters
    ----------
    colored : (H, W, 4) ndarray of uint8
        The colored frame, RGBA, same size as the line art.
    seg : Segmentation
        Components of the matching line frame.
    palette : (K, 4) ndarray of uint8, optional
        The painter's palette (default: ``reference_palette(colored, seg)``).

    Returns
    -------
    colors : (n, 4) ndarray of uint8
        RGBA per component, each a row of ``palette``. Fully transparent pixels count as (0, 0, 0, 0).

    Raises
    ------
    InputError
        If the colored frame's size differs from the line frame's.
    """
    _check_rgba(colored, "colored")
    if colored.shape[:2] != seg.shape:
        raise InputError(
            f"colored frame is {colored.shape[1]}x{colored.shape[0]} but its line frame is "
            f"{seg.shape[1]}x{seg.shape[0]}: the colored frame must have the line frame's size"
        )
    packed, flat = _flat_pixels(colored)
    if palette is None:
        keys, exact = _palette_with_own_paints(packed, flat, seg.labels, seg.n, 4)  # = reference_palette(colored, seg)
        if exact:  # no blends: the majority color of each component is its paint
            return _majority_colors(packed, seg)
        palette = _from_keys(keys)
    palette = np.asarray(palette, dtype=np.uint8).reshape(-1, 4)
    if palette.shape[0] == 0 or seg.n == 0:
        return _majority_colors(packed, seg)
    labels = seg.labels
    k = palette.shape[0]
    where = np.flatnonzero(flat & (labels >= 0))
    index = _palette_index(packed.ravel()[where], palette)
    votes = index >= 0
    owners = labels.ravel()[where[votes]].astype(np.int64)
    tally = np.bincount(owners * k + index[votes], minlength=seg.n * k).reshape(seg.n, k)
    choice = np.argmax(tally, axis=1)
    blended = np.flatnonzero(tally.sum(axis=1) == 0)
    if blended.size:
        which, own, _ = _own_paints(packed, labels, blended)
        own_index = _palette_index(own, palette)
        which, own_index = which[own_index >= 0], own_index[own_index >= 0]  # an own paint is a palette color
        choice[which] = own_index
        rest = blended[~np.isin(blended, which)]
        if rest.size:
            choice[rest] = _colors_from_blends(colored, seg, palette, rest)
    return palette[choice]


def _colors_from_blends(
    colored: np.ndarray, seg: Segmentation, palette: np.ndarray, components: np.ndarray
) -> np.ndarray:
    """Palette index for components without flat pixels, read from their antialiased pixels.

    A blend pixel c is a mix ``c = a * P + (1 - a) * L`` of a paint color P and the ink L of the
    nearest line pixel: each pixel votes for the palette color whose segment [L, P] passes nearest
    to c (ties to the palette color nearest to c), and the component takes the majority.
    """
    labels = seg.labels
    member = np.zeros(seg.n + 1, dtype=bool)
    member[components + 1] = True
    pixels = np.flatnonzero(member[labels.ravel() + 1])
    owners = labels.ravel()[pixels]
    rgba = colored.reshape(-1, 4).astype(np.float64)
    c = rgba[pixels]
    c[c[:, 3] == 0] = 0.0
    line = seg.line
    if line.any():
        _, nearest = cv2.distanceTransformWithLabels(
            np.logical_not(line).view(np.uint8), cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL
        )
        ink = rgba[np.flatnonzero(line)[nearest.ravel()[pixels] - 1]]
    else:
        ink = c.copy()
    p = palette.astype(np.float64)[None, :, :]  # (1, K, 4)
    lo = ink[:, None, :]
    span = p - lo
    t = np.clip(np.sum((c[:, None, :] - lo) * span, axis=2) / np.maximum(np.sum(span * span, axis=2), 1e-9), 0.0, 1.0)
    off = np.linalg.norm(lo + t[..., None] * span - c[:, None, :], axis=2)
    direct = np.linalg.norm(p - c[:, None, :], axis=2)
    vote = np.argmin(off + 0.05 * direct, axis=1)  # the mix that explains c, ties to the nearer color
    k = palette.shape[0]
    tally = np.bincount(owners.astype(np.int64) * k + vote, minlength=seg.n * k).reshape(seg.n, k)
    return np.argmax(tally[components], axis=1)


def _majority_colors(packed: np.ndarray, seg: Segmentation) -> np.ndarray:
    """Majority color of each component (``packed``: ``_keys``), edge pixels ignored where it has interior ones."""
    labels = seg.labels
    interior = labels >= 0
    interior[1:, :] &= labels[1:, :] == labels[:-1, :]
    interior[:-1, :] &= labels[:-1, :] == labels[1:, :]
    interior[:, 1:] &= labels[:, 1:] == labels[:, :-1]
    interior[:, :-1] &= labels[:, :-1] == labels[:, 1:]
    has_interior = np.bincount(labels[interior], minlength=seg.n) > 0
    use = interior | ((labels >= 0) & ~has_interior[np.maximum(labels, 0)])
    keys = labels[use].astype(np.int64) << 32 | packed[use].astype(np.int64)
    unique, counts = np.unique(keys, return_counts=True)
    comp = (unique >> 32).astype(np.int64)
    color = (unique & 0xFFFFFFFF).astype(np.uint32)
    # For each component keep the color with the largest count: sort by (comp, count).
    order = np.lexsort((counts, comp))
    last_of_comp = np.r_[comp[order][1:] != comp[order][:-1], True]
    best = order[last_of_comp]
    result = np.zeros((seg.n, 4), dtype=np.uint8)
    result[comp[best]] = _from_keys(color[best])
    return result


def split_by_paint(
    seg: Segmentation, colored: np.ndarray, *, palette: np.ndarray | None = None, min_area: int = 16
) -> Segmentation:
    """The reference's components as the painter painted them: split where paint changes without a line.

    Where one component of the line art holds two or more palette colors, each over a flat patch
    of at least ``min_area`` pixels (the painter closed a gap while painting, or painted a shadow
    boundary without a trace line), the component is split along the color boundary: every pixel
    of it joins the nearest flat patch (a flood from the patches inside the component), and a
    one-pixel wall is added where the flooded colors meet. The wall is made of closure pixels
    (``LineClass.CLOSURE``): a boundary for the components, invisible in painted output.

    Parameters
    ----------
    seg : Segmentation
        Components of the reference's line art.
    colored : (H, W, 4) ndarray of uint8
        The painted reference, same size.
    palette : (K, 4) ndarray of uint8, optional
        Default: ``reference_palette(colored, seg)``.
    min_area : int, optional
        Fewest flat pixels a color patch needs to split a component (smaller patches are specks).

    Returns
    -------
    Segmentation
        A new segmentation (areas, adjacency, trace sides recomputed) whose components hold one
        palette color each; ``seg`` itself when nothing needs splitting. Read the colors with
        ``reference_colors`` on the result.
    """
    from skimage.segmentation import watershed

    _check_rgba(colored, "colored")
    if colored.shape[:2] != seg.shape:
        raise InputError(
            f"colored frame is {colored.shape[1]}x{colored.shape[0]} but its line frame is "
            f"{seg.shape[1]}x{seg.shape[0]}: the colored frame must have the line frame's size"
        )
    if palette is None:
        palette = reference_palette(colored, seg)
    palette = np.asarray(palette, dtype=np.uint8).reshape(-1, 4)
    if palette.shape[0] < 2 or seg.n == 0:
        return seg
    labels = seg.labels
    packed, flat = _flat_pixels(colored)
    flat &= labels >= 0
    where = np.flatnonzero(flat)
    index = np.full(labels.shape, -1, dtype=np.int32)
    index.ravel()[where] = _palette_index(packed.ravel()[where], palette)
    flat &= index >= 0
    # Adjacent flat pixels share their color and component: the patches are the 4-connected parts.
    n_parts, parts, stats, _ = cv2.connectedComponentsWithStats(flat.view(np.uint8), connectivity=4, ltype=cv2.CV_32S)
    big = np.flatnonzero(stats[1:, cv2.CC_STAT_AREA] >= min_area) + 1
    if big.size < 2:
        return seg
    # One pixel of each patch names its component and color.
    first = np.full(n_parts, -1, dtype=np.int64)
    flat_parts = parts.ravel()
    nz = np.flatnonzero(flat_parts)
    first[flat_parts[nz][::-1]] = nz[::-1]
    part_comp = labels.ravel()[first[big]].astype(np.int64)
    part_color = index.ravel()[first[big]].astype(np.int64)
    pairs = np.unique(part_comp * palette.shape[0] + part_color)
    colors_per_comp = np.bincount(pairs // palette.shape[0], minlength=seg.n)
    split = np.flatnonzero(colors_per_comp >= 2)
    if split.size == 0:
        return seg
    region = np.isin(labels, split)
    ys, xs = np.nonzero(region)
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    region_c = region[y0:y1, x0:x1]
    marker_of_part = np.zeros(n_parts, dtype=np.int32)
    keep = np.isin(part_comp, split)
    marker_of_part[big[keep]] = part_color[keep] + 1  # flood the colors, not the patches
    markers = np.where(region_c, marker_of_part[parts[y0:y1, x0:x1]], 0)
    flooded = watershed(np.zeros(region_c.shape, np.uint8), markers=markers, mask=region_c, connectivity=1)
    comp_c = labels[y0:y1, x0:x1]
    wall = np.zeros(region_c.shape, dtype=bool)
    # Of every two 4-neighbours of one component flooded with different colors, mark the first.
    across = (flooded[:, :-1] != flooded[:, 1:]) & (comp_c[:, :-1] == comp_c[:, 1:]) & region_c[:, :-1]
    wall[:, :-1] |= across
    down = (flooded[:-1, :] != flooded[1:, :]) & (comp_c[:-1, :] == comp_c[1:, :]) & region_c[:-1, :]
    wall[:-1, :] |= down
    wall &= flooded > 0
    mask = seg.line.copy()
    mask[y0:y1, x0:x1] |= wall
    line_class = seg.line_class.copy()
    line_class[y0:y1, x0:x1][wall] = LineClass.CLOSURE
    nearest = in_background(_nearest_off_line, mask) if not mask.all() else None
    result = _components(mask, line_class, seg.transparent, np.flatnonzero(mask), nearest)
    result.closure_segments = seg.closure_segments
    return result


def paint_off_lines(seg: Segmentation, split: Segmentation) -> float:
    """How far a colored frame fits its line frame: the length of its paint boundaries where the line frame has no
    line, over the length of the regions' borders along lines.

    ``split`` is ``split_by_paint(seg, colored)``: its walls (new closure pixels) are where two paints meet inside a
    region of the line art. Painted on these lines, paint changes at the lines; a wall is a gap the painter closed or a
    shadow painted without a trace line (a disc of shadow over laughing_girl's hair: 0.006). The colored frames of the
    production-like dev and test suites and of basicpbc on their own lines, also saved as JPEG at quality 95 / 85 / 70,
    measure at most 0.001; shifted 2 px 0.005, 4 px 0.09-0.20; the next key drawing's colored frame 0.30-0.49 (as JPEG
    0.24-0.34; two smoke drawings a frame apart 0.05). Flat patches under ``split_by_paint``'s ``min_area``, such as
    JPEG's noise, draw no wall.

    Parameters
    ----------
    seg : Segmentation
        The line frame's segmentation.
    split : Segmentation
        ``split_by_paint(seg, colored)`` (``seg`` itself when nothing was split).

    Returns
    -------
    float
        0 where no wall was drawn; 1 where the walls are as long as the borders along lines.
    """
    if split is seg:
        return 0.0
    walls = np.count_nonzero(split.closures & ~seg.closures)
    line = seg.line
    border = ~line & (cv2.dilate(line.view(np.uint8), np.ones((3, 3), np.uint8)) > 0)
    return float(walls / max(1, np.count_nonzero(border)))


def gap_preview(rgba: np.ndarray, seg: Segmentation) -> np.ndarray:
    """(H, W, 4) uint8: the line art on white with the gap closures drawn in magenta.

    Closures (automatic, hand-drawn, trapped-ball or paint boundaries) are one pixel wide; the
    preview widens them to 3 px over the paper (never over ink) so they can be seen at a glance.
    """
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    preview = (rgba[..., :3].astype(np.float32) * alpha + 255.0 * (1.0 - alpha)).astype(np.uint8)
    preview = np.dstack([preview, np.full(seg.shape, 255, np.uint8)])
    closures = seg.closures
    if closures.any():
        wide = cv2.dilate(closures.view(np.uint8), np.ones((3, 3), np.uint8)).view(bool)
        show = closures | (wide & (seg.line_class == LineClass.NONE))
        preview[show] = (255, 0, 255, 255)
    return preview


def _check_rgba(array: np.ndarray, name: str) -> None:
    if not isinstance(array, np.ndarray) or array.ndim != 3 or array.shape[2] != 4 or array.dtype != np.uint8:
        got = getattr(array, "shape", type(array).__name__), getattr(array, "dtype", "")
        raise ValueError(f"{name} must be an (H, W, 4) uint8 RGBA array; got {got}")
