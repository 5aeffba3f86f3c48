"""Deformation benchmarks from real drawings: the truth of every warped component is known exactly."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from paintmatch.cli import main
from paintmatch.deform import LEVELS, make_deformation_cut, make_deformation_suite, random_warp_map
from paintmatch.errors import InputError
from paintmatch.evaluate.truth import read_seg_labels
from paintmatch.segment import LineClass, segment

from conftest import load_rgba


def _packed(rgba: np.ndarray) -> np.ndarray:
    return rgba.astype(np.int64) @ np.array([1 << 24, 1 << 16, 1 << 8, 1], dtype=np.int64)


@pytest.fixture(scope="module")
def source(basicpbc: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A 480x480 crop of laughing_girl's face (eyes, hair, trace lines), written to a temporary folder."""
    root = basicpbc / "laughing_girl"
    folder = tmp_path_factory.mktemp("source")
    window = (slice(380, 860), slice(560, 1040))
    for kind in ("gt", "line"):
        (folder / kind).mkdir()
        Image.fromarray(load_rgba(root / kind / "0000.png")[window]).save(folder / kind / "0000.png")
    return folder / "gt" / "0000.png", folder / "line" / "0000.png"


@pytest.fixture(scope="module")
def strong_cut(source: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_deformation_cut(*source, tmp_path_factory.mktemp("deform") / "cut", level=3, frames=3, seed=4)


def test_frame_zero_is_the_original(strong_cut: Path, source: tuple[Path, Path]) -> None:
    colored = load_rgba(source[0])
    gt = load_rgba(strong_cut / "gt" / "0000.png")
    opaque = colored[..., 3] > 0
    np.testing.assert_array_equal(gt[opaque], colored[opaque])
    assert (gt[~opaque] == 0).all()
    line = load_rgba(strong_cut / "line" / "0000.png")
    assert segment(line).n == segment(load_rgba(source[1])).n


def test_warped_frames_have_one_gt_color_per_component(strong_cut: Path) -> None:
    for name in ("0001", "0002"):
        line = load_rgba(strong_cut / "line" / f"{name}.png")
        seg = segment(line)
        ids = read_seg_labels(strong_cut / "seg" / f"{name}.png")
        np.testing.assert_array_equal(ids, seg.labels + 1)
        gt = _packed(load_rgba(strong_cut / "gt" / f"{name}.png"))
        inside = ids > 0
        pairs = np.unique(ids[inside] << 32 | gt[inside])
        assert len(pairs) == seg.n  # every line-art component has exactly one gt color
        colors = json.loads((strong_cut / "seg" / f"{name}.json").read_text())
        want = _packed(np.array([colors[str(i)] for i in (pairs >> 32)], dtype=np.uint8))
        np.testing.assert_array_equal(pairs & 0xFFFFFFFF, want)


def test_no_new_colors(strong_cut: Path, source: tuple[Path, Path]) -> None:
    original = set(np.unique(_packed(load_rgba(source[0]))).tolist()) | {0}
    original_ink = set(np.unique(_packed(load_rgba(source[1]))[load_rgba(source[1])[..., 3] > 0]).tolist())
    for name in ("0001", "0002"):
        assert set(np.unique(_packed(load_rgba(strong_cut / "gt" / f"{name}.png"))).tolist()) <= original
        line = load_rgba(strong_cut / "line" / f"{name}.png")
        ink = set(np.unique(_packed(line)[line[..., 3] > 0]).tolist())
        assert ink <= original_ink
        classes = set(np.unique(segment(line).line_class).tolist())
        assert {LineClass.MAIN, LineClass.BLUE, LineClass.RED} <= classes  # trace lines survive the warp


def test_warped_frames_differ_and_components_survive(strong_cut: Path) -> None:
    counts = json.loads((strong_cut / "deform.json").read_text())["components"]
    base = counts[0]
    assert all(0.7 * base <= n <= 1.5 * base for n in counts[1:]), counts
    a = load_rgba(strong_cut / "line" / "0000.png")
    b = load_rgba(strong_cut / "line" / "0001.png")
    assert (a[..., 3] != b[..., 3]).mean() > 0.01


def test_labels_name_the_original_component(strong_cut: Path) -> None:
    first = json.loads((strong_cut / "label" / "0000.json").read_text())
    # Frame 0: the part id of segment k is the original component k - 1 (background: -1).
    assert all(part in (int(k) - 1, -1) for k, (_, part) in first.items())
    colors0 = json.loads((strong_cut / "seg" / "0000.json").read_text())
    color_of_part = {part: colors0[k] for k, (_, part) in first.items()}
    for name in ("0001", "0002"):
        labels = json.loads((strong_cut / "label" / f"{name}.json").read_text())
        colors = json.loads((strong_cut / "seg" / f"{name}.json").read_text())
        parts = [part for _, part in labels.values()]
        assert set(parts) <= set(color_of_part) | {-1}
        same = [colors[k] == color_of_part[part] for k, (area, part) in labels.items() if part >= 0 and area > 30]
        assert np.mean(same) >= 0.95  # a warped component has its original component's color


def test_levels_grow_in_strength() -> None:
    ys, xs = np.mgrid[0:300, 0:300].astype(np.float32)
    moved = []
    for level in sorted(LEVELS):
        map_x, map_y = random_warp_map((300, 300), level, np.random.default_rng(0))
        moved.append(float(np.hypot(map_x - xs, map_y - ys).mean()))
    assert moved == sorted(moved) and moved[0] > 0.5


def test_deterministic_by_seed(source: tuple[Path, Path], tmp_path: Path) -> None:
    a = make_deformation_cut(*source, tmp_path / "a", level=2, frames=2, seed=1)
    b = make_deformation_cut(*source, tmp_path / "b", level=2, frames=2, seed=1)
    c = make_deformation_cut(*source, tmp_path / "c", level=2, frames=2, seed=2)
    for kind in ("line", "gt", "seg", "label"):
        assert (a / kind / "0001.png").read_bytes() == (b / kind / "0001.png").read_bytes()
    assert (a / "line" / "0001.png").read_bytes() != (c / "line" / "0001.png").read_bytes()


def test_suite_names_and_bad_input(source: tuple[Path, Path], tmp_path: Path) -> None:
    cuts = make_deformation_suite([source], tmp_path, levels=(1,), frames=2, seed=0, local_edits=False)
    assert [c.name for c in cuts] == [f"{source[0].parent.parent.name}_0000_level1"]
    with pytest.raises(InputError, match="level"):
        make_deformation_cut(*source, tmp_path / "x", level=7, frames=2, seed=0)
    with pytest.raises(InputError, match="frames"):
        make_deformation_cut(*source, tmp_path / "x", level=1, frames=1, seed=0)


def test_cli_deform(source: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    colored, line = source
    assert main(["deform", str(colored), str(line), str(tmp_path / "out"), "--levels", "1,2", "--frames", "2"]) == 0
    written = sorted(p.name for p in (tmp_path / "out").iterdir())
    assert len(written) == 2 and written[0].endswith("_level1") and written[1].endswith("_level2")
    assert main(["deform", str(colored), str(line), str(tmp_path / "bad"), "--levels", "9"]) == 2
    assert "level" in capsys.readouterr().err
    assert main(["deform", str(tmp_path / "missing.png"), str(line), str(tmp_path / "bad")]) == 2
