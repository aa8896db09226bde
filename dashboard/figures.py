"""Figure builders: DataFrame in, ``go.Figure`` out. No Dash imports, no I/O.

Encoding rules (the README's "Honest encoding"):
- an exact figure is a solid bar at the reported value; its Wilson interval can be drawn as an error bar;
- a bound ("over 90%", "less than half") is a solid bar to the lowest share it allows, then a hatched bar
  across the whole range it allows, labelled with the words the report printed;
- a derived share (not reported) is hatched grey and says "derived" in its label and hover;
- every bar's hover gives the reported text, the counts it allows, the report section and the sentence.
"""

from __future__ import annotations

import html
import textwrap
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd
import plotly.graph_objects as go

from dashboard.data import MAIN_SURVEY, count_label
from etl.schema import Col, Qualifier

# Okabe & Ito's colour-blind-safe palette, then Paul Tol's muted scheme for the remaining themes.
THEME_COLOURS = {
    "inclusion": "#0072B2",
    "tribunals": "#D55E00",
    "funding": "#009E73",
    "standards": "#CC79A7",
    "early-intervention": "#E69F00",
    "specialist": "#56B4E9",
    "partnerships": "#882255",
    "workforce": "#332288",
    "timescales": "#117733",
    "outcomes": "#44AA99",
    "baseline": "#666666",
}
CATEGORY_COLOURS = {
    "positive or somewhat positive": "#0072B2",
    "agree": "#0072B2",
    "confident": "#0072B2",
    "negative": "#D55E00",
    "not confident": "#D55E00",
    "disagree": "#D55E00",
    "too ambitious": "#E69F00",
    "too slow": "#56B4E9",
    "not reported": "#8C8C8C",
}
DEFAULT_COLOUR = "#0072B2"
FONT = "Arial, Helvetica, sans-serif"
LINE_PX = 16  # one line of bar label
BAR_PX = 20
GAP_PX = 14
LABEL_WRAP = 52
FOOTER_WRAP = 64
TITLE_WRAP = 44
FLAG_MARK = "⚠"
SOURCE_LINE = (
    "Source: Isos Partnership for the LGA and CCN, “SEND reform: putting children and young people first” (June 2026)."
)
ENCODING_LINE = (
    "Solid: reported figure (a bound is drawn to the lowest share it allows). Hatched: the range a bound allows."
)


@dataclass(frozen=True)
class ChartSpec:
    """One chart of the page: which results it draws and what it is called."""

    key: str
    title: str
    filename: str
    select: Callable[[pd.DataFrame], pd.Series]
    stacked: bool = False
    by_theme: bool = False


def _figure(n: int) -> Callable[[pd.DataFrame], pd.Series]:
    return lambda df: df[Col.FIGURE] == n


def _question(results: pd.DataFrame, n: int) -> str:
    rows = results[results[Col.FIGURE] == n]
    return rows[Col.QUESTION].iloc[0] if len(rows) else ""


FIGURE_SLUGS = {
    1: "what-the-reforms-will-lead-to",
    2: "national-standards",
    3: "statutory-plans",
    4: "mainstream-inclusion",
    5: "specialist-provision",
    6: "confidence-in-capacity",
    7: "timescales",
    8: "confidence-in-funding",
}


def chart_specs(results: pd.DataFrame) -> list[ChartSpec]:
    """The page's charts in order: the ranked overview, Figures 1-8, the 2023/24 comparison."""
    specs = [
        ChartSpec(
            key="overview",
            title="Support for every reform proposal, ranked",
            filename="overview-support-for-every-proposal",
            select=lambda df: (df[Col.SURVEY] == MAIN_SURVEY) & (df[Col.CATEGORY] == "positive or somewhat positive"),
            by_theme=True,
        )
    ]
    for n, slug in FIGURE_SLUGS.items():
        specs.append(
            ChartSpec(
                key=f"fig{n}",
                title=f"Figure {n} · {_question(results, n)}",
                filename=f"figure-{n}-{slug}",
                select=_figure(n),
                stacked=(n == 7),
            )
        )
    specs.append(
        ChartSpec(
            key="baseline",
            title="2023/24 survey · Views of the current SEND system",
            filename="baseline-2023-24-survey",
            select=lambda df: df[Col.SURVEY] != MAIN_SURVEY,
        )
    )
    return specs


