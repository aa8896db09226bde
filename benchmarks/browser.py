"""The measures taken in headless Debian Chromium (through Playwright): bytes and times of a fresh page load,
and the time from a click to the page settling.

Timing is taken in the page with ``performance.now()`` (milliseconds since the navigation started): a
script installed before any page script (``INIT_JS``) watches the DOM (a MutationObserver), the page's
``fetch`` calls to ``/_dash-update-component`` and, on the bare app, Plotly's ``plotly_react`` and
``plotly_afterplot`` events.

- A Plotly chart counts as drawn when its graph div (``.js-plotly-plot``: the bare app's ``dcc.Graph``, a
  chart page's ``#plot``) has data and a drawn trace (``.main-svg .trace``). An empty ``dcc.Graph`` draws an
  empty ``.main-svg`` before its callback answers; that placeholder does not count.
- The landing page's overview is drawn in HTML: it counts as drawn when ``#overview-chart`` holds a
  ``.bar-row``.
- A click on the landing page has settled when every callback request sent since the click has been
  answered (and its response read), nothing is marked loading, and the DOM has then been quiet (no
  mutation at all) for ``QUIET_MS``; the time is the later of the last mutation and the last answer.
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
QUIET_MS = 500  # the DOM is quiet when nothing has changed for this long
NETWORK_QUIET_S = 0.5  # a first load is over once no request has been in flight for this long

# Installed before any page script (Playwright's init scripts are not subject to the page's CSP).
INIT_JS = r"""
(() => {
  if (window.__bench) return;
  const B = window.__bench = {
    firstChart: null, overview: null, lastMutation: 0, lastOverview: 0, lastCards: 0,
    pending: 0, calls: [], armed: false, t0: null, since: null, marks: {}, reacts: new Map(),
  };
  const drawn = gd => !!(gd.data && gd.data.length && gd.querySelector('.main-svg .trace'));
  B.drawn = drawn;
  B.visible = el => el.getClientRects().length > 0;

  // Every Dash callback request: what it was for, when it was sent, answered and read.
  const origFetch = window.fetch.bind(window);
  window.fetch = function (input, init) {
    const url = typeof input === 'string' ? input : (input && input.url) || '';
    if (!url.includes('_dash-update-component')) return origFetch(input, init);
    const body = init && typeof init.body === 'string' ? init.body : '';
    let output = '';
    try { output = JSON.parse(body).output || ''; } catch (e) { /* not JSON: leave it unnamed */ }
    const rec = {output, sent: performance.now(), at: null, done: null, status: null, text: null};
    B.pending += 1;
    B.calls.push(rec);
    const p = origFetch(input, init);
    p.then(
      r => {
        rec.at = performance.now(); rec.status = r.status;
        return r.clone().text().then(t => { rec.text = t; }, () => { rec.text = ''; });
      },
      () => { rec.at = performance.now(); rec.status = 0; rec.text = ''; },
    ).finally(() => { rec.done = performance.now(); B.pending -= 1; check(); });
    return p;
  };

  const check = () => {
    if (B.firstChart === null) {
      for (const gd of document.querySelectorAll('.js-plotly-plot')) {
        if (drawn(gd)) { B.firstChart = performance.now(); break; }
      }
    }
    if (B.overview === null && document.querySelector('#overview-chart .bar-row')) B.overview = performance.now();
  };
  B.check = check;
  const within = (node, sel) => {
    const el = node && (node.nodeType === 1 ? node : node.parentElement);
    return !!(el && el.closest && el.closest(sel));
  };
  const observe = records => {
    const now = performance.now();
    B.lastMutation = now;
    for (const r of records) {
      if (within(r.target, '#overview-chart')) B.lastOverview = now;
      if (within(r.target, '#chart-cards')) B.lastCards = now;
    }
    check();
  };
  const start = () => {
    new MutationObserver(observe).observe(document.documentElement, {childList: true, subtree: true, attributes: true, characterData: true});
    check();
  };
  if (document.documentElement) start(); else document.addEventListener('DOMContentLoaded', start);

  // A change is timed from the click (a checkbox toggles, an option is chosen, on click); the pointerdown
  // time is kept too, to show how long the browser automation took between press and release.
  for (const type of ['pointerdown', 'click']) {
    document.addEventListener(type, () => {
      if (!B.armed || B.marks[type] !== undefined) return;
      B.marks[type] = performance.now();
      if (type === 'click' || B.t0 === null) B.t0 = B.marks[type];
      if (B.since === null) B.since = B.marks[type];
    }, true);
  }
})();
"""

# Before a timed change: hook every Plotly graph's redraw events, forget the previous change.
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
  B.t0 = null; B.since = null; B.marks = {};
  B.result = null;
  B.armed = true;
}
"""

