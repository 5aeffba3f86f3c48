"""Synthetic anime-like cuts with exact ground truth (training data and test cuts of any size).

A procedural character (head, hair strands, eyes with iris, pupil and shine, mouth, neck, shirt with
stripes and folds, collar, bow or buttons, skirt pleats or trousers, arms, legs, shoes, accessories) is
drawn in flat colors with shadow and highlight regions bounded by colored trace lines: blue for
shadows, red for highlights, as in anime production. Over the frames of a cut the character moves:
joints turn (forward kinematics), the camera moves, zooms and turns, a smooth non-rigid displacement
bends everything, the front arm sweeps over the body (occlusion splits and hides regions), the eyes
blink and the mouth opens and closes (regions appear and vanish), and every outline wobbles and
changes width from frame to frame like a hand-drawn in-between. Options: antialiased lines, tiny
gaps in main lines. Everything is deterministic by seed (``numpy.random.SeedSequence``).

Cut layout (the PaintBucket-Character layout of BasicPBC, plus ``label/`` per frame)::

    CUT/line/0000.png   RGBA line art: main lines black (0, 0, 0), shadow trace lines blue (0, 0, 255),
                        highlight trace lines red (255, 0, 0), ink in alpha (255, or ramps when
                        antialiased); transparent (0, 0, 0, 0) elsewhere.
    CUT/gt/0000.png     RGBA colored frame, for EVERY frame: each component's flat color; main lines
                        black (0, 0, 0, 255); trace-line pixels the color of the shadow or highlight
                        region they bound; background (0, 0, 0, 0).
    CUT/seg/0000.png    RGB segment ids, id = R * 65536 + G * 256 + B: 0 on line pixels (alpha >= 128,
                        trace lines included), components 1..n numbered as ``paintmatch.segment.segment``
                        numbers them (component k has id k + 1). The background is one or more segments.
    CUT/seg/0000.json   {"1": [R, G, B, A], ...}: truth color of every segment, ids in order;
                        background segments are [0, 0, 0, 0].
    CUT/label/0000.png  RGBA part identity per pixel, id = R * 65536 + G * 256 + B, the SAME id in every
                        frame for the same part of the character (left iris, third shirt stripe's
                        shadow...); constant over each segment (its majority part); 0 on lines;
                        background transparent (255, 255, 255, 0) = -1.
    CUT/label/0000.json {"1": [pixel count, part id], ...} per segment (BasicPBC's json_index), -1 for
                        background.
    CUT/synth.json      generator version, seed, options and the component count of every frame.

The truth is self-consistent by construction: the segments are those of the line art, and each takes
the majority color and part of the drawn regions under it, so every segment has exactly one color even
where antialiasing or gaps merged regions.

Public API: ``generate_cut``, ``generate_suite`` (files) and ``synth_frames`` (in memory). The
``paintmatch synth`` command wraps ``generate_suite``. ``build_truth`` and ``write_truth_frame`` are
shared with ``paintmatch.deform``.
"""

from paintmatch.synth._cut import GENERATOR_VERSION, SynthFrame, generate_cut, generate_suite, synth_frames
from paintmatch.synth._truth import FrameTruth, build_truth, encode_ids, write_truth_frame

__all__ = [
    "GENERATOR_VERSION",
    "SynthFrame",
    "FrameTruth",
    "generate_cut",
    "generate_suite",
    "synth_frames",
    "build_truth",
    "write_truth_frame",
    "encode_ids",
]
