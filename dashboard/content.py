"""What a chart's key, footer, table and sources say, as plain data (text, rows, cells).

The landing page's Dash components (``components.py``) and the chart pages' Jinja partials
(``templates/_key.html``, ``_footer.html``, ``_table.html``, ``_sources.html``) each render this in their own
markup, so the two pages cannot say different things.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from dashboard.data import ChartSpec, Rows, Store, count_label, format_published
from dashboard.figures import Labels, documents_of, footer_lines, key_items
from dashboard.wording import LICENCE_URL, document_name, flag_line, is_flag_line, notes_of
from etl.derive import SOLID_QUALIFIERS
from etl.package import LICENCE, LICENCE_SHORT
from etl.schema import Col, Qualifier


@dataclass(frozen=True)
class KeyItem:
    label: str
    colour: str
    hatched: bool


def key(rows: Rows, labels: Labels) -> list[KeyItem]:
    """The colour key of a chart: one swatch per response group, and the hatch of a bound."""
    return [KeyItem(*item) for item in key_items(rows, labels)]


@dataclass(frozen=True)
class FooterLine:
    text: str
    flag: bool  # a consistency flag, shown as a note


def footer(rows: Rows, spec: ChartSpec, labels: Labels) -> list[FooterLine]:
    """Source, base, how to read the bars, the chart's note and its flags, as paragraphs."""
    return [FooterLine(line, is_flag_line(line)) for line in footer_lines(rows, spec, labels)]


TABLE_COLUMNS = [
    ("Item", Col.ITEM),
    ("Response", Col.CATEGORY),
    ("Reported", Col.REPORTED_TEXT),
    ("Kind of figure", "qualifier_words"),
    ("Respondents it allows", "counts"),
    ("Base", Col.BASE),
    ("Wilson 95% (sampling only)", "wilson"),
    ("Notes", "notes"),
    ("Section", Col.SECTION),
    ("Document", "document"),
]
TABLE_HEAD = [heading for heading, _ in TABLE_COLUMNS]


# The qualifier in a few words, for tables (the codebook explains each code in full: etl.schema.QUALIFIER_WORDS).
QUALIFIER_SHORT = {
    Qualifier.EXACT.value: "as printed",
    Qualifier.OVER.value: "a lower bound (over)",
    Qualifier.NEARLY.value: "just below (nearly)",
    Qualifier.LESS_THAN.value: "an upper bound (less than)",
    Qualifier.ABOUT.value: "approximate (about)",
    Qualifier.ALL.value: "all of them",
    Qualifier.NONE.value: "none of them",
    Qualifier.DERIVED.value: "derived, not printed",
}


def table_cells(row: Mapping, sources: Mapping[str, Mapping]) -> dict:
    """The text of each column of a results table for one row (``sources``: each document's origin by id)."""
    wilson = ""
    if row[Col.WILSON_LOW] is not None and row[Col.QUALIFIER] in SOLID_QUALIFIERS:  # a derived row never is
        wilson = f"{row[Col.WILSON_LOW]:.1f}–{row[Col.WILSON_HIGH]:.1f}%"
    notes = notes_of(row) + ([flag_line(row[Col.FLAG])] if row[Col.FLAG] else [])
    return {
        **{f: ("" if row.get(f) is None else str(row[f])) for _, f in TABLE_COLUMNS if f in row},
        "qualifier_words": QUALIFIER_SHORT.get(row[Col.QUALIFIER], row[Col.QUALIFIER]),
        "counts": count_label(row),
        "wilson": wilson,
        "notes": " ".join(notes),
        "document": document_name(sources, row[Col.SOURCE]),
    }


@dataclass(frozen=True)
class Cell:
    text: str
    header: bool  # the row's header cell (the item)


def table_rows(rows: list[dict], sources: Mapping[str, Mapping]) -> list[list[Cell]]:
    """The cells of a results table, one list per row, in the columns' order."""
    out = []
    for row in rows:
        cells = table_cells(row, sources)
        out.append([Cell(cells[f], f == Col.ITEM) for _, f in TABLE_COLUMNS])
    return out


