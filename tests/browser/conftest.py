"""Fixtures for the real-browser tests: live dashboards on 127.0.0.1, headless Debian Chromium, and helpers.

Every test in this folder is marked ``browser``. Without /usr/bin/chromium (or the playwright package) the
folder is skipped, unless REQUIRE_BROWSER=1 (CI sets it), when the tests fail instead: CI must never pass by
skipping them.

Only explicit waits are used (wait_for_selector, expect, wait_for_function), never sleeps.
"""

from __future__ import annotations

import html
import os
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
REQUIRED = os.environ.get("REQUIRE_BROWSER") == "1"
HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parents[1] / "figures" / "screenshots"  # not committed (.gitignore: /figures/)
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SKIP_REASON = "Chromium not installed at /usr/bin/chromium: browser tests skipped (apt-get install chromium)"
DRAW_TIMEOUT = 20_000  # ms: the first page load also builds the default view on the server
PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1400, "height": 900}

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


def serve(wsgi_app) -> tuple[str, callable]:
    """Serve a WSGI app on a free 127.0.0.1 port in a daemon thread: (base URL, stop)."""
    from werkzeug.serving import make_server

    server = make_server("127.0.0.1", 0, wsgi_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()

    def stop():
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)

    return f"http://127.0.0.1:{server.server_port}", stop


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


@dataclass
class Recorder:
    """Console errors, page errors, failed requests and CSP messages seen by one page."""

    errors: list[str] = field(default_factory=list)
    csp_console: list[str] = field(default_factory=list)
    requests: list[str] = field(default_factory=list)

    def on_console(self, msg) -> None:
        if msg.type == "error":
            self.errors.append(f"console.error: {msg.text} @ {msg.location}")
        if "Content Security Policy" in msg.text or "Content-Security-Policy" in msg.text:
            self.csp_console.append(f"{msg.type}: {msg.text}")

    def on_pageerror(self, exc) -> None:
        self.errors.append(f"pageerror: {exc}")

    def on_request(self, request) -> None:
        self.requests.append(request.url)


CSP_INIT = (
    "document.addEventListener('securitypolicyviolation', "
    "e => (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI));"
)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


def new_page(browser, base_url: str, recorder: Recorder, viewport=DESKTOP, **options):
    ctx = browser.new_context(accept_downloads=True, base_url=base_url, viewport=viewport, **options)
    ctx.set_default_timeout(DRAW_TIMEOUT)
    ctx.add_init_script(CSP_INIT)
    page = ctx.new_page()
    page.on("console", recorder.on_console)
    page.on("pageerror", recorder.on_pageerror)
    page.on("request", recorder.on_request)
    return ctx, page


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


def plain(text: str) -> str:
    """Plotly annotation or hover text as plain text: <br> as spaces, tags removed, entities decoded."""
    text = re.sub(r"<br\s*/?>", " ", text)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"\s+", " ", html.unescape(text)).strip()


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk; fails if ``data`` is not a PNG."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", f"not a PNG: {data[:16]!r}"
    assert data[12:16] == b"IHDR", f"no IHDR chunk first: {data[8:32]!r}"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


# True when the landing page's panels have answered: the summary names the selection, nothing is loading,
# and the overview chart has as many bars as expected.
_LANDING_JS = """
([summary, bars]) => {
  const s = document.getElementById('selection-summary');
  if (!s || !s.textContent.startsWith(summary)) return false;
  if (document.querySelector('[data-dash-is-loading="true"]')) return false;
  return document.querySelectorAll('#overview-chart .bar-row').length === bars;
}
"""


class Landing:
    """The landing page, with the waits and reads the tests share."""

    def __init__(self, page, store):
        self.page = page
        self.store = store

    def goto(self, query: str = "", themes=(), survey=None) -> None:
        self.page.goto("/" + query)
        self.wait(themes, survey)

    def wait(self, themes=(), survey=None) -> None:
        from dashboard.data import filter_by_themes

        s = self.store.survey(survey)
        names = ", ".join(self.store.theme_labels[t] for t in s.theme_ids if t in themes) or "all themes"
        spec = next((c for c in s.charts if c.kind == "ranked"), s.charts[0])
        bars = len(self.store.chart_rows(spec, filter_by_themes(self.store.survey_results(s), list(themes))))
        self.page.wait_for_function(_LANDING_JS, arg=[f"Showing {names}:", bars], timeout=DRAW_TIMEOUT)

    def theme(self, label: str):
        return self.page.get_by_role("group", name="Reform themes").get_by_role("checkbox", name=label, exact=True)

    def visible_cards(self) -> set[str]:
        return set(
            self.page.evaluate(
                "() => [...document.querySelectorAll('.chart-tile')].filter(e => getComputedStyle(e).display !== 'none')"
                ".map(e => JSON.parse(e.id).slug)"
            )
        )

    def overview_labels(self) -> list[str]:
        return [plain(t) for t in self.page.locator("#overview-chart .bar-label").all_text_contents()]


@pytest.fixture
def landing(page, store) -> Landing:
    return Landing(page, store)


def wait_chart(page) -> None:
    """Wait until a chart or embed page has drawn its figure (every annotation in the SVG)."""
    page.wait_for_function(
        """() => { const gd = document.getElementById('plot');
                   return gd && gd._fullLayout && gd.querySelector('.main-svg') &&
                          gd.querySelectorAll('g.annotation').length === (gd.layout.annotations || []).length; }""",
        timeout=DRAW_TIMEOUT,
    )
