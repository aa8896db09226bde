"""The static bake (``make site``, ``dashboard.site``) and its link checker (``dashboard.linkcheck``): Dash
components written as HTML, server addresses mapped to files, the landing page made plain from the same
components, and a bake of the fixture surveys in which every link leads to a file."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import factory
import pytest
from dash import dcc, html

from dashboard import components, filtering, ids, landing, linkcheck, selection
from dashboard.data import filter_by_themes
from dashboard.downloads import results_csv
from dashboard.site import check_replaceable, parse_address, site_path, static_landing, to_html
from tests.fixtures import FIXTURE_SURVEY, FIXTURE_TEMPERATURE_CHECK


class _Tags(HTMLParser):
    """The start tags of a document, with their attributes, in order."""

    def __init__(self, text: str):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


# Components as HTML. --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "component, expected",
    [
        (html.P("a < b & \"c\" 'd'"), "<p>a &lt; b &amp; &#34;c&#34; &#39;d&#39;</p>"),
        (html.Div(className="x y", id="k"), '<div id="k" class="x y"></div>'),
        (html.Label("L", htmlFor="f"), '<label for="f">L</label>'),
        (html.Span(style={"--swatch": "#fff", "fontSize": "2px"}), '<span style="--swatch:#fff;font-size:2px"></span>'),
        (html.Span(style={}), "<span></span>"),
        (html.Div(**{"aria-label": 'say "hi"', "data-x": "1"}), '<div aria-label="say &#34;hi&#34;" data-x="1"></div>'),
        (
            html.Div(id={"type": "chart-card", "slug": "s"}),
            '<div id="{&#34;slug&#34;:&#34;s&#34;,&#34;type&#34;:&#34;chart-card&#34;}"></div>',
        ),
        (html.Details([html.Summary("s"), "t"], open=True), "<details open><summary>s</summary>t</details>"),
        (html.Details("t", open=False), "<details>t</details>"),
        (html.Button("b", n_clicks=0, type="button"), '<button type="button">b</button>'),
        (html.Img(src="/a.png", alt="A"), '<img alt="A" src="/a.png">'),
        (html.Ul([html.Li(1), None, [html.Li(2.5)]]), "<ul><li>1</li><li>2.5</li></ul>"),
        (html.A("x", href='/p?a=1&b="2"'), '<a href="/p?a=1&amp;b=&#34;2&#34;">x</a>'),
    ],
)
def test_components_are_written_as_html(component, expected):
    assert str(to_html(component)) == expected


def test_a_component_that_needs_a_callback_is_refused():
    with pytest.raises(ValueError, match="Store"):
        to_html(html.Div([html.P("x"), dcc.Store(id="s")]))


def test_the_overview_card_is_written_as_its_component_says(store, views, survey):
    """The card's bars, links and custom properties come through whole: one list item per row of the chart."""
    every = landing.page_marks(store, views, survey).overview
    card = components.overview_card(every, every, views.labels, "/chart/x?theme=a,b", False, ())
    tags = _Tags(str(to_html(card))).tags
    bars = [a for t, a in tags if t == "li" and "bar-row" in a.get("class", "")]
    assert len(bars) == len(every.rows) > 0
    assert all(re.search(r"--solid:[\d.]+%", a["style"]) and a["title"] for a in bars)
    assert [a["href"] for t, a in tags if t == "a"] == ["/chart/x?theme=a,b"] * 2
    [section] = [a for t, a in tags if t == "section"]
    assert section == {
        "id": ids.OVERVIEW_CARD,
        "class": "card chart-card",
        "aria-labelledby": "overview-title",
        filtering.ATTRIBUTE: " ".join(sorted({t for r in every.rows for t in r["themes"]})),
    }


