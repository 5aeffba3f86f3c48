"""Key-drawing motion for production-like cuts: every frame is a key drawing, far from the one before.

Production cuts are animated on 2s or 3s: the frames a painter colors are key drawings and in-betweens
that differ a lot, not smooth 24 fps samples. ``plan_key_motion`` draws, for every frame, a key pose
whose step from the previous frame is as large as a key-to-key step: the limbs swing 30-90 degrees,
the character moves across the frame (2.5-5% of its width per drawing), an arm passes in front of the
body or behind it (the depth order changes), the head turns (the features slide, the far eye and
ear narrow or vanish), and the body squashes and stretches. ``key_pose`` turns a frame's keys into a
``FramePose`` that the renderer draws like any other.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paintmatch.synth._character import BONES, Character
from paintmatch.synth._motion import FramePose, Motion, _rotation

__all__ = ["KeyMotion", "plan_key_motion", "key_pose", "front_arm"]

_BONE = {name: i for i, (name, _, _) in enumerate(BONES)}

# Local joint angle ranges (radians) and the size of one key-to-key step (min, max).
# Arms: positive swings the arm in across the body (sign flipped for the right arm by _INWARD).
_RANGES = {
    "root": ((-0.06, 0.06), (0.02, 0.08)),
    "torso": ((-0.15, 0.15), (0.04, 0.15)),
    "head": ((-0.35, 0.35), (0.1, 0.35)),
    "hair": ((-0.25, 0.25), (0.05, 0.3)),
    "arm_upper": ((-1.3, 1.5), (np.deg2rad(30.0), np.deg2rad(90.0))),
    "arm_lower": ((-0.2, 1.6), (0.3, 1.2)),
    "hand": ((-0.6, 0.6), (0.2, 0.6)),
    "thigh": ((-0.6, 0.6), (0.3, 0.8)),
    "shin": ((-0.7, 0.2), (0.2, 0.6)),
    "foot": ((-0.3, 0.3), (0.1, 0.3)),
}
_INWARD = {"r": -1.0, "l": 1.0}
_IN_FRONT = (0.5, 1.5)
"""Upper-arm angle range (inward) of an arm drawn in front of the body: it crosses the torso."""
_BEHIND = (-1.3, 0.4)


@dataclass
class KeyMotion:
    """The key drawings of one production-like cut (drawn once by ``plan_key_motion``).

    Attributes
    ----------
    angles : (F, B) ndarray of float64
        Local joint angle per frame and bone.
    centers : (F, 2) ndarray of float64
        Image position (pixels) of the motion's anchor per frame.
    scales, turns, squash : (F,) ndarray of float64
        Pixels per character unit, camera roll (radians) and squash-and-stretch factor (vertical
        scale; the horizontal scale is its inverse) per frame.
    head_turns : (F,) ndarray of float64
        Head turn per frame in [-1, 1].
    front : list of frozenset of str
        Arm sides drawn in front of the body per frame.
    states : list of frozenset of str
        Face states per frame (``eyes_open``/``eyes_closed``, ``mouth_open``/``mouth_closed``).
    base : Motion
        Frame size, anchor and the smooth displacement field (its phases jump from key to key).
    """

    angles: np.ndarray
    centers: np.ndarray
    scales: np.ndarray
    turns: np.ndarray
    squash: np.ndarray
    head_turns: np.ndarray
    front: list[frozenset[str]]
    states: list[frozenset[str]]
    base: Motion


def front_arm(character: Character) -> str:
    """The side (``"r"`` or ``"l"``) of the arm the design draws in front of the body."""
    return character.parts[-1].name.rsplit("_", 1)[-1]


def _walk(rng: np.random.Generator, frames: int, lo: float, hi: float, step: tuple[float, float],
          ranges: list[tuple[float, float]] | None = None) -> np.ndarray:
    """(frames,) key values in [lo, hi] (or per-frame ``ranges``), consecutive keys ``step`` apart."""
    values = np.empty(frames)
    r0 = ranges[0] if ranges else (lo, hi)
    values[0] = rng.uniform(*r0)
    for k in range(1, frames):
        a, b = ranges[k] if ranges else (lo, hi)
        prev = values[k - 1]
        candidates = rng.uniform(a, b, size=24)
        delta = np.abs(candidates - prev)
        ok = (delta >= step[0]) & (delta <= step[1])
        if ok.any():
            values[k] = candidates[np.flatnonzero(ok)[0]]
        else:  # no draw in the step window: the farthest feasible key (never a standstill)
            values[k] = candidates[np.argmax(delta)] if (delta >= step[0]).any() else (a if abs(a - prev) > abs(b - prev) else b)
    return values


def plan_key_motion(character: Character, rng: np.random.Generator, *, size: int, frames: int) -> KeyMotion:
    """Draw the key drawings of a production-like cut.

    Parameters
    ----------
    character : Character
    rng : numpy.random.Generator
    size : int
        Frame size in pixels.
    frames : int
        Number of drawings.

    Returns
    -------
    KeyMotion
    """
    u = rng.uniform
    count = len(BONES)
    front_side = front_arm(character)
    back_side = "l" if front_side == "r" else "r"
    # Depth: the design's front arm stays in front; the other passes in front of the body in some
    # drawings and behind it in others (at least one change when there are two drawings or more).
    back_in_front = rng.random(frames) < 0.45
    if frames > 1 and back_in_front.all() or frames > 1 and not back_in_front.any():
        back_in_front[int(rng.integers(1, frames))] ^= True
    front = [frozenset({front_side, back_side} if b else {front_side}) for b in back_in_front]

    angles = np.zeros((frames, count))
    for i, (name, _, _) in enumerate(BONES):
        side = name[-1] if name.endswith(("_r", "_l")) else ""
        key = name[:-2] if side else name
        (lo, hi), step = _RANGES[key]
        ranges = None
        if key == "arm_upper":
            ranges = [_IN_FRONT if side in front[k] and side == back_side else (lo, hi) if side == front_side else _BEHIND
                      for k in range(frames)]
        values = _walk(rng, frames, lo, hi, step, ranges)
        angles[:, i] = values * (_INWARD[side] if key.startswith(("arm_", "hand")) else 1.0)

    zoom = u(1.0, 1.7)
    scale = size / 600.0 * zoom
    anchor = np.array([0.0, 40.0 - (zoom - 1.0) / 0.7 * 150.0])
    centers = np.empty((frames, 2))
    centers[0] = (size * u(0.42, 0.58), size * u(0.45, 0.55))
    heading = u(0.0, 2.0 * np.pi)
    lo_box, hi_box = 0.32 * size, 0.68 * size
    for k in range(1, frames):
        heading += rng.normal(0.0, 0.9)
        step = u(0.025, 0.05) * size
        move = step * np.array([np.cos(heading), 0.6 * np.sin(heading)])
        nxt = centers[k - 1] + move
        for axis in (0, 1):  # bounce off the box so the character stays in the frame
            if not lo_box <= nxt[axis] <= hi_box:
                move[axis] = -move[axis]
                heading = np.arctan2(move[1] / 0.6, move[0])
        centers[k] = np.clip(centers[k - 1] + move, lo_box, hi_box)
    scales = scale * (1.0 + rng.normal(0.0, 0.03, size=frames))
    turns = rng.normal(0.0, 0.05, size=frames)
    squash = u(0.92, 1.09, size=frames)
    head_turns = _walk(rng, frames, -1.0, 1.0, (0.35, 1.2))
    closed = rng.random(frames) < 0.15
    talking = rng.random(frames) < 0.5
    states = [frozenset({"eyes_closed" if c else "eyes_open", "mouth_open" if m else "mouth_closed"})
              for c, m in zip(closed, talking)]
    base = Motion(size=size, scale=scale, anchor=anchor, center=centers[0], velocity=np.zeros(2), zoom_rate=0.0,
                  turn_rate=0.0, warp_amplitude=u(0.004, 0.01) * size, warp_waves=rng.uniform(-1.5, 1.5, size=(2, 2)),
                  warp_phases=rng.uniform(0, 2 * np.pi, size=2), warp_speeds=rng.uniform(-1.5, 1.5, size=2),
                  blinks=frozenset(np.flatnonzero(closed).tolist()), mouth_frequency=0.0, mouth_phase=0.0)
    return KeyMotion(angles=angles, centers=centers, scales=scales, turns=turns, squash=squash,
                     head_turns=head_turns, front=front, states=states, base=base)


def key_pose(character: Character, keys: KeyMotion, frame: int) -> FramePose:
    """The pose of drawing ``frame`` (0-based): forward kinematics of its key angles and its camera."""
    bones = character.bones
    count = len(bones)
    local = keys.angles[frame]
    angles = np.zeros(count)
    rotations = np.zeros((count, 2, 2))
    offsets = np.zeros((count, 2))
    for i, bone in enumerate(bones):  # parents come before children in BONES
        if bone.parent < 0:
            angles[i] = local[i]
            joint = bone.pivot
        else:
            p = bone.parent
            angles[i] = angles[p] + local[i]
            joint = rotations[p] @ bone.pivot + offsets[p]
        rotations[i] = _rotation(angles[i])
        offsets[i] = joint - rotations[i] @ bone.pivot
    s = keys.squash[frame]
    linear = keys.scales[frame] * _rotation(np.asarray(keys.turns[frame])) @ np.diag([1.0 / s, s])
    center = keys.centers[frame]
    camera = np.concatenate([linear, (center - linear @ keys.base.anchor)[:, None]], axis=1)
    return FramePose(rotations=rotations, offsets=offsets, camera=camera, states=keys.states[frame],
                     motion=keys.base, frame=frame, front=keys.front[frame], head_turn=float(keys.head_turns[frame]))
