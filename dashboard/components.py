"""Layout pieces: pure functions from data to Dash components. User text is only ever passed as
component children (React escapes it), never as HTML."""

from __future__ import annotations

import dash_ag_grid as dag
import pandas as pd
from dash import dcc, html

from dashboard import ids
from dashboard.data import Store, count_label
from dashboard.figures import ChartSpec, describe_rows, graph_config
from etl.schema import Col

# Editorial pairings of the report's own contrasts; the numbers always come from the results table.
CONTRASTS = [
    (
        "fig3-individual-support-plans",
        "welcome Individual Support Plans",
        "fig1-local-government-role",
        "expect a clear, achievable role for local government",
    ),
    (
        "fig6-own-capacity",
        "are confident in their own capacity to deliver",
        "fig6-partner-capacity",
        "are confident in their local partners' capacity",
    ),
    (
        "fig1-early-intervention",
        "expect a stronger focus on early intervention",
        "fig1-partnership-working",
        "expect more effective partnership working",
    ),
    (
        "fig8-funding-post-legislation",
        "are confident of funding after legislation",
        "fig8-funding-next-three-years",
        "are confident of funding over the next three years",
    ),
    (
        "fig1-better-outcomes",
        "in 2026 expect better outcomes for children with SEND",
        "baseline-system-working-well",
        "in 2023/24 disagreed that the system was working well",
    ),
]
STANCES = [("welcomes", "Welcomes"), ("concern", "Concern"), ("mixed", "Mixed")]
GRID_COLUMNS = [
    (Col.FIGURE, "Figure", 90),
    (Col.ITEM, "Item", 240),
    (Col.CATEGORY, "Response", 170),
    (Col.REPORTED_TEXT, "Reported", 150),
    (Col.QUALIFIER, "Qualifier", 110),
    ("counts", "Councils", 120),
    (Col.BASE, "Base", 80),
    ("wilson", "Wilson 95% (sampling only)", 190),
    (Col.SECTION, "Report section", 260),
    (Col.VERBATIM, "Sentence in the report", 480),
    (Col.FLAG, "Flag", 300),
    (Col.ID, "Record id", 220),
]


def headline(store: Store) -> html.Div:
    """The survey in one line: who answered, out of how many, in which report."""
    src = store.source("isos-2026")
    n, pop = int(src[Col.RESPONDENTS]), int(src[Col.POPULATION])
    return html.Div(
        className="headline",
        children=[
            html.P(
                className="headline-figure",
                children=[
                    html.Strong(f"{n} of England's {pop} local authorities"),
                    f" responded ({round(100 * n / pop)}%).",
                ],
            ),
            html.P(
                className="headline-source",
                children=[
                    html.Cite(src[Col.TITLE]),
                    f". {src[Col.PUBLISHER]} for the {' and the '.join(src['commissioned_by'])}, June 2026.",
                ],
            ),
        ],
    )


def theme_filter(store: Store) -> html.Fieldset:
    """Native checkboxes: keyboard-usable, and no aria-hidden focusable input as in dcc.Dropdown."""
    return html.Fieldset(
        className="filter",
        children=[
            html.Legend("Reform themes"),
            html.P("None ticked shows every theme.", className="hint", id="theme-hint"),
            dcc.Checklist(
                id=ids.THEMES,
                options=[{"label": store.theme_labels[t], "value": t} for t in store.theme_ids],
                value=[],
                className="checklist",
                inputClassName="check-input",
                labelClassName="check-label",
            ),
        ],
    )


def interval_toggle() -> html.Fieldset:
    return html.Fieldset(
        className="filter",
        children=[
            html.Legend("Uncertainty"),
            dcc.Checklist(
                id=ids.SHOW_INTERVALS,
                options=[{"label": "Show Wilson 95% intervals on exact figures", "value": "on"}],
                value=[],
                className="checklist single",
                inputClassName="check-input",
                labelClassName="check-label",
            ),
        ],
    )


