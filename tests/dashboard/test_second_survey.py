"""A second survey from data files alone: the fictional schools survey of tests/fixtures, built beside the real
one and served by the same code (no change to dashboard/). Every chart renders with its own noun, base and
citation; its exports' figures carry its source line; the survey selector and ?survey= work; nothing of the
Isos survey leaks into its views."""

from __future__ import annotations

import html
import io
import json
import re
from csv import DictReader

import factory
import pytest

from dashboard import callbacks
from dashboard.renderer import find_chromium
from dashboard.views import Views
from tests.fixtures import FIXTURE_PRESS_RELEASE, FIXTURE_SURVEY, FIXTURE_TEMPERATURE_CHECK

ISOS = "isos-2026"
CITATION = "FICTIONAL TEST DATA: Fictional Schools Research Unit"
BASE = "Base: 212 schools responding (mainstream primary and secondary schools)."
LEAKS = re.compile(r"\bcouncils?\b|\b54\b|\b153\b|Isos|isos-20|LGA|local authorit", re.IGNORECASE)


@pytest.fixture(scope="module")
def fixture_survey(both_store):
    return both_store.surveys[FIXTURE_SURVEY]


@pytest.fixture(scope="module")
def both_views(both_store):
    return Views(both_store)


def plain(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", "", text.replace("<br>", " ")))


def test_both_surveys_are_served_with_the_right_default(both_store, fixture_survey):
    assert list(both_store.surveys) == [ISOS, FIXTURE_SURVEY, FIXTURE_TEMPERATURE_CHECK]
    assert both_store.default_survey == ISOS
    assert (fixture_survey.singular, fixture_survey.plural) == ("school", "schools")
    assert "school-readiness" in fixture_survey.theme_ids
    assert "school-readiness" not in both_store.surveys[ISOS].theme_ids


def test_every_chart_renders_with_its_noun_base_and_citation(both_views, fixture_survey):
    """Framed for export, every chart of the fixture names its base in schools and cites its own report."""
    assert [c.kind for c in fixture_survey.charts] == ["stacked", "bars", "ranked"]
    for spec in fixture_survey.charts:
        chart = both_views.chart(fixture_survey, spec, frame="export")
        assert chart.figure is not None, spec.slug
        text = plain(" ".join(a["text"] for a in chart.figure["layout"]["annotations"]))
        assert CITATION in text and BASE in text, (spec.slug, text)
        assert not LEAKS.search(text), (spec.slug, LEAKS.search(text))
        hovers = " ".join(str(cd) for tr in chart.figure["data"] for cd in tr["customdata"])
        assert "Schools" in hovers and "Councils" not in hovers


def test_the_press_release_figures_are_drawn_and_cited_to_their_own_document(
    both_app, both_store, both_views, fixture_survey
):
    """Both figures only the press release gives reach the survey's ranked chart, each row naming the press release
    as its source: the one of the report's Figure 3, and an `agree` answer with no figure number, joined to the
    chart by a second selector (charts.yaml). The ranked figure draws all four, largest first, each with its own
    words and sentence in the hover."""
    spec = fixture_survey.chart("what-schools-will-need")
    rows = both_store.chart_rows(spec)
    press = [r for r in rows if r["source"] == FIXTURE_PRESS_RELEASE]
    assert [r["id"] for r in press] == ["fs26-press-need-extra-funding", "fs26-press-need-more-time"]
    assert {r["survey"] for r in press} == {FIXTURE_SURVEY} and {r["category"] for r in press} == {"agree"}
    chart = both_views.chart(fixture_survey, spec, frame="page")
    [bars] = [t for t in chart.figure["data"] if t.get("customdata")]
    assert list(bars["x"]) == [90, 81, 76, 70]
    hover = [plain(" ".join(str(c) for c in cd)) for cd in bars["customdata"]]
    assert hover[-1].startswith("More time to prepare") and "Seven in ten schools (70%)" in hover[-1]
    assert "Press release" in hover[-1] and "an answer the report does not give." in hover[-1]
    csv = both_app.server.test_client().get(f"/chart/{spec.slug}.csv?survey={FIXTURE_SURVEY}").get_data(as_text=True)
    [row] = [r for r in DictReader(io.StringIO(csv.lstrip("\ufeff"))) if r["id"] == "fs26-press-need-more-time"]
    assert (row["source"], row["reported_text"], row["value"]) == (
        FIXTURE_PRESS_RELEASE,
        "Seven in ten schools (70%)",
        "70.0",
    )


@pytest.mark.parametrize("slug", ["meeting-the-standards", "views-on-three-proposals", "what-schools-will-need"])
def test_chart_pages_and_embeds_follow_the_survey(both_app, slug):
    client = both_app.server.test_client()
    page = client.get(f"/chart/{slug}?survey={FIXTURE_SURVEY}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert BASE in text and CITATION in text
    assert f'href="/chart/{slug}.png?survey={FIXTURE_SURVEY}"' in text
    assert f"/embed/{slug}?survey={FIXTURE_SURVEY}" in text
    body = re.sub(r"<head>.*?</head>", "", text, flags=re.S)
    assert not LEAKS.search(body), LEAKS.search(body)  # the site's name too is the survey's own
    # Without ?survey= the survey is found from the slug, which only this survey has: the same page, and the
    # embed and the downloads the same way.
    bare = client.get(f"/chart/{slug}")
    assert bare.status_code == 200
    bare_text = bare.get_data(as_text=True)
    assert BASE in bare_text and f'href="/chart/{slug}.png?survey={FIXTURE_SURVEY}"' in bare_text
    assert client.get(f"/embed/{slug}").status_code == 200
    assert client.get(f"/chart/{slug}.csv").get_data(as_text=True) == client.get(
        f"/chart/{slug}.csv?survey={FIXTURE_SURVEY}"
    ).get_data(as_text=True)


def test_a_slug_two_surveys_have_lists_them_and_the_default_survey_keeps_its_links(both_store, fixture_survey):
    """A slug of two surveys other than the default, asked for without ?survey=, answers the surveys to choose
    from, each linked with its ?survey=; a slug the default survey has means the default survey's chart, whoever
    else has it; an unknown ?survey= is named, not dropped."""
    from dataclasses import replace

    from dashboard import pages

    twin = replace(fixture_survey, id="fictional-twin", default=False)
    store = replace(both_store, surveys={**both_store.surveys, twin.id: twin})
    slug = "what-schools-will-need"
    choices = pages.parse_request(store, slug, {})
    assert isinstance(choices, pages.Choices) and [s.id for s in choices.surveys] == [FIXTURE_SURVEY, twin.id]
    page = pages.choices_page(store, choices, "", lambda name: "/assets/" + name)
    assert f'href="/chart/{slug}?survey={FIXTURE_SURVEY}"' in page and f'href="/chart/{slug}?survey={twin.id}"' in page
    assert pages.parse_request(store, slug, {"survey": [twin.id]}).survey.id == twin.id
    # The default survey's slug, copied into another survey, still opens the default survey's chart.
    isos = both_store.surveys[ISOS]
    copy = replace(isos, id="isos-copy", default=False)
    store = replace(both_store, surveys={**both_store.surveys, copy.id: copy})
    assert pages.parse_request(store, "timescales", {}).survey.id == ISOS
    # ?survey=bogus: the chart of the slug, and the unknown name kept for the page's notice.
    req = pages.parse_request(both_store, slug, {"survey": ["bogus"]})
    assert req.survey.id == FIXTURE_SURVEY and req.unknown_survey == "bogus"
    assert pages.notices(both_store, req) == [
        "Unknown survey: bogus. Showing Fictional schools survey, 2026 (test data)."
    ]


def test_an_unknown_survey_is_named_on_the_chart_page_and_embed(both_app):
    client = both_app.server.test_client()
    page = client.get("/chart/what-schools-will-need?survey=bogus&theme=nonsense")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "Unknown survey: bogus. Showing Fictional schools survey" in text
    assert "Ignored unknown theme: nonsense" in text
    embed = client.get("/embed/what-schools-will-need?survey=bogus").get_data(as_text=True)
    assert "Unknown survey: bogus. Showing Fictional schools survey" in embed
    missing = client.get("/chart/no-such-chart?survey=bogus")
    assert missing.status_code == 404 and "Unknown survey: bogus." in missing.get_data(as_text=True)


def test_landing_page_of_the_second_survey(both_store, both_views):
    """?survey= renders the fixture's own page: its tagline, base, quotations and context; a selector of both."""
    children = callbacks.render_page(both_store, both_views, FIXTURE_SURVEY, f"?survey={FIXTURE_SURVEY}")
    page = factory.page_json(children)
    assert "FICTIONAL TEST DATA: what mainstream schools in an invented county think" in page
    assert "212 schools" in page and "What schools said" in page
    assert f'"href": "/?survey={FIXTURE_SURVEY}"' in page and '"href": "/"' in page  # the survey selector
    assert '"aria-current": "page"' in page
    count = callbacks.update_quotes(both_store, [], [], "", 1, FIXTURE_SURVEY)["count"]
    assert count == "Showing 3 of 3 quotations that match (3 in all)."
    cards = callbacks.update_context(both_store, [], 1, FIXTURE_SURVEY)["context"]
    visible = json.dumps([c.to_plotly_json() for c in cards], default=lambda c: c.to_plotly_json())
    for text in (page, visible):
        stripped = re.sub(r'"(id|href|className|type|namespace)": "[^"]*"', "", text)
        stripped = stripped.replace(both_store.sources[ISOS]["short_title"], "")  # the selector names both surveys
        hits = [m.group(0) for m in LEAKS.finditer(stripped)]
        assert not hits, hits


def test_the_default_survey_is_unchanged_beside_it(both_store, store):
    """Adding the fixture changes nothing of the Isos survey's page: same charts, same rows."""
    a, b = store.surveys[ISOS], both_store.surveys[ISOS]
    assert a.charts == b.charts and a.theme_ids == b.theme_ids
    assert len(both_store.survey_results(b)) == len(store.survey_results(a))


def test_a_series_of_three_points_is_drawn_as_a_chart(both_store, store):
    """The fixture's three EHCP counts are one small chart, with its source; the real documents give no series
    of three points, so the real page draws none."""
    context = callbacks.update_context(both_store, [], 1, FIXTURE_SURVEY)
    cards, button = context["context"][0].source, context["context_more"]
    [chart] = [c for c in cards if "series-card" in (c.className or "")]
    text = json.dumps(chart.to_plotly_json(), default=lambda c: c.to_plotly_json(), ensure_ascii=False)
    assert [p.children[2].children for p in chart.children[1].children] == ["2024", "2025", "2026"]
    # the source line names the document by its own title, not the survey's short name
    title = both_store.sources[FIXTURE_SURVEY]["title"]
    assert "1,850" in text and "2,400" in text and title in text
    assert "Fictional schools survey, 2026 (test data)" not in text
    assert button == "Show fewer context figures"
    real = callbacks.update_context(store, [], 1, None)["context"][0].source
    assert not [c for c in real if "series-card" in (getattr(c, "className", "") or "")]


def test_the_report_is_linked_where_its_origin_has_a_web_address(both_app, both_store, both_views):
    """The fixture's origin.yaml gives its report's address: the landing page's headline and each chart page's
    Sources tab link to it. The real report's address is not in the documents, so its pages link nowhere
    and the Sources tab says no address is recorded (no address is invented)."""
    url = both_store.sources[FIXTURE_SURVEY]["url"]
    assert url and url.startswith("https://")
    children = callbacks.render_page(both_store, both_views, FIXTURE_SURVEY, f"?survey={FIXTURE_SURVEY}")
    page = factory.page_json(children)
    assert f'"href": "{url}"' in page
    client = both_app.server.test_client()
    sources = client.get(f"/chart/meeting-the-standards?survey={FIXTURE_SURVEY}&tab=sources").get_data(as_text=True)
    assert f'<a href="{url}">Read the report</a>' in sources
    assert not both_store.sources[ISOS]["url"]
    real = client.get("/chart/timescales?tab=sources").get_data(as_text=True)
    assert "Read the report" not in real and "(no web address recorded)" in real


@pytest.mark.parametrize(
    "survey, sentence",
    [
        # the report's words quoted as printed, never run into the sentence ("Here, 93 of the 212 schools (44%) of 212")
        (FIXTURE_SURVEY, "Here, “93 of the 212 schools (44%)” (44% of 212) is 93 of 212 schools."),
        (FIXTURE_TEMPERATURE_CHECK, "Here, “Some 7 per cent” (7% of 185) is 13 of 185 chairs of governors."),
        # a bare percentage needs no quoting
        (ISOS, "Here, 57% of 54 is 31 of 54 councils."),
    ],
)
def test_the_derivation_example_quotes_the_reported_words(both_store, survey, sentence):
    """The about panel's example of the rule for a percentage quotes what the report printed as printed, so a
    reported text that begins with a capital ("Some 7 per cent") does not read "Here, Some 7 per cent of 185"."""
    from dashboard.components import about_panel

    panel = about_panel(both_store, both_store.surveys[survey]).to_plotly_json()
    text = json.dumps(panel, default=lambda c: c.to_plotly_json(), ensure_ascii=False)
    assert sentence in text


def test_the_temperature_check_shape_is_served(both_app, both_store, both_views):
    """A survey with no stacked question (the fixture's temperature check) has its own page, whose overview is its
    ranked chart drawn in full, and a page per chart; its words are quoted as printed ("Some 7 per cent")."""
    survey = both_store.surveys[FIXTURE_TEMPERATURE_CHECK]
    assert [c.kind for c in survey.charts] == ["ranked", "bars"]
    children = callbacks.render_page(both_store, both_views, survey.id, f"?survey={survey.id}")
    page = json.dumps(children, default=lambda c: c.to_plotly_json(), ensure_ascii=False)
    assert "a quick poll of the chairs of governors" in page and "185 chairs of governors" in page
    assert "National Inclusion Standards" in page and "Individual Support Plans" in page  # the overview
    client = both_app.server.test_client()
    for spec in survey.charts:
        text = client.get(f"/chart/{spec.slug}?survey={survey.id}").get_data(as_text=True)
        assert "Base: 185 chairs of governors responding" in text, spec.slug
    text = client.get(f"/chart/staff-and-timetable?survey={survey.id}&tab=table").get_data(as_text=True)
    assert "Some 7 per cent" in text and "some 7 per cent" not in text


PRESS_NAME = "Fictional press release, September 2026 (test data)"
PRESS_CITATION = (
    "FICTIONAL TEST DATA: Fictional Schools Research Unit, “Fictionshire schools say they need more money for the SEND "
    "reforms to work”, press release (14 September 2026)"
)
SURVEY_CITATION = (
    "FICTIONAL TEST DATA: Fictional Schools Research Unit, “Ready for reform?” (September 2026), an invented survey"
)
MIXED_SOURCE_LINE = f"Sources: {SURVEY_CITATION}; {PRESS_CITATION}."


def squashed(text: str) -> str:
    """Text with its markup and line breaks gone, and runs of spaces as one."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text.replace("<br>", " "))).strip()


def test_the_press_release_is_named_wherever_its_figures_appear(both_app, both_views, fixture_survey):
    """The ranked chart's press-release figures name the press release in the hover, the Table and Sources tabs,
    the CSV (its source and citation), the source line of the embed and of the exported image; the report's
    figures name the report. The chart page is asked for without ?survey= (its slug is the fixture survey's)."""
    client = both_app.server.test_client()
    slug = "what-schools-will-need"
    spec = fixture_survey.chart(slug)
    # Hover: each bar's document (customdata[7]), the press release's for its two figures.
    chart = both_views.chart(fixture_survey, spec, frame="page")
    [bars] = [t for t in chart.figure["data"] if t.get("customdata")]
    named = {squashed(cd[0]).split(" · ")[0]: cd[7] for cd in bars["customdata"]}  # labels wrap at the hover's width
    assert named["Extra funding"] == named["More time to prepare"] == PRESS_NAME
    assert {v for k, v in named.items() if k not in ("Extra funding", "More time to prepare")} == {
        fixture_survey.source["short_title"]
    }
    assert "<br>Source: %{customdata[7]}" in bars["hovertemplate"]
    # The Table tab: a Document column, the press release on its rows.
    table = client.get(f"/chart/{slug}?tab=table").get_data(as_text=True)
    rows = re.findall(r"<tr><th scope=\"row\"[^>]*>(.*?)</th>(.*?)</tr>", table, re.S)
    documents = {item: re.findall(r"<td[^>]*>(.*?)</td>", cells)[-1] for item, cells in rows}
    assert documents["More time to prepare"] == PRESS_NAME and documents["Extra funding"] == PRESS_NAME
    # The Sources tab: each figure's document, and both citations.
    sources = client.get(f"/chart/{slug}?tab=sources").get_data(as_text=True)
    assert f"Press release · {PRESS_NAME}" in sources
    assert f"<strong>{PRESS_NAME}</strong>: {PRESS_CITATION}." in sources
    # The chart page's footer and the embed's (text around the chart, which reflows): the source line names both
    # documents.
    assert f'<p class="chart-footnote">{MIXED_SOURCE_LINE}</p>' in sources
    embed = client.get(f"/embed/{slug}").get_data(as_text=True)
    assert f'<p class="chart-footnote">{MIXED_SOURCE_LINE}</p>' in embed
    # The CSV: each row's source and its own document's citation.
    csv = client.get(f"/chart/{slug}.csv").get_data(as_text=True)
    cited = {r["id"]: (r["source"], r["citation"]) for r in DictReader(io.StringIO(csv.lstrip("\ufeff")))}
    assert cited["fs26-press-need-more-time"] == (FIXTURE_PRESS_RELEASE, PRESS_CITATION)
    assert cited["fs26-press-need-extra-funding"] == (FIXTURE_PRESS_RELEASE, PRESS_CITATION)
    assert {v for k, v in cited.items() if "press" not in k} == {(FIXTURE_SURVEY, SURVEY_CITATION)}


@pytest.mark.skipif(find_chromium() is None, reason="no Chromium for kaleido to render with")
def test_the_exported_image_names_the_press_release(both_app, both_store):
    """The SVG (and the PNG drawn from the same figure) carries the source line of both documents, and the data
    version and licence."""
    client = both_app.server.test_client()
    svg = client.get("/chart/what-schools-will-need.svg")
    assert svg.status_code == 200 and svg.data.startswith(b"<svg")
    text = squashed(html.unescape(re.sub(r"<[^>]+>", " ", svg.get_data(as_text=True))))
    assert MIXED_SOURCE_LINE in text
    assert f"Data version {both_store.version.words}. Data and chart: CC BY 4.0" in text
    png = client.get("/chart/what-schools-will-need.png")
    assert png.status_code == 200 and png.data.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("stances, search", [(["concern"], ""), ([], "the"), (["welcomes"], "tribunal")])
def test_quotations_of_a_survey_with_none_filter_to_none(both_store, stances, search):
    """A survey with no quotation (the temperature check) answers the quotations callback with none, whatever the
    stance or search: with pandas, the theme filter of an empty table gave a frame without columns, and the stance
    or search filter then raised KeyError (a 500)."""
    survey = both_store.surveys[FIXTURE_TEMPERATURE_CHECK]
    out = callbacks.update_quotes(both_store, list(survey.theme_ids[:1]), stances, search, 0, survey.id)
    assert out["count"] == "Showing 0 of 0 quotations that match (0 in all)."
    assert out["more_style"] == {"display": "none"}
