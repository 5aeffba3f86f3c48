"""The training loop: InfoNCE on matched components, validation top-1, checkpoints, export."""

from __future__ import annotations

import hashlib
import json
import math
import os
import pickle
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch
from torch import nn

from paintmatch.errors import InputError
from paintmatch.features import ModelWeights, get_architecture
from paintmatch.train.config import TrainConfig
from paintmatch.train.data import FramePair, build_pairs
from paintmatch.train.export import export_onnx, onnx_embed, quantize_int8, store_float16, write_description
from paintmatch.train.model import EmbeddingNet, build_model

__all__ = ["TrainResult", "train", "top1_accuracy", "info_nce", "save_checkpoint", "resume_checkpoint"]

CHECKPOINT = "checkpoint.pt"


@dataclass
class TrainResult:
    """What a training run produced.

    Attributes
    ----------
    weights : ModelWeights
        The fp32 model's description (``.json`` beside its ``.onnx``).
    int8 : ModelWeights or None
        The int8 model, when asked for and its accuracy held.
    val_top1 : float
        Validation nearest-neighbour top-1 accuracy of the fp32 ONNX model.
    seconds : float
        Wall time of this invocation.
    fp16 : ModelWeights or None
        The float16-stored model (``store_float16``), when asked for and its accuracy held.
    """

    weights: ModelWeights
    int8: ModelWeights | None
    val_top1: float
    seconds: float
    fp16: ModelWeights | None = None


def info_nce(
    anchors: torch.Tensor, positives: torch.Tensor, temperature: float, negatives: torch.Tensor | None = None
) -> torch.Tensor:
    """Symmetric InfoNCE: row i of ``anchors`` (m, D) must pick row i of ``positives`` (m, D).

    Every other positive is a negative, and so is every row of ``negatives`` (k, D) (more
    components of the same frames: the hard ones). The reverse direction (each positive picks
    its anchor) is averaged in.
    """
    target = torch.arange(anchors.shape[0])
    candidates = positives if negatives is None else torch.cat([positives, negatives])
    forward = nn.functional.cross_entropy(anchors @ candidates.T / temperature, target)
    backward = nn.functional.cross_entropy(positives @ anchors.T / temperature, target)
    return 0.5 * (forward + backward)


def _as_float(crops: np.ndarray) -> np.ndarray:
    return crops.astype(np.float32) * (1.0 / 255.0)


def top1_accuracy(embed: Callable[[np.ndarray], np.ndarray], pairs: list[FramePair]) -> float:
    """Share of matched B components whose nearest A component (cosine) is their match.

    The nearest neighbour is searched among ALL components of frame A, as the matcher does.
    """
    correct = total = 0
    for pair in pairs:
        emb_a = embed(_as_float(pair.crops_a))
        emb_b = embed(_as_float(pair.crops_b[pair.matches[:, 1]]))
        nearest = np.argmax(emb_b @ emb_a.T, axis=1)
        correct += int(np.count_nonzero(nearest == pair.matches[:, 0]))
        total += len(pair.matches)
    return correct / max(total, 1)


def _torch_embedder(model: EmbeddingNet) -> Callable[[np.ndarray], np.ndarray]:
    def embed(crops: np.ndarray) -> np.ndarray:
        model.eval()
        with torch.no_grad():
            return torch.cat([model(torch.from_numpy(crops[i : i + 256])) for i in range(0, len(crops), 256)]).numpy()

    return embed


