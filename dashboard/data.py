"""The tables, loaded once through the shared schema; the surveys and their chart catalogues; pure filters.

Nothing here knows a survey by name: which surveys there are, which is the default, what each chart draws
and what its respondents are called all come from the tables (``etl/sources/<survey>/charts.yaml`` and
``origin.yaml``, built by ``python -m etl``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from etl.dates import month_name
from etl.schema import ChartKind, Col
from etl.store import DataError, Records, load_records

DATA_DIR = Path(os.environ.get("SEND_DATA_DIR", Path(__file__).resolve().parent.parent / "data"))
MAX_SEARCH = 200  # characters of quotation search text we use
_SURROGATE = re.compile("[\ud800-\udfff]")

# A table's rows, or a selection of them, in order: each a dict (column -> value: None where missing, lists as
# lists), as etl.store.load_records reads them. The dicts are the Store's own, shared by every view: never changed.
Rows = list[dict]


@dataclass(frozen=True)
class ChartSpec:
    """One chart of a survey's catalogue (a row of the ``charts`` table)."""

    survey: str
    slug: str
    position: int
    figure: int | None
    title: str
    subtitle: str
    kind: ChartKind
    result_ids: tuple[str, ...]
    axis_label: str
    note: str | None
    categories: tuple[str, ...] = ()  # the categories its selector names, in the catalogue's order

    @property
    def filename(self) -> str:
        """The file name of its exports, without extension."""
        return f"figure-{self.figure}-{self.slug}" if self.figure else self.slug

    @property
    def eyebrow(self) -> str:
        """The line above its title: the report's figure number, where it has one."""
        return f"Figure {self.figure}" if self.figure else ""


@dataclass(frozen=True)
class Survey:
    """A survey with a chart catalogue: its origin, its charts and contrasts, and the themes it touches."""

    id: str
    source: Mapping
    default: bool
    tagline: str
    site_title: str  # the site's name on this survey's pages (its catalogue's words, not the code's)
    theme_legend: str  # the name of its theme filter
    context_from: tuple[str, ...]
    charts: tuple[ChartSpec, ...]
    contrasts: tuple[Mapping, ...]
    theme_ids: tuple[str, ...]

    @property
    def singular(self) -> str:
        return self.source[Col.RESPONDENT_SINGULAR]

    @property
    def plural(self) -> str:
        return self.source[Col.RESPONDENT_PLURAL]

    def chart(self, slug: str) -> ChartSpec | None:
        return next((c for c in self.charts if c.slug == slug), None)


@dataclass(frozen=True)
class DataVersion:
    """The version of the data a page shows: the build id, and when that build was first made (ISO 8601, UTC;
    "" for a build made before builds were stamped)."""

    id: str
    built: str

    @property
    def date(self) -> str:
        """The build's date (ISO: "2026-12-04"; "" if not recorded)."""
        return self.built[:10]

    @property
    def words(self) -> str:
        """The version in words: "182e591fc98a7af0, built 4 December 2026"."""
        return f"{self.id}, built {format_published(self.date)}" if self.date else self.id


@dataclass(frozen=True)
class Store:
    """Everything the pages show, read once at start-up."""

    tables: Records
    theme_ids: tuple[str, ...]
    theme_labels: dict[str, str]
    groups: dict[str, dict]  # response group id -> its row (label, colour)
    sources: dict[str, dict]  # document id -> its origin row
    surveys: dict[str, Survey]  # the surveys with charts, the default first

    # The tables by name: alike in shape because each is one named accessor, not repeated logic.
    @property
    def results(self) -> Rows:
        return self.tables["results"]

    @property
    def quotes(self) -> Rows:
        return self.tables["quotes"]

    @property
    def context(self) -> Rows:
        return self.tables["context"]

    @property
    def themes(self) -> Rows:
        return self.tables["themes"]

    @property
    def version(self) -> DataVersion:
        """The data version: the build id and when it was built (from the manifest)."""
        manifest = self.tables.manifest
        return DataVersion(str(manifest.get("build_id") or ""), str(manifest.get("built") or ""))

    @property
    def default_survey(self) -> str:
        return next(iter(self.surveys))

    @property
    def site_title(self) -> str:
        """The site's name where no survey is chosen yet (the default survey's catalogue names it)."""
        return self.surveys[self.default_survey].site_title

    def survey(self, survey_id: object) -> Survey:
        """The survey ``survey_id`` names, or the default one for anything else."""
        return (
            self.surveys.get(survey_id)
            if isinstance(survey_id, str) and survey_id in self.surveys
            else (self.surveys[self.default_survey])
        )

    def survey_results(self, survey: Survey) -> Rows:
        """Every result the survey's page can show: its own, and those its charts draw from other surveys."""
        return _survey_results(self.results, survey.id, {i for c in survey.charts for i in c.result_ids})

    def survey_quotes(self, survey: Survey) -> Rows:
        return [q for q in self.quotes if q[Col.SOURCE] == survey.id]

    def survey_context(self, survey: Survey) -> Rows:
        """The context figures of the survey's documents, headline figures first (each in document order)."""
        ctx = [x for x in self.context if x[Col.SOURCE] in survey.context_from]
        return sorted(ctx, key=lambda x: not x[Col.HEADLINE])  # sorted() is stable

    def chart_rows(self, chart: ChartSpec, results: Rows | None = None) -> Rows:
        """The rows ``chart`` draws, in drawing order, among ``results`` (default: all)."""
        by_id = {r[Col.ID]: r for r in (self.results if results is None else results)}
        return [by_id[i] for i in chart.result_ids if i in by_id]


