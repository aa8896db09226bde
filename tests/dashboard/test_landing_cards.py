"""The landing page's chart cards: a figure line on every card, each figure as the chart pages write it
(``figures.value_label``: "44% · 24 of 54", bounds in their own words), one value column per card sized to its
widest figure, and the context cards naming the document a figure came from."""

from __future__ import annotations

import pytest

from dashboard import components, landing
from dashboard.figures import value_label
from dashboard.textfit import text_width


@pytest.fixture(scope="module")
def cards(store, views):
    survey = store.surveys[store.default_survey]
    overview = components.overview_spec(survey).slug
    return [
        (spec, components.chart_card(store, spec, views.labels, (), landing.chart_href(survey, store, spec.slug)))
        for spec in survey.charts
        if spec.slug != overview
    ]


def test_every_card_has_a_figure_line(cards):
    lines = [card.children[0].children[0].children for _, card in cards]  # the head: figure line, then a button
    assert all(line.strip() for line in lines), lines
    assert [line for line in lines if not line.startswith("Figure ")] == ["Compiled from 2 surveys"]


def test_values_are_written_as_on_the_chart_pages(store, cards):
    for spec, card in cards:
        rows = store.chart_rows(spec)[: components.CARD_ROWS]
        shown = [li.children[1].children for li in card.children[3].children]
        assert shown == [value_label(r) for r in rows], spec.slug
    fig8 = next(card for spec, card in cards if spec.figure == 8)
    labels = [li.children[0].children for li in fig8.children[3].children]
    assert len(set(labels)) == len(labels)  # "confident" and "not confident" both said, whole


def test_one_value_column_per_card_fits_its_widest_figure(cards):
    for _, card in cards:
        ul = card.children[3]
        width = float(ul.style["--value-width"].removesuffix("px"))
        widest = max(text_width(li.children[1].children, components.VALUE_PX, bold=True) for li in ul.children)
        assert widest <= width <= widest + 8


def test_context_cards_name_their_document_not_the_survey(store):
    survey = store.surveys[store.default_survey]
    items = components.context_cards(store.survey_context(survey), store, limit=None)
    sources = [c for item in items for c in item.children if getattr(c, "className", "") == "context-source"]
    short = survey.source["short_title"]
    texts = [" ".join(str(getattr(p, "children", p)) for p in s.children) for s in sources]
    assert texts and not any(short in t for t in texts)
    assert any(survey.source["title"] in t for t in texts)
