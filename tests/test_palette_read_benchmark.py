"""benchmarks/palette_read.py: each component of a painter's frame is scored against the truth under most of it."""

import numpy as np

from conftest import benchmark_module
from paintmatch.evaluate.regions import regions_from_seg


def test_read_scores_counts_components_over_10_px_against_the_truth_under_most_of_them():
    palette_read = benchmark_module("palette_read")
    ids = np.ones((10, 30), np.int64)
    ids[:, 10:20], ids[:, 20:] = 2, 3  # truth: three regions of 100 px
    truth = regions_from_seg(ids, {1: (0, 0, 0, 0), 2: (9, 9, 9, 255), 3: (200, 0, 0, 255)})
    labels = np.full((10, 30), -1, np.int32)
    labels[:, :12] = 0  # mostly truth region 1 (transparent), 20 px over region 2
    labels[:, 13:29] = 1  # 70 px of region 2, 90 px of region 3: its truth is region 3's color
    labels[0, 29] = 2  # 1 px: not scored
    colors = np.array([(0, 0, 0, 0), (9, 9, 9, 255), (0, 0, 200, 255)], np.uint8)
    unflat = np.array([False, True, True])
    scores = palette_read.read_scores(labels, colors, truth, unflat)
    assert scores == {"scored": 2, "right": 1, "unflat": 1, "unflat_right": 0}
    colors[1] = (200, 0, 0, 255)
    assert palette_read.read_scores(labels, colors, truth, unflat) == {"scored": 2, "right": 2, "unflat": 1, "unflat_right": 1}
