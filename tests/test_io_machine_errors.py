"""Errors that are the machine's (read-only file system, full disk, permission, quota) while writing:
``InputError`` (exit 2) naming the path and the cause in words, no temporary file left, no output replaced.

The faults are injected with monkeypatch (tests may run as root, where chmod does not stop writes).
"""

from __future__ import annotations

import errno
import os
from pathlib import Path

import numpy as np
import pytest

from paintmatch.errors import InputError
from paintmatch.io import atomic_write, os_error_message, write_image, write_json

CAUSES = {
    errno.EROFS: "read-only file system",
    errno.ENOSPC: "no space left on device",
    errno.EACCES: "permission denied",
    errno.EPERM: "permission denied",
    errno.EDQUOT: "disk quota exceeded",
}
OLD = b"the painter's earlier output"


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name.endswith(".tmp"))


@pytest.mark.parametrize("code", sorted(CAUSES))
def test_os_error_message_names_path_and_cause(code):
    message = os_error_message("out/0001.png", OSError(code, os.strerror(code), ".0001.png.x.tmp"))
    assert message.startswith("cannot write out/0001.png: " + CAUSES[code] + "; ")
    assert ".tmp" not in message
    assert os_error_message(Path("in/a.tif"), OSError(code, "x"), action="read").startswith("cannot read in/a.tif: ")


def test_os_error_message_of_an_unknown_errno_keeps_the_systems_words():
    assert os_error_message("a", OSError(errno.ENXIO, "No such device or address")) == (
        "cannot write a: no such device or address"
    )
    assert os_error_message("a", OSError("odd")) == "cannot write a: odd"


class _FullDisk:
    """A file object that accepts ``room`` bytes, then fails every write with ``code``."""

    def __init__(self, real, code: int, room: int):
        self._real, self._code, self._room = real, code, room

    def write(self, data):
        if len(data) > self._room:
            raise OSError(self._code, os.strerror(self._code))
        self._room -= len(data)
        return self._real.write(data)

    def __getattr__(self, name):
        return getattr(self._real, name)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self._real.close()


def _fail_writes(monkeypatch, code: int, room: int = 10) -> None:
    real_fdopen = os.fdopen
    monkeypatch.setattr(os, "fdopen", lambda *a, **k: _FullDisk(real_fdopen(*a, **k), code, room))


@pytest.mark.parametrize("suffix", [".png", ".tga", ".tif"])
@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT, errno.EIO])
def test_write_image_on_a_full_disk(tmp_path, monkeypatch, suffix, code):
    target = tmp_path / f"0001{suffix}"
    target.write_bytes(OLD)
    _fail_writes(monkeypatch, code)
    with pytest.raises(InputError) as error:
        write_image(target, np.random.default_rng(0).integers(0, 256, (64, 64, 4), dtype=np.uint8))
    assert error.value.exit_code == 2
    assert str(target) in str(error.value)
    expected = CAUSES.get(code, "input/output error")
    assert f": {expected}" in str(error.value)
    assert isinstance(error.value.__cause__, OSError)
    assert target.read_bytes() == OLD and _leftovers(tmp_path) == []


def test_write_json_over_quota(tmp_path, monkeypatch):
    target = tmp_path / "0001.json"
    _fail_writes(monkeypatch, errno.EDQUOT, room=0)
    with pytest.raises(InputError, match=r"0001\.json: disk quota exceeded"):
        write_json(target, {"components": list(range(100))})
    assert not target.exists() and _leftovers(tmp_path) == []


@pytest.mark.parametrize("where", ["fsync", "replace", "chmod"])
def test_failures_after_the_data_is_written(tmp_path, monkeypatch, where):
    """Delayed allocation reports a full disk at fsync; a read-only remount at the rename."""
    target = tmp_path / "0001.png"
    target.write_bytes(OLD)
    code = {"fsync": errno.ENOSPC, "replace": errno.EROFS, "chmod": errno.EPERM}[where]
    real = getattr(os, where)

    def failing(*args, **kwargs):
        if where == "fsync" and not isinstance(args[0], int):
            return real(*args, **kwargs)
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, where, failing)
    with pytest.raises(InputError, match=rf"0001\.png: {CAUSES[code]}"):
        write_image(target, np.zeros((4, 4, 4), np.uint8))
    monkeypatch.undo()
    assert target.read_bytes() == OLD and _leftovers(tmp_path) == []


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES, errno.ENOSPC])
def test_output_folder_cannot_be_created(tmp_path, monkeypatch, code):
    target = tmp_path / "paint" / "deep" / "0001.png"

    def refuse(self, *args, **kwargs):
        raise OSError(code, os.strerror(code), str(self))

    monkeypatch.setattr(Path, "mkdir", refuse)
    with pytest.raises(InputError) as error:
        write_json(target.with_suffix(".json"), {})
    message = str(error.value)
    assert message.startswith(f"cannot write {target.with_suffix('.json')}: cannot create folder {target.parent}: ")
    assert CAUSES[code] in message and error.value.exit_code == 2
    monkeypatch.undo()
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("code", [errno.EROFS, errno.EACCES])
def test_temporary_file_cannot_be_created(tmp_path, monkeypatch, code):
    import tempfile

    def refuse(*args, **kwargs):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    with pytest.raises(InputError, match=rf"cannot write {tmp_path}/a\.tif: {CAUSES[code]}"):
        write_image(tmp_path / "a.tif", np.zeros((2, 2, 4), np.uint8))


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root writes into read-only folders")
def test_real_read_only_folder(tmp_path):
    folder = tmp_path / "locked"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        with pytest.raises(InputError, match=r"locked/0001\.png: permission denied"):
            write_image(folder / "0001.png", np.zeros((2, 2, 4), np.uint8))
    finally:
        folder.chmod(0o700)
    assert list(folder.iterdir()) == []


def test_errors_of_the_body_without_an_errno_pass_unchanged(tmp_path):
    with pytest.raises(ValueError, match="mine"):
        with atomic_write(tmp_path / "a.txt", "w"):
            raise ValueError("mine")
    with pytest.raises(OSError, match="encoder error") as error:
        with atomic_write(tmp_path / "a.txt", "w"):
            raise OSError("encoder error -2")  # Pillow's own failures carry no errno: a bug, not the disk
    assert not isinstance(error.value, InputError)
    assert list(tmp_path.iterdir()) == []


def test_cli_reports_a_full_disk_with_exit_code_2(tmp_path, monkeypatch, capsys):
    from paintmatch.cli import main

    example = Path(__file__).resolve().parents[1] / "examples" / "demo-cut"
    out = tmp_path / "out"
    out.mkdir()
    (out / "0000.png").write_bytes(OLD)
    real_fsync = os.fsync

    def full(fd):
        real_fsync(fd)
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(os, "fsync", full)
    code = main(["colorize", str(example / "line" / "0001.png"), "--reference", str(example / "gt" / "0000.png"),
                 "--reference-line", str(example / "line" / "0000.png"), "--out", str(out), "--quiet", "--method", "overlap"])
    err = capsys.readouterr().err
    monkeypatch.undo()
    assert code == 2, err
    assert "no space left on device" in err and "Traceback" not in err and "internal error" not in err
    assert sorted(p.name for p in out.iterdir()) == ["0000.png"] and (out / "0000.png").read_bytes() == OLD
    assert _leftovers(tmp_path) == []
