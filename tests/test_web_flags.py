"""Review flags, flagged stepping, match crops and the painter's palette in ``paintmatch serve``'s API.

The page must flag exactly what the sidecars' ``flagged`` says (``paintmatch.review.review_flags``): the
per-frame flagged ids, the cut's flagged list (the order of Next flagged), the confidence view and
the filmstrip counts all come from that one rule. The cut is the bundled example
(``examples/demo-cut``), copied into a temporary workspace.
"""

from __future__ import annotations

import io
import json
import shutil
import zipfile
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

from paintmatch.io import read_image
from paintmatch.paint import color_hex
from paintmatch.review import FLAG_CONFIDENCE, review_flags
from paintmatch.segment import reference_palette, segment
from paintmatch.web import ServeConfig, create_app
from test_web_api import EXAMPLE, TestClient, client_for, colorize_once, wait_job

PINK = (255, 0, 200)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A workspace with the example cut 'demo' (6 frames, colored frame 0000) colorized once."""
    if not EXAMPLE.exists():
        pytest.fail(f"the bundled example cut {EXAMPLE} is missing")
    root = tmp_path_factory.mktemp("flags")
    shutil.copytree(EXAMPLE, root / "demo")
    return colorize_once(root, "demo", timeout=90.0)


@pytest.fixture
def colored(tmp_path: Path, template: Path) -> Path:
    """A private copy of the colorized workspace (tests may change it)."""
    root = tmp_path / "ws"
    shutil.copytree(template, root, symlinks=True)
    return root


def sidecars(client: TestClient) -> dict[str, dict]:
    """The export's per-frame sidecars (``paint.sidecar``), by frame name."""
    response = client.get("/api/cuts/demo/export")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.content)) as archive:
        return {
            Path(n).stem: json.loads(archive.read(n))
            for n in archive.namelist()
            if n.endswith(".json") and not n.endswith("corrections.json")
        }


