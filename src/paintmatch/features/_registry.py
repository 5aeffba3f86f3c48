"""Backbone architectures and model weights, registered by name (timm's registry / pretrained-cfg style)."""

from __future__ import annotations

import difflib
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from paintmatch.errors import InputError, ModelError

__all__ = [
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
]

#: Folder of the weights shipped in the package.
MODELS_DIR = Path(__file__).resolve().parents[1] / "models"


@dataclass(frozen=True)
class Architecture:
    """A backbone that embeds one component crop.

    Attributes
    ----------
    name : str
        Registry name (``resnet34``).
    torchvision : str
        Name of the torchvision constructor whose architecture is used (``torchvision.models.<name>``,
        always built with ``weights=None``: nothing is downloaded).
    embedding_dim : int
        Size of the L2-normalised output.
    stem_stride : int
        Total down-sampling of the stem before the first residual stage (1, 2 or 4). ImageNet ResNets
        use 4 (7x7 conv stride 2 + max-pool); small crops use a 3x3 conv with this total stride.
    """

    name: str
    torchvision: str
    embedding_dim: int = 128
    stem_stride: int = 4


@dataclass(frozen=True)
class ModelWeights:
    """Trained weights of one architecture and the preprocessing they expect.

    Stored as ``<file>.json`` beside the ``.onnx`` file; ``sha256`` is checked at load.

    Attributes
    ----------
    file : str
        The ONNX file name, relative to the ``.json`` file.
    sha256 : str
        Hex digest of the ONNX file.
    architecture : str
        Registry name of the ``Architecture``.
    crop_size : int
        Side of the square crops (``component_crops(size=...)``).
    channels : tuple of str
        The inputs, in order: crop channels (``component_crops(channels=...)``), or for the color choice (no crops:
        ``crop_size`` 0) the feature columns it reads.
    context : float
        Crop context margin (``component_crops(context=...)``).
    embedding_dim : int
        Output size.
    quantized : bool
        Whether the ONNX graph is int8 (QDQ static quantisation).
    stored : str
        How the weights are stored in the file: ``float32``, or ``float16`` (cast to float32 when
        the session starts; the computation is float32 either way).
    train_command : str
        The exact command that trains these weights again.
    metrics : dict
        Validation numbers recorded by training (for example ``val_top1``).
    """

    file: str
    sha256: str
    architecture: str
    crop_size: int
    channels: tuple[str, ...]
    context: float
    embedding_dim: int
    quantized: bool = False
    stored: str = "float32"
    train_command: str = ""
    metrics: dict = field(default_factory=dict)
    path: Path | None = field(default=None, compare=False)

    @property
    def onnx_path(self) -> Path:
        """Absolute path of the ONNX file."""
        base = self.path.parent if self.path is not None else MODELS_DIR
        return base / self.file

    def to_json(self) -> str:
        """The ``.json`` text that describes these weights."""
        data = asdict(self)
        data.pop("path")
        data["channels"] = list(self.channels)
        return json.dumps(data, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, path: str | Path) -> "ModelWeights":
        """Read a weights description; a missing or malformed file is a ``ModelError``."""
        path = Path(path)
        retrain = "reinstall paintmatch (pip install --force-reinstall paintmatch) or train it again"
        try:
            data = json.loads(path.read_text())
        except FileNotFoundError:
            raise ModelError(f"model description {path} is missing: {retrain}") from None
        except (OSError, ValueError) as error:
            raise ModelError(f"model description {path} is unreadable ({error}): {retrain}") from None
        try:
            data["channels"] = tuple(data["channels"])
            return cls(**data, path=path.resolve())
        except (KeyError, TypeError) as error:
            raise ModelError(f"model description {path} is malformed ({error}): {retrain}") from None


ARCHITECTURES: dict[str, Architecture] = {}

