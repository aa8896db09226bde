"""Fixtures for the real-browser tests: live dashboards on 127.0.0.1, headless Debian Chromium, and helpers.

Every test in this folder is marked ``browser``. Without /usr/bin/chromium (or the playwright package) the
folder is skipped, unless REQUIRE_BROWSER=1 (CI sets it), when the tests fail instead: CI must never pass by
skipping them.

Only explicit waits are used (wait_for_selector, expect, wait_for_function), never sleeps.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.browser.helpers import PHONE, Landing, Recorder, new_page, serve

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = os.environ.get("REQUIRE_BROWSER") == "1"
HERE = Path(__file__).resolve().parent
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SKIP_REASON = "Chromium not installed at /usr/bin/chromium: browser tests skipped (apt-get install chromium)"

try:
    import playwright.sync_api  # noqa: F401

    _PLAYWRIGHT_ERROR = ""
except ImportError as exc:  # pragma: no cover - depends on the machine
    _PLAYWRIGHT_ERROR = f"the playwright package is not installed ({exc}): pip install -e '.[test]'"
    if REQUIRED:
        raise RuntimeError(f"REQUIRE_BROWSER=1 but {_PLAYWRIGHT_ERROR}") from exc


def _chromium_missing() -> bool:
    return not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK))


def _in_this_folder(item: pytest.Item) -> bool:
    return HERE in Path(str(item.path)).resolve().parents


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of this folder ``browser``, and skip them all when Chromium is missing, unless
    REQUIRE_BROWSER=1: then they run, and fail in the ``browser`` fixture."""
    skip = pytest.mark.skip(reason=SKIP_REASON) if _chromium_missing() and not REQUIRED else None
    for item in items:
        if _in_this_folder(item):
            item.add_marker(pytest.mark.browser)
            if skip is not None:
                item.add_marker(skip)


# Live servers. --------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def live_server(data_dir) -> str:
    """The dashboard on the real data; yields its base URL."""
    from dashboard.app import create_app

    app = create_app(data_dir)
    assert "DATA_ERROR" not in app.server.config, app.server.config.get("DATA_ERROR")
    url, stop = serve(app.server)
    try:
        yield url
    finally:
        stop()
        _stop_kaleido()


@pytest.fixture(scope="session")
def both_server(both_dir) -> str:
    """The dashboard on the real data and the fictional fixture survey together."""
    from dashboard.app import create_app

    url, stop = serve(create_app(both_dir).server)
    try:
        yield url
    finally:
        stop()


def _stop_kaleido() -> None:
    """Stop the Chromium that server-side export (kaleido) started, if a test made it start one."""
    import sys

    export = sys.modules.get("dashboard.export")
    if export is not None:
        export.stop()  # the next export starts a new one


# The browser and pages. --------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    if _chromium_missing():  # only reached with REQUIRE_BROWSER=1: otherwise the tests are skipped
        pytest.fail(
            f"REQUIRE_BROWSER=1 but Chromium is not installed at {CHROMIUM} (apt-get install chromium)", pytrace=False
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=LAUNCH_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def page(browser, live_server, recorder):
    """A fresh desktop page in its own context (downloads accepted), its errors recorded."""
    ctx, pg = new_page(browser, live_server, recorder)
    try:
        yield pg
    finally:
        ctx.close()


@pytest.fixture
def phone(browser, live_server, recorder):
    """A fresh page 375 px wide."""
    ctx, pg = new_page(browser, live_server, recorder, viewport=PHONE)
    try:
        yield pg
    finally:
        ctx.close()


# Page helpers. ---------------------------------------------------------------------------------------------


@pytest.fixture
def landing(page, store) -> Landing:
    return Landing(page, store)
