"""Part field: a dense embedding of the whole line-art frame, one L2-normalised vector per component.

The appearance features of ``paintmatch.features`` see one component through a small crop. Many
of the components ``best`` gets wrong are slivers (a gap between two hair strands, a piece of a
stripe cut by an arm) whose crop looks like many others: what tells them apart is where they sit
in the whole drawing. The part field is a small U-Net (``paintmatch.train.part_field``) that sees
the whole frame at ``side`` x ``side`` pixels (line field + main / red / blue line masks) and gives
every pixel a vector, trained so that pixels of the same part of the character have the same
vector in every frame of a cut (synthetic cuts, part labels as truth). A component's vector is the
mean over its pixels. Inference runs in onnxruntime on shipped weights (sha256 checked at load).
"""

from __future__ import annotations

from collections.abc import Iterable

import cv2
import numpy as np
from scipy.sparse import csr_matrix

from paintmatch.features._registry import ModelWeights, get_weights
from paintmatch.features._session import l2_normalise, load_session
from paintmatch.segment import LineClass, Segmentation

__all__ = ["PART_FIELD_CHANNELS", "FIELD_SIDE", "FIELD_CLIP", "part_field_input", "part_field_inputs", "pixel_embeddings",
           "mean_vectors", "part_field_models", "mirrored_fields", "part_field_view_sizes", "nearest_by_view",
           "component_part_embeddings"]

#: Input channels, in order: line field, main lines, red trace lines, blue trace lines.
PART_FIELD_CHANNELS = ("field", "main", "red", "blue")
#: The line field is computed at most this many pixels per side (the size of the training frames).
FIELD_SIDE = 512
#: Distance (pixels at ``FIELD_SIDE``) at which the line field saturates; scaled with smaller frames.
FIELD_CLIP = 12.0


def part_field_input(seg: Segmentation, side: int) -> np.ndarray:
    """(4, side, side) uint8: the network's view of a frame (``PART_FIELD_CHANNELS``).

    The line field is 255 on lines falling to 0 at ``FIELD_CLIP`` pixels (per ``FIELD_SIDE`` px of
    the frame's larger side) from them, so the network has texture between the lines; the masks
    tell main lines from shadow and highlight boundaries. Everything is reduced with area averaging.
    """
    return part_field_inputs(seg, (side,))[side]


