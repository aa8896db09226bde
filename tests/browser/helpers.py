"""What the browser tests share besides fixtures: viewports, a WSGI server in a thread, a page with its
errors recorded, and the waits and reads of the landing page and chart pages. Imported as
``tests.browser.helpers`` (a module named conftest cannot be imported reliably: every folder has one)."""

from __future__ import annotations

import html
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from dashboard import ids

HERE = Path(__file__).resolve().parent
SCREENSHOTS = HERE.parents[1] / "figures" / "screenshots"  # not committed (.gitignore: /figures/)
DRAW_TIMEOUT = 20_000  # ms: the first page load also builds the default view on the server
PHONE = {"width": 375, "height": 800}
DESKTOP = {"width": 1400, "height": 900}


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


def new_page(browser, base_url: str, recorder: Recorder, viewport=DESKTOP, **options):
    ctx = browser.new_context(accept_downloads=True, base_url=base_url, viewport=viewport, **options)
    ctx.set_default_timeout(DRAW_TIMEOUT)
    ctx.add_init_script(CSP_INIT)
    page = ctx.new_page()
    page.on("console", recorder.on_console)
    page.on("pageerror", recorder.on_pageerror)
    page.on("request", recorder.on_request)
    return ctx, page


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


# True when the landing page's panels have answered: Dash's page has replaced the first view written into the
# HTML (dashboard/firstview.py), the summary names the selection, nothing is loading, and the overview chart has
# as many bars as expected.
_LANDING_JS = """
([summary, bars]) => {
  if (document.getElementById('first-view') || !document.querySelector('#page > *')) return false;
  const s = document.getElementById('selection-summary');
  if (!s || !s.textContent.startsWith(summary)) return false;
  if (document.querySelector('[data-dash-is-loading="true"]')) return false;
  const shown = [...document.querySelectorAll('#overview-chart .bar-row')].filter(e => e.getClientRects().length);
  return shown.length === bars;
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

    def open_filters(self) -> None:
        """Open the compact filter control if it is closed (as it is on a phone)."""
        if not self.page.locator("#filter-panel").evaluate("e => e.open"):
            self.page.locator("#filter-panel > summary").click()

    def theme(self, label: str):
        """A theme's checkbox, in the filter named by the survey's own legend (the panel opened first)."""
        self.open_filters()
        legend = self.page.locator("#filter-panel legend").first.text_content()
        return self.page.get_by_role("group", name=legend).get_by_role("checkbox", name=label, exact=True)

    def visible_cards(self) -> set[str]:
        return set(
            self.page.evaluate(
                "() => [...document.querySelectorAll('.chart-tile')].filter(e => getComputedStyle(e).display !== 'none')"
                f".map(e => e.id.slice({len(ids.CARD)}))"
            )
        )

    def overview_labels(self) -> list[str]:
        """The overview's bars in view (the theme filter hides the others in the browser)."""
        return [plain(t) for t in self.page.locator("#overview-chart .bar-row:not(.filtered-out)").all_text_contents()]


def wait_chart(page) -> None:
    """Wait until a chart or embed page has drawn its figure (every annotation in the SVG)."""
    page.wait_for_function(
        """() => { const gd = document.getElementById('plot');
                   return gd && gd._fullLayout && gd.querySelector('.main-svg') &&
                          gd.querySelectorAll('g.annotation').length === (gd.layout.annotations || []).length; }""",
        timeout=DRAW_TIMEOUT,
    )
