"""Thin adapters from callback inputs to views. Each is a plain function, registered in ``register``,
so tests call them directly. Every input is treated as untrusted: wrong types, unknown values and huge
strings give an empty state or a notice, never an exception."""

from __future__ import annotations

from typing import Optional

from dash import Dash, Input, Output, State, ctx, dcc, no_update

from dashboard import components, ids
from dashboard.data import Store, clean_themes, filter_quotes, parse_theme_query, theme_query
from dashboard.export import ExportUnavailable, zip_charts
from dashboard.views import Views



def _on(value: object) -> bool:
    return isinstance(value, (list, tuple)) and "on" in value


def _notice(unknown: list[str]) -> list:
    if not unknown:
        return []
    return [f"Ignored unknown theme{'s' if len(unknown) > 1 else ''}: " + ", ".join(unknown) + ". Showing the rest."]


def sync_url(store: Store, search: object, selected: object) -> tuple:
    """Keep the theme checkboxes and the URL's ?theme= in step, in both directions."""
    if ctx.triggered_id == ids.THEMES:
        themes, unknown = clean_themes(selected, store.theme_ids)
        query = theme_query(themes)
        return (query if query != (search or "") else no_update), no_update, _notice(unknown)
    themes, unknown = parse_theme_query(search if isinstance(search, str) else "", store.theme_ids)
    query = theme_query(themes)
    # An unknown theme is dropped from the address too, so the shared link is the view shown.
    return (query if unknown else no_update), themes, _notice(unknown)


def selection_summary(store: Store, themes: list[str], n_results: int) -> str:
    names = ", ".join(store.theme_labels[t] for t in themes) if themes else "all themes"
    return f"Showing {names}: {n_results} survey result{'s' if n_results != 1 else ''}."


def _previous(store: Store, previous: object) -> Optional[tuple[tuple[str, ...], bool]]:
    """The selection the page showed before this change, from the panel-state store (None on first load)."""
    if not isinstance(previous, dict):
        return None
    themes, _ = clean_themes(previous.get("themes"), store.theme_ids)
    return tuple(themes), previous.get("intervals") is True


def update_panels(store: Store, views: Views, selected: object, intervals: object, previous: object = None) -> tuple:
    """Every chart, its text alternative and note, the contrasts, context and data table for a selection.

    Charts whose figure is the same as in the previous selection are not sent again (no_update), and a chart
    the selection empties is only hidden, so the browser redraws just what changed.
    """
    themes, _ = clean_themes(selected, store.theme_ids)
    on = _on(intervals)
    panels = views.panels(tuple(themes), on)
    prev_key = _previous(store, previous)
    before = views.panels(*prev_key).charts if prev_key is not None else None
    out: list = []
    for i, (figure, graph_style, card_style, alt, notes) in enumerate(panels.charts):
        if figure is None:
            out += [no_update, no_update, card_style, no_update, no_update]
        elif before is not None and before[i][0] is figure:
            out += [no_update, no_update, card_style, no_update, no_update]
        else:
            out += [figure, graph_style, card_style, alt, notes]
    contrasts, context, grid, n_results = panels.rest
    out += [contrasts, context, grid, selection_summary(store, themes, n_results), {"themes": themes, "intervals": on}]
    return tuple(out)


def update_quotes(store: Store, selected: object, stances: object, search: object) -> tuple:
    """The quotations for the selection, and how many of how many are shown."""
    themes, _ = clean_themes(selected, store.theme_ids)
    quotes = filter_quotes(store.quotes, themes, stances, search)
    total = len(store.quotes)
    return components.quote_list(quotes, store.theme_labels), f"Showing {len(quotes)} of {total} quotations."


def download_csv(store: Store, views: Views, n_clicks: object, selected: object, intervals: object):
    """Exactly the rows and columns of the data table in view, as CSV."""
    if not isinstance(n_clicks, int) or n_clicks < 1:
        return no_update
    themes, _ = clean_themes(selected, store.theme_ids)
    frame = components.grid_frame(views.get(tuple(themes), _on(intervals)).results)
    name = "send-survey-results" + ("-" + "-".join(themes) if themes else "") + ".csv"
    return dcc.send_data_frame(frame.to_csv, name, index=False)


