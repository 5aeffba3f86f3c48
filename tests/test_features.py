"""Appearance features: crops, the weights registry and checksum, onnxruntime inference, caching."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from paintmatch.errors import InputError, ModelError
from paintmatch.features import (
    MODELS,
    ModelWeights,
    clear_sessions,
    component_crops,
    crop_windows,
    describe,
    embed_crops,
    get_weights,
    sha256_of,
)
from paintmatch.match import Frame
from paintmatch.segment import segment

from conftest import corrupt_copy, load_rgba


def _drawing() -> np.ndarray:
    """(200, 240, 4) uint8 transparent art: a frame, two boxes inside, a blue trace line."""
    art = np.zeros((200, 240, 4), np.uint8)
    black, blue = (0, 0, 0, 255), (0, 0, 255, 255)
    cv2.rectangle(art, (10, 10), (229, 189), black, 2)
    cv2.rectangle(art, (30, 30), (90, 80), black, 2)
    cv2.rectangle(art, (120, 40), (200, 160), black, 2)
    cv2.line(art, (122, 100), (198, 100), blue, 2)
    return art


@pytest.fixture()
def frame() -> Frame:
    art = _drawing()
    return Frame(line=art, seg=segment(art), name="drawing")


def _write_linear_model(folder: Path, *, channels: int = 3, size: int = 16, dim: int = 8, name: str = "lin") -> Path:
    """A tiny ONNX embedding (flatten + matmul) and its .json description; returns the .json."""
    rng = np.random.default_rng(0)
    weight = rng.normal(size=(channels * size * size, dim)).astype(np.float32)
    graph = helper.make_graph(
        [
            helper.make_node("Flatten", ["crops"], ["flat"], axis=1),
            helper.make_node("MatMul", ["flat", "w"], ["embedding"]),
        ],
        "linear",
        [helper.make_tensor_value_info("crops", TensorProto.FLOAT, ["n", channels, size, size])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["n", dim])],
        initializer=[numpy_helper.from_array(weight, "w")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    path = folder / f"{name}.onnx"
    onnx.save(model, str(path))
    weights = ModelWeights(
        file=path.name,
        sha256=sha256_of(path),
        architecture="resnet18",
        crop_size=size,
        channels=("ink", "mask", "trace")[:channels],
        context=0.5,
        embedding_dim=dim,
        train_command="paintmatch train --config configs/tiny.yaml --out somewhere",
    )
    description = path.with_suffix(".json")
    description.write_text(weights.to_json())
    return description


@pytest.fixture()
def linear_model(tmp_path: Path) -> Path:
    clear_sessions()
    return _write_linear_model(tmp_path)


# --- crops -----------------------------------------------------------------------------------------


def test_crops_shape_dtype_range(frame: Frame) -> None:
    crops = component_crops(frame, size=24)
    assert crops.shape == (frame.n, 3, 24, 24)
    assert crops.dtype == np.float32
    assert crops.min() >= 0.0 and crops.max() <= 1.0
    assert component_crops(frame, size=16, channels=["mask"]).shape == (frame.n, 1, 16, 16)


def test_mask_channel_holds_exactly_the_component(frame: Frame) -> None:
    size = 16
    crops = component_crops(frame, size=size, channels=("ink", "mask"))
    windows = crop_windows(frame.seg, size=size, context=0.5)
    for k in range(frame.n):
        factor = windows[k, 2]
        # Area averaging: the mask channel integrates to the component's area, whatever the scale.
        assert crops[k, 1].sum() * factor**2 == pytest.approx(frame.seg.areas[k], rel=1e-5)
        # The component is centred in its crop.
        ys, xs = np.nonzero(crops[k, 1] > 0)
        assert abs((ys.min() + ys.max()) / 2 - (size - 1) / 2) <= 1.5
        assert abs((xs.min() + xs.max()) / 2 - (size - 1) / 2) <= 1.5
        # Where the mask is full there is no ink: lines are not part of a component.
        assert np.all(crops[k, 0][crops[k, 1] >= 1.0] == 0.0)


def test_small_component_crop_is_an_exact_window(frame: Frame) -> None:
    """At factor 1 (no reduction) the mask is the label map itself, window by window."""
    size = 64
    crops = component_crops(frame, size=size, context=0.0, channels=("mask",))
    windows = crop_windows(frame.seg, size=size, context=0.0)
    k = int(np.argmin(frame.seg.areas))
    x0, y0, factor = windows[k]
    assert factor == 1
    labels = np.pad(frame.seg.labels, size, constant_values=-2)
    expected = labels[y0 + size : y0 + 2 * size, x0 + size : x0 + 2 * size] == k
    np.testing.assert_array_equal(crops[k, 0], expected.astype(np.float32))


def test_trace_channel_sees_the_blue_line(frame: Frame) -> None:
    crops = component_crops(frame, size=32)
    # The two halves of the right box border the blue line; the left box does not.
    touching = frame.seg.trace_sides > 0
    assert touching.sum() == 2
    assert np.all(crops[touching, 2].max(axis=(1, 2)) > 0.2)
    left_box = frame.seg.labels[55, 60]
    tight = component_crops(frame, size=32, context=0.1)
    assert tight[left_box, 2].max() == 0.0


def test_crops_on_real_art_hold_each_component_exactly(laughing_girl) -> None:
    """Every component of a real frame is in its crop, and the mask channel is its exact area average.

    (Speed is measured by ``make bench-speed``, not here.)
    """
    lines, _ = laughing_girl
    art = lines[0]
    frame = Frame(line=art, seg=segment(art))
    crops = component_crops(frame, size=32)
    assert crops.shape == (frame.n, 3, 32, 32) and crops.dtype == np.float32
    assert crops.min() >= 0.0 and crops.max() <= 1.0
    assert np.all(crops[:, 1].max(axis=(1, 2)) > 0)  # every component is visible in its crop
    # Where the window lies inside the frame, each mask pixel is the mean of its factor x factor block:
    # the mask channel sums to the component's area.
    windows = crop_windows(frame.seg, size=32, context=0.5)
    height, width = frame.seg.shape
    x0, y0, factor = windows.T
    inside = (x0 >= 0) & (y0 >= 0) & (x0 + 32 * factor <= width) & (y0 + 32 * factor <= height)
    assert inside.sum() > 10
    mass = crops[inside, 1].sum(axis=(1, 2), dtype=np.float64) * factor[inside] ** 2
    np.testing.assert_allclose(mass, frame.seg.areas[inside], rtol=1e-4)


@pytest.mark.parametrize(("kwargs", "message"), [({"size": 4}, "size"), ({"size": 16, "channels": ("ink", "glow")}, "glow"), ({"size": 16, "context": -1.0}, "context")])
def test_crops_reject_bad_arguments(frame: Frame, kwargs: dict, message: str) -> None:
    with pytest.raises(InputError, match=message):
        component_crops(frame, **kwargs)


# --- inference -------------------------------------------------------------------------------------


def test_describe_shape_norm_determinism_and_cache(frame: Frame, linear_model: Path) -> None:
    features = describe(frame, model=str(linear_model))
    assert features.shape == (frame.n, 8)
    assert features.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(features, axis=1), 1.0, atol=1e-5)
    assert frame.cache[f"features:{linear_model}"] is features
    # A painted target reused as the next reference shares the cache: nothing recomputed.
    painted = frame.with_colors(np.zeros((frame.n, 4), np.uint8))
    assert describe(painted, model=str(linear_model)) is features
    # Deterministic: a fresh frame of the same art gives the same features.
    again = Frame(line=frame.line, seg=frame.seg)
    np.testing.assert_array_equal(describe(again, model=str(linear_model), providers=["CPUExecutionProvider"], batch_size=2), features)


def test_embed_crops_checks_the_shape(linear_model: Path) -> None:
    with pytest.raises(InputError, match="shape"):
        embed_crops(np.zeros((2, 3, 8, 8), np.float32), model=str(linear_model))
    assert embed_crops(np.zeros((0, 3, 16, 16), np.float32), model=str(linear_model)).shape == (0, 8)


def test_corrupt_weights_are_a_model_error(frame: Frame, linear_model: Path) -> None:
    onnx_path = linear_model.with_suffix(".onnx")
    data = bytearray(onnx_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    onnx_path.write_bytes(bytes(data))
    with pytest.raises(ModelError, match="corrupt") as info:
        describe(frame, model=str(linear_model))
    assert str(onnx_path) in str(info.value)
    assert "paintmatch train --config" in str(info.value)


def test_missing_weights_are_a_model_error(frame: Frame, linear_model: Path) -> None:
    linear_model.with_suffix(".onnx").unlink()
    with pytest.raises(ModelError, match="missing") as info:
        describe(frame, model=str(linear_model))
    assert "reinstall" in str(info.value)


def test_missing_or_malformed_description_is_a_model_error(tmp_path: Path) -> None:
    MODELS["test-missing"] = str(tmp_path / "nowhere.json")
    try:
        with pytest.raises(ModelError, match="missing"):
            get_weights("test-missing")
        (tmp_path / "nowhere.json").write_text(json.dumps({"file": "x.onnx"}))
        with pytest.raises(ModelError, match="malformed"):
            get_weights("test-missing")
    finally:
        del MODELS["test-missing"]


def test_unknown_model_name_suggests(frame: Frame) -> None:
    with pytest.raises(InputError, match="Did you mean 'default'"):
        describe(frame, model="defualt")


def test_import_is_light() -> None:
    code = "import sys, paintmatch.features; print('onnxruntime' in sys.modules, 'torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]


# --- the shipped model -----------------------------------------------------------------------------


# `default` is the paper's ResNet-34 (resnet34-c32-synth); tests/test_weights.py checks every shipped file.
@pytest.mark.parametrize("model", ["default"])
def test_shipped_model_is_checked_and_matches_a_warped_frame(basicpbc: Path, tmp_path: Path, model: str) -> None:
    weights = get_weights(model)
    assert weights.onnx_path.is_file(), "the shipped models must be in paintmatch/models"
    assert sha256_of(weights.onnx_path) == weights.sha256
    art = load_rgba(basicpbc / "laughing_girl" / "line" / "0000.png")
    reference = Frame(line=art, seg=segment(art))
    shift = np.float32([[1, 0, 12], [0, 1, -8]])  # a small move: every component keeps its shape
    moved = cv2.warpAffine(art, shift, (art.shape[1], art.shape[0]))
    target = Frame(line=moved, seg=segment(moved))
    f_ref, f_tgt = describe(reference, model=model), describe(target, model=model)
    assert f_ref.shape == (reference.n, weights.embedding_dim)
    np.testing.assert_allclose(np.linalg.norm(f_tgt, axis=1), 1.0, atol=1e-4)
    # Nearest reference component of every target component (by features only) is the moved one.
    ref_at = reference.seg.labels[
        np.clip(np.round(target.seg.centroids[:, 1] + 8).astype(int), 0, art.shape[0] - 1),
        np.clip(np.round(target.seg.centroids[:, 0] - 12).astype(int), 0, art.shape[1] - 1),
    ]
    big = (target.seg.areas > 50) & (ref_at >= 0)
    nearest = np.argmax(f_tgt @ f_ref.T, axis=1)
    assert np.mean(nearest[big] == ref_at[big]) > 0.8
    # A copy of the shipped files with one byte changed is refused.
    corrupted = corrupt_copy(weights, tmp_path)
    with pytest.raises(ModelError, match="corrupt"):
        describe(Frame(line=art, seg=reference.seg), model=str(corrupted))
