"""Color a whole cut: the order of work, frame-to-frame propagation, and atomic, streamed output.

Frames are colored outward from the colored frames, forward and backward (``key_chains``); each painted
frame becomes the reference of the next one, and the original colored frame stays available to
matchers as an anchor against drift. With two colored frames or more, each frame is matched from every one of them
(each one's chains cross the others to both ends of the cut) and each component keeps the most confident one's color
(``merge_sides``). Results stream into a staging folder as each frame finishes
(memory stays flat in the number of frames) and replace the output folder's files only when every
frame succeeded.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence, Union

import numpy as np

from paintmatch.errors import InputError, PaintmatchError
from paintmatch.io import os_input_error
from paintmatch.match import Frame, Matcher, Matching, get_matcher
from paintmatch.match.memo import RUN_FRAME_BYTES, MatchMemo, paint_key, segmentation_key
from paintmatch.paint import LINE_MODES, FramePaint, paint, sidecar
from paintmatch.review import FLAG_MIN_AREA, NextToColor, next_to_color
from paintmatch.segment import (
    Segmentation, gap_preview, line_mask, paint_off_lines, reference_colors, segment, split_by_paint,
)

__all__ = [
    "DEFAULT_METHOD",
    "ColorizeOptions",
    "FrameResult",
    "FrameSummary",
    "CutResult",
    "Cancelled",
    "StagedOutput",
    "check_output_folder",
    "segment_frame",
    "propagation_plan",
    "colorize_frames",
    "colorize_cut",
    "colorize_files",
    "suggest_reference",
    "write_results",
]

log = logging.getLogger("paintmatch")

DEFAULT_METHOD = "best"
OUTPUT_FORMATS = ("png", "tga", "tiff")
ProgressCallback = Callable[[int, int, str], None]
FrameSink = Callable[["FrameResult"], None]
ImageSource = Union[np.ndarray, str, os.PathLike]
"""A frame given as an (H, W, 4) uint8 array, or as the path of a file read when it is needed."""

PASS_NO_LINES = "no lines"
PASS_NO_REGION = "no closed region"
PASS_TOO_MANY = "too many regions"
#: A colored frame whose paint boundaries off its line frame's lines are longer than this share of the regions' borders
#: is named in a warning as not fitting them (``paint_off_lines``): on their own lines, also as JPEG, at most 0.001
#: (production-like dev and test, basicpbc); the next key drawing's 0.24-0.49, shifted 4 px 0.09-0.20.
MISFIT_SHARE = 0.1

#: What the warnings say of a frame written through, by reason.
PASS_DESCRIPTIONS = {
    PASS_NO_LINES: "no lines (blank)",
    PASS_NO_REGION: "no closed region (all ink)",
    PASS_TOO_MANY: "too many regions to match (specks: is the paper read as ink, a dark or noisy scan, or screentone? "
                   "scan it brighter or clean it up)",
}
#: A frame of more components than this is written through, not matched: matching needs memory in the square of the
#: count (best on a 1600 px frame of 4,096 components: 2.5 GB and 9.7 s; 18,758, a grey scan read with paper as ink,
#: was killed for memory on 24 GB; /tmp scripts). The densest frames of the benchmark suites have under 900.
MAX_COMPONENTS = 4000


class Cancelled(PaintmatchError):
    """A coloring run was asked to stop (``cancel`` returned True); nothing was written. Exit code 130."""

    exit_code = 130


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
    close_gaps : {"auto", "off"} or int
        Gap closing: ``"auto"`` (default) closes gaps where a stroke ends near another line, scaled to the
        line width (``paintmatch.segment``); an int is a trapped-ball radius in pixels; ``"off"`` or 0: none.
    gap_previews : bool
        Also write ``<name>_gaps.png`` (the line art with the closures in magenta).
    split_by_paint : bool
        Split a colored frame's component where its paint holds two palette colors with no line between
        them (``paintmatch.segment.split_by_paint``): the painter's regions, not the line art's.
    output_format : {"png", "tga", "tiff"} or None
        Image format of the results; None: the line art's own lossless family (``io.output_format_for``:
        TGA or TIFF when every line frame is one, else PNG).
    matcher_params : dict
        Keyword parameters for the matcher.
    both_keys : bool
        With two colored frames or more, each frame is colored from every one of them (``key_chains``): each one's
        chain matches it, and each component takes the color of the chain most confident of it (as many matches of a
        frame as colored frames). False: from the nearer one only (one match a frame).
    """

    method: str = DEFAULT_METHOD
    line_mode: str = "keep"
    layers: bool = False
    close_gaps: int | str = "auto"
    gap_previews: bool = False
    split_by_paint: bool = True
    output_format: str | None = None
    matcher_params: dict = field(default_factory=dict)
    both_keys: bool = True

    def validate(self) -> None:
        """Raise ``InputError`` naming the bad setting."""
        if self.line_mode not in LINE_MODES:
            raise InputError(f"--line-mode must be one of {', '.join(LINE_MODES)}; got {self.line_mode!r}")
        if self.output_format is not None and self.output_format not in OUTPUT_FORMATS:
            raise InputError(f"--format must be one of {', '.join(OUTPUT_FORMATS)}; got {self.output_format!r}")
        if self.close_gaps not in ("auto", "off") and not (
            isinstance(self.close_gaps, int) and not isinstance(self.close_gaps, bool) and 0 <= self.close_gaps <= 64
        ):
            raise InputError(f"--close-gaps must be auto, off or a radius between 0 and 64 pixels; got {self.close_gaps!r}")
        try:
            get_matcher(self.method, **self.matcher_params)
        except ValueError as error:
            raise InputError(f"--method: {error}") from None


@dataclass
class FrameSummary:
    """What callers keep of a frame once its images are written: no pixels.

    Attributes
    ----------
    name, reference_name : str
        The frame and the frame it was colored from ('' for a frame passed through).
    seconds : float
        Time to color it.
    is_reference : bool
        A colored input frame.
    components : int
        Its component count.
    confidence : (n,) ndarray of float32
        Per component.
    areas : (n,) ndarray of int64
        Pixels per component.
    passed_through : str or None
        Why the frame was written through uncolored (``"no lines"``, ``"no closed region"``), else None.
    paint_off_lines : float or None
        For a colored input frame, how far its paint does not fit its line frame (``FrameResult.paint_off_lines``).
    """

    name: str
    reference_name: str
    seconds: float
    is_reference: bool
    components: int
    confidence: np.ndarray
    areas: np.ndarray
    passed_through: str | None = None
    paint_off_lines: float | None = None


