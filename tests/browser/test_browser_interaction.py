"""Hover labels on the charts and the quotation filters, in a real browser."""

from __future__ import annotations

import re

import pytest

expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'"
).expect

pytestmark = pytest.mark.browser

_HOVER_TEXT_JS = """
sel => {
  const el = document.querySelector(sel);
  if (!el) return null;
  const lines = el.querySelectorAll('tspan.line');
  return lines.length ? Array.from(lines).map(t => t.textContent).join(' ') : el.textContent;
}
"""


def test_hover_on_figure_5_bar_shows_its_source(dash):
    dash.goto()
    page = dash.page
    graph = page.locator("#chart-fig5")
    graph.scroll_into_view_if_needed()
    bar = page.locator("#chart-fig5 .trace.bars .point path").first
    box = bar.bounding_box()
    assert box and box["width"] > 0, "no bar drawn in Figure 5"
    # Plotly's drag layer sits over the bars and handles hover, so move the mouse rather than hover the path.
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    page.wait_for_selector("#chart-fig5 .hoverlayer .hovertext")
    text = re.sub(r"\s+", " ", page.evaluate(_HOVER_TEXT_JS, "#chart-fig5 .hoverlayer .hovertext"))
    for part in ("Reported:", "Councils:", "Section:"):
        assert part in text, f"{part!r} missing from hover label: {text!r}"
    assert "All 54 local authorities" in text or "over 90%" in text, text
    assert dash.recorder.errors == []


def _count(quotes, stances=(), search: str = "") -> int:
    out = quotes
    if stances:
        out = out[out["stance"].isin(stances)]
    if search:
        out = out[out["text"].str.casefold().str.contains(search.casefold(), regex=False)]
    return len(out)


def test_quotation_search_and_stance_filter(dash):
    quotes = dash.expect.tables["quotes"]
    total = len(quotes)
    page = dash.page
    page.goto("/")  # the quotations need no chart drawn
    count = page.locator("#quote-count")
    expect(count).to_have_text(f"Showing {total} of {total} quotations.")

    search = page.locator("#quote-search")
    search.fill("tribunal")
    n_search = _count(quotes, search="tribunal")
    assert 0 < n_search < total
    expect(count).to_have_text(f"Showing {n_search} of {total} quotations.")
    expect(page.locator("#quote-list figure.quote")).to_have_count(n_search)

    # The stance that narrows the search results most (the data decides which).
    matched = quotes[quotes["text"].str.casefold().str.contains("tribunal", regex=False)]
    stance = matched["stance"].value_counts().index[-1]
    n_both = _count(quotes, [stance], "tribunal")
    assert n_both < n_search
    page.locator("#quote-stance").get_by_role("checkbox", name=stance.capitalize(), exact=True).click()
    expect(count).to_have_text(f"Showing {n_both} of {total} quotations.")
    expect(page.locator("#quote-list figure.quote")).to_have_count(n_both)

    # Markup typed into the search is text: no match, nothing injected, no script run.
    search.fill("<img src=x onerror=alert(1)>")
    expect(count).to_have_text(f"Showing 0 of {total} quotations.")
    expect(page.locator("#quote-list")).to_contain_text("No quotation matches these filters.")
    assert page.locator("#quote-list img").count() == 0
    assert dash.recorder.dialogs == []
    assert dash.recorder.errors == []
