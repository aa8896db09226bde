"""The contract: pydantic models for every table, the Arrow schema derived from them, column names.

The ETL validates its input with the ``*In`` models and writes rows of the full models, as Parquet through the
Arrow schema derived here and as JSON (``records.json``); the dashboard reads the JSON back, each value checked
against the same models (``value_check``; see ``etl.store``). pyarrow is imported only where a schema is built. Change a model here and
both sides change together; bump ``SCHEMA_VERSION`` when a column is added, removed or retyped.
"""

from __future__ import annotations

import types
import typing
from enum import Enum
from typing import TYPE_CHECKING, Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator, model_validator

if TYPE_CHECKING:  # pyarrow is imported where a schema is built (the ETL), never by the server
    import pyarrow as pa

SCHEMA_VERSION = "3.0.0"

Id = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=80)]
Text = Annotated[str, StringConstraints(min_length=1, strip_whitespace=True)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9-]*$", max_length=60)]
Colour = Annotated[str, StringConstraints(pattern=r"^#[0-9A-Fa-f]{6}$")]
Sha256 = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
Headcount = Annotated[int, Field(ge=1)]  # how many answered or could have: at least one
Count = Annotated[int, Field(ge=0)]  # how many gave an answer: possibly none


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
    UP_TO = "up_to"  # "up to 5,000": a ceiling (context figures only)
    RANGE = "range"  # "two to three years": value_low to value_high (context figures only)


# Every qualifier code in words: the codebooks and the Table Schemas say this.
QUALIFIER_WORDS: dict[str, str] = {
    Qualifier.EXACT.value: "the number as printed ('57%', '23 out of 54')",
    Qualifier.OVER.value: "more than the number ('over 90%', 'more than')",
    Qualifier.NEARLY.value: "below the number, within 5 points ('nearly 90%', 'just under £2 billion')",
    Qualifier.LESS_THAN.value: "below the number ('less than half', 'fewer than')",
    Qualifier.ABOUT.value: "around the number ('around 2,500')",
    Qualifier.ALL.value: "every respondent ('All 54')",
    Qualifier.NONE.value: "no respondent ('None of those replying')",
    Qualifier.DERIVED.value: "not printed: computed from other figures (derived_from lists them)",
    Qualifier.UP_TO.value: "at most the number, a ceiling ('up to 5,000')",
    Qualifier.RANGE.value: "between value_low and value_high ('two to three years')",
}

CONTEXT_QUALIFIERS = (
    Qualifier.EXACT,
    Qualifier.OVER,
    Qualifier.NEARLY,
    Qualifier.LESS_THAN,
    Qualifier.ABOUT,
    Qualifier.UP_TO,
    Qualifier.RANGE,
)


class Stance(str, Enum):
    WELCOMES = "welcomes"
    CONCERN = "concern"
    MIXED = "mixed"


STANCE_WORDS: dict[str, str] = {
    Stance.WELCOMES.value: "its point is that a proposal, or the reforms, are good or will do good",
    Stance.CONCERN.value: "its point is a risk, a gap or a doubt (praise of a proposal's intent, aim or ambition on "
    "the way is not a welcome)",
    Stance.MIXED.value: "it judges a proposal itself good and also raises a risk, gap or doubt ('X is welcome, but Y')",
}


class SourceKind(str, Enum):
    SURVEY_REPORT = "survey-report"
    BRIEFING = "briefing"
    NEWS = "news"
    STATEMENT = "statement"


class Role(str, Enum):
    """What a column is for, in the form of the Department for Education's metadata files (col_type)."""

    ID = "Id"  # identifies a row
    FILTER = "Filter"  # a category to filter or group by
    INDICATOR = "Indicator"  # a number to compute with
    TEXT = "Text"  # words to read


def doc(
    label: str, meaning: str, unit: str | None = None, role: Role | None = None, codes: dict[str, str] | None = None
) -> typing.Any:
    """A column's codebook entry, kept on its model field: its label, what it means, its unit, its role
    (default: Indicator for a number, Filter for anything else) and, for a code, the codes it takes, each in
    words (appended to the meaning). The codebooks and the Data Package's Table Schemas are made from these
    (etl.package)."""
    if codes:
        meaning += " " + "; ".join(f"{code}: {words}" for code, words in codes.items()) + "."
    extra = {k: v for k, v in (("unit", unit), ("role", role.value if role else None), ("codes", codes)) if v}
    return Field(title=label, description=meaning, json_schema_extra=extra or None)


