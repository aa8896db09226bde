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
