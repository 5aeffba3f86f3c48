"""Training: correspondences, a tiny deterministic and resumable run, ONNX export loadable by describe."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest
import torch
from PIL import Image

from paintmatch.cli import main
from paintmatch.errors import InputError
from paintmatch.features import describe, get_weights, sha256_of
from paintmatch.match import Frame
from paintmatch.segment import segment
from paintmatch.train import DataSource, load_config, train
from paintmatch.train.data import build_pairs, majority_ids, match_by_ids, random_warp, read_label_ids
from paintmatch.train.loop import info_nce

REPO = Path(__file__).resolve().parents[1]


def _draw(rng: np.random.Generator, size: int = 160) -> tuple[np.ndarray, np.ndarray]:
    """Random line art (RGBA, transparent) with a few ellipses and boxes, and a region-id map."""
    art = np.zeros((size, size, 4), np.uint8)
    ids = np.zeros((size, size), np.int32)
    for index in range(1, 7):
        cx, cy = rng.integers(25, size - 25, size=2)
        rx, ry = rng.integers(8, 24, size=2)
        cv2.ellipse(ids, (int(cx), int(cy)), (int(rx), int(ry)), 0, 0, 360, index, -1)
        cv2.ellipse(art, (int(cx), int(cy)), (int(rx), int(ry)), 0, 0, 360, (0, 0, 0, 255), 2)
    cv2.line(art, (5, size // 2), (size - 5, size // 2), (0, 0, 255, 255), 1)
    return art, ids


def _write_png(path: Path, array: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(array).save(path)


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory) -> Path:
    """Folder with two drawings for warp pairs: train.png and val.png."""
    root = tmp_path_factory.mktemp("tiny-data")
    rng = np.random.default_rng(3)
    for name in ("train", "val"):
        art, _ = _draw(rng)
        _write_png(root / f"{name}.png", art)
    return root


def _tiny_config(data: Path, **overrides):
    config = load_config(REPO / "configs" / "tiny.yaml", **overrides)
    config.train = [DataSource(kind="warp", paths=[str(data / "train.png")], pairs=4, strength=0.01)]
    config.val = [DataSource(kind="warp", paths=[str(data / "val.png")], pairs=2, strength=0.01)]
    return config


def test_majority_ids_and_one_to_one_matches() -> None:
    labels = np.array([[0, 0, -1, 1, 1], [0, 0, -1, 1, 2]], np.int32)
    ids = np.array([[7, 7, 7, 5, 5], [7, 9, 7, 5, 5]], np.int64)
    np.testing.assert_array_equal(majority_ids(labels, ids, 3), [7, 5, 5])
    # id 5 appears twice in frame A: ambiguous, not a training pair.
    matches = match_by_ids(np.array([7, 5, 5]), np.array([5, -1, 7]))
    np.testing.assert_array_equal(matches, [[0, 2]])


def test_random_warp_is_smooth_and_seeded() -> None:
    a = random_warp((64, 80), np.random.default_rng(1), 0.02)
    b = random_warp((64, 80), np.random.default_rng(1), 0.02)
    np.testing.assert_array_equal(a[0], b[0])
    assert a[0].shape == (64, 80) and a[0].dtype == np.float32
    assert np.abs(np.diff(a[0], axis=1)).max() < 2.0  # neighbouring pixels stay neighbours


def test_warp_pairs_follow_the_warp(tiny_data: Path) -> None:
    config = _tiny_config(tiny_data)
    pairs = build_pairs(config.train, config, seed=0, work_dir=tiny_data)
    assert pairs and all(len(p.matches) >= 2 for p in pairs)
    pair = pairs[0]
    assert pair.crops_a.dtype == np.uint8 and pair.crops_a.shape[1:] == (3, 16, 16)
    # Matched components have about the same mask area in their crops (a weak warp).
    mask_a = pair.crops_a[pair.matches[:, 0], 1].astype(float).sum(axis=(1, 2))
    mask_b = pair.crops_b[pair.matches[:, 1], 1].astype(float).sum(axis=(1, 2))
    assert np.median(np.abs(mask_a - mask_b) / np.maximum(mask_a, mask_b)) < 0.3


def test_cut_pairs_from_label_maps(tmp_path: Path) -> None:
    """A cut with line/ and label/ (color-coded ids): components pair up by their label id."""
    rng = np.random.default_rng(5)
    art, ids = _draw(rng)
    for index, shift in enumerate((0, 6)):
        moved_art = np.roll(art, shift, axis=1)
        moved_ids = np.roll(ids, shift, axis=1)
        label = np.zeros(ids.shape + (3,), np.uint8)
        label[..., 2] = moved_ids  # id = B channel
        _write_png(tmp_path / "cut" / "line" / f"{index:04d}.png", moved_art)
        _write_png(tmp_path / "cut" / "label" / f"{index:04d}.png", label)
    np.testing.assert_array_equal(read_label_ids(tmp_path / "cut" / "label" / "0001.png"), np.roll(ids, 6, axis=1))
    config = _tiny_config(tmp_path)
    pairs = build_pairs([DataSource(kind="cuts", paths=[str(tmp_path)], pairs=2)], config, seed=0, work_dir=tmp_path)
    truths = []
    for index in range(2):
        line = np.asarray(Image.open(tmp_path / "cut" / "line" / f"{index:04d}.png"))
        seg = segment(line)
        truths.append(majority_ids(seg.labels, read_label_ids(tmp_path / "cut" / "label" / f"{index:04d}.png"), seg.n))
    expected = {tuple(map(tuple, match_by_ids(truths[0], truths[1]))), tuple(map(tuple, match_by_ids(truths[1], truths[0])))}
    assert pairs
    for pair in pairs:
        assert len(pair.matches) >= 3
        assert tuple(map(tuple, pair.matches)) in expected


def test_synth_pairs_from_the_generator(tmp_path: Path) -> None:
    """The synth source generates cuts with paintmatch.synth and pairs components by part label."""
    config = _tiny_config(tmp_path)
    source = DataSource(kind="synth", cuts=1, frames=2, seed=4, pairs=2)
    pairs = build_pairs([source], config, seed=0, work_dir=tmp_path)
    assert (tmp_path / "synth-4-1x2" / "cut_000" / "label").is_dir()
    assert pairs and all(len(p.matches) >= 10 for p in pairs)
    for pair in pairs:  # one-to-one
        assert len(np.unique(pair.matches[:, 0])) == len(pair.matches) == len(np.unique(pair.matches[:, 1]))


def test_info_nce_prefers_the_right_partner() -> None:
    anchors = torch.nn.functional.normalize(torch.randn(8, 4), dim=1)
    assert info_nce(anchors, anchors, 0.1) < info_nce(anchors, anchors.roll(1, 0), 0.1)
    # Extra negatives make the task harder: a negative equal to an anchor raises the loss.
    assert info_nce(anchors, anchors, 0.1, anchors[:1]) > info_nce(anchors, anchors, 0.1)


def test_config_errors(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("backbone: resnet34\nstepz: 3\ntrain: [{kind: warp}]\nval: [{kind: warp}]\n")
    with pytest.raises(InputError, match="stepz"):
        load_config(bad)
    bad.write_text("backbone: resnet43\ntrain: [{kind: warp}]\nval: [{kind: warp}]\n")
    with pytest.raises(InputError, match="resnet34"):
        load_config(bad)
    with pytest.raises(InputError, match="not found"):
        load_config(tmp_path / "missing.yaml")


@pytest.mark.slow
def test_tiny_training_run_is_deterministic_resumable_and_loadable(tiny_data: Path, tmp_path: Path) -> None:
    config = _tiny_config(tiny_data)
    straight = train(config, tmp_path / "straight", quiet=True, log=lambda _: None)
    # The same run interrupted after 3 steps (checkpoints every 2) and resumed ends the same.
    assert train(config, tmp_path / "split", stop_at=3, quiet=True, log=lambda _: None) is None
    assert torch.load(tmp_path / "split" / "checkpoint.pt", weights_only=False)["step"] == 3
    resumed = train(config, tmp_path / "split", resume=True, quiet=True, log=lambda _: None)
    a = torch.load(tmp_path / "straight" / "checkpoint.pt", weights_only=False)["model"]
    b = torch.load(tmp_path / "split" / "checkpoint.pt", weights_only=False)["model"]
    assert all(torch.equal(a[key], b[key]) for key in a)
    assert resumed.val_top1 == straight.val_top1

    # The export is a checked ONNX model with its sha256, usable by describe.
    weights = get_weights(straight.weights.path)
    assert weights.sha256 == sha256_of(weights.onnx_path)
    assert weights.crop_size == 16 and weights.architecture == "resnet18"
    assert 0.0 <= weights.metrics["val_top1"] <= 1.0
    assert (tmp_path / "straight" / "train.log").read_text().count('"loss"') == 4
    art = np.asarray(Image.open(tiny_data / "val.png"))
    frame = Frame(line=art, seg=segment(art))
    features = describe(frame, model=str(weights.path))
    assert features.shape == (frame.n, 32) and features.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(features, axis=1), 1.0, atol=1e-5)


def test_resume_needs_a_checkpoint_of_the_same_config(tiny_data: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no checkpoint"):
        train(_tiny_config(tiny_data), tmp_path / "none", resume=True, quiet=True, log=lambda _: None)


@pytest.mark.slow
def test_train_command(tiny_data: Path, tmp_path: Path) -> None:
    config = tmp_path / "configs" / "run.yaml"
    config.parent.mkdir()
    text = (REPO / "configs" / "tiny.yaml").read_text()
    text = text.split("train:\n")[0] + (
        f"quantize: true\nstore_float16: true\nquantize_tolerance: 1.0\nsteps: 2\n"
        f"train:\n  - kind: warp\n    paths: ['{tiny_data / 'train.png'}']\n    pairs: 3\n"
        f"val:\n  - kind: warp\n    paths: ['{tiny_data / 'val.png'}']\n    pairs: 2\n"
    )
    text = text.replace("steps: 4\n", "")
    config.write_text(text)
    out = tmp_path / "out"
    assert main(["train", "--config", str(config), "--out", str(out), "--quiet"]) == 0
    fp32 = get_weights(out / "tiny.json")
    int8 = get_weights(out / "tiny-int8.json")
    assert int8.quantized and not fp32.quantized
    assert f"--config {config}" in fp32.train_command
    art = np.asarray(Image.open(tiny_data / "train.png"))
    frame = Frame(line=art, seg=segment(art))
    assert describe(frame, model=str(out / "tiny-int8.json")).shape == (frame.n, 32)
    # float16-stored weights: about half the file, float32 computation, nearly the same embeddings.
    fp16 = get_weights(out / "tiny-fp16.json")
    assert fp16.stored == "float16" and fp32.stored == "float32"
    assert fp16.onnx_path.stat().st_size < 0.6 * fp32.onnx_path.stat().st_size
    np.testing.assert_allclose(
        describe(frame, model=str(out / "tiny-fp16.json")), describe(frame, model=str(out / "tiny.json")), atol=2e-2
    )
    assert main(["train", "--config", str(tmp_path / "nope.yaml")]) == 2
