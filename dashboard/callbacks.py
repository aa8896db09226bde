"""Thin adapters from callback inputs to views. Each is a plain function, registered in ``register``,
so tests call them directly. Every input is treated as untrusted: wrong types, unknown values and huge
strings give an empty state or a notice, never an exception."""

from __future__ import annotations

import pandas as pd
from dash import ALL, ClientsideFunction, Dash, Input, Output, State, ctx, dcc, no_update
from dash.exceptions import MissingCallbackContextException

from dashboard import components, ids, landing, selection, wording
from dashboard.data import Store, Survey, clean_themes, filter_by_themes, filter_quotes
from dashboard.views import Views

HIDDEN = {"display": "none"}
SHOWN: dict = {}


def _on(value: object) -> bool:
    return isinstance(value, (list, tuple)) and "on" in value


def render_page(store: Store, views: Views, survey_id: object, search: object) -> list:
    """The whole page of the survey the address names, for the themes in the address."""
    survey = store.survey(survey_id)
    asked = selection.from_search(search)
    themes, unknown = asked.themes_in(survey.theme_ids)
    view = views.get(survey, tuple(themes))
    notice = wording.unknown_themes_notice(unknown)
    # The quotations and context as their callbacks would give them, so those need not run on load.
    quotes = update_quotes(store, themes, [], "", 0, survey.id)
    context = _context_outputs(store, view.context, 0)
    return landing.survey_page(store, views.labels, view, asked.intervals, notice, quotes, context)


def update_panels(
    store: Store,
    views: Views,
    selected: object,
    intervals: object,
    survey_id: object,
    context_more: object = 0,
    table_clicks: object = 0,
) -> tuple:
    """Everything a theme click changes, in one callback (each callback a click sets off costs the browser a
    round of work over the whole page): the overview chart, the chart cards and their links, the contrasts,
    which sections show, the summary, the context figures, and the table if it is open."""
    survey = store.survey(survey_id)
    themes, _ = clean_themes(selected, survey.theme_ids)
    on = _on(intervals)
    view = views.get(survey, tuple(themes))
    labels = views.labels
    overview = view.chart(components.overview_spec(survey).slug)
    spec = overview.spec
    visible = {c.spec.slug for c in view.charts if not c.rows.empty}
    slugs = _card_slugs(survey, spec.slug)
    in_view = set(view.results["id"])
    contrasts = components.contrasts_in_view(survey, in_view)
    sections = landing.sections_shown(store, view, contrasts, visible)
    href = landing.chart_href(survey, store, spec.slug, tuple(themes))
    return (
        SHOWN if not overview.rows.empty else HIDDEN,
        components.question_line(spec, overview.filtered),
        components.chart_key(overview.rows, labels),
        components.bar_list(overview, labels, on),
        components.chart_footer(overview.rows, spec, labels),
        href,
        href,
        [SHOWN if s in visible else HIDDEN for s in slugs],
        [landing.chart_href(survey, store, s, tuple(themes)) for s in slugs],
        components.contrasts(store, contrasts, labels),
        SHOWN if contrasts else HIDDEN,
        *[SHOWN if sections[s] else HIDDEN for s in landing.HIDEABLE],
        *[SHOWN if sections[s] else HIDDEN for s in landing.HIDEABLE],
        components.summary_text(store, view),
        *_context_outputs(store, view.context, context_more),
        update_table(store, views, table_clicks, themes, survey.id)[0] if _opened(table_clicks) else no_update,
    )


def _opened(clicks: object) -> bool:
    return isinstance(clicks, int) and not isinstance(clicks, bool) and clicks >= 1


def _card_slugs(survey: Survey, overview: str) -> list[str]:
    """The slugs of the chart cards on the page, in the order Dash lists their outputs (the layout's): the
    first wildcard output group of the request, which may be empty (a survey with one chart). Called outside
    a request (in tests), the survey's cards in catalogue order."""
    try:
        groups = [g for g in ctx.outputs_list or [] if isinstance(g, list)]
    except MissingCallbackContextException:
        return [c.slug for c in survey.charts if c.slug != overview]
    if not groups:
        return [c.slug for c in survey.charts if c.slug != overview]
    return [
        o["id"]["slug"] for o in groups[0] if isinstance(o.get("id"), dict) and isinstance(o["id"].get("slug"), str)
    ]


