"""The bundled example cut (``examples/demo-cut``), made by paintmatch's own synthetic generator.

``python -m paintmatch.example examples/demo-cut`` regenerates it (deterministic by seed): line art for
every frame, and only frame 0000 colored, as a painter would hand it over.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

__all__ = ["EXAMPLE_SEED", "make_example"]

EXAMPLE_SEED = 2020
EXAMPLE_FRAMES = 6
EXAMPLE_SIZE = 512


def make_example(out_dir: str | Path, *, seed: int = EXAMPLE_SEED, frames: int = EXAMPLE_FRAMES, size: int = EXAMPLE_SIZE) -> Path:
    """Write the example cut into ``out_dir`` (replaced): ``line/`` for every frame, ``gt/0000.png``.

    Returns
    -------
    Path
        The cut folder.
    """
    from paintmatch.synth import generate_cut

    out = Path(out_dir)
    with tempfile.TemporaryDirectory() as scratch:
        cut = Path(generate_cut(Path(scratch) / "cut", frames=frames, seed=seed, size=size))
        staging = out.with_name(f".{out.name}.tmp")
        shutil.rmtree(staging, ignore_errors=True)
        (staging / "gt").mkdir(parents=True)
        shutil.copytree(cut / "line", staging / "line")
        first = sorted((cut / "gt").glob("*.png"))[0]
        shutil.copy(first, staging / "gt" / first.name)
        shutil.rmtree(out, ignore_errors=True)
        staging.rename(out)
    return out


def main(argv: list[str] | None = None) -> int:
    """Regenerate the example cut."""
    parser = argparse.ArgumentParser(prog="python -m paintmatch.example", description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path, nargs="?", default=Path("examples/demo-cut"))
    args = parser.parse_args(argv)
    print(f"example cut: {make_example(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
