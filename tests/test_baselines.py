"""The `overlap` and `flow` baselines: every component colored from the reference, motion handled by flow."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from paintmatch.evaluate import frame_metrics
from paintmatch.match import Frame, get_matcher
from paintmatch.match.baselines import FlowMatcher, OverlapMatcher, dense_flow, vote
from paintmatch.segment import reference_colors, segment


def drawing(shift: int, size: int = 120) -> tuple[np.ndarray, np.ndarray]:
    """(line art, colored frame) of a circle with a box and an eye, moved right by ``shift`` px."""
    color = np.zeros((size, size, 4), np.uint8)
    line = np.zeros_like(color)
    cx = size // 2 + shift
    cv2.circle(color, (cx, 60), 40, (250, 200, 170, 255), -1)
    cv2.rectangle(color, (cx - 15, 45), (cx + 15, 75), (40, 90, 200, 255), -1)
    cv2.circle(color, (cx - 25, 35), 6, (200, 30, 30, 255), -1)
    for image in (color, line):
        cv2.circle(image, (cx, 60), 40, (0, 0, 0, 255), 2)
        cv2.rectangle(image, (cx - 15, 45), (cx + 15, 75), (0, 0, 0, 255), 2)
        cv2.circle(image, (cx - 25, 35), 6, (0, 0, 0, 255), 2)
    return line, color


def frames(shift: int) -> tuple[Frame, Frame, np.ndarray]:
    """(reference at 0, target at ``shift``, the target's true colors)."""
    ref_line, ref_color = drawing(0)
    tgt_line, tgt_color = drawing(shift)
    ref_seg, tgt_seg = segment(ref_line), segment(tgt_line)
    reference = Frame(ref_line, ref_seg, reference_colors(ref_color, ref_seg), name="ref")
    return reference, Frame(tgt_line, tgt_seg, name="tgt"), reference_colors(tgt_color, tgt_seg)


@pytest.mark.parametrize("name", ["overlap", "flow"])
@pytest.mark.parametrize("shift", [0, 6, 25])
def test_every_component_gets_a_reference_color(name, shift):
    reference, target, _ = frames(shift)
    matching = get_matcher(name).match(reference, target)
    assert matching.colors.shape == (target.n, 4) and matching.colors.dtype == np.uint8
    palette = {tuple(c) for c in reference.colors}
    assert all(tuple(c) in palette for c in matching.colors)
    assert ((matching.ref_index >= 0) & (matching.ref_index < reference.n)).all()
    np.testing.assert_array_equal(matching.colors, reference.colors[matching.ref_index])
    assert ((matching.confidence >= 0) & (matching.confidence <= 1)).all()


@pytest.mark.parametrize("params", [{}, {"method": "farneback"}])
@pytest.mark.parametrize("name", ["overlap", "flow"])
def test_the_same_drawing_is_colored_exactly(name, params):
    reference, target, truth = frames(0)
    matching = get_matcher(name, **(params if name == "flow" else {})).match(reference, target)
    np.testing.assert_array_equal(matching.colors, truth)
    assert (matching.confidence > 0.9).all()


def test_flow_follows_a_move_that_defeats_overlap():
    reference, target, truth = frames(25)
    overlap = OverlapMatcher().match(reference, target)
    flow = FlowMatcher().match(reference, target)
    assert frame_metrics(overlap.colors, truth, target.seg.areas)["acc"] < 0.7
    assert frame_metrics(flow.colors, truth, target.seg.areas)["acc"] == 1.0


def test_flow_on_real_line_art_moved_and_warped(laughing_girl):
    lines, colored = laughing_girl
    h, w = colored.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    # A smooth known deformation: a 30 px move plus a gentle bulge.
    bulge = 12.0 * np.exp(-((xs - 800) ** 2 + (ys - 700) ** 2) / (2 * 300.0**2))
    map_x, map_y = xs - 30 + bulge, ys + 10 - bulge
    warp = lambda image: cv2.remap(image, map_x, map_y, cv2.INTER_NEAREST, borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    ref_seg = segment(lines[0])
    reference = Frame(lines[0], ref_seg, reference_colors(colored, ref_seg))
    target_line = warp(lines[0])
    target = Frame(target_line, segment(target_line))
    truth = reference_colors(warp(colored), target.seg)
    flow = frame_metrics(FlowMatcher().match(reference, target).colors, truth, target.seg.areas)
    overlap = frame_metrics(OverlapMatcher().match(reference, target).colors, truth, target.seg.areas)
    assert flow["acc_thres"] >= 0.95 and flow["pix_acc"] >= 0.99
    assert flow["acc"] > overlap["acc"] + 0.3


def test_vote_gives_unvoted_components_the_nearest_color():
    target = np.array([[0, 0, -1, 1, 1, -1, 2]], np.int32)
    source = np.array([[0, 1, -1, 1, 1, -1, -1]], np.int32)  # component 2 sees nothing
    colors = np.array([[10, 0, 0, 255], [0, 20, 0, 255]], np.uint8)
    centroids = np.array([[0.5, 0.0], [3.5, 0.0], [6.0, 0.0]])
    matching = vote(target, source, colors, centroids=centroids)
    np.testing.assert_array_equal(matching.ref_index, [0, 1, 1])  # tie 0/1 in component 0: either is a majority
    assert matching.confidence[0] == 0.5 and matching.confidence[1] == 1.0 and matching.confidence[2] == 0.0
    assert matching.stage.tolist() == [0, 0, 2]


def test_vote_counts_colors_not_components():
    # Reference components 0 and 2 share a color: together (5 px) they outvote component 1 (3 px).
    target = np.zeros((1, 8), np.int32)
    source = np.array([[0, 0, 1, 1, 1, 2, 2, 2]], np.int32)
    colors = np.array([[9, 9, 9, 255], [5, 5, 5, 255], [9, 9, 9, 255]], np.uint8)
    matching = vote(target, source, colors, centroids=np.zeros((1, 2)))
    assert tuple(matching.colors[0]) == (9, 9, 9, 255)
    assert matching.ref_index[0] == 2  # the component of the winning color with the most pixels
    assert matching.confidence[0] == pytest.approx(5 / 8)


def test_bad_parameters_are_named():
    with pytest.raises(ValueError, match="Did you mean 'dis'"):
        FlowMatcher(method="diss")
    with pytest.raises(ValueError, match="max_side"):
        FlowMatcher(max_side=4)
    with pytest.raises(ValueError, match="unknown flow method"):
        dense_flow(np.zeros((8, 8), np.uint8), np.zeros((8, 8), np.uint8), method="raft")
    reference, target, _ = frames(0)
    with pytest.raises(ValueError, match="has no colors"):
        OverlapMatcher().match(target, reference)
