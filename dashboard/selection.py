"""The address grammar of every page, defined once: ``?survey=<id>&theme=a,b&intervals=on&tab=table``.

- ``survey``: a survey id. Absent means the default survey, which is never written.
- ``theme``: theme ids, comma-separated and repeatable (``?theme=a,b&theme=c``), trimmed and lower-cased;
  written comma-separated, in the page's order.
- ``intervals``: "on" ("1" and "true" are read as on too); written only when on.
- ``tab``: ``chart``, ``table`` or ``sources`` (chart pages); anything else is the chart; written only when
  not the chart.

A blank value counts as absent. An address's query string is read to its first ``MAX_QUERY`` characters,
and at most ``MAX_VALUES`` ``theme`` values. The landing page's script (``assets/dashboard.js``) mirrors
``from_search``, ``Selection.themes_in``, ``Selection.survey_in`` and ``query``: both are tested on the cases
in ``tests/fixtures/url-grammar.json``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import parse_qs, quote

from dashboard.data import clean_themes, short_text

MAX_QUERY = 2000  # characters of an address's query string read
MAX_VALUES = 50  # ``theme`` values read from one query string
MAX_VALUE = 2000  # characters of one value read
TABS = ("chart", "table", "sources")
DEFAULT_TAB = "chart"
ON = ("on", "1", "true")


@dataclass(frozen=True)
class Selection:
    """A page's state as its address gives it: the survey asked for ("" = the default), the theme names (known or
    not: ``themes_in`` sorts them), the intervals flag and the tab."""

    survey: str = ""
    themes: tuple[str, ...] = ()
    intervals: bool = False
    tab: str = DEFAULT_TAB

    def themes_in(self, known: Iterable[str]) -> tuple[list[str], list[str]]:
        """(the known themes asked for, in page order; the unknown names, shortened for a notice)."""
        return clean_themes(list(self.themes), known)

    def survey_in(self, ids: Iterable[str], default: str) -> tuple[str, str | None]:
        """(the survey shown: the one asked for if known, else ``default``; the unknown name asked for, or None)."""
        if self.survey in set(ids):
            return self.survey, None
        return default, (short_text(self.survey) if self.survey else None)


def _values(args: object, name: str) -> list[str]:
    """The non-blank values of ``name`` in Flask's ``request.args`` or a ``parse_qs`` dict."""
    if hasattr(args, "getlist"):
        values = args.getlist(name)
    elif isinstance(args, dict):
        values = args.get(name, [])
    else:
        values = []
    return [str(v)[:MAX_VALUE] for v in values if v]


def theme_names(values: Iterable[object]) -> list[str]:
    """``theme`` values (comma-separated, repeatable) as names: trimmed, lower-cased, blanks dropped."""
    names = []
    for value in list(values)[:MAX_VALUES]:
        names += [n.strip().lower() for n in str(value)[:MAX_VALUE].split(",") if n.strip()]
    return names


def parse(args: object) -> Selection:
    """The selection a query names: Flask's ``request.args`` or a dict of lists (as ``parse_qs`` gives)."""
    survey, intervals, tab = (next(iter(_values(args, name)), "") for name in ("survey", "intervals", "tab"))
    return Selection(
        survey=survey,
        themes=tuple(theme_names(_values(args, "theme"))),
        intervals=intervals in ON,
        tab=tab if tab in TABS else DEFAULT_TAB,
    )


def from_search(search: object) -> Selection:
    """The selection an address's query string names ("?survey=b&theme=a"; anything not a string names none)."""
    if not isinstance(search, str):
        return Selection()
    text = search[:MAX_QUERY]
    return parse(parse_qs(text[1:] if text.startswith("?") else text))


def _encode(value: str) -> str:
    """As the browser's encodeURIComponent, but commas kept (they separate themes)."""
    return quote(value, safe="!~*'(),")


def fields(selection: Selection, default_survey: str) -> list[tuple[str, str]]:
    """The (name, value) pairs an address writes for ``selection``, in order; defaults are left out."""
    out = []
    if selection.survey and selection.survey != default_survey:
        out.append(("survey", selection.survey))
    if selection.themes:
        out.append(("theme", ",".join(selection.themes)))
    if selection.intervals:
        out.append(("intervals", "on"))
    if selection.tab != DEFAULT_TAB:
        out.append(("tab", selection.tab))
    return out


def query(selection: Selection, default_survey: str) -> str:
    """The query string of ``selection`` ("" for the default view), e.g. "?survey=b&theme=x,y&tab=table"."""
    parts = [f"{name}={_encode(value)}" for name, value in fields(selection, default_survey)]
    return ("?" + "&".join(parts)) if parts else ""


def href(path: str, selection: Selection, default_survey: str) -> str:
    """``path`` with the query string of ``selection``."""
    return path + query(selection, default_survey)
