"""The address <-> checkbox sync (assets/dashboard.js), table-driven in the real browser.

The helpers are exposed on ``window.dash_clientside.send``; ``page.evaluate`` passes the arguments as
JSON, so these cases run exactly the code the page runs. The grammar's own cases are in
``tests/fixtures/url-grammar.json``, shared with the server's parser.
"""

from __future__ import annotations

import json
from pathlib import Path

import factory
import pytest

KNOWN = factory.THEMES
# The grammar's cases, shared with dashboard/selection.py (tests/dashboard/test_url_grammar.py runs both under node).
GRAMMAR = json.loads((Path(__file__).parents[1] / "fixtures" / "url-grammar.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def js(browser, live_server):
    """A loaded page of the app, to call its sync helpers."""
    context = browser.new_context(base_url=live_server)
    page = context.new_page()
    page.goto("/")
    page.wait_for_selector("#theme-filter input[type=checkbox]")
    page.wait_for_function("() => window.dash_clientside && window.dash_clientside.send")

    def call(name: str, *args):
        return page.evaluate(f"args => window.dash_clientside.send.{name}(...args)", list(args))

    yield call
    context.close()


@pytest.mark.parametrize(
    "search, expected",
    [(c["search"], [c["expect"].get("themes", []), c["expect"].get("unknown", [])]) for c in GRAMMAR["read"]],
)
def test_parse(js, search, expected):
    """?theme=a,b gives the known themes in page order and the unknown names, whatever the input."""
    assert js("_parse", search, GRAMMAR["known"]) == expected


@pytest.mark.parametrize(
    "search, themes",
    [
        ("?theme=" + "tribunals," * 9_999 + "tribunals", ["tribunals"]),
        ("?theme=funding&" + "x=1&" * 25_000, ["funding"]),
        ("?theme=" + "x" * 100_000, []),
    ],
)
def test_parse_huge_query(js, search, themes):
    """A query of 100 000 characters is read (its first 2 000) without blowing up; unknown names come back short."""
    got, unknown = js("_parse", search, KNOWN)
    assert got == themes
    assert len(unknown) <= 5 and all(len(u) <= 40 for u in unknown)


@pytest.mark.parametrize(
    "value, expected",
    [
        ("funding", [["funding"], []]),
        (["funding", "tribunals"], [["tribunals", "funding"], []]),
        (["funding", 3, None], [["funding"], ["3", "null"]]),
        ([["funding"]], [[], ['["funding"]']]),
        (["Funding"], [[], ["Funding"]]),
        (42, [[], ["42"]]),
        ({"a": 1}, [[], ['{"a":1}']]),
        (None, [[], []]),
        ([], [[], []]),
        (["x" * 1000], [[], ["x" * 39 + "…"]]),
    ],
)
def test_clean(js, value, expected):
    """Any checkbox value becomes (known themes in page order, unknown entries for display)."""
    assert js("_clean", value, KNOWN) == expected


@pytest.mark.parametrize(
    "themes", [[], ["funding"], ["tribunals", "funding"], ["early-intervention", "baseline"], KNOWN]
)
def test_query_round_trip(js, themes):
    """The query string of a selection parses back to that selection."""
    assert js("_parse", js("_query", None, SURVEYS, themes), KNOWN) == [themes, []]


SURVEYS = {"ids": ["a", "b"], "default": "a"}


@pytest.mark.parametrize(
    "survey, themes, query",
    [(c["survey"], c["themes"], c["query"]) for c in GRAMMAR["write"] if set(c) == {"survey", "themes", "query"}],
)
def test_query_keeps_the_survey(js, survey, themes, query):
    """The default survey is not written into the address; any other is, before the themes."""
    assert js("_query", survey, SURVEYS, themes) == query


@pytest.mark.parametrize(
    "search, expected",
    [
        ("", ["a", None]),
        ("?survey=b", ["b", None]),
        ("?survey=b&theme=funding", ["b", None]),
        ("?survey=nope", ["a", "nope"]),
        ("?survey=" + "z" * 100, ["a", "z" * 39 + "…"]),
        (None, ["a", None]),
        (42, ["a", None]),
    ],
)
def test_survey_of(js, search, expected):
    """The address names a known survey, or gives the default and the unknown name for the notice."""
    assert js("_surveyOf", search, SURVEYS) == expected


@pytest.mark.parametrize(
    "unknown, survey, notice",
    [
        ([], None, []),
        (["x"], None, ["Ignored unknown theme: x. Showing the rest."]),
        ([], "nope", ["Unknown survey: nope. Showing the default survey."]),
    ],
)
def test_notice(js, unknown, survey, notice):
    """Unknown themes and surveys are named in a notice returned as a text child (React escapes it)."""
    assert js("_notice", unknown, survey) == notice