def _id(what: str) -> typing.Any:
    return doc("Id", f"The {what}'s id: lower-case letters, digits and hyphens, unique in this table.", role=Role.ID)


def _source_ref(meaning: str) -> typing.Any:
    return doc("Source", meaning, role=Role.FILTER)


class Record(BaseModel):
    """Base for every row: unknown keys are errors, so a misspelt field never passes silently.

    Checks across fields raise ``ValueError("[field] reason")`` so the error names the field at fault.
    """

    # defer_build: each model's validator is built when it first validates (in the ETL), not on import: the server
    # reads only the models' fields, and building all of them cost its start-up about 35 ms (measured).
    model_config = ConfigDict(extra="forbid", frozen=True, use_enum_values=True, defer_build=True)


class Theme(Record):
    id: Annotated[Id, _id("theme")]
    label: Annotated[Text, doc("Label", "The theme's name on the page.", role=Role.TEXT)]
    description: Annotated[Text, doc("Description", "What the theme covers.", role=Role.TEXT)]


class Source(Record):
    """The origin of a published document: what it is, who published it and when, how to cite it, where to
    find it, the exact text its records were checked against, and, for a survey, who answered."""

    id: Annotated[Id, _id("document")]
    kind: Annotated[
        SourceKind,
        doc(
            "Kind",
            "What the document is: survey-report (a survey's report), briefing, news or statement.",
        ),
    ]
    title: Annotated[Text, doc("Title", "The document's full title.", role=Role.TEXT)]
    short_title: Annotated[Text | None, doc("Short title", "A few words naming the document.", role=Role.TEXT)] = None
    publisher: Annotated[Text | None, doc("Publisher", "Who published the document.")] = None
    commissioned_by: Annotated[list[Text], doc("Commissioned by", "Who paid for it (a JSON list).")] = []
    published: Annotated[
        Annotated[str, StringConstraints(pattern=r"^\d{4}(-\d{2}(-\d{2})?)?$")] | None,
        doc("Published", "When it was published: a year, year-month or date (ISO 8601).", role=Role.FILTER),
    ] = None
    citation: Annotated[
        Text | None,
        doc(
            "Citation",
            "How to cite the document: the source line of every chart and download of a survey, and of each figure a "
            "document gives (a press release's); required of both.",
            role=Role.TEXT,
        ),
    ] = None
    url: Annotated[
        Annotated[str, StringConstraints(pattern=r"^https://\S+$")] | None,
        doc("Address", "The document's public web address.", role=Role.TEXT),
    ] = None
    seed_file: Annotated[
        Text | None, doc("Text file", "The file of the document's text its records were checked against.")
    ] = None
    document_sha256: Annotated[
        Sha256 | None, doc("Text sha256", "The sha256 of that text file: another version is refused.", role=Role.ID)
    ] = None
    respondents: Annotated[
        Headcount | None,
        doc("Respondents", "How many answered the survey (no result's base exceeds it).", "respondents"),
    ] = None
    respondents_note: Annotated[Text | None, doc("About the respondents", "Who answered.", role=Role.TEXT)] = None
    respondent_singular: Annotated[Text | None, doc("One respondent", "The noun of one respondent ('council').")] = None
    respondent_plural: Annotated[Text | None, doc("Respondents (noun)", "The noun of several ('councils').")] = None
    respondent_group: Annotated[
        Text | None, doc("Respondent group", "Who answered, in a few words ('English local authorities').")
    ] = None
    population: Annotated[Headcount | None, doc("Population", "How many could have answered.", "respondents")] = None
    population_source: Annotated[
        Text | None, doc("Population source", "Where the population comes from.", role=Role.TEXT)
    ] = None
    method: Annotated[Text | None, doc("Method", "How the survey was done.", role=Role.TEXT)] = None
    notes: Annotated[Text | None, doc("Notes", "Anything a reader should know.", role=Role.TEXT)] = None

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

    id: Annotated[Id, _id("result")]
    survey: Annotated[Id, doc("Survey", "The id of the survey the figure is from (see the sources table).")]
    figure: Annotated[
        Annotated[int, Field(ge=1)] | None,
        doc("Figure", "The report's figure number, where it has one.", role=Role.FILTER),
    ] = None
    figure_note: Annotated[
        Text | None,
        doc("Figure note", "Why the figure was placed in that figure, where the text does not say.", role=Role.TEXT),
    ] = None
    question: Annotated[Text, doc("Question", "The question as the report words it.")]
    item: Annotated[Text, doc("Item", "What the figure is about: the proposal or statement asked about.")]
    themes: Annotated[
        Annotated[list[Id], Field(min_length=1)],
        doc("Themes", "The reform themes the figure is filed under (a JSON list of theme ids)."),
    ]
    category: Annotated[Text, doc("Response", "The answer counted, in the report's own words ('agree', 'supportive').")]
    reported_text: Annotated[Text, doc("Reported", "The figure as printed ('over 90%', 'All 54').", role=Role.TEXT)]
    value: Annotated[
        Annotated[float, Field(ge=0, le=100)],
        doc("Value", "The number printed, read with the qualifier ('over 90%' is 90 with qualifier over).", "%"),
    ]
    qualifier: Annotated[
        Qualifier,
        doc(
            "Qualifier",
            "How the printed number relates to the truth.",
            codes={q.value: QUALIFIER_WORDS[q.value] for q in Qualifier if q not in (Qualifier.UP_TO, Qualifier.RANGE)},
        ),
    ]
    count: Annotated[
        Count | None,
        doc("Count", "The number of respondents, where the report states it ('23 out of 54').", "respondents"),
    ] = None
    base: Annotated[
        Headcount | None,
        doc("Base", "How many answered, as the report states it; empty where it does not.", "respondents"),
    ] = None
    group_bound: Annotated[
        bool, doc("Group bound", "True where the figure is one bound the report gives for a group of items together.")
    ] = False
    compare_key: Annotated[
        Id | None, doc("Compare key", "Results of different surveys sharing this key are compared side by side.")
    ] = None
    derived_from: Annotated[
        list[Id], doc("Derived from", "For a derived figure, the results it is computed from (a JSON list of ids).")
    ] = []
    section: Annotated[Text, doc("Section", "The heading of the report section the sentence is in.")]
    verbatim: Annotated[
        Text | None, doc("Sentence", "The sentence the figure is printed in, copied from the document.", role=Role.TEXT)
    ] = None
    note: Annotated[Text | None, doc("Note", "Anything a reader should know about the figure.", role=Role.TEXT)] = None

    @model_validator(mode="after")
    def _coherent(self) -> ResultIn:
        if self.qualifier in (Qualifier.UP_TO.value, Qualifier.RANGE.value):
            raise ValueError(f"[qualifier] '{self.qualifier}' is for context figures, not survey results")
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

    source: Annotated[
        Id, _source_ref("The id of the document the figure was taken from, which may not be the survey's report.")
    ]
    group: Annotated[
        Id,
        doc("Response group", "The group of the response category (the groups table): one meaning, one colour."),
    ]
    # Declared like ResultIn's count and base, which `duplicates` pairs by shape: each is one column with its own
    # label and meaning, and a helper to declare them would only hide that.
    count_min: Annotated[
        int | None,
        doc("Fewest respondents", "The fewest respondents out of the base the figure allows.", "respondents"),
    ] = None
    count_max: Annotated[
        int | None,
        doc("Most respondents", "The most respondents out of the base the figure allows.", "respondents"),
    ] = None
    pct_low: Annotated[
        float | None,
        doc("Lowest share", "The lowest share the figure allows (of the base where stated, else as printed).", "%"),
    ] = None
    pct_high: Annotated[float | None, doc("Highest share", "The highest share the figure allows.", "%")] = None
    wilson_low: Annotated[
        float | None,
        doc(
            "Wilson 95% low",
            "Low end of the Wilson 95% interval of a count the report pins (sampling uncertainty only); empty for "
            "bounds, derived shares and figures their base cannot produce.",
            "%",
        ),
    ] = None
    wilson_high: Annotated[float | None, doc("Wilson 95% high", "High end of that interval.", "%")] = None
    consistent: Annotated[
        bool | None,
        doc("Consistent", "Whether a whole number of the base gives the figure, and its question's other answers."),
    ] = None
    fitting_bases: Annotated[
        list[int],
        doc(
            "Bases that fit",
            "For a figure its base cannot produce, the bases that could produce it with its question's other "
            "answers, largest first (a JSON list).",
            "respondents",
            Role.TEXT,
        ),
    ] = []
    flag: Annotated[
        str | None, doc("Flag", "Why the figure cannot come from its base, in words, where it cannot.", role=Role.TEXT)
    ] = None