def export_charts(store: Store, views: Views, png_clicks: object, svg_clicks: object, selected: object, intervals: object):
    """A zip of every chart in view, rendered on the server, or a message saying why it cannot be."""
    fmt = "svg" if ctx.triggered_id == ids.EXPORT_SVG_BUTTON else "png"
    clicks = svg_clicks if fmt == "svg" else png_clicks
    if not isinstance(clicks, int) or clicks < 1:
        return no_update, no_update
    themes, _ = clean_themes(selected, store.theme_ids)
    view = views.get(tuple(themes), _on(intervals))
    charts = [(c.spec.filename, c.figure) for c in view.charts if c.figure is not None]
    if not charts:
        return no_update, "No chart is in view to export."
    try:
        data = zip_charts(charts, fmt)
    except ExportUnavailable as exc:
        return no_update, str(exc)
    name = "send-survey-charts" + ("-" + "-".join(themes) if themes else "") + f"-{fmt}.zip"
    return dcc.send_bytes(data, name), f"Downloaded {len(charts)} chart{'s' if len(charts) != 1 else ''} as {fmt.upper()}."


def register(app: Dash, store: Store, views: Views) -> list[str]:
    """Wire the plain functions above to the page; return the outputs whose responses may be cached."""
    app.callback(
        Output(ids.URL, "search"),
        Output(ids.THEMES, "value"),
        Output(ids.THEME_NOTICE, "children"),
        Input(ids.URL, "search"),
        Input(ids.THEMES, "value"),
    )(lambda search, selected: sync_url(store, search, selected))

    panel_outputs = []
    for spec in views.specs:
        panel_outputs += [
            Output(ids.graph(spec.key), "figure"),
            Output(ids.graph(spec.key), "style"),
            Output(ids.card(spec.key), "style"),
            Output(ids.alt_text(spec.key), "children"),
            Output(ids.chart_note(spec.key), "children"),
        ]
    panel_outputs += [
        Output(ids.CONTRASTS, "children"),
        Output(ids.CONTEXT, "children"),
        Output(ids.GRID, "rowData"),
        Output(ids.SELECTION_SUMMARY, "children"),
        Output(ids.PANEL_STATE, "data"),
    ]
    app.callback(
        *panel_outputs,
        Input(ids.THEMES, "value"),
        Input(ids.SHOW_INTERVALS, "value"),
        State(ids.PANEL_STATE, "data"),
    )(lambda selected, intervals, previous: update_panels(store, views, selected, intervals, previous))

    cacheable = [_output_key(panel_outputs)]
    app.callback(
        Output(ids.QUOTES, "children"),
        Output(ids.QUOTE_COUNT, "children"),
        Input(ids.THEMES, "value"),
        Input(ids.QUOTE_STANCE, "value"),
        Input(ids.QUOTE_SEARCH, "value"),
    )(lambda selected, stances, search: update_quotes(store, selected, stances, search))

    app.callback(
        Output(ids.DOWNLOAD_CSV, "data"),
        Input(ids.DOWNLOAD_CSV_BUTTON, "n_clicks"),
        State(ids.THEMES, "value"),
        State(ids.SHOW_INTERVALS, "value"),
        prevent_initial_call=True,
    )(lambda n, selected, intervals: download_csv(store, views, n, selected, intervals))

    app.callback(
        Output(ids.EXPORT_DOWNLOAD, "data"),
        Output(ids.EXPORT_STATUS, "children"),
        Input(ids.EXPORT_PNG_BUTTON, "n_clicks"),
        Input(ids.EXPORT_SVG_BUTTON, "n_clicks"),
        State(ids.THEMES, "value"),
        State(ids.SHOW_INTERVALS, "value"),
        prevent_initial_call=True,
        running=[
            (Output(ids.EXPORT_PNG_BUTTON, "disabled"), True, False),
            (Output(ids.EXPORT_SVG_BUTTON, "disabled"), True, False),
        ],
    )(lambda png, svg, selected, intervals: export_charts(store, views, png, svg, selected, intervals))
    return cacheable


def _output_key(outputs: list[Output]) -> str:
    """Dash's name for a multi-output callback, as it appears in a request's "output" field."""
    return ".." + "...".join(f"{o.component_id}.{o.component_property}" for o in outputs) + ".."
