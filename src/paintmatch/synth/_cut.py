"""Generate synthetic cuts and suites of cuts on disk."""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from paintmatch.errors import InputError
from paintmatch.io import write_json
from paintmatch.synth._character import Character, design_character
from paintmatch.synth._motion import plan_motion, pose
from paintmatch.synth._render import RenderedFrame, render_frame
from paintmatch.synth._truth import FrameTruth, build_truth, write_truth_frame

__all__ = ["GENERATOR_VERSION", "SynthFrame", "generate_cut", "generate_suite", "synth_frames"]

GENERATOR_VERSION = 1
"""Bumped whenever the same seed would draw different cuts (recorded in ``CUT/synth.json``)."""


@dataclass
class SynthFrame:
    """One generated frame in memory: the drawing and its truth."""

    rendered: RenderedFrame
    truth: FrameTruth


def _check(frames: int, seed: int, size: int) -> None:
    if not isinstance(frames, (int, np.integer)) or frames < 1:
        raise InputError(f"frames must be a whole number >= 1, got {frames!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a whole number >= 0, got {seed!r}")
    if not isinstance(size, (int, np.integer)) or not 128 <= size <= 8192:
        raise InputError(f"size must be a whole number of pixels between 128 and 8192, got {size!r}")


def _part_ids(character: Character) -> np.ndarray:
    ids = np.arange(character.palette.shape[0], dtype=np.int64)
    ids[0] = -1
    return ids


def synth_frames(*, frames: int, seed: int, size: int = 512, antialias: bool = False, gaps: bool = False) -> Iterator[SynthFrame]:
    """Generate a cut in memory, frame by frame (a generator of ``SynthFrame``).

    Parameters are those of ``generate_cut``. Useful for training, which needs no files.
    """
    _check(frames, seed, size)
    design_seq, motion_seq, frame_seq = np.random.SeedSequence(int(seed)).spawn(3)
    character = design_character(np.random.default_rng(design_seq))
    motion = plan_motion(character, np.random.default_rng(motion_seq), size=int(size), frames=int(frames))
    part_ids = _part_ids(character)
    for index, child in enumerate(frame_seq.spawn(int(frames))):
        rendered = render_frame(character, pose(character, motion, index), np.random.default_rng(child),
                                size=int(size), antialias=antialias, gaps=gaps)
        truth = build_truth(rendered.line, rendered.regions, character.palette, rendered.regions, part_ids)
        yield SynthFrame(rendered=rendered, truth=truth)


def generate_cut(
    out_dir: str | os.PathLike[str],
    *,
    frames: int,
    seed: int,
    size: int = 512,
    antialias: bool = False,
    gaps: bool = False,
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


def generate_suite(
    out_dir: str | os.PathLike[str],
    *,
    cuts: int,
    frames: int,
    seed: int,
    size: int = 512,
    antialias: bool = False,
    gaps: bool = False,
) -> list[Path]:
    """Generate ``cuts`` cuts named ``cut_000``, ``cut_001``... under ``out_dir``.

    Each cut's seed is drawn from ``numpy.random.SeedSequence(seed)``, so suites with different seeds do
    not share cuts and a suite is reproducible from its seed alone. Other parameters as in ``generate_cut``.

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
    return [
        generate_cut(out / f"cut_{i:03d}", frames=frames, seed=int(s), size=size, antialias=antialias, gaps=gaps)
        for i, s in enumerate(seeds)
    ]