class ResultDownload(Result):
    """A result as the CSV downloads give it: with who answered, the citation of the document it is from, and every
    note on how it was placed, labelled or derived (the notes the hover and the table show). Not a table of the
    build."""

    respondent_group: Annotated[
        Text | None, doc("Respondent group", "Who answered the survey, in a few words ('English local authorities').")
    ] = None
    citation: Annotated[
        Text | None,
        doc(
            "Citation",
            "How to cite the document the figure is from (the one its source column names: the survey's report, or "
            "a press release that gives the figure).",
            role=Role.TEXT,
        ),
    ] = None
    notes: Annotated[
        str | None,
        doc(
            "Notes",
            "Every note on how the figure was placed, labelled or derived: a bound given for a group of items, "
            "the figure it was placed in, what the report's wording was.",
            role=Role.TEXT,
        ),
    ] = None
    data_version: Annotated[
        str | None,
        doc(
            "Data version",
            "The build of the data the row is from: its id (a hash of its content), the same on every row of a "
            "download, on the chart pages' Cite block, in the image footers and as the Data Package's version.",
            role=Role.ID,
        ),
    ] = None
    data_built: Annotated[
        str | None,
        doc("Data built", "When that build was made (ISO 8601, UTC): the Data Package's created.", role=Role.FILTER),
    ] = None


