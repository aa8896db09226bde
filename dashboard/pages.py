"""A page per chart (``/chart/<slug>``) and its embeddable frame (``/embed/<slug>``), rendered on the server.

These pages are plain HTML with the figure's JSON in a data block, drawn by plotly.js "basic" and a small
script (``assets/chart-page.js``): no Dash renderer, so a shared chart opens fast and in any browser.
Everything works without JavaScript: the Chart, Table and Sources tabs are links (``?tab=``) the script
turns into ARIA tabs; the theme filter is a form; downloads are links.

The HTML is in Jinja templates (``templates/``: ``chart.html``, ``embed.html``, ``not_found.html`` on
``_page.html``, with the partials ``_key.html``, ``_footer.html``, ``_table.html``, ``_sources.html``, ``_cite.html``
and ``_cite_terms.html``), autoescaped,
so every piece of data text is escaped; what the partials say comes from ``dashboard.content``, as the landing
page's components do. Addresses are read and written by ``dashboard.selection``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from flask import current_app, has_app_context
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from dashboard import content, selection
from dashboard.data import ChartSpec, Store, Survey
from dashboard.downloads import CHART_FORMATS, RESULTS_CODEBOOK, TABLES_ZIP
from dashboard.figures import DEFAULT_SIZE, SIZES, describe_rows, question_line
from dashboard.selection import DEFAULT_TAB, Selection
from dashboard.textfit import wrap
from dashboard.views import Views
from dashboard.wording import (
    NO_FIGURE_FOR_THEMES,
    SITE_FOOTNOTE,
    page_title,
    themes_named,
    unknown_survey_notice,
    unknown_themes_notice,
)
from etl.schema import Col

# The embed code's iframe height, for a page whose scripts are off (with them, assets/embed-resize.js sizes the
# iframe to the embed page's own height): the embed page's height in a frame EMBED_MIN_WIDTH px wide, its text
# measured (dashboard.textfit) as wrapped to that width, so every wider frame shows everything too.
EMBED_MIN_WIDTH = 320
EMBED_RESIZE_SCRIPT = "/assets/embed-resize.js"
TABS = [("chart", "Chart"), ("table", "Table"), ("sources", "Sources")]
FORMATS = tuple((fmt, f.label) for fmt, f in CHART_FORMATS.items())  # the download menu
TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=True,
    trim_blocks=True,
    lstrip_blocks=True,
    undefined=StrictUndefined,
    auto_reload=False,  # the templates change only with a deploy: no stat() per page
)


@dataclass(frozen=True)
class Request:
    """What a chart page was asked for, parsed and cleaned (unknown themes kept to name them)."""

    survey: Survey
    spec: ChartSpec
    themes: tuple[str, ...]
    unknown: tuple[str, ...]
    intervals: bool
    tab: str
    unknown_survey: str | None = None  # a ``?survey=`` that names no survey (shortened), shown in a notice

    def query(self, store: Store, **changes) -> str:
        """The query string of this view, its tab included (or of it with ``themes``/``intervals``/``tab``
        changed)."""
        state = Selection(
            survey=self.survey.id,
            themes=tuple(changes.get("themes", self.themes)),
            intervals=changes.get("intervals", self.intervals),
            tab=changes.get("tab", self.tab),
        )
        return selection.query(state, store.default_survey)


@dataclass(frozen=True)
class Choices:
    """A slug that several surveys have, asked for without ``?survey=``: the surveys to choose from."""

    slug: str
    surveys: tuple[Survey, ...]


def surveys_with(store: Store, slug: str) -> list[Survey]:
    """The surveys that have a chart ``slug``, the default survey first."""
    found = [s for s in store.surveys.values() if s.chart(slug) is not None]
    return sorted(found, key=lambda s: s.id != store.default_survey)


def parse_request(store: Store, slug: str, args) -> Request | Choices | str:
    """The cleaned request for chart ``slug``; the surveys to choose from; or the reason it names nothing.

    The survey is the one ``?survey=`` names. Without it (or when it names no survey: the page then says so), it
    is found from the slug: the default survey's chart if it has one (so its links keep their meaning when
    another survey adds the same slug), else the one survey that has it; several: ``Choices``."""
    asked = selection.parse(args)
    survey_id, unknown_survey = asked.survey_in(store.surveys, "")
    if survey_id:
        survey = store.surveys[survey_id]
        if survey.chart(slug) is None:
            return "That chart is not in this survey."
    else:
        found = surveys_with(store, slug)
        if not found:
            if unknown_survey:
                return f"Unknown survey: {unknown_survey}. No survey here has a chart of that name."
            return "That chart is not in this dashboard."
        if len(found) > 1 and found[0].id != store.default_survey:
            return Choices(slug, tuple(found))
        survey = found[0]
    spec = survey.chart(slug)
    themes, unknown = asked.themes_in(survey.theme_ids)
    return Request(survey, spec, tuple(themes), tuple(unknown), asked.intervals, asked.tab, unknown_survey)


def notices(store: Store, req: Request) -> list[str]:
    """What a chart page or embed says about what its address asked for and it could not show."""
    out = []
    if req.unknown_survey:
        out.append(unknown_survey_notice(req.unknown_survey, survey_name(req.survey)))
    if req.unknown:
        out.append(unknown_themes_notice(req.unknown))
    return out


def survey_name(survey: Survey) -> str:
    return survey.source[Col.SHORT_TITLE] or survey.source[Col.TITLE]


def public_url(base_url: str, path: str) -> str:
    """The absolute address of ``path`` (a path of this site, with its query) on ``base_url``; or, where the app's
    config has a ``PUBLIC_URL`` function, what it writes for ``path`` (the static bake, ``dashboard.site``: the
    address of the file it bakes the page to)."""
    write = current_app.config.get("PUBLIC_URL") if has_app_context() else None
    return write(path) if write else base_url.rstrip("/") + path


Assets = Callable[[str], str]  # an asset's name -> its URL (with a version, so a new file is fetched)


def _figure_json(figure: dict) -> Markup:
    """The figure's JSON for a data block (not a script: the CSP allows no inline script), safe to embed."""
    return Markup(json.dumps(figure, separators=(",", ":")).replace("<", "\\u003c").replace(">", "\\u003e"))


