"""REST API of ``paintmatch serve``: every endpoint and every error, through FastAPI's TestClient.

The cut is the first three frames of the bundled example (``examples/demo-cut``), copied into a
temporary workspace so that nothing in the repository is written.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import threading
import time
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from paintmatch.cut import DEFAULT_METHOD
from PIL import Image

from paintmatch.errors import InputError
from paintmatch.web import ServeConfig, create_app

with warnings.catch_warnings():  # Starlette asks for httpx2 (not installed); httpx works the same here
    warnings.filterwarnings("ignore", message=".*httpx.*starlette.testclient", category=Warning)
    from fastapi.testclient import TestClient

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "demo-cut"
LOCAL = "http://127.0.0.1"
FRAMES = ("0000", "0001", "0002")


def _make_cut(folder: Path) -> Path:
    if not EXAMPLE.exists():
        pytest.fail(f"the bundled example cut {EXAMPLE} is missing")
    (folder / "line").mkdir(parents=True)
    (folder / "gt").mkdir()
    for name in FRAMES:
        shutil.copy(EXAMPLE / "line" / f"{name}.png", folder / "line" / f"{name}.png")
    shutil.copy(EXAMPLE / "gt" / "0000.png", folder / "gt" / "0000.png")
    return folder


def wait_job(client: TestClient, job: dict, timeout: float = 60.0) -> dict:
    """Poll a job until it finishes; returns its final state."""
    deadline = time.monotonic() + timeout
    while job["state"] in ("queued", "running"):
        if time.monotonic() > deadline:
            pytest.fail(f"job {job} did not finish in {timeout} s")
        time.sleep(0.05)
        job = client.get(f"/api/jobs/{job['id']}").json()
    return job


@pytest.fixture(scope="module")
def colored_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with cut 'demo' colorized once (copied by the tests that need it)."""
    root = tmp_path_factory.mktemp("template")
    _make_cut(root / "demo")
    return colorize_once(root, "demo")


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A fresh workspace with the uncolored cut 'demo' and a non-cut folder."""
    root = tmp_path / "ws"
    _make_cut(root / "demo")
    (root / "notes").mkdir()
    return root


@pytest.fixture
def colored(tmp_path: Path, colored_template: Path) -> Path:
    """A fresh copy of the colorized workspace."""
    root = tmp_path / "colored"
    shutil.copytree(colored_template, root)
    return root


def client_for(root: Path, **settings) -> TestClient:
    """A TestClient on loopback for a new app over ``root``."""
    return TestClient(create_app(ServeConfig(workspace=root, **settings)), base_url=LOCAL)


def colorize_once(root: Path, cut: str, timeout: float = 60.0) -> Path:
    """Colorize ``cut`` of the workspace ``root`` through the API (a template the tests copy); returns ``root``."""
    with client_for(root) as client:
        job = wait_job(client, client.post(f"/api/cuts/{cut}/colorize", json={}).json(), timeout)
        assert job["state"] == "done", job
    return root


def error_of(response) -> str:
    """The JSON error code of a response (and check its shape)."""
    body = response.json()
    assert set(body) == {"detail", "code"} and body["detail"], body
    return body["code"]


def png_bytes(rgba: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(rgba).save(buffer, format="PNG")
    return buffer.getvalue()


def decode(content: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(content)) as image:
        return np.array(image.convert("RGBA"))


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def largest_component(client: TestClient, frame: str, avoid_background: bool = True) -> dict:
    """The largest non-transparent component of a frame (found through the API)."""
    sidecar = json.loads((client.app.state.config.workspace / ".paintmatch/cuts/demo/results" / f"{frame}.json").read_text())
    order = np.argsort([-1 if c.endswith("00") and avoid_background else 0 for c in sidecar["colors"]])
    best, best_area = None, -1
    for comp in order[:60]:
        info = client.get(f"/api/cuts/demo/frames/{frame}/components/{int(comp)}").json()
        if info["color"].endswith("ff") and info["area"] > best_area:
            best, best_area = info, info["area"]
    return best


# ---------------------------------------------------------------------------------------- server


def test_health_docs_ui_and_openapi(workspace: Path) -> None:
    with client_for(workspace) as client:
        assert client.get("/api/health").json() == {"status": "ok", "version": client.app.version, "workspace": "ws"}
        index = client.get("/")
        assert index.status_code == 200 and "app.js" in index.text
        assert "default-src 'self'" in index.headers["content-security-policy"]
        assert "fetch(" in client.get("/static/app.js").text
        assert client.get("/docs").status_code == 200
        paths = client.get("/openapi.json").json()["paths"]
        for path in (
            "/api/cuts", "/api/cuts/{cut}", "/api/cuts/{cut}/colorize", "/api/jobs/{job_id}",
            "/api/cuts/{cut}/frames/{frame}/image", "/api/cuts/{cut}/frames/{frame}/component",
            "/api/cuts/{cut}/frames/{frame}/components/{component}", "/api/cuts/{cut}/frames/{frame}/propagate",
            "/api/cuts/{cut}/undo", "/api/cuts/{cut}/redo", "/api/cuts/{cut}/palette",
            "/api/cuts/{cut}/corrections", "/api/cuts/{cut}/export",
        ):
            assert path in paths, path
        assert error_of(client.get("/api/nothing")) == "not_found"
        assert error_of(client.delete("/api/cuts")) == "method_not_allowed"


def test_the_ui_uses_only_documented_endpoints(workspace: Path) -> None:
    import re

    with client_for(workspace) as client:
        documented = client.get("/openapi.json").json()["paths"]
        script = client.get("/static/app.js").text
    used = set(re.findall(r"/api/[a-z_/]+", script))
    patterns = [re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", p) + "(/|$)") for p in documented]
    for prefix in used:
        assert any(p.match(prefix) or any(d.startswith(prefix) for d in documented) for p in patterns), prefix


def test_config_errors(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="--token"):
        create_app(ServeConfig(workspace=tmp_path, host="0.0.0.0"))
    with pytest.raises(InputError, match="at least 8"):
        create_app(ServeConfig(workspace=tmp_path, host="0.0.0.0", token="short"))
    with pytest.raises(InputError, match="not a folder"):
        create_app(ServeConfig(workspace=tmp_path / "missing"))
    with pytest.raises(InputError, match="--port"):
        create_app(ServeConfig(workspace=tmp_path, port=0))
    create_app(ServeConfig(workspace=tmp_path, host="0.0.0.0", token="s3cret-token"))  # allowed with a token


def test_serve_command_refuses_public_host_without_token(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    from paintmatch.cli import main

    assert main(["serve", str(tmp_path), "--host", "0.0.0.0"]) == 2
    assert "--token" in capsys.readouterr().err


# ---------------------------------------------------------------------------------------- security


def test_host_header_must_be_loopback_without_token(workspace: Path) -> None:
    with client_for(workspace) as client:
        assert client.get("/api/cuts").status_code == 200
        response = client.get("/api/cuts", headers={"host": "evil.example:8000"})
        assert response.status_code == 403 and error_of(response) == "bad_host"


def test_token_by_header_cookie_or_address(workspace: Path) -> None:
    token = "correct-horse-battery"
    with TestClient(create_app(ServeConfig(workspace=workspace, token=token)), base_url="http://paint.studio.lan") as client:
        response = client.get("/api/cuts")
        assert response.status_code == 401 and error_of(response) == "token_required"
        assert client.get("/api/cuts", headers={"X-Paintmatch-Token": "wrong-token-value"}).status_code == 401
        assert client.get("/api/cuts", headers={"X-Paintmatch-Token": token}).status_code == 200
        assert error_of(client.get("/?token=nope")) == "bad_token"
        login = client.get(f"/?token={token}", follow_redirects=False)
        assert login.status_code == 303 and login.headers["location"] == "/"
        assert "HttpOnly" in login.headers["set-cookie"] and "SameSite=Strict" in login.headers["set-cookie"]
        client.cookies.set("paintmatch_token", token)
        assert client.get("/api/cuts").status_code == 200
        assert client.get("/").status_code == 200


def test_cross_origin_changes_are_refused(colored: Path) -> None:
    with client_for(colored) as client:
        response = client.post("/api/cuts/demo/undo", headers={"Origin": "http://evil.example"})
        assert response.status_code == 403 and error_of(response) == "cross_origin"
        same = client.post("/api/cuts/demo/colorize", json={}, headers={"Origin": "http://127.0.0.1"})
        assert same.status_code == 202
        wait_job(client, same.json())


def test_body_limits(workspace: Path) -> None:
    with client_for(workspace, max_request_bytes=10_000) as client:
        big = client.put("/api/cuts/demo/frames/0000/components/0", content=b"x" * (1024 * 1024 + 1), headers={"content-type": "application/json"})
        assert big.status_code == 413 and error_of(big) == "request_too_large"
        upload = client.post("/api/cuts", data={"name": "x"}, files={"lines": ("a.png", b"\0" * 20_000, "image/png"), "colored": ("b.png", b"1", "image/png")})
        assert upload.status_code == 413 and error_of(upload) == "request_too_large"

        def chunks():
            yield b"{}"

        chunked = client.post("/api/cuts/demo/colorize", content=chunks(), headers={"content-type": "application/json"})
        assert chunked.status_code == 411 and error_of(chunked) == "length_required"


@pytest.mark.parametrize(
    "path",
    [
        "/api/cuts/..",
        "/api/cuts/%2e%2e",
        "/api/cuts/..%2F..%2Fetc",
        "/api/cuts/.paintmatch",
        "/api/cuts/demo/frames/..%2F..%2Fgt%2F0000/image",
        "/api/cuts/demo/frames/../image",
        "/api/cuts/demo/frames/%2e%2e/image?view=line",
        "/api/cuts/..%5C..%5Cetc",
        "/api/cuts/%2e%2e/frames/0000/image?view=line",
    ],
)
def test_path_traversal_is_impossible(workspace: Path, path: str) -> None:
    with client_for(workspace) as client:
        response = client.get(path)
        assert response.status_code in (400, 403, 404), (path, response.status_code, response.text)
        assert error_of(response) in ("bad_cut_name", "outside_workspace", "not_found", "frame_not_found", "cut_not_found")


def test_names_and_paths_are_checked_before_use(workspace: Path) -> None:
    from paintmatch.web.errors import ApiError
    from paintmatch.web.workspace import Workspace, check_name, inside

    for bad in ("..", ".", "../x", "a/b", "a\\b", ".hidden", "", "x" * 101, "a..b"):
        with pytest.raises(ApiError) as caught:
            check_name(bad, "cut")
        assert caught.value.status == 400
    for parts in (("..",), ("demo", "..", ".."), ("/etc",)):
        with pytest.raises(ApiError) as caught:
            inside(workspace, *parts)
        assert caught.value.status == 403
    assert inside(workspace, "demo", "line") == (workspace / "demo" / "line").resolve()
    with pytest.raises(ApiError):
        Workspace(workspace).cut("..")


def test_symlinked_cut_leading_outside_is_refused(workspace: Path, tmp_path: Path) -> None:
    outside = _make_cut(tmp_path / "outside-cut")
    (workspace / "escape").symlink_to(outside, target_is_directory=True)
    with client_for(workspace) as client:
        assert [c["name"] for c in client.get("/api/cuts").json()["cuts"]] == ["demo"]
        response = client.get("/api/cuts/escape")
        assert response.status_code == 403 and error_of(response) == "outside_workspace"


# ---------------------------------------------------------------------------------------- cuts


def test_list_and_get_cut(workspace: Path) -> None:
    (workspace / ".hidden").mkdir()
    (workspace / "broken" / "line").mkdir(parents=True)  # a cut folder with no frames
    with client_for(workspace) as client:
        cuts = client.get("/api/cuts").json()["cuts"]
        assert [c["name"] for c in cuts] == ["broken", "demo"]
        assert cuts[1] == {"name": "demo", "frames": 3, "colored_frames": ["0000"], "colorized": False, "corrections": 0}
        assert cuts[0]["frames"] == 0
        detail = client.get("/api/cuts/demo").json()
        assert [f["name"] for f in detail["frame_list"]] == list(FRAMES)
        assert detail["frame_list"][0]["is_reference"] and detail["frame_list"][0]["width"] == 512
        assert detail["revision"] == 0 and not detail["can_undo"] and detail["job"] is None
        assert error_of(client.get("/api/cuts/missing")) == "cut_not_found"
        response = client.get("/api/cuts/broken")
        assert response.status_code == 400 and error_of(response) == "bad_cut"
        assert "<workspace>" in response.json()["detail"] and str(workspace) not in response.json()["detail"]
        assert error_of(client.get("/api/cuts/notes")) == "cut_not_found"


def test_colorize_job_and_progress(workspace: Path) -> None:
    inputs = digest(workspace / "demo")
    with client_for(workspace) as client:
        assert error_of(client.get("/api/cuts/demo/palette")) == "not_colorized"
        started = client.post("/api/cuts/demo/colorize", json={"line_mode": "keep"})
        assert started.status_code == 202 and started.json()["kind"] == "colorize"
        job = wait_job(client, started.json())
        assert job["state"] == "done" and job["done"] == job["total"] == 3 and job["current"] in FRAMES
        detail = client.get("/api/cuts/demo").json()
        assert detail["colorized"] and detail["revision"] == 1 and detail["settings"]["method"] == DEFAULT_METHOD
        assert all(f["components"] > 50 for f in detail["frame_list"])
        assert all(f["low_confidence"] is not None for f in detail["frame_list"])
        assert error_of(client.get("/api/jobs/nope")) == "job_not_found"
        assert error_of(client.post("/api/cuts/demo/colorize", json={"method": "magic"})) == "unknown_method"
        assert error_of(client.post("/api/cuts/demo/colorize", json={"close_gaps": 999})) == "invalid_request"
        assert error_of(client.post("/api/cuts/missing/colorize", json={})) == "cut_not_found"
    assert digest(workspace / "demo") == inputs  # inputs never modified
    assert (workspace / ".paintmatch" / "cuts" / "demo" / "results" / "0002.json").exists()


def test_failing_job_reports_its_reason(workspace: Path) -> None:
    frame = workspace / "demo" / "line" / "0001.png"
    frame.write_bytes(frame.read_bytes()[:200])  # the header is whole, the pixels are cut off
    with client_for(workspace) as client:
        job = wait_job(client, client.post("/api/cuts/demo/colorize", json={}).json())
        assert job["state"] == "failed" and "0001.png" in job["error"]


def test_frame_with_a_broken_header_is_named_when_the_cut_opens(workspace: Path) -> None:
    (workspace / "demo" / "line" / "0001.png").write_bytes(b"\x89PNG\r\n\x1a\nbroken")
    with client_for(workspace) as client:
        response = client.get("/api/cuts/demo")
        assert response.status_code == 400 and error_of(response) == "bad_cut"
        assert "line/0001.png: not a PNG, TGA, TIFF or JPEG image" in response.json()["detail"]


def test_one_job_per_cut_and_edits_wait(colored: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from paintmatch.web import workspace as ws

    release = threading.Event()
    monkeypatch.setattr(ws.CutStore, "colorize", lambda self, **kw: release.wait(10) and {})
    with client_for(colored) as client:
        first = client.post("/api/cuts/demo/colorize", json={}).json()
        busy = client.post("/api/cuts/demo/colorize", json={})
        assert busy.status_code == 409 and error_of(busy) == "cut_busy"
        assert client.get("/api/cuts/demo").json()["job"]["id"] == first["id"]
        assert error_of(client.put("/api/cuts/demo/frames/0001/components/1", json={"color": "#ff0000"})) == "cut_busy"
        assert error_of(client.get("/api/cuts/demo/export")) == "cut_busy"
        assert error_of(client.post("/api/cuts/demo/frames/0001/propagate")) == "cut_busy"
        release.set()
        assert wait_job(client, first)["state"] == "done"


def test_lock_file_keeps_a_second_server_out(colored: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from paintmatch.web import workspace as ws

    monkeypatch.setattr(ws, "LOCK_TIMEOUT", 0.2)
    other = ws.Workspace(colored).cut("demo")  # another process's view of the same cut
    with client_for(colored) as client, other.lock.hold():
        response = client.put("/api/cuts/demo/frames/0001/components/1", json={"color": "#ff0000"})
        assert response.status_code == 409 and error_of(response) == "cut_busy"
    with client_for(colored) as client:
        assert client.put("/api/cuts/demo/frames/0001/components/1", json={"color": "#ff0000"}).status_code == 200


# ---------------------------------------------------------------------------------------- frames


def test_frame_images(workspace: Path, colored: Path) -> None:
    with client_for(workspace) as client:
        line = client.get("/api/cuts/demo/frames/0001/image?view=line")
        assert line.status_code == 200 and line.headers["content-type"] == "image/png"
        assert decode(line.content).shape == (512, 512, 4)
        assert error_of(client.get("/api/cuts/demo/frames/0001/image?view=result")) == "not_colorized"
    with client_for(colored) as client:
        images = {}
        for view in ("result", "line", "confidence", "segments"):
            response = client.get(f"/api/cuts/demo/frames/0001/image?view={view}")
            assert response.status_code == 200, view
            images[view] = decode(response.content)
            assert images[view].shape == (512, 512, 4)
        assert len({v.tobytes() for v in images.values()}) == 4
        assert (images["confidence"][..., 3] == 255).all() and (images["segments"][..., 3] == 255).all()
        strict = decode(client.get("/api/cuts/demo/frames/0001/image?view=confidence&threshold=1").content)
        lax = decode(client.get("/api/cuts/demo/frames/0001/image?view=confidence&threshold=0").content)
        pink = lambda im: int(((im[..., 0] == 255) & (im[..., 1] == 0) & (im[..., 2] == 200)).sum())  # noqa: E731
        assert pink(strict) > pink(lax) == 0
        assert decode(client.get("/api/cuts/demo/frames/0001/image?max_side=100").content).shape == (100, 100, 4)
        assert error_of(client.get("/api/cuts/demo/frames/0001/image?view=x")) == "invalid_request"
        assert error_of(client.get("/api/cuts/demo/frames/0001/image?max_side=1")) == "invalid_request"
        assert error_of(client.get("/api/cuts/demo/frames/9999/image")) == "frame_not_found"


def test_component_lookup(colored: Path) -> None:
    with client_for(colored) as client:
        info = client.get("/api/cuts/demo/frames/0001/component?x=256&y=256").json()
        assert set(info) >= {"id", "color", "confidence", "stage", "locked", "area", "centroid", "bbox"}
        assert client.get(f"/api/cuts/demo/frames/0001/components/{info['id']}").json() == info
        assert error_of(client.get("/api/cuts/demo/frames/0001/component?x=512&y=0")) == "outside_frame"
        assert error_of(client.get("/api/cuts/demo/frames/0001/component?x=-1&y=0")) == "outside_frame"
        assert error_of(client.get("/api/cuts/demo/frames/0001/component?x=1")) == "invalid_request"
        assert error_of(client.get("/api/cuts/demo/frames/0001/components/99999")) == "component_not_found"
        assert error_of(client.get("/api/cuts/demo/frames/0009/components/1")) == "frame_not_found"


def test_palette_is_the_references_colors(colored: Path) -> None:
    with client_for(colored) as client:
        colors = client.get("/api/cuts/demo/palette").json()["colors"]
    gt = np.array(Image.open(EXAMPLE / "gt" / "0000.png").convert("RGBA"))
    opaque = {"#" + "".join(f"{v:02x}" for v in px) for px in np.unique(gt[gt[..., 3] == 255].reshape(-1, 4), axis=0)}
    palette = {c["color"] for c in colors}
    assert palette - {"#00000000"} <= opaque and len(palette) >= 5
    assert all(c["area"] > 0 for c in colors)  # the order is reference_palette's: tests/test_web_flags.py


# ---------------------------------------------------------------------------------------- corrections


def test_set_color_locks_and_persists(colored: Path) -> None:
    inputs = digest(colored / "demo")
    with client_for(colored) as client:
        target = largest_component(client, "0001")
        before = decode(client.get("/api/cuts/demo/frames/0001/image").content)
        revision = client.get("/api/cuts/demo").json()["revision"]
        response = client.put(f"/api/cuts/demo/frames/0001/components/{target['id']}", json={"color": "#12ab34", "base_revision": revision})
        assert response.status_code == 200
        info = response.json()
        assert info["color"] == "#12ab34ff" and info["locked"] and info["stage"] == "locked" and info["confidence"] == 1.0
        after = decode(client.get("/api/cuts/demo/frames/0001/image").content)
        changed = (before != after).any(axis=2)
        ys, xs = np.nonzero(changed)
        x, y, w, h = target["bbox"]
        assert changed.sum() >= target["area"] * 0.9
        assert xs.min() >= x - 1 and xs.max() <= x + w and ys.min() >= y - 1 and ys.max() <= y + h
        assert (after[changed][:, :3] == (0x12, 0xAB, 0x34)).all(axis=1).mean() > 0.9
        detail = client.get("/api/cuts/demo").json()
        assert detail["revision"] == revision + 1 and detail["can_undo"] and detail["frame_list"][1]["locked"] == 1
        stale = client.put(f"/api/cuts/demo/frames/0001/components/{target['id']}", json={"color": "#000000", "base_revision": revision})
        assert stale.status_code == 409 and error_of(stale) == "stale_revision"
        corrections = client.get("/api/cuts/demo/corrections").json()
        entry = corrections["corrections"]["0001"][str(target["id"])]
        assert entry["color"] == "#12ab34ff" and entry["centroid"] == pytest.approx(target["centroid"], abs=0.01)
        assert "#12ab34ff" in {c["color"] for c in client.get("/api/cuts/demo/palette").json()["colors"]}
        assert error_of(client.put("/api/cuts/demo/frames/0001/components/99999", json={"color": "#000000"})) == "component_not_found"
        assert error_of(client.put("/api/cuts/demo/frames/0001/components/1", json={"color": "red"})) == "invalid_request"
        assert error_of(client.put("/api/cuts/demo/frames/0001/components/1", json={})) == "invalid_request"
        assert error_of(client.put("/api/cuts/demo/frames/zz/components/1", json={"color": "#000000"})) == "frame_not_found"
    state = json.loads((colored / ".paintmatch/cuts/demo/state.json").read_text())
    assert state["corrections"]["0001"][str(target["id"])]["color"] == "#12ab34ff"
    with client_for(colored) as client:  # a restarted server sees the same state
        again = client.get(f"/api/cuts/demo/frames/0001/components/{target['id']}").json()
        assert again["color"] == "#12ab34ff" and again["locked"]
        assert (decode(client.get("/api/cuts/demo/frames/0001/image").content) == after).all()
    assert digest(colored / "demo") == inputs


def test_transparent_color(colored: Path) -> None:
    with client_for(colored) as client:
        target = largest_component(client, "0002")
        client.put(f"/api/cuts/demo/frames/0002/components/{target['id']}", json={"color": "#00000000"})
        image = decode(client.get("/api/cuts/demo/frames/0002/image").content)
        cx, cy = (int(round(v)) for v in target["centroid"])
        info = client.get(f"/api/cuts/demo/frames/0002/component?x={cx}&y={cy}").json()
        if info["id"] == target["id"]:
            assert image[cy, cx, 3] == 0


def _sidecar(root: Path, frame: str) -> dict:
    return json.loads((root / ".paintmatch/cuts/demo/results" / f"{frame}.json").read_text())


def test_propagate_recolors_later_frames_and_keeps_locked_fixes(colored: Path) -> None:
    with client_for(colored) as client:
        target = largest_component(client, "0001")
        matched = [i for i, r in enumerate(_sidecar(colored, "0002")["ref_index"]) if r == target["id"]]
        assert matched, "the chosen component has a match in the next frame"
        later_fix = client.get(f"/api/cuts/demo/frames/0002/components/{(matched[0] + 1) % 50}").json()
        client.put(f"/api/cuts/demo/frames/0002/components/{later_fix['id']}", json={"color": "#0000feff"})
        client.put(f"/api/cuts/demo/frames/0001/components/{target['id']}", json={"color": "#fe0000"})
        frame0 = _sidecar(colored, "0000")
        old2 = _sidecar(colored, "0002")
        job = client.post("/api/cuts/demo/frames/0001/propagate")
        assert job.status_code == 202
        job = wait_job(client, job.json())
        assert job["state"] == "done" and job["result"] == {"frames": ["0002"]}
        new2 = _sidecar(colored, "0002")
        assert _sidecar(colored, "0000") == frame0
        assert new2["colors"][later_fix["id"]] == "#0000feff" and new2["stage"][later_fix["id"]] == 3
        from_target = [i for i, r in enumerate(new2["ref_index"]) if r == target["id"]]
        assert from_target and all(new2["colors"][i] == "#fe0000ff" for i in from_target)
        changed = {i for i, (a, b) in enumerate(zip(old2["colors"], new2["colors"])) if a != b}
        assert changed and set(from_target) <= changed
        # undo and redo the re-propagation
        detail = client.get("/api/cuts/demo").json()
        assert detail["undo_label"] == "re-propagate from 0001"
        assert client.post("/api/cuts/demo/undo", json={"base_revision": detail["revision"]}).json()["redo_label"] == "re-propagate from 0001"
        assert _sidecar(colored, "0002")["colors"] == old2["colors"]
        assert client.post("/api/cuts/demo/redo").status_code == 200
        assert _sidecar(colored, "0002")["colors"] == new2["colors"]
        # the last frame has nothing after it
        assert wait_job(client, client.post("/api/cuts/demo/frames/0002/propagate").json())["result"] == {"frames": []}
        assert error_of(client.post("/api/cuts/demo/frames/0009/propagate")) == "frame_not_found"


def test_propagate_before_colorize_is_refused(workspace: Path) -> None:
    with client_for(workspace) as client:
        response = client.post("/api/cuts/demo/frames/0000/propagate")
        assert response.status_code == 409 and error_of(response) == "not_colorized"


def test_undo_redo(colored: Path) -> None:
    with client_for(colored) as client:
        assert error_of(client.post("/api/cuts/demo/undo")) == "nothing_to_undo"
        assert error_of(client.post("/api/cuts/demo/redo")) == "nothing_to_redo"
        target = largest_component(client, "0001")
        original = target["color"]
        client.put(f"/api/cuts/demo/frames/0001/components/{target['id']}", json={"color": "#010203"})
        client.put(f"/api/cuts/demo/frames/0001/components/{target['id']}", json={"color": "#040506"})
        url = f"/api/cuts/demo/frames/0001/components/{target['id']}"
        detail = client.post("/api/cuts/demo/undo").json()
        assert detail["can_redo"] and client.get(url).json()["color"] == "#010203ff"
        client.post("/api/cuts/demo/undo")
        info = client.get(url).json()
        assert info["color"] == original and not info["locked"]
        assert client.get("/api/cuts/demo/corrections").json()["corrections"] == {}
        client.post("/api/cuts/demo/redo")
        assert client.get(url).json()["color"] == "#010203ff" and client.get(url).json()["locked"]
        stale = client.post("/api/cuts/demo/undo", json={"base_revision": 0})
        assert stale.status_code == 409 and error_of(stale) == "stale_revision"
        client.put(url, json={"color": "#070809"})  # a new change clears redo
        assert not client.get("/api/cuts/demo").json()["can_redo"]


def test_colorize_keeps_corrections_and_drops_stale_ones(colored: Path) -> None:
    with client_for(colored) as client:
        target = largest_component(client, "0001")
        client.put(f"/api/cuts/demo/frames/0001/components/{target['id']}", json={"color": "#fe0000"})
        state_path = colored / ".paintmatch/cuts/demo/state.json"
        state = json.loads(state_path.read_text())
        state["corrections"]["0002"] = {"3": {"color": "#abcdefff", "centroid": [-50.0, -50.0]}}  # line art "changed"
        state_path.write_text(json.dumps(state))
    with client_for(colored) as client:
        job = wait_job(client, client.post("/api/cuts/demo/colorize", json={}).json())
        assert job["result"]["dropped_corrections"] == ["0002:3"]
        assert client.get(f"/api/cuts/demo/frames/0001/components/{target['id']}").json()["color"] == "#fe0000ff"
        assert "0002" not in client.get("/api/cuts/demo/corrections").json()["corrections"]
        assert not client.get("/api/cuts/demo").json()["can_undo"]


# ---------------------------------------------------------------------------------------- export


def _zip(response) -> zipfile.ZipFile:
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    return zipfile.ZipFile(io.BytesIO(response.content))


def test_export(colored: Path, workspace: Path) -> None:
    with client_for(colored) as client:
        archive = _zip(client.get("/api/cuts/demo/export"))
        names = set(archive.namelist())
        assert names == {f"demo/{f}.png" for f in FRAMES} | {f"demo/{f}.json" for f in FRAMES} | {"demo/corrections.json"}
        frame = decode(archive.read("demo/0001.png"))
        assert (frame == decode(client.get("/api/cuts/demo/frames/0001/image").content)).all()
        layered = set(_zip(client.get("/api/cuts/demo/export?format=tga&layers=true&line_mode=recolor")).namelist())
        assert {"demo/0001.tga", "demo/0001_paint.tga", "demo/0001_lines.tga"} <= layered
        assert error_of(client.get("/api/cuts/demo/export?format=jpg")) == "invalid_request"
        assert error_of(client.get("/api/cuts/demo/export?line_mode=x")) == "invalid_request"
    with client_for(workspace) as client:
        assert error_of(client.get("/api/cuts/demo/export")) == "not_colorized"


# ---------------------------------------------------------------------------------------- upload


def _upload_files(lines: list[tuple[str, bytes]], colored: tuple[str, bytes]) -> list:
    files = [("lines", (name, data, "image/png")) for name, data in lines]
    files.append(("colored", (colored[0], colored[1], "image/png")))
    return files


def _example_bytes() -> tuple[list[tuple[str, bytes]], tuple[str, bytes]]:
    lines = [(f"{f}.png", (EXAMPLE / "line" / f"{f}.png").read_bytes()) for f in FRAMES[:2]]
    return lines, ("0000.png", (EXAMPLE / "gt" / "0000.png").read_bytes())


def test_upload_creates_a_cut(workspace: Path) -> None:
    lines, gt = _example_bytes()
    with client_for(workspace) as client:
        response = client.post("/api/cuts", data={"name": "new-cut"}, files=_upload_files(lines, gt))
        assert response.status_code == 201, response.text
        assert [f["name"] for f in response.json()["frame_list"]] == ["0000", "0001"]
        assert (workspace / "new-cut" / "line" / "0001.png").read_bytes() == lines[1][1]
        assert (workspace / "new-cut" / "gt" / "0000.png").read_bytes() == gt[1]
        assert "new-cut" in [c["name"] for c in client.get("/api/cuts").json()["cuts"]]
        assert wait_job(client, client.post("/api/cuts/new-cut/colorize", json={}).json())["state"] == "done"
        again = client.post("/api/cuts", data={"name": "new-cut"}, files=_upload_files(lines, gt))
        assert again.status_code == 409 and error_of(again) == "cut_exists"


def test_upload_names_frames_safely(workspace: Path, tmp_path: Path) -> None:
    lines, gt = _example_bytes()
    evil = [("../../../evil.png", lines[0][1]), ("..\\..\\x.png", lines[1][1])]
    with client_for(workspace) as client:
        response = client.post("/api/cuts", data={"name": "safe", "colored_frame": "x"}, files=_upload_files(evil, ("whatever.png", gt[1])))
        assert response.status_code == 201, response.text
    # only the last path component's stem is kept
    assert sorted(p.name for p in (workspace / "safe" / "line").iterdir()) == ["evil.png", "x.png"]
    assert [p.name for p in (workspace / "safe" / "gt").iterdir()] == ["x.png"]
    assert [p.relative_to(tmp_path) for p in tmp_path.rglob("evil*")] == [Path("ws/safe/line/evil.png")]


def test_upload_errors(workspace: Path) -> None:
    lines, gt = _example_bytes()
    small = png_bytes(np.zeros((8, 8, 4), np.uint8))
    truncated = lines[0][1][: len(lines[0][1]) // 2]
    batch = io.BytesIO()  # a scanner's multi-page TIFF: one file per drawing is asked for
    pages = [Image.fromarray(np.zeros((8, 8, 4), np.uint8)), Image.fromarray(np.full((8, 8, 4), 9, np.uint8))]
    pages[0].save(batch, format="TIFF", save_all=True, append_images=pages[1:])
    cases = [
        ({"name": "../x"}, _upload_files(lines, gt), 400, "bad_cut_name"),
        ({"name": ".hidden"}, _upload_files(lines, gt), 400, "bad_cut_name"),
        ({"name": "t1"}, _upload_files([("a.png", b"hello, not an image")], gt), 415, "not_an_image"),
        ({"name": "t2"}, _upload_files([("a.png", b"GIF89a" + b"\0" * 100)], gt), 415, "not_an_image"),
        ({"name": "t3"}, _upload_files([("0000.png", truncated)], gt), 400, "bad_image"),
        ({"name": "t4"}, _upload_files([("0000.png", lines[0][1]), ("0001.png", small)], gt), 400, "size_mismatch"),
        ({"name": "t5"}, _upload_files([("0000.png", small)], ("0000.png", small[:45])), 400, "bad_image"),
        ({"name": "t6"}, _upload_files(lines, ("0000.png", small)), 400, "size_mismatch"),
        ({"name": "t7", "colored_frame": "0042"}, _upload_files(lines, gt), 400, "unknown_colored_frame"),
        ({"name": "t8"}, [("colored", ("0000.png", gt[1], "image/png"))], 422, "invalid_request"),
        ({"name": "t9"}, _upload_files([("0000.png", b"")], gt), 400, "empty_file"),
        ({"name": "t11"}, _upload_files([("0000.tif", batch.getvalue())], gt), 400, "bad_image"),
    ]
    with client_for(workspace) as client:
        for data, files, status, code in cases:
            response = client.post("/api/cuts", data=data, files=files)
            assert (response.status_code, error_of(response)) == (status, code), (data, response.text)
    with client_for(workspace, max_files=2) as client:
        response = client.post("/api/cuts", data={"name": "t10"}, files=_upload_files(lines, gt))
        assert response.status_code == 413 and error_of(response) == "too_many_files"
    with client_for(workspace, max_file_bytes=1000) as client:
        response = client.post("/api/cuts", data={"name": "t11"}, files=_upload_files(lines, gt))
        assert response.status_code == 413 and error_of(response) == "file_too_large"
    with client_for(workspace, max_pixels=100) as client:
        response = client.post("/api/cuts", data={"name": "t12"}, files=_upload_files(lines, gt))
        assert response.status_code == 413 and error_of(response) == "image_too_large"
    left = sorted(p.name for p in workspace.iterdir())
    assert left == [".paintmatch", "demo", "notes"]  # no half-made cut
    assert not any((workspace / ".paintmatch" / "uploads").iterdir())
