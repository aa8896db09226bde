"""The static site (``make site``) with no Python server of ours: the baked fixture surveys served by
``python -m http.server`` under a sub-path (``/site/``, so every link must be relative), in Chromium. The landing
page draws its overview and its theme links lead to each theme's page; three chart pages draw their chart,
switch tabs, change theme and offer downloads that are there; two embeds, their code copied from the chart page,
are framed by a page of another origin, draw, and size their frame. No console error, no request for a missing
file."""

from __future__ import annotations

import subprocess
import sys

import pytest

from tests.browser.helpers import new_page, serve, wait_chart
from tests.fixtures import FIXTURE_SURVEY, FIXTURE_TEMPERATURE_CHECK

pytestmark = [pytest.mark.browser, pytest.mark.slow]  # slow: the bake renders every image (about a minute)


@pytest.fixture(scope="module")
def static_url(static_site):
    """The baked folder's parent served by Python's plain static server on a free port: the site's address."""
    process = subprocess.Popen(
        [sys.executable, "-u", "-m", "http.server", "0", "--bind", "127.0.0.1", "--directory", str(static_site.parent)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        line = process.stdout.readline()  # "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
        port = line.split(" port ")[1].split()[0]
        yield f"http://127.0.0.1:{port}/{static_site.name}/"
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="module")
def fixture_store(fixture_only_dir):
    from dashboard.data import load_store

    return load_store(fixture_only_dir)


@pytest.fixture
def failed():
    return []


@pytest.fixture
def site_page(browser, static_url, recorder, failed):
    ctx, page = new_page(browser, static_url, recorder)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        yield page
    finally:
        ctx.close()


def _bars(store, survey_id: str, themes: tuple[str, ...]) -> int:
    from dashboard.components import overview_spec
    from dashboard.data import filter_by_themes

    survey = store.surveys[survey_id]
    rows = store.chart_rows(overview_spec(survey), filter_by_themes(store.survey_results(survey), list(themes)))
    return len(rows)


def _wait_landing(page, summary: str, bars: int) -> None:
    page.wait_for_function(
        "([summary, bars]) => { const s = document.getElementById('selection-summary');"
        " return s && s.textContent.startsWith(summary)"
        " && document.querySelectorAll('#overview-chart .bar-row:not(.filtered-out)').length === bars; }",
        arg=[summary, bars],
    )


def test_the_landing_page_works_and_its_theme_links_filter(site_page, static_url, fixture_store, recorder, failed):
    page, store = site_page, fixture_store
    survey = store.surveys[FIXTURE_SURVEY]
    page.goto(static_url)
    _wait_landing(page, "Showing all themes:", _bars(store, FIXTURE_SURVEY, ()))
    assert page.title() == survey.site_title
    page.wait_for_function("() => document.getElementById('filter-panel').open")  # dashboard.js, on a wide screen
    theme = next(t for t in survey.theme_ids if _bars(store, FIXTURE_SURVEY, (t,)))
    label = store.theme_labels[theme]
    page.locator(".theme-links").get_by_role("link", name=label, exact=True).click()
    page.wait_for_url(f"{static_url}theme/{theme}/index.html")
    _wait_landing(page, f"Showing {label}:", _bars(store, FIXTURE_SURVEY, (theme,)))
    assert page.locator(".theme-links [aria-current=page]").text_content() == label
    page.locator("#overview-more").click()  # the overview's chart page, for the same theme
    page.wait_for_url(f"{static_url}chart/**/theme/{theme}/index.html")
    wait_chart(page)
    page.locator("a.survey-link, a.site-name").first.click()  # back to a landing page
    page.wait_for_selector("#overview-chart .bar-row")
    assert recorder.errors == [] and failed == []


CHART_PAGES = [
    ("chart/meeting-the-standards/index.html", FIXTURE_SURVEY),
    ("chart/views-on-three-proposals/theme/standards/index.html", FIXTURE_SURVEY),
    (f"chart/staff-and-timetable/survey/{FIXTURE_TEMPERATURE_CHECK}/index.html", FIXTURE_TEMPERATURE_CHECK),
]


@pytest.mark.parametrize("path, survey_id", CHART_PAGES)
def test_chart_pages_draw_switch_tabs_and_filter(
    site_page, static_url, fixture_store, recorder, failed, path, survey_id
):
    page = site_page
    page.goto(static_url + path)
    wait_chart(page)
    page.click("#tab-table")
    page.wait_for_selector("#panel-table table.results-table", state="visible")
    assert page.url == static_url + path.replace("index.html", "table.html")  # its own page: a copied link opens it
    for link in page.locator("ul.downloads a").all():  # every download the page offers is there
        response = page.request.get(link.evaluate("a => a.href"))
        assert response.status == 200 and len(response.body()) > 0, link.get_attribute("href")
    page.reload()  # the Table tab's own baked page, whose theme links keep the tab
    page.wait_for_selector("#panel-table table.results-table", state="visible")
    page.locator("details.filter-menu > summary").click()
    survey = fixture_store.surveys[survey_id]
    theme = survey.theme_ids[-1]
    page.locator(".theme-links").get_by_role("link", name=fixture_store.theme_labels[theme], exact=True).click()
    page.wait_for_url(f"**/theme/{theme}/table.html")  # the tab is kept
    page.click("#tab-chart")
    page.wait_for_selector("#panel-chart", state="visible")
    assert recorder.errors == [] and failed == []


@pytest.fixture(scope="module")
def host():
    """A page on another origin (another port) holding whatever embed code it was given: /<name>."""
    codes: dict[str, str] = {}

    def app(environ, start_response):
        code = codes.get(environ["PATH_INFO"].strip("/"))
        if code is None:
            start_response("404 Not Found", [("Content-Type", "text/plain")])
            return [b"not here"]
        body = (
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Host</title><link rel="icon" href="data:,">'
            f"</head><body><p>An article that embeds a chart.</p>{code}<p>The article goes on.</p></body></html>"
        )
        start_response("200 OK", [("Content-Type", "text/html; charset=utf-8")])
        return [body.encode()]

    url, stop = serve(app)
    try:
        yield url, codes
    finally:
        stop()


@pytest.mark.parametrize(
    "path",
    [
        "chart/what-schools-will-need/index.html",
        f"chart/support-for-two-proposals/survey/{FIXTURE_TEMPERATURE_CHECK}/index.html",
    ],
)
def test_embeds_framed_from_another_origin_draw_and_size_themselves(
    site_page, browser, static_url, host, recorder, failed, path
):
    host_url, codes = host
    site_page.goto(static_url + path)
    code = site_page.locator("#embed-code").input_value()  # as a reader copies it: made absolute by the page
    assert f'src="{static_url}embed/' in code and f'src="{static_url}assets/embed-resize.js"' in code
    codes["article"] = code
    ctx, page = new_page(browser, host_url, recorder)
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    try:
        page.goto("/article")
        handle = page.wait_for_selector("iframe")
        frame = handle.content_frame()
        assert frame.url.startswith(static_url) and not static_url.startswith(host_url)
        wait_chart(frame)
        page.wait_for_function(  # assets/embed-resize.js sets the frame's height to the embed's own
            "(h) => Math.abs(document.querySelector('iframe').getBoundingClientRect().height - h) <= 4",
            arg=frame.evaluate("() => document.documentElement.getBoundingClientRect().height"),
        )
    finally:
        ctx.close()
    assert recorder.errors == [] and failed == []
