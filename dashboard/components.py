"""Layout pieces of the landing page: pure functions from data to Dash components. User and data text is only
ever passed as component children (React escapes it), never as HTML."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import dash_bootstrap_components as dbc
from dash import html

from dashboard import content, filtering, ids, selection, wording
from dashboard.data import ChartSpec, Rows, Store, Survey, count_label, format_published
from dashboard.figures import (
    Labels,
    extent,
    is_derived,
    question_line,
    row_label,
    value_label,
)
from dashboard.rawhtml import raw
from dashboard.textfit import text_width
from dashboard.views import ChartRows, View
from etl.schema import ChartKind, Col, Qualifier

STANCES = [("welcomes", "Welcomes"), ("concern", "Concern"), ("mixed", "Mixed")]
QUOTES_SHOWN = 6
CONTEXT_SHOWN = 6
CARD_ROWS = 4


def overview_spec(survey: Survey) -> ChartSpec:
    """The chart the landing page draws in full: the survey's first ranked chart, else its first chart."""
    return next((c for c in survey.charts if c.kind == ChartKind.RANKED), survey.charts[0])


# Header. ---------------------------------------------------------------------------------------------------


def headline(survey: Survey) -> html.Div:
    """The survey in two lines: who answered, out of how many, and the report (linked where it has an address)."""
    src = survey.source
    n, pop = src[Col.RESPONDENTS], src[Col.POPULATION]
    figure = [html.Strong(f"{n} {survey.plural}"), " responded"]
    if n and pop:
        figure += [f", out of {pop} ({round(100 * n / pop)}%)"]
    if src[Col.RESPONDENT_GROUP]:
        figure += [f": {src[Col.RESPONDENT_GROUP]}"]
    by = src[Col.PUBLISHER] or ""
    if src["commissioned_by"]:
        by += " for the " + " and the ".join(src["commissioned_by"])
    title = html.A(src[Col.TITLE], href=src[Col.URL]) if src[Col.URL] else html.Cite(src[Col.TITLE])
    return html.Div(
        className="headline",
        children=[
            html.P(survey.tagline, className="tagline"),
            html.P(className="headline-figure", children=[*figure, "."]),
            html.P(
                className="headline-source",
                children=[title, f". {by}, {format_published(src[Col.PUBLISHED])}." if by else "."],
            ),
        ],
    )


def survey_nav(store: Store, survey: Survey) -> html.Nav | None:
    """Links to every survey with charts, when there is more than one."""
    if len(store.surveys) < 2:
        return None
    items = []
    for s in store.surveys.values():
        name = s.source[Col.SHORT_TITLE] or s.source[Col.TITLE]
        href = selection.href("/", selection.Selection(s.id), store.default_survey)
        current = {"aria-current": "page"} if s.id == survey.id else {}
        items.append(html.Li(html.A(name, href=href, className="survey-link", **current)))
    return html.Nav(
        className="survey-nav", **{"aria-label": "Surveys"}, children=[html.Span("Survey: "), html.Ul(items)]
    )


SECTIONS = [
    ("overview", "Overview"),
    ("charts", "Charts"),
    ("quotations", "Quotations"),
    ("context", "Context"),
    ("about", "About the data"),
    ("data", "Data"),
]


def contents_nav(visible: dict[str, bool], marks: Mapping[str, dict] | None = None) -> html.Nav:
    """Links to every section of the page; a section the selection hides has its link hidden too, and a link
    with ``marks`` (``filtering.marks``) is shown and hidden with its section in the browser."""
    return html.Nav(
        className="contents",
        **{"aria-label": "On this page"},
        children=html.Ul(
            [
                html.Li(
                    html.A(label, href=f"#{anchor}"),
                    id=f"nav-{anchor}",
                    **(
                        (marks or {}).get(anchor) or {"style": {} if visible.get(anchor, True) else {"display": "none"}}
                    ),
                )
                for anchor, label in SECTIONS
            ]
        ),
    )


# Filters. --------------------------------------------------------------------------------------------------


