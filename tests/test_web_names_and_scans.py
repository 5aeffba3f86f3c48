"""``paintmatch serve`` with cut folders named in any language or with spaces, frame files that link
outside the workspace, oversized and TIFF uploads, and a disk that refuses writes."""

from __future__ import annotations

import errno
import io
import logging
import os
import shutil
import struct
import zipfile
import zlib
from pathlib import Path
from urllib.parse import quote

import pytest
from PIL import Image

from test_web_api import EXAMPLE, FRAMES, _make_cut, _upload_files, client_for, digest, error_of, wait_job

NAMES = ["c001 v2", "カット01"]


def url(name: str) -> str:
    return f"/api/cuts/{quote(name, safe='')}"


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    for name in NAMES:
        _make_cut(root / name)
    _make_cut(root / "plain")
    return root


def test_cuts_named_with_spaces_and_japanese_are_listed_and_every_route_works(workspace: Path) -> None:
    inputs = {name: digest(workspace / name) for name in NAMES}
    with client_for(workspace) as client:
        listed = [c["name"] for c in client.get("/api/cuts").json()["cuts"]]
        assert sorted(listed) == sorted(NAMES + ["plain"])
        for name in NAMES:
            base = url(name)
            detail = client.get(base)
            assert detail.status_code == 200, detail.text
            assert detail.json()["name"] == name and [f["name"] for f in detail.json()["frame_list"]] == list(FRAMES)
            assert client.get(f"{base}/frames/0001/image?view=line").status_code == 200
            job = wait_job(client, client.post(f"{base}/colorize", json={"method": "overlap"}).json())
            assert job["state"] == "done" and job["cut"] == name, job
            for view in ("result", "confidence", "segments"):
                assert client.get(f"{base}/frames/0001/image?view={view}").status_code == 200, view
            info = client.get(f"{base}/frames/0001/component?x=256&y=256").json()
            assert client.get(f"{base}/frames/0001/components/{info['id']}").json() == info
            changed = client.put(f"{base}/frames/0001/components/{info['id']}", json={"color": "#123456"})
            assert changed.status_code == 200 and changed.json()["locked"]
            assert client.get(f"{base}/corrections").json()["cut"] == name
            assert client.get(f"{base}/palette").status_code == 200
            assert client.post(f"{base}/undo", json={}).json()["can_redo"]
            assert client.post(f"{base}/redo", json={}).json()["can_undo"]
            job = wait_job(client, client.post(f"{base}/frames/0000/propagate").json())
            assert job["state"] == "done", job
            export = client.get(f"{base}/export?format=tga")
            assert export.status_code == 200, export.text
            with zipfile.ZipFile(io.BytesIO(export.content)) as archive:
                assert f"{name}/0001.tga" in archive.namelist()
            assert digest(workspace / name) == inputs[name]  # the painter's files are never written


@pytest.mark.parametrize(
    "raw",
    ["a%2Fb", "..", "%2E%2E", "c001%2F..%2F..", "a%00b", "a%0Ab", "a%1Bb", "%E2%80%AEcut", ".hidden",
     "a%5C..%5Cb", "%20", "x" * 101],
)
def test_names_that_could_escape_or_mislead_are_still_refused(workspace: Path, raw: str) -> None:
    with client_for(workspace) as client:
        for path in (f"/api/cuts/{raw}", f"/api/cuts/{raw}/frames/0000/image?view=line"):
            response = client.get(path)
            assert response.status_code in (400, 403, 404), (path, response.text)
            assert error_of(response) in ("bad_cut_name", "outside_workspace", "not_found", "cut_not_found")


def test_is_safe_name() -> None:
    from paintmatch.web.workspace import check_name, is_safe_name

    for good in ["c001 v2", "カット01", "scène 3", "cut-01", "A.b_c", "x" * 100, "カ" * 100]:
        assert is_safe_name(good) and check_name(good, "cut") == good
    for bad in ["", " ", "..", "a..b", ".x", "a/b", "a\\b", "a\0b", "a\nb", "a\x1bb", "\u202ecut", "a\u200bb",
                "x" * 101, "\udcff"]:
        assert not is_safe_name(bad), repr(bad)


