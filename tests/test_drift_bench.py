"""benchmarks/drift.py: its propagation numbers are those of `evaluate`, and its error counts add up."""

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from paintmatch.evaluate.score import evaluate_cut
from paintmatch.synth import generate_cut

from conftest import benchmark_module


@pytest.fixture(scope="module")
def cut(tmp_path_factory) -> Path:
    return generate_cut(tmp_path_factory.mktemp("drift") / "cut", frames=4, seed=3, size=256)


def test_propagation_equals_evaluate_and_counts_add_up(cut):
    drift = benchmark_module("drift")
    row = drift.measure_cut(cut, "best")
    score, _ = evaluate_cut(cut, "best")
    assert np.allclose(row["propagation"], [f.acc_thres for f in score.frames])
    assert len(row["one_step"]) == 3 and all(0 <= v <= 1 for v in row["one_step"])
    # frame 1 is matched from the true first frame either way
    assert row["one_step"][0] == pytest.approx(row["propagation"][0])
    assert 0 <= row["wrong_inherited"] <= row["wrong"] <= row["scored"]
    assert 0 <= row["wrong_absent_part"] <= row["absent_part"] <= row["scored"]
    for key in ("first+middle", "first+last"):
        assert 0 <= row[key] <= 1


def test_parts_absent_from_the_first_frame_are_counted(cut, tmp_path):
    drift = benchmark_module("drift")
    before = drift.measure_cut(cut, "best")
    copy = tmp_path / "cut"
    shutil.copytree(cut, copy)
    # give frame 1's first component (the background: large) a part id that frame 0 never shows
    table = json.loads((copy / "label" / "0001.json").read_text())
    assert table["1"][0] > 10
    table["1"][1] = 10**6
    (copy / "label" / "0001.json").write_text(json.dumps(table))
    after = drift.measure_cut(copy, "best")
    assert after["absent_part"] == before["absent_part"] + 1
    n = len(json.loads((copy / "label" / "0000.json").read_text()))
    assert drift.part_ids(copy, "0000", n + 1) is None  # not aligned with the segmentation: not used


def test_summary_and_report(cut, tmp_path):
    drift = benchmark_module("drift")
    rows = [drift.measure_cut(cut, "best")]
    summary = drift.summarize(rows)
    assert summary["wrong"] == rows[0]["wrong"]
    text = drift.report(summary, "best", cut, "python benchmarks/drift.py")
    assert "one step from the truth" in text and "first + last" in text