def chart_card(spec: ChartSpec) -> html.Section:
    """A chart with its text alternative and notes; hidden when the selection leaves it empty."""
    return html.Section(
        id=ids.card(spec.key),
        className=f"card chart-card chart-{spec.key}",
        **{"aria-label": spec.title},
        children=[
            dcc.Graph(
                id=ids.graph(spec.key),
                config=graph_config(spec),
                responsive=True,
                className="graph",
                style={"height": "420px"},
            ),
            html.Div(id=ids.chart_note(spec.key), className="chart-note"),
            html.Details(
                className="alt-text",
                children=[html.Summary("The numbers in this chart, as text"), html.Ul(id=ids.alt_text(spec.key))],
            ),
        ],
    )


def alt_items(rows: pd.DataFrame) -> list[html.Li]:
    return [html.Li(t) for t in describe_rows(rows)]


def flag_notes(rows: pd.DataFrame) -> list:
    """Visible explanation of every consistency flag among the rows."""
    return [
        html.P([html.Strong("⚠ Consistency flag: "), flag], className="flag-note", role="note")
        for flag in rows[Col.FLAG].dropna()
    ]


def _side(row: pd.Series | None, phrase: str) -> html.Div:
    if row is None:
        return html.Div(className="contrast-side", children=[html.P("—", className="contrast-figure")])
    counts = count_label(row)
    return html.Div(
        className="contrast-side",
        children=[
            html.P(row[Col.REPORTED_TEXT], className="contrast-figure"),
            html.P(phrase, className="contrast-phrase"),
            html.P(f"{counts} councils" if counts and pd.isna(row[Col.COUNT]) else "", className="contrast-count"),
        ],
        title=row[Col.VERBATIM] or "",
    )


def contrasts_in_view(in_view: set[str]) -> list[tuple[str, str]]:
    """The (left, right) result ids of the contrasts that touch the results in view."""
    return [(left, right) for left, _, right, _ in CONTRASTS if left in in_view or right in in_view]


def contrasts(results: pd.DataFrame, in_view: set[str]) -> list[html.Div]:
    """The report's key contrasts whose either side is in the current selection."""
    by_id = results.set_index(Col.ID)
    shown = set(contrasts_in_view(in_view))
    cards = []
    for left, left_phrase, right, right_phrase in CONTRASTS:
        if (left, right) not in shown:
            continue
        lrow = by_id.loc[left] if left in by_id.index else None
        rrow = by_id.loc[right] if right in by_id.index else None
        cards.append(
            html.Div(
                className="contrast",
                children=[_side(lrow, left_phrase), html.P("but", className="contrast-but"), _side(rrow, right_phrase)],
            )
        )
    return cards or [html.P("None of the report's key contrasts falls in the selected themes.", className="empty")]


