"""A page per chart (``/chart/<slug>``) and its embeddable frame (``/embed/<slug>``), rendered on the server.

These pages are plain HTML with the figure's JSON in a data block, drawn by plotly.js "basic" and a small
script (``assets/chart-page.js``): no Dash renderer, so a shared chart opens fast and in any browser.
Everything works without JavaScript: the Chart, Table and Sources tabs are links (``?tab=``) the script
turns into ARIA tabs; the theme filter is a form; downloads are links. Every piece of data text is escaped.
"""

from __future__ import annotations

import html
import json
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from markupsafe import Markup, escape

from dashboard.data import ChartSpec, Store, Survey, format_published, parse_themes, records
from dashboard.downloads import RESULTS_CODEBOOK
from dashboard.figures import describe_rows, footer_lines, key_items, question_line
from dashboard.views import Views
from etl.schema import Col

SITE = "SEND Reform Survey Dashboard"
# Pixels the embed page needs below its chart: the "numbers as text" summary and the link to the chart page
# (58 px in Chromium, at any width down to 320 px). The embed code's iframe is the chart's height plus this.
EMBED_BELOW_CHART = 64
TABS = [("chart", "Chart"), ("table", "Table"), ("sources", "Sources")]
NOT_TABBABLE = ' tabindex="-1"'


@dataclass(frozen=True)
class Request:
    """What a chart page was asked for, parsed and cleaned (unknown themes kept to name them)."""

    survey: Survey
    spec: ChartSpec
    themes: tuple[str, ...]
    unknown: tuple[str, ...]
    intervals: bool
    tab: str

    def query(self, store: Store, **changes) -> str:
        """The query string of this view (or of it with ``themes``/``intervals``/``tab`` changed)."""
        themes = changes.get("themes", self.themes)
        intervals = changes.get("intervals", self.intervals)
        tab = changes.get("tab", "chart")
        parts = [] if self.survey.id == store.default_survey else [f"survey={quote(self.survey.id)}"]
        if themes:
            parts.append("theme=" + ",".join(quote(t) for t in themes))
        if intervals:
            parts.append("intervals=on")
        if tab != "chart":
            parts.append(f"tab={tab}")
        return ("?" + "&".join(parts)) if parts else ""


def parse_request(store: Store, slug: str, args) -> Request | str:
    """The cleaned request for chart ``slug``, or the reason it names nothing (unknown survey or chart)."""
    survey_id = args.get("survey", "")
    if survey_id and survey_id not in store.surveys:
        return "That survey is not in this dashboard."
    survey = store.survey(survey_id)
    spec = survey.chart(slug)
    if spec is None:
        return "That chart is not in this survey."
    themes, unknown = parse_themes(args.getlist("theme"), survey.theme_ids)
    tab = args.get("tab", "chart")
    return Request(
        survey=survey,
        spec=spec,
        themes=tuple(themes),
        unknown=tuple(unknown),
        intervals=args.get("intervals", "") in ("on", "1", "true"),
        tab=tab if tab in dict(TABS) else "chart",
    )


Assets = Callable[[str], str]  # an asset's name -> its URL (with a version, so a new file is fetched)