# Addresses as files. --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url, file",
    [
        ("/", "index.html"),
        ("/?theme=funding", "theme/funding/index.html"),
        ("/?survey=b&theme=funding", "survey/b/theme/funding/index.html"),
        ("/chart/s", "chart/s/index.html"),
        ("/chart/s?tab=table&theme=x", "chart/s/theme/x/table.html"),  # beside the chart tab: links hold
        ("/embed/s?theme=x#top", "embed/s/theme/x/index.html"),
        ("/chart/s.png", "chart/s.png"),
        ("/chart/s.png?theme=x&size=slide&part=2", "chart/s/theme/x/size/slide/part/2/s.png"),
        ("/assets/style.css?m=123", "assets/style.css"),
        ("/export/charts.zip?survey=b&format=svg", "export/charts/survey/b/format/svg/charts.zip"),
        ("/download/send-survey-tables.zip", "download/send-survey-tables.zip"),
    ],
)
def test_every_address_has_its_own_file(url, file):
    assert site_path(parse_address(url)) == file


@pytest.mark.parametrize("url", ["/chart/s?utm=1", "/chart/s?theme=../x", "/chart/s?theme=a/b"])
def test_an_address_no_file_can_stand_for_is_refused(url):
    with pytest.raises(ValueError):
        site_path(parse_address(url))


def test_the_bake_replaces_only_an_earlier_bake(tmp_path):
    check_replaceable(tmp_path)  # empty
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="sitemap"):
        check_replaceable(tmp_path)
    (tmp_path / "sitemap.xml").write_text("<urlset/>")
    check_replaceable(tmp_path)


# The landing page made plain. -----------------------------------------------------------------------------------


def test_the_static_landing_page_has_links_where_the_app_has_callbacks(store, views, survey):
    theme = survey.theme_ids[2]
    tree, files = static_landing(store, views, survey, theme)
    text = str(to_html(tree))  # raises if a component that needs a callback were left
    tags = _Tags(text).tags
    assert not [a for t, a in tags if t in ("button", "input", "form")]  # briefing, quotations' filters, table
    links = [a for t, a in tags if t == "a"]
    themed = [a["href"] for a in links if a["href"].startswith("/?") or a["href"] == "/"]
    assert themed == ["/"] + [f"/?theme={t}" for t in survey.theme_ids]
    current = [a for a in links if a.get("aria-current") == "page" and "button" in a.get("class", "")]
    assert [a["href"] for a in current] == [f"/?theme={theme}"]
    # the charts in view, as the export buttons ask the server for them; the results in view as their CSV
    assert f"/export/charts.zip?survey={survey.id}&theme={theme}&format=png" in [a["href"] for a in links]
    assert files.csv == results_csv(store, views.get(survey, (theme,)).results)
    assert f"/download/{files.csv_name}" in [a["href"] for a in links]
    # every quotation of the theme, not the first few (the others are hidden, as on the app's page)
    quotes = re.findall(r'<figure class="(quote [^"]*)"', text)
    shown = [q for q in quotes if not {filtering.HIDDEN_CLASS, filtering.OVER_LIMIT_CLASS} & set(q.split())]
    assert len(shown) == len(filter_by_themes(store.survey_quotes(survey), [theme])) > 0


# The link checker. ----------------------------------------------------------------------------------------------


def _write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


GOOD_SITEMAP = "<urlset><url><loc>./</loc></url><url><loc>a/</loc></url></urlset>"


def test_the_link_checker_passes_a_whole_folder(tmp_path):
    site = _write(
        tmp_path,
        {
            "index.html": '<a href="a/index.html#x">a</a><a href="a/">a</a><a href="#top" id="top">t</a>'
            '<a href="https://elsewhere.example/">e</a><link rel="stylesheet" href="s.css">',
            "a/index.html": '<p id="x"><img src="../i.png"><a href="../">home</a></p>'
            '<textarea id="embed-code">&lt;iframe src=&#34;../index.html&#34;&gt;&lt;/iframe&gt;</textarea>',
            "s.css": "body{background:url('i.png')} .x{background:url(data:image/png;base64,AA)}",
            "i.png": "",
            "sitemap.xml": GOOD_SITEMAP,
        },
    )
    assert linkcheck.check(site) == []


