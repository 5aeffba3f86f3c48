"""Metrics on hand-made cases with known answers, truth reading, and `paintmatch evaluate` end to end."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from paintmatch.cli import main
from paintmatch.errors import InputError
from paintmatch.evaluate import (
    FrameScore,
    evaluate,
    evaluate_cut,
    frame_metrics,
    read_truth,
    summarize,
    summarize_cut,
    truth_colors,
)
from paintmatch.evaluate.report import error_overlay, format_table, markdown_table, sheet_file_name
from paintmatch.evaluate.truth import read_seg_colors, read_seg_labels, render_seg
from paintmatch.segment import reference_colors, segment

RED, GREEN, BLUE = (255, 0, 0, 255), (0, 255, 0, 255), (0, 0, 255, 255)
CLEAR = (0, 0, 0, 0)


# --------------------------------------------------------------------------------------------------
# metrics


def test_perfect_prediction_scores_one():
    truth = np.array([RED, GREEN, BLUE, CLEAR], np.uint8)
    metrics = frame_metrics(truth, truth, np.array([30, 40, 5, 900]))
    assert metrics == {"acc": 1.0, "acc_thres": 1.0, "pix_acc": 1.0, "pix_acc_wobg": 1.0}


@pytest.mark.parametrize("n", [2, 5, 17])
def test_one_wrong_component_out_of_n(n):
    truth = np.tile(np.array([GREEN], np.uint8), (n, 1))
    areas = np.full(n, 50)
    predicted = truth.copy()
    predicted[n // 2] = RED
    metrics = frame_metrics(predicted, truth, areas)
    assert metrics["acc"] == (n - 1) / n
    assert metrics["acc_thres"] == (n - 1) / n
    assert metrics["pix_acc"] == pytest.approx((n - 1) / n)
    assert metrics["pix_acc_wobg"] == pytest.approx((n - 1) / n)


def test_pixel_accuracy_weights_components_by_area():
    truth = np.array([RED, GREEN, BLUE], np.uint8)
    predicted = np.array([RED, RED, BLUE], np.uint8)  # the 300 px component is wrong
    metrics = frame_metrics(predicted, truth, np.array([100, 300, 600]))
    assert metrics["acc"] == pytest.approx(2 / 3)
    assert metrics["pix_acc"] == pytest.approx(0.7)


def test_acc_thres_leaves_out_components_of_ten_pixels_or_less():
    truth = np.array([RED, GREEN, BLUE, RED], np.uint8)
    predicted = truth.copy()
    predicted[1] = BLUE  # wrong, but exactly 10 px: not counted by acc_thres
    areas = np.array([11, 10, 500, 40])
    metrics = frame_metrics(predicted, truth, areas)
    assert metrics["acc"] == 0.75
    assert metrics["acc_thres"] == 1.0
    predicted[0] = BLUE  # wrong and 11 px: counted
    assert frame_metrics(predicted, truth, areas)["acc_thres"] == pytest.approx(2 / 3)


def test_background_is_left_out_of_pix_acc_wobg_only():
    truth = np.array([CLEAR, RED, GREEN], np.uint8)
    predicted = np.array([BLUE, RED, GREEN], np.uint8)  # background painted: wrong
    areas = np.array([800, 100, 100])
    metrics = frame_metrics(predicted, truth, areas)
    assert metrics["acc"] == pytest.approx(2 / 3)
    assert metrics["pix_acc"] == pytest.approx(0.2)
    assert metrics["pix_acc_wobg"] == 1.0
    predicted = np.array([CLEAR, GREEN, GREEN], np.uint8)  # a foreground error shows in wobg
    assert frame_metrics(predicted, truth, areas)["pix_acc_wobg"] == 0.5


def test_transparent_colors_are_all_equal():
    truth = np.array([[255, 255, 255, 0], RED], np.uint8)  # BasicPBC writes background as white, alpha 0
    predicted = np.array([CLEAR, RED], np.uint8)
    assert frame_metrics(predicted, truth, np.array([10, 10]))["acc"] == 1.0
    # A transparent prediction of an opaque truth is wrong, whatever its RGB.
    assert frame_metrics(np.array([CLEAR, (255, 0, 0, 0)], np.uint8), truth, np.array([10, 10]))["acc"] == 0.5


def test_explicit_background_flags_and_undefined_metrics():
    truth = np.array([RED, GREEN], np.uint8)
    metrics = frame_metrics(truth, truth, np.array([5, 5]), background=np.array([True, True]))
    assert metrics["acc"] == 1.0
    assert math.isnan(metrics["acc_thres"])  # no component above 10 px
    assert math.isnan(metrics["pix_acc_wobg"])  # only background


def test_metric_arguments_are_checked():
    truth = np.array([RED, GREEN], np.uint8)
    with pytest.raises(ValueError, match="differ in shape"):
        frame_metrics(truth[:1], truth, np.array([1, 1]))
    with pytest.raises(ValueError, match="areas"):
        frame_metrics(truth, truth, np.array([1, 1, 1]))
    with pytest.raises(ValueError, match="RGBA"):
        frame_metrics(truth[:, :3], truth[:, :3], np.array([1, 1]))


def test_means_over_cuts_and_over_frames():
    a = summarize_cut("a", "m", [FrameScore("1", 1.0, 1.0, 1.0, 1.0, 0.2, 4, 0)])
    b = summarize_cut(
        "b",
        "m",
        [FrameScore("1", 0.5, 0.5, 0.5, float("nan"), 0.4, 4, 2), FrameScore("2", 0.0, 0.0, 0.0, 0.0, 0.6, 4, 4)],
    )
    assert b.means["acc"] == 0.25 and b.means["pix_acc_wobg"] == 0.0 and b.means["seconds"] == pytest.approx(0.5)
    summary = summarize("m", [a, b])
    assert summary.by_cut["acc"] == pytest.approx(0.625)  # BasicPBC: mean of the cut means
    assert summary.by_frame["acc"] == pytest.approx(0.5)
    assert summary.cuts == 2 and summary.frames == 3
    assert summary.as_dict()["by_cut"]["acc"] == pytest.approx(0.625)
    assert b.as_dict()["frames"][0]["pix_acc_wobg"] is None  # NaN is stored as JSON null


# --------------------------------------------------------------------------------------------------
# a tiny cut drawn here: a face-like circle with a box and an eye, moving right by `step` per frame

PARTS = [((250, 200, 170, 255), "face"), ((40, 90, 200, 255), "box"), ((200, 30, 30, 255), "eye")]


def draw_frame(shift: int, size: int = 120) -> tuple[np.ndarray, np.ndarray]:
    """(line art, colored frame) RGBA of the tiny test drawing shifted right by ``shift`` pixels."""
    color = np.zeros((size, size, 4), np.uint8)
    line = np.zeros_like(color)
    cx = size // 2 + shift
    cv2.circle(color, (cx, 60), 40, PARTS[0][0], -1)
    cv2.rectangle(color, (cx - 15, 45), (cx + 15, 75), PARTS[1][0], -1)
    cv2.circle(color, (cx - 25, 35), 6, PARTS[2][0], -1)
    for image in (color, line):
        cv2.circle(image, (cx, 60), 40, (0, 0, 0, 255), 2)
        cv2.rectangle(image, (cx - 15, 45), (cx + 15, 75), (0, 0, 0, 255), 2)
        cv2.circle(image, (cx - 25, 35), 6, (0, 0, 0, 255), 2)
    return line, color


def write_cut(root: Path, shifts: list[int]) -> Path:
    """A cut folder with line/ and gt/ for every frame."""
    (root / "line").mkdir(parents=True)
    (root / "gt").mkdir()
    for i, shift in enumerate(shifts):
        line, color = draw_frame(shift)
        Image.fromarray(line).save(root / "line" / f"{i:04d}.png")
        Image.fromarray(color).save(root / "gt" / f"{i:04d}.png")
    return root


def write_seg(root: Path, name: str, colors_override: dict[int, tuple] | None = None) -> np.ndarray:
    """seg/<name>.png + .json (PaintBucket-Character format) from the frame's own segmentation."""
    line = np.array(Image.open(root / "line" / f"{name}.png").convert("RGBA"))
    gt = np.array(Image.open(root / "gt" / f"{name}.png").convert("RGBA"))
    seg = segment(line)
    colors = reference_colors(gt, seg)
    ids = (seg.labels + 1).astype(np.int64)
    rgb = np.stack([(ids >> 16) & 255, (ids >> 8) & 255, ids & 255], axis=-1).astype(np.uint8)
    (root / "seg").mkdir(exist_ok=True)
    Image.fromarray(rgb).save(root / "seg" / f"{name}.png")
    table = {str(i + 1): [int(v) for v in colors[i]] for i in range(seg.n)}
    for i, color in (colors_override or {}).items():
        table[str(i + 1)] = list(color)
    (root / "seg" / f"{name}.json").write_text(json.dumps(table))
    return colors


