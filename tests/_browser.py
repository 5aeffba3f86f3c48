"""Shared set-up of the real-browser tests: ``paintmatch serve`` in a thread, headless Debian chromium via Playwright.

Used by ``test_web_browser*.py``. The browser is opened inside the test (not in a fixture), so that a
missing Playwright or chromium fails the test itself, as before.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

import pytest

CHROMIUM = Path("/usr/bin/chromium")
EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "demo-cut"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def example_workspace(tmp_path: Path) -> Path:
    """``tmp_path/workspace`` holding a copy of the bundled example cut as ``demo-cut``."""
    if not EXAMPLE.exists():
        pytest.fail(f"the bundled example cut {EXAMPLE} is missing")
    workspace = tmp_path / "workspace"
    shutil.copytree(EXAMPLE, workspace / "demo-cut")
    return workspace


@contextmanager
def serving(workspace: Path) -> Iterator[str]:
    """``paintmatch serve`` (uvicorn in a thread) over ``workspace``; yields its address, stops it on exit."""
    import uvicorn

    from paintmatch.web import ServeConfig, create_app

    port = free_port()
    app = create_app(ServeConfig(workspace=workspace, port=port))
    uv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=uv.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not uv.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        uv.should_exit = True
        thread.join(timeout=20)


@contextmanager
def chromium_page(**options) -> Iterator[tuple[object, list[str]]]:
    """A new page (``browser.new_page(**options)``) in headless Debian chromium, and the list its page errors go to.

    Fails the test when chromium is missing; the browser is closed on exit.
    """
    from playwright.sync_api import sync_playwright

    if not CHROMIUM.exists():
        pytest.fail("Debian chromium is needed: apt-get install -y chromium")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(**options)
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            yield page, errors
        finally:
            browser.close()