def _render(template: str, assets: Assets, site: str, **context) -> str:
    """``site``: the site's name as the survey shown says it (``Survey.site_title``)."""
    return TEMPLATES.get_template(template).render(asset=assets, site=site, **context) + "\n"


def _cite(store: Store, req: Request, rows: list[dict], url: str) -> dict:
    """The Cite block's context: what it says (content.cite) and where all the data is."""
    today = datetime.now(UTC).date()
    return dict(
        cite=content.cite(store, req.survey.site_title, req.spec.title, url, req.survey.source, rows, today),
        tables_zip=TABLES_ZIP,
    )


def _chart_content(store: Store, views: Views, req: Request, chart) -> dict:
    """What the Chart, Table and Sources tabs show (the partials' context)."""
    rows = chart.rows
    return dict(
        figure_json=_figure_json(chart.figure) if chart.figure else "",
        height=chart.height,
        key=content.key(chart.rows, views.labels),
        footer=content.footer(chart.rows, req.spec, views.labels),
        described=describe_rows(chart.rows, views.labels),
        empty=Markup(NO_FIGURE_FOR_THEMES),  # our own sentence, no markup: its apostrophe printed as is
        table=content.table_rows(rows, store.sources),
        head=content.TABLE_HEAD,
        caption=content.table_caption(req.survey.plural),
        sentences=content.sentences(store, rows),
        origins=content.origins(store, rows),
        documents=content.documents(store, rows),
    )


def image_sizes(views: Views, req: Request, address: str) -> list[tuple[str, int, int, str]]:
    """(size, part, parts, words) of every PNG size besides the default one (``figures.SIZES``), a part each
    where the size splits the chart."""
    out = []
    for name, size in SIZES.items():
        if name == DEFAULT_SIZE:
            continue
        chart = views.chart(req.survey, req.spec, req.themes, req.intervals, "export", name, 1, address)
        parts = chart.figure["layout"]["meta"]["parts"] if chart.figure else 0
        for part in range(1, parts + 1):
            out.append((name, part, parts, size.label + (f", part {part} of {parts}" if parts > 1 else "")))
    return out