def theme_filter(store: Store, survey: Survey, selected: list[str]) -> html.Fieldset:
    """Checkboxes in a fieldset named by its legend, the survey's own word for its themes (its catalogue's
    ``theme_legend``); dbc.Checklist: native inputs with their labels."""
    return html.Fieldset(
        className="filter",
        children=[
            html.Legend(survey.theme_legend),
            html.P("None ticked shows every theme.", className="hint"),
            dbc.Checklist(
                id=ids.THEMES,
                options=[{"label": store.theme_labels[t], "value": t} for t in survey.theme_ids],
                value=selected,
                className="pills",
                inputClassName="pill-input",
                labelClassName="pill-label",
            ),
        ],
    )


def filter_state(store: Store, selected: list[str] | tuple[str, ...]) -> str:
    """What the compact filter control says is chosen: "all", or the themes by name."""
    return wording.themes_named(store.theme_labels, selected).removesuffix(" themes")


def filter_panel(store: Store, survey: Survey, selected: list[str], intervals: bool) -> html.Details:
    """The filters as one compact control ("Filter by theme: all") that opens a panel. Closed on a phone, so
    the page starts with its findings; dashboard.js opens it where the filters stand beside the page."""
    return html.Details(
        id=ids.FILTER_PANEL,
        className="filter-panel",
        children=[
            html.Summary(
                className="filter-summary",
                children=["Filter by theme: ", html.Span(filter_state(store, selected), id=ids.FILTER_STATE)],
            ),
            html.Div(
                className="filter-body", children=[theme_filter(store, survey, selected), interval_toggle(intervals)]
            ),
        ],
    )


def interval_toggle(on: bool) -> html.Fieldset:
    return html.Fieldset(
        className="filter",
        children=[
            html.Legend("Uncertainty"),
            dbc.Checklist(
                id=ids.SHOW_INTERVALS,
                options=[{"label": "Show Wilson 95% intervals on exact figures", "value": "on"}],
                value=["on"] if on else [],
                className="pills single",
                inputClassName="pill-input",
                labelClassName="pill-label",
            ),
        ],
    )


# Charts. ---------------------------------------------------------------------------------------------------


def chart_key(rows: Rows, labels: Labels) -> list:
    """The colour key of a chart, as HTML: one swatch per response group, and the hatch of a bound."""
    return [
        html.Li(
            [html.Span(className="swatch" + (" hatched" if k.hatched else ""), style={"--swatch": k.colour}), k.label]
        )
        for k in content.key(rows, labels)
    ]


def chart_footer(rows: Rows, spec: ChartSpec, labels: Labels) -> list:
    """Source, base, how to read the bars, the chart's note and its flags, as paragraphs."""
    return [
        html.P(line.text, className="flag-note", role="note")
        if line.flag
        else html.P(line.text, className="chart-footnote")
        for line in content.footer(rows, spec, labels)
    ]


def _tooltip(row: dict, labels: Labels) -> str:
    """What a bar's hover says (``wording.hover``, as the figures' hover says it), as plain text."""
    return "\n".join(
        line for line in wording.hover(row, labels.plural(row[Col.SURVEY]), labels.sources).lines() if line
    )


