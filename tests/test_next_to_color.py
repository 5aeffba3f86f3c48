"""The frame a painter should color next: the least sure one (``paintmatch.review.next_to_color``), as ``colorize``
names it and as ``benchmarks/next_key.py`` measures it."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from paintmatch.cli import main
from paintmatch.cut import CutResult, FrameSummary
from paintmatch.review import FLAG_MIN_AREA, NextToColor, next_to_color


def _summary(name: str, areas, confidence, *, is_reference: bool = False, passed_through: str | None = None):
    return FrameSummary(name=name, reference_name="", seconds=0.0, is_reference=is_reference, components=len(areas),
                        confidence=np.asarray(confidence, np.float32), areas=np.asarray(areas, np.int64),
                        passed_through=passed_through)


def test_the_least_sure_frame_is_named_with_its_expected_wrong_colors():
    frames = [("0001", np.array([400, 400, 400]), np.array([0.9, 0.9, 0.6])),
              ("0002", np.array([400, 400]), np.array([0.95, 0.55])),
              ("0003", np.array([400, 400, 400, 400]), np.array([0.99, 0.99, 0.99, 0.3]))]
    assert next_to_color(frames) == NextToColor("0002", 0.75, 0.5)


def test_specks_do_not_decide_and_no_scored_component_names_nothing():
    speck = FLAG_MIN_AREA  # at most FLAG_MIN_AREA px: not scored, as the flags and acc_thres leave them out
    frames = [("0001", np.array([400, speck]), np.array([0.8, 0.0])), ("0002", np.array([400]), np.array([0.7]))]
    assert next_to_color(frames).name == "0002"
    assert next_to_color([("0001", np.array([speck, 3]), np.array([0.1, 0.2]))]) is None
    assert next_to_color([]) is None


def test_the_cut_result_leaves_out_the_painters_frames_and_those_passed_through():
    frames = [_summary("0000", [400, 400], [1.0, 0.2], is_reference=True),
              _summary("0001", [400, 400], [0.9, 0.9]),
              _summary("0002", [400], [0.1], passed_through="no lines"),
              _summary("0003", [400, 400], [0.9, 0.8])]
    upcoming = CutResult(frames=frames, out_dir=None, written=[]).next_to_color
    assert upcoming.name == "0003" and upcoming.mean_confidence == pytest.approx(0.85)
    assert CutResult(frames=frames[:1], out_dir=None, written=[]).next_to_color is None


def _cut_with_one_colored_frame(tmp_path: Path, colored: str = "0000") -> Path:
    from paintmatch.synth import generate_cut

    source = generate_cut(tmp_path / "generated", frames=4, seed=5, size=256)
    cut = tmp_path / "cut"
    shutil.copytree(source / "line", cut / "line")
    (cut / "gt").mkdir()
    shutil.copy(source / "gt" / f"{colored}.png", cut / "gt" / f"{colored}.png")
    return cut


def test_colorize_names_the_frame_to_color_next_as_its_sidecars_tell(tmp_path, capsys):
    cut = _cut_with_one_colored_frame(tmp_path)
    out = tmp_path / "out"
    assert main(["colorize", str(cut), "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    means = {}
    for path in sorted(out.glob("*.json")):
        record = json.loads(path.read_text())
        if record["frame"] == "0000":
            continue
        scored = [c["confidence"] for c in record["components"] if c["area"] > FLAG_MIN_AREA]
        means[record["frame"]] = float(np.mean(scored))
    assert set(means) == {"0001", "0002", "0003"}
    least_sure = min(means, key=means.get)
    assert f"color {least_sure} next (into {cut / 'gt'})" in printed
    assert f"mean confidence {means[least_sure]:.2f}" in printed
    # The cut's mean is over the same regions: never below its least sure frame's (specks counted in, it was).
    records = [json.loads(path.read_text()) for path in sorted(out.glob("*.json"))]
    every = [c["confidence"] for record in records if record["frame"] != "0000" for c in record["components"]
             if c["area"] > FLAG_MIN_AREA]
    assert f"colored 3 frame(s) from 1 colored frame(s) -> {out} (mean confidence {np.mean(every):.2f} over the regions " \
           f"over {FLAG_MIN_AREA} px)" in printed
    assert np.mean(every) >= means[least_sure]


def test_colorize_from_a_reference_file_names_no_next_frame(tmp_path, capsys):
    cut = _cut_with_one_colored_frame(tmp_path)
    lines = [str(p) for p in sorted((cut / "line").glob("*.png"))]
    assert main(["colorize", *lines, "--reference", str(cut / "gt" / "0000.png"), "--out", str(tmp_path / "out")]) == 0
    assert "next (into" not in capsys.readouterr().out  # one --reference only: nowhere to add a second


def test_next_key_benchmark_rules_pick_what_they_say():
    from conftest import benchmark_module

    next_key = benchmark_module("next_key")
    names = [f"{i:04d}" for i in range(5)]
    ranking = [("0002", 40), ("0004", 38), ("0000", 30), ("0001", 20), ("0003", 10)]
    alone = CutResult(frames=[
        _summary("0000", [400, 400], [0.9, 0.9]),             # mean 0.90, expected wrong 0.2
        _summary("0001", [400, 400, 400, 400], [0.7, 0.9, 0.9, 0.9]),  # mean 0.85, expected wrong 0.6
        _summary("0002", [400], [1.0], is_reference=True),
        _summary("0003", [400], [0.8]),                      # mean 0.80, expected wrong 0.2
        _summary("0004", [400, 400], [0.95, 0.95]),
    ], out_dir=None, written=[])
    single = {0: 0.90, 1: 0.80, 3: 0.95, 4: 0.97}
    two = {0: 0.96, 1: 0.93, 3: 0.94, 4: 0.95}
    picked = next_key.choices(2, names, ranking, alone, single, two)
    assert picked == {"least sure": 3, "most expected wrong": 1, "farthest": 4, "second most components": 4,
                      "worst scored": 1, "best": 0, "worst": 1}


def test_next_key_benchmark_measures_a_small_cut(tmp_path):
    from conftest import benchmark_module
    from paintmatch.synth import generate_cut

    cut = generate_cut(tmp_path / "cut", frames=3, seed=3, size=192)
    next_key = benchmark_module("next_key")
    measured = next_key.measure_cut(cut, "simple")
    assert set(measured) == {"first", "picked", *(key for _, key in next_key.ROWS)}
    assert measured["first"] not in measured["picked"].values()
    for _, key in next_key.ROWS:
        assert 0 <= measured[key]["acc_thres"] <= 1 and measured[key]["leaked"] >= 0
    # A second colored drawing is scored as the painter colored it: no rule's row is below the worst second drawing
    # (the page's row colors it from paintmatch's result, only its flagged components fixed: no such floor).
    truth_keyed = [key for _, key in next_key.ROWS[1:] if key != "least sure, flagged fixed"]
    assert all(measured[key]["acc_thres"] >= measured["worst"]["acc_thres"] for key in truth_keyed)
    assert measured["picked"]["least sure, flagged fixed"] == measured["picked"]["least sure"]
    assert len(next_key.table([measured])) == 2 + len(next_key.ROWS)


def test_flagged_fixed_gives_only_the_flagged_components_their_true_colors():
    from types import SimpleNamespace

    import cv2
    from conftest import benchmark_module

    from paintmatch.evaluate.regions import TruthRegions
    from paintmatch.match import Frame, Matching
    from paintmatch.segment import segment

    line = np.zeros((60, 90, 4), np.uint8)
    cv2.line(line, (30, 0), (30, 59), (0, 0, 0, 255), 2)
    cv2.line(line, (60, 0), (60, 59), (0, 0, 0, 255), 2)
    seg = segment(line, close_gaps_px="off")
    assert seg.n == 3
    red, green, blue = (200, 0, 0, 255), (0, 200, 0, 255), (0, 0, 200, 255)
    truth_colors = np.array([red, green, blue], np.uint8)
    left, middle, right = (int(seg.labels[30, x]) for x in (10, 45, 80))
    truth_of = {left: 0, middle: 1, right: 2}
    truth_labels = np.where(seg.labels >= 0, np.vectorize(lambda c: truth_of.get(c, -1))(seg.labels), -1)
    truth = TruthRegions(name="0001", labels=truth_labels.astype(np.int32), colors=truth_colors,
                         areas=np.bincount(truth_labels[truth_labels >= 0], minlength=3), source="seg", image=line)
    wrong = np.zeros((3, 4), np.uint8)
    wrong[:] = blue  # every component painted blue: the left and middle ones wrong
    confidence = np.ones(3, np.float32)
    confidence[left] = 0.2  # flagged; the middle one is wrong but sure: a painter would not see it
    matching = Matching(np.zeros(3, np.int32), wrong, confidence, np.zeros(3, np.uint8))
    result = SimpleNamespace(frame=Frame(line=line, seg=seg, name="0001"), matching=matching)
    image = benchmark_module("next_key").flagged_fixed(result, truth)
    assert tuple(image[30, 10]) == red and tuple(image[30, 45]) == blue and tuple(image[30, 80]) == blue