def _batch(pairs: list[FramePair], config: TrainConfig, step: int) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Anchors (frame B), positives (frame A) and extra same-frame negatives (frame A) of one step.

    A function of (seed, step) only, so an interrupted run resumes exactly.
    """
    rng = np.random.default_rng([config.seed, 1, step])
    anchors, positives, negatives = [], [], []
    for index in rng.choice(len(pairs), size=min(config.batch_pairs, len(pairs)), replace=False):
        pair = pairs[int(index)]
        take = rng.choice(len(pair.matches), size=min(config.batch_components, len(pair.matches)), replace=False)
        chosen = pair.matches[take]
        positives.append(pair.crops_a[chosen[:, 0]])
        anchors.append(pair.crops_b[chosen[:, 1]])
        others = np.setdiff1d(np.arange(len(pair.crops_a)), chosen[:, 0])
        if config.batch_negatives and len(others):
            extra = rng.choice(others, size=min(config.batch_negatives, len(others)), replace=False)
            negatives.append(pair.crops_a[extra])
    shape = (0,) + pairs[0].crops_a.shape[1:]
    stack = [np.concatenate(x) if x else np.zeros(shape, np.uint8) for x in (anchors, positives, negatives)]
    return tuple(torch.from_numpy(_as_float(x)) for x in stack)  # type: ignore[return-value]


def _data_key(config: TrainConfig) -> str:
    relevant = {k: config.to_dict()[k] for k in ("crop_size", "channels", "context", "seed", "train", "val")}
    return hashlib.sha256(json.dumps(relevant, sort_keys=True).encode()).hexdigest()[:16]


def _load_data(config: TrainConfig, out_dir: Path, log: Callable[[str], None]) -> tuple[list[FramePair], list[FramePair]]:
    """Training and validation pairs, cached in ``out_dir`` (a resumed run reuses them)."""
    cache = out_dir / f"data-{_data_key(config)}.pkl"
    if cache.exists():
        with open(cache, "rb") as handle:
            return pickle.load(handle)
    started = time.perf_counter()
    train_pairs = build_pairs(config.train, config, seed=config.seed, work_dir=out_dir, progress=log)
    val_pairs = build_pairs(config.val, config, seed=config.seed + 1_000_003, work_dir=out_dir, progress=log)
    log(
        f"data: {len(train_pairs)} training pairs ({sum(len(p.matches) for p in train_pairs)} matches), "
        f"{len(val_pairs)} validation pairs, {time.perf_counter() - started:.1f} s"
    )
    tmp = cache.with_suffix(".tmp")
    with open(tmp, "wb") as handle:
        pickle.dump((train_pairs, val_pairs), handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, cache)
    return train_pairs, val_pairs


def _lr_factor(step: int, total: int) -> float:
    warmup = max(1, total // 20)
    if step < warmup:
        return (step + 1) / warmup
    return 0.5 * (1.0 + math.cos(math.pi * (step - warmup) / max(1, total - warmup)))


def save_checkpoint(path: Path, model, optimizer, scheduler, *, step: int, config, **extra) -> None:
    """Write model, optimiser and schedule state, ``step``, ``config.to_dict()`` and ``extra`` to ``path`` atomically."""
    tmp = path.with_suffix(".tmp")
    torch.save(
        {
            "model": model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict(),
            "step": step,
            "config": config.to_dict(),
            **extra,
        },
        tmp,
    )
    os.replace(tmp, path)


def resume_checkpoint(path: Path, config, model, optimizer, scheduler) -> dict:
    """Load a ``save_checkpoint`` file into ``model``, ``optimizer`` and ``scheduler``; returns the whole state.

    Raises
    ------
    InputError
        If there is no checkpoint, or it was made with another config.
    """
    if not path.exists():
        raise InputError(f"--resume: no checkpoint at {path}; start without --resume")
    state = torch.load(path, weights_only=False)
    if state["config"] != config.to_dict():
        raise InputError(f"--resume: {path} was made with a different config; use the same config or a new --out")
    model.load_state_dict(state["model"])
    optimizer.load_state_dict(state["optimizer"])
    scheduler.load_state_dict(state["scheduler"])
    return state


def train(
    config: TrainConfig,
    out_dir: str | Path,
    *,
    resume: bool = False,
    stop_at: int | None = None,
    train_command: str = "",
    quiet: bool = False,
    log: Callable[[str], None] = print,
) -> TrainResult | None:
    """Train the embedding network, export it to ONNX and describe it.

    Parameters
    ----------
    config : TrainConfig
    out_dir : str or Path
        Receives ``<name>.onnx`` + ``<name>.json`` (and ``<name>-int8.*`` when quantised),
        ``checkpoint.pt``, ``train.log`` (JSON lines) and the cached data.
    resume : bool
        Continue from ``out_dir/checkpoint.pt`` (the same config is required).
    stop_at : int, optional
        Stop after this step with a checkpoint, as an interrupted run would (continue later with
        ``resume=True``); the learning-rate schedule still follows ``config.steps``.
    train_command : str
        Recorded in the description, for the "train it again" hint of missing weights.
    quiet : bool
        No progress bar.
    log : callable
        Receives progress messages.

    Returns
    -------
    TrainResult or None
        ``None`` when stopped early by ``stop_at``.

    Raises
    ------
    InputError
        For a resume without a checkpoint or with a different config, or unusable data.
    """
    from tqdm import tqdm

    started = time.perf_counter()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(config.threads)
    torch.manual_seed(config.seed)
    torch.use_deterministic_algorithms(True)

    train_pairs, val_pairs = _load_data(config, out_dir, log)
    arch = get_architecture(config.backbone)
    model = build_model(arch, len(config.channels), config.embedding_dim)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config.lr, weight_decay=config.weight_decay)
    scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lambda s: _lr_factor(s, config.steps))
    checkpoint_path = out_dir / CHECKPOINT
    step, history = 0, []
    if resume:
        state = resume_checkpoint(checkpoint_path, config, model, optimizer, scheduler)
        step, history = int(state["step"]), list(state["history"])
        log(f"resumed at step {step}")

    log_file = open(out_dir / "train.log", "a")
    val_top1 = history[-1]["val_top1"] if history else float("nan")
    bar = tqdm(total=config.steps, initial=step, disable=quiet, desc="train", unit="step", dynamic_ncols=True)
    try:
        while step < min(config.steps, stop_at or config.steps):
            model.train()
            anchors, positives, negatives = _batch(train_pairs, config, step)
            embeddings = model(torch.cat([anchors, positives, negatives]))
            m = len(anchors)
            loss = info_nce(embeddings[:m], embeddings[m : 2 * m], config.temperature, embeddings[2 * m :])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            step += 1
            record = {"step": step, "loss": round(loss.item(), 5), "lr": scheduler.get_last_lr()[0]}
            if step % config.eval_every == 0 or step == config.steps:
                val_top1 = top1_accuracy(_torch_embedder(model), val_pairs)
                record["val_top1"] = round(val_top1, 4)
                history.append({"step": step, "val_top1": val_top1})
            record["elapsed_s"] = round(time.perf_counter() - started, 1)
            log_file.write(json.dumps(record) + "\n")
            log_file.flush()
            bar.set_postfix(loss=f"{loss.item():.3f}", val_top1=f"{val_top1:.3f}")
            bar.update(1)
            if step % config.checkpoint_every == 0 or step == config.steps or step == stop_at:
                save_checkpoint(checkpoint_path, model, optimizer, scheduler, step=step, config=config, history=history)
    finally:
        bar.close()
        log_file.close()
    if step < config.steps:
        log(f"stopped at step {step} of {config.steps}; continue with --resume")
        return None

    # Export, check, (quantise), describe.
    model.eval()
    val_crops = np.concatenate([_as_float(p.crops_a) for p in val_pairs])
    rng = np.random.default_rng(config.seed)
    sample = val_crops[rng.choice(len(val_crops), size=min(64, len(val_crops)), replace=False)]
    fp32_path = export_onnx(model, config, out_dir / f"{config.name}.onnx", sample=sample)
    val_fp32 = top1_accuracy(lambda c: onnx_embed(fp32_path, c), val_pairs)
    torch_val = history[-1]["val_top1"]  # validated at the last step (config.steps is always validated)
    seconds = time.perf_counter() - started
    metrics = {
        "val_top1": round(val_fp32, 4),
        "val_top1_torch": round(torch_val, 4),
        "steps": config.steps,
        "train_pairs": len(train_pairs),
        "val_pairs": len(val_pairs),
        "val_matches": int(sum(len(p.matches) for p in val_pairs)),
        "stem_stride": arch.stem_stride,
    }
    weights = write_description(fp32_path, config, quantized=False, train_command=train_command, metrics=metrics)
    log(f"exported {fp32_path} (val top-1 {val_fp32:.4f})")
    int8 = None
    if config.quantize:
        train_crops = np.concatenate([_as_float(p.crops_a) for p in train_pairs[: max(1, 512 // 100)]])
        calibration = train_crops[rng.choice(len(train_crops), size=min(512, len(train_crops)), replace=False)]
        int8_path = quantize_int8(fp32_path, out_dir / f"{config.name}-int8.onnx", calibration)
        val_int8 = top1_accuracy(lambda c: onnx_embed(int8_path, c), val_pairs)
        log(f"int8 val top-1 {val_int8:.4f} (fp32 {val_fp32:.4f})")
        if val_int8 >= val_fp32 - config.quantize_tolerance:
            int8 = write_description(
                int8_path, config, quantized=True, train_command=train_command, metrics={**metrics, "val_top1": round(val_int8, 4)}
            )
        else:
            log(f"int8 model dropped: its accuracy fell by more than {config.quantize_tolerance}")
            int8_path.unlink(missing_ok=True)
    fp16 = None
    if config.store_float16:
        fp16_path = store_float16(fp32_path, out_dir / f"{config.name}-fp16.onnx")
        val_fp16 = top1_accuracy(lambda c: onnx_embed(fp16_path, c), val_pairs)
        log(f"float16-stored val top-1 {val_fp16:.4f} (fp32 {val_fp32:.4f})")
        if val_fp16 >= val_fp32 - config.quantize_tolerance:
            fp16 = write_description(
                fp16_path, config, quantized=False, stored="float16", train_command=train_command,
                metrics={**metrics, "val_top1": round(val_fp16, 4)},
            )
        else:
            log(f"float16-stored model dropped: its accuracy fell by more than {config.quantize_tolerance}")
            fp16_path.unlink(missing_ok=True)
    return TrainResult(weights=weights, int8=int8, fp16=fp16, val_top1=val_fp32, seconds=seconds)