def bar_list(chart: ChartRows, labels: Labels, intervals: bool = False, selected: Sequence[str] | None = None) -> list:
    """A chart of horizontal bars in HTML: each bar's label and figure as text above it, solid to the share the
    report gives (a bound: to the lowest share it allows, then hatched across its range), hover for the sentence.
    The landing page draws its overview so: real text, no plotting library, nothing to wait for.

    Each bar is one list item and its bold figure: the bar itself is the item's CSS background, drawn from the
    custom properties set here (--solid, --range, --swatch; --wlo and --wwidth for an interval), so a theme
    click re-renders two components a bar rather than seven.

    With ``selected`` (the landing page), each bar carries its row's themes, and those the selection leaves
    out are hidden (``filtering``): a theme click shows and hides bars in the browser."""
    items = []
    for row in chart.rows:
        style = _bar_style(row, labels)
        classes = ["bar-row"]
        if is_derived(row):
            classes.append("derived")
        if intervals and row[Col.WILSON_LOW] is not None:
            low, high = row[Col.WILSON_LOW], row[Col.WILSON_HIGH]
            style |= {"--wlo": f"{low:.2f}%", "--wwidth": f"{high - low:.2f}%"}
            classes.append("with-interval")
        marks = {"className": " ".join(classes)}
        if selected is not None:
            marks = filtering.marks(row[Col.THEMES], selected, " ".join(classes))
        items.append(
            html.Li(
                **marks,
                title=_tooltip(row, labels),
                style=style,
                children=[
                    row_label(row, chart.spec, labels, chart.multi_category) + " — ",
                    html.Strong(value_label(row)),
                ],
            )
        )
    scale = html.Div(
        className="bar-scale",
        **{"aria-hidden": "true"},
        children=[html.Span(f"{t}%", style={"left": f"{t}%"}) for t in (0, 25, 50, 75, 100)],
    )
    return [html.Ol(items, className="bar-chart"), scale, html.P(chart.spec.axis_label, className="bar-axis")]


def overview_card(
    chart: ChartRows, every: ChartRows, labels: Labels, href: str, intervals: bool, selected: Sequence[str]
) -> html.Section:
    """The survey's overview chart in HTML, with its title, question, key and sources as text: the question, key
    and footer of the rows in view (``chart``), and a bar for every row (``every``), those out of view hidden."""
    spec = chart.spec
    return html.Section(
        id=ids.OVERVIEW_CARD,
        **filtering.marks(filtering.themes_of(every.rows), selected, "card chart-card"),
        **{"aria-labelledby": "overview-title"},
        children=[
            html.H3(
                html.A(spec.title, href=href, id=ids.OVERVIEW_LINK, **{filtering.LINK_ATTRIBUTE: spec.slug}),
                id="overview-title",
                className="chart-title",
            ),
            html.P(question_line(spec, chart.filtered), id=ids.OVERVIEW_QUESTION, className="chart-question"),
            html.Ul(chart_key(chart.rows, labels), id=ids.OVERVIEW_KEY, className="chart-key"),
            html.Div(raw(bar_list(every, labels, intervals, selected)), id=ids.OVERVIEW_CHART, className="html-chart"),
            html.Div(chart_footer(chart.rows, spec, labels), id=ids.OVERVIEW_FOOTER, className="chart-footer"),
            html.P(
                html.A(
                    "Open this chart: its table, sources, downloads and a link to share",
                    href=href,
                    id=ids.OVERVIEW_MORE,
                    **{filtering.LINK_ATTRIBUTE: spec.slug},
                ),
                className="chart-more",
            ),
        ],
    )


def _bar_style(row: dict, labels: Labels) -> dict:
    """The custom properties a CSS bar is drawn from: solid to the share shown, hatched across a bound's range."""
    solid, lo, hi = extent(row)
    return {
        "--swatch": labels.colour(row[Col.GROUP]),
        "--solid": f"{solid:.1f}%",
        "--range": f"{max(0.0, hi - lo):.1f}%",
    }


def card_figure_line(store: Store, spec: ChartSpec, rows: list[dict]) -> str:
    """The line above a card's title, on every card: the report's figure number, or, for a chart this site
    compiles, that it does so and from which documents."""
    if spec.eyebrow:
        return spec.eyebrow
    surveys = list(dict.fromkeys(r[Col.SURVEY] for r in rows))
    if len(surveys) > 1:
        return f"Compiled from {len(surveys)} surveys"
    return "Compiled from the report"


VALUE_PX = 13.1  # the cards' figures: .mini-chart strong, .82rem of 16px, bold


def value_column(values: list[str]) -> str:
    """The width of a card's value column: its widest figure (textfit measures it), so every bar of the card
    starts and ends at the same x."""
    return f"{max((text_width(v, VALUE_PX, bold=True) for v in values), default=0) + 4:.0f}px"