def _menu(store: Store, req: Request, path: str, sized: list[tuple[str, int, int, str]] = ()) -> dict:
    """The filter form and the download links (the chart page's side menu): each format, and the PNG in each
    size (``sized``: ``image_sizes``)."""
    spec, q = req.spec, req.query(store, tab=DEFAULT_TAB)
    downloads = [
        dict(
            href=f"{path}.{fmt}{q}", file=f"{spec.filename}.{fmt}", label=f"Download {text} of {spec.title}", text=text
        )
        for fmt, text in FORMATS
    ]
    for name, part, _, text in sized:
        file = f"{spec.filename}-{name}" + (f"-part{part}" if part > 1 else "")
        extra = f"size={name}" + (f"&part={part}" if part > 1 else "")
        downloads.append(
            dict(
                href=f"{path}.png{q}{'&' if q else '?'}{extra}",
                file=f"{file}.png",
                label=f"Download the {text} of {spec.title}",
                text=text,
            )
        )
    downloads += [
        dict(
            href=f"/download/{RESULTS_CODEBOOK}",
            file=RESULTS_CODEBOOK,
            label="Download the codebook of the CSV: what each column means",
            text="CSV codebook",
        )
    ]
    return dict(
        downloads=downloads,
        hidden=selection.fields(Selection(req.survey.id), store.default_survey),
        hidden_tab=req.tab if req.tab != DEFAULT_TAB else "",  # after the themes, in the address grammar's order
        theme_legend=req.survey.theme_legend,  # the survey's own name for its themes
        themes=[(t, store.theme_labels[t]) for t in req.survey.theme_ids],
        chosen_ids=req.themes,
        chosen=themes_named(store.theme_labels, req.themes),
        intervals=req.intervals,
    )


def chart_page(store: Store, views: Views, req: Request, assets: Assets, base_url: str) -> str:
    """The chart's own page: tabs Chart | Table | Sources, downloads, copy link, embed code, theme filter."""
    survey, spec = req.survey, req.spec
    chart = views.chart(survey, spec, req.themes, req.intervals, "page")
    path = f"/chart/{quote(spec.slug)}"
    url = public_url(base_url, path + req.query(store))  # the view as it is, its tab included
    address = public_url(base_url, path + req.query(store, tab=DEFAULT_TAB))
    embed = views.chart(survey, spec, req.themes, req.intervals, "embed")
    iframe = TEMPLATES.get_template("_iframe.html").render(
        src=public_url(base_url, f"/embed/{quote(spec.slug)}" + req.query(store, tab=DEFAULT_TAB)),
        title=spec.title,
        height=embed_height(views, req, embed),
        script=public_url(base_url, EMBED_RESIZE_SCRIPT),
    )
    return _render(
        "chart.html",
        assets,
        survey.site_title,
        title=page_title(spec.title, survey.site_title),
        description=question_line(spec),
        canonical=address,
        embed=False,
        spec=spec,
        url=url,
        path=path,
        home="/" + req.query(store, tab=DEFAULT_TAB),
        crumb=survey.source[Col.SHORT_TITLE] or survey.source[Col.TITLE],
        question=question_line(spec, chart.filtered, numbered=False),
        notices=notices(store, req),
        tabs=[dict(id=t, name=name, href=path + req.query(store, tab=t), chosen=t == req.tab) for t, name in TABS],
        iframe=iframe,
        footnote=SITE_FOOTNOTE,
        **_cite(store, req, chart.rows, address),
        **_chart_content(store, views, req, chart),
        **_menu(store, req, path, image_sizes(views, req, url)),
    )


def _text_height(text: str, px: float, size: float, line: float, bold: bool = False) -> float:
    return len(wrap(text, px, size, bold)) * line


