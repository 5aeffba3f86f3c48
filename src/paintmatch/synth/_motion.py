"""Animation of a character over the frames of a cut: joints, camera, smooth deformation, blinks, talking.

``plan_motion`` draws a cut's motion once; ``pose`` gives the state of one frame: a rigid transform per
bone (forward kinematics), a camera (global move, scale, turn) and a smooth non-rigid displacement field,
which together map rest character units to pixels.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from paintmatch.synth._character import Character

__all__ = ["Motion", "FramePose", "plan_motion", "pose"]

_FRAME_TIME = 0.1
"""Time step per frame in the units of the bones' frequencies (cycles per 10 frames)."""


@dataclass
class Motion:
    """The motion of one cut (drawn once by ``plan_motion``).

    Attributes
    ----------
    size : int
        Frame width and height in pixels.
    scale : float
        Pixels per character unit in frame 0.
    anchor : (2,) ndarray of float64
        Character point placed at ``center`` in frame 0.
    center, velocity : (2,) ndarray of float64
        Frame-0 image position of ``anchor`` and its drift per frame (pixels).
    zoom_rate, turn_rate : float
        Relative scale change and rotation (radians) per frame.
    warp_amplitude : float
        Displacement amplitude of the non-rigid deformation, pixels.
    warp_waves : (2, 2) ndarray of float64
        Wave vectors (cycles per frame width) of the two displacement components.
    warp_phases, warp_speeds : (2,) ndarray of float64
        Phases of the displacement waves in frame 0 and their change per frame.
    blinks : frozenset of int
        Frames with closed eyes.
    mouth_frequency, mouth_phase : float
        The mouth is open while ``sin(2 pi f t + phase) > 0.2``.
    """

    size: int
    scale: float
    anchor: np.ndarray
    center: np.ndarray
    velocity: np.ndarray
    zoom_rate: float
    turn_rate: float
    warp_amplitude: float
    warp_waves: np.ndarray
    warp_phases: np.ndarray
    warp_speeds: np.ndarray
    blinks: frozenset[int]
    mouth_frequency: float
    mouth_phase: float


@dataclass
class FramePose:
    """State of one frame.

    Attributes
    ----------
    rotations : (B, 2, 2) ndarray of float64
        World rotation per bone.
    offsets : (B, 2) ndarray of float64
        World translation per bone: a rest point p of bone b goes to ``rotations[b] @ p + offsets[b]``.
    camera : (2, 3) ndarray of float64
        Affine map from world character units to pixels.
    states : frozenset of str
        Which of ``eyes_open``/``eyes_closed`` and ``mouth_open``/``mouth_closed`` hold.
    motion : Motion
        The cut's motion (its displacement field).
    frame : int
        Frame index.
    front : frozenset of str or None
        Production-like cuts: the arm sides (``"r"``, ``"l"``) drawn in front of the body in this frame;
        None keeps the design's order (the clean cuts).
    head_turn : float
        Production-like cuts: the head turn in [-1, 1] (0 faces the camera; the facial features slide
        by ``head_turn`` and the far eye and ear narrow or vanish). 0 for the clean cuts.
    """

    rotations: np.ndarray
    offsets: np.ndarray
    camera: np.ndarray
    states: frozenset[str]
    motion: Motion
    frame: int
    front: frozenset[str] | None = None
    head_turn: float = 0.0

    def to_pixels(self, points: np.ndarray, bone: int) -> np.ndarray:
        """(k, 2) float64 pixel positions of rest points carried by ``bone`` (rigid, camera, deformation)."""
        world = points @ self.rotations[bone].T + self.offsets[bone]
        image = world @ self.camera[:, :2].T + self.camera[:, 2]
        return image + self.displacement(image)

    def displacement(self, image: np.ndarray) -> np.ndarray:
        """(k, 2) float64 smooth non-rigid displacement at pixel positions ``image``."""
        m = self.motion
        phases = m.warp_phases + m.warp_speeds * self.frame
        arg = image @ (m.warp_waves.T * (2 * np.pi / m.size)) + phases
        return m.warp_amplitude * np.sin(arg)