def chart_card(store: Store, spec: ChartSpec, labels: Labels, selected: Sequence[str], href: str) -> html.Article:
    """A card linking to a chart's page: its figure line, title, question, and its first few figures, each
    label whole (wrapped), each figure as the chart pages write it (``figures.value_label``). It carries the
    themes of its chart's rows, and is hidden when the selection leaves it none (``filtering``)."""
    rows = store.chart_rows(spec)
    shown = rows[:CARD_ROWS]
    one_item = len({r[Col.ITEM] for r in rows}) == 1  # one question's answers (a stacked chart): name the answer
    several = len({r[Col.CATEGORY] for r in rows}) > 1

    def label(r: dict) -> str:
        if one_item:
            return r[Col.CATEGORY]
        if spec.kind == ChartKind.WAVES:
            return row_label(r, spec, labels, several)
        return r[Col.ITEM] + (f" — {r[Col.CATEGORY]}" if several else "")

    values = [value_label(r) for r in shown]
    items = [
        html.Li(
            [html.Span(label(r), className="mini-label"), html.Strong(v)],
            className="derived" if is_derived(r) else None,
            style=_bar_style(r, labels),
        )
        for r, v in zip(shown, values)
    ]
    more = len(rows) - len(shown)
    return html.Article(
        id=ids.card(spec.slug),
        **filtering.marks(filtering.themes_of(rows), selected, "chart-tile"),
        children=[
            html.Div(  # the figure line, and the briefing button beside it (assets/briefing.js)
                className="tile-head",
                children=[
                    html.P(card_figure_line(store, spec, rows), className="eyebrow"),
                    html.Button(
                        "Add to briefing",
                        type="button",
                        className="button secondary briefing-add",
                        **{
                            "data-briefing-add": spec.slug,
                            "data-survey": spec.survey,
                            "data-title": spec.title,
                            "aria-pressed": "false",
                        },
                    ),
                ],
            ),
            html.H3(
                html.A(
                    spec.title,
                    href=href,
                    id=ids.card_link(spec.slug),
                    className="tile-link",
                    **{filtering.LINK_ATTRIBUTE: spec.slug},
                )
            ),
            html.P(spec.subtitle, className="tile-question"),
            html.Ul(items, className="mini-chart", style={"--value-width": value_column(values)}),
            html.P(f"and {more} more" if more > 0 else "", className="tile-more"),
        ],
    )


# Contrasts, quotations, context. ------------------------------------------------------------------------------


def contrast_base(store: Store, row: dict, labels: Labels, page_survey: str) -> str:
    """Who a contrast's figure is of: the respondents it allows of its base (or that the base is not stated);
    for a figure of another survey than the page's, that survey and who its respondents were too, so two
    figures of different surveys are never read as one."""
    src = store.sources[row[Col.SURVEY]]
    plural = labels.plural(row[Col.SURVEY])
    counts = count_label(row)
    if counts:
        base = f"{counts} {plural}"
    elif row[Col.BASE] is not None:
        base = f"base {row[Col.BASE]} {plural}"
    else:
        base = f"base not stated ({plural})"
    if row[Col.SURVEY] == page_survey:
        return f"{base[0].upper()}{base[1:]}."
    who = f"; respondents: {src[Col.RESPONDENT_GROUP]}" if src[Col.RESPONDENT_GROUP] else ""
    return f"{src[Col.SHORT_TITLE] or src[Col.TITLE]}: {base}{who}."


def _side(store: Store, row: dict | None, phrase: str, labels: Labels, page_survey: str) -> html.Div:
    if row is None:
        return html.Div(className="contrast-side", children=[html.P("—", className="contrast-figure")])
    return html.Div(
        className="contrast-side",
        children=[
            html.P(row[Col.REPORTED_TEXT], className="contrast-figure"),
            html.P(phrase, className="contrast-phrase"),
            html.P(contrast_base(store, row, labels, page_survey), className="contrast-count"),
        ],
        title=row[Col.VERBATIM] or "",
    )


def contrasts_in_view(survey: Survey, in_view: set[str]) -> list[dict]:
    """The survey's key contrasts whose either side is in the current selection."""
    return [c for c in survey.contrasts if c[Col.LEFT] in in_view or c[Col.RIGHT] in in_view]