def table_caption(plural: str) -> str:
    return f"Each figure the chart draws, as reported, with the {plural} it allows"


@dataclass(frozen=True)
class Sentence:
    """Where one figure comes from: what it says, the sentence, and the section and document."""

    figure: str
    said: str
    where: str


@dataclass(frozen=True)
class Origin:
    """A survey a chart draws from: its report, who answered and how it was done."""

    title: str
    published: str  # publisher and date
    url: str | None
    who: str
    note: str
    method: str


@dataclass(frozen=True)
class Document:
    """A document the figures of a chart come from: its name, how to cite it, its address."""

    name: str
    citation: str
    url: str | None


def documents(store: Store, rows: list[dict]) -> list[Document]:
    """The documents of the rows: the surveys' reports, then any other (a press release), as the source line."""
    out = []
    for sid in documents_of(rows):
        doc = store.sources[sid]
        out.append(Document(document_name(store.sources, sid), doc[Col.CITATION] or doc[Col.TITLE], doc[Col.URL]))
    return out


def sentences(store: Store, rows: list[dict]) -> list[Sentence]:
    """Each figure's own sentence and where it is in which document."""
    out = []
    for r in rows:
        doc = store.sources[r[Col.SOURCE]]
        out.append(
            Sentence(
                figure=f"{r[Col.ITEM]} — {r[Col.CATEGORY]}: {r[Col.REPORTED_TEXT]}",
                said=r[Col.VERBATIM] or r[Col.NOTE] or "",
                where=f"{r[Col.SECTION]} · {doc[Col.SHORT_TITLE] or doc[Col.TITLE]}",
            )
        )
    return out


def origins(store: Store, rows: list[dict]) -> list[Origin]:
    """The surveys of the rows, in order of first appearance."""
    out = []
    for sid in dict.fromkeys(r[Col.SURVEY] for r in rows):
        s = store.sources[sid]
        n = (
            f"{s[Col.RESPONDENTS]} {s[Col.RESPONDENT_PLURAL]}"
            if s[Col.RESPONDENTS]
            else "Number of respondents not stated"
        )
        out.append(
            Origin(
                title=s[Col.TITLE],
                published=f"{s[Col.PUBLISHER] or ''} {format_published(s[Col.PUBLISHED])}",
                url=s[Col.URL],
                who=f"{n} ({s[Col.RESPONDENT_GROUP] or ''})",
                note=s[Col.RESPONDENTS_NOTE] or "",
                method=s[Col.METHOD] or "not described.",
            )
        )
    return out


@dataclass(frozen=True)
class Cite:
    """The Cite block of a chart page and embed: the chart's citation ready to paste, the citation of each document
    its figures are from, the licence of the data and of the charts, and the data version."""

    chart: str  # title, site, address, data version, access date
    documents: list[str]
    licence: str  # its short name
    licence_title: str
    licence_url: str
    version: str  # the build id and its date, in words
    accessed: str  # the access date the chart's citation gives (the server's today; the page's script the reader's)


def access_date(day: date) -> str:
    return f"{day.day} {format_published(day.strftime('%Y-%m'))}"


def cite(store: Store, site: str, title: str, url: str, survey_source: Mapping, rows: list[dict], today: date) -> Cite:
    """What the Cite block says of chart ``title`` at ``url`` on the site named ``site``: the documents of its ``rows`` (the survey's report
    when no row is in view)."""
    version = store.version.words
    accessed = access_date(today)
    docs = [d.citation for d in documents(store, rows)] or [survey_source[Col.CITATION] or survey_source[Col.TITLE]]
    chart = f"{site}, “{title}”, {url} (data version {version}; accessed {accessed})."
    return Cite(
        chart=chart,
        documents=[d if d.endswith(".") else d + "." for d in docs],
        licence=LICENCE_SHORT,
        licence_title=LICENCE["title"],
        licence_url=LICENCE_URL,
        version=version,
        accessed=accessed,
    )