@dataclass
class FrameResult:
    """One colored frame: its frame (with colors), matching, painted layers and timing.

    ``passed_through`` names why a frame with no lines or no closed region was written as drawn
    instead of colored (None for a colored frame). ``paint_off_lines``: for a colored input frame, how much of its
    paint changes where its line frame has no line (``paintmatch.segment.paint_off_lines``; over ``MISFIT_SHARE`` it does
    not fit them: ``misfit_message``), None for the others.
    """

    name: str
    frame: Frame
    matching: Matching
    painted: FramePaint
    reference_name: str
    seconds: float
    is_reference: bool = False
    passed_through: str | None = None
    paint_off_lines: float | None = None

    @property
    def confidence(self) -> np.ndarray:
        """(n,) float32: the matching's confidence per component."""
        return self.matching.confidence

    @property
    def areas(self) -> np.ndarray:
        """(n,) int64: pixels per component."""
        return self.frame.seg.areas

    def summary(self) -> FrameSummary:
        """The pixel-free record of this frame."""
        return FrameSummary(
            name=self.name,
            reference_name=self.reference_name,
            seconds=self.seconds,
            is_reference=self.is_reference,
            components=int(self.frame.n),
            confidence=np.asarray(self.matching.confidence, np.float32).copy(),
            areas=np.asarray(self.frame.seg.areas, np.int64).copy(),
            passed_through=self.passed_through,
            paint_off_lines=self.paint_off_lines,
        )


@dataclass
class CutResult:
    """The outcome of ``colorize_cut``: per-frame summaries in frame order and where they were written."""

    frames: list[FrameSummary] | list[FrameResult]
    out_dir: Path | None
    written: list[Path]

    @property
    def mean_confidence(self) -> float:
        """Mean confidence over the components over ``FLAG_MIN_AREA`` px of the frames paintmatch colored (1.0 if none).

        The regions the review flags and ``next_to_color`` ranks frames by: the specks under them have confidences of
        their own (the logistic model's) and, counted in, put the cut's mean below its least sure frame's.
        """
        values = [r.confidence[r.areas > FLAG_MIN_AREA] for r in self.frames if not r.is_reference and not r.passed_through]
        return float(np.concatenate(values).mean()) if values and sum(v.size for v in values) else 1.0

    @property
    def passed_through(self) -> list[str]:
        """Names of the frames written through uncolored (no lines, or no closed region)."""
        return [r.name for r in self.frames if r.passed_through]

    @property
    def misfits(self) -> list[str]:
        """Names of the colored frames whose paint does not fit their line frames (over ``MISFIT_SHARE``)."""
        return [r.name for r in self.frames if r.paint_off_lines is not None and r.paint_off_lines > MISFIT_SHARE]

    @property
    def next_to_color(self) -> NextToColor | None:
        """The frame the painter should color next (``paintmatch.review.next_to_color``; None if none is left)."""
        return next_to_color((r.name, r.areas, r.confidence) for r in self.frames
                             if not r.is_reference and not r.passed_through)


# --------------------------------------------------------------------------------------------------
# Output folder: never an input folder; machine errors as InputError


def _resolved(path: str | os.PathLike[str]) -> Path:
    return Path(os.path.abspath(Path(path).expanduser())).resolve()


def check_output_folder(
    out: str | os.PathLike[str],
    inputs: Iterable[str | os.PathLike[str]],
    *,
    suggestion: str | os.PathLike[str] | None = None,
) -> Path:
    """Refuse an output folder that is, or is inside, a folder the run reads frames from.

    Writing there would replace the painter's line art or colored frames (and later runs would
    take the outputs for painted frames).

    Parameters
    ----------
    out : path
        The output folder (it need not exist).
    inputs : iterable of path
        Every folder the run reads frames from (``CUT/line``, ``CUT/gt``, ``CUT/seg``, the folders
        of the given files). Symbolic links are resolved on both sides before comparing.
    suggestion : path, optional
        An output folder to suggest instead (``CUT/paint``).

    Returns
    -------
    Path
        ``out`` resolved.

    Raises
    ------
    InputError
        If ``out`` is one of ``inputs`` or lies inside one.

    Examples
    --------
    >>> import tempfile
    >>> cut = Path(tempfile.mkdtemp())
    >>> check_output_folder(cut / "paint", [cut / "line", cut / "gt"]) == (cut / "paint").resolve()
    True
    >>> try:
    ...     check_output_folder(cut / "gt", [cut / "line", cut / "gt"])
    ... except InputError as error:
    ...     print("refused:", "is the input folder" in str(error))
    refused: True
    """
    target = _resolved(out)
    folders = {_resolved(folder): Path(folder) for folder in inputs}
    for candidate in (target, *target.parents):
        if candidate in folders:
            where = "is" if candidate == target else "is inside"
            hint = f", e.g. {suggestion}" if suggestion is not None else ""
            raise InputError(
                f"the output folder {out} {where} the input folder {folders[candidate]}, which this run reads "
                f"frames from: writing there would replace the painter's files. Choose an output folder outside "
                f"the input folders{hint}"
            )
    return target


