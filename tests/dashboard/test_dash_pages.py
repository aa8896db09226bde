"""The chart pages (/chart/<slug>), embeds (/embed/<slug>) and a chart's CSV, through Flask's test client."""

from __future__ import annotations

import html
import io
import json
import re
from pathlib import Path

import factory
import pandas as pd
import pytest

from etl.schema import Col

SLUGS = factory.SLUGS


def figure_of(page: str) -> dict:
    [data] = re.findall(r'<script type="application/json" id="plot-data">(.*?)</script>', page, re.S)
    return json.loads(data)


@pytest.mark.parametrize("slug", SLUGS)
def test_every_chart_has_a_page(client, store, survey, slug):
    """Each chart's page has its title, the tabs Chart | Table | Sources, its figure, table and sentences."""
    response = client.get(f"/chart/{slug}")
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    spec = survey.chart(slug)
    assert f'<h1 class="chart-title">{html.escape(spec.title, quote=False)}</h1>' in page
    assert re.findall(r'role="tab" id="tab-(\w+)"', page) == ["chart", "table", "sources"]
    assert 'aria-selected="true"' in page and page.count('role="tabpanel"') == 3
    rows = store.chart_rows(spec)
    assert len(figure_of(page)["layout"]["annotations"]) == len(rows)
    assert page.count("<tr>") == len(rows) + 1  # the header row and one per figure
    for verbatim in (r[Col.VERBATIM] for r in rows if r[Col.VERBATIM] is not None):
        assert html.escape(verbatim) in page