def wrap(text: str, width: int) -> str:
    """Plain text wrapped with <br> for Plotly, with markup characters escaped."""
    return "<br>".join(textwrap.wrap(html.escape(text, quote=False), width)) if text else ""


def row_label(row, with_category: bool, theme_labels: dict[str, str] | None = None) -> str:
    """The label of a bar, as plain text: item, its category where a chart has several, its theme where coloured by it."""
    label = row[Col.ITEM]
    if with_category:
        label += f" — {row[Col.CATEGORY]}"
    if theme_labels is not None:
        label += f" · {theme_labels.get(row[Col.THEMES][0], row[Col.THEMES][0])}"
    return label


def value_label(row) -> str:
    """The figure beside a bar: what the report printed, and the counts it allows."""
    counts = count_label(row)
    text = row[Col.REPORTED_TEXT]
    if row[Col.QUALIFIER] == Qualifier.DERIVED.value:
        return f"{counts} (derived, not reported)"
    printed = pd.notna(row[Col.COUNT]) and (
        f"{row[Col.COUNT]} out of" in text or row[Col.QUALIFIER] == Qualifier.ALL.value
    )
    if counts and not printed:  # a count the report printed ("11 out of the 54", "All 54") is not repeated
        text = f"{text} · {counts}"
    if isinstance(row[Col.FLAG], str):
        text += f" {FLAG_MARK} no count of {row[Col.BASE]} fits"
    return text


def bar_annotation_lines(label: str, value: str) -> list[str]:
    """The lines written above a bar: the wrapped label, then the figure in bold."""
    lines = textwrap.wrap(label, LABEL_WRAP) or [""]
    escaped = [html.escape(line, quote=False) for line in lines]
    bold = f"<b>{html.escape(value, quote=False)}</b>"
    if len(lines[-1]) + len(value) + 3 <= LABEL_WRAP + 8:
        escaped[-1] += " — " + bold
    else:
        escaped.append(bold)
    return escaped


def hover_fields(row, label: str = "") -> list[str]:
    """customdata for a bar's hover: reported text, counts, section, sentence, note, label."""
    if count_label(row):
        counts = count_label(row)
    elif pd.notna(row[Col.BASE]):
        counts = f"none of 0–{row[Col.BASE]} gives the printed figure (see the flag)"
    else:
        counts = "not derivable (base not stated)"
    if row[Col.QUALIFIER] == Qualifier.DERIVED.value:
        sentence = wrap(row[Col.NOTE] or "Not reported by the survey; derived.", 70)
    else:
        sentence = "“" + wrap(row[Col.VERBATIM], 70) + "”"
    extra = []
    if row[Col.GROUP_BOUND]:
        extra.append("Reported only as a bound for a group of proposals.")
    if isinstance(row[Col.FIGURE_NOTE], str):
        extra.append(row[Col.FIGURE_NOTE])
    if isinstance(row[Col.FLAG], str):
        extra.append(f"{FLAG_MARK} {row[Col.FLAG]}")
    note = "".join("<br>" + wrap(e, 70) for e in extra)
    return [
        html.escape(row[Col.REPORTED_TEXT]),
        counts,
        html.escape(row[Col.SECTION]),
        sentence,
        note,
        wrap(label or row[Col.ITEM], 70),
    ]


HOVER = (
    "<b>%{customdata[5]}</b><br>Reported: %{customdata[0]}<br>Councils: %{customdata[1]}"
    "<br>Section: %{customdata[2]}<br>%{customdata[3]}%{customdata[4]}<extra></extra>"
)


def _extent(row) -> tuple[float, float, float]:
    """(solid end, range start, range end) in percent for one row."""
    q = row[Col.QUALIFIER]
    if q in (Qualifier.EXACT.value, Qualifier.ALL.value, Qualifier.NONE.value, Qualifier.DERIVED.value):
        value = row[Col.VALUE] if q != Qualifier.DERIVED.value else row[Col.PCT_LOW]
        return value, value, value
    return row[Col.PCT_LOW], row[Col.PCT_LOW], row[Col.PCT_HIGH]