def contrasts(store: Store, shown: list[dict], labels: Labels, marks: Sequence[dict] | None = None) -> list:
    """The cards of the contrasts ``shown``; each side's result may be of any survey. ``marks``, one per
    contrast shown, gives each card's filter props (``filtering.marks``; the landing page)."""
    ids = {c[side] for c in shown for side in (Col.LEFT, Col.RIGHT)}
    by_id = {r[Col.ID]: r for r in store.results if r[Col.ID] in ids}
    cards = [
        html.Div(
            **(marks[i] if marks else {"className": "contrast"}),
            children=[
                _side(store, by_id.get(c[Col.LEFT]), c[Col.LEFT_TEXT], labels, c[Col.SURVEY]),
                html.P(c[Col.JOINER], className="contrast-but"),
                _side(store, by_id.get(c[Col.RIGHT]), c[Col.RIGHT_TEXT], labels, c[Col.SURVEY]),
            ],
        )
        for i, c in enumerate(shown)
    ]
    return cards or [html.P("None of the key contrasts falls in the selected themes.", className="empty")]


def _classed(marks: dict, class_name: str) -> dict:
    """A list item's props: its ``filtering`` marks (if any), its own classes before theirs."""
    return {**marks, "className": f"{class_name} {marks.get('className') or ''}".strip()}


def _empty_line(kind: str, marks: dict | None = None) -> html.P:
    """A list's "nothing matches" line (``wording.LIST_WORDS``); ``marks``: ``filtering.empty_marks``."""
    return html.P(wording.LIST_WORDS[kind]["empty"], **(marks or {"className": "empty"}))


def quote_list(
    quotes: Rows, theme_labels: dict[str, str], selected: Sequence[str] = (), limit: int | None = QUOTES_SHOWN
) -> list:
    """Every quotation of ``quotes``, marked with its themes (``filtering.list_marks``): those the ``selected``
    themes leave out hidden, and those in view past the first ``limit`` too, so the browser filters the list by
    theme and shows all of it without asking the server (assets/filter.js). Then the "nothing matches" line,
    hidden while a quotation is in view."""
    themes = [q[Col.THEMES] for q in quotes]
    marks = filtering.list_marks(themes, selected, limit)
    return [
        html.Figure(
            **_classed(mark, f"quote stance-{q[Col.STANCE]}"),
            children=[
                html.Blockquote(q[Col.TEXT]),
                html.Figcaption(
                    [
                        html.Span(q[Col.STANCE].capitalize(), className="badge"),
                        f" {q[Col.SECTION]} · " + ", ".join(theme_labels.get(t, t) for t in q[Col.THEMES]),
                    ]
                ),
            ],
        )
        for q, mark in zip(quotes, marks)
    ] + [_empty_line("quotes", filtering.empty_marks(themes, selected))]


SERIES_MIN = 3  # points a series needs to be drawn as a chart


def _source_line(store: Store, source: str) -> html.P:
    """The document a figure is from, by its own title, publisher and date (not the name of a survey: the
    report's context figures are its text, not survey results), linked where it has an address."""
    src = store.sources[source]
    by = ", ".join(p for p in (src[Col.PUBLISHER], format_published(src[Col.PUBLISHED])) if p)
    title = html.A(src[Col.TITLE], href=src[Col.URL]) if src[Col.URL] else html.Cite(src[Col.TITLE])
    return html.P(["From ", title, f" ({by})" if by else ""], className="context-source")


