"""Deformation benchmarks from real drawings: warp a colored frame and its line art with a known map.

A real colored frame and its line art become a cut whose frame ``0000`` is the original and whose other
frames are smooth random warps of it (a random displacement field plus a global rotation, scale and
shift) at a chosen strength level, optionally with local edits (a new line that splits a region, a
small gap that merges two). The line art and the paint are warped with the SAME map, so the truth of
every target component is known exactly:

- the paint (the colored frame with its black lines filled by the nearest component's color) and the
  part map (which original component is under each pixel) are sampled nearest-neighbour: no new
  color can appear;
- the line ink is sampled bilinearly and re-binarised, so lines stay connected lines; each line pixel
  takes the ink color of the nearest original line pixel, so main lines stay black and trace lines
  keep their hue.

Each level is written as a cut folder in the layout of ``paintmatch.synth`` (``line/``, ``gt/`` for
every frame, ``seg/`` png + json, ``label/`` with the original component as part id, consistent
across frames). Levels: 1 mild (displacements up to about 1.5% of the frame, 2 degrees), 2 medium
(3.5%, 5 degrees, 1 split + 1 gap), 3 strong (6%, 10 degrees, 2 splits + 2 gaps).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from paintmatch.errors import InputError
from paintmatch.io import check_same_size, read_image, write_json
from paintmatch.rgba import pack_rgba, unpack_rgba
from paintmatch.segment import LineClass, line_mask, reference_colors, segment
from paintmatch.synth import build_truth, write_truth_frame

__all__ = ["DeformLevel", "LEVELS", "random_warp_map", "make_deformation_cut", "make_deformation_suite"]


@dataclass(frozen=True)
class DeformLevel:
    """Strength of one benchmark level.

    Attributes
    ----------
    displacement : float
        Largest smooth displacement, as a fraction of the frame's shorter side.
    rotation : float
        Largest global rotation, degrees.
    scale : float
        Largest relative global scale change.
    shift : float
        Largest global shift, as a fraction of the frame's shorter side.
    splits, gaps : int
        Local edits per warped frame: new lines across regions, small gaps opened in lines.
    """

    displacement: float
    rotation: float
    scale: float
    shift: float
    splits: int
    gaps: int


LEVELS: dict[int, DeformLevel] = {
    1: DeformLevel(displacement=0.015, rotation=2.0, scale=0.02, shift=0.01, splits=0, gaps=0),
    2: DeformLevel(displacement=0.035, rotation=5.0, scale=0.05, shift=0.02, splits=1, gaps=1),
    3: DeformLevel(displacement=0.06, rotation=10.0, scale=0.10, shift=0.04, splits=2, gaps=2),
}
"""Strength levels by number (``--levels 1,2,3``)."""


def _level(level: int) -> DeformLevel:
    if level not in LEVELS:
        raise InputError(f"deformation level must be one of {sorted(LEVELS)}, got {level!r}")
    return LEVELS[level]


def _smooth_field(shape: tuple[int, int], rng: np.random.Generator, grid: int = 4) -> np.ndarray:
    """(H, W, 2) float32 smooth random field with peak magnitude 1 (bicubic upsampling of a coarse grid)."""
    height, width = shape
    coarse = rng.normal(0.0, 1.0, size=(grid, grid, 2)).astype(np.float32)
    field = cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    peak = float(np.abs(field).max())
    return field / max(peak, 1e-6)


def random_warp_map(
    shape: tuple[int, int], level: int, rng: np.random.Generator, *, phase: float = 0.0,
    fields: tuple[np.ndarray, np.ndarray] | None = None, affines: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Backward sampling maps of a smooth random warp (for ``cv2.remap``).

    Parameters
    ----------
    shape : (int, int)
        (H, W) of the frame.
    level : int
        Strength level, a key of ``LEVELS``.
    rng : numpy.random.Generator
        Draws the fields and affines when they are not given.
    phase : float, optional
        Position in [0, 1] along the cut: the warp blends from the first to the second field and affine,
        so consecutive frames differ smoothly while each is a full-strength warp of the original.
    fields, affines : pairs of arrays, optional
        (H, W, 2) unit fields and (3,) affine parameters (rotation, log-scale, shift) to blend; drawn if
        None.

    Returns
    -------
    map_x, map_y : (H, W) ndarray of float32
        Source coordinates of every target pixel.
    """
    spec = _level(level)
    height, width = shape
    side = min(height, width)
    if fields is None:
        fields = (_smooth_field(shape, rng), _smooth_field(shape, rng))
    if affines is None:
        affines = tuple(
            np.array([rng.uniform(-1, 1) * spec.rotation, rng.uniform(-1, 1) * spec.scale,
                      rng.uniform(-1, 1) * spec.shift, rng.uniform(-1, 1) * spec.shift]) for _ in range(2)
        )  # type: ignore[assignment]
    theta = phase * np.pi / 2
    field = np.cos(theta) * fields[0] + np.sin(theta) * fields[1]
    field *= spec.displacement * side / max(float(np.hypot(field[..., 0], field[..., 1]).max()), 1e-6)
    rotation, scale, dx, dy = (1 - phase) * affines[0] + phase * affines[1]
    # Backward map: target pixel -> source. Inverse of "rotate by r, scale by s about the centre, shift".
    center = np.array([(width - 1) / 2, (height - 1) / 2])
    angle = np.deg2rad(rotation)
    inverse = np.array([[np.cos(angle), np.sin(angle)], [-np.sin(angle), np.cos(angle)]]) / (1.0 + scale)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    tx = xs - center[0] - dx * side
    ty = ys - center[1] - dy * side
    map_x = inverse[0, 0] * tx + inverse[0, 1] * ty + center[0] + field[..., 0]
    map_y = inverse[1, 0] * tx + inverse[1, 1] * ty + center[1] + field[..., 1]
    return map_x.astype(np.float32), map_y.astype(np.float32)


