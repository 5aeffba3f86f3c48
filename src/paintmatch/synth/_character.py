"""Procedural design of one anime-like character: skeleton, parts, regions and their colors.

Everything is laid out in a rest pose in *character units* (y down; the head's centre is at (0, -150),
the hips at (0, 100), the feet near y = 320). ``_motion`` poses the skeleton per frame and maps
character units to pixels; ``_render`` draws the parts back to front.

A *region* is one flat-colored area of the design (the left sleeve's shadow, the third stripe of the
shirt...); its id is the part identity written to ``label/``. Region 0 is the background. Every base
region has a shadow and a highlight variant (ids ``base + 1`` and ``base + 2``) that shades map to.
"""

from __future__ import annotations

import colorsys
from dataclasses import dataclass, field

import numpy as np

from paintmatch.segment import LineClass
from paintmatch.synth._shapes import band, capsule, ellipse, lens, quad_bezier, rotate, strand

__all__ = ["Bone", "Shade", "Stripe", "Part", "Character", "design_character", "BONES"]

BONES = (
    # name, parent, pivot (rest, character units)
    ("root", -1, (0.0, 100.0)),
    ("torso", 0, (0.0, 100.0)),
    ("head", 1, (0.0, -88.0)),
    ("arm_upper_r", 1, (-56.0, -52.0)),
    ("arm_lower_r", 3, (-68.0, 28.0)),
    ("hand_r", 4, (-74.0, 100.0)),
    ("arm_upper_l", 1, (56.0, -52.0)),
    ("arm_lower_l", 6, (68.0, 28.0)),
    ("hand_l", 7, (74.0, 100.0)),
    ("thigh_r", 0, (-24.0, 100.0)),
    ("shin_r", 9, (-27.0, 210.0)),
    ("foot_r", 10, (-29.0, 305.0)),
    ("thigh_l", 0, (24.0, 100.0)),
    ("shin_l", 12, (27.0, 210.0)),
    ("foot_l", 13, (29.0, 305.0)),
    ("hair", 2, (0.0, -200.0)),
)
"""The skeleton: (name, parent index, pivot). Angles are animated per bone in ``_motion``."""

_BONE = {name: i for i, (name, _, _) in enumerate(BONES)}


@dataclass
class Bone:
    """One joint of the skeleton and its animation.

    Attributes
    ----------
    parent : int
        Index of the parent bone, -1 for the root.
    pivot : (2,) ndarray of float64
        Rest position of the joint (character units).
    amplitude, frequency, phase, offset : float
        Angle (radians) at time t is ``offset + amplitude * sin(2 pi frequency t + phase)``.
    """

    parent: int
    pivot: np.ndarray
    amplitude: float
    frequency: float
    phase: float
    offset: float


@dataclass
class Shade:
    """A shadow or highlight inside a part, bounded by a colored trace line.

    Attributes
    ----------
    polygon : (k, 2) ndarray of float64
        Outline in rest character units.
    inside : bool
        True: the shaded area is the part inside ``polygon``; False: the part outside it (a crescent when
        ``polygon`` is the part's own outline shifted).
    kind : str
        ``"shadow"`` (blue trace line) or ``"highlight"`` (red trace line).
    """

    polygon: np.ndarray
    inside: bool
    kind: str


@dataclass
class Stripe:
    """A band of another color inside a part, bounded by main lines (a stripe, a cuff, a pleat)."""

    polygon: np.ndarray
    region: int