def _colour(row, by_theme: bool) -> str:
    if by_theme:
        return THEME_COLOURS.get(row[Col.THEMES][0], DEFAULT_COLOUR)
    return CATEGORY_COLOURS.get(row[Col.CATEGORY], DEFAULT_COLOUR)


def _solid_marker(colour: str, derived: list[bool]) -> dict:
    """Solid fill, except derived (unreported) bars, which are hatched on white."""
    if not any(derived):
        return dict(color=colour, line=dict(color=colour, width=1))
    fills = ["white" if d else colour for d in derived]
    return dict(
        color=fills,
        line=dict(color=colour, width=1),
        pattern=dict(shape=["/" if d else "" for d in derived], fgcolor=colour, bgcolor=fills, solidity=0.35),
    )


def _bases_line(rows: pd.DataFrame) -> str:
    bases = sorted({int(b) for b in rows[Col.BASE].dropna()})
    if not bases:
        return "Base: not stated in the report (respondents across local authorities, schools and parents)."
    return "Base: n = " + ", ".join(str(b) for b in bases) + " responding local authorities."


def footer_text(rows: pd.DataFrame) -> str:
    """Source, base, how to read the bars, and any consistency flag: travels with an exported chart."""
    lines = [SOURCE_LINE, _bases_line(rows), ENCODING_LINE]
    lines += [f"{FLAG_MARK} {flag}" for flag in rows[Col.FLAG].dropna()]
    return "<br>".join(wrap(line, FOOTER_WRAP) for line in lines)


def _layout(
    spec: ChartSpec,
    rows: pd.DataFrame,
    subtitle: str,
    plot_height: float,
    axis_title: str,
    legend: bool,
    annotations: list[dict],
) -> dict:
    """The layout of every chart: title, subtitle naming the selection, axis, and the footer drawn into the image."""
    footer = footer_text(rows)
    bottom = 62 + 14 * (footer.count("<br>") + 1)
    title = wrap(spec.title, TITLE_WRAP)
    top = 52 + 21 * title.count("<br>") + (22 if subtitle else 0) + (30 if legend else 0)
    height = round(top + plot_height + bottom)
    footer_note = dict(
        text=footer,
        xref="paper",
        yref="paper",
        x=0,
        y=0,
        yshift=-44,
        xanchor="left",
        yanchor="top",
        align="left",
        showarrow=False,
        font=dict(size=11, color="#444"),
    )
    return dict(
        title=dict(
            text=title,
            subtitle=dict(text=html.escape(subtitle)) if subtitle else None,
            x=0,
            xref="paper",
            xanchor="left",
            y=1 - 12 / height,
            yref="container",
            yanchor="top",
            font=dict(size=16),
        ),
        font=dict(family=FONT, size=13, color="#1a1a1a"),
        paper_bgcolor="white",
        plot_bgcolor="white",
        barmode="stack" if spec.stacked else "overlay",
        height=height,
        margin=dict(l=12, r=16, t=top, b=bottom, autoexpand=False),
        showlegend=legend,
        legend=dict(
            orientation="h",
            x=0,
            xanchor="left",
            y=1,
            yanchor="bottom",
            font=dict(size=12),
            itemclick=False,
            itemdoubleclick=False,
        ),
        hoverlabel=dict(align="left", bgcolor="white", font=dict(size=12, family=FONT)),
        xaxis=dict(
            title=dict(text=axis_title, font=dict(size=12), standoff=6),
            range=[0, 100],
            tickvals=[0, 25, 50, 75, 100],
            ticksuffix="%",
            gridcolor="#e5e5e5",
            zeroline=True,
            zerolinecolor="#999",
            fixedrange=True,
        ),
        annotations=[*annotations, footer_note],
        meta=dict(key=spec.key, filename=spec.filename),
    )


def _axis_title(rows: pd.DataFrame) -> str:
    cats = list(dict.fromkeys(rows[Col.CATEGORY]))
    return "% of responding councils: " + " / ".join(cats)


