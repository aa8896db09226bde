"""Thin adapters from callback inputs to views. Each is a plain function, registered in ``register``,
so tests call them directly. Every input is treated as untrusted: wrong types, unknown values and huge
strings give an empty state or a notice, never an exception."""

from __future__ import annotations

from dash import ClientsideFunction, Dash, Input, Output, State, dcc, html, no_update

from dashboard import components, ids, landing, selection, wording
from dashboard.data import Store, clean_themes, filter_by_themes, filter_quotes
from dashboard.rawhtml import raw
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
    context = update_context(store, themes, 0, survey.id)
    return landing.survey_page(store, views, view, asked.intervals, notice, quotes, context)


# The named outputs of each server callback: a callback returns a dict with these keys. -------------------------
# The tables below are alike in shape because each is a declaration (name -> component property), one per
# callback, not repeated logic.


def quote_outputs() -> dict[str, Output]:
    """The quotations, how many, and the "show all" button (``update_quotes``). The browser writes the count and
    the button too, on a theme click or "show all" (assets/filter.js), hence ``allow_duplicate``."""
    return {
        "quotes": Output(ids.QUOTES, "children"),
        "count": Output(ids.QUOTE_COUNT, "children", allow_duplicate=True),
        "more": Output(ids.QUOTES_MORE, "children", allow_duplicate=True),
        "more_style": Output(ids.QUOTES_MORE, "style", allow_duplicate=True),
    }


def context_outputs() -> dict[str, Output]:
    """The context cards and their "show all" button (``update_context``), as for the quotations."""
    return {
        "context": Output(ids.CONTEXT, "children"),
        "context_more": Output(ids.CONTEXT_MORE, "children", allow_duplicate=True),
        "context_more_style": Output(ids.CONTEXT_MORE, "style", allow_duplicate=True),
    }


def table_outputs() -> dict[str, Output]:
    """The table of the results in view, and the button that asks for it (``update_table``)."""
    return {"table": Output(ids.TABLE, "children"), "button_style": Output(ids.SHOW_TABLE_BUTTON, "style")}


def _shown(flag: bool) -> dict:
    return SHOWN if flag else HIDDEN


def update_overview_chart(store: Store, views: Views, intervals: object, selected: object, survey_id: object) -> list:
    """The overview's bars with intervals on or off: every row's bar, those the selection leaves out hidden."""
    survey = store.survey(survey_id)
    themes, _ = clean_themes(selected, survey.theme_ids)
    every = landing.page_marks(store, views, survey).overview
    return [raw(components.bar_list(every, views.labels, _on(intervals), themes))]


def overview_words(store: Store, views: Views, wanted: object, survey_id: object) -> dict:
    """The overview's key and footer for a selection whose rows the page's filter model does not hold
    (``filtering.MAX_ROW_SETS``): filter.js asks for them by the themes ticked."""
    if not isinstance(wanted, list):
        return {"key": no_update, "footer": no_update}
    survey = store.survey(survey_id)
    themes, _ = clean_themes(wanted, survey.theme_ids)
    chart = views.get(survey, tuple(themes)).chart(components.overview_spec(survey).slug)
    return {
        "key": components.chart_key(chart.rows, views.labels),
        "footer": components.chart_footer(chart.rows, chart.spec, views.labels),
    }


def _opened(clicks: object) -> bool:
    return isinstance(clicks, int) and not isinstance(clicks, bool) and clicks >= 1


def _show_all(more: object) -> bool:
    """Whether a list's "show all" button (its clicks: ``more``) asks for every item."""
    return isinstance(more, int) and not isinstance(more, bool) and more % 2 == 1


def applied(themes: list[str], show_all: bool) -> str:
    """The selection a list was written for (its ``data-applied``): filter.js asks again when it has changed."""
    return " ".join(themes) + ("|all" if show_all else "|")


def update_quotes(
    store: Store, selected: object, stances: object, search: object, more: object, survey_id: object
) -> dict:
    """The quotations of the stances and search, for the browser to filter by theme: every one, marked with its
    themes, those out of the selection or past the first few (unless all are asked for) hidden
    (``components.quote_list``); how many match, and the "show all" button."""
    survey = store.survey(survey_id)
    themes, _ = clean_themes(selected, survey.theme_ids)
    pool = store.survey_quotes(survey)
    quotes = filter_quotes(pool, [], stances, search)  # every theme: the browser filters by theme
    show_all = _show_all(more)
    n = len(filter_by_themes(quotes, themes))
    words = wording.list_words("quotes", n, len(pool), components.QUOTES_SHOWN, show_all)
    limit = None if show_all else components.QUOTES_SHOWN
    listed = components.quote_list(quotes, store.theme_labels, themes, limit)
    return {
        "quotes": [raw(listed, **{"data-applied": applied(themes, show_all)})],
        "count": words["count"],
        "more": words["more"],
        "more_style": _shown(n > components.QUOTES_SHOWN),
    }


