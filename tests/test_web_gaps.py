"""Gap closing in ``paintmatch serve``: the ``close_gaps`` setting, the gaps API and the painter's edits.

The cut: a head (a circle outline with a 3 px break at its right) inside a framed picture, the colored
frame painting the head red and the rest of the picture blue; a second line frame with the head moved;
a blank frame and an all-ink frame (passed through, never an error, also when the server reloads them).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from test_web_api import TestClient, client_for, colorize_once, error_of
from test_web_api import wait_job as _wait_job

INK = (0, 0, 0, 255)
RED, BLUE = "#ff0000ff", "#0000ffff"
SIZE = 160


def head_line(cx: int, gap: int = 3) -> np.ndarray:
    """A 2 px head outline centred at (cx, 80), radius 40, broken by ``gap`` px at its right, in a frame."""
    image = np.zeros((SIZE, SIZE, 4), np.uint8)
    cv2.rectangle(image, (4, 4), (155, 155), INK, 2)
    cv2.circle(image, (cx, 80), 40, INK, 2)
    image[80 - gap // 2 : 80 - gap // 2 + gap, cx + 36 : cx + 45] = 0
    return image


def head_colored(cx: int) -> np.ndarray:
    """The painted frame: picture blue, head red, lines black, margin transparent."""
    line = head_line(cx, gap=0)
    image = np.zeros((SIZE, SIZE, 4), np.uint8)
    image[6:154, 6:154] = (0, 0, 255, 255)
    cv2.circle(image, (cx, 80), 39, (255, 0, 0, 255), -1)
    image[line[..., 3] > 0] = INK
    return image


def _png(path: Path, rgba: np.ndarray) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgba).save(path)


def make_cut(root: Path) -> Path:
    cut = root / "heads"
    _png(cut / "line" / "0000.png", head_line(78))
    _png(cut / "gt" / "0000.png", head_colored(78))
    _png(cut / "line" / "0001.png", head_line(82))
    _png(cut / "line" / "0002.png", np.zeros((SIZE, SIZE, 4), np.uint8))  # blank: the character left the shot
    ink = np.zeros((SIZE, SIZE, 4), np.uint8)
    ink[...] = INK
    _png(cut / "line" / "0003.png", ink)  # all ink: a fade to black
    return cut


def wait_job(client: TestClient, job: dict, timeout: float = 120.0) -> dict:
    """Poll a job until it finishes (``test_web_api.wait_job``) and check that it is done."""
    job = _wait_job(client, job, timeout)
    assert job["state"] == "done", job
    return job


def colorize(client: TestClient, **body) -> dict:
    return wait_job(client, client.post("/api/cuts/heads/colorize", json=body).json())


def at(client: TestClient, frame: str, x: int, y: int) -> dict:
    response = client.get(f"/api/cuts/heads/frames/{frame}/component", params={"x": x, "y": y})
    assert response.status_code == 200, response.text
    return response.json()


def head_closed(client: TestClient, frame: str = "0001", cx: int = 82) -> bool:
    """Whether the head is its own component (and then check that it is painted red)."""
    head, body = at(client, frame, cx, 80), at(client, frame, 140 if cx < 90 else 20, 30)
    if head["id"] == body["id"]:
        return False
    assert head["color"] == RED and body["color"] == BLUE, (head, body)
    return True


def gaps(client: TestClient, frame: str = "0001") -> dict:
    response = client.get(f"/api/cuts/heads/frames/{frame}/gaps")
    assert response.status_code == 200, response.text
    return response.json()


def revision(client: TestClient) -> int:
    return client.get("/api/cuts/heads").json()["revision"]


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The cut colorized with the defaults (auto gap closing)."""
    root = tmp_path_factory.mktemp("gaps")
    make_cut(root)
    return colorize_once(root, "heads", timeout=120.0)


@pytest.fixture
def workspace(tmp_path: Path, template: Path) -> Path:
    import shutil

    root = tmp_path / "ws"
    shutil.copytree(template, root)
    return root


