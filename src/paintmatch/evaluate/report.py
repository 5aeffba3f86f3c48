"""Evaluation reports: a terminal table, JSON, Markdown, and contact sheets with wrong components in red."""

from __future__ import annotations

import math
import re
from typing import Sequence

import cv2
import numpy as np

from paintmatch.evaluate.metrics import CutScore, Summary

__all__ = [
    "COLUMNS",
    "format_table",
    "summary_rows",
    "cut_rows",
    "markdown_table",
    "markdown_report",
    "error_overlay",
    "evaluation_sheet",
    "sheet_file_name",
    "reference_headers",
    "reference_rows",
    "every_reference_cut_rows",
    "every_reference_markdown",
]

#: Report columns: metric key -> header.
COLUMNS: dict[str, str] = {
    "acc": "acc",
    "acc_thres": "acc_thres",
    "pix_acc": "pix_acc",
    "pix_acc_wobg": "pix_acc_wobg",
    "seconds": "s/frame",
}
OUTLINE_RGBA = (255, 0, 0, 255)


def _number(value: float | None, key: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.3f}" if key == "seconds" else f"{value:.4f}"


def format_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """Plain-text table with aligned columns (first column left-aligned, the others right-aligned)."""
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) if rows else len(str(h)) for i, h in enumerate(headers)]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(str(c).ljust(w) if i == 0 else str(c).rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    return "\n".join([line(headers), "  ".join("-" * w for w in widths), *(line(r) for r in rows)])


def summary_rows(summary: dict[str, Summary], *, by: str = "by_cut") -> list[list[str]]:
    """One row per method: name, the four metrics and seconds per frame (``by`` = "by_cut" or "by_frame")."""
    return [[method, *(_number(getattr(s, by).get(k), k) for k in COLUMNS)] for method, s in summary.items()]


def cut_rows(results: dict[str, list[CutScore]]) -> list[list[str]]:
    """One row per cut and method: cut, method, metrics, seconds per frame, frames scored."""
    rows = []
    by_cut: dict[str, list[tuple[str, CutScore]]] = {}
    for method, cuts in results.items():
        for cut in cuts:
            by_cut.setdefault(cut.cut, []).append((method, cut))
    for cut_name, entries in by_cut.items():
        for method, cut in entries:
            rows.append([cut_name, method, *(_number(cut.means.get(k), k) for k in COLUMNS), str(len(cut.frames))])
    return rows


def reference_headers(methods: Sequence[str]) -> list[str]:
    """Headers of ``reference_rows``: cut, reference, then one column per method."""
    return ["cut", "reference", *methods]


def reference_rows(evaluation) -> list[list[str]]:
    """One row per cut and reference of an ``EveryReferenceEvaluation``: ``acc_thres / pix_acc_wobg`` per method.

    Methods that could not run are left out; a run with nothing scored shows ``-``.
    """
    methods = [m for m in evaluation.methods if m in evaluation.results]
    runs: dict[tuple[str, str], dict[str, object]] = {}
    for method in methods:
        for cut in evaluation.results[method]:
            for run in cut.references:
                runs.setdefault((cut.cut, run.reference), {})[method] = run
    rows = []
    for (cut_name, reference), by_method in runs.items():
        cells = []
        for method in methods:
            run = by_method.get(method)
            means = run.means if run is not None else {}
            a, b = means.get("acc_thres"), means.get("pix_acc_wobg")
            cells.append(f"{_short(a)} / {_short(b)}")
        rows.append([cut_name, reference, *cells])
    return rows


def _short(value: float | None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.3f}"


def every_reference_cut_rows(results) -> list[list[str]]:
    """One row per cut and method of an every-reference run: metrics (mean over references), s/frame,
    references, frames scored."""
    rows = []
    by_cut: dict[str, list] = {}
    for method, cuts in results.items():
        for cut in cuts:
            by_cut.setdefault(cut.cut, []).append((method, cut))
    for cut_name, entries in by_cut.items():
        for method, cut in entries:
            rows.append([cut_name, method, *(_number(cut.means.get(k), k) for k in COLUMNS),
                         str(len(cut.references)), str(len(cut.frames))])
    return rows


def _report_head(evaluation, title: str, description: str) -> list[str]:
    """The lines every Markdown report starts with: title, what was scored, the overall table, methods not run."""
    parts = [f"# {title}", "", description, "",
             markdown_table(["method", *COLUMNS.values()], summary_rows(evaluation.summary)), ""]
    if evaluation.errors:
        parts.append("Methods that could not run:")
        parts += [f"- `{m}`: {why}" for m, why in evaluation.errors.items()]
        parts.append("")
    return parts


def every_reference_markdown(evaluation, *, title: str = "paintmatch evaluation, every reference") -> str:
    """The Markdown report of an ``EveryReferenceEvaluation``: overall, per cut and per reference tables."""
    headers = ["method", *COLUMNS.values()]
    cap = f" (at most {evaluation.max_references} per cut, evenly spaced)" if evaluation.max_references else ""
    parts = _report_head(
        evaluation, title,
        f"{len(evaluation.cuts)} cut(s); each frame{cap} in turn is the only colored frame, the cut is colored from "
        "it and every other frame is scored on the truth's regions. Means over the frames of a reference, then "
        "over references per cut, then over cuts.",
    )
    parts += ["## Mean over (cut, reference) runs", "",
              markdown_table(headers, summary_rows(evaluation.summary, by="by_reference")), ""]
    parts += ["## Mean over all scored frames", "",
              markdown_table(headers, summary_rows(evaluation.summary, by="by_frame")), ""]
    parts += ["## Per cut (mean over references)", "",
              markdown_table(["cut", *headers, "references", "frames"], every_reference_cut_rows(evaluation.results)), ""]
    methods = [m for m in evaluation.methods if m in evaluation.results]
    parts += ["## Per reference (acc_thres / pix_acc_wobg)", "",
              markdown_table(reference_headers(methods), reference_rows(evaluation)), ""]
    return "\n".join(parts)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """GitHub-flavoured Markdown table (numbers right-aligned)."""
    align = [":---"] + ["---:"] * (len(headers) - 1)
    lines = ["| " + " | ".join(headers) + " |", "| " + " | ".join(align) + " |"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def sheet_file_name(cut: str, method: str) -> str:
    """File name of the contact sheet of ``cut`` colored by ``method`` (safe characters only)."""
    safe = re.sub(r"[^A-Za-z0-9._-]+", "_", f"{cut}__{method}")
    return f"{safe}.png"


def markdown_report(
    evaluation, *, sheets: dict[tuple[str, str], str] | None = None, title: str = "paintmatch evaluation"
) -> str:
    """The Markdown report of an ``Evaluation``: summary table, per-cut table, links to contact sheets.

    Parameters
    ----------
    evaluation : paintmatch.evaluate.Evaluation
    sheets : dict of (cut, method) to str, optional
        Relative paths of contact sheets to link.
    title : str
        First heading.
    """
    headers = ["method", *COLUMNS.values()]
    parts = _report_head(
        evaluation, title,
        f"{len(evaluation.cuts)} cut(s), each colored from its first colored frame; every other frame scored "
        "on the truth's regions. Means over frames per cut, then over cuts (BasicPBC's convention).",
    )
    parts += ["## Mean over all frames", "", markdown_table(headers, summary_rows(evaluation.summary, by="by_frame")), ""]
    parts += ["## Per cut", "", markdown_table(["cut", *headers, "frames"], cut_rows(evaluation.results)), ""]
    if sheets:
        parts += ["## Contact sheets", "", "Rows: frames. Columns: line art | truth | result, wrong components outlined in red.", ""]
        for (cut, method), path in sheets.items():
            parts.append(f"- {cut}, `{method}`: [{path}]({path})")
        parts.append("")
    return "\n".join(parts)


def error_overlay(painted: np.ndarray, labels: np.ndarray, wrong: np.ndarray | None, *, height: int) -> np.ndarray:
    """The result scaled to ``height`` pixels with its wrong components outlined (and tinted) in red.

    Parameters
    ----------
    painted : (H, W, 4) ndarray of uint8
        The colored frame.
    labels : (H, W) ndarray of int32
        Components (-1 on lines).
    wrong : (n,) ndarray of bool or None
        Components to mark.
    height : int
        Output height; the outline is drawn at this scale so it stays visible.

    Returns
    -------
    (height, W * height / H, 4) ndarray of uint8
    """
    scale = height / painted.shape[0]
    size = (max(1, round(painted.shape[1] * scale)), height)
    small = cv2.resize(painted, size, interpolation=cv2.INTER_AREA)
    if wrong is None or not np.any(wrong):
        return small
    marked = np.zeros(labels.shape, np.uint8)
    inside = labels >= 0
    marked[inside] = np.asarray(wrong, dtype=bool)[labels[inside]]
    # Lines between two wrong components are part of the wrong area: close them so outlines follow regions.
    marked = cv2.morphologyEx(marked, cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8))
    mask = cv2.resize(marked * 255, size, interpolation=cv2.INTER_AREA) > 0
    mask_u8 = mask.astype(np.uint8)
    outline = cv2.morphologyEx(mask_u8, cv2.MORPH_GRADIENT, np.ones((3, 3), np.uint8)) > 0
    out = small.copy()
    tint = out[mask].astype(np.float32)
    tint[:, :3] = 0.75 * tint[:, :3] + 0.25 * np.array(OUTLINE_RGBA[:3], np.float32)
    tint[:, 3] = np.maximum(tint[:, 3], 96)
    out[mask] = tint.astype(np.uint8)
    out[outline] = OUTLINE_RGBA
    return out


def evaluation_sheet(frames, *, tile: int = 240) -> np.ndarray:
    """Contact sheet of one cut colored by one method: a row per frame, line art | truth | result.

    Parameters
    ----------
    frames : list of paintmatch.evaluate.FrameEvaluation
    tile : int
        Row height in pixels.

    Returns
    -------
    (H, W, 4) ndarray of uint8
    """
    from paintmatch.contact_sheet import contact_sheet

    rows, labels = [], []
    for frame in frames:
        blank = np.zeros_like(frame.line)
        row = [frame.line, frame.truth if frame.truth is not None else blank]
        row.append(error_overlay(frame.painted, frame.labels, frame.wrong, height=tile))
        rows.append(row)
        if frame.is_reference:
            labels.append(f"{frame.name} reference")
        elif frame.score is not None:
            labels.append(f"{frame.name} acc {frame.score.acc:.3f} ({frame.score.wrong} wrong)")
        else:
            labels.append(f"{frame.name} (no truth)")
    return contact_sheet(rows, tile=tile, labels=labels)

