"""Training configuration: a typed dataclass read from ``configs/<name>.yaml``."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from pathlib import Path

from paintmatch.errors import InputError

__all__ = ["DataSource", "TrainConfig", "load_config", "read_yaml"]


@dataclass
class DataSource:
    """One source of component correspondences.

    Attributes
    ----------
    kind : {"warp", "cuts", "synth"}
        ``warp``: pairs of smooth random warps of real line-art frames (``paths``: files or glob
        patterns), truth by the warp; ``cuts``: cut folders with ``line/`` and ``label/`` (region ids
        consistent across frames), pairs of frames of one cut, truth by majority label;
        ``synth``: cuts made by ``paintmatch.synth.generate_suite`` (``cuts``, ``frames``, ``seed``)
        into the output folder, then read as ``cuts``.
    paths : list of str
        Files or glob patterns (``warp``), or cut folders / folders of cuts (``cuts``).
    pairs : int
        Frame pairs to draw from this source.
    strength : float
        Warp strength (displacement as a share of the drawing's size) for ``warp``.
    cuts, frames, seed : int
        For ``synth``.
    """

    kind: str
    paths: list[str] = field(default_factory=list)
    pairs: int = 100
    strength: float = 0.03
    cuts: int = 10
    frames: int = 4
    seed: int = 0


@dataclass
class TrainConfig:
    """Everything a training run depends on; the run is deterministic given this.

    Attributes
    ----------
    name : str
        Model name: the output files are ``<name>.onnx`` and ``<name>.json``.
    backbone : str
        Registered architecture (``resnet34``, ``resnet18``).
    crop_size : int
        Side of the crops.
    channels : list of str
        Crop channels (``paintmatch.features.CHANNELS``).
    context : float
        Crop context margin.
    embedding_dim : int
        Output size of the embedding.
    steps, batch_pairs, batch_components : int
        Optimiser steps; frame pairs per batch and matched components per pair (the other
        components of the same pair are the hard negatives).
    batch_negatives : int
        More components of the same reference frame per pair, as extra negatives (matched
        elsewhere or unmatched): the matcher ranks against the whole frame, so should training.
    lr, weight_decay, temperature : float
        AdamW learning rate (cosine decay with warm-up), weight decay, InfoNCE temperature.
    seed : int
        Seeds the data, the initialisation and the batches.
    eval_every, checkpoint_every : int
        Steps between validations and between checkpoints.
    threads : int
        torch CPU threads.
    quantize : bool
        Also export an int8 (QDQ static) model, kept if its validation accuracy holds.
    quantize_tolerance : float
        Largest drop of validation top-1 accepted for the int8 model.
    store_float16 : bool
        Also write ``<name>-fp16.onnx``: weights stored as float16, computed as float32 (half the
        file, same speed), kept if its validation accuracy holds (``quantize_tolerance``).
    train, val : list of DataSource
        Training and held-out validation sources.
    """

    name: str = "model"
    backbone: str = "resnet34"
    crop_size: int = 32
    channels: list[str] = field(default_factory=lambda: ["ink", "mask", "trace"])
    context: float = 0.5
    embedding_dim: int = 128
    steps: int = 1000
    batch_pairs: int = 2
    batch_components: int = 48
    batch_negatives: int = 0
    lr: float = 2e-3
    weight_decay: float = 1e-4
    temperature: float = 0.1
    seed: int = 0
    eval_every: int = 100
    checkpoint_every: int = 100
    threads: int = 2
    quantize: bool = False
    quantize_tolerance: float = 0.02
    store_float16: bool = False
    train: list[DataSource] = field(default_factory=list)
    val: list[DataSource] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Plain dict (for checkpoints and the model's description)."""
        return asdict(self)


def _sources(raw, key: str, path: Path) -> list[DataSource]:
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{path}: '{key}' must be a non-empty list of data sources (kind: warp|cuts|synth)")
    known = {f.name for f in fields(DataSource)}
    sources = []
    for item in raw:
        if not isinstance(item, dict) or "kind" not in item:
            raise InputError(f"{path}: every entry of '{key}' needs a 'kind' (warp, cuts or synth), got {item!r}")
        unknown = set(item) - known
        if unknown:
            raise InputError(f"{path}: unknown keys {sorted(unknown)} in a '{key}' source; known: {sorted(known)}")
        if item["kind"] not in ("warp", "cuts", "synth"):
            raise InputError(f"{path}: data source kind must be warp, cuts or synth, got {item['kind']!r}")
        source = DataSource(**item)
        # Relative paths are relative to the config file's folder's parent (the repository root).
        source.paths = [p if Path(p).is_absolute() else str(path.resolve().parent.parent / p) for p in source.paths]
        sources.append(source)
    return sources


def config_of_kind(cls, raw: dict, path: Path, kind: str):
    """``cls(**raw)`` for a ``kind: KIND`` config; keys ``cls`` has no field for are an ``InputError``."""
    known = {f.name for f in fields(cls)}
    unknown = set(raw) - known
    if unknown:
        raise InputError(f"{path}: unknown keys {sorted(unknown)} for kind: {kind}; known: {sorted(known)}")
    return cls(**raw)


def require_positive_ints(config, keys, path: Path) -> None:
    """``InputError`` unless every attribute ``keys`` of ``config`` is an integer >= 1 (not a bool)."""
    for key in keys:
        value = getattr(config, key)
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise InputError(f"{path}: '{key}' must be a positive integer, got {value!r}")


def require_positive(config, keys, path: Path) -> None:
    """``InputError`` unless every attribute ``keys`` of ``config`` is a number > 0."""
    for key in keys:
        if not float(getattr(config, key)) > 0:
            raise InputError(f"{path}: '{key}' must be > 0, got {getattr(config, key)!r}")


def read_yaml(path: str | Path) -> dict:
    """The mapping of a YAML training config; a missing file or bad YAML is an ``InputError``."""
    import yaml

    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text()) or {}
    except FileNotFoundError:
        raise InputError(f"training config {path} not found (see configs/*.yaml)") from None
    except yaml.YAMLError as error:
        raise InputError(f"training config {path} is not valid YAML: {error}") from None
    if not isinstance(raw, dict):
        raise InputError(f"training config {path} must be a mapping of keys to values")
    return raw