def build_bar_figure(
    rows: pd.DataFrame,
    spec: ChartSpec,
    *,
    show_intervals: bool = False,
    subtitle: str = "",
    multi_category: bool = False,
    theme_labels: dict[str, str] | None = None,
) -> go.Figure:
    """Horizontal bars, one per result, each labelled above: solid to the reported value, hatched across a bound's range.

    The y axis is in pixels (row i starts at ``tops[i]``), so labels of any length sit exactly above their bar.
    """
    records = rows.to_dict("records")
    labels = [row_label(r, multi_category, theme_labels if spec.by_theme else None) for r in records]
    lines = [bar_annotation_lines(lab, value_label(r)) for lab, r in zip(labels, records)]
    tops, centres, y = [], [], 0.0
    for ls in lines:
        tops.append(y)
        centres.append(y + LINE_PX * len(ls) + 4 + BAR_PX / 2)
        y += LINE_PX * len(ls) + 4 + BAR_PX + GAP_PX
    plot_height = y
    groups: dict[str, list[int]] = {}
    for i, r in enumerate(records):
        groups.setdefault(r[Col.THEMES][0] if spec.by_theme else r[Col.CATEGORY], []).append(i)
    traces: list = []
    for key, idx in groups.items():
        sub = [records[i] for i in idx]
        colour = _colour(sub[0], spec.by_theme)
        name = theme_labels.get(key, key) if (spec.by_theme and theme_labels) else key
        extents = [_extent(r) for r in sub]
        custom = [hover_fields(r, labels[i]) for r, i in zip(sub, idx)]
        error = None
        if show_intervals:
            error = dict(
                type="data",
                array=[
                    r[Col.WILSON_HIGH] - e[0] if pd.notna(r[Col.WILSON_HIGH]) else None for r, e in zip(sub, extents)
                ],
                arrayminus=[
                    e[0] - r[Col.WILSON_LOW] if pd.notna(r[Col.WILSON_LOW]) else None for r, e in zip(sub, extents)
                ],
                color="#1a1a1a",
                thickness=1.5,
                width=5,
            )
        traces.append(
            go.Bar(
                orientation="h",
                y=[centres[i] for i in idx],
                x=[e[0] for e in extents],
                width=BAR_PX,
                name=name,
                legendgroup=key,
                marker=_solid_marker(colour, [r[Col.QUALIFIER] == Qualifier.DERIVED.value for r in sub]),
                customdata=custom,
                hovertemplate=HOVER,
                error_x=error,
            )
        )
        bounds = [j for j, e in enumerate(extents) if e[2] > e[1]]
        if bounds:
            traces.append(
                go.Bar(
                    orientation="h",
                    y=[centres[idx[j]] for j in bounds],
                    x=[extents[j][2] - extents[j][1] for j in bounds],
                    base=[extents[j][1] for j in bounds],
                    width=BAR_PX,
                    name=f"{name}: range a bound allows",
                    legendgroup=key,
                    showlegend=False,
                    marker=dict(
                        color="white",
                        line=dict(color=colour, width=1),
                        pattern=dict(shape="/", fgcolor=colour, bgcolor="white", solidity=0.3),
                    ),
                    customdata=[custom[j] for j in bounds],
                    hovertemplate=HOVER,
                )
            )
    annotations = [
        dict(
            text="<br>".join(ls),
            x=0,
            xref="paper",
            y=top,
            yref="y",
            xanchor="left",
            yanchor="top",
            align="left",
            showarrow=False,
            font=dict(size=12.5, color="#1a1a1a"),
        )
        for top, ls in zip(tops, lines)
    ]
    # The overview names each bar's theme in its label, so its colours need no legend.
    layout = _layout(
        spec, rows, subtitle, plot_height, _axis_title(rows), len(groups) > 1 and not spec.by_theme, annotations
    )
    layout["yaxis"] = dict(range=[plot_height, 0], visible=False, fixedrange=True)
    return go.Figure(data=traces, layout=layout)