# The columns of a results CSV download, in order: the numbers first after who and what, then the words.
RESULT_DOWNLOAD_COLUMNS: tuple[str, ...] = (
    "id",
    "survey",
    "respondent_group",
    "figure",
    "question",
    "item",
    "category",
    "group",
    "reported_text",
    "value",
    "qualifier",
    "count",
    "base",
    "count_min",
    "count_max",
    "pct_low",
    "pct_high",
    "wilson_low",
    "wilson_high",
    "consistent",
    "fitting_bases",
    "flag",
    "group_bound",
    "compare_key",
    "derived_from",
    "themes",
    "section",
    "verbatim",
    "notes",
    "source",
    "citation",
    "data_version",
    "data_built",
)


class QuoteIn(Record):
    """A quotation from a local-authority respondent, verbatim."""

    id: Annotated[Id, _id("quotation")]
    section: Annotated[Text, doc("Section", "The heading of the report section the quotation is in.")]
    themes: Annotated[
        Annotated[list[Id], Field(min_length=1)],
        doc("Themes", "The reform themes it is filed under (a JSON list of theme ids)."),
    ]
    stance: Annotated[Stance, doc("Stance", "The quotation's point.", codes=STANCE_WORDS)]
    text: Annotated[Text, doc("Text", "The quotation, copied from the document.", role=Role.TEXT)]


class Quote(QuoteIn):
    source: Annotated[Id, _source_ref("The id of the document the quotation is from.")]


