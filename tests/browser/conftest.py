"""Fixtures for the real-browser tests: a live dashboard on 127.0.0.1, headless Debian Chromium, and helpers.

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
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pytest

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
CHART_KEYS = ["overview", *[f"fig{n}" for n in range(1, 9)], "baseline"]
MAIN_SURVEY = "isos-2026"
SKIP_REASON = "Chromium not installed at /usr/bin/chromium: browser tests skipped (apt-get install chromium)"
DRAW_TIMEOUT = 20_000  # ms: the first page load also builds every chart on the server

try:
    import playwright.sync_api  # noqa: F401

    _PLAYWRIGHT_ERROR = ""
except ImportError as exc:  # pragma: no cover - depends on the machine
    _PLAYWRIGHT_ERROR = f"the playwright package is not installed ({exc}): pip install -e '.[test]'"
    if REQUIRED:
        raise RuntimeError(f"REQUIRE_BROWSER=1 but {_PLAYWRIGHT_ERROR}") from exc
    # Otherwise each test module skips itself (pytest.importorskip).


def _chromium_missing() -> bool:
    return not (CHROMIUM.exists() and os.access(CHROMIUM, os.X_OK))


def _in_this_folder(item: pytest.Item) -> bool:
    return HERE in Path(str(item.path)).resolve().parents


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark every test of this folder ``browser`` (each module also sets ``pytestmark``), and skip them all
    when Chromium is missing, unless REQUIRE_BROWSER=1: then they run, and fail in the ``browser`` fixture."""
    skip = pytest.mark.skip(reason=SKIP_REASON) if _chromium_missing() and not REQUIRED else None
    for item in items:
        if _in_this_folder(item):
            item.add_marker(pytest.mark.browser)
            if skip is not None:
                item.add_marker(skip)


# The data and the live server. ---------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tables(data_dir):
    """The built tables (etl.store.Tables), so tests compute their expectations from the data."""
    from etl.store import load_tables

    return load_tables(data_dir)


@pytest.fixture(scope="session")
def live_server(data_dir) -> str:
    """The dashboard served by werkzeug on 127.0.0.1 (a free port) in a daemon thread; yields its base URL."""
    from werkzeug.serving import make_server

    from dashboard.app import create_app

    app = create_app(data_dir)
    assert "DATA_ERROR" not in app.server.config, app.server.config.get("DATA_ERROR")
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="dash-live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
        _stop_kaleido()


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
    """Console errors, page errors and CSP messages seen by one page."""

    errors: list[str] = field(default_factory=list)
    csp_console: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)

    def on_console(self, msg) -> None:
        text = msg.text
        if msg.type == "error":
            self.errors.append(f"console.error: {text} @ {msg.location}")
        if "Content Security Policy" in text or "Content-Security-Policy" in text:
            self.csp_console.append(f"{msg.type}: {text}")

    def on_pageerror(self, exc) -> None:
        self.errors.append(f"pageerror: {exc}")

    def on_dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()


CSP_INIT = (
    "document.addEventListener('securitypolicyviolation', "
    "e => (window.__csp = window.__csp || []).push(e.violatedDirective + ' ' + e.blockedURI));"
)


@pytest.fixture
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture
def context(browser, live_server):
    ctx = browser.new_context(accept_downloads=True, base_url=live_server, viewport={"width": 1280, "height": 900})
    ctx.set_default_timeout(DRAW_TIMEOUT)
    ctx.add_init_script(CSP_INIT)
    try:
        yield ctx
    finally:
        ctx.close()


@pytest.fixture
def page(context, recorder):
    """A fresh page in its own context (downloads accepted) whose console errors and page errors are recorded."""
    pg = context.new_page()
    pg.on("console", recorder.on_console)
    pg.on("pageerror", recorder.on_pageerror)
    pg.on("dialog", recorder.on_dialog)
    return pg


# Expectations computed from the results table. ----------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    """What a theme selection should show, computed from the results table independently of the app's code."""

    tables: object

    @property
    def results(self):
        return self.tables["results"]

    @property
    def theme_labels(self) -> dict[str, str]:
        t = self.tables["themes"]
        return dict(zip(t["id"], t["label"]))

    def rows(self, themes: Iterable[str] = ()):
        themes = set(themes)
        r = self.results
        if not themes:
            return r
        return r[r["themes"].map(lambda ts: bool(themes.intersection(ts)))]

    def chart_rows(self, key: str, themes: Iterable[str] = ()):
        r = self.rows(themes)
        if key == "overview":
            return r[(r["survey"] == MAIN_SURVEY) & (r["category"] == "positive or somewhat positive")]
        if key == "baseline":
            return r[r["survey"] != MAIN_SURVEY]
        n = int(key[3:])
        return r[r["figure"] == n]

    def visible(self, themes: Iterable[str] = ()) -> set[str]:
        themes = list(themes)
        return {k for k in CHART_KEYS if len(self.chart_rows(k, themes))}

    def summary_names(self, themes: Iterable[str] = ()) -> str:
        themes = list(themes)
        return ", ".join(self.theme_labels[t] for t in self.tables["themes"]["id"] if t in themes) or "all themes"


