"""The measures taken in headless Debian Chromium: bytes and time to the first and to every chart of a
fresh page load, and the time from a filter click to every affected chart repainted.

Timing is taken in the page with ``performance.now()`` (milliseconds since the navigation started):
a script installed before any page script watches the DOM (MutationObserver), Plotly's ``plotly_react``
and ``plotly_afterplot`` events and the page's ``fetch`` calls to ``/_dash-update-component``.

A chart counts as drawn when its graph div (``.js-plotly-plot``) has data and a drawn trace
(``.main-svg .trace``). An empty ``dcc.Graph`` draws an empty ``.main-svg`` (axes, no data) before its
callback answers, so "the first ``.main-svg``" alone would time the empty placeholder; it is recorded too
(``first_svg_ms``), for information.
"""

from __future__ import annotations

import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, field

from benchmarks.common import CHROMIUM, CHROMIUM_ARGS

VIEWPORT = {"width": 1280, "height": 900}
LOAD_TIMEOUT_MS = 60_000
CHANGE_TIMEOUT_MS = 30_000

# Installed before any page script (Playwright's init scripts are not subject to the page's CSP).
INIT_JS = r"""
(() => {
  if (window.__bench) return;
  const B = window.__bench = {
    firstSvg: null, first: null, all: null, shown: 0,
    pending: 0, figResponses: [],   // callback responses that carry a figure
    armed: false, t0: null, marks: {}, reacts: new Map(),
  };
  const visible = el => el.getClientRects().length > 0;
  const drawn = gd => !!(gd.data && gd.data.length && gd.querySelector('.main-svg .trace'));
  B.visible = visible; B.drawn = drawn;

  const origFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : (input && input.url) || '';
    const body = init && typeof init.body === 'string' ? init.body : '';
    if (!url.includes('_dash-update-component') || !body.includes('.figure')) return origFetch(input, init);
    const rec = {sent: performance.now(), at: null, text: null, status: null};
    B.pending += 1;
    const p = origFetch(input, init);
    p.then(r => {
      rec.at = performance.now(); rec.status = r.status;
      r.clone().text().then(t => { rec.text = t; }, () => { rec.text = ''; });
    }, () => { rec.at = performance.now(); rec.text = ''; rec.status = 0; })
     .finally(() => { B.pending -= 1; B.figResponses.push(rec); check(); });
    return p;
  };

  const check = () => {
    if (B.firstSvg === null && document.querySelector('.js-plotly-plot .main-svg')) B.firstSvg = performance.now();
    const gds = document.querySelectorAll('.js-plotly-plot');
    if (B.first === null) {
      for (const gd of gds) if (drawn(gd)) { B.first = performance.now(); break; }
    }
    if (B.first !== null && B.all === null && B.pending === 0) {
      const shown = [...gds].filter(visible);
      if (shown.length && shown.every(drawn)) { B.all = performance.now(); B.shown = shown.length; }
    }
  };
  B.check = check;
  const start = () => {
    new MutationObserver(check).observe(document.documentElement, {childList: true, subtree: true, attributes: true, attributeFilter: ['style', 'class']});
    check();
  };
  if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);

  // The change is timed from the click (the checkbox toggles, the option is chosen, on click); the
  // pointerdown time is kept too, to show how long the browser automation took between press and release.
  for (const type of ['pointerdown', 'click']) {
    document.addEventListener(type, () => {
      if (!B.armed || B.marks[type] !== undefined) return;
      B.marks[type] = performance.now();
      if (type === 'click' || B.t0 === null) B.t0 = B.marks[type];
    }, true);
  }
})();
"""

# Before a timed change: hook every graph's redraw events and remember what it shows now.
ARM_JS = r"""
() => {
  const B = window.__bench;
  for (const gd of document.querySelectorAll('.js-plotly-plot')) {
    if (!gd.__benchHooked && typeof gd.on === 'function') {
      const hit = () => { B.reacts.set(gd, performance.now()); };
      gd.on('plotly_react', hit); gd.on('plotly_afterplot', hit);
      gd.__benchHooked = true;
    }
  }
  B.reacts = new Map();
  B.figResponses = [];
  B.t0 = null;
  B.marks = {};
  B.armed = true;
  return document.querySelectorAll('.js-plotly-plot').length;
}
"""

