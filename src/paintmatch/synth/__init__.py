"""Synthetic anime-like cuts with exact ground truth (training data and test cuts of any size).

A procedural character (head, hair strands, eyes with iris, pupil and shine, mouth, neck, shirt with
stripes and folds, collar, bow or buttons, skirt pleats or trousers, arms, legs, shoes, accessories) is
drawn in flat colors with shadow and highlight regions bounded by colored trace lines: blue for
shadows, red for highlights, as in anime production. Everything is deterministic by seed
(``numpy.random.SeedSequence``). Two styles:

``production`` (the default of ``paintmatch synth``; the benchmarks' production-like suites)
    Cuts as a studio's cleanup and paint departments hand them over.

    - Line art as cleanup leaves it: antialiased; line weight that swells and thins along a stroke and
      varies from part to part; 1-px hairline folds and creases; stripe lines that overshoot the
      outline they end on; 2-6 gaps of 1-4 px (at 1200 px width, scaled with the size) per drawing, each
      cut into an outline between two differently painted regions (a head and the background, a
      sleeve and the torso) and checked to leak: the line art segmented without gap closing
      (``paintmatch.segment.segment``) has fewer regions than the truth. Cuts are published as RGBA on
      transparency or as opaque RGB on white (``line_format``; a ``mixed`` suite alternates).
    - Painted frames (``gt/``) as paint software exports them: the line art's ink, antialiasing
      included, composited over the flat paint, so every line is edged with ink/paint blends that are
      no palette color; each truth region's paint runs up to the middle of its line, so the
      painter's closure of a gap is invisible (the paint stops where the line would be).
    - Key-drawing motion (drawings on 2s/3s: consecutive frames are distinct key drawings): limbs
      swing 30-90 degrees from drawing to drawing, one arm passes in front of the body in some drawings
      and behind it in others (the depth order changes), the head turns (the features slide, the far
      eye narrows or vanishes, the far ear vanishes), the body squashes and stretches, and the
      character moves 3-6% of the frame per drawing: parts move a median of well over 4% of the
      frame width between consecutive drawings.

``clean`` (the default of the Python functions, and ``paintmatch synth --clean``: pixel for pixel the cuts
of earlier versions, used for training and the clean suites)
    Over the frames of a cut the character moves smoothly: joints turn (forward kinematics), the
    camera moves, zooms and turns, a smooth non-rigid displacement bends everything, the front arm
    sweeps over the body (occlusion splits and hides regions), the eyes blink and the mouth opens and
    closes (regions appear and vanish), and every outline wobbles and changes width from frame to
    frame like a hand-drawn in-between. Options: antialiased lines, tiny gaps in main lines.

Named production-like suites (``SUITES``, ``paintmatch synth --suite``): ``production-dev`` (seed 1000,
12 cuts x 8 drawings) for development choices, ``production-test`` (seed 9000, 20 cuts x 8 drawings),
only reported. ``measure_cut`` measures a cut's leaking share, blend share and part displacement; ``as_scan`` turns
a published line frame into a scan on grey paper (``benchmarks/scans.py``).

Cut layout (the PaintBucket-Character layout of BasicPBC, plus ``label/`` per frame)::

    CUT/line/0000.png   RGBA line art: main lines black (0, 0, 0), shadow trace lines blue (0, 0, 255),
                        highlight trace lines red (255, 0, 0), ink in alpha (255, or ramps when
                        antialiased); transparent (0, 0, 0, 0) elsewhere. Production-like cuts with
                        line_format "white": RGB, the same ink composited over white.
    CUT/gt/0000.png     RGBA colored frame, for EVERY frame: each component's flat color; main lines
                        black (0, 0, 0, 255); trace-line pixels the color of the shadow or highlight
                        region they bound; background (0, 0, 0, 0). Production-like cuts: the published
                        ink composited over that paint (antialiased blends beside the lines, the paint
                        continuing through the gaps up to where the line would be).
    CUT/seg/0000.png    RGB segment ids, id = R * 65536 + G * 256 + B: 0 on line pixels (alpha >= 128,
                        trace lines included), components 1..n numbered as ``paintmatch.segment.segment``
                        numbers them (component k has id k + 1). The background is one or more segments.
                        Production-like cuts: the segments of the GAP-FREE drawing (the painter's
                        regions, in the published format), so 0 also on the erased pixels of each gap
                        and a head joined to the background by a gap is still its own segment;
                        ``segment`` of ``line/`` itself finds fewer, merged regions.
    CUT/seg/0000.json   {"1": [R, G, B, A], ...}: truth color of every segment, ids in order;
                        background segments are [0, 0, 0, 0].
    CUT/label/0000.png  RGBA part identity per pixel, id = R * 65536 + G * 256 + B, the SAME id in every
                        frame for the same part of the character (left iris, third shirt stripe's
                        shadow...); constant over each segment (its majority part); 0 on lines;
                        background transparent (255, 255, 255, 0) = -1.
    CUT/label/0000.json {"1": [pixel count, part id], ...} per segment (BasicPBC's json_index), -1 for
                        background.
    CUT/synth.json      generator version, seed, options and the component count of every frame;
                        production-like cuts add "style", "line_format", the gap count and the
                        component count without gap closing of every frame.

The truth is self-consistent by construction: the segments are those of the line art (production-like:
of the gap-free drawing), and each takes the majority color and part of the drawn regions under it, so
every segment has exactly one color even where antialiasing merged regions. In production-like ``gt/``
each segment's pixels carry its color except the antialiased blends beside the lines.

Public API: ``generate_cut``, ``generate_suite`` (files) and ``synth_frames`` (in memory), each with
``style="clean"`` (default) or ``"production"``; ``measure_cut``. The ``paintmatch synth`` command wraps
``generate_suite`` (production-like unless ``--clean``). ``build_truth`` and ``write_truth_frame`` are
shared with ``paintmatch.deform``.
"""

import importlib

from paintmatch.synth._suites import STYLES, SUITES

# The generator itself is imported on first use (PEP 562): it pulls in scipy.ndimage (about 0.3 s), and every
# paintmatch command's start-up builds the parser of ``paintmatch synth``, which needs only ``SUITES``.
_LAZY = {
    "GENERATOR_VERSION": "_cut",
    "SynthFrame": "_cut",
    "generate_cut": "_cut",
    "generate_suite": "_cut",
    "synth_frames": "_cut",
    "measure_cut": "_measure",
    "as_scan": "_scan",
    "as_jpeg": "_scan",
    "with_main_ink": "_scan",
    "faded": "_scan",
    "pale_trace_lines": "_scan",
    "trace_line_pixels": "_scan",
    "blurred_on_white": "_scan",
    "FrameTruth": "_truth",
    "build_truth": "_truth",
    "encode_ids": "_truth",
    "write_truth_frame": "_truth",
}

__all__ = ["STYLES", "SUITES", *_LAZY]


def __getattr__(name: str):
    if name not in _LAZY:
        raise AttributeError(f"module 'paintmatch.synth' has no attribute {name!r}")
    return getattr(importlib.import_module(f"paintmatch.synth.{_LAZY[name]}"), name)


def __dir__() -> list[str]:
    return sorted(__all__)
