"""``paintmatch batch`` on a LocalCluster of 2 worker processes (issue 6's acceptance).

Episodes are made of synthetic cuts (``paintmatch.synth.generate_suite``, small frames), with only
the first frame colored in ``gt/`` as a painter would deliver them; the corrupt cut and the
``find_cuts`` layouts are drawn here with OpenCV.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

import paintmatch.io
from paintmatch import batch
from paintmatch.cli import main
from paintmatch.cut import ColorizeOptions
from paintmatch.errors import InputError

FRAMES = 3


def make_cut(root: Path, *, frames: int = FRAMES, size: int = 64) -> Path:
    """A tiny drawn cut folder: a square moving right, frame 0 colored."""
    (root / "line").mkdir(parents=True, exist_ok=True)
    (root / "gt").mkdir(exist_ok=True)
    for index in range(frames):
        line = np.zeros((size, size, 4), np.uint8)
        cv2.rectangle(line, (10 + 2 * index, 10), (40 + 2 * index, 40), (0, 0, 0, 255), 2)
        Image.fromarray(line).save(root / "line" / f"{index:04d}.png")
        if index == 0:
            colored = line.copy()
            colored[12:39, 12:39] = (200, 60, 60, 255)
            Image.fromarray(colored).save(root / "gt" / f"{index:04d}.png")
    return root


@pytest.fixture(scope="session")
def synth_cuts(tmp_path_factory) -> list[Path]:
    """Six synthetic cuts of 3 frames at 160x160, generated once; gt/ keeps frame 0000 only."""
    from paintmatch.synth import generate_suite

    cuts = generate_suite(tmp_path_factory.mktemp("synth"), cuts=6, frames=FRAMES, seed=6, size=160)
    for cut in cuts:
        for path in (cut / "gt").iterdir():
            if path.stem != "0000":
                path.unlink()
    return cuts


def make_episode(root: Path, cuts: list[Path], names: list[str]) -> Path:
    """Copy the line/ and gt/ folders of ``cuts`` to ``root/<name>``."""
    for cut, name in zip(cuts, names, strict=True):
        for sub in ("line", "gt"):
            shutil.copytree(cut / sub, root / name / sub)
    return root


def _mtimes(folder: Path) -> dict[str, int]:
    return {p.name: p.stat().st_mtime_ns for p in folder.iterdir() if p.suffix in (".png", ".json")}


@pytest.fixture
def episode(tmp_path: Path, synth_cuts: list[Path]) -> Path:
    return make_episode(tmp_path / "episode", synth_cuts[:4], ["sc01/c001", "sc01/c002", "sc02/c001", "sc02/c002"])


def test_find_cuts_walks_scenes_and_skips_non_cuts(tmp_path):
    root = tmp_path / "ep"
    make_cut(root / "a")
    make_cut(root / "scene" / "b")
    (root / "scene" / "b" / "nested" / "line").mkdir(parents=True)  # inside a cut: not searched
    (root / "no_ref" / "line").mkdir(parents=True)  # no colored frame: not a cut
    (root / "no_ref" / "gt").mkdir()
    make_cut(root / ".hidden" / "c")
    make_cut(root / "out" / "c")  # the batch's own output folder
    found = batch.find_cuts(root, exclude=(root / "out",))
    assert [p.relative_to(root).as_posix() for p in found] == ["a", "scene/b"]
    with pytest.raises(InputError, match="does not exist"):
        batch.find_cuts(tmp_path / "missing")


def test_is_complete_needs_same_inputs_settings_and_outputs(tmp_path):
    cut = make_cut(tmp_path / "cut")
    out = tmp_path / "out"
    out.mkdir()
    (out / "0000.png").write_bytes(b"frame")
    inputs = batch.input_hashes(cut)
    assert sorted(inputs) == ["gt/0000.png", "line/0000.png", "line/0001.png", "line/0002.png"]
    settings = batch.settings_of(ColorizeOptions())
    from paintmatch.features import sha256_of

    entry = {"inputs": inputs, "settings": settings, "outputs": {"0000.png": sha256_of(out / "0000.png")}}
    assert batch.is_complete(entry, out, inputs, settings)
    assert not batch.is_complete(None, out, inputs, settings)
    assert not batch.is_complete(entry, out, inputs, batch.settings_of(ColorizeOptions(line_mode="recolor")))
    changed = dict(inputs, **{"line/0001.png": "0" * 64})
    assert not batch.is_complete(entry, out, changed, settings)
    (out / "0000.png").write_bytes(b"fram")  # damaged output
    assert not batch.is_complete(entry, out, inputs, settings)
    (out / "0000.png").unlink()  # missing output
    assert not batch.is_complete(entry, out, inputs, settings)


def test_weights_loaded_once_per_worker_process(monkeypatch):
    import paintmatch.features

    loads = []
    monkeypatch.setattr(paintmatch.features, "get_weights", lambda model: f"weights:{model}")
    monkeypatch.setattr(paintmatch.features, "load_session", lambda weights, **kw: loads.append(weights))
    batch._worker_matcher.cache_clear()
    try:
        options = ColorizeOptions(method="best-deep")
        for _ in range(3):
            batch._prepare_worker(options)
        fields = ["weights:part-field-production4", "weights:part-field-512"]  # the two best averages
        choice = "weights:color-choice"
        assert loads == ["weights:default", *fields, choice]  # its crop features, its part fields, the color choice
        for _ in range(2):
            batch._prepare_worker(ColorizeOptions(method="best"))  # shape features: no ResNet
        assert loads == ["weights:default", *fields, choice, *fields, choice]
        batch._prepare_worker(ColorizeOptions(method="flow"))  # no weights at all
        batch._prepare_worker(ColorizeOptions(method="paper"))  # the paper's ResNet-34 alone
        assert loads == ["weights:default", *fields, choice, *fields, choice, "weights:default"]
    finally:
        batch._worker_matcher.cache_clear()


def test_worker_setup_loads_every_session_the_matcher_runs():
    """After the set-up, coloring creates no onnxruntime session: the first cut waits for none (``models_of``)."""
    from paintmatch.cut import colorize_frames
    from paintmatch.features import _session, clear_sessions

    demo = Path(__file__).resolve().parents[1] / "examples" / "demo-cut"
    clear_sessions()
    batch._worker_matcher.cache_clear()
    try:
        matcher = batch._worker_matcher("best", "{}")
        loaded = set(_session._SESSIONS)
        assert len(loaded) == 3  # two part fields and the color choice
        lines = [demo / "line" / "0000.png", demo / "line" / "0001.png"]
        results = colorize_frames(lines, {0: demo / "gt" / "0000.png"}, matcher=matcher)
        assert results[1].frame.n > 0
        assert set(_session._SESSIONS) == loaded
    finally:
        clear_sessions()
        batch._worker_matcher.cache_clear()


def test_worker_setup_gives_one_thread_sessions():
    from paintmatch.features import clear_sessions, get_weights, load_session, set_session_threads

    threads = cv2.getNumThreads()
    batch._worker_matcher.cache_clear()
    try:
        batch.PaintmatchWorkerPlugin(ColorizeOptions(method="best-deep")).setup(worker=None)
        session = load_session(get_weights("default"))
        assert session.get_session_options().intra_op_num_threads == 1
        assert cv2.getNumThreads() == 1
        set_session_threads(0)
        assert load_session(get_weights("default")) is not session  # a new setting, a new session
        with pytest.raises(ValueError, match="threads"):
            set_session_threads(-1)
    finally:
        set_session_threads(0)
        clear_sessions()
        cv2.setNumThreads(threads)
        batch._worker_matcher.cache_clear()


def _check_cut_output(out: Path, episode: Path, cut: str) -> None:
    """Every frame written, the input's size, painted only with reference colors; log; no staging left."""
    folder = out / cut
    names = sorted(p.stem for p in (episode / cut / "line").glob("*.png"))
    assert sorted(p.stem for p in folder.glob("*.png")) == names
    assert sorted(p.stem for p in folder.glob("*.json")) == names
    reference = np.array(Image.open(episode / cut / "gt" / "0000.png").convert("RGBA"))
    palette = {tuple(c) for c in np.unique(reference.reshape(-1, 4), axis=0)} | {(0, 0, 0, 0)}
    for name in names:
        line = np.array(Image.open(episode / cut / "line" / f"{name}.png").convert("RGBA"))
        result = np.array(Image.open(folder / f"{name}.png").convert("RGBA"))
        assert result.shape == line.shape
        paint = line[..., 3] < 128
        assert {tuple(c) for c in np.unique(result[paint], axis=0)} <= palette
        assert result[0, 0, 3] == 0  # background stays transparent
    assert f"cut {cut} done: {len(names)} frames" in (folder / batch.CUT_LOG).read_text()
    assert not list(folder.glob(".paintmatch-*"))  # no staging folder left behind


