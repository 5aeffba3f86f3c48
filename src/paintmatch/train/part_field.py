"""Training of the part field (``paintmatch.features.part_field``): a U-Net, on synthetic cuts and real line-art warps.

Each step draws frame pairs of synthetic cuts (``paintmatch.synth``, part labels as truth), and
with ``warp_share`` > 0 pairs of smooth random warps of real line art (``warp_paths``: the warp
says which original component is under every pixel, the part truth of real drawings). For
every part of frame B the mean of its pixels' vectors is a prototype; pixels of frame A, sampled
evenly over parts so a sliver weighs as much as the background, must pick their own part's
prototype among all of B's (InfoNCE), and the other way round. With ``unseen_weight`` > 0, pixels
of a part that B does not show (an ear turning into view) must pick one of the prototypes of
their part's color (multi-positive InfoNCE): a region new to the cut is drawn towards the regions
painted like it (an ear towards the face), which is what a painter guesses. Validation: the share of the
held-out cuts' components (> 10 px) whose nearest component of the previous frame, by mean
vector, has their color. Deterministic by seed, resumable from ``checkpoint.pt``, exported to ONNX.

    paintmatch train --config configs/part-field-mixed-long.yaml --out runs/part-field-mixed-long
    paintmatch train --config configs/part-field-mixed-unseen.yaml --out runs/part-field-mixed-unseen  (init_from the first)
    paintmatch train --config configs/part-field-mixed-unseen2.yaml --out runs/part-field-mixed-unseen2  (init_from the second)
    paintmatch train --config configs/part-field-mixed-unseen3.yaml --out runs/part-field-mixed-unseen3  (init_from the third)
"""

from __future__ import annotations

import json
import time
import warnings
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Callable

import cv2
import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from paintmatch.errors import InputError
from paintmatch.features import ModelWeights, sha256_of
from paintmatch.features.part_field import PART_FIELD_CHANNELS, mean_vectors, part_field_input
from paintmatch.train.config import config_of_kind, require_positive, require_positive_ints

__all__ = ["PartFieldConfig", "PartFieldNet", "load_part_field_config", "train_part_field", "KIND"]

KIND = "part-field"
CHECKPOINT = "checkpoint.pt"
LINE = -2  # part map value of line pixels (ignored)


@dataclass
class PartFieldConfig:
    """Everything a part-field training run depends on (``kind: part-field`` in the YAML).

    Attributes
    ----------
    name : str
        Output files ``<name>.onnx`` / ``<name>.json`` (and ``<name>-fp16.*``).
    side : int
        The network sees frames reduced to ``side`` x ``side`` pixels.
    widths : list of int
        Channels of the U-Net's levels (each level halves the resolution).
    embedding_dim : int
        Size of each pixel's vector.
    steps, batch_pairs, pixels : int
        Optimiser steps, frame pairs per step, sampled pixels per frame and direction.
    lr, weight_decay, temperature : float
        AdamW with one-cycle schedule, weight decay, InfoNCE temperature.
    train_cuts, val_cuts, frames, size, seed : int
        Synthetic cuts for training and for validation (seeds ``seed + i``; validation cuts follow
        the training ones), frames per cut, frame size in pixels.
    warp_paths : list of str
        Glob patterns of real line-art files; each becomes a group of ``frames`` frames (itself and
        ``frames - 1`` smooth random warps of it) whose parts are its own components.
    warp_share, warp_strength : float
        Share of a step's frame pairs drawn from the warp groups; non-rigid displacement of the
        warps (share of the larger side, ``paintmatch.train.data.random_warp``).
    eval_every, checkpoint_every, threads : int
    store_float16 : bool
        Ship the weights stored as float16 (computed in float32) when validation holds.
    unseen_weight : float
        Weight of the unseen-part term (module docstring); synthetic cuts only (the warps of real
        line art have no colors). 0: off.
    init_from : str or None
        A part-field ``checkpoint.pt`` whose network weights start this run (a fine-tune with its
        own schedule and data; the architecture must be the same), or a part-field ``.onnx`` export
        (batch norm is folded into its convolutions: the run starts with every batch norm at
        identity and keeps them frozen, so only convolutions and affine terms learn). None: random
        initialisation.
    production_share : float
        Share of the training and validation cuts generated production-like
        (``paintmatch.synth``, ``style="production"``: key drawings far apart, arms passing in front
        of the body, head turns), spread evenly over the cut indices; the rest are clean cuts. The
        network sees the truth's (gap-free) segmentation, as it sees one after gap closing.
    """

    name: str = "part-field"
    kind: str = KIND
    side: int = 256
    widths: list = None  # type: ignore[assignment]
    embedding_dim: int = 16
    steps: int = 700
    batch_pairs: int = 4
    pixels: int = 1024
    lr: float = 2e-3
    weight_decay: float = 1e-4
    temperature: float = 0.1
    train_cuts: int = 152
    val_cuts: int = 8
    frames: int = 8
    size: int = 512
    seed: int = 30_000
    eval_every: int = 100
    checkpoint_every: int = 50
    threads: int = 2
    store_float16: bool = True
    warp_paths: list = None  # type: ignore[assignment]
    warp_share: float = 0.0
    warp_strength: float = 0.02
    init_from: str | None = None
    unseen_weight: float = 0.0
    production_share: float = 0.0

    def __post_init__(self) -> None:
        if self.widths is None:
            self.widths = [8, 16, 32, 64, 96, 128]
        if self.warp_paths is None:
            self.warp_paths = []

    def to_dict(self) -> dict:
        return asdict(self)


