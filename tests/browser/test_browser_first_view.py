"""The landing page's first view (dashboard/firstview.py) in a real browser: the page without a script, and with
one, the first view painted before Dash's page and replaced by it in one frame: nothing moves, no id twice, the
largest paint the first view's."""

from __future__ import annotations

import re

import pytest

from dashboard.data import filter_by_themes
from tests.browser.helpers import DESKTOP, PHONE, Landing, new_page

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = pytest.mark.browser
CALLBACK = re.compile(r"/_dash-update-component(\?.*)?$")  # Dash 4 adds ?endId=

# Where the parts of the page above the fold are, in the element shown (the first view, then Dash's page).
POSITIONS = """() => ['#site-title', '#filters', '#filter-panel', '#overview-heading', '#overview-chart',
    '#charts-heading'].map(s => {
  const e = [...document.querySelectorAll(s)].find(x => x.getClientRects().length);
  if (!e) return [s, null];
  const r = e.getBoundingClientRect();
  return [s, [Math.round(r.x), Math.round(r.y), Math.round(r.width), Math.round(r.height)]];
})"""
TWICE = """() => { const n = {}; document.querySelectorAll('[id]').forEach(e => n[e.id] = (n[e.id] || 0) + 1);
    return Object.keys(n).filter(k => n[k] > 1); }"""
# The buffered entries of a performance entry type (none: the observer is never called, so it gives up after
# 500 ms, long after the buffered entries of a type that has any are delivered).
ENTRIES = """(type) => new Promise(done => {
  const seen = [];
  const obs = new PerformanceObserver(list => seen.push(...list.getEntries()));
  obs.observe({type, buffered: true});
  setTimeout(() => { obs.disconnect(); done(seen.map(e => [e.startTime, e.value || 0, !!e.hadRecentInput])); }, 500);
})"""
MOUNTED = "() => !document.getElementById('first-view') && !!document.querySelector('#page > *')"


def _bars(store, themes=()) -> int:
    survey = store.survey(None)
    spec = next(c for c in survey.charts if c.kind == "ranked")
    return len(store.chart_rows(spec, filter_by_themes(store.survey_results(survey), list(themes))))


def _shown_bars(page) -> int:
    return page.evaluate(
        "() => [...document.querySelectorAll('#overview-chart .bar-row')].filter(e => e.getClientRects().length).length"
    )


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1400px", "375px"])
def test_without_a_script_the_first_view_is_the_page(browser, live_server, store, recorder, viewport):
    ctx, page = new_page(browser, live_server, recorder, viewport=viewport, java_script_enabled=False)
    try:
        page.goto("/")
        expect(page.locator("#selection-summary")).to_have_text(re.compile(r"^Showing all themes: "))
        assert _shown_bars(page) == _bars(store) > 0
        # The theme filter is a form: tick two themes, send it, and the server's page is that selection's.
        page.locator("#filter-panel > summary").click()
        legend = page.locator("#filter-panel legend").first.text_content()
        group = page.get_by_role("group", name=legend)
        group.get_by_role("checkbox", name="Funding", exact=True).check()
        group.get_by_role("checkbox", name="Tribunals and disputes", exact=True).check()
        page.get_by_role("button", name="Show the themes ticked").click()
        expect(page).to_have_url(re.compile(r"/\?theme=tribunals&theme=funding$"))  # the boxes in page order
        expect(page.locator("#selection-summary")).to_have_text(
            re.compile(r"^Showing Tribunals and disputes, Funding: ")
        )
        assert _shown_bars(page) == _bars(store, ["funding", "tribunals"])
        page.locator("#filter-panel > summary").click()
        expect(page.get_by_role("checkbox", name="Funding", exact=True)).to_be_checked()
        # What needs a script is not offered; the exports are links; the table opens as a disclosure.
        expect(page.get_by_role("button", name="Download these results (CSV)")).to_be_hidden()
        expect(page.get_by_role("button", name="Add to briefing").first).to_be_hidden()
        link = page.get_by_role("link", name="All charts in view (PNG, zip)")
        expect(link).to_have_attribute(
            "href", re.compile(r"^/export/charts\.zip\?survey=[\w-]+&theme=tribunals,funding&format=png$")
        )
        page.get_by_text("Show the table of results in view").click()
        expect(page.locator(".results-details table")).to_be_visible()
        assert recorder.errors == []
    finally:
        ctx.close()


