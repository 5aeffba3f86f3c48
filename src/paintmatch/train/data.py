"""Component correspondences for metric learning: frame pairs with their matched components.

Two kinds of truth: smooth random warps of real line art (the warp says where every component
went) and cuts whose ``label/`` maps carry region ids consistent across frames (a component's
id is the majority label under it). Every pair keeps the crops of ALL components of both frames:
the unmatched and non-sampled ones of the same frame are the hard negatives.
"""

from __future__ import annotations

import glob
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np

from paintmatch.errors import InputError
from paintmatch.features import component_crops
from paintmatch.io import read_image
from paintmatch.match import Frame
from paintmatch.segment import segment
from paintmatch.train.config import DataSource, TrainConfig

__all__ = ["FramePair", "random_warp", "warp_line_art", "matching_files", "majority_ids", "match_by_ids", "build_pairs", "read_label_ids"]


@dataclass
class FramePair:
    """Two frames' component crops and which components correspond.

    Attributes
    ----------
    crops_a, crops_b : (n_a, C, S, S), (n_b, C, S, S) ndarray of uint8
        Crops of every component (values * 255).
    matches : (m, 2) ndarray of int32
        ``(i_a, i_b)`` pairs of corresponding components (one-to-one).
    source : str
        Where the pair comes from (for logs).
    """

    crops_a: np.ndarray
    crops_b: np.ndarray
    matches: np.ndarray
    source: str


def read_label_ids(path: str | Path) -> np.ndarray:
    """(H, W) int64 region ids of a ``label/`` map: grey values, or ``R<<16 | G<<8 | B`` of color
    maps; fully transparent pixels are ``-1`` (the ``seg/`` encoding: ``read_id_map``)."""
    from paintmatch.evaluate.truth import read_id_map

    return read_id_map(path, kind="label map")


def random_warp(shape: tuple[int, int], rng: np.random.Generator, strength: float) -> tuple[np.ndarray, np.ndarray]:
    """A smooth random backward map (global similarity + smooth non-rigid displacement).

    Parameters
    ----------
    shape : (H, W)
    rng : numpy Generator
    strength : float
        Standard deviation of the non-rigid displacement, as a share of the larger side.

    Returns
    -------
    map_x, map_y : (H, W) ndarray of float32
        For ``cv2.remap``: the warped image at (x, y) takes the source at ``(map_x, map_y)``.
    """
    height, width = shape
    side = float(max(height, width))
    scale = rng.uniform(0.8, 1.15)
    angle = np.deg2rad(rng.uniform(-8.0, 8.0))
    shift = rng.normal(0.0, 0.03 * side, size=2)
    ys, xs = np.mgrid[0:height, 0:width].astype(np.float32)
    cx, cy = width / 2.0, height / 2.0
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    map_x = cos * (xs - cx) - sin * (ys - cy) + cx + shift[0]
    map_y = sin * (xs - cx) + cos * (ys - cy) + cy + shift[1]
    grid = int(rng.integers(3, 7))
    for out in (map_x, map_y):
        coarse = rng.normal(0.0, strength * side, size=(grid, grid)).astype(np.float32)
        out += cv2.resize(coarse, (width, height), interpolation=cv2.INTER_CUBIC)
    return map_x.astype(np.float32), map_y.astype(np.float32)


