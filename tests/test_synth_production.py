"""Production-like synthetic cuts: leaking gaps, antialiased paint exports, key-drawing motion (issue 18)."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from paintmatch.cli import main
from paintmatch.errors import InputError
from paintmatch.evaluate.truth import read_seg_labels
from paintmatch.segment import segment
from paintmatch.synth import SUITES, generate_cut, generate_suite, measure_cut, synth_frames
from paintmatch.synth._character import BONES, design_character
from paintmatch.synth._keys import plan_key_motion
from paintmatch.synth._motion import FramePose
from paintmatch.synth._render import _turned


def _rgba(path: Path) -> np.ndarray:
    with Image.open(path) as image:
        return np.array(image.convert("RGBA"))


def _packed(rgba: np.ndarray) -> np.ndarray:
    return rgba.astype(np.int64) @ np.array([1 << 24, 1 << 16, 1 << 8, 1], dtype=np.int64)


@pytest.fixture(scope="module")
def acceptance(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The issue's acceptance command, with the defaults: ``paintmatch synth OUT --cuts 2 --frames 6 --seed 5``."""
    out = tmp_path_factory.mktemp("production") / "out"
    assert main(["synth", str(out), "--cuts", "2", "--frames", "6", "--seed", "5", "-q"]) == 0
    return out


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return generate_suite(tmp_path_factory.mktemp("small"), cuts=2, frames=3, seed=21, size=384, style="production")[0].parent


def test_acceptance_leaks_blends_and_motion(acceptance: Path) -> None:
    measures = [measure_cut(acceptance / f"cut_{i:03d}") for i in range(2)]
    frames = [o < r for m in measures for o, r in zip(m["regions_without_closing"], m["regions"])]
    assert len(frames) == 12
    assert np.mean(frames) >= 0.5  # leaking gaps: fewer regions without gap closing than in the truth
    assert min(m["blend_share"] for m in measures) >= 0.05
    displacements = [d for m in measures for d in m["displacements"]]
    assert np.median(displacements) >= 0.04
    meta = json.loads((acceptance / "cut_000" / "synth.json").read_text())
    assert meta["style"] == "production" and meta["size"] == 1024 and meta["frames"] == 6
    assert meta["components_without_gap_closing"] == measures[0]["regions_without_closing"]
    assert all(2 <= n <= 6 for n in meta["gaps_per_frame"])


def test_mixed_suites_alternate_rgba_and_white_line_art(small: Path) -> None:
    with Image.open(small / "cut_000" / "line" / "0000.png") as a, Image.open(small / "cut_001" / "line" / "0000.png") as b:
        assert (a.mode, b.mode) == ("RGBA", "RGB")
    assert json.loads((small / "cut_001" / "synth.json").read_text())["line_format"] == "white"
    line = _rgba(small / "cut_000" / "line" / "0000.png")
    alpha = line[..., 3]
    assert ((alpha > 0) & (alpha < 255)).mean() > 0.005  # antialiased


@pytest.mark.parametrize("cut", ["cut_000", "cut_001"])
def test_truth_is_the_gap_free_drawing(small: Path, cut: str) -> None:
    """seg/ keeps the regions a gap joins apart; away from lines gt carries exactly the truth colors."""
    for name in ("0000", "0002"):
        ids = read_seg_labels(small / cut / "seg" / f"{name}.png")
        colors = json.loads((small / cut / "seg" / f"{name}.json").read_text())
        line = _rgba(small / cut / "line" / f"{name}.png")
        published = segment(line).labels
        # Some component of the published line art covers two truth segments of different colors.
        inside = (ids > 0) & (published >= 0)
        pairs = np.unique(published[inside].astype(np.int64) << 32 | ids[inside])
        comp, seg_id = pairs >> 32, pairs & 0xFFFFFFFF
        joined = {(int(c), tuple(colors[str(int(s))])) for c, s in zip(comp, seg_id)}
        per_comp = np.bincount(np.array([c for c, _ in joined]))
        assert (per_comp > 1).any(), "no gap joins two differently painted regions"
        # Away from every line (2 px), each segment is painted flat in its own color.
        gt = _rgba(small / cut / "gt" / f"{name}.png")
        line_px = (ids == 0).astype(np.uint8)
        near = cv2.dilate(line_px, np.ones((5, 5), np.uint8)) > 0
        far = (ids > 0) & ~near
        table = np.zeros(ids.max() + 1, dtype=np.int64)
        for key, value in colors.items():
            table[int(key)] = _packed(np.array(value, dtype=np.uint8)[None])[0]
        assert (_packed(gt)[far] == table[ids[far]]).all()
        # The gaps: line pixels of the truth without ink in the published art are paint, never ink.
        ink = line[..., 3] > 0 if cut == "cut_000" else line[..., :3].min(axis=-1) < 255
        gap = (ids == 0) & ~ink
        assert gap.any()
        palette = set(table.tolist())
        assert set(_packed(gt)[gap].tolist()) <= palette


def test_segments_have_their_color_as_majority_in_gt(small: Path) -> None:
    """Every segment of 30 px or more has its truth color as the majority of its gt pixels."""
    for name in ("0000", "0001"):
        ids = read_seg_labels(small / "cut_000" / "seg" / f"{name}.png")
        colors = json.loads((small / "cut_000" / "seg" / f"{name}.json").read_text())
        gt = _packed(_rgba(small / "cut_000" / "gt" / f"{name}.png"))
        checked = 0
        for key, value in colors.items():
            values, counts = np.unique(gt[ids == int(key)], return_counts=True)
            if counts.sum() >= 30:  # slivers of a few pixels can be all blend, as in real exports
                assert values[np.argmax(counts)] == _packed(np.array(value, dtype=np.uint8)[None])[0], key
                checked += 1
        assert checked >= 0.4 * len(colors)


