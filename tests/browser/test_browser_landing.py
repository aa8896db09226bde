"""The landing page in a real browser: themes and the address, back and forward, quotations, page length."""

from __future__ import annotations

import re

import factory
import pytest

from dashboard import ids
from dashboard.data import filter_by_themes, filter_quotes
from tests.browser.helpers import DESKTOP, PHONE

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = pytest.mark.browser
TRIBUNAL_ITEM = "A reformed role for the SEND Tribunal"
ALL_CARDS = set(factory.CARDS)


def test_tribunals_checkbox_filters_the_page(landing, recorder):
    landing.goto()
    page = landing.page
    assert landing.visible_cards() == ALL_CARDS
    box = landing.theme("Tribunals and disputes")
    box.click()
    expect(box).to_be_checked()
    expect(page).to_have_url(re.compile(r"/\?theme=tribunals$"))
    landing.wait(["tribunals"])
    labels = landing.overview_labels()
    assert len(labels) == 1 and labels[0].startswith(TRIBUNAL_ITEM), labels
    expect(page.locator("#overview-chart .bar-row:not(.filtered-out)")).to_have_attribute(
        "title", re.compile("Overall, 80% of local authorities")
    )
    # No chart card has a tribunal result: the section and its link in the contents are hidden, not bare.
    expect(page.locator("#charts")).to_be_hidden()
    expect(page.locator("#nav-charts")).to_be_hidden()
    expect(page.locator("#overview-link")).to_have_attribute(
        "href", "/chart/support-for-every-proposal?theme=tribunals"
    )
    assert recorder.errors == []


def test_address_opens_a_selection_and_back_restores_it(landing):
    landing.goto("?theme=funding,specialist", ["funding", "specialist"])
    page = landing.page
    expect(landing.theme("Funding")).to_be_checked()
    expect(landing.theme("Specialist provision")).to_be_checked()
    assert landing.visible_cards() == {
        "mainstream-inclusion",
        "specialist-provision",
        "confidence-in-funding",
        "statutory-plans",
    }
    link = page.locator(f"#{ids.card_link('timescales')}")
    expect(link).to_have_attribute("href", "/chart/timescales?theme=funding,specialist")

    landing.theme("Funding").click()
    expect(page).to_have_url(re.compile(r"\?theme=specialist$"))
    landing.wait(["specialist"])
    page.go_back()
    expect(page).to_have_url(re.compile(r"\?theme=funding,specialist$"))
    landing.wait(["funding", "specialist"])
    expect(landing.theme("Funding")).to_be_checked()


def test_unknown_theme_in_the_address_gives_a_notice(landing, recorder):
    landing.goto("?theme=funding,bogus", ["funding"])
    expect(landing.page.locator("#theme-notice")).to_have_text("Ignored unknown theme: bogus. Showing the rest.")
    expect(landing.page).to_have_url(re.compile(r"\?theme=funding$"))
    assert recorder.errors == []


def test_keyboard_toggles_a_theme(landing):
    landing.goto()
    box = landing.theme("Funding")
    box.focus()
    landing.page.keyboard.press("Space")
    expect(box).to_be_checked()
    landing.wait(["funding"])
    # The focused pill is visibly outlined (its label, since the input itself is visually hidden).
    outline = landing.page.evaluate("() => getComputedStyle(document.activeElement.nextElementSibling).outlineStyle")
    assert outline != "none"


def test_quotations_show_six_then_all(landing, store):
    landing.goto()
    page = landing.page
    shown = page.locator("#quote-list figure:visible")
    expect(shown).to_have_count(6)
    page.get_by_role("button", name=re.compile(r"^Show all 50 quotations$")).click()
    expect(shown).to_have_count(50)
    page.get_by_label("Search the quotations").fill("tribunal")
    expect(page.locator("#quote-count")).to_have_text("Showing 5 of 5 quotations that match (50 in all).")
    page.get_by_role("group", name="Stance").get_by_role("checkbox", name="Concern").check()
    # wait for the filter to apply before counting (counting at once raced the callback)
    expect(page.locator("#quote-count")).to_have_text("Showing 3 of 3 quotations that match (50 in all).")
    expect(page.locator("#quote-list figure.stance-concern:visible")).to_have_count(shown.count())


