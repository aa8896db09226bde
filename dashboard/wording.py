"""What the pages say, written once: the site's name, page titles, the flag mark, the notes on how a figure
was placed, what a bar's hover says, and the notices. The landing page, the chart pages, the figures, the
exports and the CSVs take their words from here; each renders them in its own markup.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from dashboard.data import count_label
from etl.package import LICENCE, LICENCE_SHORT
from etl.schema import Col, Qualifier

# The site's name comes from the data (each survey's charts.yaml: site_title; Store.site_title before a survey
# is chosen). Only a page shown when there is no data to name it says this.
NO_DATA_TITLE = "Survey dashboard"
FLAG_MARK = "⚠"
NO_FIGURE_FOR_THEMES = "None of this chart's figures is tagged with the selected themes."
DERIVED_SENTENCE = "Not reported; derived from the other answers."
REPORTED = "Reported"
SECTION = "Section"
DOCUMENT = "Source"  # the document a figure is from (a survey's report, a press release)
# The chart pages' footer (the landing page's adds what is not shown).
SITE_FOOTNOTE = (
    "Every number is as its document prints it, with the sentence it came from. Bounds are drawn as ranges, "
    "never as exact values."
)

# The landing page's lists of quotations and context figures. Templates, not sentences: the server fills them
# (``list_words``) and so does the browser (assets/filter.js, from the filter model), so each is written once.
# {shown}: items shown, {n}: items that match, {total}: the survey's quotations in all.
LIST_WORDS = {
    "quotes": {
        "count": "Showing {shown} of {n} quotations that match ({total} in all).",
        "more": "Show all {n} quotations",
        "fewer": "Show fewer quotations",
        "empty": "No quotation matches these filters.",
    },
    "context": {
        "count": "",
        "more": "Show all {n} context figures",
        "fewer": "Show fewer context figures",
        "empty": "No context figure is tagged with these themes.",
    },
}


def list_words(kind: str, n: int, total: int, limit: int, show_all: bool) -> dict[str, str]:
    """What a list (``LIST_WORDS[kind]``) says of ``n`` items that match, the first ``limit`` shown unless all
    are asked for: its count line and its button's words."""
    words = LIST_WORDS[kind]
    shown = n if show_all else min(n, limit)
    return {
        "count": words["count"].format(shown=shown, n=n, total=total),
        "more": words["fewer" if show_all else "more"].format(n=n),
    }


LICENCE_URL = LICENCE["path"]


def licence_line() -> str:
    """The licence of the data and the charts, as images and the Cite block say it."""
    return f"Data and chart: {LICENCE_SHORT} ({LICENCE_URL})."


def version_line(version: str) -> str:
    """The data version and the licence, as the image footer and the Cite block say them."""
    return f"Data version {version}. {licence_line()}"


def page_title(name: str, site: str) -> str:
    """A page's <title>: its own name, then the site's (``Survey.site_title``)."""
    return f"{name} · {site}"


def themes_named(theme_labels: Mapping[str, str], themes: Iterable[str]) -> str:
    """The selected themes by name, as a filter summary says them ("all themes" for none)."""
    names = [theme_labels[t] for t in themes]
    return ", ".join(names) if names else "all themes"


def document_name(sources: Mapping[str, Mapping], source_id: str) -> str:
    """The document a figure is from, in a few words (its short title, else its title, else its id)."""
    doc = sources.get(source_id) or {}
    return doc.get(Col.SHORT_TITLE) or doc.get(Col.TITLE) or source_id


def flag_line(flag: str) -> str:
    """A consistency flag as the footer, the hover and the table print it."""
    return f"{FLAG_MARK} {flag}"


def is_flag_line(line: str) -> bool:
    return line.startswith(FLAG_MARK)


def unknown_themes_notice(unknown: list[str] | tuple[str, ...]) -> str:
    """The notice naming the themes an address asked for that are not on the page ("" for none)."""
    if not unknown:
        return ""
    return f"Ignored unknown theme{'s' if len(unknown) > 1 else ''}: {', '.join(unknown)}. Showing the rest."


def unknown_survey_notice(asked: str, shown: str) -> str:
    """The notice naming a survey an address asked for that is not in the dashboard, and the one shown instead (as
    the landing page's script says it: assets/dashboard.js)."""
    return f"Unknown survey: {asked}. Showing {shown}."


def notes_of(row: Mapping) -> list[str]:
    """Every note that says how a record was placed, labelled or derived: shown in hovers, tables and CSVs."""
    out = []
    if row[Col.GROUP_BOUND]:
        out.append("Reported only as one bound for a group of items, not for this item alone.")
    for field in (Col.FIGURE_NOTE, Col.NOTE):
        if row[field]:
            out.append(row[field])
    return out


def in_words(row: Mapping, plural: str) -> str:
    """What a bound allows, in plain words before any arithmetic: "“over 70%” of the 10 <plural> is at least
    8 of them." ("" for a figure that is not a bound, or whose base is not stated)."""
    lo, hi, base, q = row[Col.COUNT_MIN], row[Col.COUNT_MAX], row[Col.BASE], row[Col.QUALIFIER]
    if base is None or lo is None or lo == hi:
        return ""
    said = f"“{row[Col.REPORTED_TEXT]}” of the {base} {plural}"
    if q == Qualifier.OVER.value:
        return f"{said} is at least {lo} of them."
    if q == Qualifier.LESS_THAN.value:
        return f"{said} is at most {hi} of them."
    return f"{said} is between {lo} and {hi} of them."


@dataclass(frozen=True)
class Hover:
    """What a bar's hover says, as plain text; the figure and the landing page's bars each lay it out."""

    reported: str
    who: str  # what the respondents are called, capitalised
    counts: str
    section: str
    document: str  # the document the figure is from (its short title)
    sentence: str  # the report's sentence; or, for a derived share, how it was derived
    quoted: bool  # whether ``sentence`` is the report's own words (printed in quotation marks)
    notes: list[str]  # what a bound allows in words, every note, the flag

    def lines(self) -> list[str]:
        """The hover as lines of plain text (a title attribute)."""
        return [
            f"{REPORTED}: {self.reported}",
            f"{self.who}: {self.counts}",
            f"{SECTION}: {self.section}",
            f"{DOCUMENT}: {self.document}",
            f"“{self.sentence}”" if self.quoted else self.sentence,
            *self.notes,
        ]


def hover(row: Mapping, plural: str, sources: Mapping[str, Mapping]) -> Hover:
    """The hover of one bar: the figure as printed, the respondents it allows, the section, the document it is
    from (``sources``: each document's origin by id) and the sentence."""
    if count_label(row):
        counts = f"{count_label(row)} {plural}"
    elif row[Col.BASE] is not None:
        counts = f"no whole number of the {row[Col.BASE]} gives the printed figure (see the note)"
    else:
        counts = "not derivable: the number who answered is not stated"
    derived = row[Col.QUALIFIER] == Qualifier.DERIVED.value
    sentence = (row[Col.NOTE] or DERIVED_SENTENCE) if derived else (row[Col.VERBATIM] or "")
    words = in_words(row, plural)
    notes = ([words] if words else []) + notes_of(row) + ([flag_line(row[Col.FLAG])] if row[Col.FLAG] else [])
    return Hover(
        row[Col.REPORTED_TEXT],
        plural.capitalize(),
        counts,
        row[Col.SECTION],
        document_name(sources, row[Col.SOURCE]),
        sentence,
        not derived,
        notes,
    )
