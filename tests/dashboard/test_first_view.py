"""The landing page's first view in the HTML of / (dashboard/firstview.py, issue 18): the selection's page before
any script, a GET form for the themes, no inline script the CSP does not allow, the answer cached per address and
its cost bounded."""

from __future__ import annotations

import base64
import hashlib
import re
from html.parser import HTMLParser

import pytest

from dashboard import firstview, selection
from dashboard.data import filter_by_themes


class Page(HTMLParser):
    """What a test reads from a page's HTML: every id, where the first script is, the inline scripts, and the
    text and elements of ``#first-view``."""

    def __init__(self, text: str):
        super().__init__()
        self.ids: list[str] = []
        self.first_script: int | None = None  # offset of the first <script>
        self.first_view_end: int | None = None
        self.inline: list[str] = []
        self._depth = 0  # inside #first-view: its element depth
        self._script: list[str] | None = None
        self.bars = 0
        self.text: list[str] = []
        self.checked: list[str] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if "id" in a:
            self.ids.append(a["id"])
        if tag == "script":
            if self.first_script is None:
                self.first_script = self.getpos()
            runs = a.get("type") in (None, "", "text/javascript", "application/javascript", "module")
            self._script = [] if "src" not in a and runs else None
        if a.get("id") == firstview.ID:
            self._depth = 1
        elif self._depth and tag not in ("input", "br", "img", "meta", "link", "hr", "wbr"):
            self._depth += 1
        if self._depth and "bar-row" in (a.get("class") or "").split():
            self.bars += 1
        if self._depth and tag == "input" and "checked" in a:
            self.checked.append(f"{a.get('name')}={a.get('value')}")

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self.inline.append("".join(self._script))
            self._script = None
        if self._depth:
            self._depth -= 1
            if not self._depth:
                self.first_view_end = self.getpos()

    def handle_data(self, data):
        if self._script is not None:
            self._script.append(data)
        if self._depth:
            self.text.append(data)


def _page(client, address: str) -> tuple[Page, object]:
    response = client.get(address)
    assert response.status_code == 200, address
    return Page(response.get_data(as_text=True)), response


def _overview_bars(store, themes=()) -> int:
    survey = store.survey(None)
    spec = next(c for c in survey.charts if c.kind == "ranked")
    return len(store.chart_rows(spec, filter_by_themes(store.survey_results(survey), list(themes))))


def test_the_html_of_slash_holds_the_first_view_before_any_script(client, store):
    page, _ = _page(client, "/")
    assert page.first_view_end is not None, "no #first-view in the HTML of /"
    assert page.first_view_end < page.first_script, "the first view must come before the scripts"
    text = " ".join(" ".join(page.text).split())
    results = len(store.survey_results(store.survey(None)))
    assert f"Showing all themes: {results} survey results." in text
    assert page.bars == _overview_bars(store) > 0  # every bar of the overview, none hidden: no theme chosen
    assert page.checked == []


@pytest.mark.parametrize("address", ["/?theme=funding", "/?theme=Funding&intervals=on", "/?theme=funding&theme=bogus"])
def test_the_first_view_is_the_selection_of_the_address(client, store, address):
    page, _ = _page(client, address)
    text = " ".join(" ".join(page.text).split())
    assert re.search(r"Showing Funding: \d+ survey results\.", text), text[:300]
    assert "theme=funding" in page.checked
    assert ("intervals=on" in page.checked) == ("intervals=on" in address)
    if "bogus" in address:
        assert "Ignored unknown theme: bogus. Showing the rest." in text
    # The funding bars are shown, the others marked hidden (the browser's filter shows them on a click).
    assert page.bars == _overview_bars(store)
    hidden = len(re.findall(r'class="bar-row[^"]*\bfiltered-out\b', client.get(address).get_data(as_text=True)))
    assert page.bars - hidden == _overview_bars(store, ["funding"])


def test_an_unknown_survey_is_the_default_one_with_a_notice(client):
    page, _ = _page(client, "/?survey=nope")
    text = " ".join(" ".join(page.text).split())
    assert "Unknown survey: nope. Showing the default survey." in text


def test_no_id_twice_in_the_html(client):
    for address in ("/", "/?theme=funding,tribunals&intervals=on"):
        page, _ = _page(client, address)
        twice = {i for i in page.ids if page.ids.count(i) > 1}
        assert not twice, f"{address}: ids written twice: {sorted(twice)}"


