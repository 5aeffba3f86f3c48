"""A paint tool's hands in the review page, in a real browser (headless Debian chromium): zoom, pan, fill, eyedropper.

A painter fixes regions of a few pixels: the frame must be seen and clicked closer than the window fits. Open the
bundled example cut and colorize it; ``+`` zooms in (the frame twice and a quarter its fitted width, the label gives
the share of the frame's pixels shown), a click on the zoomed frame selects the component under the pointer (checked
against ``GET .../component?x=&y=``), Space+drag pans without selecting, Ctrl+wheel zooms keeping the frame point under
the pointer, ``N`` brings the next flagged component into sight, ``0`` fits the frame again. Fill (``F``): a swatch
picks the color, each click on a region paints it as a locked fix (one undo step each); Alt+click (or, in Fill, a
right-click) takes a region's color.
"""

from __future__ import annotations

import pytest

from _browser import chromium_page
from test_web_browser_flags import server  # noqa: F401 - fixture: paintmatch serve over a copy of the example cut

pytestmark = [pytest.mark.browser]

VIEW_BOX = "(() => { const r = document.getElementById('view').getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; })()"
STAGE_BOX = "(() => { const r = document.getElementById('stage').getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })()"
MARKER_BOX = "(() => { const r = document.getElementById('marker').getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })()"
SCROLL = "[document.getElementById('stage').scrollLeft, document.getElementById('stage').scrollTop]"


def colorized_second_frame(page, base: str) -> dict:
    """Open the example cut in ``page``, colorize it and show its second frame; returns that frame's ``FrameInfo``."""
    page.goto(base + "/#demo-cut")
    page.wait_for_selector("body[data-ready='1']")
    page.click("#colorize")
    page.wait_for_selector("body[data-last-job='colorize:done']", timeout=90_000)
    page.keyboard.press("ArrowRight")
    return page.request.get(f"{base}/api/cuts/demo-cut").json()["frame_list"][1]


def test_zoom_pan_and_pick_in_the_browser(server) -> None:
    from playwright.sync_api import expect

    base = server
    with chromium_page(viewport={"width": 1440, "height": 940}) as (page, errors):
        frame = colorized_second_frame(page, base)
        width, height = frame["width"], frame["height"]
        fit = page.evaluate(VIEW_BOX)[2]
        expect(page.locator("#zoom-fit")).to_have_text(f"{round(100 * fit / width)}%")

        def frame_point(client_x: float, client_y: float) -> tuple[float, float]:
            left, top, w, h = page.evaluate(VIEW_BOX)
            return (client_x - left) / w * width, (client_y - top) / h * height

        def screen_point(x: float, y: float) -> tuple[float, float]:
            left, top, w, h = page.evaluate(VIEW_BOX)
            return left + (x + 0.5) / width * w, top + (y + 0.5) / height * h

        # + twice: 1.5 x 1.5 the fitted width, larger than the stage, which scrolls.
        page.keyboard.press("+")
        page.keyboard.press("+")
        zoomed = page.evaluate(VIEW_BOX)[2]
        assert abs(zoomed - 2.25 * fit) <= 2, (zoomed, fit)
        expect(page.locator("#zoom-fit")).to_have_text(f"{round(100 * zoomed / width)}%")

        # A click at a frame point selects the component there: the click maps through the zoom.
        stage = page.evaluate(STAGE_BOX)
        cx, cy = (stage[0] + stage[2]) / 2, (stage[1] + stage[3]) / 2
        x, y = (int(v) for v in frame_point(cx, cy))
        expected = page.request.get(f"{base}/api/cuts/demo-cut/frames/{frame['name']}/component?x={x}&y={y}").json()
        page.mouse.click(*screen_point(x, y))
        expect(page.locator("body")).to_have_attribute("data-selected", f"{frame['name']}:{expected['id']}")

        # Space+drag pans by the drag, and selects nothing.
        before = page.evaluate(SCROLL)
        page.keyboard.down(" ")
        page.mouse.move(cx, cy)
        page.mouse.down()
        page.mouse.move(cx - 60, cy - 40, steps=4)
        page.mouse.up()
        page.keyboard.up(" ")
        after = page.evaluate(SCROLL)
        assert (after[0] - before[0], after[1] - before[1]) == (60, 40), (before, after)
        expect(page.locator("body")).to_have_attribute("data-selected", f"{frame['name']}:{expected['id']}")

        # Ctrl+wheel zooms in at the pointer: the frame point under it stays there.
        px, py = cx + 50, cy + 30
        under = frame_point(px, py)
        page.mouse.move(px, py)
        page.keyboard.down("Control")
        page.mouse.wheel(0, -100)
        page.keyboard.up("Control")
        assert page.evaluate(VIEW_BOX)[2] > zoomed * 1.2
        still = frame_point(px, py)
        assert abs(still[0] - under[0]) < 1 and abs(still[1] - under[1]) < 1, (under, still)

        # N: the next flagged component, scrolled into sight with its marker.
        page.keyboard.press("n")
        page.wait_for_selector("body[data-flag-steps='1']", timeout=30_000)
        expect(page.locator("#marker")).to_be_visible()
        marker, stage = page.evaluate(MARKER_BOX), page.evaluate(STAGE_BOX)
        assert stage[0] <= marker[0] and marker[2] <= stage[2] and stage[1] <= marker[1] and marker[3] <= stage[3]

        # 0: the frame fits again.
        page.keyboard.press("0")
        assert abs(page.evaluate(VIEW_BOX)[2] - fit) <= 1
        expect(page.locator("#zoom-fit")).to_have_text(f"{round(100 * fit / width)}%")
        assert errors == []