def _figure_block(figure: dict, element: str) -> Markup:
    """The figure's JSON in a data block (not a script: the CSP allows no inline script), safe to embed."""
    data = json.dumps(figure, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e")
    return Markup(f'<script type="application/json" id="{element}-data">{data}</script>')


def _key(rows, labels) -> Markup:
    items = "".join(
        f'<li><span class="swatch{" hatched" if hatched else ""}" style="--swatch:{escape(colour)}"></span>'
        f"{escape(label)}</li>"
        for label, colour, hatched in key_items(rows, labels)
    )
    return Markup(f'<ul class="chart-key">{items}</ul>')


def _footer(rows, spec, labels) -> Markup:
    parts = []
    for line in footer_lines(rows, spec, labels):
        if line.startswith("⚠"):
            parts.append(f'<p class="flag-note" role="note">{escape(line)}</p>')
        else:
            parts.append(f'<p class="chart-footnote">{escape(line)}</p>')
    return Markup('<div class="chart-footer">' + "".join(parts) + "</div>")


def _page(title: str, description: str, assets: Assets, body: str, canonical: str = "", embed: bool = False) -> str:
    scripts = (
        f'<script src="{assets("vendor/plotly-basic-4.1.1.min.js")}" defer></script>'
        f'<script src="{assets("chart-page.js")}" defer></script>'
    )
    return (
        '<!DOCTYPE html>\n<html lang="en-GB">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{escape(title)}</title>\n"
        f'<meta name="description" content="{escape(description)}">\n'
        + (f'<link rel="canonical" href="{escape(canonical)}">\n' if canonical else "")
        + f'<link rel="stylesheet" href="{assets("style.css")}">\n{scripts}\n</head>\n'
        f'<body class="{"embed-page" if embed else "chart-page"}">\n{body}\n</body>\n</html>\n'
    )


def _table(rows: list[dict], plural: str) -> str:
    from dashboard.components import TABLE_COLUMNS, table_cells

    head = "".join(f'<th scope="col">{escape(h)}</th>' for h, _ in TABLE_COLUMNS)
    body = []
    for r in rows:
        cells = table_cells(r)
        tds = "".join(
            f'<th scope="row">{escape(cells[f])}</th>' if f == Col.ITEM else f"<td>{escape(cells[f])}</td>"
            for _, f in TABLE_COLUMNS
        )
        body.append(f"<tr>{tds}</tr>")
    caption = f"Each figure the chart draws, as reported, with the {escape(plural)} it allows"
    return (
        f'<div class="table-wrap"><table class="results-table"><caption>{caption}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def _sources(store: Store, rows: list[dict], survey: Survey) -> str:
    items = []
    for r in rows:
        said = r[Col.VERBATIM] or r[Col.NOTE] or ""
        doc = store.sources[r[Col.SOURCE]]
        where = f"{r[Col.SECTION]} · {doc[Col.SHORT_TITLE] or doc[Col.TITLE]}"
        items.append(
            f"<li><p><strong>{escape(r[Col.ITEM])} — {escape(r[Col.CATEGORY])}: {escape(r[Col.REPORTED_TEXT])}"
            f'</strong></p><blockquote>{escape(said)}</blockquote><p class="where">{escape(where)}</p></li>'
        )
    surveys = dict.fromkeys(r[Col.SURVEY] for r in rows)
    about = []
    for sid in surveys:
        s = store.sources[sid]
        link = f' <a href="{escape(s[Col.URL])}">Read the report</a>.' if s[Col.URL] else " (no web address recorded)."
        n = (
            f"{s[Col.RESPONDENTS]} {s[Col.RESPONDENT_PLURAL]}"
            if s[Col.RESPONDENTS]
            else "Number of respondents not stated"
        )
        about.append(
            f"<h3>{escape(s[Col.TITLE])}</h3><p>{escape(s[Col.PUBLISHER] or '')} "
            f"{escape(format_published(s[Col.PUBLISHED]))}.{link}</p>"
            f"<p><strong>Who answered:</strong> {escape(n)} ({escape(s[Col.RESPONDENT_GROUP] or '')}). "
            f"{escape(s[Col.RESPONDENTS_NOTE] or '')}</p>"
            f"<p><strong>Method:</strong> {escape(s[Col.METHOD] or 'not described.')}</p>"
        )
    return (
        '<h2 class="visually-hidden">Sources</h2><h3>Where each number comes from</h3>'
        f'<ol class="sentences">{"".join(items)}</ol>{"".join(about)}'
    )


def chart_page(store: Store, views: Views, req: Request, assets: Assets, base_url: str) -> str:
    """The chart's own page: tabs Chart | Table | Sources, downloads, copy link, embed code, theme filter."""
    survey, spec = req.survey, req.spec
    chart = views.chart(survey, spec, req.themes, req.intervals, "page")
    labels = views.labels
    rows = records(chart.rows)
    q = req.query(store)
    path = f"/chart/{quote(spec.slug)}"
    url = base_url.rstrip("/") + path + q
    embed_url = base_url.rstrip("/") + f"/embed/{quote(spec.slug)}" + req.query(store, tab="chart")
    embed_height = views.chart(survey, spec, req.themes, req.intervals, "embed").height + EMBED_BELOW_CHART
    iframe = (
        f'<iframe src="{html.escape(embed_url)}" title="{html.escape(spec.title)}" width="100%" height="{embed_height}" '
        'style="border:0" loading="lazy"></iframe>'
    )
    home = "/" + req.query(store, tab="chart")
    notice = ""
    if req.unknown:
        notice = (
            f'<p class="notice" role="status">Ignored unknown theme{"s" if len(req.unknown) > 1 else ""}: '
            + escape(", ".join(req.unknown))
            + ". Showing the rest.</p>"
        )
    tab_items = []
    for t, name in TABS:
        chosen_tab = t == req.tab
        tab_items.append(
            f'<li role="presentation"><a role="tab" id="tab-{t}" href="{path}{req.query(store, tab=t)}" aria-controls="panel-{t}" '
            f'aria-selected="{str(chosen_tab).lower()}"{"" if chosen_tab else NOT_TABBABLE}>{name}</a></li>'
        )
    tabs = "".join(tab_items)
    if chart.figure:
        chart_panel = (
            f"{_key(chart.rows, labels)}"
            f'<div class="plot" id="plot" data-figure="plot-data" style="height:{chart.height}px"></div>'
            f"{_figure_block(chart.figure, 'plot')}{_footer(chart.rows, spec, labels)}"
            '<details class="alt-text"><summary>The numbers in this chart, as text</summary><ul>'
            + "".join(f"<li>{escape(t)}</li>" for t in describe_rows(chart.rows, labels))
            + "</ul></details>"
        )
    else:
        chart_panel = '<p class="empty">None of this chart\'s figures is tagged with the selected themes.</p>'
    panels = {
        "chart": chart_panel,
        "table": '<h2 class="visually-hidden">Table</h2>' + _table(rows, survey.plural) if rows else chart_panel,
        "sources": _sources(store, rows, survey),
    }
    panel_html = "".join(
        f'<section role="tabpanel" class="tab-panel" id="panel-{t}" aria-labelledby="tab-{t}" tabindex="0"'
        f"{'' if t == req.tab else ' hidden'}>{panels[t]}</section>"
        for t, _ in TABS
    )
    downloads = "".join(
        f'<li><a class="button secondary" href="{path}.{fmt}{q}" download="{spec.filename}.{fmt}" '
        f'aria-label="Download {escape(label)} of {escape(spec.title)}">{escape(label)}</a></li>'
        for fmt, label in (("png", "PNG (2×)"), ("svg", "SVG"), ("csv", "CSV"))
    ) + (
        f'<li><a class="button secondary" href="/download/{RESULTS_CODEBOOK}" download="{RESULTS_CODEBOOK}" '
        'aria-label="Download the codebook of the CSV: what each column means">CSV codebook</a></li>'
    )
    theme_boxes = "".join(
        f'<li><label><input type="checkbox" name="theme" value="{escape(t)}"{" checked" if t in req.themes else ""}> '
        f"{escape(store.theme_labels[t])}</label></li>"
        for t in survey.theme_ids
    )
    survey_field = (
        "" if survey.id == store.default_survey else f'<input type="hidden" name="survey" value="{escape(survey.id)}">'
    )
    chosen = ", ".join(store.theme_labels[t] for t in req.themes) if req.themes else "all themes"
    body = f"""<a class="skip-link" href="#chart-main">Skip to the chart</a>
<header class="site-bar"><a href="{escape(home)}" class="site-name">{SITE}</a>
<span class="crumb">{escape(survey.source[Col.SHORT_TITLE] or survey.source[Col.TITLE])}</span></header>
<main id="chart-main" class="chart-main">
<p class="eyebrow">{escape(spec.eyebrow)}</p>
<h1 class="chart-title">{escape(spec.title)}</h1>
<p class="chart-question">{escape(question_line(spec, chart.filtered, numbered=False))}</p>
{notice}
<div class="chart-layout">
<div class="chart-body">
<ul class="tab-list" role="tablist" aria-label="Views of this chart">{tabs}</ul>
{panel_html}
</div>
<aside class="chart-menu" aria-label="Filter, download and share">
<details class="filter-menu"><summary>Themes: {escape(chosen)}</summary>
<form method="get" action="{path}">{survey_field}<fieldset><legend>Reform themes</legend>
<ul class="theme-boxes">{theme_boxes}</ul></fieldset>
<label class="interval-box"><input type="checkbox" name="intervals" value="on"{" checked" if req.intervals else ""}> Show Wilson 95% intervals</label>
<button type="submit" class="button">Apply</button></form></details>
<h2>Download</h2><ul class="downloads">{downloads}</ul>
<h2>Share</h2>
<label for="share-url">Link to this view</label>
<input id="share-url" class="copy-source" type="text" readonly value="{escape(url)}">
<button type="button" class="button secondary" data-copy="share-url">Copy link</button>
<h2>Embed</h2>
<label for="embed-code">Paste this into a web page</label>
<textarea id="embed-code" class="copy-source" readonly rows="4">{escape(iframe)}</textarea>
<button type="button" class="button secondary" data-copy="embed-code">Copy embed code</button>
<p class="copy-status" role="status" aria-live="polite"></p>
<p><a href="{escape(home)}#charts">All charts of this survey</a></p>
</aside>
</div>
</main>
<footer class="site-footer"><p>Every number is as its document prints it, with the sentence it came from. Bounds are drawn as ranges, never as exact values.</p></footer>"""
    return _page(f"{spec.title} · {SITE}", question_line(spec), assets, body, canonical=url)


def embed_page(store: Store, views: Views, req: Request, assets: Assets, base_url: str) -> str:
    """The chart alone, with its title, question, key, base and source line drawn in: for an iframe."""
    chart = views.chart(req.survey, req.spec, req.themes, req.intervals, "embed")
    page_url = base_url.rstrip("/") + f"/chart/{quote(req.spec.slug)}" + req.query(store)
    if chart.figure:
        body = (
            f'<main class="embed-main"><h1 class="visually-hidden">{escape(req.spec.title)}</h1>'
            f'<div class="plot" id="plot" data-figure="plot-data" style="height:{chart.height}px"></div>'
            f"{_figure_block(chart.figure, 'plot')}"
            '<details class="alt-text"><summary>The numbers as text</summary><ul>'
            + "".join(f"<li>{escape(t)}</li>" for t in describe_rows(chart.rows, views.labels))
            + "</ul></details>"
        )
    else:
        body = f'<main class="embed-main"><h1>{escape(req.spec.title)}</h1><p>No figure for the selected themes.</p>'
    body += (
        f'<p class="embed-link"><a href="{escape(page_url)}" target="_blank" rel="noopener">'
        f"Open this chart in the {SITE}</a></p></main>"
    )
    return _page(f"{req.spec.title} · {SITE}", question_line(req.spec), assets, body, canonical=page_url, embed=True)


def not_found_page(store: Store, reason: str, assets: Assets) -> str:
    """A 404 that lists the charts there are."""
    lists = []
    for s in store.surveys.values():
        q = "" if s.id == store.default_survey else f"?survey={quote(s.id)}"
        links = "".join(f'<li><a href="/chart/{quote(c.slug)}{q}">{escape(c.title)}</a></li>' for c in s.charts)
        lists.append(f"<h2>{escape(s.source[Col.SHORT_TITLE] or s.source[Col.TITLE])}</h2><ul>{links}</ul>")
    body = (
        f'<header class="site-bar"><a href="/" class="site-name">{SITE}</a></header>'
        f'<main id="chart-main" class="chart-main"><h1>No such chart</h1><p>{escape(reason)}</p>'
        f"{''.join(lists)}</main>"
    )
    return _page(f"No such chart · {SITE}", reason, assets, body)