def update_quotes(
    store: Store, selected: object, stances: object, search: object, more: object, survey_id: object
) -> tuple:
    """The quotations for the selection (the first few, or all once asked), how many, and the "show all" button."""
    survey = store.survey(survey_id)
    themes, _ = clean_themes(selected, survey.theme_ids)
    pool = store.survey_quotes(survey)
    quotes = filter_quotes(pool, themes, stances, search)
    show_all = isinstance(more, int) and more % 2 == 1
    limit = None if show_all else components.QUOTES_SHOWN
    shown = len(quotes) if show_all else min(len(quotes), components.QUOTES_SHOWN)
    button = "Show fewer quotations" if show_all else f"Show all {len(quotes)} quotations"
    return (
        components.quote_list(quotes, store.theme_labels, limit),
        f"Showing {shown} of {len(quotes)} quotations that match ({len(pool)} in all).",
        button,
        SHOWN if len(quotes) > components.QUOTES_SHOWN else HIDDEN,
    )


def update_context(store: Store, selected: object, more: object, survey_id: object) -> tuple:
    survey = store.survey(survey_id)
    themes, _ = clean_themes(selected, survey.theme_ids)
    return _context_outputs(store, filter_by_themes(store.survey_context(survey), themes), more)


def _context_outputs(store: Store, context: pd.DataFrame, more: object) -> tuple:
    """The context cards of a selection (the first few, or all once asked), and the "show all" button."""
    show_all = isinstance(more, int) and more % 2 == 1
    cards = components.context_cards(context, store, None if show_all else components.CONTEXT_SHOWN)
    n = components.context_count(context)
    button = "Show fewer context figures" if show_all else f"Show all {n} context figures"
    return cards, button, SHOWN if n > components.CONTEXT_SHOWN else HIDDEN


def update_table(store: Store, views: Views, clicks: object, selected: object, survey_id: object) -> tuple:
    """The table of the results in view, made only once asked for."""
    if not _opened(clicks):
        return [], no_update
    survey = store.survey(survey_id)
    themes, _ = clean_themes(selected, survey.theme_ids)
    view = views.get(survey, tuple(themes))
    caption = f"{components.summary_text(store, view)} Each row is one figure as the report states it."
    return [components.results_table(view.results, caption)], HIDDEN


def download_csv(store: Store, views: Views, n_clicks: object, selected: object, survey_id: object):
    """The results in view, as CSV."""
    from dashboard.downloads import results_csv

    if not isinstance(n_clicks, int) or n_clicks < 1:
        return no_update
    survey = store.survey(survey_id)
    themes, _ = clean_themes(selected, survey.theme_ids)
    rows = views.get(survey, tuple(themes)).results
    name = f"{survey.id}-results" + ("-" + "-".join(themes) if themes else "") + ".csv"
    return dcc.send_bytes(results_csv(store, rows), name)