def test_fill_regions_by_clicks_and_take_a_color_with_alt_click(server) -> None:
    from playwright.sync_api import expect

    base = server
    with chromium_page(viewport={"width": 1440, "height": 940}) as (page, errors):
        frame = colorized_second_frame(page, base)
        name = frame["name"]

        def component_at(point: tuple[int, int]) -> dict:
            x, y = point
            return page.request.get(f"{base}/api/cuts/demo-cut/frames/{name}/component?x={x}&y={y}").json()

        def click_frame(point: tuple[int, int], *, alt: bool = False, button: str = "left") -> None:
            x, y = point
            left, top, w, h = page.evaluate(VIEW_BOX)  # where the frame is now
            if alt:
                page.keyboard.down("Alt")
            page.mouse.click(left + (x + 0.5) / frame["width"] * w, top + (y + 0.5) / frame["height"] * h, button=button)
            if alt:
                page.keyboard.up("Alt")

        def wait_painted(point: tuple[int, int], color: str) -> None:
            # Polled through the API: the page's CSP forbids the eval that wait_for_function needs.
            for _ in range(150):
                painted = component_at(point)
                if painted["color"] == color and painted["locked"]:
                    return
                page.wait_for_timeout(100)
            pytest.fail(f"the region at {point} was not painted {color}: {painted}")

        # Three painted regions of different colors over 400 px, found on a grid of points well inside them.
        found: dict[str, tuple[int, int]] = {}
        for y in range(20, frame["height"] - 20, 24):
            for x in range(20, frame["width"] - 20, 24):
                c = component_at((x, y))
                if not (c["color"].endswith("ff") and c["area"] > 400 and c["color"] not in found):
                    continue
                around = [(x + dx, y + dy) for dx, dy in ((3, 0), (-3, 0), (0, 3), (0, -3))]
                if all(component_at(p)["id"] == c["id"] for p in around):  # a click a pixel off lands on it too
                    found[c["color"]] = (x, y)
        assert len(found) >= 3, found
        (a_color, a), (b_color, b), (_, c) = list(found.items())[:3]

        page.keyboard.press("f")
        expect(page.locator("#fill-toggle")).to_have_attribute("aria-pressed", "true")
        # Alt+click on region a: its color becomes the fill color; nothing is painted.
        revision = page.request.get(f"{base}/api/cuts/demo-cut").json()["revision"]
        click_frame(a, alt=True)
        expect(page.locator("body")).to_have_attribute("data-fill-color", a_color)
        # A click on b, then on c, paints each with it, a locked fix each (one undo step each).
        click_frame(b)
        wait_painted(b, a_color)
        click_frame(c)
        wait_painted(c, a_color)
        assert page.request.get(f"{base}/api/cuts/demo-cut").json()["revision"] == revision + 2
        # A swatch picks the fill color too; in Fill a right-click takes a region's color (without Alt) and paints
        # nothing.
        page.locator(f"#palette .swatch[data-color='{b_color}']").click()
        expect(page.locator("body")).to_have_attribute("data-fill-color", b_color)
        click_frame(a, button="right")
        expect(page.locator("body")).to_have_attribute("data-fill-color", a_color)
        assert page.request.get(f"{base}/api/cuts/demo-cut").json()["revision"] == revision + 2
        # Escape leaves Fill, and a click selects again without painting.
        page.locator(f"#palette .swatch[data-color='{b_color}']").click()
        expect(page.locator("body")).to_have_attribute("data-fill-color", b_color)
        page.keyboard.press("Escape")
        expect(page.locator("#fill-toggle")).to_have_attribute("aria-pressed", "false")
        click_frame(c)
        expect(page.locator("body")).to_have_attribute("data-selected", f"{name}:{component_at(c)['id']}")
        assert component_at(c)["color"] == a_color
        assert errors == []
