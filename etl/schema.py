"""The contract: pydantic models for every table, the Arrow schema derived from them, column names.

The ETL validates its input with the ``*In`` models and writes rows of the full models; the dashboard
reads the Parquet files back through the same Arrow schema (see ``etl.store``). Change a model here and
both sides change together; bump ``SCHEMA_VERSION`` when a column is added, removed or retyped.
"""

from __future__ import annotations

import types
import typing
from enum import Enum
from typing import Annotated

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

SCHEMA_VERSION = "2.0.0"

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]


class Qualifier(str, Enum):
    """How a reported number relates to the truth: the words printed before it."""

    EXACT = "exact"  # "57%", "23 out of 54"
    OVER = "over"  # "over 90%", "more than"
    NEARLY = "nearly"  # "nearly 90%", "almost", "just under": below the figure, within 5 points
    LESS_THAN = "less_than"  # "less than half", "fewer than", "under"
    ABOUT = "about"  # "around", "approximately" (context figures only)
    ALL = "all"  # "All 54"
    NONE = "none"  # "None of those replying"
    DERIVED = "derived"  # not reported: computed from other records (see derived_from)


class Stance(str, Enum):
    WELCOMES = "welcomes"
    CONCERN = "concern"
    MIXED = "mixed"


class SourceKind(str, Enum):
    SURVEY_REPORT = "survey-report"
    BRIEFING = "briefing"
    NEWS = "news"
    STATEMENT = "statement"