# --------------------------------------------------------------------------------------------------
# truth


def test_seg_truth_round_trip(tmp_path):
    cut = write_cut(tmp_path / "cut", [0, 2])
    colors = write_seg(cut, "0001")
    labels = read_seg_labels(cut / "seg" / "0001.png")
    assert labels.min() == 0 and labels.max() == colors.shape[0]
    table = read_seg_colors(cut / "seg" / "0001.json")
    assert table[1] == tuple(int(v) for v in colors[0])
    truth = read_truth(cut, "0001")
    assert truth.source == "seg"
    line = np.array(Image.open(cut / "line" / "0001.png").convert("RGBA"))
    np.testing.assert_array_equal(truth_colors(truth.image, segment(line)), colors)
    assert read_truth(cut, "0000").source == "gt"
    assert read_truth(cut, "0007") is None


def test_seg_id_without_a_color_is_an_input_error():
    labels = np.array([[0, 1], [2, 2]])
    with pytest.raises(InputError, match=r"segment ids \[2\]"):
        render_seg(labels, {1: RED})
    image = render_seg(labels, {1: RED, 2: GREEN})
    assert tuple(image[0, 0]) == (0, 0, 0, 255) and tuple(image[1, 1]) == GREEN


def test_bad_seg_json_is_an_input_error(tmp_path):
    path = tmp_path / "0000.json"
    path.write_text('{"1": "red"}')
    with pytest.raises(InputError, match="segment id"):
        read_seg_colors(path)
    path.write_text("[1, 2]")
    with pytest.raises(InputError, match="JSON object"):
        read_seg_colors(path)


