"""Review flags and seed pixels: what the sidecar, the review page and the review-effort benchmark share."""

from __future__ import annotations

import json
from pathlib import Path

import cv2
import numpy as np

from paintmatch.cli import main
from paintmatch.match import Frame, Matching
from paintmatch.paint import sidecar
from paintmatch.review import FLAG_CONFIDENCE, FLAG_MIN_AREA, review_flags, seed_points
from paintmatch.segment import segment


def _frame_with_a_ring() -> Frame:
    line = np.zeros((80, 120, 4), np.uint8)
    cv2.circle(line, (40, 40), 30, (0, 0, 0, 255), 2)
    cv2.circle(line, (40, 40), 12, (0, 0, 0, 255), 2)  # a ring between the two circles: its centroid is outside it
    cv2.rectangle(line, (85, 10), (110, 30), (0, 0, 0, 255), 1)
    line[60:62, 100:102, 3] = 255
    return Frame(line=line, seg=segment(line), name="0001")


def test_seed_points_lie_inside_their_components_even_a_ring():
    frame = _frame_with_a_ring()
    seg = frame.seg
    seeds = seed_points(seg)
    assert seeds.shape == (seg.n, 2)
    assert (seg.labels[seeds[:, 1], seeds[:, 0]] == np.arange(seg.n)).all()
    ring = seg.labels[40, 40 + 20]  # a pixel between the circles
    cx, cy = np.rint(seg.centroids[ring]).astype(int)
    assert seg.labels[cy, cx] != ring  # the ring's centroid is in the hole: the seed had to be searched


def test_seed_points_are_the_pixels_nearest_the_centroid_as_a_whole_scan_finds_them(basicpbc):
    """The growing search squares find the same pixel as scanning each component's whole box (nearest to the
    centroid, the first in raster order among equals), on the ring and on a large real frame's background."""
    from paintmatch.io import read_image

    frames = [_frame_with_a_ring().seg, segment(read_image(basicpbc / "laughing_girl" / "line" / "0000.png"))]
    for seg in frames:
        seeds = seed_points(seg)
        searched = 0
        for i in range(seg.n):
            x, y, bw, bh = (int(v) for v in seg.bboxes[i])
            ys, xs = np.nonzero(seg.labels[y : y + bh, x : x + bw] == i)
            centre = np.rint(seg.centroids[i]).astype(int)
            cx, cy = np.clip(centre, 0, [seg.shape[1] - 1, seg.shape[0] - 1])
            if seg.labels[cy, cx] == i:
                expected = (cx, cy)
            else:
                searched += 1
                k = np.argmin((xs + x - seg.centroids[i, 0]) ** 2 + (ys + y - seg.centroids[i, 1]) ** 2)
                expected = (xs[k] + x, ys[k] + y)
            assert tuple(seeds[i]) == tuple(int(v) for v in expected), i
        assert searched >= 1


def test_flags_are_low_confidence_components_over_the_speck_size_not_locked():
    seg = _frame_with_a_ring().seg
    n = seg.n
    confidence = np.full(n, 0.9, np.float32)
    confidence[:] = np.linspace(0.0, 1.0, n)
    stage = np.zeros(n, np.uint8)
    stage[0] = 3  # a painter's locked fix is never flagged
    matching = Matching(np.zeros(n, np.int32), np.zeros((n, 4), np.uint8), confidence, stage)
    flags = review_flags(seg, matching)
    expected = (confidence < FLAG_CONFIDENCE) & (seg.areas > FLAG_MIN_AREA) & (stage != 3)
    np.testing.assert_array_equal(flags, expected)
    assert not flags[0]


def test_every_sidecar_has_flags_and_seeds(tmp_path):
    out = tmp_path / "out"
    assert main(["colorize", str(Path(__file__).resolve().parents[1] / "examples" / "demo-cut"), "--out", str(out), "--quiet"]) == 0
    sidecars = sorted(out.glob("*.json"))
    assert sidecars
    for path in sidecars:
        data = json.loads(path.read_text())
        for component in data["components"]:
            assert isinstance(component["flagged"], bool)
            x, y = component["seed"]
            assert 0 <= x < data["width"] and 0 <= y < data["height"]
            if component["area"] <= FLAG_MIN_AREA or component["stage"] == "locked":
                assert not component["flagged"]
            else:
                assert component["flagged"] == (component["confidence"] < FLAG_CONFIDENCE)


def test_sidecar_seed_is_inside_the_component():
    frame = _frame_with_a_ring()
    n = frame.n
    matching = Matching(np.zeros(n, np.int32), np.zeros((n, 4), np.uint8), np.ones(n, np.float32), np.zeros(n, np.uint8))
    data = sidecar(frame, matching)
    for component in data["components"]:
        x, y = component["seed"]
        assert frame.seg.labels[y, x] == component["id"]