# Ours: true once the click has settled (module docstring); then B.result holds the times.
SETTLED_LANDING_JS = r"""
(quiet) => {
  const B = window.__bench;
  if (B.marks.click === undefined || B.pending > 0) return false;
  const recs = B.calls.filter(r => r.sent >= B.since);
  if (recs.some(r => r.done === null)) return false;
  if (document.querySelector('[data-dash-is-loading="true"]')) return false;
  const last = Math.max(B.t0, B.lastMutation, ...recs.map(r => r.done));
  if (performance.now() - last < quiet) return false;
  const rel = t => (t && t >= B.t0 ? Math.round(t - B.t0) : null);
  B.armed = false;
  B.result = {
    ms: last - B.t0,
    press_ms: B.marks.pointerdown === undefined ? null : Math.round(B.t0 - B.marks.pointerdown),
    overview: rel(B.lastOverview), cards: rel(B.lastCards), mutation: rel(B.lastMutation),
    calls: recs.map(r => ({output: r.output, sent: rel(r.sent), at: rel(r.at), status: r.status, bytes: (r.text || '').length})),
  };
  return true;
}
"""

# The bare app: true once the figure callback started by the change has answered and every visible graph
# it sent a figure to has redrawn since (its dropdown-to-repaint); B.result holds the time to that redraw.
SETTLED_BASELINE_JS = r"""
() => {
  const B = window.__bench;
  if (B.marks.click === undefined || B.pending > 0) return false;
  const recs = B.calls.filter(r => r.sent >= B.since);
  if (!recs.length || recs.some(r => r.text === null)) return false;
  const want = new Map();  // graph element id -> time its figure arrived
  for (const r of recs) {
    if (r.status !== 200) continue;
    let resp;
    try { resp = JSON.parse(r.text).response || {}; } catch (e) { continue; }
    for (const [id, props] of Object.entries(resp)) {
      if (props && Object.prototype.hasOwnProperty.call(props, 'figure')) want.set(id, Math.max(want.get(id) || 0, r.at));
    }
  }
  if (!want.size) return false;
  let t1 = Math.max(...recs.map(r => r.at));
  for (const [id, at] of want) {
    const host = document.getElementById(id);
    if (!host) continue;
    const gd = host.classList.contains('js-plotly-plot') ? host : host.querySelector('.js-plotly-plot');
    if (!gd || !B.visible(gd)) continue;
    const t = B.reacts.get(gd);
    if (t === undefined || t < at || !B.drawn(gd)) return false;
    t1 = Math.max(t1, t);
  }
  const rel = t => Math.round(t - B.t0);
  B.armed = false;
  B.result = {
    ms: t1 - B.t0,
    press_ms: B.marks.pointerdown === undefined ? null : Math.round(B.t0 - B.marks.pointerdown),
    calls: recs.map(r => ({output: r.output, sent: rel(r.sent), at: rel(r.at), status: r.status, bytes: (r.text || '').length})),
  };
  return true;
}
"""

# After a timed change: true once nothing is pending or loading and the DOM has been quiet for ``quiet`` ms;
# returns the time of the last mutation after the click (for the bare app, the same rule as ours, for information).
QUIET_AFTER_JS = r"""
(quiet) => {
  const B = window.__bench;
  if (B.pending > 0 || document.querySelector('[data-dash-is-loading="true"]')) return false;
  if (performance.now() - B.lastMutation < quiet) return false;
  return B.lastMutation - B.t0;
}
"""