# --------------------------------------------------------------------------------------------------
# scoring runs


def test_a_frame_scored_against_its_own_truth_scores_one(tmp_path):
    # Frame 1 is frame 0 again: colored from the truth of the same drawing, every metric is 1.0.
    cut = write_cut(tmp_path / "same", [0, 0])
    for method in ("simple", "overlap", "flow"):
        score, frames = evaluate_cut(cut, method)
        assert score.means["acc"] == 1.0 and score.means["pix_acc"] == 1.0, method
        assert score.means["acc_thres"] == 1.0 and score.means["pix_acc_wobg"] == 1.0, method
        assert [f.is_reference for f in frames] == [True, False]
        assert not frames[1].wrong.any()


def test_cut_is_colored_from_its_first_colored_frame_only(tmp_path):
    cut = write_cut(tmp_path / "cut", [0, 3, 6])
    score, frames = evaluate_cut(cut, "overlap")
    assert [f.name for f in score.frames] == ["0001", "0002"]  # frame 0000 is the reference
    assert frames[0].is_reference and frames[0].score is None
    assert all(f.seconds > 0 for f in score.frames)
    assert score.frames[0].components == 4  # outside, face, box, eye
    assert score.means["acc"] == 1.0


def test_seg_truth_wins_over_gt(tmp_path):
    cut = write_cut(tmp_path / "cut", [0, 0])
    n = write_seg(cut, "0001", colors_override={2: (1, 2, 3, 255)}).shape[0]
    score, _ = evaluate_cut(cut, "overlap")
    assert score.frames[0].wrong == 1
    assert score.means["acc"] == pytest.approx((n - 1) / n)


