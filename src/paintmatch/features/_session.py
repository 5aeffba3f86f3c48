"""onnxruntime sessions for the appearance network: checked against their sha256, created once per process."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path

import numpy as np

from paintmatch.errors import ModelError
from paintmatch.features._registry import ModelWeights

__all__ = ["sha256_of", "open_session", "load_session", "run_session", "l2_normalise", "clear_sessions", "set_session_threads",
           "set_process_threads"]

# (onnx path, sha256, providers, threads) -> InferenceSession. One per process, reused by every frame.
_SESSIONS: dict[tuple[str, str, tuple[str, ...], int], object] = {}
_LOCK = threading.Lock()
_THREADS = 0  # onnxruntime's intra-op threads for new sessions; 0 = its default (one per core)


def set_session_threads(threads: int) -> None:
    """Threads each new session may use (0: onnxruntime's default, one per core).

    A Dask worker is one CPU (the parallelism is across cuts), so ``paintmatch batch`` sets 1:
    otherwise every worker's session would start a thread per core and the workers would fight.
    """
    global _THREADS
    if not isinstance(threads, int) or threads < 0:
        raise ValueError(f"threads must be an integer >= 0; got {threads!r}")
    _THREADS = threads


def set_process_threads(threads: int) -> None:
    """This process's OpenCV threads and the onnxruntime threads of its new sessions, both ``threads`` (>= 1).

    For processes that run beside others on the same cores: a Dask worker of ``paintmatch batch`` (1), a ``--jobs``
    worker of the benchmarks (its share of the cores).
    """
    import cv2

    if not isinstance(threads, int) or threads < 1:
        raise ValueError(f"threads must be an integer >= 1; got {threads!r}")
    cv2.setNumThreads(threads)
    set_session_threads(threads)


def sha256_of(path: str | Path, *, chunk: int = 1 << 20) -> str:
    """Hex sha256 digest of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(chunk), b""):
            digest.update(block)
    return digest.hexdigest()


def _retrain_hint(weights: ModelWeights) -> str:
    command = weights.train_command or "make weights (in a source checkout)"
    return (
        "reinstall paintmatch (pip install --force-reinstall paintmatch) to restore the shipped weights, "
        f"or train them again with: {command}"
    )


def open_session(path: str | Path, providers: tuple[str, ...] | list[str] = ("CPUExecutionProvider",)):
    """A new onnxruntime ``InferenceSession`` of an ONNX file with paintmatch's options.

    Quiet logging, no spinning threads and the ``set_session_threads`` limit; no checksum and no
    cache (``load_session`` adds both for shipped weights; training uses this directly on files it
    has just written).
    """
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.log_severity_level = 3
    # No busy-waiting between operators: the part field runs beside the optical flow, and spinning
    # threads took the cores from it (bench-speed, match stage: 0.28 -> 0.25 s wall, 0.50 -> 0.44 s CPU).
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    if _THREADS:
        options.intra_op_num_threads = _THREADS
        options.inter_op_num_threads = 1
    return onnxruntime.InferenceSession(str(path), sess_options=options, providers=list(providers))


def load_session(weights: ModelWeights, *, providers: tuple[str, ...] | list[str] | None = None):
    """The onnxruntime ``InferenceSession`` of ``weights``, created once per process and reused.

    Parameters
    ----------
    weights : ModelWeights
        Which ONNX file, and the sha256 it must have.
    providers : sequence of str, optional
        onnxruntime execution providers; default ``("CPUExecutionProvider",)``.

    Raises
    ------
    ModelError
        If the ONNX file is missing, does not match its sha256 (corrupt or replaced), or
        onnxruntime cannot load it.
    """
    providers = tuple(providers or ("CPUExecutionProvider",))
    path = weights.onnx_path
    key = (str(path), weights.sha256, providers, _THREADS)
    with _LOCK:
        if key in _SESSIONS:
            return _SESSIONS[key]
        if not path.is_file():
            raise ModelError(f"model weights {path} are missing: {_retrain_hint(weights)}")
        actual = sha256_of(path)
        if actual != weights.sha256:
            raise ModelError(
                f"model weights {path} are corrupt: sha256 {actual} does not match the expected "
                f"{weights.sha256} of {weights.path or 'its description'}: {_retrain_hint(weights)}"
            )
        try:
            session = open_session(path, providers)
        except Exception as error:  # onnxruntime raises its own untyped failures on bad graphs
            raise ModelError(f"onnxruntime cannot load {path} ({error}): {_retrain_hint(weights)}") from error
        _SESSIONS[key] = session
        return session


def run_session(session, crops: np.ndarray, *, batch_size: int) -> np.ndarray:
    """Run ``crops`` (n, C, S, S) float32 through ``session`` in batches; returns (n, D) float32."""
    input_name = session.get_inputs()[0].name
    outputs = [
        session.run(None, {input_name: np.ascontiguousarray(crops[start : start + batch_size])})[0]
        for start in range(0, crops.shape[0], batch_size)
    ]
    return np.concatenate(outputs, axis=0).astype(np.float32, copy=False)


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """(n, D) float32 rows scaled to norm 1 (all-zero rows stay zero)."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return (vectors / np.maximum(norms, 1e-12)).astype(np.float32)


def clear_sessions() -> None:
    """Forget every cached session (tests; after replacing a weights file)."""
    with _LOCK:
        _SESSIONS.clear()