def build_stacked_figure(rows: pd.DataFrame, spec: ChartSpec, *, subtitle: str = "") -> go.Figure:
    """One stacked bar of a single question's answers (Figure 7): reported parts and the derived remainder."""
    traces: list = []
    order = {"too ambitious": 0, "not reported": 1, "too slow": 2}
    rows = rows.sort_values(Col.CATEGORY, key=lambda s: s.map(lambda c: order.get(c, 9)), kind="stable")
    for r in rows.to_dict("records"):
        derived = r[Col.QUALIFIER] == Qualifier.DERIVED.value
        colour = _colour(r, False)
        share = 100 * r[Col.COUNT_MIN] / r[Col.BASE] if pd.notna(r[Col.COUNT_MIN]) else r[Col.VALUE]
        name = r[Col.CATEGORY] + (" (derived)" if derived else "")
        traces.append(
            go.Bar(
                orientation="h",
                y=[0],
                x=[share],
                width=0.6,
                name=name,
                text=[
                    f"{r[Col.COUNT_MIN]} of {r[Col.BASE]}"
                    + (" (derived)" if derived else f"<br>{r[Col.REPORTED_TEXT]}")
                ],
                textposition="inside",
                insidetextanchor="middle",
                textfont=dict(color="#1a1a1a", size=12),
                marker=dict(
                    color="white" if derived else colour,
                    line=dict(color=colour if not derived else "#555", width=1),
                    pattern=dict(
                        shape="/" if derived else "",
                        fgcolor="#8C8C8C",
                        bgcolor="white" if derived else colour,
                        solidity=0.3,
                    ),
                ),
                customdata=[hover_fields(r, name)],
                hovertemplate=HOVER,
            )
        )
    layout = _layout(spec, rows, subtitle, 90, "% of responding councils (stacked to n = 54)", True, [])
    layout["yaxis"] = dict(visible=False, fixedrange=True, range=[-0.5, 0.5])
    return go.Figure(data=traces, layout=layout)


def build_chart(
    results: pd.DataFrame,
    spec: ChartSpec,
    *,
    show_intervals: bool = False,
    subtitle: str = "",
    theme_labels: dict[str, str] | None = None,
    all_results: pd.DataFrame | None = None,
) -> go.Figure | None:
    """The chart ``spec`` for the (already theme-filtered) results, or None if it has nothing to draw."""
    rows = results[spec.select(results)]
    if spec.key == "overview":
        rows = rows.assign(_rank=rows.apply(lambda r: _extent(r)[0], axis=1)).sort_values(
            ["_rank", Col.ITEM], ascending=[False, True], kind="stable"
        )
    if rows.empty:
        return None
    if spec.stacked:
        return build_stacked_figure(rows, spec, subtitle=subtitle)
    full = all_results if all_results is not None else results
    multi = full[spec.select(full)][Col.CATEGORY].nunique() > 1
    return build_bar_figure(
        rows, spec, show_intervals=show_intervals, subtitle=subtitle, multi_category=multi, theme_labels=theme_labels
    )


def describe_rows(rows: pd.DataFrame) -> list[str]:
    """A text alternative for a chart: one sentence per bar, stating its numbers."""
    out = []
    for _, r in rows.iterrows():
        counts = count_label(r)
        if r[Col.QUALIFIER] == Qualifier.DERIVED.value:
            text = f"{r[Col.ITEM]}, {r[Col.CATEGORY]}: {counts} (derived, not reported)."
        else:
            text = f"{r[Col.ITEM]}, {r[Col.CATEGORY]}: {r[Col.REPORTED_TEXT]}" + (
                f" ({counts} councils)." if counts and counts not in r[Col.REPORTED_TEXT] else "."
            )
        if isinstance(r[Col.FLAG], str):
            text += " Flag: " + r[Col.FLAG]
        out.append(text)
    return out


def graph_config(spec: ChartSpec) -> dict:
    """dcc.Graph config: a 2x PNG named after the chart from the modebar, no Plotly logo, no editing."""
    return {
        "displaylogo": False,
        "modeBarButtonsToRemove": [
            "select2d",
            "lasso2d",
            "zoom2d",
            "pan2d",
            "zoomIn2d",
            "zoomOut2d",
            "autoScale2d",
            "resetScale2d",
        ],
        "toImageButtonOptions": {"format": "png", "filename": spec.filename, "scale": 2},
    }