class ContextIn(Record):
    """A quantitative fact from one of the documents: money, counts, growth, dates.

    ``value`` is the number printed, read with ``qualifier``; a range ("two to three years") has no one value
    but ``value_low`` and ``value_high``; a ceiling ("up to 5,000") is ``value`` with qualifier ``up_to``. A
    ``period`` of "now" is the document's own date (the build puts it in). Records with one ``series`` are one
    measure at different times; ``headline: false`` keeps a fact out of the first few the page shows.
    """

    id: Annotated[Id, _id("context figure")]
    label: Annotated[Text, doc("Label", "What the figure measures, without its period.", role=Role.TEXT)]
    reported_text: Annotated[Text, doc("Reported", "The figure as printed ('up to 5,000').", role=Role.TEXT)]
    value: Annotated[
        float | None,
        doc("Value", "The number printed, in the unit, read with the qualifier; empty for a range."),
    ] = None
    value_low: Annotated[float | None, doc("Low", "A range's low end ('two to three years': 2); else empty.")] = None
    value_high: Annotated[float | None, doc("High", "A range's high end ('two to three years': 3); else empty.")] = None
    qualifier: Annotated[
        Qualifier,
        doc(
            "Qualifier",
            "How the printed number relates to the truth.",
            codes={q.value: QUALIFIER_WORDS[q.value] for q in CONTEXT_QUALIFIERS},
        ),
    ]
    unit: Annotated[Text, doc("Unit", "The unit of value, value_low and value_high ('£ billion', '%', 'years').")]
    period: Annotated[
        Text | None, doc("Period", "When the figure applies ('2024-25'); 'now' in the document is its date.")
    ] = None
    series: Annotated[
        Id | None,
        doc("Series", "Figures sharing this id are one measure at different periods (a series over time)."),
    ] = None
    headline: Annotated[
        bool,
        doc(
            "Headline",
            "False for a fact that is background detail rather than a headline figure (a date, a count of plans).",
        ),
    ] = True
    themes: Annotated[
        Annotated[list[Id], Field(min_length=1)],
        doc("Themes", "The reform themes it is filed under (a JSON list of theme ids)."),
    ]
    verbatim: Annotated[Text, doc("Sentence", "The sentence the figure is printed in.", role=Role.TEXT)]
    note: Annotated[Text | None, doc("Note", "Anything a reader should know.", role=Role.TEXT)] = None

    @model_validator(mode="after")
    def _coherent(self) -> ContextIn:
        q = Qualifier(self.qualifier)
        if q not in CONTEXT_QUALIFIERS:
            allowed = ", ".join(c.value for c in CONTEXT_QUALIFIERS)
            raise ValueError(f"[qualifier] '{q.value}' is for survey results; a context figure takes {allowed}")
        if q is Qualifier.RANGE:
            if self.value is not None:
                raise ValueError("[value] a range has no one value: give value_low and value_high instead")
            if self.value_low is None or self.value_high is None:
                raise ValueError("[value_low] a range needs value_low and value_high")
            if not self.value_low < self.value_high:
                raise ValueError(f"[value_high] {self.value_high} is not above value_low {self.value_low}")
        else:
            if self.value is None:
                raise ValueError(f"[value] qualifier '{q.value}' needs a value")
            if self.value_low is not None or self.value_high is not None:
                raise ValueError("[value_low] value_low and value_high are only for qualifier 'range'")
        return self


class Context(ContextIn):
    source: Annotated[Id, _source_ref("The id of the document the figure is from.")]


class ResponseGroup(Record):
    """A group of response categories that means one thing on every chart, and its one colour."""

    id: Annotated[Id, _id("response group")]
    label: Annotated[Text, doc("Label", "The group's name in a chart's key.", role=Role.TEXT)]
    colour: Annotated[Colour, doc("Colour", "Its colour on every chart (#RRGGBB).")]
    categories: Annotated[
        Annotated[list[Text], Field(min_length=1)],
        doc("Categories", "The response categories, in the reports' words, that belong to it (a JSON list)."),
    ]


# The chart catalogue: etl/sources/<survey>/charts.yaml, one per survey. ------------------------------------


class ChartKind(str, Enum):
    """How a chart draws its results."""

    RANKED = "ranked"  # bars ordered by the share they show, largest first
    BARS = "bars"  # bars in the order the results are selected, labelled by item (and category)
    STACKED = "stacked"  # one bar: the answers to one question, stacked to its base
    WAVES = "waves"  # the same or a comparable question in two or more surveys, side by side


class Selector(Record):
    """Which results a chart draws: every condition given must hold. Without ``ids`` or ``compare_key`` only
    the catalogue's own survey is searched; ``ids`` also fixes the order. A chart's ``select`` may be a list of
    selectors, alternatives whose results are joined in order (a result any of them selects is drawn once)."""

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
    select: Annotated[list[Selector], Field(min_length=1)]  # one selector, or a list of alternatives

    @field_validator("select", mode="before")
    @classmethod
    def _alternatives(cls, value: typing.Any) -> typing.Any:
        """One selector is a list of one alternative."""
        if isinstance(value, dict):
            return [value]
        if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
            raise ValueError(
                "give a selector, such as {figure: 3}, or a list of selectors, such as [{figure: 3}, {ids: [...]}]"
            )
        return value

    axis_label: Text | None = None  # default: "% of responding <plural>"
    note: Text | None = None  # shown under the chart and in its sources


class ContrastIn(Record):
    """Two results set side by side on the landing page: "<left> <left_text> <joiner> <right> <right_text>"."""

    left: Annotated[Id, doc("Left", "The id of the result on the left.")]
    left_text: Annotated[Text, doc("Left text", "The words after the left figure.", role=Role.TEXT)]
    joiner: Annotated[Text, doc("Joiner", "How the two relate, said between them ('but', 'up from').", role=Role.TEXT)]
    right: Annotated[Id, doc("Right", "The id of the result on the right.")]
    right_text: Annotated[Text, doc("Right text", "The words after the right figure.", role=Role.TEXT)]


