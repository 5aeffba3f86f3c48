"""Scoring on the truth's regions: seg/ segments or gt/'s painted regions, from the output image alone."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from PIL import Image

from paintmatch.errors import InputError
from paintmatch.evaluate import (
    evaluate_cut,
    read_truth_regions,
    region_metrics,
    regions_from_gt,
    regions_from_seg,
    score_output,
    truth_colors,
)
from paintmatch.segment import segment

INK = (0, 0, 0, 255)
SKIN, HAIR, SHIRT = (250, 200, 170, 255), (90, 50, 30, 255), (40, 90, 200, 255)
CLEAR = (0, 0, 0, 0)


def leaky_head(gap: int = 3, size: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """(line art, colored frame): a head outline open to the background through a ``gap`` px gap.

    The painter closed the gap: the skin stops at it with no line there, as paint software leaves it.
    """
    line = np.zeros((size, size, 4), np.uint8)
    cv2.circle(line, (50, 50), 30, INK, 2)
    line[48 : 48 + gap, 78:84] = 0  # the gap on the right side of the outline
    color = np.zeros_like(line)
    cv2.circle(color, (50, 50), 30, SKIN, -1)
    color[line[..., 3] > 0] = INK
    return line, color


def boxes(n: int, colors: list[tuple] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(line art, colored frame): ``n`` boxes in a row, closed by lines, on a transparent background."""
    width = 12 * n + 8
    line = np.zeros((30, width, 4), np.uint8)
    color = np.zeros_like(line)
    for i in range(n):
        x = 4 + 12 * i
        fill = colors[i] if colors else (20 * i % 256, 100, 200 - 10 * i % 200, 255)
        cv2.rectangle(color, (x, 4), (x + 12, 25), fill, -1)
        cv2.rectangle(line, (x, 4), (x + 12, 25), INK, 1)
    color[line[..., 3] > 0] = INK
    return line, color


def test_a_perfect_output_scores_one():
    line, color = boxes(5)
    regions = regions_from_gt(color, line)
    assert regions.n == 6  # the background and five boxes
    metrics, correct = region_metrics(color, regions)
    assert metrics == {"acc": 1.0, "acc_thres": 1.0, "pix_acc": 1.0, "pix_acc_wobg": 1.0}
    assert correct.all()


@pytest.mark.parametrize("n", [2, 5, 9])
def test_one_wrong_region_out_of_n(n):
    line, color = boxes(n - 1)  # n - 1 boxes and the background: n regions
    regions = regions_from_gt(color, line)
    assert regions.n == n
    output = color.copy()
    box = regions.labels == 1  # one box, painted another color
    output[box] = (1, 2, 3, 255)
    score, wrong = score_output("0001", output, regions, seconds=0.5)
    assert score.acc == pytest.approx((n - 1) / n) and score.acc_thres == pytest.approx((n - 1) / n)
    assert score.components == n and score.wrong == 1 and wrong.tolist() == [i == 1 for i in range(n)]
    scored = (regions.labels >= 0).sum()
    assert score.pix_acc == pytest.approx(1 - box.sum() / scored)
    assert score.seconds == 0.5


def test_a_leaked_head_painted_transparent_scores_wrong():
    line, color = leaky_head()
    seg = segment(line)
    assert seg.n == 1  # the head leaks: one component with the background
    regions = regions_from_gt(color, line)
    assert regions.n == 2  # the painter's regions: background and the head
    # The method paints its one component with the majority truth: transparent.
    output = np.zeros_like(color)
    output[line[..., 3] >= 128] = line[line[..., 3] >= 128]
    metrics, correct = region_metrics(output, regions)
    head = int(np.argmax(regions.colors[:, 3]))
    assert not correct[head] and metrics["acc"] == 0.5 and metrics["pix_acc_wobg"] == 0.0
    # Scored on its own segmentation (the old way), the same output counted as right.
    assert (truth_colors(color, seg) == 0).all()
    # The head (about 2,600 px) is counted as leaked; painted right, it is not.
    assert score_output("0000", output, regions)[0].leaked == 1
    painted = output.copy()
    painted[regions.labels == head] = SKIN
    assert score_output("0000", painted, regions)[0].leaked == 0


def test_a_leaked_head_is_wrong_end_to_end(tmp_path):
    cut = tmp_path / "cut"
    (cut / "line").mkdir(parents=True)
    (cut / "gt").mkdir()
    line, color = leaky_head(gap=20)  # wider than colorize's auto gap closing reaches: the head really leaks
    for name in ("0000", "0001"):
        Image.fromarray(line).save(cut / "line" / f"{name}.png")
        Image.fromarray(color).save(cut / "gt" / f"{name}.png")
    for method in ("overlap", "flow"):
        score, frames = evaluate_cut(cut, method)
        assert score.frames[0].components == 2 and score.frames[0].wrong == 1, method
        assert score.means["acc"] == 0.5 and score.means["pix_acc_wobg"] == 0.0, method
        assert frames[1].labels.max() == 1 and frames[1].wrong.sum() == 1  # marked on the truth's regions


def test_gt_regions_closed_by_the_painter_across_a_gap_are_separate():
    line = np.zeros((40, 60, 4), np.uint8)
    cv2.rectangle(line, (5, 5), (54, 34), INK, 1)
    line[5:35, 30, :] = INK
    line[18:22, 30] = 0  # a 4 px gap in the middle wall: one region in the line art
    color = np.zeros_like(line)
    color[6:34, 6:30] = SKIN
    color[6:34, 30:54] = HAIR  # the hair paint stops at the gap, no line there
    color[line[..., 3] > 0] = INK
    assert segment(line).n == 2  # outside, and the two halves as one
    regions = regions_from_gt(color, line)
    assert regions.n == 3
    inside = regions.labels[20, 10], regions.labels[20, 40]
    assert inside[0] != inside[1]
    assert {tuple(regions.colors[i]) for i in inside} == {SKIN, HAIR}
    # The gap's pixels are scored: the hair side's column at x = 30 belongs to the hair region.
    assert regions.labels[20, 30] == inside[1]