def test_same_seed_same_bytes_and_different_seed_differs(tmp_path: Path) -> None:
    cuts = [generate_cut(tmp_path / name, frames=2, seed=seed, size=256, style="production")
            for name, seed in (("a", 7), ("b", 7), ("c", 8))]
    files = sorted(p.relative_to(cuts[0]) for p in cuts[0].rglob("*") if p.is_file())
    assert len(files) == 13
    for rel in files:
        assert (cuts[0] / rel).read_bytes() == (cuts[1] / rel).read_bytes(), rel
    assert (cuts[0] / "line" / "0001.png").read_bytes() != (cuts[2] / "line" / "0001.png").read_bytes()


def test_gaps_leak_and_scale_with_the_size() -> None:
    for frame in synth_frames(frames=2, seed=4, size=512, style="production", line_format="rgba"):
        assert 2 <= len(frame.gaps) <= 6
        assert all(gap.leaks for gap in frame.gaps)
        assert all(1.0 <= gap.length <= 2.0 for gap in frame.gaps)  # 1-4 px at 1200 px is 1-2 px at 512
        colors = frame.truth.colors
        assert all((colors[a] != colors[b]).any() for a, b in (gap.regions for gap in frame.gaps))
        assert segment(frame.rendered.line).n < frame.truth.seg.n


def test_key_motion_swings_limbs_changes_depth_and_turns_the_head() -> None:
    swings, depth_changes, turns = [], 0, []
    for seed in range(6):
        rng = np.random.default_rng(seed)
        character = design_character(rng)
        keys = plan_key_motion(character, rng, size=512, frames=8)
        for side in ("r", "l"):
            column = [name for name, _, _ in BONES].index(f"arm_upper_{side}")
            swings.extend(np.abs(np.diff(keys.angles[:, column])).tolist())
        depth_changes += sum(a != b for a, b in zip(keys.front, keys.front[1:]))
        turns.extend(keys.head_turns.tolist())
    swings_deg = np.rad2deg(swings)
    assert ((swings_deg >= 29.9) & (swings_deg <= 90.1)).mean() >= 0.9
    assert depth_changes >= 6  # an arm passes in front of the body and back
    assert max(turns) > 0.85 and min(turns) < -0.85  # far enough for the far eye to vanish


def test_head_turn_slides_features_and_hides_the_far_eye() -> None:
    character = design_character(np.random.default_rng(0))
    parts = {part.name: part for part in character.parts}
    eye = parts["iris_l"]  # on +x: the far eye when the head turns to +x
    identity = np.eye(2)[None].repeat(len(BONES), axis=0)

    def frame(turn: float) -> FramePose:
        return FramePose(rotations=identity, offsets=np.zeros((len(BONES), 2)), camera=np.array([[1.0, 0, 0], [0, 1.0, 0]]),
                         states=frozenset(), motion=_still_motion(), frame=0, front=frozenset(), head_turn=turn)

    assert _turned(eye, frame(1.0)) is None and _turned(parts["ear_l"], frame(0.5)) is None
    near = _turned(parts["iris_r"], frame(0.5))(parts["iris_r"].outline)
    rest = _turned(parts["iris_r"], frame(0.0))(parts["iris_r"].outline)
    assert near[:, 0].mean() > rest[:, 0].mean() + 5  # the features slide toward the turn


def _still_motion():
    from paintmatch.synth._motion import Motion

    return Motion(size=512, scale=1.0, anchor=np.zeros(2), center=np.zeros(2), velocity=np.zeros(2), zoom_rate=0.0,
                  turn_rate=0.0, warp_amplitude=0.0, warp_waves=np.zeros((2, 2)), warp_phases=np.zeros(2),
                  warp_speeds=np.zeros(2), blinks=frozenset(), mouth_frequency=0.0, mouth_phase=0.0)


def test_dev_and_test_suites_draw_disjoint_cuts() -> None:
    dev, test = SUITES["production-dev"], SUITES["production-test"]
    assert test["cuts"] >= 20 and test["frames"] >= 8
    dev_seeds = set(np.random.SeedSequence(dev["seed"]).generate_state(dev["cuts"], dtype=np.uint32).tolist())
    test_seeds = set(np.random.SeedSequence(test["seed"]).generate_state(test["cuts"], dtype=np.uint32).tolist())
    assert not dev_seeds & test_seeds


def test_cli_suite_and_option_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["synth", str(tmp_path / "dev"), "--suite", "production-dev", "--cuts", "1", "--frames", "2",
                 "--size", "256"]) == 0
    assert "production cut(s)" in capsys.readouterr().out
    meta = json.loads((tmp_path / "dev" / "cut_000" / "synth.json").read_text())
    assert meta["seed"] == int(np.random.SeedSequence(1000).generate_state(1, dtype=np.uint32)[0])
    assert main(["synth", str(tmp_path / "bad"), "--antialias"]) == 2
    assert "--clean" in capsys.readouterr().err
    assert main(["synth", str(tmp_path / "bad"), "--clean", "--suite", "production-test"]) == 2
    assert not (tmp_path / "bad").exists()
    with pytest.raises(InputError, match="did you mean 'production'"):
        generate_cut(tmp_path / "x", frames=1, seed=0, size=256, style="prodution")
    with pytest.raises(InputError, match="line_format"):
        generate_cut(tmp_path / "x", frames=1, seed=0, size=256, style="production", line_format="png")
