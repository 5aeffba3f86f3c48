"""Closed outlines of the primitive shapes characters are built from: (k, 2) float64 arrays of (x, y)."""

from __future__ import annotations

import numpy as np

__all__ = ["ellipse", "capsule", "strand", "band", "quad_bezier", "rotate", "lens"]


def ellipse(cx: float, cy: float, rx: float, ry: float, *, angle: float = 0.0, n: int = 40) -> np.ndarray:
    """(n, 2) outline of an ellipse centred at (cx, cy) with radii (rx, ry), rotated by ``angle`` radians."""
    t = np.linspace(0.0, 2.0 * np.pi, n, endpoint=False)
    points = np.stack([rx * np.cos(t), ry * np.sin(t)], axis=1)
    return rotate(points, angle) + (cx, cy)


def rotate(points: np.ndarray, angle: float, center: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
    """(k, 2) points rotated by ``angle`` radians about ``center``."""
    c, s = np.cos(angle), np.sin(angle)
    shifted = points - center
    return np.stack([c * shifted[:, 0] - s * shifted[:, 1], s * shifted[:, 0] + c * shifted[:, 1]], axis=1) + center


def capsule(p0: tuple[float, float], p1: tuple[float, float], r0: float, r1: float, *, n: int = 12) -> np.ndarray:
    """Outline of a tapered limb from ``p0`` (radius ``r0``) to ``p1`` (radius ``r1``), round at both ends."""
    a = np.asarray(p0, dtype=np.float64)
    b = np.asarray(p1, dtype=np.float64)
    d = b - a
    base = np.arctan2(d[1], d[0])
    # Half circle around b from +normal through the tip, then around a from -normal through the back.
    t1 = base + np.linspace(np.pi / 2, -np.pi / 2, n)
    t0 = base + np.linspace(-np.pi / 2, -3 * np.pi / 2, n)
    end = b + r1 * np.stack([np.cos(t1), np.sin(t1)], axis=1)
    start = a + r0 * np.stack([np.cos(t0), np.sin(t0)], axis=1)
    return np.concatenate([end, start], axis=0)


def quad_bezier(p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, n: int) -> np.ndarray:
    """(n, 2) points of the quadratic Bezier curve p0 -> p2 with control point p1 (both ends included)."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    return (1 - t) ** 2 * p0 + 2 * (1 - t) * t * p1 + t**2 * p2


def strand(
    root_left: tuple[float, float],
    root_right: tuple[float, float],
    tip: tuple[float, float],
    *,
    bend: float = 0.0,
    n: int = 10,
) -> np.ndarray:
    """Outline of a hair strand: two curved edges from the roots meeting at a pointed tip.

    ``bend`` pushes both edges sideways (in units of the root width), curling the strand.
    """
    left = np.asarray(root_left, dtype=np.float64)
    right = np.asarray(root_right, dtype=np.float64)
    tip_ = np.asarray(tip, dtype=np.float64)
    width = float(np.hypot(*(right - left)))
    axis = tip_ - (left + right) / 2
    normal = np.array([-axis[1], axis[0]]) / max(float(np.hypot(*axis)), 1e-6)
    offset = normal * bend * width
    c_left = (left + tip_) / 2 + offset - normal * 0.25 * width
    c_right = (right + tip_) / 2 + offset + normal * 0.25 * width
    edge_left = quad_bezier(left, c_left, tip_, n)
    edge_right = quad_bezier(tip_, c_right, right, n)[1:]
    root = quad_bezier(right, (left + right) / 2 - axis * 0.08, left, 5)[1:-1]
    return np.concatenate([edge_left, edge_right, root], axis=0)


def band(p0: tuple[float, float], p1: tuple[float, float], width: float) -> np.ndarray:
    """(4, 2) rectangle of ``width`` along the segment p0 -> p1 (a stripe, a strap)."""
    a = np.asarray(p0, dtype=np.float64)
    b = np.asarray(p1, dtype=np.float64)
    d = b - a
    normal = np.array([-d[1], d[0]]) / max(float(np.hypot(*d)), 1e-6) * width / 2
    return np.stack([a + normal, b + normal, b - normal, a - normal])


def lens(p0: tuple[float, float], p1: tuple[float, float], bulge_top: float, bulge_bottom: float, *, n: int = 12) -> np.ndarray:
    """Outline between two curves from ``p0`` to ``p1`` bulging up by ``bulge_top`` and down by ``bulge_bottom``.

    An eye opening, a mouth, an eyebrow (negative bulges bend the other way).
    """
    a = np.asarray(p0, dtype=np.float64)
    b = np.asarray(p1, dtype=np.float64)
    mid = (a + b) / 2
    d = b - a
    up = np.array([d[1], -d[0]]) / max(float(np.hypot(*d)), 1e-6)
    top = quad_bezier(a, mid + up * 2 * bulge_top, b, n)
    bottom = quad_bezier(b, mid - up * 2 * bulge_bottom, a, n)[1:-1]
    return np.concatenate([top, bottom], axis=0)
