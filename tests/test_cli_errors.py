"""Bad input gets a clear message and exit code 2, and never overwrites existing outputs."""

import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from paintmatch.cli import main

SENTINEL = b"an earlier good result"


@pytest.fixture
def cut(basicpbc, tmp_path) -> Path:
    """A small valid cut (laughing_girl downscaled to 400 px) with an existing output folder."""
    root = tmp_path / "cut"
    (root / "line").mkdir(parents=True)
    (root / "gt").mkdir()
    for name in ("0000", "0001", "0002"):
        with Image.open(basicpbc / "laughing_girl" / "line" / f"{name}.png") as image:
            image.resize((400, 400), Image.NEAREST).save(root / "line" / f"{name}.png")
    with Image.open(basicpbc / "laughing_girl" / "gt" / "0000.png") as image:
        image.resize((400, 400), Image.NEAREST).save(root / "gt" / "0000.png")
    out = tmp_path / "out"
    out.mkdir()
    for name in ("0000", "0001", "0002"):
        (out / f"{name}.png").write_bytes(SENTINEL)
    return root


def _run(cut: Path, capsys) -> tuple[int, str]:
    code = main(["colorize", str(cut), "--out", str(cut.parent / "out"), "--quiet"])
    return code, capsys.readouterr().err


def _untouched(cut: Path) -> None:
    out = cut.parent / "out"
    assert sorted(p.name for p in out.iterdir()) == ["0000.png", "0001.png", "0002.png"]
    assert all((out / f"{n}.png").read_bytes() == SENTINEL for n in ("0000", "0001", "0002"))


def test_valid_cut_replaces_outputs(cut, capsys):
    code, err = _run(cut, capsys)
    assert code == 0, err
    assert (cut.parent / "out" / "0002.png").read_bytes() != SENTINEL


def test_truncated_line_frame(cut, capsys):
    data = (cut / "line" / "0002.png").read_bytes()
    (cut / "line" / "0002.png").write_bytes(data[: len(data) // 2])
    code, err = _run(cut, capsys)
    assert code == 2 and "0002.png" in err and "Traceback" not in err
    _untouched(cut)


def test_not_an_image(cut, capsys):
    (cut / "line" / "0001.png").write_text("hello, I am text")
    code, err = _run(cut, capsys)
    assert code == 2 and "0001.png" in err
    _untouched(cut)


def test_colored_frame_of_another_size(cut, capsys):
    with Image.open(cut / "gt" / "0000.png") as image:
        image.resize((300, 300)).save(cut / "gt" / "0000.png")
    code, err = _run(cut, capsys)
    assert code == 2 and "300x300" in err and "400x400" in err
    _untouched(cut)


def test_no_colored_frame(cut, capsys):
    (cut / "gt" / "0000.png").unlink()
    code, err = _run(cut, capsys)
    assert code == 2 and "suggest-reference" in err
    _untouched(cut)


def test_line_frame_without_lines_is_written_through(cut, capsys, caplog):
    # Issue 17: a blank frame (the character left the shot) no longer fails the cut; it is written
    # through transparent with a warning naming its file, and the other frames are colored.
    Image.fromarray(np.zeros((400, 400, 4), np.uint8)).save(cut / "line" / "0002.png")
    code, err = _run(cut, capsys)
    assert code == 0, err
    out = cut.parent / "out"
    assert any("0002.png" in r.getMessage() and "no lines" in r.getMessage() for r in caplog.records)
    assert (np.array(Image.open(out / "0002.png")) == 0).all()
    assert (out / "0001.png").read_bytes() != SENTINEL


def _png_header_only(width: int, height: int) -> bytes:
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


def test_decompression_bomb(cut, capsys):
    (cut / "line" / "0001.png").write_bytes(_png_header_only(60000, 60000))
    code, err = _run(cut, capsys)
    assert code == 2 and "0001.png" in err and "Traceback" not in err
    _untouched(cut)


def test_missing_cut_folder(tmp_path, capsys):
    code = main(["colorize", str(tmp_path / "nowhere"), "--quiet"])
    assert code == 2 and "nowhere" in capsys.readouterr().err


def test_unknown_method(cut, capsys):
    code = main(["colorize", str(cut), "--method", "papr", "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "Did you mean 'paper'" in err


def test_machine_errors_are_input_errors_naming_the_path(cut, capsys, monkeypatch):
    # Issue 17, item 5: an OSError of the machine that escapes every layer still gets exit 2 and the cause.
    import errno

    import paintmatch.commands.colorize

    def full(args):
        raise OSError(errno.ENOSPC, "No space left on device", "/mnt/full/0001.png")

    monkeypatch.setattr(paintmatch.commands.colorize, "run", full)
    code = main(["colorize", str(cut), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and "/mnt/full/0001.png" in err and "no space left" in err and "internal error" not in err

    def bug(args):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(paintmatch.commands.colorize, "run", bug)
    assert main(["colorize", str(cut), "--quiet"]) == 1