def warp_line_art(
    line: np.ndarray, labels: np.ndarray, rng: np.random.Generator, strength: float
) -> tuple[np.ndarray, np.ndarray]:
    """A smooth random warp (``random_warp``) of line art and of its component map, by the same map.

    Returns the warped (H, W, 4) uint8 art (bilinear, empty outside the canvas) and the (H, W)
    int64 component of the original under each warped pixel (nearest; -1 outside the canvas).
    """
    map_x, map_y = random_warp(line.shape[:2], rng, strength)
    art = cv2.remap(line, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    under = cv2.remap(labels.astype(np.float32), map_x, map_y, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=-1)
    return art, under.astype(np.int64)


def matching_files(patterns: list[str]) -> list[str]:
    """Sorted unique files matching any of the glob ``patterns``."""
    return sorted({f for pattern in patterns for f in glob.glob(pattern)})


def majority_ids(labels: np.ndarray, ids: np.ndarray, n: int, *, min_share: float = 0.6) -> np.ndarray:
    """(n,) int64: the majority id under each component, ``-1`` where no id covers ``min_share``.

    ``labels`` (H, W) int32 components (-1 on lines); ``ids`` (H, W) int64 (-1 = unknown).
    """
    valid = (labels >= 0) & (ids >= 0)
    comp = labels[valid].astype(np.int64)
    values = ids[valid]
    result = np.full(n, -1, dtype=np.int64)
    if comp.size == 0:
        return result
    top = int(values.max()) + 1
    if n * top <= 1 << 24:  # small id range (warps: base component ids): one bincount
        uniq = np.arange(top)
        counts = np.bincount(comp * top + values, minlength=n * top).reshape(n, top)
    else:  # large ids (color-coded label maps): compress them first
        uniq, inverse = np.unique(values, return_inverse=True)
        counts = np.bincount(comp * uniq.size + inverse.ravel(), minlength=n * uniq.size).reshape(n, uniq.size)
    best = counts.argmax(axis=1)
    total = np.bincount(labels[labels >= 0].ravel(), minlength=n)
    share = counts[np.arange(n), best] / np.maximum(total, 1)
    ok = share >= min_share
    result[ok] = uniq[best[ok]]
    return result


def match_by_ids(ids_a: np.ndarray, ids_b: np.ndarray) -> np.ndarray:
    """(m, 2) int32 one-to-one matches: ids present exactly once in each frame."""
    def unique_ids(ids: np.ndarray) -> dict[int, int]:
        values, counts = np.unique(ids[ids >= 0], return_counts=True)
        once = set(values[counts == 1].tolist())
        return {int(v): i for i, v in enumerate(ids.tolist()) if v in once}

    a, b = unique_ids(ids_a), unique_ids(ids_b)
    common = sorted(set(a) & set(b))
    return np.asarray([[a[v], b[v]] for v in common], dtype=np.int32).reshape(-1, 2)


def _crops(frame: Frame, config: TrainConfig) -> np.ndarray:
    crops = component_crops(frame, size=config.crop_size, context=config.context, channels=config.channels)
    return np.round(crops * 255.0).astype(np.uint8)


def _warp_pairs(source: DataSource, config: TrainConfig, rng: np.random.Generator) -> list[FramePair]:
    files = matching_files(source.paths)
    if not files:
        raise InputError(f"warp data source: no line-art files match {source.paths}")
    bases = {}
    pairs = []
    for _ in range(source.pairs):
        path = files[int(rng.integers(len(files)))]
        if path not in bases:
            line = read_image(path)
            bases[path] = (line, segment(line))
        line, base = bases[path]
        sides = []
        for warp in (rng.random() < 0.5, True):
            if warp:
                art, ids = warp_line_art(line, base.labels, rng, source.strength)
            else:
                art, ids = line, base.labels.astype(np.int64)
            try:
                seg = segment(art)
            except InputError:
                break  # warped off the canvas: draw again
            frame = Frame(line=art, seg=seg)
            sides.append((frame, majority_ids(seg.labels, ids, seg.n)))
        if len(sides) < 2:
            continue
        (fa, ia), (fb, ib) = sides
        matches = match_by_ids(ia, ib)
        if len(matches) >= 2:
            pairs.append(FramePair(_crops(fa, config), _crops(fb, config), matches, f"warp:{Path(path).name}"))
    return pairs


def _cut_dirs(paths: list[str]) -> list[Path]:
    cuts = []
    for pattern in paths:
        for folder in sorted(glob.glob(pattern)):
            folder = Path(folder)
            if (folder / "line").is_dir() and (folder / "label").is_dir():
                cuts.append(folder)
            elif folder.is_dir():
                cuts += sorted(p for p in folder.iterdir() if (p / "line").is_dir() and (p / "label").is_dir())
    return cuts


def _cut_pairs(source: DataSource, config: TrainConfig, rng: np.random.Generator, paths: list[str] | None = None) -> list[FramePair]:
    cuts = _cut_dirs(paths or source.paths)
    if not cuts:
        raise InputError(f"cuts data source: no cut folders with line/ and label/ under {paths or source.paths}")
    cache: dict[Path, tuple[Frame, np.ndarray]] = {}

    def load(line_path: Path) -> tuple[Frame, np.ndarray]:
        if line_path not in cache:
            art = read_image(line_path)
            seg = segment(art)
            ids = read_label_ids(line_path.parent.parent / "label" / line_path.name)
            cache[line_path] = (Frame(line=art, seg=seg), majority_ids(seg.labels, ids, seg.n))
        return cache[line_path]

    pairs = []
    for _ in range(source.pairs):
        cut = cuts[int(rng.integers(len(cuts)))]
        frames = sorted(p for p in (cut / "line").glob("*.png") if (cut / "label" / p.name).exists())
        if len(frames) < 2:
            continue
        i = int(rng.integers(len(frames)))
        j = int(np.clip(i + rng.choice([-2, -1, 1, 2]), 0, len(frames) - 1))
        if i == j:
            j = (i + 1) % len(frames)
        (fa, ia), (fb, ib) = load(frames[i]), load(frames[j])
        matches = match_by_ids(ia, ib)
        if len(matches) >= 2:
            pairs.append(FramePair(_crops(fa, config), _crops(fb, config), matches, f"cut:{cut.name}"))
    return pairs


def _synth_pairs(source: DataSource, config: TrainConfig, rng: np.random.Generator, work_dir: Path) -> list[FramePair]:
    try:
        from paintmatch.synth import generate_suite
    except ImportError as error:
        raise InputError(f"synth data source needs paintmatch.synth ({error}); use warp or cuts sources") from None
    out = work_dir / f"synth-{source.seed}-{source.cuts}x{source.frames}"
    if not out.exists():
        generate_suite(out, cuts=source.cuts, frames=source.frames, seed=source.seed)
    return _cut_pairs(source, config, rng, paths=[str(out)])


def build_pairs(
    sources: list[DataSource],
    config: TrainConfig,
    *,
    seed: int,
    work_dir: Path,
    progress: Callable[[str], None] | None = None,
) -> list[FramePair]:
    """All frame pairs of ``sources``, deterministic by ``seed``.

    Raises
    ------
    InputError
        If a source finds no data or yields no usable pair.
    """
    pairs: list[FramePair] = []
    for index, source in enumerate(sources):
        rng = np.random.default_rng([seed, index])
        if progress:
            progress(f"data source {index + 1}/{len(sources)}: {source.kind} ({source.pairs} pairs)")
        if source.kind == "warp":
            found = _warp_pairs(source, config, rng)
        elif source.kind == "cuts":
            found = _cut_pairs(source, config, rng)
        else:
            found = _synth_pairs(source, config, rng, work_dir)
        if not found:
            raise InputError(f"data source {source.kind} {source.paths} gave no frame pair with matched components")
        pairs += found
    return pairs
