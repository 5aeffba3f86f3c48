"""Generate synthetic cuts and suites of cuts on disk."""

from __future__ import annotations

import difflib
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from paintmatch.errors import InputError
from paintmatch.io import write_json
from paintmatch.segment import segment
from paintmatch.synth._character import Character, design_character
from paintmatch.synth._keys import key_pose, plan_key_motion
from paintmatch.synth._motion import plan_motion, pose
from paintmatch.synth._production import LINE_FORMATS, Gap, export_paint, open_gaps, to_line_format
from paintmatch.synth._render import RenderedFrame, render_frame
from paintmatch.synth._suites import STYLES, SUITES
from paintmatch.synth._truth import FrameTruth, build_truth, write_truth_frame

__all__ = ["GENERATOR_VERSION", "SynthFrame", "generate_cut", "generate_suite", "synth_frames"]

GENERATOR_VERSION = 1
"""Bumped whenever the same seed would draw different cuts (recorded in ``CUT/synth.json``)."""


@dataclass
class SynthFrame:
    """One generated frame in memory: the drawing and its truth."""

    rendered: RenderedFrame
    truth: FrameTruth
    gaps: list[Gap] = field(default_factory=list)
    """Production-like frames: the leaking gaps cut into the published line art (``rendered.line``)."""


def _check(frames: int, seed: int, size: int) -> None:
    if not isinstance(frames, (int, np.integer)) or frames < 1:
        raise InputError(f"frames must be a whole number >= 1, got {frames!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a whole number >= 0, got {seed!r}")
    if not isinstance(size, (int, np.integer)) or not 128 <= size <= 8192:
        raise InputError(f"size must be a whole number of pixels between 128 and 8192, got {size!r}")


def _choice(name: str, value: object, choices: tuple[str, ...]) -> str:
    if value in choices:
        return str(value)
    close = difflib.get_close_matches(str(value), choices, n=1)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    raise InputError(f"{name} must be one of {', '.join(choices)}, got {value!r}{hint}")


def _line_format(line_format: str, seed: int) -> str:
    """The published format of one cut: ``mixed`` picks RGBA or white by the seed's parity."""
    _choice("line_format", line_format, LINE_FORMATS + ("mixed",))
    if line_format == "mixed":
        return LINE_FORMATS[int(seed) % 2]
    return line_format


def _part_ids(character: Character) -> np.ndarray:
    ids = np.arange(character.palette.shape[0], dtype=np.int64)
    ids[0] = -1
    return ids


def synth_frames(*, frames: int, seed: int, size: int = 512, antialias: bool = False, gaps: bool = False,
                 style: str = "clean", line_format: str = "mixed") -> Iterator[SynthFrame]:
    """Generate a cut in memory, frame by frame (a generator of ``SynthFrame``).

    Parameters are those of ``generate_cut``. Useful for training, which needs no files. Production-like
    frames carry the published line art (with its gaps; on white for ``line_format="white"``) in
    ``rendered.line``, the gap-free truth and the exported paint in ``truth``, and their gaps in ``gaps``.
    """
    _check(frames, seed, size)
    _choice("style", style, STYLES)
    fmt = _line_format(line_format, seed)
    design_seq, motion_seq, frame_seq = np.random.SeedSequence(int(seed)).spawn(3)
    character = design_character(np.random.default_rng(design_seq))
    if style == "production":
        yield from _production_frames(character, motion_seq, frame_seq, frames=int(frames), size=int(size), line_format=fmt)
        return
    motion = plan_motion(character, np.random.default_rng(motion_seq), size=int(size), frames=int(frames))
    part_ids = _part_ids(character)
    for index, child in enumerate(frame_seq.spawn(int(frames))):
        rendered = render_frame(character, pose(character, motion, index), np.random.default_rng(child),
                                size=int(size), antialias=antialias, gaps=gaps)
        truth = build_truth(rendered.line, rendered.regions, character.palette, rendered.regions, part_ids)
        yield SynthFrame(rendered=rendered, truth=truth)


def _production_frames(character: Character, motion_seq: np.random.SeedSequence, frame_seq: np.random.SeedSequence,
                       *, frames: int, size: int, line_format: str) -> Iterator[SynthFrame]:
    keys = plan_key_motion(character, np.random.default_rng(motion_seq), size=size, frames=frames)
    part_ids = _part_ids(character)
    for index, child in enumerate(frame_seq.spawn(frames)):
        rng = np.random.default_rng(child)
        drawn = render_frame(character, key_pose(character, keys, index), rng, size=size, antialias=True, production=True)
        # The truth: the painter's regions, i.e. the segments of the drawing without its gaps.
        truth = build_truth(to_line_format(drawn.line, line_format), drawn.regions, character.palette, drawn.regions, part_ids)
        gapped, gaps = open_gaps(drawn.line, truth, rng, line_format=line_format, count=int(rng.integers(2, 7)))
        painted = export_paint(gapped, truth)
        truth = FrameTruth(seg=truth.seg, colors=truth.colors, parts=truth.parts, gt=painted)
        yield SynthFrame(rendered=RenderedFrame(line=to_line_format(gapped, line_format), regions=drawn.regions),
                         truth=truth, gaps=gaps)