@dataclass
class _Source:
    """A real colored frame prepared for warping."""

    ink: np.ndarray  # (H, W) float32 1 on line pixels
    ink_rgb: np.ndarray  # (H, W, 3) uint8: color of the nearest line pixel, everywhere
    paint: np.ndarray  # (H, W) float32 palette index under every pixel
    palette: np.ndarray  # (K, 4) uint8
    background: int  # palette index of transparent
    parts: np.ndarray  # (H, W) float32 index into part_ids
    part_ids: np.ndarray  # (P,) int64
    line_width: float


def _prepare(colored: np.ndarray, line: np.ndarray) -> _Source:
    seg = segment(line)
    colors = reference_colors(colored, seg)
    expanded = seg.expanded_labels()
    mask = seg.line
    # Paint: the colored frame, with main-line pixels (black in gt) given their nearest component's color.
    paint_rgba = colored.copy()
    paint_rgba[colored[..., 3] == 0] = 0
    fill = mask & ((seg.line_class == LineClass.MAIN) | (colored[..., 3] == 0))
    paint_rgba[fill] = colors[np.maximum(expanded[fill], 0)]
    packed = pack_rgba(paint_rgba)
    unique, index = np.unique(packed.ravel(), return_inverse=True)
    if not (unique == 0).any():
        unique = np.r_[np.uint32(0), unique]
        index = index + 1
    palette = unpack_rgba(unique)
    background = int(np.flatnonzero(unique == 0)[0])

    # Ink color everywhere = color of the nearest line pixel (so warped lines keep their class).
    _, nearest = cv2.distanceTransformWithLabels((~mask).astype(np.uint8), cv2.DIST_L2, 3, labelType=cv2.DIST_LABEL_PIXEL)
    line_rgb = line[..., :3][mask]
    ink_rgb = line_rgb[nearest - 1]
    # Typical line width: twice the mean distance to the edge over line pixels.
    inside = cv2.distanceTransform(mask.astype(np.uint8), cv2.DIST_L2, 3)
    width = float(2.0 * inside[mask].mean()) if mask.any() else 2.0

    part_ids = np.arange(seg.n, dtype=np.int64)
    part_ids[colors[:, 3] == 0] = -1
    part_ids = np.r_[part_ids, -1]  # last index: outside the frame
    return _Source(ink=mask.astype(np.float32), ink_rgb=ink_rgb.astype(np.uint8),
                   paint=index.reshape(mask.shape).astype(np.float32), palette=palette, background=background,
                   parts=np.maximum(expanded, 0).astype(np.float32), part_ids=part_ids, line_width=max(width, 1.0))


def _binary_line(mask: np.ndarray, ink_rgb: np.ndarray) -> np.ndarray:
    """(H, W, 4) uint8 line art: ink color with alpha 255 on ``mask``, transparent elsewhere."""
    line = np.zeros(mask.shape + (4,), dtype=np.uint8)
    line[mask, :3] = ink_rgb[mask]
    line[mask, 3] = 255
    return line