@pytest.mark.parametrize(
    "page, why",
    [
        ('<a href="gone.html">x</a>', "no such file"),
        ('<a href="/index.html">x</a>', "rooted"),
        ('<a href="index.html?theme=a">x</a>', "query"),
        ('<a href="index.html#nowhere">x</a>', "no element with id 'nowhere'"),
        ('<script src="../outside.js"></script>', "out of the folder"),
        ('<textarea id="embed-code">&lt;iframe src=&#34;embed/gone.html&#34;&gt;</textarea>', "no such file"),
        ('<a href="https://site.example/send/gone/">x</a>', "no such file"),  # on the base URL: looked up
    ],
)
def test_the_link_checker_finds_each_kind_of_broken_link(tmp_path, page, why):
    site = _write(tmp_path, {"index.html": page, "a/index.html": "", "sitemap.xml": GOOD_SITEMAP})
    broken = linkcheck.check(site, "https://site.example/send/")
    assert len(broken) == 1 and why in broken[0], broken


def test_the_link_checker_reads_the_sitemap_and_stylesheets(tmp_path):
    site = _write(tmp_path, {"index.html": "", "s.css": "p{background:url(gone.png)}", "sitemap.xml": GOOD_SITEMAP})
    assert [b.split(":")[0] for b in linkcheck.check(site)] == ["s.css", "sitemap.xml"]  # no a/index.html
    (site / "sitemap.xml").unlink()
    assert "sitemap.xml: missing" in linkcheck.check(site)


# A bake of the fixture surveys. ------------------------------------------------------------------------------


@pytest.mark.slow
def test_the_baked_fixture_site_is_whole(static_site, fixture_only_dir):
    """Every landing page, chart page (each tab) and embed, for all themes and each one, every download each
    page lists, and the sitemap: 0 broken links, and no address of the server that baked it."""
    from dashboard.data import load_store

    assert linkcheck.check(static_site) == []
    store = load_store(fixture_only_dir)
    assert set(store.surveys) == {FIXTURE_SURVEY, FIXTURE_TEMPERATURE_CHECK}
    files = {p.relative_to(static_site).as_posix() for p in static_site.rglob("*") if p.is_file()}
    for survey in store.surveys.values():
        root = "" if survey.id == store.default_survey else f"survey/{survey.id}/"
        for theme in ("", *survey.theme_ids):
            folder = f"theme/{theme}/" if theme else ""
            assert f"{root}{folder}index.html" in files
            for chart in survey.charts:
                for kind in ("chart", "embed"):
                    assert f"{kind}/{chart.slug}/{root}{folder}index.html" in files
                for tab in ("table", "sources"):
                    assert f"chart/{chart.slug}/{root}{folder}{tab}.html" in files
                sel = selection.Selection(survey.id, (theme,) if theme else ())
                csv = selection.href(f"/chart/{chart.slug}.csv", sel, store.default_survey)
                assert site_path(parse_address(csv)) in files
    assert {"sitemap.xml", "download/send-survey-tables.zip", "assets/style.css", "assets/embed-resize.js"} <= files
    for name in files:
        if name.endswith((".html", ".svg", ".xml")):
            text = (static_site / name).read_text(encoding="utf-8")
            assert "localhost" not in text and "briefing-add" not in text and "briefing.js" not in text, name


@pytest.mark.slow
def test_a_bake_for_a_base_url_gives_absolute_addresses(static_site, fixture_only_dir, tmp_path):
    """With --base-url the canonical links, the embed code and the sitemap are on that address (the export cache
    of the first bake makes this one quick)."""
    base = "https://data.example.org/send/"
    out = tmp_path / "site"
    factory.bake_site(fixture_only_dir, out, base)
    assert linkcheck.check(out, base) == []
    page = (out / "chart/meeting-the-standards/theme/funding/index.html").read_text(encoding="utf-8")
    assert f'<link rel="canonical" href="{base}chart/meeting-the-standards/theme/funding/">' in page
    assert f"src=&#34;{base}embed/meeting-the-standards/theme/funding/&#34;" in page
    assert f"<loc>{base}</loc>" in (out / "sitemap.xml").read_text(encoding="utf-8")
    landing_page = (out / "index.html").read_text(encoding="utf-8")
    assert 'href="chart/meeting-the-standards/index.html"' in landing_page  # links inside stay relative