def series_chart(points: list[dict], store: Store, marks: dict | None = None) -> html.Figure:
    """A series of one measure over time as columns in HTML, each labelled as printed, with its sources.
    An exact figure is a solid column; a bound or an approximate figure is hatched (to a range's high end)."""
    tops = [p[Col.VALUE_HIGH] if p[Col.VALUE] is None else p[Col.VALUE] for p in points]
    top = max(tops) or 1
    columns = [
        html.Li(
            className="series-point",
            title=p[Col.VERBATIM],
            children=[
                html.Span(p[Col.REPORTED_TEXT], className="series-value"),
                html.Span(
                    className="series-bar" + ("" if p[Col.QUALIFIER] == Qualifier.EXACT.value else " hatched"),
                    style={"height": f"{100 * t / top:.1f}%", "--swatch": "#4a4a4a"},
                ),
                html.Span(p[Col.PERIOD] or "", className="series-period"),
            ],
        )
        for p, t in zip(points, tops)
    ]
    sources = list(dict.fromkeys(p[Col.SOURCE] for p in points))
    return html.Figure(
        **_classed(marks or {}, "context-card series-card"),
        children=[
            html.Figcaption([html.Strong(points[0][Col.LABEL]), f" ({points[0][Col.UNIT]})"]),
            html.Ol(columns, className="series-columns", **{"aria-label": f"{points[0][Col.LABEL]}, by period"}),
            *[_source_line(store, s) for s in sources],
        ],
    )


def _context_groups(context: Rows) -> list[list[dict]]:
    """The items the context section lists, in order, each as its rows: each series of SERIES_MIN or more
    points (one small chart, its points by period), then every other figure on its own."""
    series: dict[str, list[dict]] = {}
    for r in context:
        if r[Col.SERIES]:
            series.setdefault(r[Col.SERIES], []).append(r)
    charted = {k: v for k, v in series.items() if len(v) >= SERIES_MIN}
    return [sorted(v, key=lambda p: p[Col.PERIOD] or "") for v in charted.values()] + [
        [r] for r in context if r[Col.SERIES] not in charted
    ]


def context_in_browser(context: Rows) -> bool:
    """Whether the browser can filter a survey's context cards by theme: whether each charted series is wholly
    in view or wholly out for any selection (its points share their themes). Else a selection could leave
    part of a series, drawn differently, and the server draws the cards of each selection."""
    return all(len({frozenset(p[Col.THEMES]) for p in g}) == 1 for g in _context_groups(context) if len(g) > 1)


def _context_card(c: dict, store: Store, marks: dict) -> html.Div:
    label = c[Col.LABEL]
    if c[Col.PERIOD] and f"({c[Col.PERIOD]})" not in label:
        label += f" ({c[Col.PERIOD]})"
    return html.Div(
        **_classed(marks, "context-card"),
        children=[
            html.P(c[Col.REPORTED_TEXT], className="context-figure"),
            html.P(label, className="context-label"),
            _source_line(store, c[Col.SOURCE]),
            html.Details([html.Summary("The sentence"), html.P(c[Col.VERBATIM])]),
        ],
    )


def context_cards(
    context: Rows, store: Store, limit: int | None = CONTEXT_SHOWN, selected: Sequence[str] | None = None
) -> list:
    """The context figures: each series of three or more points as one small chart, then one card per figure
    (headline figures first), and the "nothing matches" line.

    With ``selected`` (the landing page, where ``context_in_browser``), ``context`` is every figure of the
    survey and each card is marked as ``quote_list``'s quotations are, for the browser to filter. Without
    (``context`` the figures in view), only the first ``limit`` cards are written."""
    groups = _context_groups(context)
    if selected is None:
        cards = [_card_of(g, store, {}) for g in groups]
        return (cards[:limit] if limit else cards) or [_empty_line("context")]
    themes = [filtering.themes_of(g) for g in groups]
    marks = filtering.list_marks(themes, selected, limit)
    cards = [_card_of(g, store, mark) for g, mark in zip(groups, marks)]
    return cards + [_empty_line("context", filtering.empty_marks(themes, selected))]


def _card_of(group: list[dict], store: Store, marks: dict) -> html.Figure | html.Div:
    return series_chart(group, store, marks) if len(group) > 1 else _context_card(group[0], store, marks)


def context_count(context: Rows) -> int:
    """How many items the context section lists: a charted series counts once."""
    return len(_context_groups(context))


# The table of results in view, and the about panel. ---------------------------------------------------------