def test_evaluate_several_methods_side_by_side(tmp_path):
    cuts = [write_cut(tmp_path / "a" / "cut", [0, 25]), write_cut(tmp_path / "b" / "cut", [0, 2])]
    seen = []
    evaluation = evaluate(cuts, ["overlap", "flow"], on_frames=lambda c, m, f: seen.append((c, m, len(f))))
    assert evaluation.cuts == ["a/cut", "b/cut"]
    assert set(evaluation.summary) == {"overlap", "flow"}
    assert seen == [("a/cut", "overlap", 2), ("a/cut", "flow", 2), ("b/cut", "overlap", 2), ("b/cut", "flow", 2)]
    # A 25 px move defeats overlap and not flow.
    overlap, flow = evaluation.results["overlap"][0], evaluation.results["flow"][0]
    assert overlap.means["acc"] < 1.0 and flow.means["acc"] == 1.0
    assert json.loads(json.dumps(evaluation.as_dict()))["summary"]["flow"]["cuts"] == 2


def test_unknown_method_is_an_input_error(tmp_path):
    cut = write_cut(tmp_path / "cut", [0, 1])
    with pytest.raises(InputError, match="Did you mean 'overlap'"):
        evaluate([cut], ["overlp"])


# --------------------------------------------------------------------------------------------------
# reports and the CLI


def test_error_overlay_outlines_only_wrong_components():
    line, color = draw_frame(0)
    seg = segment(line)
    clean = error_overlay(color, seg.labels, np.zeros(seg.n, bool), height=60)
    assert clean.shape == (60, 60, 4)
    red = (clean[..., 0] == 255) & (clean[..., 1] == 0) & (clean[..., 2] == 0) & (clean[..., 3] == 255)
    assert not red.any()
    wrong = np.zeros(seg.n, bool)
    wrong[int(np.argmin(seg.areas))] = True  # the eye
    marked = error_overlay(color, seg.labels, wrong, height=60)
    red = (marked[..., 0] == 255) & (marked[..., 1] == 0) & (marked[..., 2] == 0) & (marked[..., 3] == 255)
    ys, xs = np.nonzero(red)
    assert red.any() and xs.max() < 30 and ys.max() < 30  # around the eye, top left


def test_tables_and_file_names():
    table = format_table(["method", "acc"], [["flow", "1.0000"], ["overlap", "0.5000"]])
    assert table.splitlines()[0].startswith("method") and "overlap  0.5000" in table
    assert markdown_table(["a", "b"], [["x", "1"]]).splitlines()[1] == "| :--- | ---: |"
    assert sheet_file_name("a/cut 1", "paper-equal") == "a_cut_1__paper-equal.png"


