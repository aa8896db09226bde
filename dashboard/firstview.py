"""The landing page's first view, in the HTML of ``/`` itself (issue 18: its Largest Contentful Paint).

The landing page is a Dash page: its content comes from the page callback (``callbacks.render_page``), after
Dash's scripts have loaded, the layout and dependencies have been fetched and the callback has answered. So the
HTML of ``/`` also holds the page for the address it is asked with (``?survey=``, ``?theme=``, ``?intervals=``,
read as ``selection.from_search`` reads them): ``first_view`` writes ``landing.survey_page``'s components for that
selection with ``to_html``, the controls that need a callback made plain (``plain_landing``, which the static
bake uses too), in ``#first-view`` before Dash's entry point (``install`` puts it into the index page). It paints
with the first response; the page callback's answer replaces it:

- style.css hides Dash's entry point while ``#first-view`` is in the document, and hides ``#first-view`` once
  Dash's ``#page`` has children; ``assets/dashboard.js`` removes ``#first-view`` when they arrive, in the
  MutationObserver's callback, which runs before the next paint. So the swap happens in one frame, with no empty
  page between, and no id stands twice in the document a reader or assistive technology is given.
- Without JavaScript it is the page: the theme filter and the intervals toggle are a GET form (the same
  checkboxes; its submit button is in ``<noscript>``), the export buttons links to the charts-in-view zips, the
  table a disclosure, every quotation and context figure shown. What only a script can do (the results CSV, the
  briefing buttons, the quotations' own filters) is left out or hidden (``.needs-script``,
  ``@media (scripting: none)``).
- With JavaScript, before Dash's page arrives: links work; a tick in the form goes to its address
  (dashboard.js), which the server answers with that selection's first view.

The HTML is cached per normalised selection (``CACHE_ENTRIES``, ``CACHE_BYTES``); an unknown theme or survey
gives the page callback's view with the notice the page's script would show. The page's ETag already varies by
query (``httpcache.etag_of``), and so does the proxy's cache key (``nginx.conf.template``).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from dataclasses import dataclass

import dash_bootstrap_components as dbc
from dash import Dash, dcc, html
from dash.development.base_component import Component
from markupsafe import Markup, escape

from dashboard import callbacks, ids, landing, selection, wording
from dashboard.cache import BoundedLRU
from dashboard.data import Store, Survey
from dashboard.downloads import CHARTS_ZIP
from dashboard.rawhtml import RawHtml, element, raw, rebuilt, to_html
from dashboard.views import Views

ID = "first-view"
NEEDS_SCRIPT = "needs-script"  # style.css: hidden when the browser runs no script
CACHE_ENTRIES = 64
CACHE_BYTES = 8 << 20  # per process; a first view is ~0.12 MB


# Trees of components. --------------------------------------------------------------------------------------------


def transform(node: object, change: Callable[[Component], object]) -> object:
    """The tree with ``change`` applied to every component, top down: it returns the component (its children are
    then visited), another node (kept as it is), or None (removed)."""
    if isinstance(node, (list, tuple)):
        out = [transform(n, change) for n in node]
        return [n for n in out if n is not None]
    if not isinstance(node, Component):
        return node
    if isinstance(node, RawHtml) and hasattr(node, "source"):  # server-made HTML: change its components, rewrite it
        return rebuilt(node, transform(node.source, change))
    changed = change(node)
    if changed is not node:
        return changed
    children = getattr(node, "children", None)
    if children is not None:
        node.children = transform(children, change)
    return node


def has_child(node: Component, ident: str) -> bool:
    children = getattr(node, "children", None)
    children = children if isinstance(children, (list, tuple)) else [children]
    return any(isinstance(c, Component) and getattr(c, "id", None) == ident for c in children)


def classes(node: Component) -> set[str]:
    return set((getattr(node, "className", None) or "").split())


# The landing page, made plain. -----------------------------------------------------------------------------------


def plain_checklist(node: dbc.Checklist, name: str) -> RawHtml:
    """A ``dbc.Checklist`` as the HTML it renders (so it looks the same), its boxes named ``name`` for a GET form,
    their ids their own (``fv-<name>-<value>``: never one of the Dash page's)."""
    chosen = node.value or []
    inline = " form-check-inline" if getattr(node, "inline", False) else ""
    boxes = []
    for option in node.options:
        value = str(option["value"])
        ident = f"fv-{name}-{value}"
        box = element(
            "input",
            id=ident,
            name=name,
            value=value,
            className=f"form-check-input {node.inputClassName}",
            type="checkbox",
            checked=value in chosen,
        )
        label = f'<label class="form-check-label {escape(node.labelClassName)}" for="{escape(ident)}">'
        boxes.append(f'<div class="form-check{inline}">{box}{label}{escape(option["label"])}</label></div>')
    return RawHtml(Markup("".join(boxes)), className=node.className)


def theme_form(node: html.Div, survey: Survey, store: Store, change: Callable[[Component], object]) -> html.Form:
    """The filter panel's body (the theme checkboxes, the intervals toggle) as a GET form of ``/``: without a
    script its button (in ``noscript``) asks for the page of the boxes ticked; with one, dashboard.js goes there
    on a tick, until Dash's page replaces this one."""
    survey_field = []
    if survey.id != store.default_survey:
        survey_field = [RawHtml(element("input", type="hidden", name="survey", value=survey.id), tag="div")]
    submit = html.Noscript(html.Button("Show the themes ticked", type="submit", className="button"))
    return html.Form(
        method="get",
        action="/",
        className=node.className,
        autoComplete="off",
        **{"data-first-view": "filters"},
        children=[*survey_field, *transform(node.children, change), submit],
    )


def plain_landing(
    store: Store,
    views: Views,
    survey: Survey,
    chosen: selection.Selection,
    notice: str = "",
    *,
    static: bool,
    csv_href: str | None = None,
) -> list:
    """The landing page of ``survey`` for the selection ``chosen`` (its themes known, in page order), as the Dash app
    renders it (``landing.survey_page``) with every quotation and context figure shown, the controls that need a
    callback made plain:

    - both: the stores and downloads removed, the quotations' own filters and "show all" buttons removed, the table
      a disclosure holding it, the export buttons links to the charts-in-view zips;
    - ``static`` (the bake): the theme filter left to the caller (``site.static_landing`` puts links to each
      theme's page in its place), the intervals toggle and briefing buttons removed, the CSV button a link to
      ``csv_href``;
    - else (the live first view): the theme filter and intervals toggle a GET form (``theme_form``), the CSV and
      briefing buttons kept for the script and hidden without one (``NEEDS_SCRIPT``)."""
    themes = list(chosen.themes)
    view = views.get(survey, chosen.themes)
    quotes = callbacks.update_quotes(store, themes, [], "", 1, survey.id)  # 1: every quotation
    context = callbacks.update_context(store, themes, 1, survey.id)  # 1: every context figure
    table = callbacks.update_table(store, views, 1, themes, survey.id)["table"]
    page = landing.survey_page(store, views, view, chosen.intervals and not static, notice, quotes, context)
    query = selection.query(selection.Selection(survey.id, chosen.themes, chosen.intervals and not static), "")

    def change(node: Component):
        ident = getattr(node, "id", None)
        names = classes(node)
        if isinstance(node, (dcc.Location, dcc.Store, dcc.Download)):
            return None
        if "quote-filters" in names:
            return None
        if ident in (ids.QUOTES_MORE, ids.CONTEXT_MORE, ids.SHOW_TABLE_BUTTON, ids.EXPORT_STATUS):
            return None
        if ident == ids.TABLE:
            summary = html.Summary("Show the table of results in view", className="button secondary")
            return html.Details([summary, *table], id=ids.TABLE, className="results-details")
        if ident in (ids.EXPORT_PNG_BUTTON, ids.EXPORT_SVG_BUTTON):
            fmt = "png" if ident == ids.EXPORT_PNG_BUTTON else "svg"  # the survey always named, as export.js does
            return html.A(
                node.children, href=f"{CHARTS_ZIP}{query}&format={fmt}", className="button secondary", download=True
            )
        if static:
            if isinstance(node, html.Fieldset) and has_child(node, ids.SHOW_INTERVALS):
                return None
            if "briefing-add" in names:
                return None
            if ident == ids.DOWNLOAD_CSV_BUTTON:
                return html.A(node.children, href=csv_href, className="button", download=csv_href.rsplit("/", 1)[-1])
            return node
        if "filter-body" in names:
            return theme_form(node, survey, store, change)
        if isinstance(node, dbc.Checklist) and ident in (ids.THEMES, ids.SHOW_INTERVALS):
            return plain_checklist(node, "theme" if ident == ids.THEMES else "intervals")
        if "briefing-add" in names or ident == ids.DOWNLOAD_CSV_BUTTON:
            node.className = f"{node.className or ''} {NEEDS_SCRIPT}".strip()
        return node

    return transform(page, change)


# The first view of a request. ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FirstView:
    """What an address shows first: the survey, the selection (known themes) and the notice of what it ignored."""

    survey: Survey
    chosen: selection.Selection
    notice: str


def read(store: Store, search: object) -> FirstView:
    """The view an address's query string asks for, as the page's scripts and callback read it: an unknown survey is
    the default one (dashboard.js, pickSurvey), unknown themes are dropped (render_page), and both are named in the
    notice the page's script shows (syncUrl)."""
    asked = selection.from_search(search)
    survey_id, unknown_survey = asked.survey_in(store.surveys, store.default_survey)
    survey = store.survey(survey_id)
    themes, unknown = asked.themes_in(survey.theme_ids)
    notices = [wording.unknown_survey_notice(unknown_survey, "the default survey")] if unknown_survey else []
    notices += [wording.unknown_themes_notice(unknown)] if unknown else []
    return FirstView(survey, selection.Selection(survey.id, tuple(themes), asked.intervals), " ".join(notices))


def first_view(store: Store, views: Views, wanted: FirstView) -> Markup:
    """The HTML of ``#first-view`` for a view: the Dash page's markup around ``plain_landing``'s, so both lay out
    alike (``.page``, ``.survey-page``)."""
    tree = plain_landing(store, views, wanted.survey, wanted.chosen, wanted.notice, static=False)
    inner = to_html(raw(tree, className="survey-page"))
    return Markup(f'<div id="{ID}" class="page">{inner}</div>')


def install(app: Dash, store: Store, views: Views) -> BoundedLRU:
    """Write the first view of the address asked for into the index page of ``app`` (before ``{%app_entry%}``),
    with the survey's name as its title; cached per view. Returns the cache (for tests)."""
    from flask import has_request_context, request

    cache = BoundedLRU(CACHE_ENTRIES, CACHE_BYTES, sizeof=sys.getsizeof)
    plain_index = app.interpolate_index

    def interpolate_index(**parts: str) -> str:
        if has_request_context() and request.path == "/":
            wanted = read(store, "?" + request.query_string.decode("utf-8", "replace"))
            key = (wanted.survey.id, wanted.chosen, wanted.notice)
            parts["app_entry"] = cache.get(key, lambda: str(first_view(store, views, wanted))) + parts["app_entry"]
            parts["title"] = str(escape(wanted.survey.site_title))
        return plain_index(**parts)

    app.interpolate_index = interpolate_index
    return cache