@pytest.mark.parametrize("address", ["/", "/?theme=funding"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1400px", "375px"])
def test_dash_replaces_the_first_view_in_one_frame(browser, live_server, store, recorder, viewport, address):
    """Held back, the page callback lets the first view be seen alone: Dash's entry point hidden, the largest
    paint made. Then Dash's page takes its place: every part where it was, no layout shift, no id twice, and
    no later largest paint."""
    ctx, page = new_page(browser, live_server, recorder, viewport=viewport)
    held = []
    try:
        page.route(CALLBACK, lambda route: held.append(route))
        with page.expect_request(CALLBACK):
            page.goto(address)
        themes = ["funding"] if "funding" in address else []
        expect(page.locator("#first-view #selection-summary")).to_be_visible()
        expect(page.locator("#react-entry-point")).to_be_hidden()
        assert _shown_bars(page) == _bars(store, themes)
        before = page.evaluate(POSITIONS)
        assert all(box for _, box in before[:5]), before
        assert page.evaluate(TWICE) == []
        painted = page.evaluate(ENTRIES, "largest-contentful-paint")
        assert painted, "no largest contentful paint before the page callback answered"
        released = page.evaluate("() => performance.now()")
        for route in held:
            route.continue_()
        page.unroute(CALLBACK)
        page.wait_for_function(MOUNTED)
        Landing(page, store).wait(themes)
        assert page.evaluate(POSITIONS) == before
        assert page.evaluate(TWICE) == []
        shifts = page.evaluate(ENTRIES, "layout-shift")
        assert sum(value for _, value, recent in shifts if not recent) == 0, shifts
        last = max(start for start, _, _ in page.evaluate(ENTRIES, "largest-contentful-paint"))
        assert last < released, "a paint after the callback became the largest"
        assert recorder.errors == []
    finally:
        ctx.close()


def test_a_tick_before_dash_has_mounted_goes_to_its_address(browser, live_server, store, recorder):
    ctx, page = new_page(browser, live_server, recorder)
    try:
        hold = [True]  # the first page's callback is never answered (Dash's page never comes); the next page's is
        page.route(CALLBACK, lambda route: None if hold else route.continue_())
        with page.expect_request(CALLBACK):
            page.goto("/")
        page.wait_for_function("() => document.getElementById('filter-panel').open")  # dashboard.js ran
        hold.clear()
        page.locator("#first-view label[for=fv-theme-funding]").click()  # a tick (check() would re-check it)
        expect(page).to_have_url(re.compile(r"/\?theme=funding$"))
        Landing(page, store).wait(["funding"])
        expect(Landing(page, store).theme("Funding")).to_be_checked()
    finally:
        ctx.close()


def test_axe_on_the_first_view(browser, live_server, recorder):
    """axe-core on the first view alone (the page callback held back), in a context that bypasses the CSP."""
    from axe_playwright_python.sync_playwright import Axe

    ctx, page = new_page(browser, live_server, recorder, bypass_csp=True)
    try:
        page.route(CALLBACK, lambda route: None)
        with page.expect_request(CALLBACK):
            page.goto("/?theme=funding")
        expect(page.locator("#first-view #selection-summary")).to_be_visible()
        violations = Axe().run(page).response["violations"]
        bad = [f"{v['id']}: {v['help']}" for v in violations if v.get("impact") in ("serious", "critical")]
        assert not bad, bad
    finally:
        ctx.close()
