"""Color a whole cut: the order of work, frame-to-frame propagation, and atomic output.

Frames are colored outward from the nearest colored frame, forward and backward; each painted
frame becomes the reference of the next one, and the original colored frame stays available to
matchers as an anchor against drift.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from paintmatch.errors import InputError
from paintmatch.match import Frame, Matcher, Matching, get_matcher
from paintmatch.paint import LINE_MODES, FramePaint, paint, sidecar
from paintmatch.segment import gap_preview, reference_colors, segment

__all__ = [
    "DEFAULT_METHOD",
    "ColorizeOptions",
    "FrameResult",
    "CutResult",
    "propagation_plan",
    "colorize_frames",
    "colorize_cut",
    "colorize_files",
    "suggest_reference",
    "write_results",
]

log = logging.getLogger("paintmatch")

DEFAULT_METHOD = "best"
OUTPUT_FORMATS = ("png", "tga")
ProgressCallback = Callable[[int, int, str], None]


@dataclass
class ColorizeOptions:
    """Settings of a coloring run (all have painter-friendly defaults).

    Attributes
    ----------
    method : str
        Registered matcher name (``paintmatch.match.matcher_names()``).
    line_mode : {"keep", "recolor"}
        Lines as drawn, or trace lines recolored with the darker adjacent region's color.
    layers : bool
        Also write ``<name>_paint.png`` and ``<name>_lines.png`` (paint under the lines, lines alone).
    close_gaps : int
        Trapped-ball gap closing radius in pixels (0: off); writes ``<name>_gaps.png`` previews.
    output_format : {"png", "tga"}
        Image format of the results.
    matcher_params : dict
        Keyword parameters for the matcher.
    """

    method: str = DEFAULT_METHOD
    line_mode: str = "keep"
    layers: bool = False
    close_gaps: int = 0
    output_format: str = "png"
    matcher_params: dict = field(default_factory=dict)

    def validate(self) -> None:
        """Raise ``InputError`` naming the bad setting."""
        if self.line_mode not in LINE_MODES:
            raise InputError(f"--line-mode must be one of {', '.join(LINE_MODES)}; got {self.line_mode!r}")
        if self.output_format not in OUTPUT_FORMATS:
            raise InputError(f"--format must be one of {', '.join(OUTPUT_FORMATS)}; got {self.output_format!r}")
        if not 0 <= self.close_gaps <= 64:
            raise InputError(f"--close-gaps must be between 0 and 64 pixels; got {self.close_gaps}")
        try:
            get_matcher(self.method, **self.matcher_params)
        except ValueError as error:
            raise InputError(f"--method: {error}") from None


@dataclass
class FrameResult:
    """One colored frame: its frame (with colors), matching, painted layers and timing."""

    name: str
    frame: Frame
    matching: Matching
    painted: FramePaint
    reference_name: str
    seconds: float
    is_reference: bool = False


@dataclass
class CutResult:
    """The outcome of ``colorize_cut``: results in frame order and where they were written."""

    frames: list[FrameResult]
    out_dir: Path | None
    written: list[Path]

    @property
    def mean_confidence(self) -> float:
        """Mean confidence over the components of the non-reference frames (1.0 if none)."""
        values = [r.matching.confidence for r in self.frames if not r.is_reference]
        return float(np.concatenate(values).mean()) if values and sum(v.size for v in values) else 1.0


def propagation_plan(n_frames: int, colored: Iterable[int]) -> list[tuple[int, int, int]]:
    """Order of work: ``(target, source, anchor)`` triples.

    Each uncolored frame is colored from its neighbour on the side of its nearest colored frame
    (``source``), after that neighbour; ``anchor`` is that nearest colored frame. Ties go to the
    earlier colored frame.

    Examples
    --------
    >>> propagation_plan(4, [0])
    [(1, 0, 0), (2, 1, 0), (3, 2, 0)]
    >>> propagation_plan(3, [2])
    [(1, 2, 2), (0, 1, 2)]
    """
    colored = sorted(set(colored))
    if not colored:
        raise InputError("no colored frame: color one frame first (see `paintmatch suggest-reference`)")
    plan = []
    for target in range(n_frames):
        if target in colored:
            continue
        anchor = min(colored, key=lambda c: (abs(c - target), c))
        source = target - 1 if anchor < target else target + 1
        plan.append((abs(anchor - target), target, source, anchor))
    plan.sort()
    return [(t, s, a) for _, t, s, a in plan]


def _frame(line: np.ndarray, name: str, close_gaps: int) -> Frame:
    return Frame(line=line, seg=segment(line, close_gaps_px=close_gaps), name=name)


def _match(matcher: Matcher, reference: Frame, target: Frame, anchor: Frame) -> Matching:
    if getattr(matcher, "uses_anchor", False) and anchor is not reference:
        return matcher.match(reference, target, anchor=anchor)  # type: ignore[call-arg]
    return matcher.match(reference, target)


def _apply_overrides(matching: Matching, overrides: dict[int, Sequence[int]] | None) -> Matching:
    """Locked corrections win over the matcher: color set, confidence 1, stage 'locked'."""
    if not overrides:
        return matching
    for component, color in overrides.items():
        if 0 <= component < matching.colors.shape[0]:
            matching.colors[component] = np.asarray(color, dtype=np.uint8)
            matching.confidence[component] = 1.0
            matching.stage[component] = 3
            matching.ref_index[component] = -1
    return matching


def colorize_frames(
    lines: Sequence[np.ndarray],
    colored: dict[int, np.ndarray],
    *,
    names: Sequence[str] | None = None,
    options: ColorizeOptions | None = None,
    matcher: Matcher | None = None,
    overrides: dict[int, dict[int, Sequence[int]]] | None = None,
    progress: ProgressCallback | None = None,
) -> list[FrameResult]:
    """Color a sequence of line frames from the colored ones, in memory.

    Parameters
    ----------
    lines : sequence of (H, W, 4) ndarray of uint8
        Line art of every frame, in order.
    colored : dict of int -> (H, W, 4) ndarray of uint8
        Frame index -> its colored frame (the references).
    names : sequence of str, optional
        Frame names (default ``0000``, ``0001``...).
    options : ColorizeOptions, optional
    matcher : Matcher, optional
        Overrides ``options.method`` (evaluation passes its own).
    overrides : dict of int -> dict of int -> RGBA, optional
        Locked corrections: frame index -> component id -> color. Applied after matching, so they
        also flow into later frames through propagation.
    progress : callable(done, total, frame_name), optional
        Called after every frame.

    Returns
    -------
    list of FrameResult
        One per frame, in frame order (references included, painted with their own colors).
    """
    options = options or ColorizeOptions()
    names = list(names) if names is not None else [f"{i:04d}" for i in range(len(lines))]
    if len(names) != len(lines):
        raise ValueError(f"got {len(names)} names for {len(lines)} line frames")
    for index, image in colored.items():
        if not 0 <= index < len(lines):
            raise ValueError(f"colored frame index {index} is outside 0..{len(lines) - 1}")
        if image.shape[:2] != lines[index].shape[:2]:
            h, w = lines[index].shape[:2]
            raise InputError(
                f"colored frame {names[index]} is {image.shape[1]}x{image.shape[0]} but its line frame is "
                f"{w}x{h}: the colored frame must have the line frame's size"
            )
    matcher = matcher or get_matcher(options.method, **options.matcher_params)
    overrides = overrides or {}
    results: dict[int, FrameResult] = {}
    total = len(lines)
    done = 0
    for index in sorted(colored):
        start = time.perf_counter()
        frame = _frame(lines[index], names[index], options.close_gaps)
        colors = reference_colors(colored[index], frame.seg)
        n = frame.n
        matching = Matching(
            ref_index=np.arange(n, dtype=np.int32),
            colors=colors.copy(),
            confidence=np.ones(n, np.float32),
            stage=np.full(n, 3, np.uint8),
        )
        matching = _apply_overrides(matching, overrides.get(index))
        frame = frame.with_colors(matching.colors)
        painted = paint(frame, matching, line_mode=options.line_mode)
        results[index] = FrameResult(
            names[index], frame, matching, painted, names[index], time.perf_counter() - start, is_reference=True
        )
        done += 1
        if progress:
            progress(done, total, names[index])
    for target, source, anchor in propagation_plan(len(lines), colored):
        start = time.perf_counter()
        if lines[target].shape[:2] != lines[source].shape[:2]:
            raise InputError(
                f"line frames {names[source]} and {names[target]} differ in size: every frame of a cut "
                "must have the same size"
            )
        frame = _frame(lines[target], names[target], options.close_gaps)
        reference = results[source].frame
        matching = _match(matcher, reference, frame, results[anchor].frame)
        matching = _apply_overrides(matching, overrides.get(target))
        frame = frame.with_colors(matching.colors)
        painted = paint(frame, matching, line_mode=options.line_mode)
        results[target] = FrameResult(
            names[target], frame, matching, painted, names[source], time.perf_counter() - start
        )
        done += 1
        if progress:
            progress(done, total, names[target])
    return [results[i] for i in range(len(lines))]


def write_results(
    results: Sequence[FrameResult],
    out_dir: Path,
    *,
    options: ColorizeOptions,
    tga_bits_per_pixel: int | None = None,
) -> list[Path]:
    """Write every frame's image, sidecar JSON and optional layers/previews into ``out_dir``.

    ``tga_bits_per_pixel`` keeps PaintMan's convention of writing TGA at the bits per pixel the
    line art was read with (24 or 32; layers with transparency are always 32).

    All files are first written into a staging folder inside ``out_dir`` and moved into place only
    when every one of them was written: a failed run replaces nothing.

    Returns
    -------
    list of Path
        The files written, in order.
    """
    from paintmatch.io import write_image, write_json

    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise InputError(f"cannot create the output folder {out_dir}: {error.strerror}") from None
    staging = Path(tempfile.mkdtemp(prefix=".paintmatch-", dir=out_dir))
    suffix = "." + options.output_format
    planned: list[tuple[Path, Path]] = []
    try:
        for result in results:
            files = {f"{result.name}{suffix}": result.painted.image}
            if options.layers:
                files[f"{result.name}_paint{suffix}"] = result.painted.paint_layer
                files[f"{result.name}_lines{suffix}"] = result.painted.line_layer
            if options.close_gaps:
                files[f"{result.name}_gaps.png"] = gap_preview(result.frame.line, result.frame.seg)
            for file_name, image in files.items():
                bits = None
                if file_name.endswith(".tga") and tga_bits_per_pixel == 24 and not file_name.endswith(("_paint.tga", "_lines.tga")):
                    bits = 24
                write_image(staging / file_name, image, bits_per_pixel=bits)
                planned.append((staging / file_name, out_dir / file_name))
            json_name = f"{result.name}.json"
            write_json(staging / json_name, sidecar(result.frame, result.matching, reference_name=result.reference_name))
            planned.append((staging / json_name, out_dir / json_name))
        for source, destination in planned:
            os.replace(source, destination)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return [destination for _, destination in planned]


def _tqdm_progress(total: int, quiet: bool, description: str) -> tuple[ProgressCallback | None, Callable[[], None]]:
    if quiet:
        return None, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=description, unit="frame", leave=False)

    def update(done: int, _total: int, name: str) -> None:
        bar.set_postfix_str(name)
        bar.update(done - bar.n)

    return update, bar.close


def colorize_cut(
    cut_dir: str | Path,
    out_dir: str | Path | None = None,
    *,
    options: ColorizeOptions | None = None,
    quiet: bool = True,
    progress: ProgressCallback | None = None,
    overrides: dict[str, dict[int, Sequence[int]]] | None = None,
    matcher: Matcher | None = None,
) -> CutResult:
    """Color every line frame of a cut folder (``line/``, ``gt/``) and write the results.

    Parameters
    ----------
    cut_dir : path
        A cut in the PaintBucket-Character layout.
    out_dir : path, optional
        Output folder (default ``CUT/paint``).
    options : ColorizeOptions, optional
    quiet : bool
        No progress bar.
    progress : callable(done, total, name), optional
        Progress callback (used by the web app and batch runner).
    overrides : dict of frame name -> component id -> RGBA, optional
        Locked corrections.
    matcher : Matcher, optional
        A ready matcher (the batch runner reuses one per worker); default: built from ``options``.

    Returns
    -------
    CutResult
    """
    from paintmatch.io import image_info, read_cut, read_image

    options = options or ColorizeOptions()
    options.validate()
    files = read_cut(cut_dir)
    out = Path(out_dir) if out_dir is not None else files.root / "paint"
    names = [p.stem for p in files.line]
    lines = [read_image(p) for p in files.line]
    index_of = {name: i for i, name in enumerate(names)}
    colored = {index_of[name]: read_image(path) for name, path in files.colored.items()}
    frame_overrides = {index_of[k]: v for k, v in (overrides or {}).items() if k in index_of}
    bar, close = _tqdm_progress(len(lines), quiet, Path(cut_dir).name)

    def report(done: int, total: int, name: str) -> None:
        if bar:
            bar(done, total, name)
        if progress:
            progress(done, total, name)

    try:
        results = colorize_frames(
            lines, colored, names=names, options=options, matcher=matcher, overrides=frame_overrides, progress=report
        )
    finally:
        close()
    tga_bits = image_info(files.line[0]).bits_per_pixel if options.output_format == "tga" else None
    written = write_results(results, out, options=options, tga_bits_per_pixel=tga_bits)
    return CutResult(frames=results, out_dir=out, written=written)


def _line_from_colored(colored: np.ndarray) -> np.ndarray:
    """Line art recovered from a colored frame: its dark opaque pixels, on transparency."""
    rgb = colored[..., :3].astype(np.int32)
    dark = (rgb.max(axis=2) < 80) & (colored[..., 3] >= 128)
    line = np.zeros_like(colored)
    line[dark] = (0, 0, 0, 255)
    return line


def colorize_files(
    line_paths: Sequence[str | Path],
    reference: str | Path,
    out_dir: str | Path,
    *,
    reference_line: str | Path | None = None,
    options: ColorizeOptions | None = None,
    quiet: bool = True,
) -> CutResult:
    """Color the given line frames from one colored frame.

    The reference's line art is ``reference_line`` if given, else the line frame with the
    reference's file name if one is among ``line_paths``, else the colored frame's own dark lines.
    Frames are colored in the given order, each from the previous one, starting at the reference.
    """
    from paintmatch.io import find_line_frames, read_image

    options = options or ColorizeOptions()
    options.validate()
    paths = find_line_frames(list(line_paths))
    colored = read_image(reference)
    reference_path = Path(reference)
    same_name = [i for i, p in enumerate(paths) if p.stem == reference_path.stem]
    lines = [read_image(p) for p in paths]
    names = [p.stem for p in paths]
    if reference_line is not None:
        ref_line = read_image(reference_line)
    elif same_name:
        ref_line = lines[same_name[0]]
    else:
        ref_line = _line_from_colored(colored)
    if same_name:
        index = same_name[0]
        all_lines, all_names = lines, names
    else:
        index = 0
        all_lines, all_names = [ref_line, *lines], [reference_path.stem, *names]
    if reference_line is not None and same_name:
        all_lines[index] = ref_line
    bar, close = _tqdm_progress(len(all_lines), quiet, "colorize")
    try:
        results = colorize_frames(all_lines, {index: colored}, names=all_names, options=options, progress=bar)
    finally:
        close()
    if not same_name:
        results = results[1:]  # the reference was not asked for as an output
    written = write_results(results, Path(out_dir), options=options)
    return CutResult(frames=results, out_dir=Path(out_dir), written=written)


def suggest_reference(cut_dir: str | Path, *, close_gaps: int = 0) -> list[tuple[str, int]]:
    """Frames of a cut with their component counts, most components first.

    The first entry is the frame to color first (Do et al.: the frame with the most components
    carries the most information for matching the others).
    """
    from paintmatch.io import read_cut, read_image

    files = read_cut(cut_dir, require_colored=False)
    counts = [(p.stem, segment(read_image(p), close_gaps_px=close_gaps).n) for p in files.line]
    return sorted(counts, key=lambda item: (-item[1], item[0]))