def test_cli_end_to_end(tmp_path, capsys):
    cut = write_cut(tmp_path / "cut", [0, 4, 8])
    out, json_path = tmp_path / "report", tmp_path / "results.json"
    code = main(["evaluate", str(cut), "--method", "simple", "--out", str(out), "--json", str(json_path), "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "acc_thres" in printed and "overlap" in printed and "flow" in printed  # baselines beside
    data = json.loads(json_path.read_text())
    assert data["methods"] == ["simple", "overlap", "flow"]
    frames = data["results"]["simple"][0]["frames"]
    assert [f["name"] for f in frames] == ["0001", "0002"]
    assert set(frames[0]) >= {"acc", "acc_thres", "pix_acc", "pix_acc_wobg", "seconds"}
    assert 0.0 <= data["summary"]["simple"]["by_cut"]["acc"] <= 1.0
    report = (out / "report.md").read_text()
    assert "| method | acc | acc_thres | pix_acc | pix_acc_wobg | s/frame |" in report
    for method in ("simple", "overlap", "flow"):
        sheet = out / "sheets" / f"cut__{method}.png"
        assert sheet.is_file() and f"sheets/cut__{method}.png" in report
        with Image.open(sheet) as image:
            assert image.size[1] == 3 * (240 + 4)  # one row per frame
    assert json.loads((out / "report.json").read_text())["cuts"] == ["cut"]


def test_cli_bad_inputs_exit_2(tmp_path, capsys):
    cut = write_cut(tmp_path / "cut", [0, 1])
    assert main(["evaluate", str(cut), "--method", "nope", "--quiet"]) == 2
    assert "unknown matcher" in capsys.readouterr().err
    (tmp_path / "empty" / "line").mkdir(parents=True)
    Image.fromarray(draw_frame(0)[0]).save(tmp_path / "empty" / "line" / "0000.png")
    assert main(["evaluate", str(tmp_path / "empty"), "--quiet"]) == 2
    assert "no colored frame" in capsys.readouterr().err
    assert main(["evaluate", str(cut), "--tile", "5", "--quiet"]) == 2


@pytest.mark.slow
def test_benchmark_runner_small(tmp_path):
    """`benchmarks/run.py --small` generates its suites, scores the methods and writes JSON + Markdown."""
    root = Path(__file__).resolve().parents[1]
    data, out = tmp_path / "data", tmp_path / "results"
    command = [sys.executable, str(root / "benchmarks" / "run.py"), "--small", "--data", str(data), "--out", str(out),
               "--methods", "simple,overlap,flow"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    markdown = (out / "results.md").read_text()
    for suite in ("production-test", "synthetic-test", "real-deformation"):
        results = json.loads((out / f"{suite}.json").read_text())
        assert results["methods"] == ["simple", "overlap", "flow"]
        assert results["groups"], suite
        for group in results["groups"].values():
            assert len(group["cut_dirs"]) >= 1
            for method in ("simple", "overlap", "flow"):
                assert 0.0 <= group["summary"][method]["by_cut"]["acc"] <= 1.0
                assert group["leaked"][method] >= 0
        assert f"## {suite}" in markdown
    # Production-like cuts: every drawing in turn the reference (2 cuts x 3 drawings).
    production = json.loads((out / "production-test.json").read_text())["groups"]["production-test"]
    assert production["mode"] == "every-reference" and production["summary"]["flow"]["references"] == 6
    assert markdown.count("| method | acc | acc_thres | pix_acc | pix_acc_wobg | s/frame |") >= 3
    assert len(json.loads((out / "synthetic-test.json").read_text())["groups"]["synthetic-test"]["cut_dirs"]) == 2


def test_benchmark_runner_jobs_scores_like_a_sequential_run(tmp_path):
    """`--jobs 2` (one process per method of a group, merged back) gives the sequential run's scores, table by table."""
    root = Path(__file__).resolve().parents[1]
    data = tmp_path / "data"
    scores = {}
    for jobs in (1, 2):
        out = tmp_path / f"results-{jobs}"
        command = [sys.executable, str(root / "benchmarks" / "run.py"), "--small", "--data", str(data), "--out", str(out),
                   "--methods", "simple,flow", "--suites", "production-test,synthetic-test", "--jobs", str(jobs)]
        done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr
        scores[jobs] = {(suite, group, method): (summary["by_cut"]["acc"], summary["by_cut"]["acc_thres"], result["leaked"][method])
                        for suite in ("production-test", "synthetic-test")
                        for group, result in json.loads((out / f"{suite}.json").read_text())["groups"].items()
                        for method, summary in result["summary"].items()}
        assert [line for line in (out / "results.md").read_text().splitlines() if line.startswith("| ")][2].startswith("| simple")
    assert len(scores[1]) == 4 and scores[1] == scores[2]
    assert "2 processes at a time" in (tmp_path / "results-2" / "results.md").read_text()