def load_part_field_config(raw: dict, path: Path) -> PartFieldConfig:
    """A ``PartFieldConfig`` from a parsed YAML mapping; unknown keys and bad values are an ``InputError``."""
    config = config_of_kind(PartFieldConfig, raw, path, KIND)
    require_positive_ints(config, ("side", "embedding_dim", "steps", "batch_pairs", "pixels", "train_cuts", "val_cuts",
                                   "size", "eval_every", "checkpoint_every", "threads"), path)
    if config.frames < 2:
        raise InputError(f"{path}: 'frames' must be at least 2 (pairs are drawn within a cut), got {config.frames!r}")
    if config.side % 2 ** (len(config.widths) - 1):
        raise InputError(f"{path}: 'side' must be divisible by 2**(levels - 1) = {2 ** (len(config.widths) - 1)}")
    require_positive(config, ("lr", "temperature"), path)
    if config.unseen_weight < 0:
        raise InputError(f"{path}: 'unseen_weight' must be 0 (off) or positive, got {config.unseen_weight!r}")
    if not 0.0 <= config.production_share <= 1.0:
        raise InputError(f"{path}: 'production_share' must be between 0 and 1, got {config.production_share!r}")
    if not 0.0 <= config.warp_share <= 1.0:
        raise InputError(f"{path}: 'warp_share' must be between 0 and 1, got {config.warp_share!r}")
    if config.warp_share > 0 and not config.warp_paths:
        raise InputError(f"{path}: 'warp_share' is {config.warp_share} but no 'warp_paths' (glob patterns of line-art files) are given")
    return config