def test_a_theme_click_filters_the_quotations_and_context_in_the_browser(landing, store):
    """The quotations and context cards of a theme click are shown and hidden in the browser, their count and
    buttons rewritten, with no request to the server; the stance then asks the server, for those themes."""
    landing.goto()
    page = landing.page
    posts: list[str] = []
    page.on("request", lambda r: posts.append(r.url) if r.method == "POST" else None)
    landing.theme("Tribunals and disputes").click()
    expect(page.locator("#quote-count")).to_have_text("Showing 5 of 5 quotations that match (50 in all).")
    expect(page.locator("#quote-list figure:visible")).to_have_count(5)
    expect(page.locator("#quotes-more")).to_be_hidden()
    tribunals = filter_by_themes(store.context, ["tribunals"])
    expect(page.locator("#context-list .context-card:visible")).to_have_count(min(6, len(tribunals)))
    page.wait_for_timeout(300)
    assert posts == []
    page.get_by_role("group", name="Stance").get_by_role("checkbox", name="Concern").check()
    want = len(filter_quotes(store.quotes, ["tribunals"], ["concern"], ""))
    expect(page.locator("#quote-count")).to_have_text(f"Showing {want} of {want} quotations that match (50 in all).")
    expect(page.locator("#quote-list figure:visible")).to_have_count(want)
    assert len(posts) == 1
    landing.theme("Tribunals and disputes").click()  # none ticked: every concern
    want = len(filter_quotes(store.quotes, [], ["concern"], ""))
    expect(page.locator("#quote-count")).to_have_text(
        f"Showing {min(6, want)} of {want} quotations that match (50 in all)."
    )
    expect(page.locator("#quote-list figure:visible")).to_have_count(min(6, want))
    assert len(posts) == 1


def test_a_theme_clicked_while_the_quotations_are_on_their_way_is_not_lost(landing, store):
    """A theme click while a stance's answer is on its way: the list ends on the stance and the themes ticked
    (filter.js applies the click to the answer, or asks again when the answer came last: ``data-applied``)."""
    landing.goto()
    page = landing.page

    def slow(route):
        page.wait_for_timeout(700)
        route.continue_()

    page.route("**/_dash-update-component*", slow)
    page.get_by_role("group", name="Stance").get_by_role("checkbox", name="Concern").check()
    page.wait_for_timeout(100)
    landing.theme("Tribunals and disputes").click()
    want = len(filter_quotes(store.quotes, ["tribunals"], ["concern"], ""))
    expect(page.locator("#quote-count")).to_have_text(
        f"Showing {want} of {want} quotations that match (50 in all).", timeout=10_000
    )
    shown = page.locator("#quote-list figure:visible")
    expect(shown).to_have_count(want)
    themes = shown.evaluate_all("els => els.map(e => e.getAttribute('data-themes'))")
    assert (
        all("tribunals" in t.split() for t in themes)
        and page.locator("#quote-list figure.stance-concern:visible").count() == want
    )


@pytest.mark.parametrize("viewport, limit", [(DESKTOP, 6_000), (PHONE, 15_000)], ids=["1400px", "375px"])
def test_landing_page_is_short(browser, live_server, store, recorder, viewport, limit):
    """The default page is at most 6,000 px tall at 1400 px wide and 15,000 px at 375 px (and is
    screenshotted to figures/screenshots/, not committed, for a person to look at)."""
    from tests.browser.helpers import SCREENSHOTS, Landing, new_page

    ctx, page = new_page(browser, live_server, recorder, viewport=viewport)
    try:
        Landing(page, store).goto()
        height = page.evaluate("() => document.documentElement.scrollHeight")
        assert height <= limit, f"{height}px tall at {viewport['width']}px"
        assert page.evaluate("() => document.documentElement.scrollWidth") <= viewport["width"]
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"landing-{viewport['width']}.png", full_page=True)
    finally:
        ctx.close()


def test_phone_button_to_the_filters_shows_once_they_have_scrolled_away(browser, live_server, store, recorder):
    """On a phone the floating "Themes" button never covers the filters it leads to: hidden (and out of the
    tab order) at the top of the page, shown a screen further down, and it takes the reader back to them."""
    from tests.browser.helpers import Landing, new_page

    ctx, page = new_page(browser, live_server, recorder, viewport=PHONE)
    try:
        Landing(page, store).goto()
        button = page.get_by_role("link", name="Themes ▲")
        expect(button).to_be_hidden()
        page.evaluate("() => window.scrollTo(0, 3 * window.innerHeight)")
        expect(button).to_be_visible()
        button.click()
        expect(page.locator("#filter-panel > summary")).to_be_in_viewport()
        expect(page.get_by_role("group", name="Reform themes")).to_be_in_viewport()  # the link opens the panel
        expect(button).to_be_hidden()
    finally:
        ctx.close()
    ctx, page = new_page(browser, live_server, recorder, viewport=DESKTOP)
    try:  # beside the page, the filters stay in view: no button
        Landing(page, store).goto()
        page.evaluate("() => window.scrollTo(0, 3 * window.innerHeight)")
        expect(page.get_by_role("link", name="Themes ▲")).to_be_hidden()
    finally:
        ctx.close()


def test_first_load_fetches_no_ag_grid(landing, recorder):
    landing.goto()
    assert not [u for u in recorder.requests if "ag_grid" in u or "ag-grid" in u]


def test_table_opens_as_html(landing):
    landing.goto("?theme=funding", ["funding"])
    page = landing.page
    page.get_by_role("button", name="Show the table of results in view").click()
    table = page.get_by_role("table")
    expect(table.locator("tbody tr")).to_have_count(8)
    expect(table.get_by_role("columnheader", name="Respondents it allows")).to_be_visible()
