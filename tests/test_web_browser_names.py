"""In a real browser: a cut folder named in Japanese with a space is listed, opened from the address,
colorized and exported under its own name (the UI URL-encodes every path part)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest

from test_web_browser import CHROMIUM, CHROMIUM_ARGS, EXAMPLE, _free_port  # noqa: F401 - shared setup

NAME = "カット 01"
pytestmark = [pytest.mark.browser]


@pytest.fixture
def server(tmp_path: Path):
    import threading
    import time

    import uvicorn

    from paintmatch.web import ServeConfig, create_app

    workspace = tmp_path / "workspace"
    for part in ("line", "gt"):
        (workspace / NAME / part).mkdir(parents=True)
    for frame in ("0000", "0001", "0002"):
        shutil.copy(EXAMPLE / "line" / f"{frame}.png", workspace / NAME / "line" / f"{frame}.png")
    shutil.copy(EXAMPLE / "gt" / "0000.png", workspace / NAME / "gt" / "0000.png")
    port = _free_port()
    app = create_app(ServeConfig(workspace=workspace, port=port))
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", workspace
    uv.should_exit = True
    thread.join(timeout=20)


def test_japanese_cut_name_in_the_browser(server, tmp_path: Path) -> None:
    from playwright.sync_api import expect, sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is needed: apt-get install -y chromium")
    base, workspace = server
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(accept_downloads=True)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.goto(f"{base}/#{quote(NAME, safe='')}")  # opened straight from the address
            page.wait_for_selector("body[data-ready='1']")
            expect(page.locator("#filmstrip .thumb")).to_have_count(3)
            expect(page.locator("#cut-select")).to_have_value(NAME)
            page.click("#colorize")
            page.wait_for_selector("body[data-last-job='colorize:done']", timeout=60_000)
            expect(page.locator("#view")).to_have_js_property("complete", True)
            assert page.evaluate("document.querySelector('#view').naturalWidth") == 512
            with page.expect_download() as info:
                page.click("#export")
            download = info.value
            assert download.suggested_filename.startswith(f"{NAME}-r")
            path = tmp_path / "export.zip"
            download.save_as(path)
            with zipfile.ZipFile(path) as archive:
                assert f"{NAME}/0002.png" in archive.namelist()
            page.goto(f"{base}/#%E0%A4%A")  # a mangled address still loads the page
            page.wait_for_selector("body[data-ready='1']")
            assert not errors, errors
        finally:
            browser.close()