def decode(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.array(image.convert("RGBA"))


# ---------------------------------------------------------------------------------------- flags


def test_flagged_ids_of_each_frame_are_the_sidecars(colored: Path) -> None:
    with client_for(colored) as client:
        detail = client.get("/api/cuts/demo").json()
        cars = sidecars(client)
        cut = client.app.state.workspace.cut("demo")
        assert detail["low_confidence_threshold"] == FLAG_CONFIDENCE
        total = 0
        for frame in detail["frame_list"]:
            name = frame["name"]
            from_sidecar = [c["id"] for c in cars[name]["components"] if c["flagged"]]
            state = cut.frame_state(name)
            from_rule = np.flatnonzero(review_flags(state.frame.seg, state.matching)).tolist()
            assert frame["flagged"] == from_sidecar == from_rule, name
            assert frame["low_confidence"] == len(from_sidecar)
            total += len(from_sidecar)
            for i in from_sidecar[:3]:
                assert client.get(f"/api/cuts/demo/frames/{name}/components/{i}").json()["flagged"] is True
        assert detail["flagged_total"] == total
        assert total > 0, "the example cut should have something to review"
        assert detail["frame_list"][0]["flagged"] == []  # the colored frame: the painter's colors


def test_the_frame_to_color_next_is_the_least_sure_as_the_sidecars_say(colored: Path) -> None:
    with client_for(colored) as client:
        detail = client.get("/api/cuts/demo").json()
        means = {}
        for name, car in sidecars(client).items():
            if name not in detail["colored_frames"]:
                means[name] = np.mean([c["confidence"] for c in car["components"] if c["area"] > 10])
        least_sure = min(means, key=means.get)
        assert detail["next_to_color"] == least_sure
        assert detail["next_to_color_confidence"] == pytest.approx(means[least_sure], abs=1e-3)
        # Locked fixes are sure (confidence 1): fixing the least sure components of that frame makes it surer.
        state = client.app.state.workspace.cut("demo").frame_state(least_sure)
        order = np.argsort(state.matching.confidence)
        unsure = [int(i) for i in order if state.frame.seg.areas[i] > 10][:5]
        for i in unsure:
            color = color_hex(state.matching.colors[i])
            response = client.put(f"/api/cuts/demo/frames/{least_sure}/components/{i}", json={"color": color})
            assert response.status_code == 200, response.text
        after = client.get("/api/cuts/demo").json()
        assert after["next_to_color"] != least_sure or after["next_to_color_confidence"] > detail["next_to_color_confidence"]


def test_confidence_view_tints_exactly_the_flagged_components(colored: Path) -> None:
    with client_for(colored) as client:
        cut = client.app.state.workspace.cut("demo")
        for name in ("0001", "0002"):
            state = cut.frame_state(name)
            flagged = review_flags(state.frame.seg, state.matching)
            image = decode(client.get(f"/api/cuts/demo/frames/{name}/image?view=confidence").content)
            seg = state.frame.seg
            expected = np.append(flagged, False)[seg.expanded_labels()] & ~seg.line
            mask = expected.astype(np.uint8)
            edge = cv2.dilate(mask, np.ones((5, 5), np.uint8)).astype(bool) & ~cv2.erode(mask, np.ones((3, 3), np.uint8)).astype(bool)
            judged = ~seg.line & ~edge
            tinted = image[..., 1] < 140  # tinted: green <= 0.45 * 255; washed out: green >= 0.65 * 255
            assert expected[judged].sum() > 0
            assert np.array_equal(tinted[judged], expected[judged]), name
            # The threshold query overrides the rule's confidence: 0 flags nothing.
            none = decode(client.get(f"/api/cuts/demo/frames/{name}/image?view=confidence&threshold=0").content)
            assert not (none[..., 1][judged] < 140).any()


def test_low_confidence_setting_overrides_the_threshold(colored: Path) -> None:
    with client_for(colored, low_confidence=0.9) as client:
        detail = client.get("/api/cuts/demo").json()
        cut = client.app.state.workspace.cut("demo")
        assert detail["low_confidence_threshold"] == 0.9
        state = cut.frame_state("0001")
        assert detail["frame_list"][1]["flagged"] == np.flatnonzero(review_flags(state.frame.seg, state.matching, threshold=0.9)).tolist()
        listed = client.get("/api/cuts/demo/flagged").json()
        assert listed["threshold"] == 0.9 and listed["total"] == detail["flagged_total"]
        assert client.get("/api/cuts/demo/flagged?threshold=0").json()["total"] == 0
    with pytest.raises(Exception, match="low_confidence"):
        create_app(ServeConfig(workspace=colored, low_confidence=1.5))


def test_flagged_list_is_in_review_order_across_frames(colored: Path) -> None:
    with client_for(colored) as client:
        detail = client.get("/api/cuts/demo").json()
        listed = client.get("/api/cuts/demo/flagged").json()
        cars = sidecars(client)
    entries = listed["components"]
    order = [(e["frame_index"], e["id"]) for e in entries]
    assert order == sorted(order) and len(set(order)) == len(order)
    expected = [(f["name"], i) for f in detail["frame_list"] for i in f["flagged"]]
    assert [(e["frame"], e["id"]) for e in entries] == expected
    assert listed["total"] == len(entries) == detail["flagged_total"] and listed["revision"] == detail["revision"]
    assert len({e["frame"] for e in entries}) >= 2, "flags in several frames: stepping crosses frames"
    for entry in entries:
        component = cars[entry["frame"]]["components"][entry["id"]]
        assert component["flagged"] and entry["seed"] == component["seed"]
        assert entry["reference_component"] == component["reference_component"]
        assert entry["color"] == component["color"] and entry["area"] == component["area"]
    # "Next flagged" from the last one of a frame is the first one of the next frame with flags.
    by_frame: dict[str, list[int]] = {}
    for name, i in expected:
        by_frame.setdefault(name, []).append(i)
    names = list(by_frame)
    last_of_first = expected.index((names[0], by_frame[names[0]][-1]))
    assert expected[last_of_first + 1] == (names[1], by_frame[names[1]][0])


def test_a_locked_fix_leaves_the_flagged_list(colored: Path) -> None:
    with client_for(colored) as client:
        before = client.get("/api/cuts/demo/flagged").json()
        first = before["components"][0]
        revision = client.get("/api/cuts/demo").json()["revision"]
        fixed = client.put(
            f"/api/cuts/demo/frames/{first['frame']}/components/{first['id']}",
            json={"color": "#00000000", "base_revision": revision},
        ).json()
        assert fixed["locked"] and not fixed["flagged"]
        after = client.get("/api/cuts/demo/flagged").json()
        assert after["total"] == before["total"] - 1
        assert (first["frame"], first["id"]) not in {(e["frame"], e["id"]) for e in after["components"]}
        detail = client.get("/api/cuts/demo").json()
        frame = next(f for f in detail["frame_list"] if f["name"] == first["frame"])
        assert first["id"] not in frame["flagged"] and detail["flagged_total"] == after["total"]
        match = client.get(f"/api/cuts/demo/frames/{first['frame']}/components/{first['id']}/match").json()
        assert match["source"] == "locked" and match["image"] is None
        assert client.get(f"/api/cuts/demo/frames/{first['frame']}/components/{first['id']}/match.png").status_code == 404
        client.post("/api/cuts/demo/undo", json={})
        assert client.get("/api/cuts/demo/flagged").json()["total"] == before["total"]


# ---------------------------------------------------------------------------------------- match crops


def test_match_crop_of_a_matched_component(colored: Path) -> None:
    with client_for(colored) as client:
        cut = client.app.state.workspace.cut("demo")
        state = cut.frame_state("0001")
        matched = np.flatnonzero((state.matching.ref_index >= 0) & (state.matching.stage != 3))
        component = int(matched[np.argmax(state.frame.seg.areas[matched])])
        ref = int(state.matching.ref_index[component])
        info = client.get(f"/api/cuts/demo/frames/0001/components/{component}/match").json()
        assert info["source"] == "matched" and info["reference"] == state.reference_name == "0000"
        assert info["reference_component"] == ref and info["key_frame"] == "0000"
        reference = client.get(f"/api/cuts/demo/frames/0000/components/{ref}").json()
        assert info["reference_bbox"] == reference["bbox"]
        x, y, w, h = info["crop"]
        bx, by, bw, bh = reference["bbox"]
        assert x <= bx and y <= by and x + w >= bx + bw and y + h >= by + bh
        response = client.get(info["image"])
        assert response.status_code == 200 and response.headers["content-type"] == "image/png"
        crop = decode(response.content)
        assert max(crop.shape[:2]) == min(240, round(max(w, h) * 4))
        ring = (crop[..., :3] == PINK).all(axis=2)
        assert ring.sum() > 20  # the reference component is outlined
        small = decode(client.get(f"{info['image']}?size=64").content)
        assert max(small.shape[:2]) == 64
        # A flagged component with a match has its crop too (what the page shows when stepping).
        flagged = [e for e in client.get("/api/cuts/demo/flagged").json()["components"] if e["reference_component"] >= 0]
        assert flagged
        entry = flagged[0]
        shown = client.get(f"/api/cuts/demo/frames/{entry['frame']}/components/{entry['id']}/match.png")
        assert shown.status_code == 200 and shown.content[:8] == b"\x89PNG\r\n\x1a\n"


def test_match_of_a_voted_component_explains_itself(colored: Path) -> None:
    with client_for(colored) as client:
        cut = client.app.state.workspace.cut("demo")
        voted = None
        for name in cut.names[1:]:  # a component the matcher colored by a vote (ref_index -1), if any
            m = cut.frame_state(name).matching
            found = np.flatnonzero((m.ref_index < 0) & (m.stage != 3))
            if found.size:
                voted = (name, int(found[0]))
                break
        if voted is None:  # no vote in this run: make one (the route reads the stored matching)
            m = cut.frame_state("0002").matching
            m.ref_index[0] = -1
            voted = ("0002", 0)
        name, component = voted
        info = client.get(f"/api/cuts/demo/frames/{name}/components/{component}/match").json()
        assert info["source"] == "vote" and info["reference_component"] == -1 and info["image"] is None
        assert "vote" in info["explanation"] and "key frame" in info["explanation"]
        response = client.get(f"/api/cuts/demo/frames/{name}/components/{component}/match.png")
        assert response.status_code == 404 and response.headers["content-type"].startswith("application/json")
        body = response.json()
        assert body["code"] == "no_reference_component" and "vote" in body["detail"]
        colored_input = client.get("/api/cuts/demo/frames/0000/components/0/match").json()
        assert colored_input["source"] == "colored_input" and colored_input["image"] is None
        assert client.get("/api/cuts/demo/frames/0001/components/99999/match").json()["code"] == "component_not_found"
        assert client.get("/api/cuts/demo/frames/0001/components/99999/match.png").json()["code"] == "component_not_found"


# ---------------------------------------------------------------------------------------- palette


def test_palette_is_the_painters_palette_largest_first(colored: Path) -> None:
    line = read_image(EXAMPLE / "line" / "0000.png")
    painted = read_image(EXAMPLE / "gt" / "0000.png")
    expected = [color_hex(c) for c in reference_palette(painted, segment(line, close_gaps_px="auto"))]
    with client_for(colored) as client:
        colors = client.get("/api/cuts/demo/palette").json()["colors"]
        component_colors = {
            color_hex(c) for name in ("0000", "0001") for c in client.app.state.workspace.cut("demo").frame_state(name).matching.colors
        }
    shown = [c["color"] for c in colors]
    assert shown == expected and len(set(shown)) == len(shown)
    assert set(shown) >= component_colors - {"#00000000"}  # every painted color is a palette color
    assert all(c["area"] > 0 for c in colors)
    assert colors[0]["area"] == max(c["area"] for c in colors)


def test_palette_with_two_colored_frames_has_no_duplicates(colored: Path) -> None:
    shutil.copy(EXAMPLE / "gt" / "0000.png", colored / "demo" / "gt" / "0003.png")  # same paint on a second frame
    shutil.copy(EXAMPLE / "line" / "0000.png", colored / "demo" / "line" / "0003.png")
    with client_for(colored) as client:
        job = wait_job(client, client.post("/api/cuts/demo/colorize", json={}).json(), timeout=90.0)
        assert job["state"] == "done", job
        one = [color_hex(c) for c in reference_palette(read_image(EXAMPLE / "gt" / "0000.png"),
                                                       segment(read_image(EXAMPLE / "line" / "0000.png"), close_gaps_px="auto"))]
        colors = client.get("/api/cuts/demo/palette").json()["colors"]
        assert [c["color"] for c in colors] == one
        revision = client.get("/api/cuts/demo").json()["revision"]
        client.put("/api/cuts/demo/frames/0001/components/1", json={"color": "#12ab34", "base_revision": revision})
        after = client.get("/api/cuts/demo/palette").json()["colors"]
        assert [c["color"] for c in after] == one + ["#12ab34ff"] and after[-1]["area"] == 0
