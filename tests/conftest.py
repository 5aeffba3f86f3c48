"""Shared fixtures: real line art is read from ../shared (never copied into the repo)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = ROOT.parent / "shared" / "data" / "basicpbc"
if not SHARED_DATA.exists():  # the project checkout may live elsewhere: look beside it and at /work/shared
    SHARED_DATA = Path("/work/shared/data/basicpbc")


@pytest.fixture(scope="session")
def basicpbc() -> Path:
    """Folder of the real BasicPBC line art (laughing_girl, smoke_explosion, assets)."""
    if not SHARED_DATA.exists():
        pytest.fail(f"real test data not found at {SHARED_DATA}: the tests read ../shared/data/basicpbc")
    return SHARED_DATA


def load_rgba(path: Path) -> np.ndarray:
    """(H, W, 4) uint8 RGBA via Pillow (independent of paintmatch.io)."""
    with Image.open(path) as image:
        return np.array(image.convert("RGBA"))


@pytest.fixture(scope="session")
def laughing_girl(basicpbc: Path) -> tuple[list[np.ndarray], np.ndarray]:
    """(line frames 0000-0003, colored frame 0000) of laughing_girl, RGBA uint8."""
    root = basicpbc / "laughing_girl"
    lines = [load_rgba(root / "line" / f"{i:04d}.png") for i in range(4)]
    return lines, load_rgba(root / "gt" / "0000.png")


def benchmark_module(name: str) -> ModuleType:
    """The script ``benchmarks/<name>.py`` loaded as a module (benchmarks/ is not a package)."""
    qualified = f"benchmarks_{name}"  # registered (dataclasses look their module up) under a name no package uses
    spec = importlib.util.spec_from_file_location(qualified, ROOT / "benchmarks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[qualified] = module
    spec.loader.exec_module(module)
    return module


def corrupt_copy(weights, folder: Path) -> Path:
    """A copy of shipped weights (``ModelWeights``) in ``folder`` with one byte of the ONNX file changed; its ``.json``."""
    import shutil

    copy = folder / weights.file
    shutil.copy(weights.onnx_path, copy)
    shutil.copy(weights.path, copy.with_suffix(".json"))
    data = bytearray(copy.read_bytes())
    data[-10] ^= 0x01
    copy.write_bytes(bytes(data))
    return copy.with_suffix(".json")
