"""End to end in a real browser: headless Debian chromium driven by Playwright against ``paintmatch serve``.

Open the bundled example cut, colorize, go to frame k with the keyboard, click a chosen component,
pick a palette color, re-propagate, export; then check that the exported frames changed exactly at
the clicked component in frame k and at its matches after k, and nowhere before k. A screenshot of
the UI is written to the test's temporary folder.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from _browser import chromium_page, example_workspace, serving
from paintmatch.io import read_image
from paintmatch.segment import segment

K = 2  # the frame that gets corrected

pytestmark = [pytest.mark.browser]


@pytest.fixture
def server(tmp_path: Path):
    """``paintmatch serve`` (uvicorn in a thread) over a workspace holding a copy of the example cut."""
    workspace = example_workspace(tmp_path)
    with serving(workspace) as base:
        yield base, workspace


def _export(page, folder: Path, name: str) -> dict[str, bytes]:
    page.click("#export-menu summary")  # the Export… menu's options and button; exporting closes it
    with page.expect_download() as info:
        page.click("#export")
    assert not page.evaluate("document.getElementById('export-menu').open")
    path = folder / name
    info.value.save_as(path)
    with zipfile.ZipFile(path) as archive:
        return {Path(n).name: archive.read(n) for n in archive.namelist()}


def _image(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as image:
        return np.array(image.convert("RGBA"))


def _check_one_row_on_a_laptop(page) -> None:
    """On a 1366 x 768 laptop screen the header and the frame's toolbar each keep one row (a second row of each
    took 60 px from the frame), with a cut colorized ("colorize done" in the header): the middles of their items lie
    within 10 px of each other (a second row's are about 30 px lower)."""
    page.set_viewport_size({"width": 1366, "height": 768})
    spreads = page.evaluate("""() => ['header', '.toolbar'].map(sel => {
        const middles = [...document.querySelector(sel).children].map(e => e.getBoundingClientRect())
            .filter(r => r.width > 0).map(r => (r.top + r.bottom) / 2);
        return Math.max(...middles) - Math.min(...middles); })""")
    assert max(spreads) < 10, f"the header's and the toolbar's items' middles spread over {spreads} px at 1366 px"
    page.set_viewport_size({"width": 1440, "height": 940})


def _chosen_component(line: np.ndarray, sidecar: dict) -> tuple[int, tuple[int, int]]:
    """A large opaque component of frame K and its deepest interior pixel (safe to click)."""
    import cv2

    seg = segment(line, close_gaps_px="auto")  # the web app closes gaps as colorize does
    colors = [c["color"] for c in sidecar["components"]]
    candidates = [i for i in np.argsort(-seg.areas) if colors[i].endswith("ff")][:1]
    chosen = int(candidates[0])
    inside = (seg.labels == chosen).astype(np.uint8)
    depth = cv2.distanceTransform(inside, cv2.DIST_L2, 3)
    y, x = np.unravel_index(int(np.argmax(depth)), depth.shape)
    assert depth[y, x] >= 4, "the chosen component is too thin to click reliably"
    return chosen, (int(x), int(y))


def test_correct_a_component_and_repropagate_in_the_browser(server, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    base, workspace = server
    with chromium_page(accept_downloads=True, viewport={"width": 1440, "height": 940}) as (page, errors):
        page.goto(base + "/")
        page.wait_for_selector("body[data-ready='1']")
        page.select_option("#cut-select", "demo-cut")
        page.click("#open-cut")
        expect(page.locator("#filmstrip .thumb")).to_have_count(6)

        page.click("#colorize")
        page.wait_for_selector("body[data-last-job='colorize:done']", timeout=60_000)
        expect(page.locator("#views button[data-view='result']")).to_have_class("active")
        _check_one_row_on_a_laptop(page)
        before = _export(page, tmp_path, "before.zip")

        for _ in range(K):
            page.keyboard.press("ArrowRight")
        names = sorted(p.stem for p in (workspace / "demo-cut" / "line").iterdir())
        expect(page.locator("#frame-name")).to_contain_text(names[K])
        page.keyboard.press("3")  # confidence view, then back to the result
        expect(page.locator("#views button[data-view='confidence']")).to_have_class("active")
        page.keyboard.press("1")

        line_k = read_image(workspace / "demo-cut" / "line" / f"{names[K]}.png")
        sidecar_k = json.loads(before[f"{names[K]}.json"])
        chosen, (px, py) = _chosen_component(line_k, sidecar_k)
        view = page.locator("#view")
        expect(view).to_have_js_property("complete", True)
        box = view.bounding_box()
        h, w = line_k.shape[:2]
        view.click(position={"x": (px + 0.5) * box["width"] / w, "y": (py + 0.5) * box["height"] / h})
        expect(page.locator("#component-info")).to_contain_text(f"component {chosen} ")

        old_color = sidecar_k["components"][chosen]["color"]
        swatches = page.locator("#palette .swatch:not([disabled])")
        expect(swatches.first).to_be_visible()
        palette = [swatches.nth(i).get_attribute("data-color") for i in range(swatches.count())]
        new_color = next(c for c in palette if c != old_color and c.endswith("ff"))
        page.click(f"#palette .swatch[data-color='{new_color}']")
        expect(page.locator("#component-info")).to_contain_text(f"{new_color} ")
        expect(page.locator("#component-info")).to_contain_text("locked")

        page.click("#propagate")
        page.wait_for_selector("body[data-last-job='propagate:done']", timeout=60_000)
        after = _export(page, tmp_path, "after.zip")
        page.screenshot(path=str(tmp_path / "serve.png"))
        assert not errors, errors

    assert (tmp_path / "serve.png").stat().st_size > 10_000
    rgba = tuple(int(new_color[i : i + 2], 16) for i in (1, 3, 5, 7))
    # Before k: every file byte-identical.
    for name in names[:K]:
        assert before[f"{name}.png"] == after[f"{name}.png"], name
    # Frame k: exactly the clicked component changed, to the picked color.
    seg_k = segment(line_k, close_gaps_px="auto")
    old_k, new_k = _image(before[f"{names[K]}.png"]), _image(after[f"{names[K]}.png"])
    changed = (old_k != new_k).any(axis=2)
    region = seg_k.labels == chosen
    assert changed[region].all() and (new_k[region] == rgba).all()
    assert not changed[~(seg_k.expanded_labels() == chosen)].any()  # (lines bordering it may blend)
    # After k: frame k+1's matches of the clicked component carry the fix, and pixels change only inside
    # components whose recorded color changed. (Other later components may change too: frame k is now
    # the reference of the frames after it, and matchers with an anchor re-match against it.)
    previous_changed = {chosen}
    any_later_change = False
    for t in range(K + 1, len(names)):
        seg_t = segment(read_image(workspace / "demo-cut" / "line" / f"{names[t]}.png"), close_gaps_px="auto")
        old_side, new_side = json.loads(before[f"{names[t]}.json"]), json.loads(after[f"{names[t]}.json"])
        old_colors = [c["color"] for c in old_side["components"]]
        new_colors = [c["color"] for c in new_side["components"]]
        changed_ids = {i for i, (a, b) in enumerate(zip(old_colors, new_colors)) if a != b}
        matched = {i for i, c in enumerate(new_side["components"]) if c["reference_component"] in previous_changed}
        old_t, new_t = _image(before[f"{names[t]}.png"]), _image(after[f"{names[t]}.png"])
        pixel_changed = (old_t != new_t).any(axis=2)
        allowed = np.isin(seg_t.expanded_labels(), sorted(changed_ids))
        assert not pixel_changed[~allowed].any(), names[t]
        if t == K + 1:
            assert matched and all(new_colors[i] == new_color for i in matched)
        any_later_change |= any(new_colors[i] == new_color for i in changed_ids)
        previous_changed = matched
    assert any_later_change, "the fix did not flow into any later frame"
