"""Colored frames made in the review page: the frame to color next, fixed, becomes a colored frame of the cut.

``POST /api/cuts/{cut}/frames/{frame}/colored`` writes the frame's current result (locked fixes included) into the
workspace's state (never into the cut's ``gt/``) and colors the cut again, every frame from the two colored frames
around it; ``DELETE`` stops using it. The cut is the bundled example (``examples/demo-cut``, colored frame 0000).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np

from paintmatch.io import read_image
from paintmatch.paint import color_hex
from test_web_api import EXAMPLE, client_for, error_of, wait_job
from test_web_flags import colored, template  # noqa: F401 - fixtures: a private copy of the colorized example cut


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_the_frame_to_color_next_fixed_becomes_a_colored_frame_and_can_be_dropped(colored: Path) -> None:
    gt_before = _files(colored / "demo" / "gt")
    with client_for(colored) as client:
        detail = client.get("/api/cuts/demo").json()
        chosen = detail["next_to_color"]
        assert chosen is not None and detail["colored_frames"] == ["0000"]
        cut = client.app.state.workspace.cut("demo")
        # The painter fixes the frame's least sure component (a locked fix), then makes it a colored frame.
        state = cut.frame_state(chosen)
        scored = np.flatnonzero(state.frame.seg.areas > 10)
        fixed = int(scored[np.argmin(state.matching.confidence[scored])])
        pink = (255, 0, 200, 255)
        assert client.put(f"/api/cuts/demo/frames/{chosen}/components/{fixed}", json={"color": color_hex(pink)}).status_code == 200
        before = cut.frame_state(chosen).matching.colors.copy()
        response = client.post(f"/api/cuts/demo/frames/{chosen}/colored", json={"base_revision": client.get("/api/cuts/demo").json()["revision"]})
        assert response.status_code == 202, response.text
        assert wait_job(client, response.json(), 90.0)["state"] == "done"

        after = client.get("/api/cuts/demo").json()
        assert after["colored_frames"] == sorted(["0000", chosen])
        entry = next(f for f in after["frame_list"] if f["name"] == chosen)
        assert entry["is_reference"] and entry["made_colored"] and entry["flagged"] == []
        assert after["next_to_color"] not in (None, "0000", chosen)
        # The colored frame is the frame as the painter left it: its colors read back, the fix included.
        made = cut.frame_state(chosen)
        assert made.is_reference and made.reference_name == chosen
        assert tuple(made.matching.colors[fixed]) == pink
        assert np.array_equal(made.matching.colors, before)
        assert read_image(cut.made_dir / f"{chosen}.png").shape[:2] == made.frame.seg.shape
        # The frames beyond it are colored from it (its chain), and gt/ was never written.
        later = [f for f in after["frame_list"] if f["index"] > entry["index"]]
        assert later and all(f["reference"] == chosen for f in later[:1])
        assert _files(colored / "demo" / "gt") == gt_before

        # gt/'s colored input cannot be dropped, nor made again; the made one can be dropped.
        assert error_of(client.delete("/api/cuts/demo/frames/0000/colored")) == "not_made_here"
        assert error_of(client.post(f"/api/cuts/demo/frames/{chosen}/colored")) == "already_colored"
        matched, reused = cut.match_memo.misses, cut.match_memo.hits
        response = client.delete(f"/api/cuts/demo/frames/{chosen}/colored")
        assert response.status_code == 202 and wait_job(client, response.json(), 90.0)["state"] == "done"
        # Colored from 0000 alone again: 0000's chain crossed the made colored frame (with the lock on it) in the run
        # before, so the page reuses those matches (``CutStore.match_memo``); the last frame, were it the one made,
        # had been no chain's.
        last = chosen == detail["frame_list"][-1]["name"]
        assert (cut.match_memo.misses - matched, cut.match_memo.hits - reused) == (last, len(detail["frame_list"]) - 1 - last)
        dropped = client.get("/api/cuts/demo").json()
        assert dropped["colored_frames"] == ["0000"]
        assert not next(f for f in dropped["frame_list"] if f["name"] == chosen)["is_reference"]
        assert not (cut.made_dir / f"{chosen}.png").exists()
        # The painter's fix stays a locked fix of the frame, now colored from 0000 again.
        assert tuple(cut.frame_state(chosen).matching.colors[fixed]) == pink


def test_a_colored_frame_made_in_the_page_survives_a_restart(colored: Path) -> None:
    with client_for(colored) as client:
        chosen = client.get("/api/cuts/demo").json()["next_to_color"]
        response = client.post(f"/api/cuts/demo/frames/{chosen}/colored")
        assert wait_job(client, response.json(), 90.0)["state"] == "done"
    with client_for(colored) as client:  # a new server on the same workspace
        detail = client.get("/api/cuts/demo").json()
        assert detail["colored_frames"] == sorted(["0000", chosen])
        assert next(f for f in detail["frame_list"] if f["name"] == chosen)["made_colored"]


def test_making_a_colored_frame_needs_a_colored_cut_and_a_current_revision(tmp_path: Path, colored: Path) -> None:
    fresh = tmp_path / "fresh"
    shutil.copytree(EXAMPLE, fresh / "demo")
    with client_for(fresh) as client:
        assert error_of(client.post("/api/cuts/demo/frames/0002/colored")) == "not_colorized"
    with client_for(colored) as client:
        revision = client.get("/api/cuts/demo").json()["revision"]
        assert error_of(client.post("/api/cuts/demo/frames/0002/colored", json={"base_revision": revision - 1})) == "stale_revision"
        assert error_of(client.post("/api/cuts/demo/frames/nope/colored")) == "frame_not_found"
        assert client.get("/api/cuts/demo").json()["colored_frames"] == ["0000"]


def _painted_elsewhere(client, color: tuple[int, int, int, int]):
    """``(cut, frame, component, rgba)``: the demo cut's frame to color next as painted in a paint tool: paintmatch's
    result with its largest painted component (``component``) painted ``color``."""
    chosen = client.get("/api/cuts/demo").json()["next_to_color"]
    cut = client.app.state.workspace.cut("demo")
    state = cut.frame_state(chosen)
    painted = read_image_bytes(client.get(f"/api/cuts/demo/frames/{chosen}/image?view=result").content)
    largest = int(np.argmax(np.where(state.matching.colors[:, 3] > 0, state.frame.seg.areas, 0)))
    painted[state.frame.seg.labels == largest] = color
    return cut, chosen, largest, painted


def test_a_colored_frame_painted_elsewhere_is_uploaded_to_its_line_frame(colored: Path) -> None:
    import io

    from PIL import Image

    def png(rgba: np.ndarray) -> bytes:
        buffer = io.BytesIO()
        Image.fromarray(rgba, "RGBA").save(buffer, format="PNG")
        return buffer.getvalue()

    gt_before = _files(colored / "demo" / "gt")
    with client_for(colored) as client:
        pink = (255, 0, 200, 255)
        cut, chosen, largest, painted = _painted_elsewhere(client, pink)
        url = f"/api/cuts/demo/frames/{chosen}/colored"

        assert error_of(client.put(url, files={"colored": ("x.png", png(painted[:-1]), "image/png")})) == "size_mismatch"
        assert error_of(client.put(url, files={"colored": ("x.png", b"not an image at all", "image/png")})) == "not_an_image"
        assert error_of(client.put("/api/cuts/demo/frames/0000/colored", files={"colored": ("x.png", png(painted), "image/png")})) == "already_colored"
        assert client.get("/api/cuts/demo").json()["colored_frames"] == ["0000"]

        response = client.put(url, files={"colored": (f"{chosen}.png", png(painted), "image/png")})
        assert response.status_code == 202, response.text
        assert wait_job(client, response.json(), 90.0)["state"] == "done"
        detail = client.get("/api/cuts/demo").json()
        assert detail["colored_frames"] == sorted(["0000", chosen])
        entry = next(f for f in detail["frame_list"] if f["name"] == chosen)
        assert entry["made_colored"] and entry["misfit_note"] is None  # painted on its own lines: it fits them
        made = cut.frame_state(chosen)
        assert made.is_reference and tuple(made.matching.colors[largest]) == pink
        assert _files(colored / "demo" / "gt") == gt_before
        assert not list((colored / ".paintmatch" / "uploads").rglob("*.png"))  # the staged upload is gone


def test_a_colored_frame_that_does_not_fit_its_line_frame_says_so(colored: Path) -> None:
    import io

    from PIL import Image

    with client_for(colored) as client:
        cut, chosen, _largest, painted = _painted_elsewhere(client, (255, 0, 200, 255))
        buffer = io.BytesIO()
        Image.fromarray(np.roll(painted, 6, axis=1), "RGBA").save(buffer, format="PNG")  # misregistered by 6 px
        response = client.put(f"/api/cuts/demo/frames/{chosen}/colored",
                              files={"colored": (f"{chosen}.png", buffer.getvalue(), "image/png")})
        assert wait_job(client, response.json(), 90.0)["state"] == "done"  # used as given, with a warning
        notes = {f["name"]: f["misfit_note"] for f in client.get("/api/cuts/demo").json()["frame_list"]}
        assert notes[chosen] and "does not fit its line frame" in notes[chosen] and "shifted" in notes[chosen]
        assert [name for name, note in notes.items() if note] == [chosen]  # gt/'s colored frame fits its lines
    with client_for(colored) as client:  # a restart reads it back from the saved results
        notes = {f["name"]: f["misfit_note"] for f in client.get("/api/cuts/demo").json()["frame_list"]}
        assert [name for name, note in notes.items() if note] == [chosen]


def read_image_bytes(data: bytes) -> np.ndarray:
    import io

    from PIL import Image

    with Image.open(io.BytesIO(data)) as image:
        return np.array(image.convert("RGBA"))


def test_a_colored_frame_uploaded_as_jpeg_keeps_its_pale_paint(colored: Path) -> None:
    import io

    from PIL import Image

    pale_blue = (233, 243, 245)  # read as line art, JPEG's near-white cleanup would make it the paper's white
    with client_for(colored) as client:
        cut, chosen, largest, painted = _painted_elsewhere(client, (*pale_blue, 255))
        on_white = np.where(painted[..., 3:] > 0, painted[..., :3], 255).astype(np.uint8)
        buffer = io.BytesIO()
        Image.fromarray(on_white, "RGB").save(buffer, format="JPEG", quality=85)
        response = client.put(f"/api/cuts/demo/frames/{chosen}/colored",
                              files={"colored": (f"{chosen}.jpg", buffer.getvalue(), "image/jpeg")})
        assert response.status_code == 202, response.text
        assert wait_job(client, response.json(), 90.0)["state"] == "done"
        entry = next(f for f in client.get("/api/cuts/demo").json()["frame_list"] if f["name"] == chosen)
        assert entry["misfit_note"] is None  # JPEG's noise, made flat again, is no misfit
        made = cut.frame_state(chosen)
        read = made.matching.colors[largest]
        assert read[3] == 255 and np.abs(read[:3].astype(int) - pale_blue).max() <= 8, read
        palette = client.get("/api/cuts/demo/palette").json()["colors"]
        assert color_hex(read) in [entry["color"] for entry in palette], palette
