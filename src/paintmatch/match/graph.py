"""Second matching: graph matching of the leftover components as a quadratic assignment (pygmtools).

The affinity follows Do et al. (DESIGN.md): for target nodes i1, i2 and reference nodes j1, j2,

    Q_shape(i, j) = exp(-gamma / 2 * D(f_t_i, f_r_j)),  D = ||a - b||^2 / max(||a||^2, ||b||^2)
    Q_node = Q_shape(i1, j1) * Q_shape(i2, j2)
    Q_area = exp(-beta * |a_i1 a_i2 - a_j1 a_j2| / max(a_i1 a_i2, a_j1 a_j2))
    Q_dist = exp(-beta * |d(i1, i2) - d(j1, j2)| / max(d(i1, i2), d(j1, j2)))
    K = w_shape * Q_node + w_area * Q_area + w_dist * Q_dist

restricted to candidate pairs (top-k reference candidates per target node; anchors fixed to their
first-stage match) and solved with pygmtools' classic solvers (numpy backend), then Hungarian.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

import numpy as np

__all__ = ["SOLVERS", "GraphProblem", "normalized_distance", "build_affinity", "solve_graph_matching"]

SOLVERS = ("rrwm", "ipfp", "sm", "hungarian")


def normalized_distance(f_a: np.ndarray, f_b: np.ndarray) -> np.ndarray:
    """Equation (1) of Do et al.: ``||a - b||^2 / max(||a||^2, ||b||^2)`` for all pairs.

    Parameters
    ----------
    f_a : (n, D) ndarray of float
    f_b : (m, D) ndarray of float

    Returns
    -------
    (n, m) ndarray of float64, in [0, 4] (0 for identical vectors).
    """
    f_a = np.asarray(f_a, dtype=np.float64)
    f_b = np.asarray(f_b, dtype=np.float64)
    sq_a = (f_a**2).sum(axis=1)
    sq_b = (f_b**2).sum(axis=1)
    d2 = np.maximum(sq_a[:, None] + sq_b[None, :] - 2.0 * f_a @ f_b.T, 0.0)
    return d2 / np.maximum(np.maximum(sq_a[:, None], sq_b[None, :]), 1e-12)


@dataclass
class GraphProblem:
    """A graph-matching sub-problem: n1 target nodes against n2 reference nodes.

    Attributes
    ----------
    feature_distance : (n1, n2) ndarray of float64
        Equation (1) between every target node and reference node.
    areas_t, areas_r : (n1,), (n2,) ndarray of float64
        Component areas (any common unit).
    centers_t, centers_r : (n1, 2), (n2, 2) ndarray of float64
        Component centres (any common unit).
    allowed : (n1, n2) ndarray of bool
        Candidate pairs; everything else has zero affinity and is never chosen.
    """

    feature_distance: np.ndarray
    areas_t: np.ndarray
    areas_r: np.ndarray
    centers_t: np.ndarray
    centers_r: np.ndarray
    allowed: np.ndarray


def _relative_similarity(x: np.ndarray, y: np.ndarray, beta: float) -> np.ndarray:
    return np.exp(-beta * np.abs(x - y) / np.maximum(np.maximum(x, y), 1e-12))


def build_affinity(
    problem: GraphProblem,
    *,
    weights: tuple[float, float, float] = (0.55, 0.15, 0.30),
    gamma: float = 4.0,
    beta: float = 2.0,
) -> np.ndarray:
    """The (n1*n2, n1*n2) affinity matrix K of the quadratic assignment.

    Index of the assignment (target i, reference j) is ``j * n1 + i`` (pygmtools' column-major
    convention). The diagonal holds the unary term (the same formula with i1 = i2, j1 = j2).

    Returns
    -------
    K : (n1*n2, n1*n2) ndarray of float64, symmetric, >= 0.
    """
    w_shape, w_area, w_dist = weights
    n1, n2 = problem.allowed.shape
    q_shape = np.exp(-gamma / 2.0 * problem.feature_distance) * problem.allowed  # (n1, n2)
    # Index arrays [i1, j1, i2, j2] via broadcasting; final layout (j1, i1, j2, i2) for pygmtools.
    q_node = q_shape[:, :, None, None] * q_shape[None, None, :, :]
    area_t = problem.areas_t[:, None] * problem.areas_t[None, :]  # (n1, n1)
    area_r = problem.areas_r[:, None] * problem.areas_r[None, :]  # (n2, n2)
    q_area = _relative_similarity(area_t[:, None, :, None], area_r[None, :, None, :], beta)
    dist_t = np.linalg.norm(problem.centers_t[:, None] - problem.centers_t[None], axis=2)
    dist_r = np.linalg.norm(problem.centers_r[:, None] - problem.centers_r[None], axis=2)
    q_dist = _relative_similarity(dist_t[:, None, :, None], dist_r[None, :, None, :], beta)
    affinity = w_shape * q_node + w_area * q_area + w_dist * q_dist
    # One-to-one: a target node cannot take two references (and vice versa) -> zero those entries.
    same_i = np.eye(n1, dtype=bool)[:, None, :, None]
    same_j = np.eye(n2, dtype=bool)[None, :, None, :]
    conflict = (same_i & ~same_j) | (~same_i & same_j)
    pair_ok = problem.allowed[:, :, None, None] & problem.allowed[None, None, :, :]
    affinity = np.where(conflict | ~pair_ok, 0.0, affinity)
    return affinity.transpose(1, 0, 3, 2).reshape(n1 * n2, n1 * n2)


def solve_graph_matching(
    problem: GraphProblem,
    *,
    method: str = "rrwm",
    weights: tuple[float, float, float] = (0.55, 0.15, 0.30),
    gamma: float = 4.0,
    beta: float = 2.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Solve the sub-problem; return the assignment and each node's soft score.

    Parameters
    ----------
    problem : GraphProblem
    method : {"rrwm", "ipfp", "sm", "hungarian"}
        pygmtools classic solver (numpy backend) followed by Hungarian; ``hungarian`` alone uses
        only the unary Q_shape (no graph term).

    Returns
    -------
    assignment : (n1,) ndarray of int64
        Reference node per target node, ``-1`` where none (more targets than references, or no
        allowed pair).
    score : (n1,) ndarray of float64
        The solver's soft assignment value of the chosen pair, normalised to [0, 1].

    Notes
    -----
    Never calls pygmtools' neural solvers or dataset helpers (they download weights/data).
    """
    if method not in SOLVERS:
        close = difflib.get_close_matches(method, SOLVERS, n=1)
        hint = f" Did you mean '{close[0]}'?" if close else ""
        raise ValueError(f"unknown graph solver '{method}'; known: {', '.join(SOLVERS)}.{hint}")
    import pygmtools

    n1, n2 = problem.allowed.shape
    if n1 == 0 or n2 == 0:
        return np.full(n1, -1, dtype=np.int64), np.zeros(n1)
    if method == "hungarian":
        soft = np.exp(-gamma / 2.0 * problem.feature_distance) * problem.allowed
    else:
        affinity = build_affinity(problem, weights=weights, gamma=gamma, beta=beta)
        solver = {"rrwm": pygmtools.rrwm, "ipfp": pygmtools.ipfp, "sm": pygmtools.sm}[method]
        # ipfp divides by a step size that can be 0/0 once converged; the NaNs are cleaned below.
        with np.errstate(invalid="ignore", divide="ignore"):
            soft = np.asarray(solver(affinity, n1, n2, backend="numpy"), dtype=np.float64)
        soft = np.nan_to_num(soft, nan=0.0, posinf=0.0, neginf=0.0)
        soft = np.where(problem.allowed, soft, 0.0)
    binary = np.asarray(pygmtools.hungarian(soft, n1, n2, backend="numpy"))
    assignment = np.where(binary.any(axis=1), binary.argmax(axis=1), -1).astype(np.int64)
    assignment[(assignment >= 0) & ~problem.allowed[np.arange(n1), np.maximum(assignment, 0)]] = -1
    row_max = np.maximum(soft.max(axis=1), 1e-12)
    score = np.where(assignment >= 0, soft[np.arange(n1), np.maximum(assignment, 0)] / row_max, 0.0)
    return assignment, np.clip(score, 0.0, 1.0)
