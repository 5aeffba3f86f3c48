"""Draw a posed character: region map (which part is under every pixel) and hand-drawn-looking line art.

Parts are drawn back to front (painter's algorithm) in the bounding box of each part only. A part's
fill covers what is behind it, lines included, so occlusion splits and hides regions exactly as on
paper. Lines are OpenCV polylines at 1/16 pixel precision with a width that varies along the stroke,
a small per-frame wobble of the outline (the drawing jitter of hand-drawn in-betweens), optional
antialiasing and, optionally, a few tiny gaps in the main lines. Production-like frames
(``production=True``) draw cleanup-style lines instead (weight varying along strokes and from part to
part, hairline folds, overshooting stripe lines) in the frame's depth order and head turn.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from paintmatch.segment import LineClass, small_holes
from paintmatch.synth._character import Character, Part
from paintmatch.synth._motion import FramePose
from paintmatch.synth._truth import LINE_RGB

__all__ = ["RenderedFrame", "render_frame"]

_SHIFT = 4
_ONE = 1 << _SHIFT


@dataclass
class RenderedFrame:
    """One drawn frame.

    Attributes
    ----------
    line : (H, W, 4) ndarray of uint8
        Line art: black main lines, blue shadow and red highlight trace lines, transparent elsewhere.
    regions : (H, W) ndarray of int32
        Region id under every pixel, lines included (0 = background).
    """

    line: np.ndarray
    regions: np.ndarray


@dataclass
class _Pen:
    unit: float
    antialias: bool
    gaps: bool
    rng: np.random.Generator
    production: bool = False

    @property
    def line_type(self) -> int:
        return cv2.LINE_AA if self.antialias else cv2.LINE_8


def _fill(shape: tuple[int, int], points: np.ndarray) -> np.ndarray:
    mask = np.zeros(shape, dtype=np.uint8)
    cv2.fillPoly(mask, [np.round(points * _ONE).astype(np.int32)], 255, cv2.LINE_8, _SHIFT)
    return mask > 0


def _jitter(points: np.ndarray, rng: np.random.Generator, amplitude: float) -> np.ndarray:
    """Move outline points along their normals by a smooth random wobble (a few low harmonics)."""
    n = points.shape[0]
    if n < 4 or amplitude <= 0:
        return points
    tangent = np.roll(points, -1, axis=0) - np.roll(points, 1, axis=0)
    normal = np.stack([-tangent[:, 1], tangent[:, 0]], axis=1)
    normal /= np.maximum(np.hypot(normal[:, 0], normal[:, 1]), 1e-9)[:, None]
    i = np.arange(n) / n
    k = np.arange(1, 4)[:, None]
    wobble = (rng.normal(0.0, 1.0, size=(3, 1)) / k * np.sin(2 * np.pi * k * i + rng.uniform(0, 2 * np.pi, size=(3, 1)))).sum(0)
    return points + normal * (amplitude * wobble)[:, None]


def _stroke(shape: tuple[int, int], points: np.ndarray, pen: _Pen, *, width: float, closed: bool, gaps: bool = False) -> np.ndarray:
    """(h, w) uint8 ink of a polyline whose width varies smoothly along it (and tapers at open ends)."""
    ink = np.zeros(shape, dtype=np.uint8)
    if closed:
        points = np.concatenate([points, points[:1]], axis=0)
    n = points.shape[0] - 1
    if n < 1:
        return ink
    rng = pen.rng
    s = (np.arange(n) + 0.5) / n
    pressure = 1.0 + 0.3 * np.sin(2 * np.pi * (rng.integers(1, 3) * s + rng.random()))
    if pen.production:  # cleanup line weight: swells and thins along the stroke
        pressure = pressure + 0.25 * np.sin(2 * np.pi * (rng.integers(2, 5) * s + rng.random()))
    if not closed:
        pressure *= 0.55 + 0.45 * np.sin(np.pi * s)
    widths = np.maximum(1, np.round(width * pressure + (1 if pen.antialias else 0))).astype(np.int32)
    if pen.production and closed:
        widths = np.maximum(widths, 2)  # an outline never thins below 2 px: it must close its region
    if gaps and n > 6 and rng.random() < 0.35:
        widths[int(rng.integers(0, n))] = 0  # a tiny gap: one segment left undrawn
    fixed = np.round(points * _ONE).astype(np.int32)
    change = np.flatnonzero(np.diff(widths)) + 1
    starts = np.r_[0, change]
    ends = np.r_[change, n]
    runs: dict[int, list[np.ndarray]] = {}
    for a, b in zip(starts, ends):
        w = int(widths[a])
        if w > 0:
            runs.setdefault(w, []).append(fixed[a : b + 1])
    for w, polylines in runs.items():
        cv2.polylines(ink, polylines, False, 255, w, pen.line_type, _SHIFT)
    return ink


_FEATURES = ("eye_white_", "iris_", "pupil_", "eye_shine_", "lash_", "eye_closed_", "brow_", "blush_")
_EYE = ("eye_white_", "iris_", "pupil_", "eye_shine_", "lash_", "eye_closed_")
_CENTRE_FEATURES = {"nose": 1.2, "mouth": 0.9, "tongue": 0.9, "teeth": 0.9, "mouth_closed": 0.9}
_SLIDE = 20.0
"""How far (character units; the face is 120 wide) the features slide at a full head turn."""


def _turned(part: Part, frame: FramePose):
    """The rest-to-pixel map of ``part`` under the frame's head turn, or None if the turn hides it.

    The facial features slide toward the side the head turns to; the eye on that side (the far eye)
    narrows and vanishes past a turn of 0.85, the far ear vanishes past 0.35, the bangs follow a little.
    """
    tau = frame.head_turn
    name = part.name
    side = name[-1] if name[-2:] in ("_r", "_l") else ""
    sx = -1.0 if side == "r" else 1.0
    far = bool(side) and sx * tau > 0
    shift = 0.0
    squeeze = None
    if name.startswith(_FEATURES):
        shift = _SLIDE * tau
        if name.startswith(_EYE):
            if far and abs(tau) > 0.85:
                return None
            squeeze = (sx * 27.0, 1.0 - 0.5 * abs(tau) if far else 1.0 + 0.1 * abs(tau))
    elif name in _CENTRE_FEATURES:
        shift = _SLIDE * tau * _CENTRE_FEATURES[name]
    elif name.startswith(("ear_", "earring_")):
        if far and abs(tau) > 0.35:
            return None
        shift = -0.25 * _SLIDE * tau
    elif name.startswith("bang_"):
        shift = 0.3 * _SLIDE * tau

    def place(rest: np.ndarray) -> np.ndarray:
        if shift or squeeze is not None:
            rest = rest.copy()
            if squeeze is not None:
                rest[:, 0] = squeeze[0] + (rest[:, 0] - squeeze[0]) * squeeze[1]
            rest[:, 0] += shift
        return frame.to_pixels(rest, part.bone)

    return place


def _drawing_order(character: Character, front: frozenset[str]) -> list[Part]:
    """Parts back to front with the arms of ``front`` last and the others behind the body."""
    arms = ("sleeve_", "forearm_", "hand_", "thumb_")
    parts = character.parts
    is_arm = [p.name.startswith(arms) for p in parts]
    first_arm = is_arm.index(True)
    body = [p for p, a in zip(parts, is_arm) if not a]
    arm_side = {side: [p for p, a in zip(parts, is_arm) if a and p.name.endswith(f"_{side}")] for side in ("r", "l")}
    behind = [p for side in ("r", "l") if side not in front for p in arm_side[side]]
    ahead = [p for side in ("r", "l") if side in front for p in arm_side[side]]
    return body[:first_arm] + behind + body[first_arm:] + ahead


def _put_ink(ink: np.ndarray, classes: np.ndarray, new: np.ndarray, line_class: int) -> np.ndarray:
    """Lay new ink over old where it is darker; returns where it went (bool)."""
    where = new > ink
    ink[where] = new[where]
    classes[where] = line_class
    return where


def _draw_part(part: Part, frame: FramePose, character: Character, regions: np.ndarray, ink: np.ndarray,
               classes: np.ndarray, pen: _Pen) -> None:
    height, width = regions.shape
    if pen.production:
        place = _turned(part, frame)
        if place is None:
            return  # the far eye or ear, hidden by the head turn
    else:
        def place(rest: np.ndarray) -> np.ndarray:
            return frame.to_pixels(rest, part.bone)
    points = place(part.outline)
    if not part.stroke_only:
        points = _jitter(points, pen.rng, 0.35 * pen.unit)
    line_width = 2.0 * pen.unit * part.width
    fold_width = line_width * 0.7
    overshoot = 0
    if pen.production:
        # Cleanup lines are thinner than the clean cuts' (about 3 px at 1200 px, never under 1.5 px), and
        # their weight varies from part to part.
        line_width = max(1.5, 1.2 * pen.unit * part.width) * pen.rng.uniform(0.75, 1.3)
        fold_width = max(1.0, line_width * 0.35)  # creases and folds: hairlines
        overshoot = int(round(pen.rng.uniform(1.0, 3.0) * pen.unit))  # stroke ends pass the junction
    pad = int(np.ceil(line_width * 1.5)) + 3
    x0 = max(int(np.floor(points[:, 0].min())) - pad, 0)
    y0 = max(int(np.floor(points[:, 1].min())) - pad, 0)
    x1 = min(int(np.ceil(points[:, 0].max())) + pad + 1, width)
    y1 = min(int(np.ceil(points[:, 1].max())) + pad + 1, height)
    if x1 <= x0 or y1 <= y0:
        return
    origin = np.array([x0, y0], dtype=np.float64)
    shape = (y1 - y0, x1 - x0)
    r = regions[y0:y1, x0:x1]
    k = ink[y0:y1, x0:x1]
    c = classes[y0:y1, x0:x1]
    local = points - origin
    if part.stroke_only:
        _put_ink(k, c, _stroke(shape, local, pen, width=line_width if not pen.production else max(1.0, 0.6 * line_width),
                               closed=False), LineClass.MAIN)
        return

    mask = _fill(shape, local)
    allowed = None
    if part.clip:
        allowed = np.isin(r, part.clip) & (k < 128)
        mask &= allowed
    if not mask.any():
        return
    r[mask] = part.region
    k[mask] = 0
    c[mask] = LineClass.NONE

    reach = mask
    if overshoot > 0:
        reach = cv2.dilate(mask.astype(np.uint8), cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * overshoot + 1,) * 2)) > 0
    for stripe in part.stripes:
        poly = place(stripe.polygon) - origin
        inside = _fill(shape, poly) & mask
        r[inside] = stripe.region
        edge = _stroke(shape, poly, pen, width=line_width * 0.8, closed=True)
        edge[~reach] = 0
        _put_ink(k, c, edge, LineClass.MAIN)

    trace_width = max(1.0, 1.1 * pen.unit)
    for shade in part.shades:
        poly = place(shade.polygon) - origin
        inside = _fill(shape, poly)
        area = mask & (inside if shade.inside else ~inside)
        if shade.kind == "shadow":
            lut, line_class = character.shadow_lut, LineClass.BLUE
        else:
            lut, line_class = character.highlight_lut, LineClass.RED
        r[area] = lut[r[area]]
        trace = _stroke(shape, poly, pen, width=trace_width, closed=True)
        trace[~mask] = 0
        put = _put_ink(k, c, trace, line_class) & (trace >= 128)
        # The trace line belongs to the region it bounds: its pixels take the shaded color in gt.
        r[put] = lut[r[put]]

    for fold in part.strokes:
        poly = place(fold) - origin
        line = _stroke(shape, poly, pen, width=fold_width, closed=False)
        line[~mask] = 0
        _put_ink(k, c, line, LineClass.MAIN)

    outline = _stroke(shape, local, pen, width=line_width if part.line_class == LineClass.MAIN else trace_width,
                      closed=True, gaps=pen.gaps and part.line_class == LineClass.MAIN)
    if allowed is not None:
        outline[~(allowed | mask)] = 0
    _put_ink(k, c, outline, part.line_class)


def _ink_pockets(ink: np.ndarray, classes: np.ndarray, *, max_area: int) -> None:
    """Ink over the tiny pockets left where lines meet at shallow angles (as an inker would).

    Pockets of at most ``max_area`` pixels between lines become line of the neighbouring line's class.
    """
    solid = ink >= 128
    pocket = small_holes(solid, max_area)
    if pocket is None:
        return
    nearby = cv2.dilate(np.where(solid, classes, 0).astype(np.uint8), np.ones((3, 3), np.uint8))
    ink[pocket] = 255
    classes[pocket] = np.maximum(nearby[pocket], LineClass.MAIN)


def render_frame(character: Character, frame: FramePose, rng: np.random.Generator, *, size: int,
                 antialias: bool = False, gaps: bool = False, production: bool = False) -> RenderedFrame:
    """Draw one frame of a character.

    Parameters
    ----------
    character : Character
    frame : FramePose
        From ``paintmatch.synth._motion.pose``.
    rng : numpy.random.Generator
        This frame's randomness (line wobble, pressure, gaps).
    size : int
        Width and height in pixels.
    antialias : bool, optional
        Antialiased lines (alpha ramps at their edges).
    gaps : bool, optional
        Leave a few tiny gaps in main lines.
    production : bool, optional
        Cleanup-style lines (weight varying along strokes and from part to part, 1-px hairline folds,
        overshooting stripe lines), the frame's depth order (``frame.front``) and head turn
        (``frame.head_turn``). Leaking gaps are cut afterwards (``paintmatch.synth._production``).

    Returns
    -------
    RenderedFrame
    """
    regions = np.zeros((size, size), dtype=np.int32)
    ink = np.zeros((size, size), dtype=np.uint8)
    classes = np.zeros((size, size), dtype=np.uint8)
    pen = _Pen(unit=size / 512.0, antialias=antialias, gaps=gaps, rng=rng, production=production)
    parts = character.parts if frame.front is None else _drawing_order(character, frame.front)
    for part in parts:
        if part.when is not None and part.when not in frame.states:
            continue
        _draw_part(part, frame, character, regions, ink, classes, pen)
    _ink_pockets(ink, classes, max_area=int(round(4 * pen.unit**2)))
    rgb = np.zeros((256, 3), dtype=np.uint8)
    for line_class, color in LINE_RGB.items():
        rgb[line_class] = color
    line = np.empty((size, size, 4), dtype=np.uint8)
    line[..., :3] = rgb[classes]
    line[..., 3] = ink
    line[ink == 0] = 0
    return RenderedFrame(line=line, regions=regions)