def test_every_inline_script_is_allowed_by_the_csp(client):
    """The first view adds no inline script: every one in the page is one of the hashes the CSP names."""
    page, response = _page(client, "/?theme=funding")
    csp = response.headers["Content-Security-Policy"]
    assert page.inline, "Dash writes its renderer inline; the page should have it"
    for script in page.inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    first = client.get("/?theme=funding").get_data(as_text=True)
    inside = first[first.index(f'id="{firstview.ID}"') : first.index('id="react-entry-point"')]
    assert "<script" not in inside


def test_without_a_script_the_theme_filter_is_a_get_form_of_the_page(client, store):
    text = client.get("/").get_data(as_text=True)
    form = re.search(
        r'<form action="/" autoComplete="off" class="filter-body" method="get"[^>]*>(.*?)</form>', text, re.S
    )
    assert form, "the theme filter is not a GET form of /"
    body = form.group(1)
    for theme in store.survey(None).theme_ids:
        assert f'name="theme" value="{theme}"' in body
    assert 'name="intervals" value="on"' in body
    assert re.search(r"<noscript><button[^>]*type=\"submit\"", body)  # its button only without a script
    # What its submission asks for reads back as that selection.
    asked = selection.parse({"theme": ["funding", "tribunals"], "intervals": ["on"]})
    assert asked.themes == ("funding", "tribunals") and asked.intervals


def test_without_a_script_the_exports_are_links_and_script_only_controls_are_marked(client):
    text = client.get("/?theme=funding&intervals=on").get_data(as_text=True)
    first = text[: text.index('id="react-entry-point"')]
    survey = re.search(r'data-survey="([^"]+)"', first) or re.search(r"survey=([\w-]+)&amp;theme=funding", first)
    assert survey
    assert re.search(
        r'href="/export/charts\.zip\?survey=[\w-]+&amp;theme=funding&amp;intervals=on&amp;format=png"', first
    )
    assert re.search(r'<button[^>]*id="download-csv-button"', first) is None or "needs-script" in re.search(
        r'<button[^>]*id="download-csv-button"[^>]*>', first
    ).group(0)
    assert 'class="button secondary briefing-add needs-script"' in first
    assert "quote-filters" not in first and 'id="show-table-button"' not in first
    assert '<details id="results-table"' in first or re.search(r'<details[^>]*class="results-details"', first)


def test_each_address_has_its_own_etag_and_revalidates(client):
    one = client.get("/")
    two = client.get("/?theme=funding")
    assert one.headers["ETag"] != two.headers["ETag"]
    again = client.get("/?theme=funding", headers={"If-None-Match": two.headers["ETag"]})
    assert again.status_code == 304
    assert client.get("/", headers={"If-None-Match": two.headers["ETag"]}).status_code == 200


def test_the_cache_is_bounded_and_garbage_is_answered(store, views):
    """Every address a reader can write is answered (an unknown theme is a notice, never an error), and however
    many, the cache keeps at most CACHE_ENTRIES first views."""
    from flask import Flask

    server = Flask("probe")

    class Probe:
        interpolate_index = staticmethod(lambda **parts: parts["app_entry"])

    probe = Probe()
    cache = firstview.install(probe, store, views)
    for i in range(firstview.CACHE_ENTRIES + 20):
        with server.test_request_context(f"/?theme=junk{i},funding"):
            html = probe.interpolate_index(app_entry="<div id=react-entry-point></div>", title="t")
            assert f"junk{i}" in html and "Showing Funding" in html
    assert len(cache) <= firstview.CACHE_ENTRIES
    with server.test_request_context("/?" + "theme=" + "%00%ff," * 5000 + "&survey=" + "x" * 10000):
        assert "Showing all themes" in probe.interpolate_index(app_entry="", title="t")


def test_the_first_view_is_the_page_callbacks_page(client, store, views):
    """The first view is landing.survey_page for the selection: its masthead, contents and overview are the ones
    the page callback gives (the same components, written by to_html)."""
    from dashboard import callbacks
    from dashboard.rawhtml import to_html

    page = callbacks.render_page(store, views, store.default_survey, "?theme=funding")
    dash_overview = str(to_html(page[-3].children[1].children[0]))  # layout > main > the overview section
    text = client.get("/?theme=funding").get_data(as_text=True)
    assert dash_overview.startswith('<section id="overview"') and dash_overview in text