def results_table(rows: Rows, caption: str, sources: Mapping[str, Mapping]) -> html.Table:
    """The results as an HTML table (headers scoped, a caption), one row per reported figure."""
    return html.Table(
        className="results-table",
        children=[
            html.Caption(caption),
            html.Thead(html.Tr([html.Th(h, scope="col") for h in content.TABLE_HEAD])),
            html.Tbody(
                [
                    html.Tr([html.Th(c.text, scope="row") if c.header else html.Td(c.text) for c in cells])
                    for cells in content.table_rows(rows, sources)
                ]
            ),
        ],
    )


def _examples(store: Store, survey: Survey) -> list:
    """The derivation rules, each with an example from this survey's own results where it has one."""
    rows = [r for r in store.results if r[Col.SURVEY] == survey.id]
    plural = survey.plural

    def first(test):
        return next((r for r in rows if test(r)), None)

    items = [
        "A percentage p of base n is consistent with the whole counts k where 100k/n rounds to p (within half a point)."
    ]
    exact = first(lambda r: r[Col.QUALIFIER] == Qualifier.EXACT.value and r[Col.BASE] and r[Col.COUNT_MIN] is not None)
    if exact:  # the report's words quoted as printed ("Some 7 per cent"), never run into the sentence
        share = f"{exact[Col.VALUE]:g}% of {exact[Col.BASE]}"
        printed = exact[Col.REPORTED_TEXT]
        said = share if printed == f"{exact[Col.VALUE]:g}%" else f"“{printed}” ({share})"
        items[0] += f" Here, {said} is {count_label(exact)} {plural}."
    bound = first(lambda r: r[Col.QUALIFIER] in ("over", "less_than", "nearly") and r[Col.COUNT_MIN] is not None)
    rule = (
        "A bound allows every count it describes: “over p%” every k with 100k/n above p, “less than p%” every k "
        "below it, “nearly p%” every k from p − 5 up to but not including p."
    )
    if bound:
        rule += f" Here, “{bound[Col.REPORTED_TEXT]}” of {bound[Col.BASE]} allows {count_label(bound)}."
    items += [
        rule,
        "A bound is drawn as a solid bar to the lowest share it allows and a hatched bar across the rest of its range, "
        "labelled with the report's own words.",
        "Wilson score intervals (z = 1.96) are given for exact figures, on the count they imply; never for bounds, "
        "derived shares or figures no count of their base can produce.",
    ]
    flagged = first(lambda r: r[Col.FLAG])
    if flagged:
        items.append(f"A figure that no whole count of its base can produce is flagged: {flagged[Col.FLAG]}")
    derived = first(is_derived)
    if derived:
        items.append(f"A share the report does not give is derived and drawn hatched grey: {derived[Col.NOTE]}")
    return [html.Li(t) for t in items]


def about_panel(store: Store, survey: Survey) -> html.Div:
    src = survey.source
    n, pop = src[Col.RESPONDENTS], src[Col.POPULATION]
    base = [f"{n} {survey.plural} answered"]
    if pop:
        base.append(
            f", out of {pop}: a response rate of {100 * n / pop:.0f}%. Population: "
            + src[Col.POPULATION_SOURCE].rstrip(".")
        )
    base.append(
        f". Each {survey.singular} is worth {100 / n:.2f} percentage points, so the dashboard shows counts beside "
        "percentages wherever the base allows."
    )
    return html.Div(
        className="about",
        children=[
            html.H3("How the survey was done"),
            html.P(src[Col.METHOD] or "The report does not describe its method."),
            html.P(src[Col.RESPONDENTS_NOTE]) if src[Col.RESPONDENTS_NOTE] else None,
            html.H3("The base and the response rate"),
            html.P("".join(base)),
            html.H3("What the numbers can carry"),
            html.P(
                f"{survey.plural.capitalize()} chose whether to respond, so those who did are not a random sample. "
                "The Wilson 95% intervals show sampling uncertainty only: they say nothing about how those who did "
                "not respond would have answered."
            ),
            html.H3("How counts, bounds, intervals and flags are derived"),
            html.Ul(_examples(store, survey)),
        ],
    )


def summary_text(store: Store, view: View) -> str:
    names = wording.themes_named(store.theme_labels, view.themes)
    n = len(view.results)
    return f"Showing {names}: {n} survey result{'s' if n != 1 else ''}."