class CatalogueIn(Record):
    default: bool = False  # the survey the page opens on
    tagline: Text  # one line under the page title
    site_title: Text  # the site's name, as this survey's pages say it
    theme_legend: Text  # the theme filter's name, in the survey's own words ("Reform themes")
    context_from: list[Id] = []  # documents whose context figures the page shows (always its own folder's)
    contrasts: list[ContrastIn] = []
    charts: Annotated[list[ChartIn], Field(min_length=1)]


class Catalogue(Record):
    survey: Annotated[Id, doc("Survey", "The id of the survey the catalogue draws.", role=Role.ID)]
    default: Annotated[bool, doc("Default", "Whether the page opens on this survey.")]
    tagline: Annotated[Text, doc("Tagline", "The line under the page title.", role=Role.TEXT)]
    site_title: Annotated[Text, doc("Site title", "The site's name, as the survey's pages say it.", role=Role.TEXT)]
    theme_legend: Annotated[Text, doc("Theme legend", "The name of the page's theme filter.", role=Role.TEXT)]
    context_from: Annotated[
        list[Id],
        doc("Context from", "The documents whose context figures its page shows, its own first (a JSON list)."),
    ]


class Chart(Record):
    """One chart of a survey, with the results it draws resolved at build time (in drawing order)."""

    survey: Annotated[Id, doc("Survey", "The id of the survey whose page shows the chart.")]
    slug: Annotated[Slug, doc("Slug", "The chart's short name in its address (/chart/<slug>).", role=Role.ID)]
    position: Annotated[int, doc("Position", "Its place on the survey's page, from 0.", role=Role.FILTER)]
    figure: Annotated[int | None, doc("Figure", "The report's figure number, where it has one.", role=Role.FILTER)] = (
        None
    )
    title: Annotated[Text, doc("Title", "The chart's title.", role=Role.TEXT)]
    subtitle: Annotated[
        Text, doc("Subtitle", "The report's question wording, or what the chart shows.", role=Role.TEXT)
    ]
    kind: Annotated[
        ChartKind,
        doc(
            "Kind",
            "How it draws its results: ranked (largest first), bars (in the order selected), stacked (the answers "
            "to one question on one base), waves (one question in two or more surveys).",
        ),
    ]
    select_ids: Annotated[
        list[Id], doc("Selected ids", "The results its selector (or any of its alternatives) names (a JSON list).")
    ] = []
    select_figures: Annotated[
        list[int], doc("Selected figures", "The figure numbers its selector or alternatives name (a JSON list).")
    ] = []
    select_category: Annotated[
        list[Text],
        doc(
            "Selected categories", "The response categories its selector or alternatives name, in order (a JSON list)."
        ),
    ] = []
    select_compare_key: Annotated[
        list[Id], doc("Selected compare keys", "The compare keys its selector or alternatives name (a JSON list).")
    ] = []
    result_ids: Annotated[list[Id], doc("Results", "The results it draws, in drawing order (a JSON list of ids).")]
    axis_label: Annotated[Text, doc("Axis label", "The label of its axis.", role=Role.TEXT)]
    note: Annotated[Text | None, doc("Note", "Shown under the chart.", role=Role.TEXT)] = None


class Contrast(ContrastIn):
    survey: Annotated[Id, doc("Survey", "The id of the survey whose page shows the contrast.")]
    position: Annotated[int, doc("Position", "Its place on the page, from 0.", role=Role.FILTER)]


class CodebookRow(Record):
    """One column of a CSV file, as its codebook (``<name>.meta.csv``) describes it."""

    col_name: Annotated[str, doc("Column", "The column's name, as in the CSV's header.", role=Role.ID)]
    label: Annotated[str, doc("Label", "A short human name for the column.", role=Role.TEXT)]
    col_type: Annotated[
        Role,
        doc(
            "Column type",
            "What the column is for: Id (identifies a row), Filter (a category to filter or group by), Indicator "
            "(a number to compute with), Text (words to read).",
        ),
    ]
    data_type: Annotated[
        str,
        doc(
            "Data type",
            "How to read a cell: string, integer, number, boolean (true or false) or array (a JSON list). An empty "
            "cell is a missing value.",
        ),
    ]
    indicator_unit: Annotated[
        str | None, doc("Unit", "The unit of a number ('%', 'respondents', '£ billion'), where it has one.")
    ] = None
    meaning: Annotated[str, doc("Meaning", "What the column means; for a code, every code in words.", role=Role.TEXT)]


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