@pytest.fixture(scope="session")
def expect_view(tables) -> Expect:
    return Expect(tables)


# Page helpers (a fixture, so test modules need import nothing from this file). ---------------------------

# True once the callbacks have answered, exactly the expected chart cards are shown, and each shown chart holds
# and has drawn the expected number of bars: one labelled bar per result row (one trace per row for the
# stacked Figure 7), with every annotation of its layout in its SVG.
_DRAWN_JS = """
([keys, bars]) => {
  const summary = document.getElementById('selection-summary');
  if (!summary || !summary.textContent.trim()) return false;
  if (document.querySelector('[data-dash-is-loading="true"]')) return false;
  for (const key of keys) {
    const card = document.getElementById('card-' + key);
    if (!card) return false;
    const shown = getComputedStyle(card).display !== 'none';
    if (shown !== (key in bars)) return false;
    if (!shown) continue;
    const gd = document.getElementById('chart-' + key).querySelector('.js-plotly-plot');
    if (!gd || !gd.data || !gd.data.length || !gd._fullLayout || !gd.querySelector('.main-svg')) return false;
    const notes = gd._fullLayout.annotations || [];
    const n = key === 'fig7' ? gd.data.length : notes.filter(a => a.yref === 'y').length;
    if (n !== bars[key]) return false;
    if (gd.querySelectorAll('g.annotation').length !== notes.length) return false;
  }
  return true;
}
"""


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


class Dashboard:
    """One page of the live dashboard, with the waits and reads the tests share."""

    CHART_KEYS = CHART_KEYS
    PNG_TITLE = "Download plot as a PNG"
    plain = staticmethod(plain)
    png_size = staticmethod(png_size)

    def __init__(self, page, recorder: Recorder, expect: Expect, base_url: str):
        self.page = page
        self.recorder = recorder
        self.expect = expect
        self.base_url = base_url

    def goto(self, query: str = "", themes: Iterable[str] = ()) -> None:
        """Open ``/<query>`` and wait until the charts of ``themes`` (the selection it should give) are drawn."""
        self.page.goto("/" + query)
        self.wait_drawn(themes)

    def wait_drawn(self, themes: Iterable[str] = (), timeout: int = DRAW_TIMEOUT) -> None:
        """Wait until the summary names the selection ``themes`` and the charts show exactly its results."""
        themes = list(themes)
        self.page.wait_for_function(
            "s => (document.getElementById('selection-summary')?.textContent || '').startsWith(s)",
            arg=f"Showing {self.expect.summary_names(themes)}:",
            timeout=timeout,
        )
        bars = {k: len(self.expect.chart_rows(k, themes)) for k in self.expect.visible(themes)}
        self.page.wait_for_function(_DRAWN_JS, arg=[CHART_KEYS, bars], timeout=timeout)

    def visible_cards(self) -> set[str]:
        return set(
            self.page.evaluate(
                "keys => keys.filter(k => getComputedStyle(document.getElementById('card-' + k)).display !== 'none')",
                CHART_KEYS,
            )
        )

    def bar_labels(self, key: str) -> list[str]:
        """The plain text of every bar label (the annotations placed on the y axis) of chart ``key``."""
        raw = self.page.evaluate(
            """key => {
              const gd = document.getElementById('chart-' + key).querySelector('.js-plotly-plot');
              return ((gd.layout && gd.layout.annotations) || []).filter(a => a.yref === 'y').map(a => a.text);
            }""",
            key,
        )
        return [plain(t) for t in raw]

    def theme_checkbox(self, label: str):
        """The checkbox of theme ``label`` inside the fieldset "Reform themes"."""
        return self.page.get_by_role("group", name="Reform themes").get_by_role("checkbox", name=label, exact=True)

    def modebar_button(self, key: str, title: str = PNG_TITLE):
        return self.page.locator(
            f'#chart-{key} .modebar-btn[data-title="{title}"], #chart-{key} .modebar-btn[title="{title}"]'
        ).first

    def graph_size(self, key: str) -> tuple[float, float]:
        """The on-screen size of chart ``key``'s main SVG (its width/height attributes)."""
        w, h = self.page.evaluate(
            """key => { const s = document.querySelector('#chart-' + key + ' .main-svg');
                        return [Number(s.getAttribute('width')), Number(s.getAttribute('height'))]; }""",
            key,
        )
        return w, h

    def csp_events(self) -> list[str]:
        return self.page.evaluate("() => window.__csp || []")


@pytest.fixture
def dash(page, recorder, expect_view, live_server) -> Dashboard:
    """The page fixture wrapped with the dashboard's waits and reads."""
    return Dashboard(page, recorder, expect_view, live_server)