def generate_cut(
    out_dir: str | os.PathLike[str],
    *,
    frames: int,
    seed: int,
    size: int = 512,
    antialias: bool = False,
    gaps: bool = False,
    style: str = "clean",
    line_format: str = "mixed",
) -> Path:
    """Generate one synthetic cut in the PaintBucket-Character layout.

    Parameters
    ----------
    out_dir : str or PathLike
        The cut folder to write (created; existing frame files of the same names are replaced).
    frames : int
        Number of frames (>= 1), named ``0000.png``, ``0001.png``...
    seed : int
        Seed (>= 0): the same seed and options give byte-identical files.
    size : int, optional
        Width and height in pixels (default 512; 128 to 8192).
    antialias : bool, optional
        Antialiased lines.
    gaps : bool, optional
        A few tiny gaps in the main lines (for gap-closing work).
    style : {"clean", "production"}, optional
        ``clean`` (the default here, for training and the existing suites): the cuts as they always were,
        pixel for pixel. ``production``: production-like cuts (``paintmatch.synth`` documents them);
        ``antialias`` and ``gaps`` do not apply (lines are always antialiased, the gaps always leak).
    line_format : {"mixed", "rgba", "white"}, optional
        Production-like cuts: line art as RGBA on transparency, opaque RGB on white, or ``mixed`` (by the
        seed's parity; ``generate_suite`` alternates cut by cut). Clean cuts are always RGBA.

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    InputError
        A parameter is out of range.

    Examples
    --------
    >>> import tempfile
    >>> from paintmatch.synth import generate_cut
    >>> cut = generate_cut(tempfile.mkdtemp() + "/cut", frames=2, seed=0, size=256)
    >>> sorted(p.name for p in (cut / "line").iterdir())
    ['0000.png', '0001.png']
    """
    out = Path(out_dir)
    components = []
    if _choice("style", style, STYLES) == "production":
        return _write_production(out, frames=frames, seed=seed, size=size, line_format=line_format)
    for index, frame in enumerate(synth_frames(frames=frames, seed=seed, size=size, antialias=antialias, gaps=gaps)):
        write_truth_frame(out, f"{index:04d}", frame.rendered.line, frame.truth)
        components.append(frame.truth.seg.n)
    write_json(out / "synth.json", {
        "generator": "paintmatch.synth",
        "version": GENERATOR_VERSION,
        "seed": int(seed),
        "frames": int(frames),
        "size": int(size),
        "antialias": bool(antialias),
        "gaps": bool(gaps),
        "components": components,
    })
    return out


def _write_production(out: Path, *, frames: int, seed: int, size: int, line_format: str) -> Path:
    fmt = _line_format(line_format, seed)
    components, leaking, gap_counts = [], [], []
    for index, frame in enumerate(synth_frames(frames=frames, seed=seed, size=size, style="production", line_format=fmt)):
        write_truth_frame(out, f"{index:04d}", frame.rendered.line, frame.truth,
                          line_bits_per_pixel=24 if fmt == "white" else None)
        components.append(frame.truth.seg.n)
        gap_counts.append(len(frame.gaps))
        leaking.append(segment(frame.rendered.line).n)
    write_json(out / "synth.json", {
        "generator": "paintmatch.synth",
        "version": GENERATOR_VERSION,
        "style": "production",
        "seed": int(seed),
        "frames": int(frames),
        "size": int(size),
        "line_format": fmt,
        "antialias": True,
        "gaps": True,
        "gap_px_at_1200": [1, 4],
        "motion": "key drawings: limbs 30-90 degrees per drawing, depth order changes, head turns, squash and stretch",
        "components": components,
        "gaps_per_frame": gap_counts,
        "components_without_gap_closing": leaking,
        "seg": "segments of the gap-free line art (the painter's regions): 0 on its lines, gap pixels included",
    })
    return out


def generate_suite(
    out_dir: str | os.PathLike[str],
    *,
    cuts: int,
    frames: int,
    seed: int,
    size: int = 512,
    antialias: bool = False,
    gaps: bool = False,
    style: str = "clean",
    line_format: str = "mixed",
) -> list[Path]:
    """Generate ``cuts`` cuts named ``cut_000``, ``cut_001``... under ``out_dir``.

    Each cut's seed is drawn from ``numpy.random.SeedSequence(seed)``, so suites with different seeds do
    not share cuts and a suite is reproducible from its seed alone. With ``line_format="mixed"`` the cuts
    alternate between RGBA (even cuts) and white (odd cuts). Other parameters as in ``generate_cut``.

    Returns
    -------
    list of Path
        The cut folders, in order.
    """
    if not isinstance(cuts, (int, np.integer)) or cuts < 1:
        raise InputError(f"cuts must be a whole number >= 1, got {cuts!r}")
    _check(frames, seed, size)
    seeds = np.random.SeedSequence(int(seed)).generate_state(int(cuts), dtype=np.uint32)
    out = Path(out_dir)
    if _choice("style", style, STYLES) == "production":
        _line_format(line_format, 0)
        return [
            generate_cut(out / f"cut_{i:03d}", frames=frames, seed=int(s), size=size, style=style,
                         line_format=LINE_FORMATS[i % 2] if line_format == "mixed" else line_format)
            for i, s in enumerate(seeds)
        ]
    return [
        generate_cut(out / f"cut_{i:03d}", frames=frames, seed=int(s), size=size, antialias=antialias, gaps=gaps)
        for i, s in enumerate(seeds)
    ]