class StagedOutput:
    """Write frame results into a staging folder as they come; move them into ``out_dir`` at the end.

    Use as a context manager: ``write`` each ``FrameResult`` (its images and sidecar are encoded
    and written at once, so the caller can drop the pixels), then ``commit``. Leaving the ``with``
    block without ``commit`` (an error, Ctrl-C) removes the staging folder and leaves ``out_dir``
    as it was; a folder created for the run is removed again if it stayed empty.

    Parameters
    ----------
    out_dir : path
        The output folder (created if needed).
    options : ColorizeOptions
        Format, layers and gap previews.
    tga_bits_per_pixel : int, optional
        Write TGA frames at the bits per pixel of the line art (PaintMan's convention).

    Raises
    ------
    InputError
        The folder cannot be created or written (read-only, full disk, no permission), naming it.
    """

    def __init__(self, out_dir: str | os.PathLike[str], *, options: ColorizeOptions, tga_bits_per_pixel: int | None = None):
        self.out_dir = Path(out_dir)
        self.options = options
        self.tga_bits_per_pixel = tga_bits_per_pixel
        self.staging: Path | None = None
        self._created: Path | None = None
        self._planned: dict[str, list[tuple[Path, Path]]] = {}
        self._committed = False

    def __enter__(self) -> "StagedOutput":
        missing = next((p for p in (self.out_dir, *self.out_dir.parents) if p.exists()), None)
        try:
            self.out_dir.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise os_input_error(self.out_dir, error) from None
        if missing != self.out_dir:
            self._created = self.out_dir
        try:
            self.staging = Path(tempfile.mkdtemp(prefix=".paintmatch-", dir=self.out_dir))
        except OSError as error:
            self._remove_created()
            raise os_input_error(self.out_dir, error) from None
        return self

    def write(self, result: FrameResult) -> None:
        """Write one frame's image, sidecar and optional layers/previews into the staging folder."""
        from paintmatch.io import OUTPUT_SUFFIXES, write_image, write_json

        if self.staging is None:
            raise RuntimeError("StagedOutput.write outside its with block")
        options = self.options
        suffix = OUTPUT_SUFFIXES[options.output_format or "png"]
        files = {f"{result.name}{suffix}": result.painted.image}
        if options.layers:
            files[f"{result.name}_paint{suffix}"] = result.painted.paint_layer
            files[f"{result.name}_lines{suffix}"] = result.painted.line_layer
        if options.gap_previews:
            files[f"{result.name}_gaps.png"] = gap_preview(result.frame.line, result.frame.seg)
        planned = []
        path = self.staging
        try:
            for file_name, image in files.items():
                bits = None
                if (
                    file_name.endswith(".tga")
                    and self.tga_bits_per_pixel == 24
                    and not file_name.endswith(("_paint.tga", "_lines.tga"))
                ):
                    bits = 24
                path = self.staging / file_name
                write_image(path, image, bits_per_pixel=bits)
                planned.append((path, self.out_dir / file_name))
            record = sidecar(result.frame, result.matching, reference_name=result.reference_name)
            if result.passed_through:
                record["passed_through"] = True
                record["reason"] = result.passed_through
            if result.paint_off_lines is not None:
                record["paint_off_lines"] = round(result.paint_off_lines, 4)
            path = self.staging / f"{result.name}.json"
            write_json(path, record)
            planned.append((path, self.out_dir / path.name))
        except OSError as error:  # ENOSPC or EIO while writing: atomic_write has removed its temporary file
            raise os_input_error(path, error) from None
        self._planned[result.name] = planned

    def commit(self, order: Sequence[str] | None = None) -> list[Path]:
        """Move every staged file into ``out_dir``; returns the destinations (frame order if ``order`` is given)."""
        names = list(order) if order is not None else list(self._planned)
        moves = [move for name in names for move in self._planned.get(name, [])]
        for source, destination in moves:
            try:
                os.replace(source, destination)
            except OSError as error:
                raise os_input_error(destination, error) from None
        self._committed = True
        return [destination for _, destination in moves]

    def _remove_created(self) -> None:
        if self._created is not None:
            try:
                self._created.rmdir()  # only if still empty
            except OSError:
                pass

    def __exit__(self, *exc_info) -> None:
        if self.staging is not None:
            shutil.rmtree(self.staging, ignore_errors=True)
            self.staging = None
        if not self._committed:
            self._remove_created()


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
    when every one of them was written: a failed run replaces nothing (see ``StagedOutput``, which
    ``colorize_cut`` feeds frame by frame instead of holding every result).

    Returns
    -------
    list of Path
        The files written, in order.
    """
    with StagedOutput(out_dir, options=options, tga_bits_per_pixel=tga_bits_per_pixel) as output:
        for result in results:
            output.write(result)
        return output.commit([r.name for r in results])


# --------------------------------------------------------------------------------------------------
# Order of work


def _nearness(frame: int, colored: int) -> tuple[int, int]:
    """Sort key of colored frames as seen from ``frame``: the nearer first, the earlier on a tie."""
    return abs(colored - frame), colored


def propagation_plan(
    n_frames: int, colored: Iterable[int], *, skip: Iterable[int] = ()
) -> list[tuple[int, int, int]]:
    """Order of work from the nearer colored frame only: ``(target, source, anchor)`` triples.

    The review page's re-propagation and recoloring follow it (``colorize_frames`` colors the frames between two
    colored frames from both, ``key_chains``). Each uncolored frame is colored from its neighbour on the side of its
    nearest colored frame (``source``), after that neighbour; ``anchor`` is that nearest colored frame. Ties go to
    the earlier colored frame. Frames in ``skip`` (written through uncolored: no lines, no closed
    region) are neither targets nor sources: the next frame takes the last usable one before them.

    Examples
    --------
    >>> propagation_plan(4, [0])
    [(1, 0, 0), (2, 1, 0), (3, 2, 0)]
    >>> propagation_plan(3, [2])
    [(1, 2, 2), (0, 1, 2)]
    >>> propagation_plan(4, [0], skip=[1])
    [(2, 0, 0), (3, 2, 0)]
    """
    skipped = set(skip)
    colored = sorted(set(colored) - skipped)
    if not colored:
        raise InputError("no colored frame: color one frame first (see `paintmatch suggest-reference`)")
    plan = []
    for target in range(n_frames):
        if target in colored or target in skipped:
            continue
        anchor = min(colored, key=lambda c: _nearness(target, c))
        step = 1 if anchor < target else -1
        source = target - step
        while source in skipped:
            source -= step
        plan.append((abs(anchor - target), target, source, anchor))
    plan.sort()
    return [(t, s, a) for _, t, s, a in plan]


#: What a chain does with each frame it matches: the frame's result (``FINAL``), kept until the chain from another
#: colored frame reaches it (``FIRST_SIDE``), merged with what that chain kept (``SECOND_SIDE``), or only matched to
#: carry the chain on (``THROUGH``: a colored frame that the chain from another one crosses).
FINAL, FIRST_SIDE, SECOND_SIDE, THROUGH = "final", "first side", "second side", "through"


@dataclass(frozen=True)
class KeyChain:
    """Frames matched one after another outward from a colored frame, each from the one before.

    Attributes
    ----------
    anchor : int
        The colored frame the chain starts from (the matchers' anchor).
    targets : tuple of int
        The frames it matches, in order (frames that cannot be sources are passed over).
    roles : tuple of str
        What the chain does with each target (``FINAL``, ``FIRST_SIDE``, ``SECOND_SIDE``, ``THROUGH``).
    """

    anchor: int
    targets: tuple[int, ...]
    roles: tuple[str, ...]


def key_chains(n_frames: int, colored: Iterable[int], *, skip: Iterable[int] = (), both: bool = True) -> list[KeyChain]:
    """The chains that color a cut, in order of work, from its colored frames.

    With one colored frame (or without ``both``), one chain goes outward on each side, and between two colored frames
    each frame is matched from its nearer one only (ties go to the earlier one, as ``propagation_plan``). With two or
    more and ``both``, every frame is matched by the chains from every colored frame and merged (``merge_sides``):
    each colored frame's chains go back to the start of the cut and on to its end, crossing the other colored frames
    (``THROUGH``, matched only to carry the chain on); a frame's result is kept (``FIRST_SIDE``) until the last chain
    that reaches it merges with it (``SECOND_SIDE``). Chains that would only cross colored frames stop before them.
    Frames in ``skip`` are neither targets nor sources.

    Why every colored frame and not the two around a frame: production-like dev, 12 cuts, three colored frames (the
    suggested drawing and the next one ``colorize`` names, twice, fixed as a painter does; ``benchmarks/workflow.py``'s
    rounds): the other frames' wrong components over 10 px 322 from the two around each frame, 298 with the first two
    colored frames alone, 277 from all three (a /tmp script merging one-colored-frame runs; the same merge). Fixing
    frame by frame, each fixed frame made a colored frame (``benchmarks/workflow.py``'s row; up to 7 colored frames):
    35.8 fixes a cut merged from every colored frame, 39.9 from the three nearest, 43.2 from the two nearest (chains
    cut short where their colored frame is no longer among a frame's nearest; a /tmp script, not kept).
    Why each frame from the one before it and not from more of the frames its chain colored: production-like dev,
    12 cuts x 3 references, one colored frame (a /tmp script calling ``colorize_frames``' steps, 0.9352 acc_thres as
    ``benchmarks/dev.py``): the most alike colored frame (line-art distance fields, aligned on the ink's centroid) as
    the source instead 0.9347; merged with a second match, from two frames back 0.9363, from the most alike 0.9367;
    every colored frame of its side, their confidences voting, 0.9368: a few tenths of a point for 1.3 to 3 times the
    matching (each drawing is a new key pose: a frame's errors are its own step's, not drift along the chain).

    Examples
    --------
    >>> def roles(chains):
    ...     return [(c.anchor, [f"{t}{r[0]}" for t, r in zip(c.targets, c.roles)]) for c in chains]
    >>> roles(key_chains(8, [2, 5]))  # f: first side, s: second side, t: through
    [(2, ['1f', '0f']), (2, ['3f', '4f', '5t', '6f', '7f']), (5, ['4s', '3s', '2t', '1s', '0s']), (5, ['6s', '7s'])]
    >>> roles(key_chains(8, [2, 5], both=False))  # f: final
    [(2, ['1f', '0f']), (2, ['3f']), (5, ['4f']), (5, ['6f', '7f'])]
    """
    skipped = set(skip)
    keys = sorted(set(colored) - skipped)
    if not keys:
        raise InputError("no colored frame: color one frame first (see `paintmatch suggest-reference`)")

    def chain(anchor: int, start: int, stop: int, step: int, role: str) -> KeyChain:
        """From ``anchor``, frames ``range(start, stop, step)`` with ``role``; colored frames crossed, not after the last."""
        targets = [t for t in range(start, stop, step) if t not in skipped]
        while targets and targets[-1] in keys:
            targets.pop()
        return KeyChain(anchor, tuple(targets), tuple(THROUGH if t in keys else role for t in targets))

    first, last = keys[0], keys[-1]
    if not both or len(keys) == 1:
        chains = [chain(first, first - 1, -1, -1, FINAL)]
        for left, right in zip(keys, keys[1:]):
            middle = (left + right) // 2  # ties (equal distance) go to the earlier colored frame
            chains += [chain(left, left + 1, middle + 1, 1, FINAL), chain(right, right - 1, middle, -1, FINAL)]
        chains.append(chain(last, last + 1, n_frames, 1, FINAL))
        return [c for c in chains if c.targets]
    chains = [c for key in keys for c in (chain(key, key - 1, -1, -1, FIRST_SIDE), chain(key, key + 1, n_frames, 1, FIRST_SIDE))]
    # The last chain to reach a frame merges with what the ones before kept.
    last_visit = {t: i for i, c in enumerate(chains) for t, r in zip(c.targets, c.roles) if r != THROUGH}
    chains = [KeyChain(c.anchor, c.targets, tuple(SECOND_SIDE if r != THROUGH and last_visit[t] == i else r
                                                  for t, r in zip(c.targets, c.roles)))
              for i, c in enumerate(chains)]
    return [c for c in chains if c.targets]


def colored_sides(frame: int, colored: Iterable[int]) -> list[int]:
    """The colored frames ``key_chains`` (with ``both``) matches ``frame`` from, nearest first (the earlier on a tie):
    every one, or none with fewer than two.

    Examples
    --------
    >>> colored_sides(3, [2, 5]), colored_sides(4, [2, 5]), colored_sides(7, [2, 5]), colored_sides(0, [2, 5, 9])
    ([2, 5], [5, 2], [5, 2], [2, 5, 9])
    >>> colored_sides(3, [2])
    []
    """
    keys = sorted(set(colored))
    return sorted(keys, key=lambda k: _nearness(frame, k)) if len(keys) >= 2 else []


def merge_sides(nearer: Matching, farther: Matching) -> Matching:
    """One frame matched by the chains from both of its colored frames: each component takes the farther side's
    color where that side is more confident of it (``Matching.confidence``, the probability that the color is right),
    with ``ref_index`` -1 (its reference is another chain's frame); else the nearer side's.

    Production-like dev, each cut colored from its first and last drawings (``benchmarks/keys.py``): the nearer
    side alone 0.9410 acc_thres, both sides merged 0.9557; with a margin the farther side must beat the nearer one's
    confidence by, 0.1: 0.9526, -0.1: 0.9545 (none: the confidences are calibrated probabilities, comparable as they are).
    """
    if nearer.colors.shape != farther.colors.shape:
        raise ValueError("the two sides matched different segmentations of one frame")
    farther_wins = farther.confidence > nearer.confidence
    return Matching(
        ref_index=np.where(farther_wins, -1, nearer.ref_index).astype(np.int32),
        colors=np.where(farther_wins[:, None], farther.colors, nearer.colors).astype(np.uint8),
        confidence=np.where(farther_wins, farther.confidence, nearer.confidence).astype(np.float32),
        stage=nearer.stage.copy(),
    )


# --------------------------------------------------------------------------------------------------
# Coloring


#: One frame's match by the chains that reached it so far: (merged match, the source frame and the colored frame of
#: the nearest of those chains, seconds spent).
_Side = tuple[Matching, int, int, float]


def _merge_side(kept: _Side | None, new: _Side, target: int) -> _Side:
    """``new`` merged into what the chains before it ``kept`` for frame ``target`` (``merge_sides``): the side whose
    colored frame is nearer (the earlier on a tie) is the nearer side, and names the source."""
    if kept is None:
        return new
    nearer, farther = (kept, new) if _nearness(target, kept[2]) <= _nearness(target, new[2]) else (new, kept)
    return merge_sides(nearer[0], farther[0]), nearer[1], nearer[2], kept[3] + new[3]


def _load(item: ImageSource, *, painted: bool = False) -> np.ndarray:
    """An array as it is, a file read (``painted``: a colored frame, ``paintmatch.io.read_image``)."""
    if isinstance(item, np.ndarray):
        return item
    from paintmatch.io import read_image

    return read_image(item, painted=painted)


def misfit_message(colored: str, line: str, share: float) -> str:
    """The warning for a colored frame (named ``colored``) whose paint does not fit its line frame (``line``):
    its paint boundaries off the lines ``share`` as long as the regions' borders (``paint_off_lines``, over
    ``MISFIT_SHARE``)."""
    return (f"{colored} does not fit its line frame {line}: its paint changes where the line frame has no line, "
            f"{100 * share:.0f}% as long as the lines (painted on these lines: under 1%). Was it painted on another "
            "drawing or another version of this one, or is it shifted? Its colors are used as they are: check the "
            "result, or give the colored frame of this drawing")


def _label(item: ImageSource, name: str, kind: str = "line frame ") -> str:
    """How a warning names a frame: its file where there is one, else ``kind`` and ``name``."""
    return f"{kind}{name}" if isinstance(item, np.ndarray) else str(item)


def _empty_segmentation(shape: tuple[int, int], transparent: bool) -> Segmentation:
    """No component, no line: what a blank frame holds."""
    labels = np.full(shape, -1, np.int32)
    return Segmentation(
        labels=labels,
        line_class=np.zeros(shape, np.uint8),
        areas=np.zeros(0, np.int64),
        centroids=np.zeros((0, 2), np.float64),
        bboxes=np.zeros((0, 4), np.int32),
        adjacency=np.zeros((0, 2), np.int32),
        trace_sides=np.zeros(0, np.uint8),
        transparent=transparent,
        _expanded=labels,
    )


def _with_output_format(options: ColorizeOptions, line_paths: Sequence[Path]) -> ColorizeOptions:
    """``options`` with ``output_format`` set: as asked, else the line art's lossless family (``io.output_format_for``)."""
    from dataclasses import replace

    from paintmatch.io import output_format_for

    if options.output_format is not None:
        return options
    return replace(options, output_format=output_format_for(line_paths))


def segment_frame(
    line: np.ndarray, name: str, close_gaps: int | str, *, edits: Mapping[str, Sequence] | None = None
) -> tuple[Frame, str | None]:
    """Segment a line frame with gap closing ``close_gaps`` and the painter's gap ``edits``.

    ``edits``: ``{"added": [[x0, y0, x1, y1], ...], "removed": [...]}`` (the review page's closures,
    ``paintmatch.segment.segment``'s ``extra_closures`` and ``removed_closures``).

    Returns
    -------
    frame : Frame
        The segmented frame (no colors).
    reason : str or None
        Why it cannot be colored (``PASS_NO_LINES``: no lines; ``PASS_NO_REGION``: no closed region,
        all ink; ``PASS_TOO_MANY``: over ``MAX_COMPONENTS`` components), or None. Such frames are no error:
        they come back with no component.
    """
    edits = edits or {}
    try:
        seg = segment(
            line, close_gaps_px=close_gaps,
            extra_closures=edits.get("added") or None, removed_closures=edits.get("removed") or None,
        )
    except InputError:
        mask, transparent = line_mask(line)
        if mask.any():  # another input problem: not a blank frame
            raise
        return Frame(line=line, seg=_empty_segmentation(line.shape[:2], transparent), name=name), PASS_NO_LINES
    if seg.n > MAX_COMPONENTS:
        log.info("%s: %d components, over %d: written through", name, seg.n, MAX_COMPONENTS)
        return Frame(line=line, seg=_empty_segmentation(line.shape[:2], seg.transparent), name=name), PASS_TOO_MANY
    frame = Frame(line=line, seg=seg, name=name)
    return frame, (PASS_NO_REGION if seg.n == 0 else None)


def _empty_matching() -> Matching:
    return Matching(np.zeros(0, np.int32), np.zeros((0, 4), np.uint8), np.zeros(0, np.float32), np.zeros(0, np.uint8))


def _passed_through(frame: Frame, reason: str, seconds: float, is_reference: bool) -> FrameResult:
    """A frame written as drawn: a blank one stays transparent, an all-ink one keeps its ink."""
    matching = _empty_matching()
    frame = frame.with_colors(matching.colors)
    if reason == PASS_NO_LINES:
        empty = np.zeros((*frame.seg.shape, 4), np.uint8)
        painted = FramePaint(image=empty, paint_layer=empty, line_layer=empty)
    else:
        painted = paint(frame, matching, line_mode="keep")
    return FrameResult(frame.name, frame, matching, painted, "", seconds, is_reference=is_reference, passed_through=reason)


def _match(matcher: Matcher, reference: Frame, target: Frame, anchor: Frame, memo: MatchMemo | None = None,
           keys: tuple[str, bytes, bytes, bytes] | None = None) -> Matching:
    """``target`` matched from ``reference`` (and ``anchor``, for a matcher that uses one); with a ``memo``, the match
    kept from an earlier run where ``keys`` (the matcher's ``MatchMemo.matcher_key``, the ``segmentation_key`` of
    reference, target and anchor) and the colors agree."""
    with_anchor = getattr(matcher, "uses_anchor", False) and anchor is not reference
    key = None
    if memo is not None and keys is not None:
        matcher_key, reference_key, target_key, anchor_key = keys
        key = memo.key(matcher_key, (reference_key, reference.colors), target_key,
                       (anchor_key, anchor.colors) if with_anchor else None)
        kept = memo.get(key)
        if kept is not None:
            return kept
    if with_anchor:
        matching = matcher.match(reference, target, anchor=anchor)  # type: ignore[call-arg]
    else:
        matching = matcher.match(reference, target)
    if key is not None:
        memo.put(key, matching)
    return matching


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
    lines: Sequence[ImageSource],
    colored: Mapping[int, ImageSource],
    *,
    names: Sequence[str] | None = None,
    options: ColorizeOptions | None = None,
    matcher: Matcher | None = None,
    overrides: dict[int, dict[int, Sequence[int]]] | None = None,
    progress: ProgressCallback | None = None,
    sink: FrameSink | None = None,
    cancel: Callable[[], bool] | None = None,
    gap_edits: Mapping[int, Mapping[str, Sequence]] | None = None,
    memo: MatchMemo | None = None,
) -> list[FrameResult] | list[FrameSummary]:
    """Color a sequence of line frames from the colored ones.

    The frames are matched in chains outward from the colored frames (``key_chains``): each from the frame before it
    in its chain, with the chain's colored frame as the matchers' anchor; with two colored frames or more, each frame
    is matched by the chains from every one of them and merged (``merge_sides``; ``options.both_keys``).

    Parameters
    ----------
    lines : sequence of (H, W, 4) ndarray of uint8, or of paths
        Line art of every frame, in order. Paths are read when the frame is colored, so that only
        the frames still needed as a reference are held in memory.
    colored : dict of int -> (H, W, 4) ndarray of uint8, or path
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
        Called after every frame, and after each match that finishes no frame (a first side's, or one through a
        colored frame; ``total`` counts those too).
    sink : callable(FrameResult), optional
        Called with each frame's result as soon as it is done (in order of work, not frame order),
        for example ``StagedOutput.write``. The results are then not kept: the function returns
        their pixel-free ``FrameSummary`` instead, and memory stays flat in the number of frames.
    cancel : callable() -> bool, optional
        Checked before every frame; True stops the run with ``Cancelled``.
    gap_edits : dict of int -> dict, optional
        Frame index -> the painter's closures added and removed in review (``segment_frame``'s ``edits``).
    memo : MatchMemo, optional
        Segmentations and matches of earlier runs (the review page keeps one a workspace): a line frame whose line art
        and gap edits were segmented before takes that segmentation (and its features), a step whose frames and colors
        were matched before takes that match; what is made is kept. The results are the same as without it. Without
        one, a run with two colored frames or more keeps segmentations of its own, so that the chains of every colored
        frame, which all cross each frame, segment it once (up to ``memo.RUN_FRAME_BYTES`` of frames held).

    Returns
    -------
    list of FrameResult, or of FrameSummary with ``sink``
        One per frame, in frame order (references included, painted with their own colors).

    Raises
    ------
    InputError
        Unreadable frames, a colored or line frame of another size, no usable colored frame.
    Cancelled
        ``cancel`` said stop.

    Notes
    -----
    A frame with no lines (the character left the shot) or no closed region (a fade to black: all
    ink) cannot be matched: it is written through as drawn (``FrameResult.passed_through`` says
    why), a warning names it, and propagation goes on from the last frame colored before it.
    """
    options = options or ColorizeOptions()
    names = list(names) if names is not None else [f"{i:04d}" for i in range(len(lines))]
    if len(names) != len(lines):
        raise ValueError(f"got {len(names)} names for {len(lines)} line frames")
    for index in colored:
        if not 0 <= index < len(lines):
            raise ValueError(f"colored frame index {index} is outside 0..{len(lines) - 1}")
    if memo is None and options.both_keys and len(colored) >= 2:
        # This run's own: the chains of every colored frame cross each frame, segmented once. It keeps no match: a
        # matcher given here (a test's, an evaluation's) need not be a function of its frames' contents alone.
        memo = MatchMemo(max_matches=0, max_frame_bytes=RUN_FRAME_BYTES)
    matcher_key = ""  # with a memo: the name this matcher's matches are kept under
    if memo is not None:
        matcher_key = (memo.matcher_key(matcher) if matcher is not None
                       else memo.matcher_key(None, options.method, options.matcher_params))
    matcher = matcher or get_matcher(options.method, **options.matcher_params)
    overrides = overrides or {}
    gap_edits = gap_edits or {}
    kept: dict[int, FrameResult | FrameSummary] = {}
    total = len(lines)  # progress steps: every frame, and below the matches that finish no frame
    done = 0

    def finish(index: int, result: FrameResult) -> None:
        nonlocal done
        if result.passed_through:
            log.warning(
                "%s has %s: written through as drawn, not colored; the next frame is colored from the last colored one",
                _label(lines[index], names[index]), PASS_DESCRIPTIONS[result.passed_through],
            )
        if sink is not None:
            sink(result)
            kept[index] = result.summary()
        else:
            kept[index] = result
        done += 1
        if progress:
            progress(done, total, names[index])

    def advance(index: int) -> None:
        """One step that finishes no frame: a first side's match, or the second side passing over a blank frame."""
        nonlocal done
        done += 1
        if progress:
            progress(done, total, names[index])

    def check_cancel() -> None:
        if cancel is not None and cancel():
            raise Cancelled("stopped before every frame was colored: nothing was written")

    held: dict[int, Frame] = {}  # frames still needed as a source or an anchor
    segmentation_keys: dict[int, bytes] = {}  # with a memo: the colored frames' keys (paint_key when read through it)
    line_keys: dict[int, bytes] = {}  # with a memo: segmentation_key of the line frames, from their first visit

    def segmented(index: int) -> tuple[Frame, str | None, bytes]:
        """``segment_frame`` of a line frame (kept in the memo, or from it: a frame visited before in this run is not
        read again), and its ``segmentation_key`` (b"" without a memo)."""
        edits = gap_edits.get(index)
        if memo is not None and index in line_keys:
            found = memo.segmented(line_keys[index], names[index])
            if found is not None:
                return (*found, line_keys[index])
        line = _load(lines[index])
        if memo is None:
            return (*segment_frame(line, names[index], options.close_gaps, edits=edits), b"")
        key = line_keys[index] = segmentation_key(line, options.close_gaps, edits)
        found = memo.segmented(key, names[index])
        if found is None:
            found = segment_frame(line, names[index], options.close_gaps, edits=edits)
            memo.keep_segmented(key, *found)
        return (*found, key)

    skipped: set[int] = set()
    colored_reasons: dict[int, str] = {}  # colored frames written through, and why
    for index in sorted(colored):
        check_cancel()
        start = time.perf_counter()
        frame, reason, line_key = segmented(index)  # kept under its line art's key: the other chains cross it unsplit
        line = frame.line
        image = _load(colored[index], painted=True)
        if image.shape[:2] != line.shape[:2]:
            h, w = line.shape[:2]
            raise InputError(
                f"colored frame {names[index]} is {image.shape[1]}x{image.shape[0]} but its line frame is "
                f"{w}x{h}: the colored frame must have the line frame's size"
            )
        if reason:
            skipped.add(index)
            colored_reasons[index] = reason
            finish(index, _passed_through(frame, reason, time.perf_counter() - start, True))
            continue
        # The reference read through its paint: two palette colors with no line between them are two regions.
        split = split_by_paint(frame.seg, image)
        off_lines = paint_off_lines(frame.seg, split)
        colored_label = _label(colored[index], f"colored frame {names[index]}", kind="")
        if off_lines > MISFIT_SHARE:
            log.warning("%s", misfit_message(colored_label, _label(lines[index], names[index]), off_lines))
        if options.split_by_paint and split is not frame.seg:
            frame = Frame(line=frame.line, seg=split, name=frame.name)
        colors = reference_colors(image, frame.seg)
        if not colors[:, 3].any():  # a mistake, never a choice: nothing to carry to the other frames
            raise InputError(
                f"{colored_label} has no paint: every region of its line art is transparent in it. Was the line art, "
                "or a layer without the paint, saved as the colored frame? Save the painted frame (paint and lines) in "
                "its place; a cut of lines only (speed lines, rain) needs no coloring: leave it out"
            )
        if memo is not None:
            segmentation_keys[index] = paint_key(line_key, image) if options.split_by_paint else line_key
        del image
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
        held[index] = frame
        finish(index, FrameResult(names[index], frame, matching, painted, names[index], time.perf_counter() - start,
                                  is_reference=True, paint_off_lines=off_lines))
        del painted
    usable = [i for i in colored if i not in skipped]
    if not usable and len(colored) < total:
        if any(reason == PASS_TOO_MANY for reason in colored_reasons.values()):
            raise InputError(
                "no colored frame can give its colors ("
                + "; ".join(f"{names[i]}: {PASS_DESCRIPTIONS[colored_reasons[i]]}" for i in sorted(colored_reasons)) + ")"
            )
        raise InputError(
            f"no colored frame has a closed region to take colors from ({', '.join(names[i] for i in sorted(colored))}): "
            "color a frame with line art"
        )
    chains = key_chains(total, usable, skip=skipped, both=options.both_keys) if usable else []
    chains_left = Counter(chain.anchor for chain in chains)
    total += sum(role in (FIRST_SIDE, THROUGH) for chain in chains for role in chain.roles)
    first_side: dict[int, _Side] = {}  # frame -> the chains' merged match so far (match, source, anchor, seconds)
    for chain in chains:
        source = chain.anchor
        reference = held[source]
        source_key = segmentation_keys.get(source, b"")  # with a memo: the chain's last frame's segmentation_key
        for target, role in zip(chain.targets, chain.roles):
            check_cancel()
            if target in skipped:  # found blank by the first side's chain, and written through then
                advance(target)
                continue
            start = time.perf_counter()
            frame, reason, target_key = segmented(target)
            if frame.line.shape[:2] != reference.line.shape[:2]:
                raise InputError(
                    f"line frames {names[source]} and {names[target]} differ in size: every frame of a cut "
                    "must have the same size"
                )
            if reason:
                skipped.add(target)  # the chain goes on from the last frame it colored
                finish(target, _passed_through(frame, reason, time.perf_counter() - start, False))
                continue
            keys = (matcher_key, source_key, target_key, segmentation_keys[chain.anchor]) if memo is not None else None
            matching = _apply_overrides(_match(matcher, reference, frame, held[chain.anchor], memo, keys),
                                        overrides.get(target))
            seconds = time.perf_counter() - start
            own = frame.with_colors(matching.colors)  # this chain's next reference
            if role == THROUGH:  # a colored frame crossed: its match only carries the chain on
                advance(target)
            elif role == FIRST_SIDE:
                first_side[target] = _merge_side(first_side.get(target), (matching, source, chain.anchor, seconds), target)
                advance(target)
            else:
                colored_from = source
                if role == SECOND_SIDE:
                    matching, colored_from, _, seconds = _merge_side(
                        first_side.pop(target), (matching, source, chain.anchor, seconds), target)
                result_frame = frame.with_colors(matching.colors)
                painted = paint(result_frame, matching, line_mode=options.line_mode)
                finish(target, FrameResult(names[target], result_frame, matching, painted, names[colored_from], seconds))
                del painted, result_frame
            reference, source, source_key = own, target, target_key
            del frame
        chains_left[chain.anchor] -= 1
        for index in [i for i, left in chains_left.items() if left == 0 and i in held]:
            del held[index]
    return [kept[i] for i in range(len(lines))]  # type: ignore[return-value]


def _progress_reporter(total: int, quiet: bool, description: str) -> tuple[ProgressCallback | None, Callable[[], None]]:
    """A progress bar on a terminal; elsewhere (a log file, a pipe) a log line every tenth of the work."""
    if quiet:
        return None, lambda: None
    if not (hasattr(sys.stderr, "isatty") and sys.stderr.isatty()):
        step = max(1, total // 10)

        def log_line(done: int, _total: int, name: str) -> None:
            if done % step == 0 or done == _total:
                log.info("%s: %d/%d steps done (last: %s)", description, done, _total, name)

        return log_line, lambda: None
    from tqdm import tqdm

    bar = tqdm(total=total, desc=description, unit="frame", leave=False)

    def update(done: int, _total: int, name: str) -> None:
        if _total != bar.total:  # with two colored frames or more, frames are matched more than once: more steps
            bar.total = _total
        bar.set_postfix_str(name)
        bar.update(done - bar.n)

    return update, bar.close


def _cut_inputs(files) -> set[Path]:  # noqa: ANN001 - CutFiles
    """Every folder a cut run reads frames from: line/, gt/, seg/, and where linked frames really live."""
    folders = {files.root / "line", files.root / "gt", files.root / "seg"}
    for path in [*files.line, *files.colored.values(), *files.seg.values()]:
        folders.add(Path(path).parent)
        folders.add(_resolved(path).parent)
    return folders


def colorize_cut(
    cut_dir: str | Path,
    out_dir: str | Path | None = None,
    *,
    options: ColorizeOptions | None = None,
    quiet: bool = True,
    progress: ProgressCallback | None = None,
    overrides: dict[str, dict[int, Sequence[int]]] | None = None,
    matcher: Matcher | None = None,
    cancel: Callable[[], bool] | None = None,
) -> CutResult:
    """Color every line frame of a cut folder (``line/``, ``gt/``) and write the results.

    Frames are read when they are colored and their results streamed to a staging folder inside
    the output folder, so memory stays flat in the number of frames; the output folder's files are
    replaced only when every frame succeeded.

    Parameters
    ----------
    cut_dir : path
        A cut in the PaintBucket-Character layout.
    out_dir : path, optional
        Output folder (default ``CUT/paint``). Never an input folder (``check_output_folder``).
    options : ColorizeOptions, optional
    quiet : bool
        No progress bar.
    progress : callable(done, total, name), optional
        Progress callback (used by the web app and batch runner).
    overrides : dict of frame name -> component id -> RGBA, optional
        Locked corrections.
    matcher : Matcher, optional
        A ready matcher (the batch runner reuses one per worker); default: built from ``options``.
    cancel : callable() -> bool, optional
        Checked before every frame and before the results replace the output folder's files; True
        stops with ``Cancelled`` and writes nothing.

    Returns
    -------
    CutResult
        With one ``FrameSummary`` per frame (no pixels).

    Raises
    ------
    InputError
        Bad input, an output folder inside an input folder, or an output folder that cannot be
        written (read-only, full disk, no permission).
    """
    from paintmatch.io import image_info, read_cut

    options = options or ColorizeOptions()
    options.validate()
    files = read_cut(cut_dir)
    options = _with_output_format(options, files.line)
    out = Path(out_dir) if out_dir is not None else files.root / "paint"
    check_output_folder(out, _cut_inputs(files), suggestion=files.root / "paint")
    names = [p.stem for p in files.line]
    index_of = {name: i for i, name in enumerate(names)}
    colored = {index_of[name]: path for name, path in files.colored.items()}
    frame_overrides = {index_of[k]: v for k, v in (overrides or {}).items() if k in index_of}
    tga_bits = image_info(files.line[0]).bits_per_pixel if options.output_format == "tga" else None
    bar, close = _progress_reporter(len(names), quiet, Path(cut_dir).name)

    def report(done: int, total: int, name: str) -> None:
        if bar:
            bar(done, total, name)
        if progress:
            progress(done, total, name)

    try:
        with StagedOutput(out, options=options, tga_bits_per_pixel=tga_bits) as output:
            summaries = colorize_frames(
                list(files.line), colored, names=names, options=options, matcher=matcher,
                overrides=frame_overrides, progress=report, sink=output.write, cancel=cancel,
            )
            if cancel is not None and cancel():
                raise Cancelled("stopped before the results replaced the output folder's files: nothing was written")
            written = output.commit(names)
    finally:
        close()
    return CutResult(frames=summaries, out_dir=out, written=written)


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
    Results stream to the output folder as in ``colorize_cut``; ``out_dir`` may not be, or be
    inside, the folder of any input file.
    """
    from paintmatch.io import check_frame_sizes, find_line_frames, read_image

    options = options or ColorizeOptions()
    options.validate()
    paths = find_line_frames(list(line_paths))
    check_frame_sizes(paths if reference_line is None else [*paths, Path(reference_line)])
    options = _with_output_format(options, paths)
    reference_path = Path(reference)
    inputs = {p.parent for p in paths} | {_resolved(p).parent for p in paths} | {reference_path.parent}
    if reference_line is not None:
        inputs.add(Path(reference_line).parent)
    first = paths[0].parent
    suggestion = (first.parent if first.name == "line" else first) / "paint"
    check_output_folder(out_dir, inputs, suggestion=suggestion)
    colored = read_image(reference, painted=True)
    same_name = [i for i, p in enumerate(paths) if p.stem == reference_path.stem]
    lines: list[ImageSource] = list(paths)
    names = [p.stem for p in paths]
    if reference_line is not None:
        ref_line: ImageSource = Path(reference_line)
    elif same_name:
        ref_line = lines[same_name[0]]
    else:
        ref_line = _line_from_colored(colored)
    if same_name:
        index = same_name[0]
        all_lines, all_names = lines, names
        all_lines[index] = ref_line
    else:
        index = 0
        all_lines, all_names = [ref_line, *lines], [reference_path.stem, *names]
    bar, close = _progress_reporter(len(all_lines), quiet, "colorize")
    try:
        with StagedOutput(out_dir, options=options) as output:

            def keep(result: FrameResult) -> None:
                if same_name or not result.is_reference:  # a reference not asked for as an output
                    output.write(result)

            summaries = colorize_frames(all_lines, {index: colored}, names=all_names, options=options, progress=bar, sink=keep)
            if not same_name:
                summaries = summaries[1:]
            written = output.commit([s.name for s in summaries])
    finally:
        close()
    return CutResult(frames=summaries, out_dir=Path(out_dir), written=written)


def suggest_reference(cut_dir: str | Path, *, close_gaps: int | str = "auto") -> list[tuple[str, int]]:
    """Frames of a cut with their component counts, most components first.

    The first entry is the frame to color first (Do et al.: the frame with the most components
    carries the most information for matching the others).
    """
    from paintmatch.io import read_cut, read_image

    files = read_cut(cut_dir, require_colored=False)
    counts = [(p.stem, segment_frame(read_image(p), p.stem, close_gaps)[0].n) for p in files.line]
    return sorted(counts, key=lambda item: (-item[1], item[0]))
