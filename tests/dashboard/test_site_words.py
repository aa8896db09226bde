"""Wording from data: the site's name, the theme filter's name and the other words of one survey come from its
catalogue (charts.yaml), not from code. The fictional fixture survey's pages (landing page, every chart page and
embed) carry its own words, and none of the real survey's: its site name, its filter's name, its publisher's or
commissioners' names, its respondents."""

from __future__ import annotations

import json
import re

import pytest

from dashboard import callbacks, components, landing
from dashboard.views import Views
from tests.fixtures import FIXTURE_SURVEY, FIXTURE_TEMPERATURE_CHECK

ISOS = "isos-2026"
FIXTURES = [FIXTURE_SURVEY, FIXTURE_TEMPERATURE_CHECK]


@pytest.fixture(scope="module")
def both_views(both_store):
    return Views(both_store)


def real_words(store) -> re.Pattern:
    """The words that belong to the real survey: its catalogue's site name and filter name, its publisher and
    commissioners, its respondents."""
    real = store.surveys[ISOS]
    words = [real.site_title, real.theme_legend, "Isos", "LGA", "CCN", r"\bcouncils?\b", "local authorit"]
    return re.compile("|".join(w if w.startswith("\\") else re.escape(w) for w in words), re.IGNORECASE)


def _page_text(children) -> str:
    """The text a rendered landing page shows, without ids, addresses and class names, and without the survey
    selector (which names every survey, the real one too, as links to them)."""

    def drop_nav(c):
        if isinstance(c, list):
            return [drop_nav(x) for x in c if getattr(x, "className", None) != "survey-nav"]
        if hasattr(c, "children"):
            c.children = drop_nav(c.children)
        return c

    text = json.dumps(drop_nav(children), default=lambda c: c.to_plotly_json(), ensure_ascii=False)
    return re.sub(r'"(id|href|className|type|namespace)": "[^"]*"', "", text)


def test_the_real_survey_names_its_site_and_filter_from_its_catalogue(store, views):
    real = store.surveys[ISOS]
    assert real.site_title == "SEND Reform Survey Dashboard" and real.theme_legend == "Reform themes"
    assert store.site_title == real.site_title  # before a survey is chosen: the default survey's
    page = _page_text(callbacks.render_page(store, views, ISOS, ""))
    assert real.site_title in page and real.theme_legend in page


@pytest.mark.parametrize("survey_id", FIXTURES)
def test_fixture_landing_pages_say_their_own_words(both_store, both_views, survey_id):
    survey = both_store.surveys[survey_id]
    assert survey.site_title != both_store.surveys[ISOS].site_title
    page = _page_text(callbacks.render_page(both_store, both_views, survey_id, f"?survey={survey_id}"))
    assert survey.site_title in page and survey.theme_legend in page
    hits = [m.group(0) for m in real_words(both_store).finditer(page)]
    assert not hits, hits
    # and what a theme click shows: the filter model the browser picks from, and what the server answers
    first = [survey.theme_ids[0]]
    lists = {
        **callbacks.update_quotes(both_store, first, ["concern"], "", 0, survey_id),
        **callbacks.update_context(both_store, first, 1, survey_id),
        **callbacks.update_table(both_store, both_views, 1, first, survey_id),
    }
    model = json.dumps(landing.filter_model(both_store, both_views, survey), ensure_ascii=False)
    hits = [m.group(0) for m in real_words(both_store).finditer(_page_text(list(lists.values())) + model)]
    assert not hits, hits


@pytest.mark.parametrize("survey_id", FIXTURES)
def test_fixture_chart_pages_and_embeds_say_their_own_words(both_app, both_store, survey_id):
    client = both_app.server.test_client()
    survey = both_store.surveys[survey_id]
    for spec in survey.charts:
        for kind in ("chart", "embed"):
            res = client.get(f"/{kind}/{spec.slug}?survey={survey_id}")
            assert res.status_code == 200, (kind, spec.slug)
            html = res.get_data(as_text=True)
            assert f"· {survey.site_title}</title>" in html.replace("&#39;", "'")
            hits = [m.group(0) for m in real_words(both_store).finditer(html)]
            assert not hits, (kind, spec.slug, hits)


def test_contrast_sides_say_their_base_and_respondents(store, views):
    """Each side of a contrast shows its base; a side of another survey names that survey and its respondents,
    so the 2023/24 figure is never read as one of the 54 councils."""
    real = store.surveys[ISOS]
    cards = components.contrasts(store, list(real.contrasts), views.labels)
    lines = [
        [p.children for p in side.children if p.className == "contrast-count"]
        for c in cards
        for side in (c.children[0], c.children[2])
    ]
    assert all(line and line[0] for line in lines)
    joiners = [c.children[1].children for c in cards]
    assert joiners == [c["joiner"] for c in real.contrasts]
    then = next(c for c in cards if "2023/24" in c.children[2].children[1].children)
    said = then.children[2].children[2].children
    assert "Isos survey for the LGA and CCN, 2023/24" in said and "base not stated" in said
    assert "local authorities, schools and parents" in said
    assert then.children[0].children[2].children == "44–54 of 54 councils."