def test_antialiased_blends_form_no_region_and_join_the_nearest():
    line, color = boxes(3, [SKIN, HAIR, SHIRT])
    regions = regions_from_gt(color, line)
    blended = color.copy()
    # paint software's export: a 1 px band of ink/paint blend inside every box edge
    band = cv2.dilate((line[..., 3] > 0).astype(np.uint8), np.ones((3, 3), np.uint8)).astype(bool) & (line[..., 3] == 0)
    inner = band & (color[..., 3] > 0)
    blended[inner, :3] = (color[inner, :3] // 2).astype(np.uint8)
    blended_regions = regions_from_gt(blended, line)
    assert blended_regions.n == regions.n == 4
    np.testing.assert_array_equal(blended_regions.labels, regions.labels)
    np.testing.assert_array_equal(blended_regions.colors, regions.colors)
    # the flat output is right on every pixel, blends included
    assert region_metrics(color, blended_regions)[0]["pix_acc"] == 1.0


def test_pixel_accuracy_counts_pixels_not_regions():
    line, color = boxes(2)
    regions = regions_from_gt(color, line)
    box = regions.labels == 1
    output = color.copy()
    ys, xs = np.nonzero(box)
    few = (ys[:10], xs[:10])
    output[few] = (1, 2, 3, 255)  # ten wrong pixels, the majority stays right
    metrics, correct = region_metrics(output, regions)
    assert correct.all() and metrics["acc"] == 1.0
    assert metrics["pix_acc"] == pytest.approx(1 - 10 / (regions.labels >= 0).sum())
    foreground = np.isin(regions.labels, np.flatnonzero(~regions.background)).sum()
    assert metrics["pix_acc_wobg"] == pytest.approx(1 - 10 / foreground)


def test_seg_regions_and_transparent_pieces():
    ids = np.array([[1, 1, 0, -1, -1], [1, 1, 0, 0, 0], [-1, 0, 2, 2, 2]])
    regions = regions_from_seg(ids, {1: SKIN, 2: (255, 255, 255, 0)}, name="0003")
    assert regions.source == "seg" and regions.n == 4  # two segments, two transparent pieces
    assert regions.areas.tolist() == [4, 3, 2, 1]
    assert regions.background.tolist() == [False, True, True, True]  # white alpha 0 is background
    output = np.zeros((3, 5, 4), np.uint8)
    output[:2, :2] = SKIN
    assert region_metrics(output, regions)[0]["acc"] == 1.0
    with pytest.raises(InputError, match=r"segment ids \[2\]"):
        regions_from_seg(ids, {1: SKIN})


def test_read_truth_regions_sources(tmp_path):
    cut = tmp_path / "cut"
    for folder in ("line", "gt", "seg"):
        (cut / folder).mkdir(parents=True)
    line, color = leaky_head()
    Image.fromarray(line).save(cut / "line" / "0000.png")
    Image.fromarray(color).save(cut / "gt" / "0000.png")
    seg = segment(line)  # a seg/ truth drawn from the leaking line art: one segment
    ids = (seg.labels + 1).astype(np.uint8)
    Image.fromarray(np.stack([np.zeros_like(ids), np.zeros_like(ids), ids], -1)).save(cut / "seg" / "0000.png")
    (cut / "seg" / "0000.json").write_text('{"1": [0, 0, 0, 0]}')
    assert read_truth_regions(cut, "0000", line).source == "seg"
    assert read_truth_regions(cut, "0000", line).n == 1
    gt = read_truth_regions(cut, "0000", line, source="gt")
    assert gt.source == "gt" and gt.n == 2
    assert read_truth_regions(cut, "0001", line) is None
    with pytest.raises(InputError, match="truth source"):
        read_truth_regions(cut, "0000", line, source="label")
    with pytest.raises(InputError, match="line frame"):
        read_truth_regions(cut, "0000", line[:50], source="gt")


def test_output_of_another_size_is_an_input_error():
    line, color = boxes(2)
    regions = regions_from_gt(color, line, name="0004")
    with pytest.raises(InputError, match="0004"):
        region_metrics(color[:, :-1], regions)
    with pytest.raises(InputError, match="RGBA"):
        region_metrics(color[..., :3], regions)


def test_blends_across_a_narrow_neck_do_not_cut_a_region():
    # A dumbbell: two boxes joined by a 3 px neck between two lines; the export's blend bands cover the neck.
    line = np.zeros((30, 60, 4), np.uint8)
    cv2.rectangle(line, (2, 2), (57, 27), INK, 1)
    line[2:14, 25:35] = INK
    line[17:28, 25:35] = INK  # the neck: rows 14..16 between x = 25 and 34
    color = np.zeros_like(line)
    color[3:27, 3:57] = SKIN
    color[line[..., 3] > 0] = INK
    flat = regions_from_gt(color, line)
    blended = color.copy()
    blended[14, 25:35] = blended[16, 25:35] = (125, 100, 85, 255)  # ink/skin blends beside both lines
    blended[15, 25:35] = (200, 160, 136, 255)  # and a lighter one between them
    regions = regions_from_gt(blended, line)
    assert flat.n == regions.n == 2  # outside and one skin region, not two halves
    np.testing.assert_array_equal(regions.labels, flat.labels)