def part_field_inputs(seg: Segmentation, sides: Iterable[int]) -> dict[int, np.ndarray]:
    """``part_field_input(seg, side)`` for each of ``sides``, the line field and the masks computed once for all."""
    # cv2.compare gives 255 / 0 masks in one pass each; the three masks are reduced as one image.
    classes = seg.line_class
    masks = cv2.merge([cv2.compare(classes, int(c), cv2.CMP_EQ) for c in (LineClass.MAIN, LineClass.RED, LineClass.BLUE)])
    ink = cv2.compare(seg.labels, 0, cv2.CMP_LT)
    h, w = seg.shape
    scale = min(1.0, FIELD_SIDE / max(h, w))
    if scale < 1.0:
        # A large frame: the distance is taken on the line mask reduced to FIELD_SIDE (any ink
        # stays ink), as on the 512 px frames of training, and costs a tenth of the full size.
        ink = cv2.resize(ink, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    free = (ink == 0).view(np.uint8)
    clip = FIELD_CLIP * max(ink.shape) / FIELD_SIDE
    distance = cv2.distanceTransform(free, cv2.DIST_L2, 3)
    field = (255.0 * (1.0 - np.minimum(distance, clip) / clip)).astype(np.uint8)
    inputs = {}
    for side in sides:
        reduced = cv2.resize(masks, (side, side), interpolation=cv2.INTER_AREA)
        inputs[side] = np.concatenate([cv2.resize(field, (side, side), interpolation=cv2.INTER_AREA)[None],
                                       reduced.transpose(2, 0, 1)])
    return inputs


def pixel_embeddings(seg: Segmentation, weights: ModelWeights) -> np.ndarray:
    """(D, side, side) float32: the part field of one frame (onnxruntime)."""
    return _run_field(part_field_input(seg, weights.crop_size), weights)


def _run_field(x: np.ndarray, weights: ModelWeights) -> np.ndarray:
    """(D, side, side) float32: the field of a (4, side, side) uint8 ``part_field_input``."""
    session = load_session(weights)
    batch = x[None].astype(np.float32) * (1.0 / 255.0)
    return session.run(None, {session.get_inputs()[0].name: batch})[0][0]


def mean_vectors(field: np.ndarray, seg: Segmentation) -> np.ndarray:
    """(n, D) float32: each component's mean vector of a (D, S, S) field, L2-normalised.

    Components too small to own a pixel of the reduced grid take the vector at their centroid.
    """
    dim, side = field.shape[0], field.shape[1]
    labels = cv2.resize(seg.labels, (side, side), interpolation=cv2.INTER_NEAREST).ravel()
    pixels = np.flatnonzero(labels >= 0)
    # Sums per component as one sparse (n, S*S) one-hot product: half the time of a bincount per dimension. In float32
    # (sums relative error about 1e-5, the vectors are normalised after): 8 ms against 23 in float64 at 512 px.
    owner = csr_matrix((np.ones(pixels.size, np.float32), (labels[pixels], pixels)), shape=(seg.n, labels.size))
    sums = owner @ np.ascontiguousarray(field.reshape(dim, -1).T, dtype=np.float32)
    counts = np.bincount(labels[pixels], minlength=seg.n)
    h, w = seg.shape
    cx = np.clip((seg.centroids[:, 0] * side / w).astype(np.int64), 0, side - 1)
    cy = np.clip((seg.centroids[:, 1] * side / h).astype(np.int64), 0, side - 1)
    vectors = np.where(counts[:, None] > 0, sums, field[:, cy, cx].T)
    return l2_normalise(vectors.astype(np.float32))


def part_field_models(model: str) -> list[str]:
    """The registered part fields (or ``.json`` paths) named by ``model``: one name, or several joined by ``+``."""
    return [name.strip() for name in model.split("+") if name.strip()]


def mirrored_fields(model: str, mirror: str) -> list[bool]:
    """For each field of ``model`` (``part_field_models``), whether it also sees the mirrored frame: ``mirror`` names
    those fields, joined by ``+`` ("" none).

    Raises
    ------
    ValueError
        If ``mirror`` names a field that ``model`` does not.
    """
    fields, named = part_field_models(model), part_field_models(mirror)
    unknown = [name for name in named if name not in fields]
    if unknown:
        raise ValueError(f"the part field's mirror names {', '.join(unknown)}, which its model ({model!r}) lacks: "
                         "name fields of the model, joined by '+'")
    return [name in named for name in fields]


def part_field_view_sizes(model: str, mirror: str = "") -> list[int]:
    """The width of each view that ``component_part_embeddings(frame, model, mirror)`` concatenates, in its order:
    each field's ``embedding_dim``, twice for a field that ``mirror`` names (the field, then its mirrored view)."""
    return [get_weights(name).embedding_dim
            for name, mirrored in zip(part_field_models(model), mirrored_fields(model, mirror))
            for _ in range(2 if mirrored else 1)]


def nearest_by_view(target_vectors: np.ndarray, painted_vectors: np.ndarray, view_sizes: list[int]) -> np.ndarray:
    """(V, n_t) int64: for each view (``part_field_view_sizes``) the painted component nearest each target component.

    ``*_vectors``: (n, D) part vectors with the views concatenated (``component_part_embeddings``). Each view is unit
    length times the same scale, so a view's block of columns ranks the painted components as that view alone does.
    """
    bounds = np.cumsum(view_sizes)[:-1]
    return np.stack([(t @ p.T).argmax(axis=1) for t, p in zip(np.split(target_vectors, bounds, axis=1),
                                                             np.split(painted_vectors, bounds, axis=1))])


def component_part_embeddings(frame, model: str = "part-field", mirror: str = "") -> np.ndarray:
    """(n, D) float32: each component's mean part-field vector (``mean_vectors``); cached in ``frame.cache``.

    ``model`` may name several part fields joined by ``+`` (an ensemble): their vectors are
    concatenated, each scaled by 1/sqrt(k), so the dot product of two components is the mean of
    the k fields' cosines (k * D dimensions, still unit length). Each field that ``mirror`` names
    also sees the frame mirrored left to right (a character facing the other way, as in its training)
    and its field is mirrored back: the mirrored view counts as one more field of the ensemble.

    Parameters
    ----------
    frame : paintmatch.match.Frame
    model : str
        Registered part-field weights (``paintmatch.features.MODELS``) or a ``.json`` path, or several joined by ``+``.
    mirror : str
        The fields of ``model`` (joined by ``+``) also run on the mirrored frame (twice their inference time).

    Raises
    ------
    ModelError
        If the weights are missing or corrupt.
    ValueError
        If ``mirror`` names a field that ``model`` does not.
    """
    key = ("part_field", model, mirror)
    if key in frame.cache:
        return frame.cache[key]
    weights = [get_weights(name) for name in part_field_models(model)]
    mirrored = mirrored_fields(model, mirror)
    # One input per network size: the fields of an ensemble see the same view of the frame.
    inputs = part_field_inputs(frame.seg, {w.crop_size for w in weights})
    vectors = []
    for w, also_mirrored in zip(weights, mirrored):
        x = inputs[w.crop_size]
        vectors.append(mean_vectors(_run_field(x, w), frame.seg))
        # The mirrored view's field, mirrored back onto the frame. Two runs, not one batch of two: the batch took 58 ms
        # against 2 x 20 ms for a 256 px field on this 2-core CPU (measured with other work running).
        if also_mirrored:
            vectors.append(mean_vectors(_run_field(np.ascontiguousarray(x[:, :, ::-1]), w)[:, :, ::-1], frame.seg))
    result = vectors[0] if len(vectors) == 1 else np.concatenate(vectors, axis=1) * np.float32(1.0 / np.sqrt(len(vectors)))
    frame.cache[key] = result
    return result
