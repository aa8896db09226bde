"""A chart's own page and its embed in a real browser: tabs, copy link, framing by another site, downloads."""

from __future__ import annotations

import html
import re

import factory
import pytest

from tests.browser.helpers import png_size, serve, wait_chart

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = pytest.mark.browser


def test_tabs_switch_by_click_and_keyboard(page, recorder):
    page.goto("/chart/timescales")
    wait_chart(page)
    tabs = page.get_by_role("tab")
    expect(tabs).to_have_count(3)
    chart, table, sources = (page.get_by_role("tab", name=n) for n in ("Chart", "Table", "Sources"))
    expect(chart).to_have_attribute("aria-selected", "true")
    expect(page.get_by_role("tabpanel")).to_have_count(1)  # the other two are hidden

    table.click()
    expect(table).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-table")).to_be_visible()
    expect(page.locator("#panel-chart")).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/chart/timescales\?tab=table$"))

    table.focus()
    page.keyboard.press("ArrowRight")
    expect(sources).to_be_focused()
    expect(sources).to_have_attribute("aria-selected", "true")
    expect(page.locator("#panel-sources")).to_contain_text(
        "11 out of the 54 respondents (20%) felt that timescales were too slow"
    )
    page.keyboard.press("Home")
    expect(chart).to_be_focused()
    expect(page.locator("#panel-chart")).to_be_visible()
    page.keyboard.press("End")
    expect(sources).to_be_focused()
    assert recorder.errors == []


def test_copy_link_copies_the_address(browser, live_server, recorder):
    from tests.browser.helpers import new_page

    ctx, page = new_page(browser, live_server, recorder, permissions=["clipboard-read", "clipboard-write"])
    try:
        page.goto("/chart/confidence-in-funding?theme=funding")
        wait_chart(page)
        page.get_by_role("button", name="Copy link").click()
        expect(page.locator(".copy-status")).to_have_text("Copied the link.")
        assert (
            page.evaluate("() => navigator.clipboard.readText()")
            == f"{live_server}/chart/confidence-in-funding?theme=funding"
        )
        page.get_by_role("button", name="Copy embed code").click()
        code = page.evaluate("() => navigator.clipboard.readText()")
        assert code.startswith(f'<iframe src="{live_server}/embed/confidence-in-funding?theme=funding"')
    finally:
        ctx.close()


def test_the_tab_survives_copy_link_a_theme_change_and_reload(browser, live_server, recorder):
    """Switched in place, the Sources tab is in the copied link; applying a theme keeps it; so does a reload. An
    unknown theme is named in a notice."""
    from tests.browser.helpers import new_page

    ctx, page = new_page(browser, live_server, recorder, permissions=["clipboard-read", "clipboard-write"])
    try:
        page.goto("/chart/confidence-in-funding?theme=bogus")
        wait_chart(page)
        expect(page.locator(".notice")).to_have_text("Ignored unknown theme: bogus. Showing the rest.")
        page.get_by_role("tab", name="Sources").click()
        page.get_by_role("button", name="Copy link").click()
        assert (
            page.evaluate("() => navigator.clipboard.readText()")
            == f"{live_server}/chart/confidence-in-funding?tab=sources"
        )
        page.locator(".filter-menu summary").click()
        page.get_by_role("checkbox", name="Funding").check()
        page.get_by_role("button", name="Apply").click()
        expect(page).to_have_url(re.compile(r"/chart/confidence-in-funding\?theme=funding&tab=sources$"))
        expect(page.get_by_role("tab", name="Sources")).to_have_attribute("aria-selected", "true")
        expect(page.locator(".cite-block")).to_contain_text("Data version")
        page.reload()
        expect(page.locator("#panel-sources")).to_be_visible()
        assert page.locator("#share-url").input_value().endswith("?theme=funding&tab=sources")
        page.get_by_role("tab", name="Chart").click()
        assert page.locator('.filter-menu input[name="tab"]').count() == 0
        assert recorder.errors == []
    finally:
        ctx.close()


def _framing_site(target: str) -> tuple[str, callable]:
    """Another origin (its own server and port) whose page frames ``target``."""

    def app(environ, start_response):
        body = f'<!DOCTYPE html><html lang="en"><body><iframe id="f" src="{target}" width="700" height="700"></iframe></body></html>'
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode()]

    return serve(app)


def test_embed_renders_when_framed_by_another_site(page, live_server):
    """An embed framed by a page of another origin draws its chart."""
    other, stop = _framing_site(f"{live_server}/embed/timescales")
    try:
        assert other.split(":")[-1] != live_server.split(":")[-1]
        page.goto(other)
        frame = page.frame_locator("#f")
        expect(frame.locator("#plot .main-svg").first).to_be_visible()
        # the title and source line are text around the chart (they reflow to the frame's width)
        expect(frame.locator(".embed-main")).to_contain_text(
            re.compile(r"Whether councils think the\s*timescales are right")
        )
        expect(frame.locator(".chart-footer")).to_contain_text("Source: Isos Partnership")
    finally:
        stop()


def test_chart_page_refuses_to_be_framed(page, live_server):
    """A chart page (not an embed) framed by another origin is blocked by frame-ancestors 'none'."""
    other, stop = _framing_site(f"{live_server}/chart/timescales")
    try:
        page.goto(other)
        page.wait_for_function("() => document.getElementById('f')")
        frame = next(f for f in page.frames if f != page.main_frame)
        frame.wait_for_load_state()
        assert "Whether councils think" not in (frame.content() or "")
    finally:
        stop()


def test_downloads_png_svg_csv(page, tmp_path):
    """The chart page's downloads: a PNG at twice the export width, an SVG that carries its source line, a CSV."""
    page.goto("/chart/confidence-in-funding")
    wait_chart(page)
    got = {}
    for label in ("PNG (2×)", "SVG", "CSV"):
        with page.expect_download() as info:
            page.get_by_role("link", name=re.compile(rf"^Download {re.escape(label)} of ")).click()
        path = tmp_path / info.value.suggested_filename
        info.value.save_as(path)
        got[label] = path
    assert got["PNG (2×)"].name == "figure-8-confidence-in-funding.png"
    assert png_size(got["PNG (2×)"].read_bytes())[0] == 2200
    svg = got["SVG"].read_text(encoding="utf-8")
    assert "Isos Partnership for the LGA and CCN" in svg and "How confident councils are about funding" in svg
    assert got["CSV"].read_text(encoding="utf-8").count("\n") == 4


@pytest.mark.parametrize("width", [375, 1400])
def test_embed_code_is_tall_enough_for_its_embed(browser, live_server, recorder, width):
    """The iframe of each chart's embed code holds the whole embed page (chart, "the numbers as text", the link
    back): nothing is cut at the frame's foot. The viewport is short, so the page's height is its content's."""
    from tests.browser.helpers import new_page

    ctx, page = new_page(browser, live_server, recorder, viewport={"width": width, "height": 100})
    try:
        short = {}
        for slug in factory.SLUGS:
            chart_page = page.request.get(f"{live_server}/chart/{slug}").text()
            code = html.unescape(re.search(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', chart_page, re.S)[1])
            height = int(re.search(r'height="(\d+)"', code)[1])
            page.goto(f"/embed/{slug}")
            wait_chart(page)
            content = page.evaluate("() => document.documentElement.scrollHeight")
            if content > height:
                short[slug] = (content, height)
        assert short == {}, f"embed page taller than its iframe (content, iframe) at {width}px: {short}"
    finally:
        ctx.close()