def _least_sure_in_sidecars(folder: Path, colored: Path) -> str:
    """The frame with the lowest mean confidence over components over 10 px, read from the cut's sidecars."""
    means = {}
    for path in folder.glob("*.json"):
        record = json.loads(path.read_text())
        if not (colored / f"{record['frame']}.png").exists():
            means[record["frame"]] = np.mean([c["confidence"] for c in record["components"] if c["area"] > 10])
    return min(means, key=means.get)


def test_batch_colors_every_cut_on_an_existing_cluster(episode, tmp_path):
    from distributed import LocalCluster

    out = tmp_path / "out"
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        summary = batch.run(episode, out, scheduler=cluster.scheduler_address, progress=False)
        assert len(cluster.scheduler.workers) == 2
    assert summary["counts"] == {"ok": 4, "failed": 0, "skipped": 0}
    assert [row["cut"] for row in summary["cuts"]] == ["sc01/c001", "sc01/c002", "sc02/c001", "sc02/c002"]
    for row in summary["cuts"]:
        assert row["frames"] == FRAMES and row["seconds"] > 0 and 0.0 <= row["mean_confidence"] <= 1.0
        _check_cut_output(out, episode, row["cut"])
        assert row["next_to_color"] == _least_sure_in_sidecars(out / row["cut"], episode / row["cut"] / "gt")
    assert json.loads((out / batch.SUMMARY_FILE).read_text()) == summary
    manifest = json.loads((out / batch.MANIFEST_FILE).read_text())
    assert manifest["cuts"]["sc01/c001"]["next_to_color"] == summary["cuts"][0]["next_to_color"]
    assert sorted(manifest["cuts"]) == [row["cut"] for row in summary["cuts"]]
    assert set(manifest["cuts"]["sc01/c001"]["outputs"]) == {f"{i:04d}.{e}" for i in range(3) for e in ("png", "json")}


