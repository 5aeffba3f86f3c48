"""benchmarks/drift.py: its propagation numbers are those of `evaluate`, and its error counts add up."""

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
    from paintmatch.io import read_image, write_image

    drift = benchmark_module("drift")
    before = drift.measure_cut(cut, "best")
    copy = tmp_path / "cut"
    shutil.copytree(cut, copy)
    # give frame 1's background (large regions) a part id that frame 0 never shows, in its label map
    label = read_image(copy / "label" / "0001.png")
    background = label[..., 3] == 0
    assert background.sum() > 100
    label[background] = (0x0F, 0x42, 0x40, 255)  # part 10**6
    write_image(copy / "label" / "0001.png", label)
    after = drift.measure_cut(copy, "best")
    assert after["absent_part"] > before["absent_part"]
    assert after["wrong_absent_part"] >= before["wrong_absent_part"]
    # a label map of another size is not used
    small = tmp_path / "small"
    (small / "label").mkdir(parents=True)
    write_image(small / "label" / "0000.png", label[:10, :10])
    from paintmatch.segment import segment

    assert drift.part_ids(small, "0000", segment(read_image(cut / "line" / "0000.png"))) is None
