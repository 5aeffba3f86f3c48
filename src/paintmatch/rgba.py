"""RGBA colors as single numbers: one 32-bit key per color, for grouping and lookup tables."""

from __future__ import annotations

import numpy as np

__all__ = ["pack_rgba", "unpack_rgba"]


def pack_rgba(colors: np.ndarray) -> np.ndarray:
    """(...,) uint32 keys ``R << 24 | G << 16 | B << 8 | A`` of (..., 4) uint8 colors.

    Equal colors give equal keys and the keys sort like (R, G, B, A) tuples.
    """
    c = np.asarray(colors).astype(np.uint32)
    return c[..., 0] << 24 | c[..., 1] << 16 | c[..., 2] << 8 | c[..., 3]


def unpack_rgba(keys: np.ndarray) -> np.ndarray:
    """(..., 4) uint8 colors of ``pack_rgba`` keys."""
    k = np.asarray(keys, dtype=np.uint32)
    return np.stack([k >> 24, (k >> 16) & 255, (k >> 8) & 255, k & 255], axis=-1).astype(np.uint8)
