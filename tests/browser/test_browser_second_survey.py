"""The fictional second survey served beside the real one, in a real browser: the survey selector, ?survey=,
its own themes, and an export that carries its own source line."""

from __future__ import annotations

import re

import pytest

from tests.browser.helpers import Landing, new_page, wait_chart
from tests.fixtures import FIXTURE_SURVEY

expect = pytest.importorskip("playwright.sync_api", reason="playwright is not installed").expect

pytestmark = pytest.mark.browser


@pytest.fixture
def both_page(browser, both_server, recorder):
    ctx, page = new_page(browser, both_server, recorder)
    try:
        yield page
    finally:
        ctx.close()


def test_survey_selector_and_address(both_page, both_store, recorder):
    page = both_page
    landing = Landing(page, both_store)
    landing.goto()
    nav = page.get_by_role("navigation", name="Surveys")
    expect(nav.get_by_role("link", name="LGA/CCN survey of councils, 2026")).to_have_attribute("aria-current", "page")
    nav.get_by_role("link", name="Fictional schools survey, 2026 (test data)").click()
    expect(page).to_have_url(re.compile(rf"/\?survey={FIXTURE_SURVEY}$"))
    landing.wait(survey=FIXTURE_SURVEY)
    expect(page.locator(".tagline")).to_contain_text("FICTIONAL TEST DATA")
    expect(page.locator(".headline-figure")).to_contain_text("212 schools")
    theme = landing.theme("School readiness (fictional test survey)")
    theme.click()
    expect(page).to_have_url(re.compile(rf"/\?survey={FIXTURE_SURVEY}&theme=school-readiness$"))
    landing.wait(["school-readiness"], survey=FIXTURE_SURVEY)
    page.go_back()
    expect(page).to_have_url(re.compile(rf"/\?survey={FIXTURE_SURVEY}$"))
    assert recorder.errors == []


def test_unknown_survey_gives_the_default_and_a_notice(both_page, both_store):
    page = both_page
    page.goto("/?survey=nope")
    Landing(page, both_store).wait()
    expect(page.locator("#theme-notice")).to_have_text("Unknown survey: nope. Showing the default survey.")
    expect(page).to_have_url(re.compile(r"/$"))


def test_export_carries_its_own_source_line(both_page, tmp_path):
    page = both_page
    page.goto(f"/chart/meeting-the-standards?survey={FIXTURE_SURVEY}")
    wait_chart(page)
    with page.expect_download() as info:
        page.get_by_role("link", name=re.compile(r"^Download SVG of ")).click()
    path = tmp_path / info.value.suggested_filename
    info.value.save_as(path)
    svg = path.read_text(encoding="utf-8")
    assert "FICTIONAL TEST DATA: Fictional Schools Research Unit" in svg
    assert "212 schools responding" in svg and "councils" not in svg
