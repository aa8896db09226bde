"""Theme filtering in the browser: the one rule, the marks the page carries, and the model the browser reads.

A theme click does not wait on the server. Every part of the landing page that a selection can hide carries
the themes of what it holds (``data-themes``: a chart card, the themes of its chart's rows; a bar, its row's;
a section, the union of its parts'). The rule is the one ``data.filter_by_themes`` applies to rows: with no
theme ticked everything shows; otherwise a part shows when it shares a theme with the selection. The server
marks the parts the first selection hides (``HIDDEN_CLASS``); ``assets/filter.js`` applies the same rule on
each click, and rewrites the links, the "Showing…" line and the overview chart's question, key and footer.

The key and footer are the server's own words for the rows in view (``content.key``, ``content.footer``),
written for every set of overview rows a selection can leave (``landing.filter_model``): the browser only picks one, so
no wording rule is copied into the script. The question's "Filtered to: …" and the summary line are short
enough to mirror (``filter.js`` says so beside them); tests/dashboard/test_filter_js.py runs the script and
the server on the same selections and compares every output.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from etl.schema import Col

HIDDEN_CLASS = "filtered-out"  # style.css: display none
OVER_LIMIT_CLASS = "over-limit"  # style.css: display none; an item in view past a list's first few ("Show all")
EMPTY_CLASS = "list-empty"  # a list's "nothing matches" line, shown only when none of its items is in view
ATTRIBUTE = "data-themes"
LINK_ATTRIBUTE = "data-chart-link"  # on a link to a chart's page: its slug (the browser rewrites its query)
MAX_ROW_SETS = 4096  # overview row sets written into the model at most (the real survey has 168)


def shown(themes: Iterable[str], selected: Sequence[str]) -> bool:
    """Whether a part tagged with ``themes`` shows for the ``selected`` themes (none ticked: everything)."""
    return not selected or not set(selected).isdisjoint(themes)


def marks(themes: Iterable[str], selected: Sequence[str], class_name: str = "") -> dict:
    """The props that make a component filterable: its themes, and, when the selection hides it, the hidden
    class after ``class_name``."""
    have = sorted(set(themes))
    classes = [c for c in (class_name, "" if shown(have, selected) else HIDDEN_CLASS) if c]
    return {ATTRIBUTE: " ".join(have), "className": " ".join(classes) or None}


def list_marks(
    item_themes: Sequence[Iterable[str]], selected: Sequence[str], limit: int | None, class_name: str = ""
) -> list[dict]:
    """``marks`` for each item of a list that shows its first ``limit`` items in view (None: all of them):
    the items the selection hides get ``HIDDEN_CLASS``, those in view past the limit ``OVER_LIMIT_CLASS``.
    filter.js's ``listItems`` applies the same rule when a theme or "Show all" is clicked."""
    out = []
    in_view = 0
    for themes in item_themes:
        mark = marks(themes, selected, class_name)
        if shown(themes, selected):
            in_view += 1
            if limit is not None and in_view > limit:
                mark["className"] = " ".join(c for c in (class_name, OVER_LIMIT_CLASS) if c)
        out.append(mark)
    return out


def empty_marks(item_themes: Sequence[Iterable[str]], selected: Sequence[str]) -> dict:
    """The props of a list's "nothing matches" line: hidden while any item is in view."""
    hidden = any(shown(themes, selected) for themes in item_themes)
    return {"className": " ".join([EMPTY_CLASS, "empty"] + ([HIDDEN_CLASS] if hidden else []))}


def themes_of(rows: Iterable[dict]) -> set[str]:
    """Every theme of ``rows``."""
    return {t for r in rows for t in r[Col.THEMES]}


def signature(visible: Sequence[bool]) -> str:
    """Which overview rows are in view, as the model's key ("1" in view, "0" not), in drawing order."""
    return "".join("1" if v else "0" for v in visible)


def row_sets(row_themes: Sequence[set[str]], theme_ids: Sequence[str]) -> list[frozenset[int]]:
    """Every set of rows a selection can leave in view, each once: the union-closure of the single themes'
    sets (a selection keeps the rows of any of its themes), with every row for the empty selection.
    Computed from the sets themselves, not from the 2^n selections, and bounded by MAX_ROW_SETS."""
    singles = {frozenset(i for i, ts in enumerate(row_themes) if t in ts) for t in theme_ids}
    found = {frozenset(range(len(row_themes)))} | singles
    frontier = set(singles)
    while frontier:
        new = {a | b for a in frontier for b in singles} - found
        found |= new
        frontier = new
        if len(found) > MAX_ROW_SETS:
            raise ValueError(f"more than {MAX_ROW_SETS} sets of overview rows: filter on the server instead")
    return sorted(found, key=lambda s: (len(s), sorted(s)))