def embed_height(views: Views, req: Request, chart) -> int:
    """The embed page's height (px) in a frame ``EMBED_MIN_WIDTH`` wide, from its text wrapped to that width
    (in the stylesheet's sizes: a 16 px body at 1.45 line height) and its chart's height, with room to spare:
    the iframe's fixed height, which shows everything when the framing page runs no script."""
    px = EMBED_MIN_WIDTH - 16  # the embed's padding
    spec = req.spec
    height = 8 + _text_height(spec.title, px, 19.2, 25, bold=True) + 4
    height += _text_height(question_line(spec, chart.filtered, numbered=True), px, 16, 23.2) + 6
    if chart.figure is None:
        return round(height + 80)
    key = " ".join(f"__ {k.label}" for k in content.key(chart.rows, views.labels))
    height += _text_height(key, px, 14.4, 21) + 4 + chart.height + 4
    for line in content.footer(chart.rows, spec, views.labels):
        height += _text_height(line.text, px - (28 if line.flag else 0), 13.6 if not line.flag else 14.7, 21.3)
        height += 2.4 + (22 if line.flag else 0)
    height += 6 + 21 + 4 + 20 + 12  # the numbers as text (closed), the link back, the padding
    return round(height * 1.05 + 16)


def embed_page(store: Store, views: Views, req: Request, assets: Assets, base_url: str) -> str:
    """The chart alone, with its title, question, key, base and source line as text (which reflows to the
    frame's width): for an iframe."""
    chart = views.chart(req.survey, req.spec, req.themes, req.intervals, "embed")
    page_url = public_url(base_url, f"/chart/{quote(req.spec.slug)}" + req.query(store, tab=DEFAULT_TAB))
    return _render(
        "embed.html",
        assets,
        req.survey.site_title,
        title=page_title(req.spec.title, req.survey.site_title),
        description=question_line(req.spec),
        canonical=page_url,
        embed=True,
        spec=req.spec,
        page_url=page_url,
        question=question_line(req.spec, chart.filtered),
        figure_json=_figure_json(chart.figure) if chart.figure else "",
        height=chart.height,
        key=content.key(chart.rows, views.labels),
        footer=content.footer(chart.rows, req.spec, views.labels),
        described=describe_rows(chart.rows, views.labels),
        empty=Markup(NO_FIGURE_FOR_THEMES),
        notices=notices(store, req),
        **_cite(store, req, chart.rows, page_url),
    )


def choices_page(store: Store, choices: Choices, suffix: str, assets: Assets) -> str:
    """The page an ambiguous slug answers: the surveys that have a chart of that name, each linked (``suffix``:
    what follows the slug in the address asked for, "" for a chart page, ".png" for its image)."""
    prefix = "/embed/" if suffix == "embed" else "/chart/"
    ext = "" if suffix == "embed" else suffix
    surveys = [
        dict(
            name=survey_name(s),
            links=[
                dict(
                    href=selection.href(f"{prefix}{quote(choices.slug)}{ext}", Selection(s.id), store.default_survey),
                    title=s.chart(choices.slug).title,
                )
            ],
        )
        for s in choices.surveys
    ]
    return _render(
        "not_found.html",
        assets,
        store.site_title,
        title=page_title("Which survey?", store.site_title),
        description="Several surveys have a chart of that name.",
        canonical="",
        embed=False,
        heading="Which survey?",
        reason="Several surveys have a chart of that name. Choose one:",
        surveys=surveys,
    )


def not_found_page(store: Store, reason: str, assets: Assets) -> str:
    """A 404 that lists the charts there are."""
    surveys = [
        dict(
            name=s.source[Col.SHORT_TITLE] or s.source[Col.TITLE],
            links=[
                dict(
                    href=selection.href(f"/chart/{quote(c.slug)}", Selection(s.id), store.default_survey),
                    title=c.title,
                )
                for c in s.charts
            ],
        )
        for s in store.surveys.values()
    ]
    return _render(
        "not_found.html",
        assets,
        store.site_title,
        title=page_title("No such chart", store.site_title),
        description=reason,
        canonical="",
        embed=False,
        heading="No such chart",
        reason=reason,
        surveys=surveys,
    )