# True once every figure-carrying callback started by the change has answered and every visible graph
# it sent a figure to has redrawn since; then B.result holds the time from the click to the last of those
# redraws. (Fallback when no figure comes from the server: graphs that redrew and then stayed quiet.)
SETTLED_JS = r"""
() => {
  const QUIET = 500;
  const B = window.__bench;
  if (B.marks.click === undefined || B.pending > 0) return false;
  const since = Math.min(...Object.values(B.marks));
  const recs = B.figResponses.filter(r => r.sent >= since);
  if (recs.some(r => r.text === null)) return false;
  const rel = t => Math.round(t - B.t0);
  if (!recs.length) {
    // No figure came from the server (yet). If graphs redrew anyway (a clientside callback), the change is
    // over once they have been quiet for QUIET ms and nothing is loading; the time is the last redraw.
    const now = performance.now(), times = [...B.reacts.values()];
    if (!times.length || now - Math.max(...times) < QUIET || now - B.t0 < QUIET) return false;
    if (document.querySelector('[data-dash-is-loading="true"]')) return false;
    const t1 = Math.max(...times);
    B.armed = false;
    B.result = {ms: t1 - B.t0, graphs: times.length, responses: 0, press_ms: null, timeline: [], redraws: times.map(rel)};
    return true;
  }
  const want = new Map();  // graph element id -> time its figure arrived
  for (const r of recs) {
    if (r.status !== 200) continue;
    let resp;
    try { resp = JSON.parse(r.text).response || {}; } catch (e) { continue; }
    for (const [id, props] of Object.entries(resp)) {
      if (props && Object.prototype.hasOwnProperty.call(props, 'figure')) want.set(id, Math.max(want.get(id) || 0, r.at));
    }
  }
  let t1 = Math.max(...recs.map(r => r.at));
  let n = 0;
  for (const [id, at] of want) {
    const host = document.getElementById(id);
    if (!host) continue;
    const gd = host.classList.contains('js-plotly-plot') ? host : host.querySelector('.js-plotly-plot');
    if (!gd || !B.visible(gd)) continue;
    const t = B.reacts.get(gd);
    if (t === undefined || t < at || !B.drawn(gd)) return false;
    t1 = Math.max(t1, t); n += 1;
  }
  B.armed = false;
  B.result = {
    ms: t1 - B.t0, graphs: n, responses: recs.length, press_ms: B.marks.pointerdown === undefined ? null : Math.round(B.t0 - B.marks.pointerdown),
    timeline: recs.map(r => [rel(r.sent), rel(r.at), r.text.length]),
    redraws: [...want.keys()].map(id => { const h = document.getElementById(id); const gd = h && (h.querySelector('.js-plotly-plot') || h); const t = gd && B.reacts.get(gd); return t === undefined ? null : rel(t); }),
  };
  return true;
}
"""


@dataclass
class PageLoad:
    bytes: int
    requests: int
    first_ms: float
    all_ms: float
    first_svg_ms: float | None
    charts: int
    largest: list[tuple[str, int]] = field(default_factory=list)


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def page_load(browser, url: str, timeout_ms: int = LOAD_TIMEOUT_MS) -> PageLoad:
    """One cold load in a fresh context (empty cache): bytes received and times until every visible chart is drawn."""
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        ctx.add_init_script(INIT_JS)
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        sizes: dict[str, int] = {}
        urls: dict[str, str] = {}
        cdp.on("Network.requestWillBeSent", lambda e: urls.__setitem__(e["requestId"], e["request"]["url"]))
        cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        page.goto(url, wait_until="commit", timeout=timeout_ms)
        page.wait_for_function("() => window.__bench && window.__bench.all !== null", timeout=timeout_ms, polling=50)
        snapshot = dict(sizes)  # what had arrived when the last chart was drawn
        b = page.evaluate(
            "() => ({first: window.__bench.first, all: window.__bench.all, svg: window.__bench.firstSvg, shown: window.__bench.shown})"
        )
        largest = sorted(((urls.get(k, "?"), v) for k, v in snapshot.items()), key=lambda kv: -kv[1])[:6]
        return PageLoad(
            bytes=sum(snapshot.values()),
            requests=len(snapshot),
            first_ms=b["first"],
            all_ms=b["all"],
            first_svg_ms=b["svg"],
            charts=b["shown"],
            largest=largest,
        )
    finally:
        ctx.close()