def test_folders_whose_names_cannot_be_served_are_skipped_with_a_warning(workspace: Path, caplog) -> None:
    os.mkdir(os.fsencode(workspace) + b"/bad\xffname")
    os.mkdir(os.fsencode(workspace) + b"/bad\xffname/line")
    (workspace / "tab\tname" / "line").mkdir(parents=True)
    with caplog.at_level(logging.WARNING, logger="paintmatch.web"), client_for(workspace) as client:
        listed = [c["name"] for c in client.get("/api/cuts").json()["cuts"]]
    assert sorted(listed) == sorted(NAMES + ["plain"])
    warned = " ".join(r.getMessage() for r in caplog.records)
    assert "'bad\\udcffname'" in warned and "'tab\\tname'" in warned and "rename it" in warned


def test_macos_decomposed_names_are_found_from_composed_ones(tmp_path: Path) -> None:
    import unicodedata

    decomposed = unicodedata.normalize("NFD", "scène")
    _make_cut(tmp_path / "ws" / decomposed)
    with client_for(tmp_path / "ws") as client:
        response = client.get(url(unicodedata.normalize("NFC", "scène")))
        assert response.status_code == 200 and response.json()["name"] == decomposed


# ---------------------------------------------------------------------------------------- links


def test_frame_linking_outside_the_workspace_is_refused(workspace: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    shutil.copy(EXAMPLE / "line" / "0001.png", secret)
    frame = workspace / "plain" / "line" / "0001.png"
    frame.unlink()
    frame.symlink_to(secret)
    with client_for(workspace) as client:
        response = client.get("/api/cuts/plain")
        assert response.status_code == 403 and error_of(response) == "outside_workspace"
        assert "line/0001.png" in response.json()["detail"] and str(tmp_path) not in response.json()["detail"]
        for path in ("/api/cuts/plain/frames/0001/image?view=line", "/api/cuts/plain/frames/0000/image?view=line"):
            assert client.get(path).status_code == 403
        assert client.post("/api/cuts/plain/colorize", json={}).status_code == 403
        assert [c["frames"] for c in client.get("/api/cuts").json()["cuts"] if c["name"] == "plain"] == [0]


def test_colored_frame_linking_outside_is_refused(workspace: Path, tmp_path: Path) -> None:
    outside = tmp_path / "gt.png"
    shutil.copy(EXAMPLE / "gt" / "0000.png", outside)
    (workspace / "plain" / "gt" / "0000.png").unlink()
    (workspace / "plain" / "gt" / "0000.png").symlink_to(outside)
    with client_for(workspace) as client:
        response = client.get("/api/cuts/plain")
        assert response.status_code == 403 and "gt/0000.png" in response.json()["detail"]


def test_frame_swapped_for_an_outside_link_after_opening_is_refused(workspace: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes((EXAMPLE / "line" / "0002.png").read_bytes())
    with client_for(workspace) as client:
        assert client.get("/api/cuts/plain/frames/0001/image?view=line").status_code == 200
        frame = workspace / "plain" / "line" / "0001.png"
        frame.unlink()
        frame.symlink_to(secret)
        response = client.get("/api/cuts/plain/frames/0001/image?view=line")
        assert response.status_code == 403 and error_of(response) == "outside_workspace"


def test_links_inside_the_workspace_are_served(workspace: Path) -> None:
    frame = workspace / "plain" / "line" / "0001.png"
    frame.unlink()
    frame.symlink_to(workspace / "c001 v2" / "line" / "0001.png")
    with client_for(workspace) as client:
        assert client.get("/api/cuts/plain/frames/0001/image?view=line").status_code == 200


# ---------------------------------------------------------------------------------------- uploads


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _huge_png(width: int = 20000, height: int = 20000) -> bytes:
    """A PNG whose header claims ``width`` x ``height`` (a few hundred bytes: one compressed row)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", zlib.compress(b"\0" * (width + 1))) + _chunk(b"IEND", b"")


def _huge_tiff(width: int = 20000, height: int = 20000) -> bytes:
    entries = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
               (273, 4, 1, 8), (277, 3, 1, 1), (278, 4, 1, height), (279, 4, 1, width * height)]
    ifd = struct.pack("<H", len(entries)) + b"".join(struct.pack("<HHII", *e) for e in entries) + b"\0\0\0\0"
    return b"II*\x00" + struct.pack("<I", 8) + ifd


def _example() -> tuple[list[tuple[str, bytes]], tuple[str, bytes]]:
    lines = [(f"{f}.png", (EXAMPLE / "line" / f"{f}.png").read_bytes()) for f in FRAMES[:2]]
    return lines, ("0000.png", (EXAMPLE / "gt" / "0000.png").read_bytes())


@pytest.mark.parametrize("name, data", [("big.png", _huge_png()), ("big.tif", _huge_tiff())])
def test_huge_upload_is_413_image_too_large(workspace: Path, name: str, data: bytes) -> None:
    lines, gt = _example()
    with client_for(workspace) as client:
        response = client.post("/api/cuts", data={"name": "huge"}, files=_upload_files([(name, data)], gt))
        assert response.status_code == 413 and error_of(response) == "image_too_large", response.text
        assert "20000x20000" in response.json()["detail"] and name in response.json()["detail"]
        response = client.post("/api/cuts", data={"name": "huge"}, files=_upload_files(lines, (name, data)))
        assert response.status_code == 413 and error_of(response) == "image_too_large"
    assert not (workspace / "huge").exists()
    assert not any((workspace / ".paintmatch" / "uploads").iterdir())


def _as(data: bytes, fmt: str, **options) -> bytes:
    with Image.open(io.BytesIO(data)) as image:
        buffer = io.BytesIO()
        image.save(buffer, format=fmt, **options)
        return buffer.getvalue()


def test_tiff_upload_to_a_japanese_cut_name(workspace: Path) -> None:
    lines, gt = _example()
    tiffs = [(f"{Path(n).stem}.tif", _as(d, "TIFF", compression="tiff_lzw")) for n, d in lines]
    with client_for(workspace) as client:
        response = client.post("/api/cuts", data={"name": "カット 02"}, files=_upload_files(tiffs, ("0000.tiff", _as(gt[1], "TIFF"))))
        assert response.status_code == 201, response.text
        assert sorted(p.name for p in (workspace / "カット 02" / "line").iterdir()) == ["0000.tif", "0001.tif"]
        assert (workspace / "カット 02" / "line" / "0001.tif").read_bytes() == tiffs[1][1]
        assert "カット 02" in [c["name"] for c in client.get("/api/cuts").json()["cuts"]]
        job = wait_job(client, client.post(f"{url('カット 02')}/colorize", json={"method": "overlap"}).json())
        assert job["state"] == "done", job
        bad = client.post("/api/cuts", data={"name": "a/b"}, files=_upload_files(tiffs, ("0000.tif", tiffs[0][1])))
        assert bad.status_code == 400 and error_of(bad) == "bad_cut_name"


def test_full_disk_during_upload_is_507(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lines, gt = _example()

    def full(self, data):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(self))

    monkeypatch.setattr(Path, "write_bytes", full)
    with client_for(workspace) as client:
        response = client.post("/api/cuts", data={"name": "new"}, files=_upload_files(lines, gt))
    monkeypatch.undo()
    assert response.status_code == 507 and error_of(response) == "storage_error"
    assert "no space left on device" in response.json()["detail"] and str(workspace) not in response.json()["detail"]
    assert not (workspace / "new").exists()


def test_full_disk_while_saving_a_correction_is_507(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = tmp_path / "ws"
    _make_cut(root / "c001 v2")
    with client_for(root) as client:
        base = url("c001 v2")
        assert wait_job(client, client.post(f"{base}/colorize", json={"method": "overlap"}).json())["state"] == "done"
        state = root / ".paintmatch" / "cuts" / "c001 v2" / "state.json"
        before = state.read_bytes()
        real_fsync = os.fsync

        def full(fd):
            real_fsync(fd)
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        monkeypatch.setattr(os, "fsync", full)
        response = client.put(f"{base}/frames/0001/components/1", json={"color": "#ff0000"})
        monkeypatch.undo()
        assert response.status_code == 507 and error_of(response) == "storage_error", response.text
        detail = response.json()["detail"]
        assert "no space left on device" in detail and "<workspace>" in detail and str(root) not in detail
        assert state.read_bytes() == before
        assert not [p for p in root.rglob("*.tmp")]
