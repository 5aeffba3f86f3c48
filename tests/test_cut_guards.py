"""Issue 17: the output folder is never an input folder, odd frames are written through, results stream
to the staging folder (memory flat in the number of frames), and machine errors are input errors."""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import weakref
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

import paintmatch.cut
import paintmatch.io
from paintmatch.cli import main
from paintmatch.cut import (
    CutResult,
    FrameSummary,
    check_output_folder,
    colorize_cut,
    colorize_frames,
    propagation_plan,
)
from paintmatch.errors import InputError

SIZE = 96


def drawn_line(index: int) -> np.ndarray:
    """A frame of line art: a box with a disc inside, moving right by 2 px per frame."""
    line = np.zeros((SIZE, SIZE, 4), np.uint8)
    x = 12 + 2 * index
    cv2.rectangle(line, (x, 14), (x + 50, 70), (0, 0, 0, 255), 2)
    cv2.circle(line, (x + 25, 42), 12, (0, 0, 0, 255), 2)
    return line


def paint_reference(line: np.ndarray, index: int = 0) -> np.ndarray:
    colored = line.copy()
    x = 12 + 2 * index
    box = np.zeros((SIZE, SIZE), np.uint8)
    cv2.rectangle(box, (x + 2, 16), (x + 48, 68), 1, -1)
    disc = np.zeros((SIZE, SIZE), np.uint8)
    cv2.circle(disc, (x + 25, 42), 10, 1, -1)
    paint = line[..., 3] < 128
    colored[(box > 0) & paint] = (230, 180, 140, 255)
    colored[(disc > 0) & paint] = (40, 90, 200, 255)
    return colored


def make_cut(root: Path, frames: int = 5, *, odd: dict[int, np.ndarray] | None = None) -> Path:
    (root / "line").mkdir(parents=True)
    (root / "gt").mkdir()
    for index in range(frames):
        line = (odd or {}).get(index)
        if line is None:
            line = drawn_line(index)
        paintmatch.io.write_image(root / "line" / f"{index:04d}.png", line)
    paintmatch.io.write_image(root / "gt" / "0000.png", paint_reference(drawn_line(0)))
    return root