@dataclass
class Part:
    """One drawn piece of the character.

    Attributes
    ----------
    name : str
        For debugging (``"iris_l"``).
    bone : int
        Bone that carries the part.
    outline : (k, 2) ndarray of float64
        Closed outline (or open polyline when ``stroke_only``), rest character units.
    region : int
        Base region id (0 for stroke-only parts).
    stripes, shades : list
        Bands and shadows/highlights inside the part, in drawing order.
    strokes : list of (k, 2) ndarray
        Open main lines drawn inside the part (folds, creases); they do not need to close a region.
    clip : tuple of int
        Region ids the part is confined to (an iris inside its eye); empty for none.
    when : str or None
        Drawn only in frames where this state holds: ``"eyes_open"``, ``"eyes_closed"``,
        ``"mouth_open"``, ``"mouth_closed"``.
    stroke_only : bool
        The outline is an open stroke with no fill (a closed eye, a nose).
    line_class : int
        ``LineClass`` of the outline (main, or red for a blush without black outline).
    width : float
        Line width factor.
    """

    name: str
    bone: int
    outline: np.ndarray
    region: int = 0
    stripes: list[Stripe] = field(default_factory=list)
    shades: list[Shade] = field(default_factory=list)
    strokes: list[np.ndarray] = field(default_factory=list)
    clip: tuple[int, ...] = ()
    when: str | None = None
    stroke_only: bool = False
    line_class: int = LineClass.MAIN
    width: float = 1.0

    def regions(self) -> tuple[int, ...]:
        """Every region id this part can paint (base, stripes and their shaded variants)."""
        bases = [self.region] + [s.region for s in self.stripes]
        return tuple(r + k for r in bases if r > 0 for k in (0, 1, 2))


@dataclass
class Character:
    """A designed character, ready to pose and draw.

    Attributes
    ----------
    parts : list of Part
        In drawing order, back to front.
    bones : list of Bone
    palette : (K, 4) ndarray of uint8
        RGBA per region id; entry 0 is the transparent background.
    shadow_lut, highlight_lut : (K,) ndarray of int32
        Region id -> its shadow / highlight variant (shaded variants map to themselves).
    names : list of str
        Name per region id (debugging and documentation).
    """

    parts: list[Part]
    bones: list[Bone]
    palette: np.ndarray
    shadow_lut: np.ndarray
    highlight_lut: np.ndarray
    names: list[str]


def _shaded(rgb: tuple[int, int, int], kind: str) -> tuple[int, int, int]:
    """Shadow (darker, bluer) or highlight (lighter, paler) variant of a base color."""
    h, s, v = colorsys.rgb_to_hsv(*(c / 255.0 for c in rgb))
    if kind == "shadow":
        h = h + 0.04 * np.sin(2 * np.pi * (0.7 - h))  # hue drifts toward blue-violet
        s, v = min(1.0, s * 1.15 + 0.08), v * 0.75
    else:
        s, v = s * 0.55, min(1.0, v * 1.1 + 0.12)
    out = tuple(int(round(c * 255)) for c in colorsys.hsv_to_rgb(h % 1.0, s, v))
    if out == tuple(rgb):  # pure white / black: nudge so the variant differs
        out = tuple(int(np.clip(c + (-24 if kind == "shadow" else 24), 8, 255)) for c in rgb)
    return out  # type: ignore[return-value]


def _smooth(points: np.ndarray, iterations: int = 2) -> np.ndarray:
    """Chaikin corner cutting of a closed polygon (hand-written: a few lines of NumPy)."""
    for _ in range(iterations):
        nxt = np.roll(points, -1, axis=0)
        points = np.stack([0.75 * points + 0.25 * nxt, 0.25 * points + 0.75 * nxt], axis=1).reshape(-1, 2)
    return points