# Each table's key, and the columns that name a row of another table: the Data Package's Table Schemas say so.
PRIMARY_KEYS: dict[str, tuple[str, ...]] = {
    "themes": ("id",),
    "groups": ("id",),
    "sources": ("id",),
    "results": ("id",),
    "quotes": ("id",),
    "context": ("id",),
    "catalogues": ("survey",),
    "charts": ("survey", "slug"),
    "contrasts": ("survey", "position"),
}
FOREIGN_KEYS: dict[str, dict[str, tuple[str, str]]] = {
    "results": {"survey": ("sources", "id"), "source": ("sources", "id"), "group": ("groups", "id")},
    "quotes": {"source": ("sources", "id")},
    "context": {"source": ("sources", "id")},
    "catalogues": {"survey": ("sources", "id")},
    "charts": {"survey": ("catalogues", "survey")},
    "contrasts": {"survey": ("catalogues", "survey"), "left": ("results", "id"), "right": ("results", "id")},
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
    SITE_TITLE = "site_title"
    THEME_LEGEND = "theme_legend"
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
    VALUE_LOW = "value_low"
    VALUE_HIGH = "value_high"
    SERIES = "series"
    HEADLINE = "headline"


_SCALARS = {str: "string", int: "int64", float: "float64", bool: "bool_"}  # Python type -> pyarrow's factory


def unwrap(annotation: typing.Any) -> tuple[typing.Any, bool, list]:
    """The one walk through a field annotation: (base type, nullable, constraint objects), through Annotated and
    Optional. The Arrow schema (here), the Table Schemas and the codebooks (etl.package) all read types by it."""
    constraints: list = []
    nullable = False
    while True:
        origin = typing.get_origin(annotation)
        if origin is Annotated:
            annotation, *meta = typing.get_args(annotation)
            constraints += meta
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in typing.get_args(annotation) if a is not type(None)]
            if len(args) != 1:
                raise TypeError(f"unsupported union {annotation!r}")
            nullable = nullable or len(args) < len(typing.get_args(annotation))
            annotation = args[0]
        else:
            return annotation, nullable, constraints


def _arrow_type(annotation: typing.Any) -> tuple[pa.DataType, bool]:
    """Map a field annotation to (Arrow type, nullable)."""
    import pyarrow as pa

    base, nullable, _ = unwrap(annotation)
    if typing.get_origin(base) is list:
        inner, _ = _arrow_type(typing.get_args(base)[0])
        return pa.list_(pa.field("item", inner, nullable=False)), nullable
    if isinstance(base, type) and issubclass(base, Enum):
        return pa.string(), nullable
    if base in _SCALARS:
        return getattr(pa, _SCALARS[base])(), nullable
    raise TypeError(f"no Arrow type for {base!r}")


def value_check(annotation: typing.Any) -> typing.Callable[[object], bool]:
    """Whether a value is one a field of this annotation holds in rows read back from a build (as pyarrow's
    ``to_pylist`` and JSON give them, for the type ``_arrow_type`` maps it to): exactly its Python type (True is
    not an int, 90 not a float), a string for an Enum, a list of such items, None only where nullable."""
    base, nullable, _ = unwrap(annotation)
    if typing.get_origin(base) is list:
        item = value_check(typing.get_args(base)[0])

        def fits(value: object) -> bool:
            return isinstance(value, list) and all(item(x) for x in value)

    else:
        kind = str if isinstance(base, type) and issubclass(base, Enum) else base

        def fits(value: object) -> bool:
            return type(value) is kind

    return lambda value: (value is None and nullable) or fits(value)


def arrow_schema(table: str) -> pa.Schema:
    """The Arrow schema of a table, derived from its pydantic model, carrying the schema version."""
    import pyarrow as pa  # here, not at the top: the dashboard imports this module and serves without pyarrow

    model = TABLES[table]
    fields = []
    for name, info in model.model_fields.items():
        dtype, nullable = _arrow_type(info.annotation)
        fields.append(pa.field(name, dtype, nullable=nullable))
    meta = {b"schema_version": SCHEMA_VERSION.encode(), b"table": table.encode()}
    return pa.schema(fields, metadata=meta)