def _edit_split(mask: np.ndarray, paint_alpha: np.ndarray, rng: np.random.Generator, width: float) -> None:
    """Draw a new straight line across one region, from line to line (the region splits in two)."""
    candidates = np.flatnonzero(~mask & paint_alpha)
    if candidates.size == 0:
        return
    y, x = np.divmod(int(rng.choice(candidates)), mask.shape[1])
    angle = rng.uniform(0, np.pi)
    direction = np.array([np.cos(angle), np.sin(angle)])
    reach = int(0.15 * min(mask.shape))
    steps = np.arange(1, reach)
    ends = []
    for sign in (1.0, -1.0):
        px = np.round(x + sign * direction[0] * steps).astype(np.int64)
        py = np.round(y + sign * direction[1] * steps).astype(np.int64)
        inside = (px >= 0) & (px < mask.shape[1]) & (py >= 0) & (py < mask.shape[0])
        px, py = px[inside], py[inside]
        hit = np.flatnonzero(mask[py, px])
        k = int(hit[0]) if hit.size else len(px) - 1
        if k < 0:
            return
        ends.append((int(px[k]), int(py[k])))
    canvas = mask.astype(np.uint8)
    cv2.line(canvas, ends[0], ends[1], 1, max(1, int(round(width))), cv2.LINE_8)
    mask |= canvas > 0


def _edit_gap(mask: np.ndarray, classes_main: np.ndarray, rng: np.random.Generator, width: float) -> None:
    """Erase a small piece of a main line (the regions on both sides merge)."""
    candidates = np.flatnonzero(mask & classes_main)
    if candidates.size == 0:
        return
    y, x = np.divmod(int(rng.choice(candidates)), mask.shape[1])
    canvas = np.zeros(mask.shape, np.uint8)
    cv2.circle(canvas, (int(x), int(y)), max(2, int(round(width * 1.5))), 1, -1)
    mask &= canvas == 0


def _warp_frame(source: _Source, maps: tuple[np.ndarray, np.ndarray], rng: np.random.Generator, spec: DeformLevel,
                local_edits: bool):
    map_x, map_y = maps
    # A pixel is ink if any of 4 sub-pixel samples lands on a source line pixel: lines one pixel wide
    # (8-connected diagonals) stay closed barriers under any sub-pixel shift, at the cost of about half a
    # pixel of extra width. (Bilinear sampling and a threshold broke them: regions leaked into each other.)
    mask = np.zeros(map_x.shape, dtype=bool)
    for ox in (-0.25, 0.25):
        for oy in (-0.25, 0.25):
            mask |= cv2.remap(source.ink, map_x + ox, map_y + oy, cv2.INTER_NEAREST,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=0) > 0.5
    drawn = mask.copy()
    ink_rgb = cv2.remap(source.ink_rgb, map_x, map_y, cv2.INTER_NEAREST, borderMode=cv2.BORDER_REPLICATE)
    paint = cv2.remap(source.paint, map_x, map_y, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT,
                      borderValue=float(source.background)).astype(np.int32)
    parts = cv2.remap(source.parts, map_x, map_y, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT,
                      borderValue=float(len(source.part_ids) - 1)).astype(np.int32)
    if local_edits:
        painted = source.palette[paint][..., 3] > 0
        # Gaps only in lines between two regions of the same color: the regions merge (a topology change
        # for the matcher) without one part's color flooding another part, or the background.
        reach = int(np.ceil(source.line_width * 4)) | 1
        kernel = np.ones((reach, reach), np.uint8)
        index = paint.astype(np.float32)
        uniform = (cv2.dilate(index, kernel) == cv2.erode(index, kernel)) & painted
        main = (ink_rgb.max(axis=2) < 96) & uniform
        for _ in range(spec.splits):
            _edit_split(mask, painted, rng, source.line_width)
        for _ in range(spec.gaps):
            _edit_gap(mask, main, rng, source.line_width)
        ink_rgb[mask & ~drawn] = 0  # new split lines are black main lines
    line = _binary_line(mask, ink_rgb)
    return line, paint, parts