def test_auto_is_the_default_and_off_leaks(tmp_path: Path) -> None:
    make_cut(tmp_path)
    with client_for(tmp_path) as client:
        assert error_of(client.get("/api/cuts/heads/frames/0001/gaps")) == "not_colorized"
        for bad in ("bogus", 65, -1, 2.5):
            assert error_of(client.post("/api/cuts/heads/colorize", json={"close_gaps": bad})) == "invalid_request"
        colorize(client, close_gaps="off")
        assert client.get("/api/cuts/heads").json()["settings"]["close_gaps"] == "off"
        assert not head_closed(client)  # the head leaks into the picture
        assert gaps(client)["automatic"] == []
        colorize(client)
        assert client.get("/api/cuts/heads").json()["settings"]["close_gaps"] == "auto"
        assert head_closed(client) and head_closed(client, "0000", 78)
        listed = gaps(client)
        assert len(listed["automatic"]) == 1 and listed["added"] == listed["removed"] == [] and listed["close_gaps"] == "auto"
        x0, y0, x1, y1 = listed["automatic"][0]
        assert 110 <= min(x0, x1) and max(x0, x1) <= 130 and 70 <= min(y0, y1) and max(y0, y1) <= 90
        # A trapped-ball radius (an int) still works, and so does an old state file holding one.
        colorize(client, close_gaps=2)
        assert head_closed(client)
    state = tmp_path / ".paintmatch" / "cuts" / "heads" / "state.json"
    saved = json.loads(state.read_text())
    assert saved["settings"]["close_gaps"] == 2
    del saved["gap_edits"]  # as an older server wrote it
    state.write_text(json.dumps(saved))
    with client_for(tmp_path) as client:  # reloads frames with the int setting (as colorized with radius 2)
        assert gaps(client)["close_gaps"] == 2 and head_closed(client)
    with client_for(tmp_path) as client:
        colorize(client, close_gaps="off")
    with client_for(tmp_path) as client:  # the colored frame reloads through its paint, as colorize read it
        assert head_closed(client, "0000", 78) and not head_closed(client)


def written_through(client: TestClient) -> list:
    """Each frame's ``passed_through`` reason in the cut's detail (None: colored), and that its note says what to check."""
    frames = client.get("/api/cuts/heads").json()["frame_list"]
    for frame in frames:
        assert (frame["passed_through_note"] is None) == (frame["passed_through"] is None), frame
    assert all(f["passed_through_note"].startswith(f["passed_through"]) for f in frames if f["passed_through"])
    return [frame["passed_through"] for frame in frames]


def test_blank_and_all_ink_frames_survive_a_reload(workspace: Path) -> None:
    with client_for(workspace) as client:  # a new app: every frame is segmented again from disk
        detail = client.get("/api/cuts/heads").json()
        assert [f["components"] for f in detail["frame_list"]][2:] == [0, 0]
        # The page says why they are not colored (the sidecar's reason), the colored ones say nothing.
        assert written_through(client) == [None, None, "no lines", "no closed region"]
        for frame in ("0002", "0003"):
            for view in ("result", "line", "segments", "gaps", "confidence"):
                response = client.get(f"/api/cuts/heads/frames/{frame}/image", params={"view": view})
                assert response.status_code == 200, (frame, view, response.text)
            assert gaps(client, frame)["components"] == 0
        image = np.array(Image.open(io.BytesIO(client.get("/api/cuts/heads/frames/0001/image?view=gaps").content)))
        assert (np.all(image[..., :3] == (255, 0, 255), axis=-1)).any()  # the closure, in magenta
        job = wait_job(client, client.post("/api/cuts/heads/frames/0000/propagate").json())
        assert set(job["result"]["frames"]) == {"0001", "0002", "0003"}
        assert head_closed(client)
        assert written_through(client) == [None, None, "no lines", "no closed region"]
        colorize(client)  # the states a colorize streams say it too, before any reload
        assert written_through(client) == [None, None, "no lines", "no closed region"]