def plan_motion(character: Character, rng: np.random.Generator, *, size: int, frames: int) -> Motion:
    """Draw the camera, deformation and facial timing of a cut.

    Parameters
    ----------
    character : Character
        The cut's character (its bones carry their own joint animation).
    rng : numpy.random.Generator
    size : int
        Frame size in pixels.
    frames : int
        Number of frames of the cut.

    Returns
    -------
    Motion
    """
    del character  # joint motion lives in the bones; kept for a stable signature
    u = rng.uniform
    zoom = u(1.0, 1.7)
    scale = size / 600.0 * zoom
    # Framing: a full figure at zoom 1, closer to a bust shot as the zoom grows.
    anchor = np.array([0.0, 40.0 - (zoom - 1.0) / 0.7 * 150.0])
    center = np.array([size * u(0.45, 0.55), size * u(0.47, 0.55)])
    blinks: set[int] = set()
    if frames > 1 and rng.random() < 0.8:
        start = int(rng.integers(1, frames))
        blinks.update(range(start, min(frames, start + int(rng.integers(1, 3)))))
    return Motion(
        size=size,
        scale=scale,
        anchor=anchor,
        center=center,
        velocity=rng.normal(0.0, 0.008 * size, size=2),
        zoom_rate=float(rng.normal(0.0, 0.01)),
        turn_rate=float(rng.normal(0.0, 0.012)),
        warp_amplitude=u(0.004, 0.012) * size,
        warp_waves=rng.uniform(-1.5, 1.5, size=(2, 2)),
        warp_phases=rng.uniform(0, 2 * np.pi, size=2),
        warp_speeds=rng.uniform(-0.4, 0.4, size=2),
        blinks=frozenset(blinks),
        mouth_frequency=u(0.5, 2.0),
        mouth_phase=u(0, 2 * np.pi),
    )


def _rotation(angle: np.ndarray) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    return np.stack([np.stack([c, -s], axis=-1), np.stack([s, c], axis=-1)], axis=-2)


def pose(character: Character, motion: Motion, frame: int) -> FramePose:
    """The state of ``frame`` (0-based): bone transforms by forward kinematics, camera, face states."""
    t = frame * _FRAME_TIME
    bones = character.bones
    count = len(bones)
    local = np.array([b.offset + b.amplitude * np.sin(2 * np.pi * b.frequency * t + b.phase) for b in bones])
    angles = np.zeros(count)
    rotations = np.zeros((count, 2, 2))
    offsets = np.zeros((count, 2))
    joints = np.zeros((count, 2))
    for i, bone in enumerate(bones):  # parents come before children in BONES
        if bone.parent < 0:
            angles[i] = local[i]
            joints[i] = bone.pivot
        else:
            p = bone.parent
            angles[i] = angles[p] + local[i]
            joints[i] = rotations[p] @ bone.pivot + offsets[p]
        rotations[i] = _rotation(angles[i])
        offsets[i] = joints[i] - rotations[i] @ bone.pivot

    scale = motion.scale * (1.0 + motion.zoom_rate * frame)
    turn = motion.turn_rate * frame
    linear = scale * _rotation(np.asarray(turn))
    center = motion.center + motion.velocity * frame
    camera = np.concatenate([linear, (center - linear @ motion.anchor)[:, None]], axis=1)

    eyes = "eyes_closed" if frame in motion.blinks else "eyes_open"
    mouth_open = np.sin(2 * np.pi * motion.mouth_frequency * t + motion.mouth_phase) > 0.2
    states = frozenset({eyes, "mouth_open" if mouth_open else "mouth_closed"})
    return FramePose(rotations=rotations, offsets=offsets, camera=camera, states=states, motion=motion, frame=frame)
