"""The landing page at 375 and 1400 px, for the real survey and the fixture surveys: no text cut with "…" or by
its box, nothing wider than the screen, no tooltip outside it; on a 375 × 812 phone the first screen shows the
survey's headline and a finding, and after ticking a theme what changed is in view without scrolling; on a wide
screen the filters stay in view as the page scrolls. The page's title is the survey's own site name."""

from __future__ import annotations

import pytest

from tests.browser.helpers import DESKTOP, Landing, new_page
from tests.fixtures import FIXTURE_SURVEY, FIXTURE_TEMPERATURE_CHECK

pytestmark = pytest.mark.browser
PHONE_812 = {"width": 375, "height": 812}
SURVEYS = [None, FIXTURE_SURVEY, FIXTURE_TEMPERATURE_CHECK]  # None: the real survey, alone on its server

# Every visible element with text: cut by an ellipsis or by a box that hides its overflow; reaching past the
# screen's edges (html and body clip sideways, so the document's scroll width alone would not show it); a
# tooltip outside the screen.
_FIT_JS = """() => {
  const out = [], W = document.documentElement.clientWidth;
  const name = e => (e.id ? '#' + e.id : e.tagName.toLowerCase() + '.' + e.className) + ': ' + (e.textContent || '').trim().slice(0, 50);
  for (const e of document.querySelectorAll('body *')) {
    const s = getComputedStyle(e), r = e.getBoundingClientRect();
    if (s.display === 'none' || s.visibility === 'hidden' || r.width <= 1 || r.height <= 1) continue;
    if (e.closest('.skip-link, .visually-hidden, details:not([open]) > :not(summary)')) continue;
    const text = [...e.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (text && s.textOverflow === 'ellipsis' && e.scrollWidth > e.clientWidth + 1) out.push('ellipsis ' + name(e));
    if (text && /hidden|clip/.test(s.overflowX) && e.scrollWidth > e.clientWidth + 1) out.push('cut ' + name(e));
    if (r.right > W + 1 || r.left < -1) out.push('off screen ' + Math.round(r.left) + '..' + Math.round(r.right) + ' ' + name(e));
    if (e.getAttribute('role') === 'tooltip' && (r.left < 0 || r.right > W)) out.push('tooltip ' + name(e));
  }
  return out;
}"""


def _in_view(page, selector: str) -> bool:
    return page.evaluate(
        "(sel) => { const e = document.querySelector(sel); if (!e) return false; const r = e.getBoundingClientRect();"
        " return r.top >= 0 && r.bottom <= innerHeight && r.height > 0; }",
        selector,
    )


def _open(browser, server, recorder, store, survey, viewport):
    ctx, page = new_page(browser, server, recorder, viewport=viewport)
    landing = Landing(page, store)
    landing.goto(f"?survey={survey}" if survey else "", survey=survey)
    return ctx, page, landing


def _server(request, survey):
    if survey is None:
        return request.getfixturevalue("live_server"), request.getfixturevalue("store")
    return request.getfixturevalue("both_server"), request.getfixturevalue("both_store")


@pytest.mark.parametrize("viewport", [PHONE_812, DESKTOP], ids=["375", "1400"])
@pytest.mark.parametrize("survey", SURVEYS, ids=["real", "fixture", "temperature-check"])
def test_every_text_whole_and_inside_the_screen(browser, recorder, request, survey, viewport):
    server, store = _server(request, survey)
    ctx, page, landing = _open(browser, server, recorder, store, survey, viewport)
    try:
        assert page.evaluate(_FIT_JS) == []
        assert page.title() == store.survey(survey).site_title
        first = store.survey(survey).theme_ids[0]
        landing.theme(store.theme_labels[first]).click()
        landing.wait((first,), survey)
        assert page.evaluate(_FIT_JS) == []  # with the panel open and a theme ticked too
    finally:
        ctx.close()


@pytest.mark.parametrize("survey", SURVEYS, ids=["real", "fixture", "temperature-check"])
def test_a_phone_starts_with_the_findings_and_shows_what_a_theme_changed(browser, recorder, request, survey):
    server, store = _server(request, survey)
    ctx, page, landing = _open(browser, server, recorder, store, survey, PHONE_812)
    try:
        assert _in_view(page, ".headline-figure")
        assert page.evaluate(
            "() => [...document.querySelectorAll('.contrast, .bar-row, .chart-tile')].some(e => {"
            " const r = e.getBoundingClientRect(); return r.height > 0 && r.top >= 0 && r.top + 40 <= innerHeight; })"
        ), "no finding starts on the first screen"
        assert page.locator("#filter-panel > summary").text_content() == "Filter by theme: all"
        first = store.survey(survey).theme_ids[-1]  # the last: the farthest down the panel
        landing.theme(store.theme_labels[first]).click()
        landing.wait((first,), survey)
        assert _in_view(page, "#selection-summary")
        assert page.locator("#selection-summary").text_content().startswith(f"Showing {store.theme_labels[first]}:")
        assert page.locator("#filter-state").text_content() == store.theme_labels[first]
    finally:
        ctx.close()


def test_the_filters_stay_in_view_on_a_wide_screen(browser, live_server, recorder, store):
    ctx, page, landing = _open(browser, live_server, recorder, store, None, DESKTOP)
    try:
        page.evaluate("() => window.scrollTo(0, 3 * innerHeight)")
        page.wait_for_function("() => window.scrollY > 2 * innerHeight")
        assert _in_view(page, "#selection-summary") and _in_view(page, "#filter-panel > summary")
    finally:
        ctx.close()