# What a page is waiting for before it counts as loaded.
READY_CHART = "() => window.__bench && window.__bench.firstChart !== null"
READY_LANDING = "() => window.__bench && window.__bench.overview !== null && window.__bench.pending === 0"


@dataclass
class PageLoad:
    url: str
    bytes: int  # encodedDataLength of every request finished when the load was over
    requests: int
    ready_ms: float  # the page's own "drawn": the first chart, or the landing page's overview
    first_chart_ms: float | None
    overview_ms: float | None
    largest: list[tuple[str, int]] = field(default_factory=list)


def launch(playwright):
    return playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)


def page_load(browser, url: str, ready: str = READY_CHART, timeout_ms: int = LOAD_TIMEOUT_MS) -> PageLoad:
    """One cold load in a fresh context (empty cache, cache disabled): the time until ``ready`` holds, and
    the bytes on the wire of every request finished once the load event has fired, ``ready`` holds and no
    request has been in flight for NETWORK_QUIET_S."""
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        ctx.add_init_script(INIT_JS)
        page = ctx.new_page()
        cdp = ctx.new_cdp_session(page)
        sizes: dict[str, int] = {}
        urls: dict[str, str] = {}
        inflight: set[str] = set()
        last = {"t": time.monotonic()}

        def sent(e: dict) -> None:
            urls[e["requestId"]] = e["request"]["url"]
            inflight.add(e["requestId"])
            last["t"] = time.monotonic()

        def finished(e: dict) -> None:
            sizes[e["requestId"]] = int(e["encodedDataLength"])
            inflight.discard(e["requestId"])
            last["t"] = time.monotonic()

        def failed(e: dict) -> None:
            inflight.discard(e["requestId"])
            last["t"] = time.monotonic()

        cdp.on("Network.requestWillBeSent", sent)
        cdp.on("Network.loadingFinished", finished)
        cdp.on("Network.loadingFailed", failed)
        cdp.send("Network.enable")
        cdp.send("Network.setCacheDisabled", {"cacheDisabled": True})
        page.goto(url, wait_until="load", timeout=timeout_ms)
        page.wait_for_function(ready, timeout=timeout_ms, polling=50)
        deadline = time.monotonic() + timeout_ms / 1000
        while inflight or time.monotonic() - last["t"] < NETWORK_QUIET_S:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{url}: requests still in flight: {[urls.get(i) for i in inflight]}")
            page.wait_for_timeout(50)  # lets Playwright deliver the CDP events
        snapshot = dict(sizes)
        b = page.evaluate("() => ({first: window.__bench.firstChart, overview: window.__bench.overview})")
        ready_ms = b["first"] if ready == READY_CHART else b["overview"]
        largest = sorted(((urls.get(k, "?"), v) for k, v in snapshot.items()), key=lambda kv: -kv[1])[:6]
        return PageLoad(
            url=url,
            bytes=sum(snapshot.values()),
            requests=len(snapshot),
            ready_ms=ready_ms,
            first_chart_ms=b["first"],
            overview_ms=b["overview"],
            largest=largest,
        )
    finally:
        ctx.close()


def _quiet(page, timeout_ms: int = 15_000) -> None:
    """Let the callbacks a change started finish before the next change."""
    page.wait_for_function(
        "() => window.__bench.pending === 0 && !document.querySelector('[data-dash-is-loading=\"true\"]')",
        timeout=timeout_ms,
        polling=50,
    )


@contextmanager
def _loaded_page(browser, url: str, ready: str):
    """A page of ``url`` in a fresh context with the measuring script, loaded and quiet; closed afterwards."""
    ctx = browser.new_context(viewport=VIEWPORT)
    try:
        ctx.add_init_script(INIT_JS)
        page = ctx.new_page()
        page.goto(url, timeout=LOAD_TIMEOUT_MS)
        page.wait_for_function(ready, timeout=LOAD_TIMEOUT_MS, polling=50)
        _quiet(page)
        page.wait_for_timeout(QUIET_MS)
        yield page
    finally:
        ctx.close()