class Record(BaseModel):
    """Base for every row: unknown keys are errors, so a misspelt field never passes silently.

    Checks across fields raise ``ValueError("[field] reason")`` so the error names the field at fault.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=True)


class Theme(Record):
    id: Id
    label: Text
    description: Text


class Source(Record):
    """The origin of a published document: what it is, who published it and when, how to cite it, where to
    find it, the exact text its records were checked against, and, for a survey, who answered."""

    id: Id
    kind: SourceKind
    title: Text
    short_title: Text | None = None  # a few words, for menus and card footers
    publisher: Text | None = None
    commissioned_by: list[Text] = []
    published: Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")] | None = None
    citation: Text | None = None  # the line charts and exports carry ("Source: <citation>.")
    url: Annotated[str, StringConstraints(pattern=r"^https://\S+$")] | None = None
    seed_file: Text | None = None  # the document's text, by file name, in the documents folder
    document_sha256: Sha256 | None = None  # of that file: another version is reported as such
    respondents: Annotated[int, Field(ge=1)] | None = None
    respondents_note: Text | None = None
    respondent_singular: Text | None = None  # "council"
    respondent_plural: Text | None = None  # "councils"
    respondent_group: Text | None = None  # who answered, in a few words: "English local authorities"
    population: Annotated[int, Field(ge=1)] | None = None
    population_source: Text | None = None
    method: Text | None = None
    notes: Text | None = None

    @model_validator(mode="after")
    def _coherent(self) -> Source:
        if self.population is not None and not self.population_source:
            raise ValueError("[population_source] population is given without population_source")
        if self.respondents and self.population and self.respondents > self.population:
            raise ValueError("[respondents] respondents exceed population")
        if (self.respondent_singular is None) != (self.respondent_plural is None):
            raise ValueError("[respondent_plural] give both respondent_singular and respondent_plural, or neither")
        if self.seed_file and not self.document_sha256:
            raise ValueError("[document_sha256] a seed_file needs the sha256 of the text it was checked against")
        return self


class ResultIn(Record):
    """One survey figure as the report prints it. Percentages are 0-100."""

    id: Id
    survey: Id
    figure: Annotated[int, Field(ge=1)] | None = None
    figure_note: Text | None = None
    question: Text
    item: Text
    themes: Annotated[list[Id], Field(min_length=1)]
    category: Text
    reported_text: Text
    value: Annotated[float, Field(ge=0, le=100)]
    qualifier: Qualifier
    count: Annotated[int, Field(ge=0)] | None = None
    base: Annotated[int, Field(ge=1)] | None = None
    group_bound: bool = False
    compare_key: Id | None = None  # results of different surveys with one key are compared side by side
    derived_from: list[Id] = []
    section: Text
    verbatim: Text | None = None
    note: Text | None = None

    @model_validator(mode="after")
    def _coherent(self) -> ResultIn:
        if self.count is not None and self.base is not None and self.count > self.base:
            raise ValueError(f"[count] count {self.count} is greater than base {self.base}")
        derived = self.qualifier == Qualifier.DERIVED.value
        if derived and not self.derived_from:
            raise ValueError("[derived_from] a derived record must list derived_from")
        if not derived and self.derived_from:
            raise ValueError("[derived_from] derived_from is only for qualifier 'derived'")
        if not derived and not self.verbatim:
            raise ValueError("[verbatim] verbatim is required for a reported figure")
        if self.qualifier in (Qualifier.ALL.value, Qualifier.NONE.value, Qualifier.DERIVED.value) and (
            self.count is None or self.base is None
        ):
            raise ValueError(f"[count] qualifier '{self.qualifier}' needs count and base")
        return self


class Result(ResultIn):
    """A survey figure with the columns derived from it (etl.derive)."""

    source: Id  # the document the figure was taken from (its folder), which may not be the survey's report
    group: Id  # the response group of its category (response-groups.yaml): colour and comparison
    count_min: int | None = None
    count_max: int | None = None
    pct_low: float | None = None
    pct_high: float | None = None
    wilson_low: float | None = None
    wilson_high: float | None = None
    consistent: bool | None = None
    fitting_bases: list[int] = []
    flag: str | None = None


class QuoteIn(Record):
    """A quotation from a local-authority respondent, verbatim."""

    id: Id
    section: Text
    themes: Annotated[list[Id], Field(min_length=1)]
    stance: Stance
    text: Text


class Quote(QuoteIn):
    source: Id


class ContextIn(Record):
    """A quantitative fact from one of the documents: money, counts, growth, dates."""

    id: Id
    label: Text
    reported_text: Text
    value: float
    qualifier: Qualifier
    unit: Text
    period: Text | None = None
    themes: Annotated[list[Id], Field(min_length=1)]
    verbatim: Text
    note: Text | None = None


class Context(ContextIn):
    source: Id


class ResponseGroup(Record):
    """A group of response categories that means one thing on every chart, and its one colour."""

    id: Id
    label: Text
    colour: Colour
    categories: Annotated[list[Text], Field(min_length=1)]


# The chart catalogue: etl/sources/<survey>/charts.yaml, one per survey. ------------------------------------


class ChartKind(str, Enum):
    """How a chart draws its results."""

    RANKED = "ranked"  # bars ordered by the share they show, largest first
    BARS = "bars"  # bars in the order the results are selected, labelled by item (and category)
    STACKED = "stacked"  # one bar: the answers to one question, stacked to its base
    WAVES = "waves"  # the same or a comparable question in two or more surveys, side by side


class Selector(Record):
    """Which results a chart draws: every condition given must hold. Without ``ids`` or ``compare_key`` only
    the catalogue's own survey is searched; ``ids`` also fixes the order."""

    ids: list[Id] = []
    figure: Annotated[int, Field(ge=1)] | None = None
    category: list[Text] = []
    compare_key: list[Id] = []

    @model_validator(mode="after")
    def _something(self) -> Selector:
        if not (self.ids or self.figure is not None or self.category or self.compare_key):
            raise ValueError("[select] give at least one of ids, figure, category, compare_key")
        return self


class ChartIn(Record):
    slug: Slug
    figure: Annotated[int, Field(ge=1)] | None = None  # the report's figure number, where it has one
    title: Text  # short and plain: "How confident councils are about funding"
    subtitle: Text | None = None  # the report's question wording; default: the first result's question
    kind: ChartKind
    select: Selector
    axis_label: Text | None = None  # default: "% of responding <plural>"
    note: Text | None = None  # shown under the chart and in its sources


class ContrastIn(Record):
    """Two results set side by side on the landing page: "<left> <left_text> <joiner> <right> <right_text>"."""

    left: Id
    left_text: Text
    joiner: Text = "but"
    right: Id
    right_text: Text


class CatalogueIn(Record):
    default: bool = False  # the survey the page opens on
    tagline: Text  # one line under the page title
    context_from: list[Id] = []  # documents whose context figures the page shows (always its own folder's)
    contrasts: list[ContrastIn] = []
    charts: Annotated[list[ChartIn], Field(min_length=1)]


class Catalogue(Record):
    survey: Id
    default: bool
    tagline: Text
    context_from: list[Id]  # its own folder first