def make_deformation_cut(
    colored_path: str | os.PathLike[str],
    line_path: str | os.PathLike[str],
    out_dir: str | os.PathLike[str],
    *,
    level: int,
    frames: int,
    seed: int,
    local_edits: bool = True,
) -> Path:
    """Write one deformation cut: the original frame then ``frames - 1`` warped frames.

    Parameters
    ----------
    colored_path, line_path : str or PathLike
        A real colored frame and its line art (same size; e.g. BasicPBC's ``gt/0000.png`` and
        ``line/0000.png``).
    out_dir : str or PathLike
        The cut folder to write.
    level : int
        Strength, a key of ``LEVELS`` (1 mild, 2 medium, 3 strong).
    frames : int
        Frames in the cut (>= 2): ``0000`` is the original, the others are warped.
    seed : int
        Seed (>= 0); the same inputs, level and seed give byte-identical files.
    local_edits : bool, optional
        Add the level's splits and gaps to each warped frame.

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    InputError
        Unreadable or mismatched inputs, or a parameter out of range.
    """
    spec = _level(level)
    if not isinstance(frames, (int, np.integer)) or frames < 2:
        raise InputError(f"frames must be a whole number >= 2 (the original and at least one warp), got {frames!r}")
    if not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InputError(f"seed must be a whole number >= 0, got {seed!r}")
    check_same_size(line_path, colored_path)
    colored = read_image(colored_path, painted=True)
    line_in = read_image(line_path)
    mask, _ = line_mask(line_in)
    source = _prepare(colored, line_in)
    line0 = _binary_line(mask, line_in[..., :3])
    out = Path(out_dir)
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), int(level)]))
    shape = mask.shape
    fields = (_smooth_field(shape, rng), _smooth_field(shape, rng))
    affines = tuple(np.array([rng.uniform(-1, 1) * spec.rotation, rng.uniform(-1, 1) * spec.scale,
                              rng.uniform(-1, 1) * spec.shift, rng.uniform(-1, 1) * spec.shift]) for _ in range(2))
    components = []
    for index in range(frames):
        if index == 0:
            line = line0
            paint = source.paint.astype(np.int32)
            parts = source.parts.astype(np.int32)
        else:
            phase = (index - 1) / max(frames - 2, 1)
            maps = random_warp_map(shape, level, rng, phase=phase, fields=fields, affines=affines)  # type: ignore[arg-type]
            line, paint, parts = _warp_frame(source, maps, rng, spec, local_edits)
        truth = build_truth(line, paint, source.palette, parts, source.part_ids)
        if index == 0:
            truth.gt = colored.copy()  # the original colored frame is the reference, as drawn
            truth.gt[colored[..., 3] == 0] = 0
        write_truth_frame(out, f"{index:04d}", line, truth)
        components.append(truth.seg.n)
    write_json(out / "deform.json", {
        "generator": "paintmatch.deform",
        "colored": str(colored_path),
        "line": str(line_path),
        "level": int(level),
        "spec": spec.__dict__,
        "frames": int(frames),
        "seed": int(seed),
        "local_edits": bool(local_edits),
        "components": components,
    })
    return out


def _source_name(colored_path: Path) -> str:
    """``laughing_girl`` for ``laughing_girl/gt/0000.png``; the file stem otherwise."""
    if colored_path.parent.name == "gt" and colored_path.parent.parent.name:
        return f"{colored_path.parent.parent.name}_{colored_path.stem}"
    return colored_path.stem


def make_deformation_suite(
    sources: Sequence[tuple[str | os.PathLike[str], str | os.PathLike[str]]],
    out_dir: str | os.PathLike[str],
    *,
    levels: Sequence[int] = (1, 2, 3),
    frames: int = 4,
    seed: int = 0,
    local_edits: bool = True,
) -> list[Path]:
    """One deformation cut per (source, level): ``OUT/<name>_level<L>``.

    Parameters
    ----------
    sources : sequence of (colored_path, line_path)
        Real colored frames and their line art.
    out_dir : str or PathLike
        Where the cut folders go.
    levels : sequence of int, optional
        Strength levels (keys of ``LEVELS``).
    frames, seed, local_edits
        As in ``make_deformation_cut``; each (source, level) gets its own seed drawn from ``seed``.

    Returns
    -------
    list of Path
        The cut folders, sources in order, levels within.
    """
    if not sources:
        raise InputError("no sources given: pass at least one (colored frame, line art) pair")
    for level in levels:
        _level(level)
    seeds = np.random.SeedSequence(int(seed)).generate_state(len(sources) * len(levels), dtype=np.uint32)
    out = Path(out_dir)
    cuts = []
    k = 0
    for colored_path, line_path in sources:
        name = _source_name(Path(colored_path))
        for level in levels:
            cuts.append(make_deformation_cut(colored_path, line_path, out / f"{name}_level{level}", level=level,
                                             frames=frames, seed=int(seeds[k]), local_edits=local_edits))
            k += 1
    return cuts