def quote_list(quotes: pd.DataFrame, theme_labels: dict[str, str]) -> list:
    if quotes.empty:
        return [html.P("No quotation matches these filters.", className="empty")]
    return [
        html.Figure(
            className=f"quote stance-{q[Col.STANCE]}",
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
        for _, q in quotes.iterrows()
    ]


def context_cards(context: pd.DataFrame, store: Store) -> list:
    if context.empty:
        return [html.P("No context figure is tagged with these themes.", className="empty")]
    titles = dict(zip(store.sources[Col.ID], store.sources[Col.TITLE]))
    published = dict(zip(store.sources[Col.ID], store.sources[Col.PUBLISHED]))
    return [
        html.Div(
            className="context-card",
            children=[
                html.P(c[Col.REPORTED_TEXT], className="context-figure"),
                html.P(
                    c[Col.LABEL] + (f" ({c[Col.PERIOD]})" if isinstance(c[Col.PERIOD], str) else ""),
                    className="context-label",
                ),
                html.P(
                    [
                        html.Cite(titles.get(c[Col.SOURCE], c[Col.SOURCE])),
                        f", {published.get(c[Col.SOURCE]) or 'undated'}",
                    ],
                    className="context-source",
                ),
                html.Details([html.Summary("Sentence"), html.P(c[Col.VERBATIM])]),
            ],
        )
        for _, c in context.iterrows()
    ]


def results_grid(results: pd.DataFrame) -> dag.AgGrid:
    """The data table (AG Grid) of the results in view, with provenance columns."""
    return dag.AgGrid(
        id=ids.GRID,
        columnDefs=[{"field": f, "headerName": h, "width": w, "tooltipField": f} for f, h, w in GRID_COLUMNS],
        rowData=grid_rows(results),
        defaultColDef={"sortable": True, "resizable": True, "filter": True},
        dashGridOptions={"domLayout": "normal", "ensureDomOrder": True},
        style={"height": "480px", "width": "100%"},
        className="ag-theme-alpine",
    )


def grid_rows(results: pd.DataFrame) -> list[dict]:
    """The results in view as the data table shows them (and as the CSV download exports them)."""
    return grid_frame(results).to_dict("records")


def grid_frame(results: pd.DataFrame) -> pd.DataFrame:
    df = results.copy()
    df["counts"] = [count_label(r) for _, r in df.iterrows()]
    df["wilson"] = [
        f"{r[Col.WILSON_LOW]:.1f}–{r[Col.WILSON_HIGH]:.1f}%" if pd.notna(r[Col.WILSON_LOW]) else ""
        for _, r in df.iterrows()
    ]
    df["themes"] = [", ".join(t) for t in df[Col.THEMES]]
    cols = [c for c, _, _ in GRID_COLUMNS] + ["themes", Col.SURVEY]
    out = df[cols].astype(object).where(df[cols].notna(), None)
    return out


def about_panel(store: Store) -> html.Div:
    src = store.source("isos-2026")
    n, pop = int(src[Col.RESPONDENTS]), int(src[Col.POPULATION])
    return html.Div(
        className="about",
        children=[
            html.H3("How the survey was done"),
            html.P(src[Col.METHOD]),
            html.H3("The base and the response rate"),
            html.P(
                f"{n} local authorities answered, out of the {pop} in England with SEND duties: a response rate of "
                f"{100 * n / pop:.0f}%. Each council is worth {100 / n:.2f} percentage points, so the dashboard shows counts "
                f"beside percentages wherever the base allows. Population: {src[Col.POPULATION_SOURCE]}"
            ),
            html.H3("What the numbers can carry"),
            html.P(
                "Councils chose whether to respond, so the 54 are not a random sample of the 153. The Wilson 95% intervals "
                "show sampling uncertainty only: they say nothing about how councils that did not respond would have answered."
            ),
            html.H3("How bounds, counts, intervals and flags are derived"),
            html.Ul(
                [
                    html.Li(
                        "A percentage p of base n is consistent with the whole counts k where 100k/n rounds to p "
                        "(within half a point): 96% of 54 is 52 councils."
                    ),
                    html.Li(
                        "'Over 90%' allows every k with 100k/n above 90 (49–54 of 54); 'less than half' every k below 50% "
                        "(0–26); 'nearly 90%' every k from 85% up to but not including 90% (46–48)."
                    ),
                    html.Li(
                        "A bound is drawn as a solid bar to the lowest share it allows and a hatched bar across the rest of "
                        "its range, labelled with the report's own words."
                    ),
                    html.Li("Wilson score intervals (z = 1.96) are given for exact figures, on the count they imply."),
                    html.Li(
                        "A figure no whole count of the base can produce is flagged, with the bases that could produce it: "
                        "29% of 54 is impossible (15 is 27.8%, 16 is 29.6%); 52 answering would give 15 of 52 = 28.8%."
                    ),
                    html.Li(
                        "Figure 7's 20 answers that were neither 'too ambitious' nor 'too slow' are derived (54 − 23 − 11), "
                        "not reported, and drawn hatched grey."
                    ),
                ]
            ),
            html.H3("What was lost with the report's images"),
            html.P(
                "Figures 1–8 of the report were images and did not survive. Only the numbers stated in its text remain, so "
                "most charts here show fewer bars than the originals, and the seven mainstream-inclusion proposals of "
                "Figure 4 share a single reported bound ('over 80%' for all seven). Where the report does not name the "
                "figure a number belongs to, the hover and the data table say so."
            ),
        ],
    )
