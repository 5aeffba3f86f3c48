"""Stepping through the flagged components of a cut in the review page, in a real browser (headless Debian chromium).

Open the bundled example cut, colorize, press N twice: the page selects the first two flagged
components of the cut (``GET /api/cuts/{cut}/flagged``, the sidecars' ``flagged``), shows "k of N
flagged" and the reference region each was matched to (a PNG crop). Shift+N twice wraps around to the
last flagged component, in another frame; locking a fix takes it off the list; fixing the last flagged component of a
frame says it can now be made a colored frame; the frame marked "color next" is
made a colored frame (M: the first press asks, as its flagged components are not fixed; the second makes it) and the
cut colored again, and another frame gets a colored frame uploaded. A screenshot of
the page (confidence view, a flagged component selected, its reference region shown) is written to
``/tmp/flags-ui.png``.
"""

from __future__ import annotations

import re
import time
from pathlib import Path

import pytest

from _browser import chromium_page, example_workspace, serving

SCREENSHOT = Path("/tmp/flags-ui.png")

pytestmark = [pytest.mark.browser]


@pytest.fixture
def server(tmp_path: Path):
    """``paintmatch serve`` (uvicorn in a thread) over a workspace holding a copy of the example cut."""
    with serving(example_workspace(tmp_path)) as base:
        yield base


