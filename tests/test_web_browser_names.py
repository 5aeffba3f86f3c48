"""In a real browser: a cut folder named in Japanese with a space is listed, opened from the address,
colorized and exported under its own name (the UI URL-encodes every path part)."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path
from urllib.parse import quote

import pytest

from _browser import EXAMPLE, chromium_page, serving

NAME = "カット 01"
pytestmark = [pytest.mark.browser]


@pytest.fixture
def server(tmp_path: Path):
    workspace = tmp_path / "workspace"
    for part in ("line", "gt"):
        (workspace / NAME / part).mkdir(parents=True)
    for frame in ("0000", "0001", "0002"):
        shutil.copy(EXAMPLE / "line" / f"{frame}.png", workspace / NAME / "line" / f"{frame}.png")
    shutil.copy(EXAMPLE / "gt" / "0000.png", workspace / NAME / "gt" / "0000.png")
    with serving(workspace) as base:
        yield base, workspace


def test_japanese_cut_name_in_the_browser(server, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    base, workspace = server
    with chromium_page(accept_downloads=True) as (page, errors):
        page.goto(f"{base}/#{quote(NAME, safe='')}")  # opened straight from the address
        page.wait_for_selector("body[data-ready='1']")
        expect(page.locator("#filmstrip .thumb")).to_have_count(3)
        expect(page.locator("#cut-select")).to_have_value(NAME)
        page.click("#colorize")
        page.wait_for_selector("body[data-last-job='colorize:done']", timeout=60_000)
        expect(page.locator("#view")).to_have_js_property("complete", True)
        assert page.evaluate("document.querySelector('#view').naturalWidth") == 512
        page.click("#export-menu summary")  # the Export… menu's options and button
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