def test_remove_and_add_back_undo_redo_restart(workspace: Path) -> None:
    with client_for(workspace) as client:
        automatic = gaps(client)["automatic"][0]
        margin = at(client, "0001", 1, 80)  # the transparent margin: a lock that must survive the edits
        locked = client.put(f"/api/cuts/heads/frames/0001/components/{margin['id']}", json={"color": "#00ff00ff"})
        assert locked.status_code == 200
        base = revision(client)

        opened = client.post("/api/cuts/heads/frames/0001/gaps", json={"remove": automatic, "base_revision": base})
        assert opened.status_code == 200, opened.text
        assert opened.json()["removed"] == [automatic] and opened.json()["automatic"] == []
        assert not head_closed(client)  # the head leaks again
        assert at(client, "0001", 1, 80)["color"] == "#00ff00ff" and at(client, "0001", 1, 80)["locked"]
        assert error_of(client.post("/api/cuts/heads/frames/0001/gaps", json={"remove": automatic, "base_revision": base})) == "stale_revision"

        # Adding the same stroke back by hand closes the head again (the removal is taken back).
        closed = client.post("/api/cuts/heads/frames/0001/gaps", json={"add": automatic[2:] + automatic[:2]})
        assert closed.status_code == 200 and closed.json()["removed"] == [] and len(closed.json()["automatic"]) == 1
        assert head_closed(client)

        # A stroke drawn by hand elsewhere: across the head, from the outline to the outline.
        drawn = client.post("/api/cuts/heads/frames/0001/gaps", json={"add": [82, 41, 82, 119]})
        assert drawn.status_code == 200, drawn.text
        assert drawn.json()["added"] == [[82, 41, 82, 119]]
        halves = at(client, "0001", 62, 80), at(client, "0001", 102, 80)
        assert halves[0]["id"] != halves[1]["id"] and halves[0]["color"] == halves[1]["color"] == RED
        assert at(client, "0001", 1, 80)["locked"]
        detail = client.get("/api/cuts/heads").json()
        assert detail["undo_label"] == "close gap in 0001"

        # Undo: the hand stroke goes, then the closure is removed again; redo brings both back.
        for _ in range(2):
            assert client.post("/api/cuts/heads/undo", json={}).status_code == 200
        assert not head_closed(client) and gaps(client)["removed"] == [automatic] and gaps(client)["added"] == []
        for _ in range(2):
            assert client.post("/api/cuts/heads/redo", json={}).status_code == 200
        assert gaps(client)["added"] == [[82, 41, 82, 119]] and gaps(client)["removed"] == []
        assert at(client, "0001", 62, 80)["id"] != at(client, "0001", 102, 80)["id"]
        state = json.loads((workspace / ".paintmatch/cuts/heads/state.json").read_text())
        assert state["gap_edits"] == {"0001": {"added": [[82, 41, 82, 119]], "removed": []}}

    with client_for(workspace) as client:  # a restart: the edits are read back and applied
        assert gaps(client)["added"] == [[82, 41, 82, 119]]
        assert at(client, "0001", 62, 80)["id"] != at(client, "0001", 102, 80)["id"]
        assert at(client, "0001", 62, 80)["color"] == RED and at(client, "0001", 1, 80)["locked"]
        # Open the automatic closure again, then re-propagate and colorize: the edits stay.
        assert client.post("/api/cuts/heads/frames/0001/gaps", json={"remove": automatic}).status_code == 200
        wait_job(client, client.post("/api/cuts/heads/frames/0000/propagate").json())
        assert gaps(client)["removed"] == [automatic]
        assert at(client, "0001", 102, 80)["id"] == at(client, "0001", 140, 30)["id"]  # the right half leaks
        colorize(client)
        listed = gaps(client)
        assert listed["removed"] == [automatic] and listed["added"] == [[82, 41, 82, 119]]
        assert at(client, "0001", 62, 80)["id"] != at(client, "0001", 102, 80)["id"]
        assert at(client, "0001", 102, 80)["id"] == at(client, "0001", 140, 30)["id"]
        assert at(client, "0001", 62, 80)["color"] == RED and at(client, "0001", 1, 80)["color"] == "#00ff00ff"
        # DELETE clears them: back to the automatic closure, the head closed and red.
        cleared = client.delete("/api/cuts/heads/frames/0001/gaps", params={"base_revision": revision(client)})
        assert cleared.status_code == 200 and cleared.json()["added"] == cleared.json()["removed"] == []
        assert head_closed(client)
        assert error_of(client.delete("/api/cuts/heads/frames/0001/gaps")) == "no_gap_edits"


def test_gap_edit_on_the_colored_frame_reads_its_paint_again(workspace: Path) -> None:
    with client_for(workspace) as client:
        automatic = gaps(client, "0000")["automatic"][0]
        opened = client.post("/api/cuts/heads/frames/0000/gaps", json={"remove": automatic})
        assert opened.status_code == 200 and opened.json()["automatic"] == []
        # The painted frame still tells the head from the picture (read through its paint): head red.
        assert head_closed(client, "0000", 78)
        assert client.post("/api/cuts/heads/frames/0000/gaps", json={"add": automatic}).status_code == 200
        assert head_closed(client, "0000", 78)
    with client_for(workspace) as client:  # reloaded the same way: same components, no 'not_colorized'
        assert head_closed(client, "0000", 78) and gaps(client, "0000")["removed"] == []