def landing_clicks(
    browser, url: str, walk: list[tuple[int, list[int]]], themes: list[str], timeout_ms: int = CHANGE_TIMEOUT_MS
) -> list[dict]:
    """On the landing page, click the theme checkboxes of the "Reform themes" fieldset in the order of
    ``walk`` ((box index, box indices ticked after the click), see ``common.theme_walk``). For each click:
    {"ms": click to settled, "overview"/"cards"/"mutation": ms to the last change of the overview chart, of
    the chart cards, of anything; "calls": the callback requests; "selection": the themes ticked}. Raises
    if a click leaves the page showing something else than the selection clicked."""
    with _loaded_page(browser, url, READY_LANDING) as page:
        boxes = page.get_by_role("group", name="Reform themes").get_by_role("checkbox")
        n = boxes.count()
        if n == 0:
            raise RuntimeError('no checkbox in the fieldset "Reform themes"')
        out = []
        for box, ticked in walk:
            target = boxes.nth(box % n)
            target.scroll_into_view_if_needed(timeout=timeout_ms)
            page.evaluate(ARM_JS)
            target.click(timeout=timeout_ms)
            page.wait_for_function(SETTLED_LANDING_JS, arg=QUIET_MS, timeout=timeout_ms, polling=20)
            result = page.evaluate("() => window.__bench.result")
            want = [themes[i % len(themes)] for i in ticked] if themes else None
            shown = page.eval_on_selector_all("#theme-filter input:checked", "els => els.map(e => e.value)")
            summary = page.locator("#selection-summary").inner_text(timeout=timeout_ms)
            bad = [c for c in result["calls"] if c["status"] != 200]
            if want is not None and shown != want:
                raise RuntimeError(f"after the click the page has {shown} ticked, not {want}")
            if bad or not summary.startswith("Showing"):
                raise RuntimeError(f"click to {want}: callbacks answered {bad}; summary {summary[:80]!r}")
            result["selection"] = shown
            out.append(result)
            _quiet(page)
        return out


def baseline_changes(browser, url: str, changes: int, timeout_ms: int = CHANGE_TIMEOUT_MS) -> list[dict]:
    """The bare app: open the dropdown, then (timed) choose the next option; for each change {"ms": click to
    the graph redrawn with the new figure (its dropdown-to-repaint), "settled_ms": click to the last DOM change
    by our landing page's rule (DOM quiet for QUIET_MS), "calls": ...}."""
    from benchmarks.baseline_app import DROPDOWN, OPTIONS

    with _loaded_page(browser, url, READY_CHART) as page:
        trigger = page.locator(f"#{DROPDOWN}")
        out = []
        for k in range(changes):
            value = OPTIONS[(k + 1) % len(OPTIONS)]
            if trigger.get_attribute("aria-expanded") != "true":
                trigger.click(timeout=timeout_ms)
            option = page.get_by_role("option", name=value, exact=True)
            option.wait_for(state="visible", timeout=timeout_ms)
            page.evaluate(ARM_JS)
            option.click(timeout=timeout_ms)
            page.wait_for_function(SETTLED_BASELINE_JS, timeout=timeout_ms, polling=20)
            result = page.evaluate("() => window.__bench.result")
            quiet = page.wait_for_function(QUIET_AFTER_JS, arg=QUIET_MS, timeout=timeout_ms, polling=20)
            result["settled_ms"] = quiet.json_value()
            out.append(result)
            if trigger.get_attribute("aria-expanded") == "true":
                page.keyboard.press("Escape")
        return out


def version(browser) -> str:
    try:
        return browser.version
    except Exception:  # pragma: no cover - best effort
        return "unknown"


if __name__ == "__main__":  # a manual probe: python -m benchmarks.browser URL [landing]
    import sys

    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = launch(p)
        try:
            t = time.perf_counter()
            ready = READY_LANDING if sys.argv[2:] == ["landing"] else READY_CHART
            print(json.dumps(page_load(b, sys.argv[1], ready).__dict__, indent=1))
            print(f"{time.perf_counter() - t:.2f} s")
        finally:
            b.close()
