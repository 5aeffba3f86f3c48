"""`paintmatch evaluate --every-reference`: each frame in turn is the only colored frame."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest
from PIL import Image

from paintmatch.cli import main
from paintmatch.errors import InputError
from paintmatch.evaluate import evaluate_cut, evaluate_every_reference, reference_indices

from test_evaluate import draw_frame, write_cut


def test_reference_indices_are_evenly_spaced():
    assert reference_indices(6) == [0, 1, 2, 3, 4, 5]
    assert reference_indices(6, 2) == [0, 5]
    assert reference_indices(9, 3) == [0, 4, 8]
    assert reference_indices(3, 10) == [0, 1, 2]
    with pytest.raises(InputError, match="at least 1"):
        reference_indices(4, 0)


def test_every_frame_is_a_reference_and_the_others_are_scored(tmp_path):
    cut = write_cut(tmp_path / "cut", [0, 3, 6])
    evaluation = evaluate_every_reference([cut], ["overlap", "flow"])
    assert evaluation.methods == ["overlap", "flow"] and evaluation.cuts == ["cut"]
    for method in ("overlap", "flow"):
        (entry,) = evaluation.results[method]
        assert [r.reference for r in entry.references] == ["0000", "0001", "0002"]
        for run in entry.references:
            assert [f.name for f in run.frames] == [n for n in ("0000", "0001", "0002") if n != run.reference]
            assert run.means["acc"] == pytest.approx(np.mean([f.acc for f in run.frames]))
        assert entry.means["acc"] == pytest.approx(np.mean([r.means["acc"] for r in entry.references]))
        summary = evaluation.summary[method]
        assert summary.cuts == 1 and summary.references == 3 and summary.frames == 6
        assert summary.by_cut["acc"] == pytest.approx(entry.means["acc"])
    # Colored from frame 0000, the run equals the ordinary evaluation (which colors from the first frame).
    first = evaluation.results["flow"][0].references[0]
    plain, _ = evaluate_cut(cut, "flow")
    assert [f.acc for f in first.frames] == [f.acc for f in plain.frames]


def test_max_references_and_means_over_cuts(tmp_path):
    cuts = [write_cut(tmp_path / "a", [0, 2, 4, 6, 8]), write_cut(tmp_path / "b", [0, 0, 0])]
    evaluation = evaluate_every_reference(cuts, ["overlap"], max_references=2)
    a, b = evaluation.results["overlap"]
    assert [r.reference for r in a.references] == ["0000", "0004"]
    assert [r.reference for r in b.references] == ["0000", "0002"]
    assert b.means["acc"] == 1.0  # the same drawing three times
    summary = evaluation.summary["overlap"]
    assert summary.by_cut["acc"] == pytest.approx((a.means["acc"] + 1.0) / 2)
    assert summary.references == 4 and summary.frames == 4 * 2 + 2 * 2
    data = json.loads(json.dumps(evaluation.as_dict()))
    assert data["mode"] == "every-reference" and data["max_references"] == 2
    assert data["results"]["overlap"][0]["references"][1]["frames"][0]["name"] == "0000"
    assert set(data["summary"]["overlap"]) >= {"by_cut", "by_reference", "by_frame", "references", "frames"}


def test_a_cut_with_seg_truth_only_can_be_colored_from_its_seg(tmp_path):
    from test_evaluate import write_seg

    cut = write_cut(tmp_path / "cut", [0, 0])
    for name in ("0000", "0001"):
        write_seg(cut, name)
    shutil.rmtree(cut / "gt")
    evaluation = evaluate_every_reference([cut], ["overlap"])
    (entry,) = evaluation.results["overlap"]
    assert len(entry.references) == 2 and entry.means["acc"] == 1.0


def test_frames_without_truth_are_not_scored_nor_references(tmp_path):
    cut = write_cut(tmp_path / "cut", [0, 2, 4])
    (cut / "gt" / "0001.png").unlink()
    evaluation = evaluate_every_reference([cut], ["overlap"])
    (entry,) = evaluation.results["overlap"]
    assert [r.reference for r in entry.references] == ["0000", "0002"]
    assert [[f.name for f in r.frames] for r in entry.references] == [["0002"], ["0000"]]


def test_bad_arguments_are_input_errors(tmp_path):
    cut = write_cut(tmp_path / "cut", [0, 1])
    with pytest.raises(InputError, match="at least 1"):
        evaluate_every_reference([cut], ["overlap"], max_references=0)
    with pytest.raises(InputError, match="Did you mean"):
        evaluate_every_reference([cut], ["overlp"])
    with pytest.raises(InputError, match="no cut"):
        evaluate_every_reference([], ["overlap"])
    empty = tmp_path / "empty"
    (empty / "line").mkdir(parents=True)
    Image.fromarray(draw_frame(0)[0]).save(empty / "line" / "0000.png")
    with pytest.raises(InputError, match="no frame has a truth"):
        evaluate_every_reference([empty], ["overlap"])


def test_cli_every_reference(tmp_path, capsys):
    cuts = [write_cut(tmp_path / "a", [0, 3, 6]), write_cut(tmp_path / "b", [0, 2])]
    json_path, out = tmp_path / "every.json", tmp_path / "report"
    argv = ["evaluate", *map(str, cuts), "--every-reference", "--method", "simple,overlap", "--json", str(json_path),
            "--out", str(out), "--max-references", "2", "--by-frame", "--quiet"]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    assert "per reference: acc_thres / pix_acc_wobg" in printed and "per cut: mean over references" in printed
    assert "overall: mean over 2 cut(s), every reference" in printed
    data = json.loads(json_path.read_text())
    assert data["methods"] == ["simple", "overlap", "flow"]  # comma list, then the baselines
    assert [r["reference"] for r in data["results"]["flow"][0]["references"]] == ["0000", "0002"]
    assert [r["reference"] for r in data["results"]["flow"][1]["references"]] == ["0000", "0001"]
    for method in data["methods"]:
        assert 0.0 <= data["summary"][method]["by_cut"]["acc_thres"] <= 1.0
    report = (out / "report.md").read_text()
    assert "## Per reference (acc_thres / pix_acc_wobg)" in report and "| a | 0002 |" in report
    assert json.loads((out / "report.json").read_text())["cuts"] == ["a", "b"]


def test_cli_every_reference_flag_checks(tmp_path, capsys):
    cut = write_cut(tmp_path / "cut", [0, 1])
    assert main(["evaluate", str(cut), "--max-references", "2", "--quiet"]) == 2
    assert "--every-reference" in capsys.readouterr().err
    assert main(["evaluate", str(cut), "--every-reference", "--max-references", "0", "--quiet"]) == 2
    assert "at least 1" in capsys.readouterr().err


def test_cli_truth_choice(tmp_path, capsys):
    from test_evaluate import write_seg

    cut = write_cut(tmp_path / "cut", [0, 0])
    write_seg(cut, "0001", colors_override={1: (1, 2, 3, 255)})  # a seg/ truth that disagrees with gt/
    json_path = tmp_path / "r.json"
    for truth, expected in (("gt", 1.0), ("seg", None)):
        assert main(["evaluate", str(cut), "-m", "overlap", "--no-baselines", "--truth", truth, "--json",
                     str(json_path), "--quiet"]) == 0
        acc = json.loads(json_path.read_text())["summary"]["overlap"]["by_cut"]["acc"]
        assert acc == expected if expected is not None else acc < 1.0
    assert not math.isnan(acc)