def test_gap_edit_errors(workspace: Path) -> None:
    with client_for(workspace) as client:
        url = "/api/cuts/heads/frames/0001/gaps"
        assert error_of(client.post(url, json={"add": [1, 2, 3, 400]})) == "outside_frame"
        assert error_of(client.post(url, json={"add": [-1, 2, 3, 4]})) == "outside_frame"
        assert error_of(client.post(url, json={"add": [5, 5, 5, 5]})) == "bad_closure"
        assert error_of(client.post(url, json={"add": [1, 2, 3]})) == "invalid_request"
        assert error_of(client.post(url, json={})) == "bad_closure"
        assert error_of(client.post(url, json={"add": [1, 2, 3, 4], "remove": [1, 2, 3, 4]})) == "bad_closure"
        assert error_of(client.post(url, json={"remove": [10, 10, 20, 20]})) == "closure_not_found"
        assert client.post(url, json={"add": [82, 41, 82, 119]}).status_code == 200
        assert error_of(client.post(url, json={"add": [83, 41, 82, 118]})) == "closure_exists"
        assert error_of(client.get("/api/cuts/heads/frames/9999/gaps")) == "frame_not_found"
        assert error_of(client.get("/api/cuts/nope/frames/0001/gaps")) == "cut_not_found"
        assert client.get("/api/cuts/..%2F..%2Fetc/frames/0001/gaps").status_code in (400, 403, 404)
        assert error_of(client.delete(url, params={"base_revision": 0})) == "stale_revision"
        paths = client.get("/openapi.json").json()["paths"]
        assert {"get", "post", "delete"} <= set(paths["/api/cuts/{cut}/frames/{frame}/gaps"])


def test_gap_edit_between_two_colored_frames_colors_from_both_as_colorize_does(tmp_path: Path) -> None:
    """Frame 0001 lies between two colored frames, as near to each; its line art is 0002's, whose painter made the head
    green. Colorize takes the head's color from the surer side (0002, the same drawing); a gap edit on 0001 colors it
    again from both sides, not from the nearer (0000, red) alone."""
    cut = tmp_path / "heads"
    _png(cut / "line" / "0000.png", head_line(60))
    _png(cut / "gt" / "0000.png", head_colored(60))
    _png(cut / "line" / "0001.png", head_line(92))
    _png(cut / "line" / "0002.png", head_line(92))
    _png(cut / "gt" / "0002.png", _green_head())
    _head_of_0001_stays_green_through_a_gap_edit(tmp_path)


def _green_head() -> np.ndarray:
    """The colored head drawing at 92 px with the head green instead of red."""
    green = head_colored(92)
    green[np.all(green == (255, 0, 0, 255), axis=-1)] = (0, 255, 0, 255)
    return green


def _head_of_0001_stays_green_through_a_gap_edit(workspace: Path) -> None:
    """Colorize the workspace's cut "heads": frame 0001's head is green, and still green after its first automatic
    closure is removed and drawn again (the frame colored again by the page)."""
    with client_for(workspace) as client:
        colorize(client)
        assert at(client, "0001", 92, 80)["color"] == "#00ff00ff"
        automatic = gaps(client)["automatic"][0]
        assert client.post("/api/cuts/heads/frames/0001/gaps", json={"remove": automatic}).status_code == 200
        assert client.post("/api/cuts/heads/frames/0001/gaps", json={"add": automatic}).status_code == 200
        assert at(client, "0001", 92, 80)["color"] == "#00ff00ff"


def test_gap_edit_with_three_colored_frames_colors_from_each_as_colorize_does(tmp_path: Path) -> None:
    """Frame 0001 lies between two colored frames that paint the head red in another drawing (the head at 60 px); a
    third colored frame, farther, is 0001's own drawing with the head green. Colorize takes the head's color from
    that surest side, crossing 0002 to reach it; a gap edit on 0001 colors it again from all three sides (from the two
    around it only, as before the 45th session, the head came out red)."""
    cut = tmp_path / "heads"
    for name in ("0000", "0002"):
        _png(cut / "line" / f"{name}.png", head_line(60))
        _png(cut / "gt" / f"{name}.png", head_colored(60))
    _png(cut / "line" / "0001.png", head_line(92))
    _png(cut / "line" / "0003.png", head_line(92))
    _png(cut / "gt" / "0003.png", _green_head())
    _head_of_0001_stays_green_through_a_gap_edit(tmp_path)