def test_chart_page_downloads_share_and_embed(client):
    """The page offers PNG, SVG and CSV of its view, its own address, and an iframe of its embed."""
    page = client.get("/chart/confidence-in-funding?theme=funding").get_data(as_text=True)
    for fmt in ("png", "svg", "csv"):
        assert f'href="/chart/confidence-in-funding.{fmt}?theme=funding"' in page
    assert 'value="http://localhost/chart/confidence-in-funding?theme=funding"' in page
    iframe = html.unescape(re.search(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', page, re.S).group(1))
    assert iframe.startswith('<iframe src="http://localhost/embed/confidence-in-funding?theme=funding"')
    assert 'title="How confident councils are about funding"' in iframe
    for size in ("slide", "square"):  # the PNG in each size of figures.SIZES
        assert f'href="/chart/confidence-in-funding.png?theme=funding&amp;size={size}"' in page


def test_embed_code_carries_the_resize_script(client):
    """The embed code loads the resize script from this site (no inline script), which checks where each
    message comes from and which iframe sent it; its iframe has a fixed height for pages without scripts."""
    page = client.get("/chart/timescales").get_data(as_text=True)
    code = html.unescape(re.search(r'<textarea id="embed-code"[^>]*>(.*?)</textarea>', page, re.S).group(1))
    assert re.fullmatch(
        r'<iframe src="http://localhost/embed/timescales" [^>]*height="(\d+)"[^>]*></iframe>\n'
        r'<script src="http://localhost/assets/embed-resize\.js" async></script>',
        code,
    ), code
    script = client.get("/assets/embed-resize.js")
    assert script.status_code == 200
    text = script.get_data(as_text=True)
    assert "event.origin !== origin" in text and "frame.contentWindow !== event.source" in text
    assert "embed-resize" not in client.get("/").get_data(as_text=True)  # not loaded by the landing page


def test_table_tab_says_what_kind_of_figure(client):
    """The Table tab gives each figure as printed, what kind of figure it is, and the respondents it allows."""
    page = client.get("/chart/specialist-provision?tab=table").get_data(as_text=True)
    row = re.search(r"<tr><th scope=\"row\"[^>]*>Reforming funding for special schools</th>(.*?)</tr>", page).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    assert cells[:4] == ["supportive", "over 90%", "a lower bound (over)", "49–54 of 54"]


def test_tab_in_the_address_opens_it(client):
    """?tab=sources opens the Sources tab (the tabs work without JavaScript, as links)."""
    page = client.get("/chart/timescales?tab=sources").get_data(as_text=True)
    assert re.search(r'id="tab-sources"[^>]*aria-selected="true"', page)
    assert re.search(r'id="panel-sources"[^>]*tabindex="0">', page)
    assert re.search(r'id="panel-chart"[^>]*hidden>', page)


def test_chart_page_filters_and_names_unknown_themes(client):
    """A theme filter keeps its rows; an unknown theme is named in a notice."""
    page = client.get("/chart/specialist-provision?theme=funding,bogus").get_data(as_text=True)
    assert len(figure_of(page)["layout"]["annotations"]) == 1
    assert '<p class="notice" role="status">Ignored unknown theme: bogus. Showing the rest.</p>' in page
    assert "(Filtered to: Funding)" in page
    hostile = client.get("/chart/specialist-provision?theme=<b>x</b>").get_data(as_text=True)
    assert "Ignored unknown theme: &lt;b&gt;x&lt;/b&gt;. Showing the rest.</p>" in hostile and "<b>x" not in hostile


def test_chart_page_with_no_rows_left(client):
    """A theme that leaves a chart empty says so, rather than drawing an empty chart."""
    page = client.get("/chart/timescales?theme=tribunals").get_data(as_text=True)
    assert "None of this chart's figures is tagged with the selected themes." in page
    assert 'id="plot-data"' not in page


@pytest.mark.parametrize(
    "path", ["/chart/nope", "/chart/nope?survey=nope", "/embed/nope", "/chart/nope.png", "/chart/Timescales"]
)
def test_unknown_chart_is_a_404_listing_the_charts(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert 'href="/chart/timescales"' in response.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/chart/timescales", "/embed/timescales"])
def test_an_unknown_survey_or_theme_is_named_in_a_notice(client, path):
    """?survey= and ?theme= that name nothing here are said, not dropped: the chart of the slug is shown."""
    response = client.get(path + "?survey=nope&theme=bogus")
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    assert '<p class="notice" role="status">Unknown survey: nope. Showing ' in text
    assert '<p class="notice" role="status">Ignored unknown theme: bogus. Showing the rest.</p>' in text


def test_markup_in_the_address_is_text(client):
    """Whatever the address carries is escaped on the page."""
    page = client.get('/chart/timescales?theme=<script>alert(1)</script>"&tab=<b>').get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;" in page


def test_embed_is_the_chart_alone(client):
    """The embed is the chart with its title, question, key and footer as text that reflows to the frame (not
    drawn into the figure at a fixed width), the numbers as text and a link back."""
    response = client.get("/embed/confidence-in-funding")
    page = response.get_data(as_text=True)
    annotations = figure_of(page)["layout"]["annotations"]
    drawn = " ".join(a["text"] for a in annotations)
    assert "How confident councils are about funding" not in drawn and "Source:" not in drawn
    texts = html.unescape(re.sub(r"<[^>]+>", " ", page))
    assert '<h1 class="embed-title">How confident councils are about funding' in page
    assert "Source: Isos Partnership for the LGA and CCN" in texts and "Base: 54 councils responding" in texts
    assert '<ul class="chart-key">' in page and 'class="alt-text"' in page
    assert 'role="tablist"' not in page and "Copy link" not in page
    assert 'href="http://localhost/chart/confidence-in-funding"' in page


def test_embed_may_be_framed_anywhere_and_nothing_else(client):
    """Embeds allow any frame ancestor and send no X-Frame-Options; every other route keeps 'none'."""
    embed = client.get("/embed/timescales")
    assert factory.csp(embed)["frame-ancestors"] == ["*"] and "X-Frame-Options" not in embed.headers
    for path in ["/", "/chart/timescales", "/chart/timescales.csv", "/_dash-layout", "/healthz", "/chart/nope"]:
        response = client.get(path)
        assert factory.csp(response)["frame-ancestors"] == ["'none'"], path
        assert response.headers["X-Frame-Options"] == "DENY", path


def test_frame_ancestors_setting_applies_to_pages_not_embeds(data_dir):
    """FRAME_ANCESTORS opens the pages to the named sites; embeds stay open to all."""
    client = factory.make_app(data_dir, frame_ancestors="https://example.org").server.test_client()
    assert factory.csp(client.get("/chart/timescales"))["frame-ancestors"] == ["https://example.org"]
    assert factory.csp(client.get("/embed/timescales"))["frame-ancestors"] == ["*"]


def test_chart_csv(client):
    """A chart's CSV holds its rows in view, with survey, question, counts (as numbers) and sentence."""
    response = client.get("/chart/specialist-provision.csv?theme=funding")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert 'filename="figure-5-specialist-provision-funding.csv"' in response.headers["Content-Disposition"]
    frame = pd.read_csv(io.BytesIO(response.data))
    assert list(frame[Col.ID]) == ["fig5-special-school-funding"]
    assert (frame.loc[0, "count_min"], frame.loc[0, "count_max"], frame.loc[0, "base"]) == (49, 54, 54)
    assert frame.loc[0, Col.CATEGORY] == "supportive" and frame.loc[0, Col.REPORTED_TEXT] == "over 90%"


def test_chart_pages_load_no_dash(client):
    """A chart page is plain HTML: plotly.js basic and small scripts (the page's, the briefing chooser's), no Dash
    renderer."""
    page = client.get("/chart/timescales").get_data(as_text=True)
    scripts = re.findall(r'<script src="([^"]+)"', page)
    assert [s.split("?")[0] for s in scripts] == [
        "/assets/vendor/plotly-basic-4.1.1.min.js",
        "/assets/chart-page.js",
        "/assets/briefing.js",
    ]
    assert "_dash" not in page


def test_vendored_plotly_starts_with_the_compile_hint():
    """The vendored plotly.js begins with V8's ``//# allFunctionsCalledOnLoad``: its functions are compiled while the
    file streams in, off the main thread, not lazily on it (README, "Layout of the repository"); the rest of the
    file is Plotly's."""
    vendor = Path(__file__).parents[2] / "dashboard" / "assets" / "vendor"
    (script,) = vendor.glob("plotly-basic-*.min.js")
    first, rest = script.read_text(encoding="utf-8").split("\n", 1)
    assert first == "//# allFunctionsCalledOnLoad"
    assert rest.startswith("/**\n* plotly.js (basic - minified) v")


def _dash_texts(component, kind: str) -> list:
    """The text children of every ``kind`` component (html.Li, html.P, ...) under ``component``, in order."""
    found = []

    def walk(node):
        if isinstance(node, (list, tuple)):
            for n in node:
                walk(n)
        elif hasattr(node, "children"):
            if type(node).__name__ == kind:
                found.append("".join(c for c in _flat(node.children) if isinstance(c, str)))
            walk(node.children)

    walk(component)
    return found


def _flat(node):
    if isinstance(node, (list, tuple)):
        for n in node:
            yield from _flat(n)
    elif hasattr(node, "children"):
        yield from _flat(node.children)
    elif node is not None:
        yield node


def _html_texts(page: str, pattern: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", t)) for t in re.findall(pattern, page, re.S)]


@pytest.mark.parametrize("slug", ["support-for-every-proposal", "confidence-in-funding", "specialist-provision"])
def test_landing_pieces_say_what_the_chart_page_says(client, views, survey, slug):
    """The key, the footer and the table of the landing page (Dash) and of a chart page (templates) come from
    the same content functions: the same text, cell by cell, only the markup differs."""
    from dashboard import components

    spec = survey.chart(slug)
    rows = views.chart(survey, spec).rows
    page = client.get(f"/chart/{slug}").get_data(as_text=True)
    key = re.search(r'<ul class="chart-key">(.*?)</ul>', page, re.S).group(1)
    assert _html_texts(key, r"<li>(.*?)</li>") == _dash_texts(components.chart_key(rows, views.labels), "Li")
    footer = re.search(r'<div class="chart-footer">(.*?)</div>', page, re.S).group(1)
    dash_footer = _dash_texts(components.chart_footer(rows, spec, views.labels), "P")
    assert _html_texts(footer, r"<p[^>]*>(.*?)</p>") == dash_footer and any("⚠" in t for t in dash_footer) == (
        'class="flag-note"' in footer
    )
    body = re.search(r"<tbody>(.*?)</tbody>", page, re.S).group(1)
    body = re.sub(r"<summary>.*?</summary>", "", body)  # the page folds notes under a summary of its own
    page_cells = [_html_texts(r, r"<t[hd][^>]*>(.*?)</t[hd]>") for r in re.findall(r"<tr>(.*?)</tr>", body, re.S)]
    table = components.results_table(rows, "caption", views.labels.sources)
    dash_cells = [[c.children for c in tr.children] for tr in table.children[2].children]
    assert page_cells == dash_cells and len(dash_cells) == len(rows)


def _cite_block(text: str) -> str:
    return re.search(r'<section class="cite-block".*?</section>', text, re.S).group(0)


@pytest.mark.parametrize("path", ["/chart/timescales?theme=funding&tab=sources", "/embed/timescales?theme=funding"])
def test_the_cite_block_gives_chart_survey_licence_and_version(client, store, path):
    """The Cite block: the chart's citation (title, site, the chart's address without its tab, the data version,
    the access date), the survey's citation, the licence of the data and charts (the Data Package's) and the
    data version, the build id and its date; on the chart page and in the embed."""
    from datetime import UTC, datetime

    from dashboard.content import access_date
    from etl.package import LICENCE

    text = client.get(path).get_data(as_text=True)
    block = (
        _cite_block(text)
        if path.startswith("/chart/")
        else re.search(r'<details class="cite">.*?</details>', text, re.S).group(0)
    )
    version = store.version
    assert re.fullmatch(r"[0-9a-f]{16}", version.id) and re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", version.built)
    words = f"{version.id}, built {int(version.built[8:10])} "
    today = access_date(datetime.now(UTC).date())
    assert (
        "SEND Reform Survey Dashboard, “Whether councils think the timescales are right”, "
        f"http://localhost/chart/timescales?theme=funding (data version {words}" in block
    )
    assert f"; accessed {today})." in block
    assert store.sources["isos-2026"]["citation"] in block
    assert f'href="{LICENCE["path"]}"' in block and "CC BY 4.0" in block
    assert f"<strong>Data version:</strong> {words}" in block


def test_the_data_version_is_the_same_in_the_csv_the_data_package_and_the_image_footer(client, store, views, survey):
    from csv import DictReader

    package = json.loads(store.tables.files["datapackage.json"])
    assert (package["version"], package["created"]) == (store.version.id, store.version.built)
    csv = client.get("/chart/timescales.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(DictReader(io.StringIO(csv)))
    assert rows and {(r["data_version"], r["data_built"]) for r in rows} == {(store.version.id, store.version.built)}
    codebook = client.get("/download/send-survey-results.meta.csv").get_data(as_text=True)
    assert "data_version," in codebook and "data_built," in codebook
    figure = views.chart(survey, survey.chart("timescales"), frame="export").figure
    footer = " ".join(a["text"] for a in figure["layout"]["annotations"]).replace("<br>", " ")
    assert f"Data version {store.version.words}. Data and chart: CC BY 4.0" in re.sub(r"\s+", " ", footer)


def test_the_share_link_and_the_theme_form_keep_the_tab(client):
    """The view's tab survives copy-link and a theme change: the share link carries it, the theme form sends it;
    the canonical address, the citation and the downloads do not."""
    text = client.get("/chart/timescales?theme=funding&tab=table").get_data(as_text=True)
    assert (
        'id="share-url" class="copy-source" type="text" readonly value="http://localhost/chart/timescales?theme=funding&amp;tab=table"'
        in text
    )
    form = re.search(r'<form method="get" action="/chart/timescales">(.*?)</form>', text, re.S).group(1)
    assert '<input type="hidden" name="tab" value="table">' in form
    assert '<link rel="canonical" href="http://localhost/chart/timescales?theme=funding">' in text
    assert 'href="/chart/timescales.csv?theme=funding"' in text
    chart_tab = client.get("/chart/timescales?theme=funding").get_data(as_text=True)
    assert 'name="tab"' not in chart_tab
