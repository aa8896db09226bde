"""Thin adapters from callback inputs to views. Each is a plain function, registered in ``register``,
so tests call them directly. Every input is treated as untrusted: wrong types, unknown values and huge
strings give an empty state or a notice, never an exception."""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, State, dcc, no_update

from dashboard import components, ids
from dashboard.data import Store, clean_themes, filter_quotes
from dashboard.views import CONTEXT, CONTRASTS, Views

HIDDEN = {"display": "none"}


def _on(value: object) -> bool:
    return isinstance(value, (list, tuple)) and "on" in value


def selection_summary(store: Store, themes: list[str], n_results: int) -> str:
    names = ", ".join(store.theme_labels[t] for t in themes) if themes else "all themes"
    return f"Showing {names}: {n_results} survey result{'s' if n_results != 1 else ''}."


def _drawn(store_data: object, keys: list[str]) -> dict[str, str]:
    """The figure token each chart holds in the browser, from the panel-state store ({} on first load)."""
    tokens = store_data.get("tokens") if isinstance(store_data, dict) else None
    if not isinstance(tokens, dict):
        return {}
    return {k: tokens[k] for k in keys if isinstance(tokens.get(k), str)}


def update_panels(store: Store, views: Views, selected: object, intervals: object, drawn: object = None) -> tuple:
    """Every chart, its text alternative and note, the contrasts, context and summary for a selection.

    A chart is sent only when the browser does not already hold that exact figure (its token); a chart the
    selection empties is only hidden, keeping its figure, so switching back redraws nothing.
    """
    themes, _ = clean_themes(selected, store.theme_ids)
    panels = views.panels(tuple(themes), _on(intervals))
    tokens = _drawn(drawn, [c.key for c in panels.charts] + list(panels.shared_tokens))
    out: list = []
    for chart in panels.charts:
        if chart.figure is None:
            out += [no_update, no_update, HIDDEN, no_update, no_update]
        elif tokens.get(chart.key) == chart.token:
            out += [no_update, no_update, {}, no_update, no_update]
        else:
            out += [chart.figure, chart.graph_style, {}, chart.alt, chart.notes]
            tokens[chart.key] = chart.token
    for key, value in ((CONTRASTS, panels.contrasts), (CONTEXT, panels.context)):
        token = panels.shared_tokens[key]
        out.append(no_update if tokens.get(key) == token else value)
        tokens[key] = token
    out += [selection_summary(store, themes, panels.n_results), {"tokens": tokens}]
    return tuple(out)


def update_table(store: Store, views: Views, clicks: object, selected: object) -> tuple:
    """The data table of the results in view, created only once asked for (it loads AG Grid's code)."""
    if not isinstance(clicks, int) or clicks < 1:
        return [], {}
    themes, _ = clean_themes(selected, store.theme_ids)
    return [components.results_grid(views.get(tuple(themes), False).results)], HIDDEN


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


def register(app: Dash, store: Store, views: Views) -> list[str]:
    """Wire the plain functions above to the page; return the outputs whose responses may be cached."""
    # Address <-> checkboxes runs in the browser (assets/dashboard.js): no round trip holds the panels back.
    app.clientside_callback(
        ClientsideFunction(namespace="send", function_name="syncUrl"),
        Output(ids.URL, "search"),
        Output(ids.THEMES, "value"),
        Output(ids.THEME_NOTICE, "children"),
        Input(ids.URL, "search"),
        Input(ids.THEMES, "value"),
        State(ids.THEME_IDS, "data"),
    )

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
        Output(ids.TABLE, "children"),
        Output(ids.SHOW_TABLE_BUTTON, "style"),
        Input(ids.SHOW_TABLE_BUTTON, "n_clicks"),
        Input(ids.THEMES, "value"),
    )(lambda clicks, selected: update_table(store, views, clicks, selected))
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

    # "Download all charts in view" fetches the server's export route (dashboard/downloads.py) from the browser
    # (assets/export.js), so a busy server answers 503 + Retry-After and the page shows its message.
    app.clientside_callback(
        ClientsideFunction(namespace="send_export", function_name="exportCharts"),
        Output(ids.EXPORT_DOWNLOAD, "data"),
        Output(ids.EXPORT_STATUS, "children"),
        Input(ids.EXPORT_PNG_BUTTON, "n_clicks"),
        Input(ids.EXPORT_SVG_BUTTON, "n_clicks"),
        State(ids.THEMES, "value"),
        State(ids.SHOW_INTERVALS, "value"),
        prevent_initial_call=True,
    )
    return cacheable


def _output_key(outputs: list[Output]) -> str:
    """Dash's name for a multi-output callback, as it appears in a request's "output" field."""
    return ".." + "...".join(f"{o.component_id}.{o.component_property}" for o in outputs) + ".."