def update_context(store: Store, selected: object, more: object, survey_id: object) -> dict:
    """The context cards and their "show all" button. Where the browser can filter them
    (``components.context_in_browser``), every card, marked as the quotations are; else those of the selection,
    the first few unless all are asked for, and the browser asks again on each theme click."""
    survey = store.survey(survey_id)
    themes, _ = clean_themes(selected, survey.theme_ids)
    every = store.survey_context(survey)
    in_view = filter_by_themes(every, themes)
    show_all = _show_all(more)
    limit = None if show_all else components.CONTEXT_SHOWN
    if components.context_in_browser(every):
        cards = components.context_cards(every, store, limit, themes)
    else:
        cards = components.context_cards(in_view, store, limit)
    n = components.context_count(in_view)
    return {
        "context": [raw(cards)],
        "context_more": wording.list_words("context", n, 0, components.CONTEXT_SHOWN, show_all)["more"],
        "context_more_style": _shown(n > components.CONTEXT_SHOWN),
    }


def update_table(
    store: Store, views: Views, clicks: object, selected: object, survey_id: object, wanted: object = None
) -> dict:
    """The table of the results in view, made only once asked for; again on each theme click while it is open
    (filter.js sets ``wanted``, ids.TABLE_WANTED)."""
    if not _opened(clicks):
        return {"table": [], "button_style": no_update}
    survey = store.survey(survey_id)
    themes, _ = clean_themes(selected, survey.theme_ids)
    view = views.get(survey, tuple(themes))
    caption = f"{components.summary_text(store, view)} Each row is one figure as the report states it."
    # A region that scrolls sideways on a phone: focusable, so a keyboard can scroll it, and named.
    wrap = html.Div(
        components.results_table(view.results, caption, store.sources),
        className="table-wrap",
        tabIndex="0",
        role="region",
        **{"aria-label": "The results in view, as a table"},
    )
    return {"table": [wrap], "button_style": HIDDEN}


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


# Registration. --------------------------------------------------------------------------------------------------
# Server callbacks of several outputs are registered with named outputs and inputs (Dash passes the inputs by
# name and reads the returned dict by name); one output stays bare (a dict would change what the browser posts);
# clientside ones are functions of assets/*.js, which take and return positions.


def _clientside(app: Dash, function: str, outputs: list, inputs: list, states: list, **options) -> None:
    """Register ``send.<function>`` (or ``send_export.<function>``, after the dot) from assets/*.js."""
    namespace, _, name = function.rpartition(".")
    app.clientside_callback(
        ClientsideFunction(namespace=namespace, function_name=name), *outputs, *inputs, *states, **options
    )


def _register_clientside(app: Dash) -> None:
    """The survey pick, the address <-> checkboxes sync (in the browser: no round trip holds the panels back),
    and "All charts in view", which fetches the server's export route (dashboard/downloads.py) from the browser
    (assets/export.js), so a busy server answers 503 + Retry-After and the page shows its message."""
    _clientside(app, "send.pickSurvey", [Output(ids.SURVEY, "data")], [Input(ids.URL, "search")],
                [State(ids.SURVEYS, "data"), State(ids.SURVEY, "data")])  # fmt: skip
    _clientside(app, "send.syncUrl",
                [Output(ids.PAGE_URL, "search"), Output(ids.THEMES, "value"), Output(ids.THEME_NOTICE, "children")],
                [Input(ids.PAGE_URL, "search"), Input(ids.THEMES, "value")],
                [State(ids.THEME_IDS, "data"), State(ids.SURVEYS, "data")])  # fmt: skip
    # A theme click, filtered in the browser (assets/filter.js): the bars, cards, contrasts and sections shown,
    # the links, the summary, and the overview's question, key and footer.
    _clientside(app, "send_filter.filterPage",
                [Output(ids.OVERVIEW_QUESTION, "children"), Output(ids.OVERVIEW_KEY, "children"),
                 Output(ids.OVERVIEW_FOOTER, "children"), Output(ids.SELECTION_SUMMARY, "children"),
                 Output(ids.FILTER_STATE, "children"), Output(ids.OVERVIEW_WANTED, "data")],
                [Input(ids.THEMES, "value")],
                [State(ids.FILTER_MODEL, "data"), State(ids.SURVEY, "data"), State(ids.SURVEYS, "data")],
                prevent_initial_call=True)  # fmt: skip
    # The quotations and context of a theme click or a "show all", in the browser too: their counts and buttons,
    # and what the server must still draw (the stores: quotations written for another selection, context cards
    # the browser cannot filter, an open table).
    _clientside(app, "send_filter.filterLists",
                [Output(ids.QUOTE_COUNT, "children"), Output(ids.QUOTES_MORE, "children"),
                 Output(ids.QUOTES_MORE, "style"), Output(ids.CONTEXT_MORE, "children"),
                 Output(ids.CONTEXT_MORE, "style"), Output(ids.QUOTES_WANTED, "data"),
                 Output(ids.CONTEXT_WANTED, "data"), Output(ids.TABLE_WANTED, "data")],
                [Input(ids.THEMES, "value"), Input(ids.QUOTES_MORE, "n_clicks"), Input(ids.CONTEXT_MORE, "n_clicks"),
                 Input(ids.QUOTES, "children")],
                [State(ids.FILTER_MODEL, "data"), State(ids.SHOW_TABLE_BUTTON, "n_clicks")],
                prevent_initial_call=True)  # fmt: skip
    _clientside(app, "send_export.exportCharts",
                [Output(ids.EXPORT_DOWNLOAD, "data"), Output(ids.EXPORT_STATUS, "children")],
                [Input(ids.EXPORT_PNG_BUTTON, "n_clicks"), Input(ids.EXPORT_SVG_BUTTON, "n_clicks")],
                [State(ids.THEMES, "value"), State(ids.SHOW_INTERVALS, "value"), State(ids.SURVEY, "data")],
                prevent_initial_call=True)  # fmt: skip


