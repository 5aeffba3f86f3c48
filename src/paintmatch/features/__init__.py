"""Deep appearance features: one L2-normalised embedding per component, from a ResNet run by onnxruntime.

The network sees a fixed-size crop of the LINE ART around the component with the component's
mask as a channel (``component_crops``); the same function embeds reference and target
components. Backbones (``ARCHITECTURES``) and trained weights (``MODELS``) are registered by name;
weights ship in ``paintmatch/models`` as ``.onnx`` + ``.json`` (sha256, preprocessing) and are
trained by ``paintmatch train``. Neither onnxruntime nor torch is imported until used.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from paintmatch.errors import InputError
from paintmatch.features._crops import CHANNELS, component_crops, crop_windows, ink_image
from paintmatch.features._registry import (
    ARCHITECTURES,
    MODELS,
    MODELS_DIR,
    Architecture,
    ModelWeights,
    get_architecture,
    get_weights,
    model_names,
    register_architecture,
    register_model,
)
from paintmatch.features._session import (
    clear_sessions,
    l2_normalise,
    load_session,
    open_session,
    run_session,
    set_process_threads,
    set_session_threads,
    sha256_of,
)

__all__ = [
    "describe",
    "embed_crops",
    "component_crops",
    "crop_windows",
    "ink_image",
    "CHANNELS",
    "Architecture",
    "ModelWeights",
    "ARCHITECTURES",
    "MODELS",
    "MODELS_DIR",
    "register_architecture",
    "register_model",
    "get_architecture",
    "get_weights",
    "model_names",
    "load_session",
    "open_session",
    "l2_normalise",
    "clear_sessions",
    "set_process_threads",
    "set_session_threads",
    "sha256_of",
]


def embed_crops(
    crops: np.ndarray,
    *,
    model: str | Path = "default",
    providers: tuple[str, ...] | list[str] | None = None,
    batch_size: int = 256,
) -> np.ndarray:
    """Embed ready-made crops with a model.

    Parameters
    ----------
    crops : (n, C, S, S) ndarray of float32
        As made by ``component_crops`` with the model's size, context and channels.
    model : str or Path
        A registered model name, or a ``.json`` / ``.onnx`` path.
    providers : sequence of str, optional
        onnxruntime execution providers (default CPU).
    batch_size : int
        Crops per onnxruntime call.

    Returns
    -------
    (n, D) ndarray of float32
        L2-normalised embeddings.
    """
    weights = get_weights(model)
    expected = (len(weights.channels), weights.crop_size, weights.crop_size)
    if crops.ndim != 4 or crops.shape[1:] != expected:
        raise InputError(f"crops must have shape (n, {', '.join(map(str, expected))}) for model '{model}', got {crops.shape}")
    if batch_size < 1:
        raise InputError(f"batch_size must be >= 1, got {batch_size}")
    if crops.shape[0] == 0:
        return np.zeros((0, weights.embedding_dim), dtype=np.float32)
    session = load_session(weights, providers=providers)
    return l2_normalise(run_session(session, crops.astype(np.float32, copy=False), batch_size=batch_size))


def describe(
    frame,
    *,
    model: str | Path = "default",
    providers: tuple[str, ...] | list[str] | None = None,
    batch_size: int = 256,
) -> np.ndarray:
    """Appearance features of every component of a frame, computed once and cached in the frame.

    Parameters
    ----------
    frame : paintmatch.match.Frame
        A segmented frame; ``frame.cache["features:<model>"]`` receives the result, so a painted
        target reused as the next reference (``Frame.with_colors`` shares the cache) costs nothing.
    model : str or Path, optional
        A registered model name (``model_names()``; ``default`` is the paper's ResNet-34,
        ``resnet34-c32-synth``), or a ``.json`` / ``.onnx`` path.
    providers : sequence of str, optional
        onnxruntime execution providers; default CPU.
    batch_size : int, optional
        Crops per onnxruntime call.

    Returns
    -------
    (n, D) ndarray of float32
        One L2-normalised embedding per component (rows of norm 1).

    Raises
    ------
    ModelError
        If the weights are missing or do not match their sha256.
    InputError
        For an unknown model name.

    Notes
    -----
    ``f`` of equations (1)-(2) of DESIGN.md (Do et al., ICPR 2020): the embedding of the
    component's crop by the trained ResNet-34 (``paintmatch train``; ``make weights`` rebuilds the
    shipped weights).
    """
    key = f"features:{model}"
    cached = frame.cache.get(key)
    if cached is not None:
        return cached
    weights = get_weights(model)
    crops = component_crops(frame, size=weights.crop_size, context=weights.context, channels=weights.channels)
    features = embed_crops(crops, model=model, providers=providers, batch_size=batch_size)
    frame.cache[key] = features
    return features
