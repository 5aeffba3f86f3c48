"""benchmarks/leaks.py: each leaked region is put down to the right cause."""

import numpy as np

from conftest import benchmark_module


def _scene():
    """A 20 x 40 frame: truth background on the left half; components: 0 left half, 1 a box touching the right
    edge, 2 a box inside; lines (-1) between them."""
    labels = np.full((20, 40), -1, np.int32)
    labels[:, :18] = 0
    labels[2:10, 30:40] = 1
    labels[12:18, 22:28] = 2
    background = np.zeros((20, 40), bool)
    background[:, :18] = True
    return labels, background


def test_a_region_inside_a_component_of_truth_background_is_a_gap_left_open():
    leaks = benchmark_module("leaks")
    labels, background = _scene()
    region = np.zeros_like(background)
    region[5:15, 10:17] = True  # a head whose outline gap joined it to the background component
    background[5:15, 10:17] = False
    assert leaks.leak_kind(region, labels, background) == "gap"


def test_an_edge_component_and_an_inner_one_that_took_transparency():
    leaks = benchmark_module("leaks")
    labels, background = _scene()
    assert leaks.leak_kind(labels == 1, labels, background) == "edge"
    assert leaks.leak_kind(labels == 2, labels, background) == "hole"
    region = np.zeros_like(background)
    region[11, 20] = True  # only line pixels: no component of its own
    assert leaks.leak_kind(region, labels, background) == "gap"
