"""Measure coloring accuracy like the field does: metrics, truth, scoring runs and reports.

- ``metrics``: acc, acc_thres, pix_acc, pix_acc_wobg (PaintBucket-Character / BasicPBC definitions);
- ``truth``: the true colors of a frame from ``seg/`` (ids + JSON colors) or ``gt/``;
- ``regions``: the truth's regions of a frame and the score of an output image over them (every
  method is scored on the same regions, never on its own segmentation);
- ``score``: color each cut from its first colored frame with each method and score the rest;
- ``every_reference``: each frame of a cut in turn as the only colored frame;
- ``report``: terminal table, Markdown and contact sheets (wrong components outlined in red).

Examples
--------
>>> from paintmatch.evaluate import frame_metrics
>>> import numpy as np
>>> truth = np.array([[9, 9, 9, 255], [0, 0, 0, 0]], np.uint8)
>>> frame_metrics(truth, truth, np.array([5, 20]))["acc"]
1.0
"""

from paintmatch.evaluate.metrics import (
    AREA_THRESHOLD,
    METRICS,
    CutScore,
    FrameScore,
    Summary,
    frame_metrics,
    score_frame,
    summarize,
    summarize_cut,
)
from paintmatch.evaluate.every_reference import (
    EveryReferenceCut,
    EveryReferenceEvaluation,
    EveryReferenceSummary,
    ReferenceRun,
    evaluate_every_reference,
    reference_indices,
)
from paintmatch.evaluate.regions import (
    TRUTH_SOURCES,
    TruthRegions,
    read_truth_regions,
    region_metrics,
    regions_from_gt,
    regions_from_seg,
    score_output,
)
from paintmatch.evaluate.score import Evaluation, FrameEvaluation, evaluate, evaluate_cut
from paintmatch.evaluate.truth import FrameTruth, read_truth, truth_colors

__all__ = [
    "AREA_THRESHOLD",
    "METRICS",
    "CutScore",
    "FrameScore",
    "Summary",
    "frame_metrics",
    "score_frame",
    "summarize",
    "summarize_cut",
    "Evaluation",
    "FrameEvaluation",
    "evaluate",
    "evaluate_cut",
    "FrameTruth",
    "read_truth",
    "truth_colors",
    "EveryReferenceCut",
    "EveryReferenceEvaluation",
    "EveryReferenceSummary",
    "ReferenceRun",
    "evaluate_every_reference",
    "reference_indices",
    "TRUTH_SOURCES",
    "TruthRegions",
    "read_truth_regions",
    "region_metrics",
    "regions_from_gt",
    "regions_from_seg",
    "score_output",
]
