"""``paintmatch train``: train the appearance-feature network and export it to ONNX."""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

__all__ = ["add_arguments", "run"]


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Declare the command's arguments."""
    parser.add_argument("--config", required=True, type=Path, help="training config (configs/<name>.yaml)")
    parser.add_argument("--out", "-o", type=Path, help="output folder for the .onnx/.json, checkpoint and log (default: runs/<config name>)")
    parser.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    parser.add_argument("--steps", type=int, help="override the config's number of steps")
    parser.add_argument("--stop-at", type=int, metavar="STEP", help="stop after STEP with a checkpoint (continue later with --resume)")
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bar")


def run(args: argparse.Namespace) -> int:
    """Train, export, and print where the model is. Returns the exit code."""
    try:
        import torch  # noqa: F401
        import torchvision  # noqa: F401
        import onnx  # noqa: F401
    except ImportError:
        from paintmatch.errors import MissingExtraError

        raise MissingExtraError("paintmatch train", "train") from None
    from paintmatch.train import load_config, train
    from paintmatch.train.config import read_yaml

    overrides = {"steps": args.steps} if args.steps is not None else {}
    out = args.out or Path("runs") / args.config.stem
    command = f"paintmatch train --config {shlex.quote(str(args.config))} --out {shlex.quote(str(out))}"
    if args.steps is not None:
        command += f" --steps {args.steps}"
    log = (lambda message: None) if args.quiet else (lambda message: print(message, file=sys.stderr))
    raw = read_yaml(args.config)
    if raw.get("kind") == "color-choice":
        from paintmatch.train.color_choice import load_color_choice_config, train_color_choice

        config = load_color_choice_config({**raw}, args.config)
        weights = train_color_choice(config, out, train_command=command, log=log)
        print(f"color-choice model: {weights.onnx_path} (validation: {weights.metrics['val_right_without']:.4f} of the "
              f"components right without it, {weights.metrics['val_right_with']:.4f} with it)")
        return 0
    if raw.get("kind") == "part-field":
        from paintmatch.train.part_field import load_part_field_config, train_part_field

        config = load_part_field_config({**raw, **overrides}, args.config)
        weights = train_part_field(config, out, resume=args.resume, stop_at=args.stop_at, train_command=command, quiet=args.quiet, log=log)
        if weights is None:
            print(f"stopped at step {args.stop_at}: continue with {command} --resume")
            return 0
        print(f"part-field model: {weights.onnx_path} (validation top-1 color {weights.metrics['val_top1_color']:.4f})")
        return 0
    config = load_config(args.config, **overrides)
    result = train(config, out, resume=args.resume, stop_at=args.stop_at, train_command=command, quiet=args.quiet, log=log)
    if result is None:
        print(f"stopped at step {args.stop_at}: continue with {command} --resume")
        return 0
    print(f"model: {result.weights.onnx_path} (val top-1 {result.val_top1:.4f}, {result.seconds:.0f} s)")
    if result.int8 is not None:
        print(f"int8 model: {result.int8.onnx_path} (val top-1 {result.int8.metrics['val_top1']:.4f})")
    if result.fp16 is not None:
        print(f"float16-stored model: {result.fp16.onnx_path} (val top-1 {result.fp16.metrics['val_top1']:.4f})")
    return 0
