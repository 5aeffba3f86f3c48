"""Side-by-side contact sheets (line art | result) that a person can look at.

``python -m paintmatch.contact_sheet CUT OUT --out SHEET.png`` puts every line frame of CUT
beside its colored result in OUT, one row per frame, on a light checkerboard (so transparency
shows).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

import cv2
import numpy as np

__all__ = ["checkerboard", "over_checkerboard", "contact_sheet", "main"]


def checkerboard(height: int, width: int, *, cell: int = 16) -> np.ndarray:
    """(H, W, 3) uint8 light grey checkerboard."""
    ys, xs = np.indices((height, width))
    light = ((ys // cell + xs // cell) % 2).astype(bool)
    board = np.where(light[..., None], 245, 225).astype(np.uint8)
    return np.repeat(board, 3, axis=2)


def over_checkerboard(rgba: np.ndarray) -> np.ndarray:
    """(H, W, 3) uint8: RGBA composited over a checkerboard."""
    alpha = rgba[..., 3:4].astype(np.float32) / 255.0
    board = checkerboard(*rgba.shape[:2]).astype(np.float32)
    return np.round(rgba[..., :3] * alpha + board * (1.0 - alpha)).astype(np.uint8)


def contact_sheet(
    rows: Sequence[Sequence[np.ndarray]], *, tile: int = 320, labels: Sequence[str] | None = None
) -> np.ndarray:
    """Tile images into a sheet: one row per entry of ``rows``, each image scaled to ``tile`` px high.

    Parameters
    ----------
    rows : sequence of sequences of (H, W, 4) ndarray of uint8
        RGBA images; every row may hold several (e.g. line art, result).
    tile : int
        Height of each tile in pixels.
    labels : sequence of str, optional
        A caption per row, drawn in the top-left corner of its first tile.

    Returns
    -------
    (H, W, 4) ndarray of uint8
        The sheet, opaque.
    """
    rendered = []
    for r, row in enumerate(rows):
        tiles = []
        for image in row:
            scale = tile / image.shape[0]
            size = (max(1, round(image.shape[1] * scale)), tile)
            small = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
            tiles.append(over_checkerboard(small))
            tiles.append(np.full((tile, 4, 3), 255, np.uint8))
        strip = np.hstack(tiles[:-1])
        if labels is not None:
            cv2.putText(strip, labels[r], (6, 20), cv2.FONT_HERSHEY_SIMPLEX, 0.6, (40, 40, 40), 1, cv2.LINE_AA)
        rendered.append(strip)
    width = max(strip.shape[1] for strip in rendered)
    padded = [np.pad(s, ((0, 4), (0, width - s.shape[1]), (0, 0)), constant_values=255) for s in rendered]
    sheet = np.vstack(padded)
    return np.dstack([sheet, np.full(sheet.shape[:2], 255, np.uint8)])


def main(argv: list[str] | None = None) -> int:
    """Write the contact sheet of a colored cut: line art | result per frame."""
    from paintmatch.errors import PaintmatchError
    from paintmatch.io import read_cut, read_image, write_image

    parser = argparse.ArgumentParser(prog="python -m paintmatch.contact_sheet", description=__doc__.splitlines()[0])
    parser.add_argument("cut", type=Path, help="the cut folder (line/)")
    parser.add_argument("results", type=Path, help="the folder of colored frames")
    parser.add_argument("--out", type=Path, required=True, help="the sheet PNG to write")
    parser.add_argument("--tile", type=int, default=320, help="tile height in pixels")
    args = parser.parse_args(argv)
    try:
        files = read_cut(args.cut, require_colored=False)
        rows, names = [], []
        for line_path in files.line:
            result_path = args.results / f"{line_path.stem}.png"
            row = [read_image(line_path)]
            if result_path.exists():
                row.append(read_image(result_path))
            rows.append(row)
            names.append(line_path.stem)
        write_image(args.out, contact_sheet(rows, tile=args.tile, labels=names))
    except PaintmatchError as error:
        print(f"contact sheet: error: {error}", file=sys.stderr)
        return error.exit_code
    print(f"contact sheet: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