def _settled(page, timeout_ms: int) -> dict:
    page.wait_for_function(SETTLED_JS, timeout=timeout_ms, polling=20)
    return page.evaluate("() => window.__bench.result")


def _quiet(page, timeout_ms: int = 15_000) -> None:
    """Let the callbacks a change started (quotations, URL) finish before the next change."""
    page.wait_for_function(
        "() => window.__bench.pending === 0 && !document.querySelector('[data-dash-is-loading=\"true\"]')",
        timeout=timeout_ms,
        polling=50,
    )


@contextmanager
def _loaded_page(browser, url: str):
    """A page of ``url`` in a fresh context with the measuring script, loaded and quiet; closed afterwards."""
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        ctx.add_init_script(INIT_JS)
        page = ctx.new_page()
        page.goto(url, timeout=LOAD_TIMEOUT_MS)
        page.wait_for_function(
            "() => window.__bench && window.__bench.all !== null", timeout=LOAD_TIMEOUT_MS, polling=50
        )
        _quiet(page)
        yield page
    finally:
        ctx.close()


def filter_changes_ours(browser, url: str, changes: int, timeout_ms: int = CHANGE_TIMEOUT_MS) -> list[dict]:
    """Click theme checkboxes in the "Reform themes" fieldset (on, off, next on, ...). For each click:
    {"ms": click to every visible chart the callback sent a figure to redrawn, "graphs": how many, "responses": ...}."""
    with _loaded_page(browser, url) as page:
        boxes = page.get_by_role("group", name="Reform themes").get_by_role("checkbox")
        n = boxes.count()
        if n == 0:
            raise RuntimeError('no checkbox in the fieldset "Reform themes"')
        times = []
        for k in range(changes):
            box = boxes.nth((k // 2) % n)
            box.scroll_into_view_if_needed(timeout=timeout_ms)
            page.evaluate(ARM_JS)
            box.click(timeout=timeout_ms)
            times.append(_settled(page, timeout_ms))
            _quiet(page)
        return times


def filter_changes_baseline(browser, url: str, changes: int, timeout_ms: int = CHANGE_TIMEOUT_MS) -> list[dict]:
    """Open the dropdown, then (timed) choose the next option: as ``filter_changes_ours``."""
    from benchmarks.baseline_app import DROPDOWN, OPTIONS

    with _loaded_page(browser, url) as page:
        trigger = page.locator(f"#{DROPDOWN}")
        times = []
        for k in range(changes):
            value = OPTIONS[(k + 1) % len(OPTIONS)]
            if trigger.get_attribute("aria-expanded") != "true":
                trigger.click(timeout=timeout_ms)
            option = page.get_by_role("option", name=value, exact=True)
            option.wait_for(state="visible", timeout=timeout_ms)
            page.evaluate(ARM_JS)
            option.click(timeout=timeout_ms)
            times.append(_settled(page, timeout_ms))
            _quiet(page)
            if trigger.get_attribute("aria-expanded") == "true":
                page.keyboard.press("Escape")
        return times


def version(browser) -> str:
    try:
        return browser.version
    except Exception:  # pragma: no cover - best effort
        return "unknown"


if __name__ == "__main__":  # a manual probe: python -m benchmarks.browser URL
    import sys

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        try:
            t = time.perf_counter()
            print(json.dumps(page_load(b, sys.argv[1]).__dict__, indent=1))
            print(f"{time.perf_counter() - t:.2f} s")
        finally:
            b.close()