def test_corrupt_cut_is_reported_and_the_others_finish(episode, tmp_path, capsys):
    bad = make_episode(episode / "sc03", [episode / "sc01" / "c001"], ["broken"]) / "broken"
    data = (bad / "line" / "0001.png").read_bytes()
    (bad / "line" / "0001.png").write_bytes(data[: len(data) // 2])  # truncated PNG
    out = tmp_path / "out"
    code = main(["batch", str(episode), "--out", str(out), "--workers", "2", "--quiet"])
    assert code == 1
    assert "cut sc03/broken failed" in capsys.readouterr().err
    summary = json.loads((out / batch.SUMMARY_FILE).read_text())
    assert summary["counts"] == {"ok": 4, "failed": 1, "skipped": 0}
    assert summary["failed"] == ["sc03/broken"]
    row = next(r for r in summary["cuts"] if r["cut"] == "sc03/broken")
    assert "0001.png" in row["error"] and "truncated or corrupt" in row["error"]
    assert "truncated or corrupt" in (out / "sc03" / "broken" / batch.CUT_LOG).read_text()
    assert not list((out / "sc03" / "broken").glob("*.png"))  # nothing half-written
    for cut in ("sc01/c001", "sc01/c002", "sc02/c001", "sc02/c002"):
        _check_cut_output(out, episode, cut)
    assert "sc03/broken" not in json.loads((out / batch.MANIFEST_FILE).read_text())["cuts"]


def test_a_killed_worker_has_its_cut_retried(episode, tmp_path, monkeypatch):
    marker = tmp_path / "killed-once"
    monkeypatch.setenv(batch.KILL_ONCE_ENV, str(marker))  # inherited by the worker processes
    out = tmp_path / "out"
    summary = batch.run(episode, out, workers=2, progress=False)
    assert marker.read_text().startswith("killed worker pid")  # a worker process did die mid-run
    killed_pid = int(marker.read_text().split()[-1])
    assert killed_pid != os.getpid()
    assert summary["counts"] == {"ok": 4, "failed": 0, "skipped": 0}
    for row in summary["cuts"]:
        _check_cut_output(out, episode, row["cut"])
    # Issue 17: the summary says which cut lost its worker and was run again.
    # (A cut queued on the dying worker behind the killed one is rescheduled too, and counted.)
    died = [row for row in summary["cuts"] if row["worker_died"]]
    assert 1 <= len(died) <= 2 and all((row["worker_died"], row["retries"]) == (1, 1) for row in died)
    assert all(row["retries"] == 0 for row in summary["cuts"] if row not in died)
    assert json.loads((out / batch.SUMMARY_FILE).read_text())["cuts"] == summary["cuts"]


@pytest.mark.slow
def test_resume_after_an_interruption_redoes_only_missing_or_changed_cuts(tmp_path, monkeypatch, synth_cuts):
    names = [f"c{i}" for i in range(6)]
    episode = make_episode(tmp_path / "episode", synth_cuts, names)
    out = tmp_path / "out"

    # Interrupt the batch (Ctrl-C in the client) once 4 cuts are recorded in the manifest.
    real_write_json = paintmatch.io.write_json

    def write_json(path, obj, **kw):
        real_write_json(path, obj, **kw)
        if Path(path).name == batch.MANIFEST_FILE and len(obj["cuts"]) == 4:
            raise KeyboardInterrupt

    monkeypatch.setattr(paintmatch.io, "write_json", write_json)
    with pytest.raises(KeyboardInterrupt):
        batch.run(episode, out, workers=2, progress=False)
    monkeypatch.setattr(paintmatch.io, "write_json", real_write_json)
    interrupted = json.loads((out / batch.SUMMARY_FILE).read_text())
    assert interrupted["interrupted"] is True
    done = sorted(json.loads((out / batch.MANIFEST_FILE).read_text())["cuts"])
    assert 4 <= len(done) < 6  # cuts finished when Ctrl-C came are recorded too
    assert not list(out.glob(batch.STOP_PREFIX + "*"))
    missing = sorted(set(names) - set(done))

    # Meanwhile a painter fixed a line frame of one done cut, and an output of another was lost.
    changed, lost, untouched = done[0], done[1], done[2:]
    edited = episode / changed / "line" / "0002.png"
    line = np.array(Image.open(edited).convert("RGBA"))
    cv2.line(line, (5, 150), (30, 150), (0, 0, 0, 255), 2)
    Image.fromarray(line).save(edited)
    (out / lost / "0001.png").unlink()
    before = {cut: _mtimes(out / cut) for cut in untouched}

    code = main(["batch", str(episode), "--out", str(out), "--workers", "2", "--resume", "--quiet"])
    assert code == 0
    summary = json.loads((out / batch.SUMMARY_FILE).read_text())
    status = {row["cut"]: row["status"] for row in summary["cuts"]}
    assert status == {name: ("skipped" if name in untouched else "ok") for name in names}
    assert set(missing) | {changed, lost} == {n for n, s in status.items() if s == "ok"}
    for cut in untouched:
        assert _mtimes(out / cut) == before[cut]  # not rewritten
    for cut in names:
        _check_cut_output(out, episode, cut)
    assert sorted(json.loads((out / batch.MANIFEST_FILE).read_text())["cuts"]) == names


def test_bad_arguments_are_input_errors(tmp_path, capsys):
    assert main(["batch", str(tmp_path / "nowhere"), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert "does not exist" in capsys.readouterr().err
    (tmp_path / "empty").mkdir()
    assert main(["batch", str(tmp_path / "empty"), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert "no cut found" in capsys.readouterr().err
    make_cut(tmp_path / "ep" / "c")
    assert main(["batch", str(tmp_path / "ep"), "--out", str(tmp_path / "out"), "--workers", "0", "--quiet"]) == 2
    assert "--workers" in capsys.readouterr().err


def test_unreachable_scheduler_is_an_input_error_and_writes_nothing(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(batch, "CONNECT_TIMEOUT", "1s")
    make_cut(tmp_path / "ep" / "c")
    out = tmp_path / "out"
    assert main(["batch", str(tmp_path / "ep"), "--out", str(out), "--scheduler", "tcp://127.0.0.1:9", "--quiet"]) == 2
    assert "cannot connect to the Dask scheduler at tcp://127.0.0.1:9" in capsys.readouterr().err
    assert not list(out.iterdir())


# --------------------------------------------------------------------------------------------------
# Issue 17: outputs never inside an input folder, odd frames, Ctrl-C, progress off a terminal


def _hashes(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("inside", ["a/gt", "a/line", "a/gt/deeper", "b/line"])
def test_batch_refuses_an_output_inside_a_cut_input_folder(tmp_path, capsys, inside):
    root = tmp_path / "ep"
    make_cut(root / "a")
    make_cut(root / "b")
    before = _hashes(root)
    code = main(["batch", str(root), "--out", str(root / inside), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "input folder" in err and "ep-paint" in err, err
    assert _hashes(root) == before


def test_batch_refuses_an_output_linked_into_a_cut(tmp_path, capsys):
    root = tmp_path / "ep"
    make_cut(root / "a")
    (tmp_path / "out").symlink_to(root / "a" / "gt", target_is_directory=True)
    before = _hashes(root)
    assert main(["batch", str(root), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    assert "input folder" in capsys.readouterr().err
    assert _hashes(root) == before


def test_a_stopped_task_writes_nothing(tmp_path, monkeypatch):
    import paintmatch.cut

    cut = make_cut(tmp_path / "cut", frames=4)
    out = tmp_path / "out" / "cut"
    out.mkdir(parents=True)
    (out / "0000.png").write_bytes(b"an earlier result")
    before = _hashes(out)
    stop = tmp_path / "out" / (batch.STOP_PREFIX + "test")
    real_paint = paintmatch.cut.paint

    def paint(*args, **kw):  # Ctrl-C in the client while the second frame is being colored
        if len(calls) == 1:
            stop.touch()
        calls.append(1)
        return real_paint(*args, **kw)

    calls: list[int] = []
    monkeypatch.setattr(paintmatch.cut, "paint", paint)
    row = batch.colorize_task(batch.CutTask("cut", str(cut), str(out), str(stop)), ColorizeOptions())
    assert row["status"] == "failed" and "stopped" in row["error"]
    assert len(calls) == 2  # it stopped at the next frame
    assert _hashes(out) == before  # no frame, no sidecar, no log written
    assert sorted(p.name for p in out.iterdir()) == ["0000.png"]


def test_interrupt_records_finished_cuts_only(tmp_path):
    class Future:
        def __init__(self, status):
            self.status = status

    tasks = {Future(s): batch.CutTask(n, "", "") for s, n in (("finished", "a"), ("pending", "b"), ("finished", "c"))}
    stop = tmp_path / (batch.STOP_PREFIX + "x")
    recorded_names = []
    batch._interrupted(stop, tasks, {"c"}, lambda future, **kw: recorded_names.append(tasks[future].name))
    assert stop.exists()
    assert recorded_names == ["a"]  # "b" still running, "c" recorded before


def test_odd_frames_do_not_fail_or_retry_a_cut(tmp_path, capsys, caplog):
    import logging

    root = tmp_path / "ep"
    make_cut(root / "a", frames=4)
    make_cut(root / "b")
    ink = np.zeros((64, 64, 4), np.uint8)
    ink[..., 3] = 255
    Image.fromarray(ink).save(root / "a" / "line" / "0001.png")  # fade to black
    Image.fromarray(np.zeros((64, 64, 4), np.uint8)).save(root / "a" / "line" / "0002.png")  # empty shot
    # b's colored frame does not fit its lines: the square painted in four quarters of two paints, no line between.
    misfit = np.array(Image.open(root / "b" / "gt" / "0000.png"))
    misfit[12:26, 26:39] = misfit[26:39, 12:26] = (60, 60, 200, 255)
    Image.fromarray(misfit).save(root / "b" / "gt" / "0000.png")
    out = tmp_path / "out"
    with caplog.at_level(logging.INFO, logger="paintmatch"):
        code = main(["batch", str(root), "--out", str(out), "--workers", "1"])
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "Traceback" not in captured.err and "\r" not in captured.err  # no bar off a terminal
    summary = json.loads((out / batch.SUMMARY_FILE).read_text())
    rows = {row["cut"]: row for row in summary["cuts"]}
    assert rows["a"]["status"] == "ok" and rows["a"]["frames"] == 4 and rows["a"]["retries"] == 0
    assert json.loads((out / "a" / "0001.json").read_text())["reason"] == "no closed region"
    assert json.loads((out / "a" / "0003.json").read_text())["reference"] == "0000"
    log_text = (out / "a" / batch.CUT_LOG).read_text()
    assert "0001.png has no closed region" in log_text and "0002.png has no lines" in log_text
    messages = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("cut a done (") for m in messages) and any(m.startswith("cut b done (") for m in messages)
    # The summary says what each cut's log warns of, so an episode's warnings are read in one file; --resume keeps them.
    assert len(rows["a"]["warnings"]) == 2 and "0001.png has no closed region" in rows["a"]["warnings"][0]
    assert len(rows["b"]["warnings"]) == 1 and "gt/0000.png does not fit its line frame" in rows["b"]["warnings"][0]
    assert main(["batch", str(root), "--out", str(out), "--workers", "1", "--resume"]) == 0
    resumed = {row["cut"]: row for row in json.loads((out / batch.SUMMARY_FILE).read_text())["cuts"]}
    assert resumed["b"]["status"] == "skipped" and resumed["b"]["warnings"] == rows["b"]["warnings"]


@pytest.mark.slow
def test_ctrl_c_stops_every_write(tmp_path):
    """Ctrl-C on a running batch (SIGINT to its process group, as a terminal sends it): exit 130, and
    nothing in OUT changes once the command has said "interrupted"."""
    import signal
    import subprocess
    import sys
    import time

    root = tmp_path / "ep"
    for index in range(8):
        make_cut(root / f"c{index}", frames=80, size=192)  # long enough that Ctrl-C lands mid-batch on a fast machine
    out = tmp_path / "out"
    process = subprocess.Popen(
        [sys.executable, "-m", "paintmatch.cli", "batch", str(root), "--out", str(out), "--workers", "2"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        # As from a terminal: SIGINT at its default. An ignored SIGINT is inherited through exec, and earlier tests
        # of the same pytest process (Dask's in-process clusters) can leave it ignored, which made this test flaky.
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        manifest = out / batch.MANIFEST_FILE
        if manifest.exists() and json.loads(manifest.read_text())["cuts"]:
            break
        time.sleep(0.05)
    if process.poll() is not None:
        pytest.fail(f"the batch ended before it could be interrupted: {process.communicate()[1].decode()}")
    os.killpg(process.pid, signal.SIGINT)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 130, err.decode()
    assert b"interrupted" in err

    def snapshot() -> dict[str, int]:
        return {p.relative_to(out).as_posix(): p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}

    before = snapshot()
    time.sleep(3)
    assert snapshot() == before  # no cut written after "interrupted"
    summary = json.loads((out / batch.SUMMARY_FILE).read_text())
    manifest = json.loads((out / batch.MANIFEST_FILE).read_text())
    assert summary["interrupted"] is True and len(manifest["cuts"]) < 8
    for name in manifest["cuts"]:
        _check_cut_output(out, root, name)
    assert not list(out.glob(batch.STOP_PREFIX + "*"))
    assert not list(out.rglob(".paintmatch-*"))  # no staging folder left