def hashes(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --------------------------------------------------------------------------------------------------
# 1. the output folder is never an input folder


@pytest.mark.parametrize("out", ["gt", "line", "line/sub", "gt/../gt"])
def test_colorize_refuses_an_output_inside_an_input_folder(tmp_path, capsys, out):
    cut = make_cut(tmp_path / "cut")
    before = hashes(cut)
    code = main(["colorize", str(cut), "--out", str(cut / out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2
    assert "input folder" in err and str(cut / "paint") in err
    assert hashes(cut) == before  # byte-identical, nothing added


def test_colorize_refuses_an_output_linked_to_an_input_folder(tmp_path, capsys):
    cut = make_cut(tmp_path / "cut")
    link = tmp_path / "looks-safe"
    link.symlink_to(cut / "gt", target_is_directory=True)
    before = hashes(cut)
    assert main(["colorize", str(cut), "--out", str(link), "--quiet"]) == 2
    assert "input folder" in capsys.readouterr().err
    assert hashes(cut) == before


def test_colorize_files_refuses_the_line_or_reference_folder(tmp_path, capsys):
    cut = make_cut(tmp_path / "cut")
    refs = tmp_path / "refs"
    refs.mkdir()
    paintmatch.io.write_image(refs / "0000.png", paint_reference(drawn_line(0)))
    before, before_refs = hashes(cut), hashes(refs)
    lines = [str(cut / "line" / "0001.png"), str(cut / "line" / "0002.png")]
    for out in (cut / "line", refs, refs / "deeper"):
        code = main(["colorize", *lines, "--reference", str(refs / "0000.png"), "--out", str(out), "--quiet"])
        err = capsys.readouterr().err
        assert code == 2 and "input folder" in err and str(cut / "paint") in err, err
    assert hashes(cut) == before and hashes(refs) == before_refs
    out = tmp_path / "out"  # a folder beside them is fine
    assert main(["colorize", *lines, "--reference", str(refs / "0000.png"), "--out", str(out), "--quiet"]) == 0
    assert sorted(p.name for p in out.glob("*.png")) == ["0001.png", "0002.png"]


def test_default_and_sibling_outputs_are_accepted(tmp_path):
    cut = make_cut(tmp_path / "cut", frames=3)
    assert check_output_folder(cut / "paint", [cut / "line", cut / "gt"]) == (cut / "paint").resolve()
    assert check_output_folder(cut, [cut / "line", cut / "gt"]) == cut.resolve()  # a parent is not inside
    with pytest.raises(InputError, match="is inside the input folder"):
        check_output_folder(cut / "gt" / "x", [cut / "line", cut / "gt"])
    result = colorize_cut(cut)
    assert result.out_dir == cut / "paint" and (cut / "paint" / "0002.png").exists()


def test_web_export_lands_in_the_exports_folder_only(tmp_path):
    from paintmatch.web.workspace import Workspace

    make_cut(tmp_path / "ws" / "c1", frames=3)
    before = hashes(tmp_path / "ws" / "c1")
    workspace = Workspace(tmp_path / "ws")
    store = workspace.cut("c1")
    store.colorize(method=None, line_mode="keep", close_gaps=0)
    target = store.export(workspace.exports_dir(), output_format="png", layers=False, line_mode="keep")
    assert target.parent == (tmp_path / "ws" / ".paintmatch" / "exports").resolve()
    assert hashes(tmp_path / "ws" / "c1") == before


# --------------------------------------------------------------------------------------------------
# 3. odd frames: written through, named, skipped by propagation


def test_propagation_plan_skips_frames_that_cannot_be_sources():
    assert propagation_plan(5, [0], skip=[2]) == [(1, 0, 0), (3, 1, 0), (4, 3, 0)]
    assert propagation_plan(5, [0, 2], skip=[2]) == [(1, 0, 0), (3, 1, 0), (4, 3, 0)]
    assert propagation_plan(5, [4], skip=[3, 2]) == [(1, 4, 4), (0, 1, 4)]
    for target, source, _ in propagation_plan(9, [0, 8], skip=[2, 3, 6]):
        assert source not in (2, 3, 6) and target not in (2, 3, 6)


def test_blank_and_all_ink_frames_are_written_through(tmp_path, capsys, caplog):
    blank = np.zeros((SIZE, SIZE, 4), np.uint8)
    ink = np.zeros((SIZE, SIZE, 4), np.uint8)
    ink[..., 3] = 255  # a fade to black: the whole frame is ink
    cut = make_cut(tmp_path / "cut", frames=6, odd={2: blank, 4: ink})
    before = hashes(cut)
    out = tmp_path / "out"
    with caplog.at_level(logging.WARNING, logger="paintmatch"):
        code = main(["colorize", str(cut), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 0, err
    assert "Traceback" not in err and "internal error" not in err
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(str(cut / "line" / "0002.png") in w and "no lines" in w for w in warnings), warnings
    assert any(str(cut / "line" / "0004.png") in w and "no closed region" in w for w in warnings), warnings
    assert (np.array(Image.open(out / "0002.png")) == 0).all()  # blank stays transparent
    np.testing.assert_array_equal(np.array(Image.open(out / "0004.png")), ink)  # all ink stays as drawn
    for name, reason in (("0002", "no lines"), ("0004", "no closed region")):
        record = json.loads((out / f"{name}.json").read_text())
        assert record["passed_through"] is True and record["reason"] == reason and record["components"] == []
    # The rest is colored, and propagation went around the odd frames.
    sidecars = {n: json.loads((out / f"000{n}.json").read_text()) for n in (1, 3, 5)}
    assert sidecars[1]["reference"] == "0000"
    assert sidecars[3]["reference"] == "0001"
    assert sidecars[5]["reference"] == "0003"
    reference_colors = {"#e6b48cff", "#285ac8ff"}
    for record in sidecars.values():
        assert reference_colors <= {c["color"] for c in record["components"]}
    assert hashes(cut) == before


def test_colored_frame_with_no_region_is_a_clear_error(tmp_path, capsys):
    cut = make_cut(tmp_path / "cut", frames=3)
    paintmatch.io.write_image(cut / "line" / "0000.png", np.zeros((SIZE, SIZE, 4), np.uint8))
    assert main(["colorize", str(cut), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert "no colored frame has a closed region" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def speckled() -> np.ndarray:
    """Opaque art on white, a mesh of ink every 6 px: 256 specks of paper, as a scan whose paper grain is ink."""
    art = np.full((SIZE, SIZE, 4), 255, np.uint8)
    art[::6, :, :3] = 0
    art[:, ::6, :3] = 0
    return art


def test_a_frame_of_too_many_regions_is_written_through_not_matched(tmp_path, capsys, caplog, monkeypatch):
    # A grey scan read with its paper as ink came apart into 18,758 specks, and matching them was killed for memory:
    # such a frame is written through as drawn, with a warning that says what to check, and the rest is colored.
    monkeypatch.setattr(paintmatch.cut, "MAX_COMPONENTS", 200)
    specks = speckled()
    cut = make_cut(tmp_path / "cut", frames=4, odd={2: specks})
    out = tmp_path / "out"
    with caplog.at_level(logging.WARNING, logger="paintmatch"):
        code = main(["colorize", str(cut), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 0, err
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(str(cut / "line" / "0002.png") in w and "too many regions" in w and "scan" in w for w in warnings), warnings
    np.testing.assert_array_equal(np.array(Image.open(out / "0002.png")), specks)  # as drawn
    record = json.loads((out / "0002.json").read_text())
    assert record["passed_through"] is True and record["reason"] == "too many regions" and record["components"] == []
    assert json.loads((out / "0003.json").read_text())["reference"] == "0001"  # propagation went around it
    reference_colors = {"#e6b48cff", "#285ac8ff"}
    assert reference_colors <= {c["color"] for c in json.loads((out / "0003.json").read_text())["components"]}
    # Under the limit the same frame is matched (the limit, not the frame, decided).
    monkeypatch.setattr(paintmatch.cut, "MAX_COMPONENTS", 400)
    assert main(["colorize", str(cut), "--out", str(tmp_path / "out2"), "--quiet"]) == 0
    assert "reason" not in json.loads((tmp_path / "out2" / "0002.json").read_text())


def test_a_colored_frame_of_too_many_regions_is_a_clear_error(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(paintmatch.cut, "MAX_COMPONENTS", 200)
    cut = make_cut(tmp_path / "cut", frames=3)
    paintmatch.io.write_image(cut / "line" / "0000.png", speckled())
    assert main(["colorize", str(cut), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert "no colored frame can give its colors (0000: too many regions" in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------------------------------
# 4. streaming: results leave memory as they are written; OUT replaced only at the end


def test_sink_gets_every_frame_and_only_sources_stay_in_memory():
    lines = [drawn_line(i) for i in range(10)]
    colored = {4: paint_reference(lines[4], 4)}
    alive: list[tuple[str, weakref.ref, weakref.ref]] = []
    most_alive = 0

    def sink(result):
        nonlocal most_alive
        alive.append((result.name, weakref.ref(result.painted.image), weakref.ref(result.frame.seg.labels)))
        most_alive = max(most_alive, sum(ref() is not None for _, _, ref in alive[:-1]))

    summaries = colorize_frames(lines, colored, sink=sink)
    assert [s.name for s in summaries] == [f"{i:04d}" for i in range(10)]
    assert all(isinstance(s, FrameSummary) for s in summaries)
    assert sorted(name for name, _, _ in alive) == [s.name for s in summaries]
    assert all(image() is None for _, image, _ in alive)  # no painted image kept
    # At any time: the anchor and one frame per direction, not the frames already done.
    assert most_alive <= 3
    # Without a sink the evaluation code still gets every FrameResult, in frame order.
    results = colorize_frames(lines[:3], {0: paint_reference(lines[0])})
    assert [r.name for r in results] == ["0000", "0001", "0002"] and results[2].painted.image.shape == (SIZE, SIZE, 4)


def test_cut_result_keeps_summaries_not_pixels(tmp_path):
    cut = make_cut(tmp_path / "cut", frames=4)
    result = colorize_cut(cut, tmp_path / "out")
    assert isinstance(result, CutResult)
    assert [f.name for f in result.frames] == ["0000", "0001", "0002", "0003"]
    assert all(isinstance(f, FrameSummary) for f in result.frames)
    assert 0.0 < result.mean_confidence <= 1.0
    assert [p.name for p in result.written] == [f"000{i}.{e}" for i in range(4) for e in ("png", "json")]


def test_interrupted_run_leaves_out_as_it_was(tmp_path, monkeypatch):
    cut = make_cut(tmp_path / "cut", frames=5)
    out = tmp_path / "out"
    out.mkdir()
    (out / "0001.png").write_bytes(b"an earlier result")
    before = hashes(out)
    real_paint = paintmatch.cut.paint
    calls = []

    def paint(*args, **kw):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return real_paint(*args, **kw)

    monkeypatch.setattr(paintmatch.cut, "paint", paint)
    with pytest.raises(KeyboardInterrupt):
        colorize_cut(cut, out)
    assert hashes(out) == before
    assert sorted(p.name for p in out.iterdir()) == ["0001.png"]  # no staging folder left
    fresh = tmp_path / "fresh"
    calls.clear()
    with pytest.raises(KeyboardInterrupt):
        colorize_cut(cut, fresh / "deeper")
    assert not (fresh / "deeper").exists()


# --------------------------------------------------------------------------------------------------
# 5. the machine's errors: exit 2, the path and the cause, nothing partial


def test_read_only_output_folder(tmp_path, capsys, monkeypatch):
    cut = make_cut(tmp_path / "cut", frames=3)
    out = tmp_path / "out"
    out.mkdir()
    (out / "0000.png").write_bytes(b"an earlier result")
    before = hashes(out)
    out.chmod(0o555)
    try:
        if os.access(out, os.W_OK):  # root: the mode does not stop writes; the file system says no instead
            def refuse(*args, **kw):
                raise OSError(errno.EROFS, os.strerror(errno.EROFS), str(out))

            monkeypatch.setattr(paintmatch.cut.tempfile, "mkdtemp", refuse)
        code = main(["colorize", str(cut), "--out", str(out), "--quiet"])
        err = capsys.readouterr().err
    finally:
        out.chmod(0o755)
    assert code == 2, err
    assert str(out) in err and ("read-only" in err or "permission" in err.lower()), err
    assert "internal error" not in err
    assert hashes(out) == before and sorted(p.name for p in out.iterdir()) == ["0000.png"]


@pytest.mark.parametrize("code_, cause", [(errno.ENOSPC, "no space left"), (errno.EACCES, "permission denied")])
def test_full_disk_while_writing(tmp_path, capsys, monkeypatch, code_, cause):
    cut = make_cut(tmp_path / "cut", frames=4)
    out = tmp_path / "out"
    out.mkdir()
    (out / "0000.png").write_bytes(b"an earlier result")
    before = hashes(out)
    real_fsync = os.fsync
    calls = []

    def fsync(fd):
        calls.append(fd)
        if len(calls) >= 5:  # a few files in: the disk fills up
            raise OSError(code_, os.strerror(code_))
        return real_fsync(fd)

    monkeypatch.setattr(paintmatch.io.os, "fsync", fsync)
    code = main(["colorize", str(cut), "--out", str(out), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2, err
    assert cause in err.lower() and str(out) in err, err
    assert hashes(out) == before and sorted(p.name for p in out.iterdir()) == ["0000.png"]


def test_web_job_on_a_read_only_workspace_says_why():
    from paintmatch.web.jobs import JobManager

    def work(progress):
        raise OSError(errno.EROFS, "Read-only file system", "/ws/.paintmatch/cuts/c1/results/0001.json")

    manager = JobManager()
    try:
        job = manager.submit("colorize", "c1", work)
    finally:
        manager.shutdown()
    assert job.state == "failed"
    assert "read-only" in job.error and "/ws/.paintmatch/cuts/c1/results/0001.json" in job.error
    assert "internal error" not in job.error


# --------------------------------------------------------------------------------------------------
# 6. progress without a terminal: log lines, no carriage returns


def test_progress_without_a_terminal_logs_lines(tmp_path, capsys, caplog):
    cut = make_cut(tmp_path / "cut", frames=4)
    with caplog.at_level(logging.INFO, logger="paintmatch"):
        assert main(["colorize", str(cut), "--out", str(tmp_path / "out")]) == 0
    captured = capsys.readouterr()
    assert "\r" not in captured.err and "\r" not in captured.out
    lines = [r.getMessage() for r in caplog.records if "steps done" in r.getMessage()]
    assert lines and lines[-1].startswith("cut: 4/4 steps done")  # one colored frame: a step a frame


def test_a_colored_frame_painted_on_another_drawing_is_named(tmp_path, caplog, capsys):
    # The painter saved drawing 0004's colored frame as gt/0000.png: its paint crosses 0000's lines everywhere.
    cut = make_cut(tmp_path / "cut", frames=5)
    paintmatch.io.write_image(cut / "gt" / "0000.png", paint_reference(drawn_line(12), 12))
    with caplog.at_level(logging.WARNING, logger="paintmatch"):
        assert main(["colorize", str(cut), "--out", str(tmp_path / "out")]) == 0  # colored as given
    # The run's last lines name it again: the warning came before the progress.
    assert "do not fit their line frames (see the warnings): 0000" in capsys.readouterr().out
    assert json.loads((tmp_path / "out" / "0000.json").read_text())["paint_off_lines"] > 0.1
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    misfit = [w for w in warnings if "does not fit its line frame" in w]
    assert len(misfit) == 1 and str(cut / "gt" / "0000.png") in misfit[0], warnings
    assert str(cut / "line" / "0000.png") in misfit[0] and "another drawing" in misfit[0]
    # Its own drawing's colored frame: no such warning.
    caplog.clear()
    paintmatch.io.write_image(cut / "gt" / "0000.png", paint_reference(drawn_line(0)))
    with caplog.at_level(logging.WARNING, logger="paintmatch"):
        assert main(["colorize", str(cut), "--out", str(tmp_path / "out2")]) == 0
    assert not [r for r in caplog.records if "does not fit" in r.getMessage()]
    assert "do not fit" not in capsys.readouterr().out
    assert json.loads((tmp_path / "out2" / "0000.json").read_text())["paint_off_lines"] < 0.01


def test_a_colored_frame_without_paint_is_a_clear_error(tmp_path, capsys):
    # The line art saved as the colored frame (the paint layer hidden when exporting): nothing to color the cut with.
    cut = make_cut(tmp_path / "cut", frames=3)
    paintmatch.io.write_image(cut / "gt" / "0000.png", drawn_line(0))
    out = tmp_path / "out"
    assert main(["colorize", str(cut), "--out", str(out), "--quiet"]) == 2
    err = capsys.readouterr().err
    assert str(cut / "gt" / "0000.png") in err and "has no paint" in err and "Traceback" not in err
    assert not out.exists()