class Chart(Record):
    """One chart of a survey, with the results it draws resolved at build time (in drawing order)."""

    survey: Id
    slug: Slug
    position: int
    figure: int | None = None
    title: Text
    subtitle: Text
    kind: ChartKind
    select_ids: list[Id] = []
    select_figure: int | None = None
    select_category: list[Text] = []
    select_compare_key: list[Id] = []
    result_ids: list[Id]
    axis_label: Text
    note: Text | None = None


class Contrast(ContrastIn):
    survey: Id
    position: int


# Table name -> row model. The order is the order of the build summary.
TABLES: dict[str, type[Record]] = {
    "themes": Theme,
    "groups": ResponseGroup,
    "sources": Source,
    "results": Result,
    "quotes": Quote,
    "context": Context,
    "catalogues": Catalogue,
    "charts": Chart,
    "contrasts": Contrast,
}


class Col:
    """Column names, defined once. ``Col.RESULTS.value`` etc. are checked against the models in tests."""

    ID = "id"
    THEMES = "themes"
    SOURCE = "source"
    SURVEY = "survey"
    FIGURE = "figure"
    FIGURE_NOTE = "figure_note"
    QUESTION = "question"
    ITEM = "item"
    CATEGORY = "category"
    REPORTED_TEXT = "reported_text"
    VALUE = "value"
    QUALIFIER = "qualifier"
    COUNT = "count"
    BASE = "base"
    GROUP_BOUND = "group_bound"
    DERIVED_FROM = "derived_from"
    SECTION = "section"
    VERBATIM = "verbatim"
    NOTE = "note"
    COUNT_MIN = "count_min"
    COUNT_MAX = "count_max"
    PCT_LOW = "pct_low"
    PCT_HIGH = "pct_high"
    WILSON_LOW = "wilson_low"
    WILSON_HIGH = "wilson_high"
    CONSISTENT = "consistent"
    FITTING_BASES = "fitting_bases"
    FLAG = "flag"
    LABEL = "label"
    DESCRIPTION = "description"
    STANCE = "stance"
    TEXT = "text"
    UNIT = "unit"
    PERIOD = "period"
    TITLE = "title"
    PUBLISHER = "publisher"
    PUBLISHED = "published"
    RESPONDENTS = "respondents"
    POPULATION = "population"
    POPULATION_SOURCE = "population_source"
    SEED_FILE = "seed_file"
    METHOD = "method"
    KIND = "kind"
    SHORT_TITLE = "short_title"
    CITATION = "citation"
    URL = "url"
    DOCUMENT_SHA256 = "document_sha256"
    RESPONDENTS_NOTE = "respondents_note"
    RESPONDENT_SINGULAR = "respondent_singular"
    RESPONDENT_PLURAL = "respondent_plural"
    RESPONDENT_GROUP = "respondent_group"
    COMPARE_KEY = "compare_key"
    GROUP = "group"
    COLOUR = "colour"
    CATEGORIES = "categories"
    DEFAULT = "default"
    TAGLINE = "tagline"
    SLUG = "slug"
    POSITION = "position"
    SUBTITLE = "subtitle"
    RESULT_IDS = "result_ids"
    SELECT_CATEGORY = "select_category"
    AXIS_LABEL = "axis_label"
    LEFT = "left"
    LEFT_TEXT = "left_text"
    JOINER = "joiner"
    RIGHT = "right"
    RIGHT_TEXT = "right_text"


_SCALARS: dict[type, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    bool: pa.bool_(),
}


def _arrow_type(annotation: typing.Any) -> tuple[pa.DataType, bool]:
    """Map a field annotation to (Arrow type, nullable)."""
    origin = typing.get_origin(annotation)
    if origin is Annotated:
        return _arrow_type(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) != 1:
            raise TypeError(f"unsupported union {annotation!r}")
        return _arrow_type(args[0])[0], True
    if origin is list:
        inner, _ = _arrow_type(typing.get_args(annotation)[0])
        return pa.list_(pa.field("item", inner, nullable=False)), False
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return pa.string(), False
    if annotation in _SCALARS:
        return _SCALARS[annotation], False
    raise TypeError(f"no Arrow type for {annotation!r}")


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of a table, derived from its pydantic model, carrying the schema version."""
    model = TABLES[table]
    fields = []
    for name, info in model.model_fields.items():
        dtype, nullable = _arrow_type(info.annotation)
        fields.append(pa.field(name, dtype, nullable=nullable))
    meta = {b"schema_version": SCHEMA_VERSION.encode(), b"table": table.encode()}
    return pa.schema(fields, metadata=meta)