def register(app: Dash, store: Store, views: Views) -> list[str]:
    """Wire the plain functions above to the page; return the outputs whose responses may be cached."""
    app.clientside_callback(
        ClientsideFunction(namespace="send", function_name="pickSurvey"),
        Output(ids.SURVEY, "data"),
        Input(ids.URL, "search"),
        State(ids.SURVEYS, "data"),
        State(ids.SURVEY, "data"),
    )
    app.callback(Output(ids.PAGE, "children"), Input(ids.SURVEY, "data"), State(ids.URL, "search"))(
        lambda survey, search: render_page(store, views, survey, search)
    )
    # Address <-> checkboxes runs in the browser: no round trip holds the panels back.
    app.clientside_callback(
        ClientsideFunction(namespace="send", function_name="syncUrl"),
        Output(ids.PAGE_URL, "search"),
        Output(ids.THEMES, "value"),
        Output(ids.THEME_NOTICE, "children"),
        Input(ids.PAGE_URL, "search"),
        Input(ids.THEMES, "value"),
        State(ids.THEME_IDS, "data"),
        State(ids.SURVEYS, "data"),
    )
    panel_outputs = [
        Output(ids.OVERVIEW_CARD, "style"),
        Output(ids.OVERVIEW_QUESTION, "children"),
        Output(ids.OVERVIEW_KEY, "children"),
        Output(ids.OVERVIEW_CHART, "children"),
        Output(ids.OVERVIEW_FOOTER, "children"),
        Output(ids.OVERVIEW_LINK, "href"),
        Output(ids.OVERVIEW_MORE, "href"),
        Output({"type": ids.CARD, "slug": ALL}, "style"),
        Output({"type": ids.CARD_LINK, "slug": ALL}, "href"),
        Output(ids.CONTRASTS, "children"),
        Output(ids.CONTRASTS, "style"),
        *[Output(s, "style") for s in landing.HIDEABLE],
        *[Output(f"nav-{s}", "style") for s in landing.HIDEABLE],
        Output(ids.SELECTION_SUMMARY, "children"),
        Output(ids.CONTEXT, "children"),
        Output(ids.CONTEXT_MORE, "children"),
        Output(ids.CONTEXT_MORE, "style"),
        Output(ids.TABLE, "children", allow_duplicate=True),
    ]
    app.callback(
        *panel_outputs,
        Input(ids.THEMES, "value"),
        Input(ids.SHOW_INTERVALS, "value"),
        Input(ids.CONTEXT_MORE, "n_clicks"),
        State(ids.SURVEY, "data"),
        State(ids.SHOW_TABLE_BUTTON, "n_clicks"),
        prevent_initial_call=True,
    )(
        lambda selected, intervals, more, survey, clicks: update_panels(
            store, views, selected, intervals, survey, more, clicks
        )
    )
    app.callback(
        Output(ids.QUOTES, "children"),
        Output(ids.QUOTE_COUNT, "children"),
        Output(ids.QUOTES_MORE, "children"),
        Output(ids.QUOTES_MORE, "style"),
        Input(ids.THEMES, "value"),
        Input(ids.QUOTE_STANCE, "value"),
        Input(ids.QUOTE_SEARCH, "value"),
        Input(ids.QUOTES_MORE, "n_clicks"),
        State(ids.SURVEY, "data"),
        prevent_initial_call=True,  # rendered with the page
    )(lambda selected, stances, search, more, survey: update_quotes(store, selected, stances, search, more, survey))
    app.callback(
        Output(ids.TABLE, "children"),
        Output(ids.SHOW_TABLE_BUTTON, "style"),
        Input(ids.SHOW_TABLE_BUTTON, "n_clicks"),
        State(ids.THEMES, "value"),
        State(ids.SURVEY, "data"),
        prevent_initial_call=True,  # the panels keep an open table in step with the themes
    )(lambda clicks, selected, survey: update_table(store, views, clicks, selected, survey))
    app.callback(
        Output(ids.DOWNLOAD_CSV, "data"),
        Input(ids.DOWNLOAD_CSV_BUTTON, "n_clicks"),
        State(ids.THEMES, "value"),
        State(ids.SURVEY, "data"),
        prevent_initial_call=True,
    )(lambda n, selected, survey: download_csv(store, views, n, selected, survey))
    # "All charts in view" fetches the server's export route (dashboard/downloads.py) from the browser
    # (assets/export.js), so a busy server answers 503 + Retry-After and the page shows its message.
    app.clientside_callback(
        ClientsideFunction(namespace="send_export", function_name="exportCharts"),
        Output(ids.EXPORT_DOWNLOAD, "data"),
        Output(ids.EXPORT_STATUS, "children"),
        Input(ids.EXPORT_PNG_BUTTON, "n_clicks"),
        Input(ids.EXPORT_SVG_BUTTON, "n_clicks"),
        State(ids.THEMES, "value"),
        State(ids.SHOW_INTERVALS, "value"),
        State(ids.SURVEY, "data"),
        prevent_initial_call=True,
    )
    cached = (f"{ids.PAGE}.children", f"{ids.OVERVIEW_CHART}.children")
    return [key for key in app.callback_map if any(part in key for part in cached)]
