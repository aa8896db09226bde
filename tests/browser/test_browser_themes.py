"""Theme selection in a real browser: checkboxes, the URL's ?theme=, back/forward, unknown themes, keyboard."""

from __future__ import annotations

import re

import pytest

expect = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed: pip install -e '.[test]'"
).expect

pytestmark = pytest.mark.browser

TRIBUNAL_ITEM = "A reformed role for the SEND Tribunal"


def _allowed_items(dash, key: str, themes: list[str]) -> set[str]:
    return set(dash.expect.chart_rows(key, themes)["item"])


def _assert_charts_show_only(dash, themes: list[str]) -> None:
    """Every visible chart is one the selection fills, every other is hidden, and each bar is of a selected row."""
    expected = dash.expect.visible(themes)
    assert dash.visible_cards() == expected
    for key in expected:
        allowed = _allowed_items(dash, key, themes)
        labels = dash.bar_labels(key)
        if key == "fig7":  # one stacked bar, labelled by its trace text rather than annotations
            continue
        assert labels, f"chart {key} has no bar labels"
        stray = [lab for lab in labels if not any(lab.startswith(item) for item in allowed)]
        assert not stray, f"chart {key} shows bars outside {themes}: {stray}"


def test_tribunals_checkbox_filters_every_chart(dash):
    dash.goto()
    page = dash.page
    box = dash.theme_checkbox("Tribunals and disputes")
    box.click()
    expect(box).to_be_checked()
    expect(page).to_have_url(re.compile(r"/\?theme=tribunals$"))
    dash.wait_drawn(["tribunals"])

    assert dash.visible_cards() == {"overview"}, "only the overview has tribunal results"
    for key in dash.CHART_KEYS:
        if key != "overview":
            expect(page.locator(f"#card-{key}")).to_be_hidden()
    expect(page.locator("#card-overview")).to_be_visible()

    labels = dash.bar_labels("overview")
    assert len(labels) == 1, labels
    assert labels[0].startswith(TRIBUNAL_ITEM), labels
    # The drawn SVG says the same as the figure's data.
    svg_text = page.locator("#chart-overview .annotation-text").all_text_contents()
    assert any(TRIBUNAL_ITEM in t for t in svg_text), svg_text
    _assert_charts_show_only(dash, ["tribunals"])

    expect(page.locator("#selection-summary")).to_contain_text("Tribunals")
    assert dash.recorder.errors == []


def test_url_opens_selection_and_back_restores_it(dash):
    themes = ["funding", "specialist"]
    dash.goto("?theme=funding,specialist", themes)
    page = dash.page
    expect(dash.theme_checkbox("Funding")).to_be_checked()
    expect(dash.theme_checkbox("Specialist provision")).to_be_checked()
    expect(dash.theme_checkbox("Tribunals and disputes")).not_to_be_checked()

    expected = dash.expect.visible(themes)
    assert {"overview", "fig4", "fig5", "fig8"} <= expected  # sanity: the data behind this test
    for key in dash.CHART_KEYS:
        card = page.locator(f"#card-{key}")
        if key in expected:
            expect(card).to_be_visible()
        else:
            expect(card).to_be_hidden()
    _assert_charts_show_only(dash, themes)

    # Another theme: the URL follows; Back restores the previous selection, Forward the new one.
    dash.theme_checkbox("Tribunals and disputes").click()
    # The URL lists the themes in the page's order, as the checkboxes do.
    after = [t for t in dash.expect.tables["themes"]["id"] if t in {"funding", "specialist", "tribunals"}]
    expect(page).to_have_url(re.compile(rf"\?theme={','.join(after)}$"))
    dash.wait_drawn(after)

    page.go_back()
    expect(page).to_have_url(re.compile(r"\?theme=funding,specialist$"))
    expect(dash.theme_checkbox("Tribunals and disputes")).not_to_be_checked()
    expect(dash.theme_checkbox("Funding")).to_be_checked()
    expect(dash.theme_checkbox("Specialist provision")).to_be_checked()
    dash.wait_drawn(themes)
    assert dash.visible_cards() == expected

    page.go_forward()
    expect(dash.theme_checkbox("Tribunals and disputes")).to_be_checked()
    dash.wait_drawn(after)
    assert dash.recorder.errors == []


def test_unknown_theme_in_url_gives_notice_not_error(dash):
    dash.goto("?theme=tribunals,nonsense", ["tribunals"])
    page = dash.page
    notice = page.locator("#theme-notice")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("nonsense")
    expect(dash.theme_checkbox("Tribunals and disputes")).to_be_checked()
    assert dash.visible_cards() == dash.expect.visible(["tribunals"]) == {"overview"}
    assert dash.bar_labels("overview")[0].startswith(TRIBUNAL_ITEM)
    expect(page.locator("#selection-summary")).to_contain_text("Tribunals")
    # The shared link drops what it cannot show.
    expect(page).to_have_url(re.compile(r"\?theme=tribunals$"))
    assert dash.recorder.errors == []


def test_keyboard_tab_and_space_toggle_a_theme(dash):
    dash.goto()
    page = dash.page
    first_theme = dash.expect.tables["themes"]["id"].iloc[0]
    label = dash.expect.theme_labels[first_theme]
    focused = None
    for _ in range(30):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "() => { const a = document.activeElement; "
            "return a && a.matches('#theme-filter input[type=checkbox]') ? a.value : null; }"
        )
        if focused:
            break
    assert focused == first_theme, f"Tab did not reach the first theme checkbox (focused {focused!r})"
    page.keyboard.press("Space")
    expect(dash.theme_checkbox(label)).to_be_checked()
    expect(page).to_have_url(re.compile(rf"\?theme={re.escape(first_theme)}$"))
    dash.wait_drawn([first_theme])
    assert dash.recorder.errors == []


def test_ticked_theme_is_highlighted(dash):
    """A ticked theme's pill (the <label> around the checkbox) changes colour, not just its tick."""
    page = dash.page
    page.goto("/")
    # Wait for the first callbacks, so the initial sync cannot untick the box after the click.
    expect(page.locator("#selection-summary")).to_contain_text("Showing all themes")
    box = dash.theme_checkbox("Funding")
    box.click()
    expect(box).to_be_checked()
    look = """v => { const i = document.querySelector(`#theme-filter input[value="${v}"]`);
                     const pill = i.closest('label');
                     return getComputedStyle(pill).backgroundColor; }"""
    ticked = page.evaluate(look, "funding")
    unticked = page.evaluate(look, "tribunals")
    assert ticked != unticked, f"the ticked pill has the unticked background {unticked}"