def load_config(path: str | Path, **overrides) -> TrainConfig:
    """Read a YAML training config; unknown keys and bad values are an ``InputError``.

    ``overrides`` replace top-level keys (for example ``steps=3`` in tests).
    Relative data paths are resolved against the folder above the config's folder (the
    repository root for ``configs/*.yaml``).
    """
    path = Path(path)
    raw = read_yaml(path)
    raw.update(overrides)
    known = {f.name for f in fields(TrainConfig)}
    unknown = set(raw) - known
    if unknown:
        raise InputError(f"{path}: unknown keys {sorted(unknown)}; known: {sorted(known)}")
    raw["train"] = _sources(raw.get("train"), "train", path)
    raw["val"] = _sources(raw.get("val"), "val", path)
    config = TrainConfig(**raw)
    from paintmatch.features import CHANNELS, get_architecture

    get_architecture(config.backbone)
    bad = [c for c in config.channels if c not in CHANNELS]
    if bad or not config.channels:
        raise InputError(f"{path}: unknown channels {bad or config.channels}; known: {', '.join(CHANNELS)}")
    if not isinstance(config.batch_negatives, int) or config.batch_negatives < 0:
        raise InputError(f"{path}: 'batch_negatives' must be an integer >= 0, got {config.batch_negatives!r}")
    require_positive_ints(config, ("crop_size", "steps", "batch_pairs", "batch_components", "embedding_dim", "eval_every", "checkpoint_every", "threads"), path)
    if config.crop_size < 8:
        raise InputError(f"{path}: crop_size must be >= 8, got {config.crop_size}")
    require_positive(config, ("lr", "temperature"), path)
    return config