def _survey_results(results: Rows, survey_id: str, drawn: set[str]) -> Rows:
    return [r for r in results if r[Col.SURVEY] == survey_id or r[Col.ID] in drawn]


def load_store(data_dir: Path = DATA_DIR) -> Store:
    """Load and check every table; DataError says what is wrong."""
    tables = load_records(data_dir)
    themes = tables["themes"]
    sources = {s[Col.ID]: s for s in tables["sources"]}
    catalogues = tables["catalogues"]
    if not catalogues:
        raise DataError("the build holds no survey with a chart catalogue (etl/sources/<survey>/charts.yaml)")
    charts = sorted(tables["charts"], key=lambda c: (c[Col.SURVEY], c[Col.POSITION]))
    contrasts = sorted(tables["contrasts"], key=lambda c: (c[Col.SURVEY], c[Col.POSITION]))
    theme_order = [t[Col.ID] for t in themes]
    surveys = {}
    for cat in sorted(catalogues, key=lambda c: not c[Col.DEFAULT]):
        sid = cat[Col.SURVEY]
        specs = tuple(_chart_spec(c) for c in charts if c[Col.SURVEY] == sid)
        context_from = tuple(cat["context_from"])
        drawn = {i for c in specs for i in c.result_ids}
        used = {
            t
            for rows in (
                _survey_results(tables["results"], sid, drawn),
                [q for q in tables["quotes"] if q[Col.SOURCE] == sid],
                [x for x in tables["context"] if x[Col.SOURCE] in context_from],
            )
            for row in rows
            for t in row[Col.THEMES]
        }
        surveys[sid] = Survey(
            id=sid,
            source=sources[sid],
            default=bool(cat[Col.DEFAULT]),
            tagline=cat[Col.TAGLINE],
            site_title=cat[Col.SITE_TITLE],
            theme_legend=cat[Col.THEME_LEGEND],
            context_from=context_from,
            charts=specs,
            contrasts=tuple(c for c in contrasts if c[Col.SURVEY] == sid),
            theme_ids=tuple(t for t in theme_order if t in used),
        )
    return Store(
        tables=tables,
        theme_ids=tuple(theme_order),
        theme_labels={t[Col.ID]: t[Col.LABEL] for t in themes},
        groups={g[Col.ID]: g for g in tables["groups"]},
        sources=sources,
        surveys=surveys,
    )


def _chart_spec(row: dict) -> ChartSpec:
    return ChartSpec(
        survey=row[Col.SURVEY],
        slug=row[Col.SLUG],
        position=row[Col.POSITION],
        figure=row[Col.FIGURE],
        title=row[Col.TITLE],
        subtitle=row[Col.SUBTITLE],
        kind=ChartKind(row[Col.KIND]),
        result_ids=tuple(row[Col.RESULT_IDS]),
        axis_label=row[Col.AXIS_LABEL],
        note=row[Col.NOTE],
        categories=tuple(row[Col.SELECT_CATEGORY]),
    )


def clean_themes(value: object, known: Iterable[str]) -> tuple[list[str], list[str]]:
    """Any callback input as (known theme ids in page order, unknown entries shortened for display)."""
    known = list(known)
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)):
        return [], ([] if value is None else [short_text(repr(value))])
    wanted = {v for v in value if isinstance(v, str)}
    unknown = [short_text(str(v)) for v in value if not (isinstance(v, str) and v in known)]
    return [t for t in known if t in wanted], list(dict.fromkeys(unknown))[:5]


def short_text(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters (with an ellipsis), for a notice."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


# Filters. -----------------------------------------------------------------------------------------------


def filter_by_themes(rows: Rows, themes: list[str]) -> Rows:
    """Rows tagged with any of ``themes``; every row when no theme is chosen."""
    if not themes:
        return rows
    wanted = set(themes)
    return [r for r in rows if not wanted.isdisjoint(r[Col.THEMES])]


def clean_text(value: object) -> str:
    """A text input as text we can search with: at most MAX_SEARCH characters, and each lone surrogate (which
    no encoder accepts) replaced by U+FFFD, so it is searched for as text and matches nothing."""
    if not isinstance(value, str):
        return ""
    return _SURROGATE.sub("\ufffd", value.strip()[:MAX_SEARCH])


def filter_quotes(rows: Rows, themes: list[str], stances: object, search: object) -> Rows:
    """Quotations for the themes, with one of ``stances`` (all when empty), containing ``search``."""
    out = filter_by_themes(rows, themes)
    if isinstance(stances, (list, tuple)) and stances:
        wanted = {s for s in stances if isinstance(s, str)}
        out = [q for q in out if q[Col.STANCE] in wanted]
    needle = clean_text(search).casefold()
    if needle:
        out = [q for q in out if needle in q[Col.TEXT].casefold()]
    return out


def count_label(row: Mapping) -> str:
    """The respondent counts a figure allows, e.g. "9 of 10" or "6–10 of 10"; "" when not derivable."""
    lo, hi, base = row[Col.COUNT_MIN], row[Col.COUNT_MAX], row[Col.BASE]
    if base is None or lo is None:
        return ""
    return f"{lo} of {base}" if lo == hi else f"{lo}–{hi} of {base}"


def format_published(value: str | None) -> str:
    """An ISO date, month or year ("1999-12", "1999-12-31", "1999") as people write it ("December 1999")."""
    if not value:
        return "undated"
    parts = value.split("-")
    if len(parts) == 1:
        return parts[0]
    month = month_name(parts[1])
    return f"{month} {parts[0]}" if len(parts) == 2 else f"{int(parts[2])} {month} {parts[0]}"
