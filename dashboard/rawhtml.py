"""``RawHtml``: one Dash component that holds a piece of the page as server-made HTML (``assets/rawhtml.js``).

Why: the Dash renderer walks every mounted component on each callback (a theme click runs several), and the
landing page's static parts (the headline, the about panel, the chart cards, the overview's bars and contrasts,
the quotations and context figures) were 400 of its 458 components. Written as HTML, each part is one
component and React does not reconcile what is inside it. The HTML comes from the same Dash components,
written by ``site.to_html`` (every text and attribute escaped), so nothing of a reader's input is in it.
``dcc.Markdown(dangerously_allow_html=True)`` would do the same, but it loads its markdown parser (a separate
bundle) on the first page; this component is a few lines of script. Parts the browser's theme filter hides are
marked inside the HTML (``filtering``): ``assets/filter.js`` finds them in the document as it finds any other.
"""

from __future__ import annotations

import json
import re

from dash.development.base_component import Component
from markupsafe import Markup, escape

PART = "html-part"


class RawHtml(Component):
    """A ``div`` (or ``tag``) whose content is ``html``: server-made, escaped HTML."""

    _children_props: list[str] = []
    _base_nodes: list[str] = []
    _namespace = "dashboard"  # assets/rawhtml.js defines window.dashboard.RawHtml
    _type = "RawHtml"

    def __init__(self, html: str = "", id: str | None = None, className: str | None = None, tag: str = "div", **kwargs):
        self._prop_names = ["id", "html", "className", "tag", "style", "role", "aria-*", "data-*"]
        self._valid_wildcard_attributes = ["data-", "aria-"]
        self.available_properties = list(self._prop_names)
        self.available_wildcard_properties = ["data-", "aria-"]
        args = {k: v for k, v in {"id": id, "className": className}.items() if v is not None}
        super().__init__(html=str(html), tag=tag, **args, **kwargs)


def raw(node: object, id: str | None = None, className: str | None = None, tag: str = "div", **props) -> RawHtml:
    """Dash ``html.*`` components as one RawHtml: ``node`` written as HTML inside a ``tag`` with these props. The
    components are kept as ``source`` (not sent to the browser), for the static site's changes and for tests.
    Without a class, the wrapper is ``PART`` (style.css: ``display: contents``), so the HTML's elements lay out
    as children of the wrapper's parent (a grid of cards stays a grid)."""
    out = RawHtml(str(to_html(node)), id=id, className=className or PART, tag=tag, **props)
    out.source = node
    return out


def rebuilt(node: RawHtml, source: object) -> RawHtml:
    """``node`` with other ``source`` components, its own props kept."""
    props = {k: v for k, v in node.to_plotly_json()["props"].items() if k != "html"}
    return raw(source, **props)


# Dash components as HTML. --------------------------------------------------------------------------------------

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
ATTRIBUTES = {
    "className": "class",
    "htmlFor": "for",
    "tabIndex": "tabindex",
    "accessKey": "accesskey",
    "contentEditable": "contenteditable",
    "spellCheck": "spellcheck",
}
SKIPPED = {"children", "n_clicks", "n_clicks_timestamp", "disable_n_clicks", "loading_state", "key", "setProps"}
HTML_NAMESPACE = "dash_html_components"


def _css_name(name: str) -> str:
    """A style key as CSS: custom properties as they are, camelCase as kebab-case (as React writes them)."""
    if name.startswith("--"):
        return name
    return re.sub(r"[A-Z]", lambda m: "-" + m.group(0).lower(), name)


def style_text(style: dict) -> str:
    """A component's style dict as a ``style`` attribute's text."""
    return ";".join(f"{_css_name(k)}:{v}" for k, v in style.items() if v is not None and v != "")


def _attribute(name: str, value: object) -> str:
    if name == "id" and isinstance(value, dict):  # a pattern-matching id, as Dash writes it into the page
        value = json.dumps(value, sort_keys=True, separators=(",", ":"))
    if name == "style":
        value = style_text(value) if isinstance(value, dict) else value
        if not value:
            return ""
    if value is True:
        return f" {ATTRIBUTES.get(name, name)}"
    if value is False or value is None:
        return ""
    return f' {ATTRIBUTES.get(name, name)}="{escape(str(value))}"'


def element(tag: str, **props: object) -> Markup:
    """One element with no children (``input``), its attributes escaped: for the controls Dash's ``html`` has no
    component for (``dashboard.firstview`` writes plain checkboxes with it)."""
    attributes = "".join(_attribute(k, v) for k, v in props.items() if v is not None)
    return Markup(f"<{tag}{attributes}>" if tag in VOID else f"<{tag}{attributes}></{tag}>")


def to_html(node: object) -> Markup:
    """Dash ``html.*`` components (a tree, a list, text, numbers) as HTML; text and attributes escaped. Any other
    component is refused (ValueError): it needs a callback, so the caller must make it plain first."""
    if node is None or node is False:
        return Markup("")
    if isinstance(node, (list, tuple)):
        return Markup("").join(to_html(n) for n in node)
    if isinstance(node, Component):
        if isinstance(node, RawHtml):
            props = node.to_plotly_json()["props"]
            attributes = "".join(
                _attribute(k, v) for k, v in props.items() if k not in ("html", "tag") and v is not None
            )
            return Markup(f"<{node.tag}{attributes}>{node.html}</{node.tag}>")  # html: written by to_html
        if node._namespace != HTML_NAMESPACE:
            raise ValueError(f"{node._namespace}.{node._type} (id {getattr(node, 'id', None)!r}) needs a callback")
        tag = node._type.lower()
        props = node.to_plotly_json()["props"]  # its props, the aria-* and data-* ones included
        names = [k for k in node._prop_names if k in props] + sorted(k for k in props if k not in node._prop_names)
        attributes = "".join(_attribute(k, props[k]) for k in names if k not in SKIPPED and props[k] is not None)
        if tag in VOID:
            return Markup(f"<{tag}{attributes}>")
        return Markup(f"<{tag}{attributes}>{to_html(getattr(node, 'children', None))}</{tag}>")
    if isinstance(node, (str, int, float)):
        return escape(str(node))
    raise TypeError(f"cannot write {type(node).__name__} as HTML")