def test_step_through_flagged_components_in_the_browser(server) -> None:
    from playwright.sync_api import expect

    base = server
    with chromium_page(viewport={"width": 1440, "height": 940}) as (page, errors):
        page.goto(base + "/#demo-cut")
        page.wait_for_selector("body[data-ready='1']")
        expect(page.locator("#filmstrip .thumb")).to_have_count(6)
        expect(page.locator("#next-flagged")).to_be_disabled()
        page.click("#colorize")
        page.wait_for_selector("body[data-last-job='colorize:done']", timeout=90_000)

        flagged = page.request.get(f"{base}/api/cuts/demo-cut/flagged").json()
        entries, total = flagged["components"], flagged["total"]
        assert total >= 3 and len({e["frame"] for e in entries}) >= 2
        expect(page.locator("#flag-count")).to_have_text(f"{total} flagged")
        detail = page.request.get(f"{base}/api/cuts/demo-cut").json()
        for thumb, frame in zip(page.locator("#filmstrip .thumb").all(), detail["frame_list"]):
            if frame["flagged"]:  # the pink badge counts the frame's flagged components
                expect(thumb.locator(".badge.low")).to_have_text(str(len(frame["flagged"])))
            # The least sure frame, and only it, says to color it next.
            expect(thumb.locator(".badge.next")).to_have_count(int(frame["name"] == detail["next_to_color"]))
        assert detail["next_to_color"] not in (None, *detail["colored_frames"])

        def loaded(element_id: str) -> None:
            # Polled from here: the page's CSP forbids the eval that wait_for_function's predicates need.
            deadline = time.monotonic() + 30
            script = f"() => {{ const i = document.getElementById('{element_id}'); return i.complete && i.naturalWidth > 0; }}"
            while not page.evaluate(script):
                if time.monotonic() > deadline:
                    pytest.fail(f"#{element_id} did not load an image")
                time.sleep(0.05)

        def check_step(steps: int, entry: dict, k: int, total: int = total) -> None:
            page.wait_for_selector(f"body[data-flag-steps='{steps}']", timeout=30_000)
            expect(page.locator("body")).to_have_attribute("data-selected", f"{entry['frame']}:{entry['id']}")
            expect(page.locator("#frame-name")).to_contain_text(entry["frame"])
            expect(page.locator("#flag-count")).to_have_text(f"{k} of {total} flagged")
            expect(page.locator("#component-info")).to_contain_text(f"component {entry['id']} ")
            expect(page.locator("#component-info")).to_contain_text("flagged")
            expect(page.locator("#match-panel")).to_be_visible()
            if entry["reference_component"] >= 0:
                expect(page.locator("#match-info")).to_contain_text(
                    f"frame {entry['reference']} · component {entry['reference_component']}"
                )
                expect(page.locator("#match-image")).to_be_visible()
                loaded("match-image")
            else:
                expect(page.locator("#match-info")).to_contain_text("vote")
                expect(page.locator("#match-image")).to_be_hidden()

        page.keyboard.press("n")
        check_step(1, entries[0], 1)
        page.keyboard.press("n")
        check_step(2, entries[1], 2)
        matched = next(e for e in entries[1:] if e["reference_component"] >= 0)
        assert page.locator("#match-image").is_visible() == (entries[1]["reference_component"] >= 0)

        # The picture for the docs: confidence view, a flagged component selected, its reference region.
        while page.locator("body").get_attribute("data-selected") != f"{matched['frame']}:{matched['id']}":
            steps = int(page.locator("body").get_attribute("data-flag-steps"))
            page.click("#next-flagged")
            page.wait_for_selector(f"body[data-flag-steps='{steps + 1}']", timeout=30_000)
        page.keyboard.press("3")
        expect(page.locator("#views button[data-view='confidence']")).to_have_class("active")
        loaded("view")
        loaded("match-image")
        expect(page.locator("#toast")).to_be_hidden(timeout=10_000)
        page.screenshot(path=str(SCREENSHOT))
        page.keyboard.press("1")

        # Back to the start, then Shift+N twice: entry 0, then around to the last flagged component.
        steps = int(page.locator("body").get_attribute("data-flag-steps"))
        k = entries.index(matched) + 1
        for back in range(k - 1):
            page.keyboard.press("Shift+N")
            page.wait_for_selector(f"body[data-flag-steps='{steps + back + 1}']", timeout=30_000)
        steps += k - 1
        check_step(steps, entries[0], 1)
        page.keyboard.press("Shift+N")
        check_step(steps + 1, entries[-1], total)
        assert entries[-1]["frame"] != entries[0]["frame"]

        # A locked fix is no longer flagged: the count drops, N steps on from there.
        swatch = page.locator("#palette .swatch:not([disabled])").first
        swatch.click()
        expect(page.locator("#flag-count")).to_have_text(f"{total - 1} flagged", timeout=30_000)
        expect(page.locator("#component-info")).to_contain_text("locked")
        expect(page.locator("#match-info")).to_contain_text("locked")
        after = page.request.get(f"{base}/api/cuts/demo-cut/flagged").json()
        assert after["total"] == total - 1
        assert (entries[-1]["frame"], entries[-1]["id"]) not in {(e["frame"], e["id"]) for e in after["components"]}
        page.keyboard.press("n")  # wraps around to the first
        check_step(steps + 2, after["components"][0], 1, total - 1)

        # Every flagged component of one frame fixed: the last fix says the frame can now be made a colored frame.
        by_frame = {}
        for entry in after["components"]:
            by_frame.setdefault(entry["frame"], []).append(entry)
        frame_fixed = min((f for f in by_frame if f != detail["next_to_color"]), key=lambda f: len(by_frame[f]))
        left = total - 1
        for position, entry in enumerate(by_frame[frame_fixed]):
            while page.locator("body").get_attribute("data-selected") != f"{entry['frame']}:{entry['id']}":
                steps = int(page.locator("body").get_attribute("data-flag-steps"))
                page.keyboard.press("n")
                page.wait_for_selector(f"body[data-flag-steps='{steps + 1}']", timeout=30_000)
            page.locator("#palette .swatch:not([disabled])").first.click()
            left -= 1
            expect(page.locator("#flag-count")).to_have_text(re.compile(rf"^(\d+ of )?{left} flagged$"), timeout=30_000)
            if position < len(by_frame[frame_fixed]) - 1:
                expect(page.locator("#toast")).not_to_contain_text("nothing flagged is left")
        expect(page.locator("#toast")).to_contain_text("nothing flagged is left in this frame: Make colored frame (M)")
        page.screenshot(path=str(SCREENSHOT.with_name("frame-fixed-ui.png")))
        steps = int(page.locator("body").get_attribute("data-flag-steps"))

        # The frame marked "color next", made a colored frame (M): the cut is colored again from two colored frames.
        chosen = detail["next_to_color"]
        index = [f["name"] for f in detail["frame_list"]].index(chosen)
        page.locator("#filmstrip .thumb").nth(index).click()
        expect(page.locator("#make-colored")).to_have_text("Make colored frame")
        page.evaluate("() => { document.body.dataset.lastJob = ''; }")
        # Its flagged components are not fixed: the first press asks, starts nothing; the second makes it.
        now = page.request.get(f"{base}/api/cuts/demo-cut").json()
        unfixed = next(f for f in now["frame_list"] if f["name"] == chosen)["low_confidence"]
        assert unfixed > 0
        page.keyboard.press("m")
        expect(page.locator("#make-colored")).to_have_text(f"Make colored frame with {unfixed} flagged unfixed")
        expect(page.locator("#toast")).to_contain_text("not fixed")
        page.screenshot(path=str(SCREENSHOT.with_name("make-colored-asking-ui.png")))
        time.sleep(0.5)
        assert page.request.get(f"{base}/api/cuts/demo-cut").json()["colored_frames"] == ["0000"]
        page.keyboard.press("m")
        page.wait_for_selector("body[data-last-job='colorize:done']", timeout=90_000)
        expect(page.locator("#filmstrip .thumb").nth(index).locator(".badge.ref")).to_have_count(1)
        expect(page.locator("#make-colored")).to_have_text("Stop using as colored frame")
        made = page.request.get(f"{base}/api/cuts/demo-cut").json()
        assert made["colored_frames"] == sorted(["0000", chosen]) and made["next_to_color"] != chosen
        page.screenshot(path=str(SCREENSHOT.with_name("made-colored-ui.png")))

        # Another frame, painted in a paint tool (here: its result as a PNG), uploaded as its colored frame.
        other = next(f for f in made["frame_list"] if not f["is_reference"])
        painted = page.request.get(f"{base}/api/cuts/demo-cut/frames/{other['name']}/image?view=result").body()
        upload = SCREENSHOT.with_name(f"painted-{other['name']}.png")
        upload.write_bytes(painted)
        page.locator("#filmstrip .thumb").nth(other["index"]).click()
        page.evaluate("() => { document.body.dataset.lastJob = ''; }")
        page.set_input_files("#colored-file", str(upload))
        page.wait_for_selector("body[data-last-job='colorize:done']", timeout=90_000)
        expect(page.locator("#filmstrip .thumb").nth(other["index"]).locator(".badge.ref")).to_have_count(1)
        assert page.request.get(f"{base}/api/cuts/demo-cut").json()["colored_frames"] == sorted(["0000", chosen, other["name"]])
        assert not errors, errors