#: Model name -> weights description file (in ``MODELS_DIR`` unless absolute). Every file shipped in ``MODELS_DIR``
#: is rebuilt by ``make weights`` from its recipe in ``configs/`` (tests/test_weights.py checks both).
MODELS: dict[str, str] = {
    # The paper's backbone, ResNet-34 (configs/resnet34-c32-synth.yaml): 32 px crops of ink, mask and trace lines,
    # int8 (QDQ static quantisation, 21.6 MB). Validation top-1 0.353 (0.361 before quantisation) after 800 steps.
    # The default of `paper`, `paper-equal`, `resnet-only` and `best-deep`, so that `paper` is Do et al. as written.
    "default": "resnet34-c32-synth-int8.json",
    "resnet34-c32-synth": "resnet34-c32-synth-int8.json",
    # The part fields of `best` (paintmatch.features.part_field): U-Nets over the whole frame, float16-stored
    # (1.9 MB each); `best` averages the eighth run (also on the mirrored frame) and the ninth, which sees 512 px views
    # (best_defaults.yaml, `part_field`). They end a chain of runs that `make weights` repeats: four on clean
    # synthetic cuts and warps of real line art (configs/part-field-mixed-long.yaml and the three
    # part-field-mixed-unseen*.yaml), then 3000 steps more on cuts three in four production-like, key drawings far
    # apart (configs/part-field-production.yaml); those two were shipped until best defaults version 6, which scored
    # better without them (production-like dev 0.8939 against 0.8877 with all four). Then three more runs, each 3000
    # steps more on new cuts, 85% production-like (configs/part-field-production2.yaml, whose weights shipped as
    # `part-field` until best defaults version 12, configs/part-field-production3.yaml, the seventh, shipped until
    # version 21, and configs/part-field-production4.yaml), and the eighth fine-tuned on 512 px views
    # (configs/part-field-512.yaml). `part-field` names the eighth.
    "part-field": "part-field-production4-fp16.json",
    "part-field-production4": "part-field-production4-fp16.json",
    "part-field-512": "part-field-512-fp16.json",
    # The color choice of `best` (paintmatch.match._color_choice): gradient-boosted trees (scikit-learn, exported as an
    # ONNX tree ensemble) over each component's candidate colors, fitted on production-like cuts of their own
    # (configs/color-choice-production.yaml). Its ``channels`` are the columns it reads (``CHOICE_COLUMNS``).
    "color-choice": "color-choice-production.json",
    "color-choice-production": "color-choice-production.json",
}


def register_architecture(arch: Architecture) -> Architecture:
    """Add ``arch`` to ``ARCHITECTURES`` under its name and return it."""
    ARCHITECTURES[arch.name] = arch
    return arch


def register_model(name: str, description: str | Path) -> None:
    """Register weights under ``name``: ``description`` is a ``.json`` file (absolute, or in ``MODELS_DIR``)."""
    MODELS[name] = str(description)


# resnet18 ships no weights; configs/tiny.yaml (the test model) trains one.
register_architecture(Architecture("resnet18", "resnet18"))
register_architecture(Architecture("resnet34", "resnet34"))


def _did_you_mean(name: str, known) -> str:
    close = difflib.get_close_matches(name, list(known), n=1)
    return f" Did you mean '{close[0]}'?" if close else ""


def get_architecture(name: str) -> Architecture:
    """The registered architecture ``name``; an unknown name is an ``InputError``."""
    if name not in ARCHITECTURES:
        raise InputError(
            f"unknown backbone '{name}'; known: {', '.join(sorted(ARCHITECTURES))}.{_did_you_mean(name, ARCHITECTURES)}"
        )
    return ARCHITECTURES[name]


def model_names() -> list[str]:
    """Names of the registered models, sorted."""
    return sorted(MODELS)


def get_weights(model: str | Path) -> ModelWeights:
    """Resolve a model name, a ``.json`` description or an ``.onnx`` file to its ``ModelWeights``.

    Raises
    ------
    InputError
        For a name that is neither registered nor an existing path.
    ModelError
        For a missing or malformed description of a registered model.
    """
    text = str(model)
    if text in MODELS:
        path = Path(MODELS[text])
        return ModelWeights.from_json(path if path.is_absolute() else MODELS_DIR / path)
    path = Path(text)
    if path.suffix == ".onnx":
        path = path.with_suffix(".json")
    if path.suffix == ".json" and (path.exists() or path.with_suffix(".onnx").exists()):
        return ModelWeights.from_json(path)
    raise InputError(
        f"unknown model '{text}': not a registered name ({', '.join(model_names())}) nor an existing "
        f".json/.onnx file.{_did_you_mean(text, MODELS)}"
    )
