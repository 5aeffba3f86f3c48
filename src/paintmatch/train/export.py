"""Export the embedding network to ONNX, check it, optionally quantise it to int8, and describe it."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import torch

from paintmatch.features import ModelWeights, l2_normalise, open_session, run_session, sha256_of
from paintmatch.train.config import TrainConfig

__all__ = ["export_onnx", "quantize_int8", "store_float16", "write_description", "onnx_embed"]


def onnx_embed(path: Path, crops: np.ndarray, *, batch_size: int = 256) -> np.ndarray:
    """(n, D) float32 embeddings of ``crops`` (n, C, S, S) float32 by the ONNX file at ``path``.

    The file was just written by training: no checksum yet, and no cached session to go stale.
    """
    return l2_normalise(run_session(open_session(path), crops, batch_size=batch_size))


def export_onnx(model: torch.nn.Module, config: TrainConfig, path: Path, *, sample: np.ndarray, atol: float = 1e-4) -> Path:
    """Export ``model`` to ONNX at ``path`` (dynamic batch), then check it.

    The ONNX checker validates the graph, then onnxruntime's output on ``sample`` (n, C, S, S)
    float32 is compared with torch's (timm's ``onnx_export`` does the same).

    Raises
    ------
    RuntimeError
        If onnxruntime's output differs from torch's by more than ``atol``.
    """
    import onnx

    model.eval()
    dummy = torch.zeros(2, len(config.channels), config.crop_size, config.crop_size)
    with warnings.catch_warnings():
        # The torch.export-based exporter needs onnxscript, which the train extra does not pull
        # in; the TorchScript exporter warns that it is legacy but exports ResNets exactly.
        warnings.simplefilter("ignore")
        torch.onnx.export(
            model,
            (dummy,),
            str(path),
            dynamo=False,
            input_names=["crops"],
            output_names=["embedding"],
            dynamic_axes={"crops": {0: "n"}, "embedding": {0: "n"}},
            opset_version=17,
        )
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    with torch.no_grad():
        expected = model(torch.from_numpy(sample)).numpy()
    got = onnx_embed(path, sample)
    error = float(np.abs(expected - got).max())
    if error > atol:
        raise RuntimeError(f"ONNX export of {path} differs from torch by {error:.2e} (> {atol:.0e})")
    return path


def quantize_int8(fp32_path: Path, int8_path: Path, calibration: np.ndarray) -> Path:
    """Static int8 quantisation (QDQ, per-channel weights) calibrated on ``calibration`` crops."""
    from onnxruntime.quantization import CalibrationDataReader, QuantFormat, QuantType, quantize_static
    from onnxruntime.quantization.shape_inference import quant_pre_process

    class Reader(CalibrationDataReader):
        def __init__(self) -> None:
            self.batches = iter([{"crops": calibration[i : i + 64]} for i in range(0, len(calibration), 64)])

        def get_next(self):
            return next(self.batches, None)

    prepared = int8_path.with_name(int8_path.stem + "-prep.onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        quant_pre_process(str(fp32_path), str(prepared), skip_symbolic_shape=True)
        quantize_static(
            str(prepared),
            str(int8_path),
            Reader(),
            quant_format=QuantFormat.QDQ,
            per_channel=True,
            activation_type=QuantType.QUInt8,
            weight_type=QuantType.QInt8,
        )
    prepared.unlink(missing_ok=True)
    return int8_path


def store_float16(fp32_path: Path, out_path: Path, *, min_elements: int = 1024) -> Path:
    """Copy of an ONNX model whose large float32 weights are stored as float16 (half the file).

    Each such initializer ``W`` becomes ``W__fp16`` (float16) plus a ``Cast`` back to float32 named
    ``W``, so every operator still computes in float32: onnxruntime folds the casts once when the
    session starts, and inference runs as fast as the float32 model. Only the weights are rounded
    (about 3 significant digits), unlike int8, which also quantises activations. Written by hand
    because onnxconverter-common's ``convert_float_to_float16`` converts the computation too (slow
    on CPUs without float16 arithmetic) and is not otherwise a dependency.
    """
    import onnx
    from onnx import helper, numpy_helper

    model = onnx.load(str(fp32_path))
    graph = model.graph
    casts, kept = [], []
    for initializer in graph.initializer:
        array = numpy_helper.to_array(initializer)
        if initializer.data_type == onnx.TensorProto.FLOAT and array.size >= min_elements:
            half = numpy_helper.from_array(array.astype(np.float16), name=initializer.name + "__fp16")
            kept.append(half)
            casts.append(helper.make_node("Cast", [half.name], [initializer.name], to=onnx.TensorProto.FLOAT))
        else:
            kept.append(initializer)
    del graph.initializer[:]
    graph.initializer.extend(kept)
    nodes = list(graph.node)
    del graph.node[:]
    graph.node.extend(casts + nodes)
    onnx.checker.check_model(model, full_check=True)
    tmp = out_path.with_suffix(".tmp")
    onnx.save(model, str(tmp))
    tmp.replace(out_path)
    return out_path


def write_description(
    onnx_path: Path, config: TrainConfig, *, quantized: bool, train_command: str, metrics: dict, stored: str = "float32"
) -> ModelWeights:
    """Write ``<onnx_path>.json`` (sha256, architecture, preprocessing) and return it."""
    weights = ModelWeights(
        file=onnx_path.name,
        sha256=sha256_of(onnx_path),
        architecture=config.backbone,
        crop_size=config.crop_size,
        channels=tuple(config.channels),
        context=float(config.context),
        embedding_dim=config.embedding_dim,
        quantized=quantized,
        stored=stored,
        train_command=train_command,
        metrics=metrics,
        path=onnx_path.with_suffix(".json"),
    )
    onnx_path.with_suffix(".json").write_text(weights.to_json())
    return weights
