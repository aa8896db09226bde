"""The briefing pack chooser in a real browser, as a reader uses it: three charts from the landing page and one
from a chart page, reordered, titled, both files downloaded and read back; the shared address restores it.

With BRIEFING_SHOTS=<folder> the downloaded files and screenshots are also saved there, to look at."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest
from pptx import Presentation
from pypdf import PdfReader

from tests.browser.helpers import Landing, new_page, wait_chart

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = pytest.mark.browser

FROM_LANDING = ["timescales", "statutory-plans", "then-and-now"]
FROM_PAGE = "specialist-provision"
TITLE = "Briefing for the children's services committee"
SUBTITLE = "A county council, 12 March"


def test_choose_reorder_title_and_download_a_briefing(browser, live_server, recorder, store):
    shots = Path(os.environ["BRIEFING_SHOTS"]) if os.environ.get("BRIEFING_SHOTS") else None
    ctx, page = new_page(browser, live_server, recorder, permissions=["clipboard-read", "clipboard-write"])
    survey = store.survey(store.default_survey)
    titles = {c.slug: c.title for c in survey.charts}
    try:
        Landing(page, store).goto()
        toggle = page.locator(".briefing-toggle")
        expect(toggle).to_be_hidden()  # until a chart is chosen
        for n, slug in enumerate(FROM_LANDING, start=1):
            button = page.locator(f'.chart-tile [data-briefing-add="{slug}"]')
            button.scroll_into_view_if_needed()
            button.click()
            expect(button).to_have_attribute("aria-pressed", "true")
            expect(toggle).to_have_text(f"Briefing ({n})")
        if shots:
            page.screenshot(path=str(shots / "landing-added.png"))

        page.goto(f"/chart/{FROM_PAGE}")
        wait_chart(page)
        expect(toggle).to_have_text("Briefing (3)")  # kept in the browser across pages
        page.get_by_role("button", name="Add to briefing").click()
        expect(toggle).to_have_text("Briefing (4)")

        toggle.click()
        panel = page.get_by_role("region", name="Briefing pack")
        expect(panel.locator(".briefing-name")).to_have_text([titles[s] for s in [*FROM_LANDING, FROM_PAGE]])
        for _ in range(3):  # the chart page's chart to the top
            panel.get_by_role("button", name=f"Move “{titles[FROM_PAGE]}” up").click()
        panel.get_by_role("button", name=f"Remove “{titles['statutory-plans']}”").click()
        order = [FROM_PAGE, "timescales", "then-and-now"]
        expect(panel.locator(".briefing-name")).to_have_text([titles[s] for s in order])
        panel.get_by_label("Title", exact=True).fill(TITLE)
        panel.get_by_label("Subtitle (optional)").fill(SUBTITLE)
        if shots:
            page.screenshot(path=str(shots / "chart-page-panel.png"))

        with page.expect_download() as got:
            panel.get_by_role("link", name="Download PowerPoint (.pptx)").click()
        deck = Presentation(io.BytesIO(Path(got.value.path()).read_bytes()))
        assert len(deck.slides) == 1 + 1 + len(order) + 1
        said = [" ".join(s.text_frame.text for s in slide.shapes if s.has_text_frame) for slide in deck.slides]
        assert TITLE in said[0] and SUBTITLE in said[0]
        for text, slug in zip(said[2:-1], order):
            assert titles[slug] in text
        with page.expect_download() as got:
            panel.get_by_role("link", name="Download PDF").click()
        pdf_bytes = Path(got.value.path()).read_bytes()
        pdf = PdfReader(io.BytesIO(pdf_bytes))
        assert len(pdf.pages) == len(deck.slides) and pdf.metadata.title == TITLE
        expect(page.locator(".briefing-status")).to_have_text("Downloaded the briefing as PDF.")
        if shots:
            got.value.save_as(str(shots / "briefing.pdf"))
            deck.save(str(shots / "briefing.pptx"))

        share = panel.locator("#briefing-share").input_value()
        assert "#briefing=" in share
    finally:
        ctx.close()

    # The shared address, opened in a browser that has never seen the briefing, fills its chooser.
    ctx, page = new_page(browser, live_server, recorder)
    try:
        page.goto(share.replace(live_server, ""))
        panel = page.get_by_role("region", name="Briefing pack")
        expect(page.locator(".briefing-toggle")).to_have_text("Briefing (3)")
        expect(panel.locator(".briefing-name")).to_have_count(3)
        expect(panel.get_by_label("Title", exact=True)).to_have_value(TITLE)
        expect(page.locator(f'[data-briefing-add="{FROM_PAGE}"]')).to_have_attribute("aria-pressed", "true")
    finally:
        ctx.close()
    assert recorder.errors == []