class _Designer:
    """Allocates regions and builds parts with one random generator."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.colors: list[tuple[int, int, int, int]] = [(0, 0, 0, 0)]
        self.names: list[str] = ["background"]
        self.parts: list[Part] = []

    def region(self, name: str, rgb: tuple[int, int, int]) -> int:
        """A new base region with its shadow (id + 1) and highlight (id + 2) variants."""
        rid = len(self.colors)
        self.colors += [(*rgb, 255), (*_shaded(rgb, "shadow"), 255), (*_shaded(rgb, "highlight"), 255)]
        self.names += [name, f"{name}/shadow", f"{name}/highlight"]
        return rid

    def color(self, hue: float | None = None, sat: tuple[float, float] = (0.3, 0.8), val: tuple[float, float] = (0.45, 0.95)) -> tuple[int, int, int]:
        rng = self.rng
        h = rng.random() if hue is None else hue % 1.0
        rgb = colorsys.hsv_to_rgb(h, rng.uniform(*sat), rng.uniform(*val))
        return tuple(int(round(c * 255)) for c in rgb)  # type: ignore[return-value]

    def add(self, part: Part) -> Part:
        self.parts.append(part)
        return part

    def crescent(self, outline: np.ndarray, offset: tuple[float, float], kind: str = "shadow") -> Shade:
        """The part minus its own outline shifted by ``offset``: a crescent on the far side."""
        return Shade(outline + np.asarray(offset), inside=False, kind=kind)


def design_character(rng: np.random.Generator) -> Character:
    """Design a random character.

    Parameters
    ----------
    rng : numpy.random.Generator
        The only source of randomness (same state, same character).

    Returns
    -------
    Character
        Parts in drawing order, skeleton with its animation parameters, region colors and shading tables.
    """
    d = _Designer(rng)
    u = rng.uniform
    light = rng.choice([-1.0, 1.0])  # light from the left (-1) or right: shadows fall on the other side
    sh = (6.0 * light, 5.0)

    skin = d.color(hue=u(0.03, 0.08), sat=(0.12, 0.3), val=(0.93, 1.0))
    hair_rgb = d.color(sat=(0.25, 0.85), val=(0.25, 0.95))
    eye_rgb = d.color(sat=(0.45, 0.9), val=(0.4, 0.85))
    shirt_rgb = d.color(sat=(0.05, 0.7), val=(0.6, 1.0))
    stripe_rgb = d.color(sat=(0.3, 0.9), val=(0.3, 0.8))
    bottom_rgb = d.color(sat=(0.2, 0.8), val=(0.25, 0.8))
    accent_rgb = d.color(sat=(0.6, 1.0), val=(0.6, 1.0))
    shoe_rgb = d.color(sat=(0.1, 0.6), val=(0.15, 0.6))
    sock_rgb = d.color(sat=(0.0, 0.3), val=(0.85, 1.0))
    white = (250, 250, 252)
    lash_rgb = tuple(int(c * 0.35) + 20 for c in hair_rgb)

    back_arm = rng.choice(["r", "l"])
    front_arm = "l" if back_arm == "r" else "r"

    # --- back hair -------------------------------------------------------------------------------
    hair_len = u(0.0, 150.0)
    back = ellipse(0.0, -150.0 + hair_len * 0.45, 80.0 + u(0, 12), 78.0 + hair_len * 0.55, n=48)
    d.add(Part("hair_back", _BONE["hair"], back, d.region("hair_back", hair_rgb),
               shades=[d.crescent(back, (sh[0] * 2.0, 8.0))],
               strokes=[quad_bezier(np.array([x, -90.0 + hair_len * 0.5]), np.array([x * 1.1, -50.0 + hair_len * 0.6]),
                                    np.array([x * 1.15, -30.0 + hair_len * 0.9]), 8) for x in (-55.0, 55.0) if hair_len > 60]))

    # --- legs, then the back arm -----------------------------------------------------------------
    pants = rng.random() < 0.4
    for side, sx in (("r", -1.0), ("l", 1.0)):
        thigh = capsule((sx * 24, 100), (sx * 27, 212), 21, 16)
        shin = capsule((sx * 27, 210), (sx * 29, 302), 16, 11)
        thigh_part = d.add(Part(f"thigh_{side}", _BONE[f"thigh_{side}"], thigh,
                                d.region(f"thigh_{side}", bottom_rgb if pants else skin),
                                shades=[d.crescent(thigh, (sh[0], 0.0))]))
        if pants:
            thigh_part.strokes.append(quad_bezier(np.array([sx * 20, 150.0]), np.array([sx * 30, 165.0]), np.array([sx * 22, 185.0]), 6))
        sock_top = u(230, 275)
        d.add(Part(f"shin_{side}", _BONE[f"shin_{side}"], shin, d.region(f"shin_{side}", bottom_rgb if pants else skin),
                   stripes=[Stripe(band((sx * 27 - 30, sock_top), (sx * 27 + 30, sock_top + u(-4, 4)), 2 * (310 - sock_top)),
                                   d.region(f"sock_{side}", sock_rgb))],
                   shades=[d.crescent(shin, (sh[0], 0.0))]))
        shoe = ellipse(sx * 33, 314.0, 23.0, 12.0, angle=sx * 0.1, n=28)
        d.add(Part(f"shoe_{side}", _BONE[f"foot_{side}"], shoe, d.region(f"shoe_{side}", shoe_rgb),
                   stripes=[Stripe(band((sx * 33 - 30, 322), (sx * 33 + 30, 322), 8), d.region(f"sole_{side}", white))],
                   shades=[d.crescent(shoe, (0.0, -5.0), "highlight")]))

    sleeve_long = rng.random() < 0.5
    arm_parts: dict[str, list[Part]] = {}
    for side, sx in (("r", -1.0), ("l", 1.0)):
        parts = []
        upper = capsule((sx * 56, -52), (sx * 68, 30), 15, 12)
        cuff_y = 18.0
        parts.append(Part(f"sleeve_{side}", _BONE[f"arm_upper_{side}"], upper, d.region(f"sleeve_{side}", shirt_rgb),
                          stripes=[Stripe(band((sx * 62 - 25, cuff_y), (sx * 62 + 25, cuff_y + 3), 10), d.region(f"cuff_{side}", stripe_rgb))],
                          shades=[d.crescent(upper, (sh[0] * 1.2, 0.0))],
                          strokes=[quad_bezier(np.array([sx * 60, -20.0]), np.array([sx * 66, -8.0]), np.array([sx * 61, 2.0]), 5)]))
        lower = capsule((sx * 68, 28), (sx * 74, 100), 12, 9)
        parts.append(Part(f"forearm_{side}", _BONE[f"arm_lower_{side}"], lower,
                          d.region(f"forearm_{side}", shirt_rgb if sleeve_long else skin),
                          shades=[d.crescent(lower, (sh[0], 0.0))]))
        hand = ellipse(sx * 76, 113.0, 11.0, 15.0, n=24)
        parts.append(Part(f"hand_{side}", _BONE[f"hand_{side}"], hand, d.region(f"hand_{side}", skin),
                          shades=[d.crescent(hand, (sh[0] * 0.6, 3.0))],
                          strokes=[np.array([[sx * 72, 116.0], [sx * 74, 124.0]]), np.array([[sx * 78, 117.0], [sx * 79, 125.0]])]))
        thumb = ellipse(sx * 68, 108.0, 4.5, 8.0, angle=sx * 0.5, n=14)
        parts.append(Part(f"thumb_{side}", _BONE[f"hand_{side}"], thumb, d.region(f"thumb_{side}", skin)))
        arm_parts[side] = parts
    for part in arm_parts[back_arm]:
        d.add(part)

    # --- neck, torso, bottom, collar, tie --------------------------------------------------------
    neck = capsule((0, -104), (0, -58), 13, 14, n=10)
    d.add(Part("neck", _BONE["torso"], neck, d.region("neck", skin),
               shades=[Shade(ellipse(0.0, -100.0, 22.0, 12.0 + u(0, 6), n=24), inside=True, kind="shadow")]))

    if not pants:
        flare = u(65, 95)
        skirt = _smooth(np.array([[-44.0, 52.0], [44.0, 52.0], [flare * 0.8, 110.0], [flare, 165.0], [0.0, 172.0],
                                  [-flare, 165.0], [-flare * 0.8, 110.0]]), 2)
        n_pleats = int(rng.integers(3, 7))
        tops = np.linspace(-44, 44, n_pleats + 1)
        bottoms = np.linspace(-flare, flare, n_pleats + 1)
        pleats = [Stripe(np.array([[tops[i], 40.0], [tops[i + 1], 40.0], [bottoms[i + 1] * 1.1, 190.0], [bottoms[i] * 1.1, 190.0]]),
                         d.region(f"pleat_{i}", bottom_rgb)) for i in range(0, n_pleats, 2)]
        hem = Stripe(band((-120.0, 156.0), (120.0, 156.0), 10.0), d.region("skirt_hem", white if rng.random() < 0.5 else stripe_rgb))
        d.add(Part("skirt", _BONE["root"], skirt, d.region("skirt", bottom_rgb), stripes=pleats + [hem],
                   shades=[d.crescent(skirt, (sh[0] * 1.5, -4.0)),
                           Shade(np.array([[-10.0, 60.0], [10.0, 60.0], [0.0, 140.0]]) + (u(-25, 25), 0), inside=True, kind="shadow")]))
    else:
        hips = _smooth(np.array([[-46.0, 50.0], [46.0, 50.0], [50.0, 110.0], [0.0, 118.0], [-50.0, 110.0]]), 2)
        d.add(Part("hips", _BONE["root"], hips, d.region("hips", bottom_rgb),
                   stripes=[Stripe(band((-60.0, 62.0), (60.0, 62.0), 9.0), d.region("belt", shoe_rgb))],
                   shades=[d.crescent(hips, (sh[0], 0.0))], strokes=[np.array([[0.0, 67.0], [0.0, 112.0]])]))

    torso = _smooth(np.array([[-62.0, -58.0], [-44.0, -68.0], [-14.0, -71.0], [14.0, -71.0], [44.0, -68.0], [62.0, -58.0],
                              [66.0, -28.0], [50.0, 12.0], [44.0, 62.0], [46.0, 80.0], [-46.0, 80.0], [-44.0, 62.0],
                              [-50.0, 12.0], [-66.0, -28.0]]), 2)
    n_stripes = int(rng.integers(0, 5))
    ys = np.sort(u(-35.0, 62.0, size=n_stripes))
    stripes = [Stripe(band((-90.0, y), (90.0, y + u(-6, 6)), u(5.0, 11.0)), d.region(f"stripe_{i}", stripe_rgb)) for i, y in enumerate(ys)]
    folds = [quad_bezier(np.array([x, y]), np.array([x + 6, y + 12]), np.array([x + 2, y + 24]), 6)
             for x, y in zip(u(-35, 35, size=2), u(-30, 40, size=2))]
    d.add(Part("torso", _BONE["torso"], torso, d.region("shirt", shirt_rgb), stripes=stripes,
               shades=[d.crescent(torso, (sh[0] * 2.0, 0.0)),
                       Shade(np.array([[-30.0, 55.0], [30.0, 55.0], [20.0, 82.0], [-20.0, 82.0]]), inside=True, kind="shadow")],
               strokes=folds))
    for side, sx in (("r", -1.0), ("l", 1.0)):
        collar = np.array([[sx * 2.0, -66.0], [sx * 30.0, -72.0], [sx * 26.0, -48.0], [sx * 4.0, -40.0]])
        collar = _smooth(collar, 1)
        d.add(Part(f"collar_{side}", _BONE["torso"], collar, d.region(f"collar_{side}", white),
                   shades=[d.crescent(collar, (sh[0] * 0.6, 4.0))]))
    if rng.random() < 0.6:
        for side, sx in (("r", -1.0), ("l", 1.0)):
            wing = np.array([[0.0, -48.0], [sx * 22.0, -60.0], [sx * 24.0, -36.0]])
            d.add(Part(f"bow_{side}", _BONE["torso"], _smooth(wing, 1), d.region(f"bow_{side}", accent_rgb),
                       shades=[Shade(np.array([[sx * 6.0, -48.0], [sx * 24.0, -46.0], [sx * 24.0, -30.0]]), inside=True, kind="shadow")]))
            tail = np.array([[sx * 2.0, -46.0], [sx * 10.0, -44.0], [sx * 16.0, -14.0], [sx * 6.0, -18.0]])
            d.add(Part(f"bow_tail_{side}", _BONE["torso"], tail, d.region(f"bow_tail_{side}", accent_rgb)))
        d.add(Part("bow_knot", _BONE["torso"], ellipse(0.0, -48.0, 6.0, 6.5, n=16), d.region("bow_knot", accent_rgb),
                   shades=[d.crescent(ellipse(0.0, -48.0, 6.0, 6.5, n=16), (2.0 * light, 2.0))]))
    else:
        for i, y in enumerate((-22.0, 8.0, 38.0)):
            d.add(Part(f"button_{i}", _BONE["torso"], ellipse(0.0, y, 4.0, 4.0, n=12), d.region(f"button_{i}", accent_rgb), width=0.7))
    if rng.random() < 0.5:
        strap = band((-50.0 * light, -62.0), (42.0 * light, 78.0), 9.0)
        d.add(Part("strap", _BONE["torso"], strap, d.region("strap", shoe_rgb)))

    # --- head ------------------------------------------------------------------------------------
    for side, sx in (("r", -1.0), ("l", 1.0)):
        ear = ellipse(sx * 59.0, -140.0, 10.0, 16.0, angle=sx * 0.2, n=20)
        d.add(Part(f"ear_{side}", _BONE["head"], ear, d.region(f"ear_{side}", skin),
                   shades=[Shade(ellipse(sx * 60.0, -140.0, 4.5, 9.0, n=14), inside=True, kind="shadow")]))
        if rng.random() < 0.4:
            d.add(Part(f"earring_{side}", _BONE["head"], ellipse(sx * 60.0, -118.0, 4.0, 4.0, n=12),
                       d.region(f"earring_{side}", accent_rgb), width=0.7))
    face = ellipse(0.0, -150.0, 60.0, 64.0, n=56)
    below = face[:, 1] > -150.0
    taper = 1.0 - 0.42 * ((face[below, 1] + 150.0) / 64.0) ** 1.6
    face[below, 0] *= taper
    face[below, 1] += 4.0 * ((face[below, 1] + 150.0) / 64.0) ** 2
    fringe = np.concatenate([[[-70.0, -230.0]], np.stack([np.linspace(-62, 62, 9), -178.0 + 9.0 * (np.arange(9) % 2)], axis=1),
                             [[70.0, -230.0]]])
    d.add(Part("face", _BONE["head"], face, d.region("face", skin),
               shades=[Shade(fringe, inside=True, kind="shadow"), d.crescent(face, (sh[0] * 1.5, -6.0))]))
    for side, sx in (("r", -1.0), ("l", 1.0)):
        if rng.random() < 0.6:
            d.add(Part(f"blush_{side}", _BONE["head"], ellipse(sx * 34.0, -118.0, 9.0, 4.0, n=16),
                       d.region(f"blush_{side}", _shaded(skin, "shadow")), clip=(), line_class=LineClass.RED, width=0.6))

    gaze = u(-4.0, 4.0)
    eye_h = u(10.0, 15.0)
    for side, sx in (("r", -1.0), ("l", 1.0)):
        cx, cy = sx * 27.0, -140.0
        white_outline = lens((cx - 17.0, cy + 1.0 * sx), (cx + 17.0, cy - 1.0 * sx), eye_h, eye_h * 0.6, n=12)
        eye_white = d.add(Part(f"eye_white_{side}", _BONE["head"], white_outline, d.region(f"eye_white_{side}", white),
                               when="eyes_open", width=0.8))
        iris_outline = ellipse(cx + gaze, cy + 1.0, 10.0, eye_h * 0.95, n=24)
        iris = d.add(Part(f"iris_{side}", _BONE["head"], iris_outline, d.region(f"iris_{side}", eye_rgb), clip=eye_white.regions(),
                          shades=[d.crescent(iris_outline, (0.0, 7.0)), Shade(ellipse(cx + gaze, cy + eye_h * 0.7, 6.0, 4.0, n=14), inside=True, kind="highlight")],
                          when="eyes_open", width=0.7))
        pupil = d.add(Part(f"pupil_{side}", _BONE["head"], ellipse(cx + gaze, cy + 1.5, 4.0, eye_h * 0.45, n=16),
                           d.region(f"pupil_{side}", tuple(int(c * 0.3) for c in eye_rgb)), clip=iris.regions(), when="eyes_open", width=0.6))
        shine = ellipse(cx + gaze - 4.0 * light, cy - eye_h * 0.35, 3.5, 4.0, n=12)
        d.add(Part(f"eye_shine_{side}", _BONE["head"], shine, d.region(f"eye_shine_{side}", (255, 255, 255)),
                   clip=iris.regions() + pupil.regions(), when="eyes_open", width=0.5))
        lash = lens((cx - 20.0, cy - eye_h * 0.45 + 3 * sx), (cx + 20.0, cy - eye_h * 0.45 - 3 * sx), eye_h * 0.55, -eye_h * 0.25, n=12)
        d.add(Part(f"lash_{side}", _BONE["head"], lash, d.region(f"lash_{side}", lash_rgb), when="eyes_open", width=0.8))
        closed = quad_bezier(np.array([cx - 18.0, cy + 2.0]), np.array([cx, cy + 10.0]), np.array([cx + 18.0, cy + 2.0]), 8)
        d.add(Part(f"eye_closed_{side}", _BONE["head"], closed, when="eyes_closed", stroke_only=True, width=1.6))
        brow = lens((cx - 15.0, -168.0), (cx + 15.0, -170.0), 3.5, -1.5, n=8)
        d.add(Part(f"brow_{side}", _BONE["head"], brow, d.region(f"brow_{side}", lash_rgb), width=0.6))
    d.add(Part("nose", _BONE["head"], np.array([[2.0, -124.0], [0.0, -119.0], [-3.0, -118.0]]), stroke_only=True, width=0.8))
    mouth_outline = lens((-11.0, -104.0), (11.0, -104.0), -1.0, 8.0, n=10)
    mouth = d.add(Part("mouth", _BONE["head"], mouth_outline, d.region("mouth", (150, 40, 55)), when="mouth_open", width=0.8))
    d.add(Part("tongue", _BONE["head"], ellipse(0.0, -96.0, 7.0, 4.0, n=14), d.region("tongue", (235, 120, 130)),
               clip=mouth.regions(), when="mouth_open", width=0.7))
    d.add(Part("teeth", _BONE["head"], band((-12.0, -104.0), (12.0, -104.0), 4.0), d.region("teeth", white),
               clip=mouth.regions(), when="mouth_open", width=0.6))
    d.add(Part("mouth_closed", _BONE["head"], quad_bezier(np.array([-9.0, -104.0]), np.array([0.0, -100.0]), np.array([9.0, -104.0]), 6),
               when="mouth_closed", stroke_only=True))

    # --- hair: cap, bangs, side locks, accessories -----------------------------------------------
    t = np.linspace(np.pi * 1.02, np.pi * 1.98, 30)
    cap = np.concatenate([np.stack([68.0 * np.cos(t), -158.0 + 66.0 * np.sin(t)], axis=1), [[64.0, -170.0], [-64.0, -170.0]]])
    d.add(Part("hair_cap", _BONE["head"], cap, d.region("hair_cap", hair_rgb),
               shades=[d.crescent(cap, (sh[0] * 1.5, 6.0)),
                       Shade(lens((-45.0, -200.0), (45.0, -205.0), 5.0, 4.0, n=10), inside=True, kind="highlight")]))
    n_bangs = int(rng.integers(4, 9))
    edges = np.linspace(-66.0, 66.0, n_bangs + 1) + np.r_[0, u(-5, 5, size=n_bangs - 1), 0]
    for i in range(n_bangs):
        x0, x1 = edges[i] - 3.0, edges[i + 1] + 3.0
        root_y = -200.0 + 0.012 * ((x0 + x1) / 2) ** 2
        tip = ((x0 + x1) / 2 + u(-10, 10), root_y + u(35.0, 70.0))
        outline = strand((x0, root_y), (x1, root_y), tip, bend=u(-0.4, 0.4))
        shades = [d.crescent(outline, (sh[0] * 0.8, 5.0))]
        if rng.random() < 0.4:
            shades.append(Shade(lens(((x0 + x1) / 2 - 6, root_y + 14), ((x0 + x1) / 2 + 6, root_y + 14), 3.0, 3.0, n=8), inside=True, kind="highlight"))
        d.add(Part(f"bang_{i}", _BONE["head"], outline, d.region(f"bang_{i}", hair_rgb), shades=shades))
    n_locks = int(rng.integers(1, 3))
    for side, sx in (("r", -1.0), ("l", 1.0)):
        for j in range(n_locks):
            x = sx * (58.0 + 8.0 * j)
            outline = strand((x - 9.0, -185.0), (x + 9.0, -185.0), (x + sx * u(2, 14), -110.0 + u(0, 60) + hair_len * 0.3), bend=sx * u(-0.3, 0.3))
            d.add(Part(f"lock_{side}_{j}", _BONE["hair"], outline, d.region(f"lock_{side}_{j}", hair_rgb),
                       shades=[d.crescent(outline, (sh[0] * 0.8, 0.0))]))
    if rng.random() < 0.6:
        cx = u(-40.0, 40.0)
        for side, sx in (("r", -1.0), ("l", 1.0)):
            wing = _smooth(np.array([[cx, -212.0], [cx + sx * 24, -228.0], [cx + sx * 26, -200.0]]), 1)
            d.add(Part(f"ribbon_{side}", _BONE["head"], wing, d.region(f"ribbon_{side}", accent_rgb),
                       shades=[d.crescent(wing, (0.0, 4.0))]))
        d.add(Part("ribbon_knot", _BONE["head"], ellipse(cx, -213.0, 5.0, 6.0, n=14), d.region("ribbon_knot", accent_rgb)))
    if rng.random() < 0.6:
        clip_outline = rotate(band((-10.0, 0.0), (10.0, 0.0), 5.0), u(-0.6, 0.6)) + (u(20, 45) * -light, -188.0)
        d.add(Part("hair_clip", _BONE["head"], clip_outline, d.region("hair_clip", stripe_rgb), width=0.7))

    # --- the front arm last (it crosses the torso and splits what it covers) ---------------------
    for part in arm_parts[front_arm]:
        d.add(part)

    bones = []
    amp = {"root": 0.04, "torso": 0.08, "head": 0.15, "hair": 0.1, "thigh": 0.2, "shin": 0.25, "foot": 0.15,
           "arm_upper": 0.55, "arm_lower": 0.6, "hand": 0.4}
    for name, parent, pivot in BONES:
        key = name.rsplit("_", 1)[0] if name.endswith(("_r", "_l")) else name
        a = amp[key]
        offset = u(-0.3, 0.3) * a
        if key == "arm_upper":
            # the front arm swings in across the torso (parts occlude each other)
            sign = 1.0 if name.endswith("_r") else -1.0
            swing = 0.8 if name.endswith(f"_{front_arm}") else 0.25
            offset = -sign * u(0.1, swing)
        bones.append(Bone(parent=parent, pivot=np.asarray(pivot, dtype=np.float64), amplitude=u(0.3, 1.0) * a,
                          frequency=u(0.3, 1.2), phase=u(0, 2 * np.pi), offset=offset))

    palette = np.asarray(d.colors, dtype=np.uint8)
    k = palette.shape[0]
    ids = np.arange(k, dtype=np.int32)
    base = np.where(ids > 0, ids - (ids - 1) % 3, 0)
    shadow_lut = np.where(ids > 0, base + 1, 0).astype(np.int32)
    highlight_lut = np.where(ids > 0, base + 2, 0).astype(np.int32)
    return Character(parts=d.parts, bones=bones, palette=palette, shadow_lut=shadow_lut,
                     highlight_lut=highlight_lut, names=d.names)