def _survey() -> dict[str, State]:
    """The survey shown, as a callback's state: a new dict for each callback (Dash adds the inputs to it)."""
    return {"survey_id": State(ids.SURVEY, "data")}


def register(app: Dash, store: Store, views: Views) -> list[str]:
    """Wire the plain functions above to the page; return the outputs whose responses may be cached."""
    _register_clientside(app)
    app.callback(Output(ids.PAGE, "children"), Input(ids.SURVEY, "data"), State(ids.URL, "search"))(
        lambda survey_id, search: render_page(store, views, survey_id, search)
    )
    app.callback(
        output=quote_outputs(),
        inputs={
            "stances": Input(ids.QUOTE_STANCE, "value"),
            "search": Input(ids.QUOTE_SEARCH, "value"),
            "wanted": Input(ids.QUOTES_WANTED, "data"),
        },
        state={"selected": State(ids.THEMES, "value"), "more": State(ids.QUOTES_MORE, "n_clicks"), **_survey()},
        prevent_initial_call=True,  # rendered with the page
    )(lambda wanted, **kw: update_quotes(store, **kw))
    # The registrations below are alike in shape because each declares one callback (its outputs, inputs and
    # state, then the plain function it calls), not repeated logic.
    app.callback(
        Output(ids.OVERVIEW_CHART, "children"),
        Input(ids.SHOW_INTERVALS, "value"),
        State(ids.THEMES, "value"),
        State(ids.SURVEY, "data"),
        prevent_initial_call=True,
    )(lambda intervals, selected, survey_id: update_overview_chart(store, views, intervals, selected, survey_id))
    app.callback(
        output={
            "key": Output(ids.OVERVIEW_KEY, "children", allow_duplicate=True),
            "footer": Output(ids.OVERVIEW_FOOTER, "children", allow_duplicate=True),
        },
        inputs={"wanted": Input(ids.OVERVIEW_WANTED, "data")},
        state=_survey(),
        prevent_initial_call=True,
    )(lambda **kw: overview_words(store, views, **kw))
    app.callback(
        output=context_outputs(),
        inputs={"wanted": Input(ids.CONTEXT_WANTED, "data")},  # only where the browser cannot filter them
        state={"selected": State(ids.THEMES, "value"), "more": State(ids.CONTEXT_MORE, "n_clicks"), **_survey()},
        prevent_initial_call=True,
    )(lambda wanted, **kw: update_context(store, **kw))
    app.callback(
        output=table_outputs(),
        inputs={"clicks": Input(ids.SHOW_TABLE_BUTTON, "n_clicks"), "wanted": Input(ids.TABLE_WANTED, "data")},
        state={"selected": State(ids.THEMES, "value"), **_survey()},
        prevent_initial_call=True,
    )(lambda **kw: update_table(store, views, **kw))
    app.callback(
        Output(ids.DOWNLOAD_CSV, "data"),
        Input(ids.DOWNLOAD_CSV_BUTTON, "n_clicks"),
        State(ids.THEMES, "value"),
        State(ids.SURVEY, "data"),
        prevent_initial_call=True,
    )(lambda n, selected, survey_id: download_csv(store, views, n, selected, survey_id))
    # Answers that depend on the request alone (the data never changes while serving): the page, the overview's
    # bars, the quotations and the context cards.
    cached = (f"{ids.PAGE}.children", f"{ids.OVERVIEW_CHART}.children", f"{ids.QUOTES}.children", f"{ids.CONTEXT}.")
    return [key for key in app.callback_map if any(part in key for part in cached)]