def _block(c_in: int, c_out: int) -> nn.Sequential:
    return nn.Sequential(
        nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
        nn.Conv2d(c_out, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU(inplace=True),
    )


class PartFieldNet(nn.Module):
    """U-Net: (B, 4, S, S) float in [0, 1] -> (B, D, S, S), each pixel's vector L2-normalised."""

    def __init__(self, widths: list[int], dim: int, channels: int = len(PART_FIELD_CHANNELS)) -> None:
        super().__init__()
        self.down = nn.ModuleList([_block(channels, widths[0])] + [_block(a, b) for a, b in zip(widths, widths[1:])])
        self.up = nn.ModuleList([_block(b + a, a) for a, b in zip(widths, widths[1:])])
        self.head = nn.Conv2d(widths[0], dim, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        skips = []
        for level, block in enumerate(self.down):
            x = block(x if level == 0 else F.max_pool2d(x, 2))
            skips.append(x)
        x = skips.pop()
        for block in reversed(self.up):
            skip = skips.pop()
            x = block(torch.cat([F.interpolate(x, scale_factor=2.0, mode="nearest"), skip], 1))
        return F.normalize(self.head(x), dim=1)


@dataclass
class _Cuts:
    """Generated cuts: network inputs (c, f, 4, S, S) uint8 and part maps (c, f, S, S) int32 (``LINE`` on lines).

    ``weights`` (c,) float64, optional: how often each cut is drawn (uniform when None).
    ``part_colors`` (c, P + 1) int64, optional: packed RGBA color of part id ``p`` at ``[cut, p + 1]``
    (the background, -1, at 0), -1 where unknown.
    """

    inputs: np.ndarray
    parts: np.ndarray
    weights: np.ndarray | None = None
    part_colors: np.ndarray | None = None


def _make_cuts(
    config: PartFieldConfig, first: int, count: int, log: Callable[[str], None], *, keep_frames: bool = False
) -> tuple[_Cuts, list]:
    """Generate ``count`` cuts with seeds ``config.seed + first + i``.

    With ``keep_frames`` (validation) also each frame's (Segmentation, truth colors) per cut; the
    training cuts do not keep them (full-size label maps of every frame: gigabytes).
    """
    from paintmatch.rgba import pack_rgba
    from paintmatch.synth import synth_frames

    inputs, parts, frames, colors = [], [], [], []
    for i in range(count):
        cut_inputs, cut_parts, cut_frames, cut_colors = [], [], [], {}
        style = "production" if _is_production(first + i, config.production_share) else "clean"
        for frame in synth_frames(frames=config.frames, seed=config.seed + first + i, size=config.size, style=style):
            seg = frame.truth.seg
            cut_colors.update(zip(frame.truth.parts.tolist(), pack_rgba(frame.truth.colors).ravel().tolist()))
            cut_inputs.append(part_field_input(seg, config.side))
            part_map = np.where(seg.labels >= 0, frame.truth.parts[np.maximum(seg.labels, 0)], LINE).astype(np.int32)
            cut_parts.append(cv2.resize(part_map, (config.side, config.side), interpolation=cv2.INTER_NEAREST))
            if keep_frames:
                cut_frames.append((seg, frame.truth.colors))
        inputs.append(np.stack(cut_inputs))
        parts.append(np.stack(cut_parts))
        frames.append(cut_frames)
        colors.append(cut_colors)
        if (i + 1) % 20 == 0 or i + 1 == count:
            log(f"generated {i + 1}/{count} cuts")
    part_colors = np.full((count, max(max(c) for c in colors) + 2), -1, dtype=np.int64)
    for i, cut_colors in enumerate(colors):
        part_colors[i, np.array(list(cut_colors)) + 1] = list(cut_colors.values())
    return _Cuts(np.stack(inputs), np.stack(parts), part_colors=part_colors), frames


def _is_production(index: int, share: float) -> bool:
    """Whether cut ``index`` is production-like: ``share`` of the cuts, spread evenly (0.5: every second one)."""
    return int((index + 1) * share) > int(index * share)


def _make_warp_groups(config: PartFieldConfig, log: Callable[[str], None]) -> _Cuts:
    """One group per real line-art file of ``warp_paths``: the file and ``frames - 1`` warps of it.

    A warped frame's part map gives each of its components the original component under most of
    it (``majority_ids``); components no original covers (pushed in from outside the canvas) are
    ignored like lines. Deterministic by ``seed``.
    """
    from paintmatch.io import read_image
    from paintmatch.segment import segment
    from paintmatch.train.data import majority_ids, matching_files, warp_line_art

    files = matching_files(config.warp_paths)
    if not files:
        raise InputError(f"part-field training: no line-art files match warp_paths {config.warp_paths}")
    rng = np.random.default_rng([config.seed, 1])
    inputs, parts = [], []
    for number, path in enumerate(files, 1):
        line = read_image(path)
        base = segment(line)
        group_inputs, group_parts = [], []
        while len(group_inputs) < config.frames:
            if not group_inputs:
                art, seg, ids = line, base, np.arange(base.n)
            else:
                art, under = warp_line_art(line, base.labels, rng, config.warp_strength)
                try:
                    seg = segment(art)
                except InputError:
                    continue  # warped off the canvas: draw again
                ids = majority_ids(seg.labels, under, seg.n)
            part_map = np.where(seg.labels >= 0, ids[np.maximum(seg.labels, 0)], LINE)
            part_map = np.where(part_map < 0, LINE, part_map).astype(np.int32)
            group_inputs.append(part_field_input(seg, config.side))
            group_parts.append(cv2.resize(part_map, (config.side, config.side), interpolation=cv2.INTER_NEAREST))
        inputs.append(np.stack(group_inputs))
        parts.append(np.stack(group_parts))
        if number % 10 == 0 or number == len(files):
            log(f"warped {number}/{len(files)} real line-art files")
    # Drawn by how many parts a group shows at the network's size: a sparse effects frame (a dozen
    # regions) teaches less than a character (about a hundred).
    counts = np.array([len(np.unique(group[0])) for group in parts], dtype=np.float64)
    return _Cuts(np.stack(inputs), np.stack(parts), counts / counts.sum())


def _even_over_parts(pixels: np.ndarray, part_of: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """Up to ``n`` of ``pixels`` drawn so that every part (``part_of`` each pixel) is as likely."""
    present, counts = np.unique(part_of, return_counts=True)
    weight = 1.0 / counts[np.searchsorted(present, part_of)]
    return rng.choice(pixels, size=min(n, pixels.size), p=weight / weight.sum())


def _pair_loss(
    ea: torch.Tensor, eb: torch.Tensor, pa: np.ndarray, pb: np.ndarray, n: int, rng: np.random.Generator, tau: float,
    part_colors: np.ndarray | None = None, unseen_weight: float = 0.0,
):
    """InfoNCE of ``n`` pixels of A (even over parts) against the part prototypes of B; None if nothing to match.

    With ``part_colors`` ((P + 1,) int64, ``_Cuts``) and ``unseen_weight`` > 0, plus that weight times the
    multi-positive InfoNCE of up to ``n // 4`` pixels of parts B lacks against B's prototypes of their color.
    """
    dim = ea.shape[0]
    qb = pb.ravel()
    keep = np.flatnonzero(qb != LINE)
    ids, inverse = np.unique(qb[keep], return_inverse=True)
    prototypes = torch.zeros(len(ids), dim).index_add_(0, torch.from_numpy(inverse), eb.reshape(dim, -1).T[torch.from_numpy(keep)])
    prototypes = F.normalize(prototypes, dim=1)
    qa = pa.ravel()
    candidates = np.flatnonzero(np.isin(qa, ids))
    if candidates.size == 0:
        return None
    pick = _even_over_parts(candidates, qa[candidates], n, rng)
    pixels_a = ea.reshape(dim, -1).T
    loss = F.cross_entropy(pixels_a[torch.from_numpy(pick)] @ prototypes.T / tau, torch.from_numpy(np.searchsorted(ids, qa[pick])))
    if part_colors is None or unseen_weight <= 0:
        return loss
    prototype_colors = part_colors[ids + 1]
    unseen = np.flatnonzero((qa != LINE) & ~np.isin(qa, ids))
    unseen = unseen[np.isin(part_colors[qa[unseen] + 1], prototype_colors[prototype_colors >= 0])]
    if unseen.size == 0:
        return loss
    pick = _even_over_parts(unseen, qa[unseen], max(1, n // 4), rng)
    logits = pixels_a[torch.from_numpy(pick)] @ prototypes.T / tau
    positive = torch.from_numpy(part_colors[qa[pick] + 1][:, None] == prototype_colors[None, :])
    unseen_loss = (torch.logsumexp(logits, 1) - torch.logsumexp(logits.masked_fill(~positive, float("-inf")), 1)).mean()
    return loss + unseen_weight * unseen_loss


def _step_loss(
    model: PartFieldNet, data: _Cuts, config: PartFieldConfig, rng: np.random.Generator, warps: _Cuts | None = None
) -> torch.Tensor | None:
    images, maps, colors = [], [], []
    for _ in range(config.batch_pairs):
        source = warps if warps is not None and rng.random() < config.warp_share else data
        cuts, frames = source.inputs.shape[:2]
        cut = rng.integers(cuts) if source.weights is None else rng.choice(cuts, p=source.weights)
        a, b = rng.choice(frames, 2, replace=False)
        images += [source.inputs[cut, a], source.inputs[cut, b]]
        maps += [source.parts[cut, a], source.parts[cut, b]]
        colors.append(None if source.part_colors is None else source.part_colors[cut])
    x = torch.from_numpy(np.stack(images).astype(np.float32) * (1.0 / 255.0))
    if rng.random() < 0.5:  # mirror the whole batch: a character facing the other way
        x = x.flip(3)
        maps = [m[:, ::-1] for m in maps]
    embedded = model(x)
    losses = []
    for i in range(0, len(maps), 2):
        for a, b in ((i, i + 1), (i + 1, i)):
            loss = _pair_loss(embedded[a], embedded[b], maps[a], maps[b], config.pixels, rng, config.temperature,
                              colors[i // 2], config.unseen_weight)
            if loss is not None:
                losses.append(loss)
    if not losses:
        return None  # no pair of the batch shares a part (a warp pushed every part off the canvas): skip the step
    return torch.stack(losses).mean()


def top1_color(embed: Callable[[np.ndarray], np.ndarray], data: _Cuts, frames: list) -> float:
    """Share of components > 10 px whose nearest component of the previous frame (mean vector) has their color."""
    from paintmatch.rgba import pack_rgba

    right = total = 0
    for c, cut in enumerate(frames):
        fields_ = embed(data.inputs[c].astype(np.float32) * (1.0 / 255.0))
        vectors = [mean_vectors(f, seg) for f, (seg, _) in zip(fields_, cut)]
        colors = [pack_rgba(col).ravel() for _, col in cut]
        for k in range(1, len(cut)):
            nearest = (vectors[k] @ vectors[k - 1].T).argmax(axis=1)
            big = cut[k][0].areas > 10
            right += int((colors[k - 1][nearest] == colors[k])[big].sum())
            total += int(big.sum())
    return right / max(total, 1)


def _torch_embed(model: PartFieldNet) -> Callable[[np.ndarray], np.ndarray]:
    def embed(x: np.ndarray) -> np.ndarray:
        model.eval()
        with torch.no_grad():
            return model(torch.from_numpy(x)).numpy()
    return embed


def _onnx_embed(path: Path) -> Callable[[np.ndarray], np.ndarray]:
    from paintmatch.features import open_session

    session = open_session(path)
    name = session.get_inputs()[0].name
    return lambda x: np.concatenate([session.run(None, {name: x[i : i + 1]})[0] for i in range(len(x))])


def _export(model: PartFieldNet, config: PartFieldConfig, path: Path, sample: np.ndarray) -> Path:
    import onnx

    model.eval()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the TorchScript exporter's "legacy" notice (see train.export)
        torch.onnx.export(
            model, (torch.from_numpy(sample),), str(path), dynamo=False, input_names=["frames"], output_names=["field"],
            dynamic_axes={"frames": {0: "n"}, "field": {0: "n"}}, opset_version=17,
        )
    onnx.checker.check_model(onnx.load(str(path)), full_check=True)
    expected = _torch_embed(model)(sample)
    error = float(np.abs(expected - _onnx_embed(path)(sample)).max())
    if error > 1e-3:
        raise RuntimeError(f"ONNX export of {path} differs from torch by {error:.2e}")
    return path


def _describe(path: Path, config: PartFieldConfig, *, stored: str, train_command: str, metrics: dict) -> ModelWeights:
    weights = ModelWeights(
        file=path.name, sha256=sha256_of(path), architecture="part-field-unet", crop_size=config.side,
        channels=PART_FIELD_CHANNELS, context=0.0, embedding_dim=config.embedding_dim, stored=stored,
        train_command=train_command, metrics=metrics, path=path.with_suffix(".json"),
    )
    path.with_suffix(".json").write_text(weights.to_json())
    return weights


def _load_onnx_weights(model: PartFieldNet, path: Path) -> None:
    """Copy a part-field ONNX export's weights (batch norm folded into its convolutions) into ``model``.

    The export's convolutions come in the order the network runs them (down blocks, up blocks from
    the deepest, head), which is the order of ``_conv_layers``; each batch norm is set to identity.
    """
    import onnx
    from onnx import numpy_helper

    graph = onnx.load(str(path)).graph
    values = {t.name: numpy_helper.to_array(t).astype(np.float32) for t in graph.initializer}
    for node in graph.node:  # float16-stored weights pass through a Cast to float32
        if node.op_type == "Cast" and node.input[0] in values:
            values[node.output[0]] = values[node.input[0]]
    convs = [node for node in graph.node if node.op_type == "Conv"]
    layers = _conv_layers(model)
    if len(convs) != len(layers):
        raise InputError(f"init_from: {path} has {len(convs)} convolutions, this architecture {len(layers)} "
                         "(same widths and embedding_dim)")
    with torch.no_grad():
        for node, conv in zip(convs, layers):
            weight, bias = values[node.input[1]], values[node.input[2]]
            if tuple(weight.shape) != tuple(conv.weight.shape):
                raise InputError(f"init_from: {path} is not a part-field export of this architecture "
                                 f"(same widths and embedding_dim): {tuple(weight.shape)} against {tuple(conv.weight.shape)}")
            conv.weight.copy_(torch.from_numpy(weight))
            conv.bias.copy_(torch.from_numpy(bias))
        for norm in _batch_norms(model):
            norm.reset_parameters()  # weight 1, bias 0, running mean 0, running variance 1
            norm.running_var.fill_(1.0 - norm.eps)  # exactly the identity in eval mode


def _conv_layers(model: PartFieldNet) -> list[nn.Conv2d]:
    """The convolutions in the order the network runs them."""
    blocks = list(model.down) + list(reversed(model.up))
    return [m for block in blocks for m in block if isinstance(m, nn.Conv2d)] + [model.head]


def _batch_norms(model: PartFieldNet) -> list[nn.BatchNorm2d]:
    return [m for m in model.modules() if isinstance(m, nn.BatchNorm2d)]


def _load_initial_weights(model: PartFieldNet, path: Path) -> bool:
    """Copy the network weights of ``init_from`` into ``model``; True when batch norm must stay frozen (ONNX)."""
    if not path.is_file():
        raise InputError(f"init_from: no checkpoint at {path}; train that model first or remove 'init_from'")
    if path.suffix == ".onnx":
        _load_onnx_weights(model, path)
        return True
    state = torch.load(path, weights_only=False)
    try:
        model.load_state_dict(state["model"])
    except (KeyError, RuntimeError) as error:
        raise InputError(f"init_from: {path} is not a part-field checkpoint of this architecture "
                         f"(same widths and embedding_dim): {str(error).splitlines()[0]}") from None
    return False


def train_part_field(
    config: PartFieldConfig,
    out_dir: str | Path,
    *,
    resume: bool = False,
    stop_at: int | None = None,
    train_command: str = "",
    quiet: bool = False,
    log: Callable[[str], None] = print,
) -> ModelWeights | None:
    """Train the part field, export it (``<name>.onnx``, and ``<name>-fp16.onnx`` when asked) and describe it.

    Returns the description of the model to ship (the float16-stored one when it holds), or
    ``None`` when stopped early by ``stop_at`` (continue with ``resume=True``).
    """
    from tqdm import tqdm

    from paintmatch.train.export import store_float16
    from paintmatch.train.loop import resume_checkpoint, save_checkpoint

    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    model = PartFieldNet(config.widths, config.embedding_dim)
    # Started from an ONNX export: its batch-norm statistics are folded in, batch statistics would change the function.
    frozen_norms = _batch_norms(model) if config.init_from and Path(config.init_from).suffix == ".onnx" else []
    if config.init_from and not resume:  # before the cuts: a wrong path fails at once, not after their 25 minutes
        _load_initial_weights(model, Path(config.init_from))
    log(f"generating {config.train_cuts} training and {config.val_cuts} validation cuts")
    train_data, _ = _make_cuts(config, 0, config.train_cuts, log)
    val_data, val_frames = _make_cuts(config, config.train_cuts, config.val_cuts, log, keep_frames=True)
    warps = _make_warp_groups(config, log) if config.warp_share > 0 else None
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, config.lr, total_steps=config.steps, pct_start=0.1)
    checkpoint = out_dir / CHECKPOINT
    step, val = 0, float("nan")
    if resume:
        state = resume_checkpoint(checkpoint, config, model, optimizer, scheduler)
        step, val = int(state["step"]), float(state["val"])
        log(f"resumed at step {step}")
    bar = tqdm(total=config.steps, initial=step, disable=quiet, desc="train part field", unit="step", dynamic_ncols=True)
    with open(out_dir / "train.log", "a") as log_file:
        while step < min(config.steps, stop_at or config.steps):
            model.train()
            for norm in frozen_norms:
                norm.eval()
            rng = np.random.default_rng([config.seed, step])  # batches depend on (seed, step) only: exact resume
            loss = _step_loss(model, train_data, config, rng, warps)
            optimizer.zero_grad(set_to_none=True)
            if loss is not None:
                loss.backward()
                optimizer.step()
            scheduler.step()  # also on a skipped step: the schedule stays a function of the step
            step += 1
            record = {"step": step, "loss": None if loss is None else round(loss.item(), 5)}
            if step % config.eval_every == 0 or step == config.steps:
                val = top1_color(_torch_embed(model), val_data, val_frames)
                record["val_top1_color"] = round(val, 4)
            record["elapsed_s"] = round(time.perf_counter() - started, 1)
            log_file.write(json.dumps(record) + "\n")
            log_file.flush()
            bar.set_postfix(loss="skipped" if loss is None else f"{loss.item():.3f}", val=f"{val:.3f}")
            bar.update(1)
            if step % config.checkpoint_every == 0 or step == config.steps or step == stop_at:
                save_checkpoint(checkpoint, model, optimizer, scheduler, step=step, config=config, val=val)
    bar.close()
    if step < config.steps:
        log(f"stopped at step {step} of {config.steps}; continue with --resume")
        return None
    sample = val_data.inputs[0, :1].astype(np.float32) * (1.0 / 255.0)
    fp32 = _export(model, config, out_dir / f"{config.name}.onnx", sample)
    val_fp32 = top1_color(_onnx_embed(fp32), val_data, val_frames)
    metrics = {"val_top1_color": round(val_fp32, 4), "val_top1_color_torch": round(val, 4), "steps": config.steps,
               "train_cuts": config.train_cuts, "val_cuts": config.val_cuts, "seconds": round(time.perf_counter() - started)}
    weights = _describe(fp32, config, stored="float32", train_command=train_command, metrics=metrics)
    log(f"exported {fp32} (validation top-1 color {val_fp32:.4f})")
    if config.store_float16:
        fp16 = store_float16(fp32, out_dir / f"{config.name}-fp16.onnx", min_elements=256)
        val_fp16 = top1_color(_onnx_embed(fp16), val_data, val_frames)
        log(f"float16-stored validation top-1 color {val_fp16:.4f}")
        if val_fp16 >= val_fp32 - 0.005:
            weights = _describe(fp16, config, stored="float16", train_command=train_command, metrics={**metrics, "val_top1_color": round(val_fp16, 4)})
        else:
            fp16.unlink(missing_ok=True)
    return weights
