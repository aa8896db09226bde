"""Build the tables: load the YAML sources, validate and derive, then write Parquet atomically.

Sources live in ``etl/sources/`` (and any further sources folder given, read after it)::

    themes.yaml                  the theme ids every record refers to (required in the first folder)
    response-groups.yaml         every result category's group, and the group's one colour
    <source-id>/origin.yaml      who published what, when; its document and sha256; for surveys, who answered
    <source-id>/results.yaml     survey figures, each naming its survey (optional)
    <source-id>/quotes.yaml      respondents' quotations (optional)
    <source-id>/context.yaml     quantitative context facts (optional)
    <source-id>/charts.yaml      a survey's chart catalogue (optional)

One step, in three parts (Our World in Data's step shape): ``load`` reads and validates each record on its own,
``process`` checks them together and against their documents, derives columns and resolves the catalogues
(``collect`` is the two), and ``build`` saves the tables. Every problem found is collected as an ``Issue`` naming
file, line, record and field; the build writes nothing unless there are none.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml
from pydantic import BaseModel, ValidationError

from etl import derive
from etl.dates import month_name
from etl.package import write_package
from etl.provenance import document_sha256, normalise_text, not_found
from etl.schema import (
    TABLES,
    Catalogue,
    CatalogueIn,
    Chart,
    ChartIn,
    ChartKind,
    Context,
    ContextIn,
    Contrast,
    ContrastIn,
    Qualifier,
    Quote,
    QuoteIn,
    ResponseGroup,
    Result,
    ResultIn,
    Selector,
    Source,
    SourceKind,
    Theme,
)
from etl.store import table_to_arrow, write_tables

RECORDS_DIR = Path(__file__).parent / "sources"
LINE = "__line__"
TWICE = "__keys_given_twice__"
_FIELD_TAG = re.compile(r"^(?:Value error, )?\[(\w+)\] (.*)$", re.S)


@dataclass(frozen=True)
class Issue:
    """One thing wrong with the input, located as precisely as we can."""

    file: str
    line: int | None
    record: str | None
    field: str | None
    reason: str

    def __str__(self) -> str:
        where = self.file + (f":{self.line}" if self.line else "")
        what = ", ".join(
            p
            for p in (f"record {self.record}" if self.record else "", f"field '{self.field}'" if self.field else "")
            if p
        )
        return f"{where}: {what + ': ' if what else ''}{self.reason}"


class BuildError(Exception):
    """The sources have problems; ``issues`` lists every one found."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))


@dataclass
class Dataset:
    """Validated rows of every table, plus what the derivations flagged."""

    rows: dict[str, list[dict]]
    flags: list[str] = field(default_factory=list)
    provenance: str = ""  # how the sentences were checked against their documents, in one line

    def arrow(self) -> dict[str, pa.Table]:
        return {name: table_to_arrow(name, self.rows[name]) for name in TABLES}


# Load inputs. ---------------------------------------------------------------------------------------------


class _LineLoader(yaml.SafeLoader):
    """A safe YAML loader that remembers the line each mapping starts on."""


def _construct_mapping(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    seen: set = set()
    twice: list = []
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            twice.append(key)
        seen.add(key)
    mapping = loader.construct_mapping(node, deep=True)
    if twice:  # YAML would keep the last silently; report it (see _validate)
        mapping[TWICE] = twice
    mapping[LINE] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
# Keep ISO dates as text: "published: 2024-09-05" is a string in the schema.
_LineLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml(path: Path, base: Path, issues: list[Issue]) -> Any:
    """Parse one YAML file; a syntax error becomes an Issue with its line (the file named relative to ``base``)."""
    rel = _rel(path, base)
    try:
        text = path.read_text(encoding="utf-8")
        return yaml.load(text, Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        line, reason = _yaml_fault(exc, text)
        issues.append(Issue(rel, line, None, None, f"malformed YAML: {reason}"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        issues.append(Issue(rel, None, None, None, f"cannot read file: {exc}"))
    return None


# What the parser was reading when it failed -> how to name that construct, for the faults it notices only later:
# a quote or bracket left open is found at the next quote, bracket or the end of the file, lines below.
_OPENED = {
    "while scanning a quoted scalar": "the quoted text that starts on this line is not closed",
    "while parsing a flow sequence": "the [ ] list that starts on this line is not closed, or lacks a comma",
    "while parsing a flow mapping": "the { } mapping that starts on this line is not closed, or lacks a comma",
}


def _yaml_fault(exc: yaml.MarkedYAMLError, text: str) -> tuple[int | None, str]:
    """(line, reason) of a YAML syntax error: the line where the construct at fault began when it can be told
    (an unclosed quote, list or mapping), else where the parser noticed."""
    problem, noticed = exc.problem or "", exc.problem_mark
    opened = _OPENED.get(exc.context or "")
    start = exc.context_mark.line if opened and exc.context_mark is not None else None
    if start is None and noticed is not None and (start := _quote_run_on(text, noticed.line)) is not None:
        opened = "the quoted text that starts on this line runs on to the next quote: is its closing quote missing?"
    if start is None:
        mark = noticed or exc.context_mark
        return (mark.line + 1 if mark else None), problem
    if noticed is not None and noticed.line != start:
        return start + 1, f"{opened} (the parser noticed at line {noticed.line + 1}: {problem})"
    return start + 1, f"{opened} ({problem})"


def _quote_run_on(text: str, line: int) -> int | None:
    """The 0-based line where a quoted text starts that spans several lines and ends on ``line`` (where the parser
    failed): a quote left open there took in every line up to the next quote."""
    found = None
    try:
        for token in yaml.scan(text, Loader=yaml.SafeLoader):
            if token.start_mark.line > line:
                break
            quoted = isinstance(token, yaml.ScalarToken) and token.style in ('"', "'")
            if quoted and token.start_mark.line < token.end_mark.line == line:
                found = token.start_mark.line
    except yaml.YAMLError:
        pass
    return found


def _rel(path: Path, base: Path) -> str:
    """How an issue names a file: its path below ``base`` (see _bases)."""
    try:
        return str(path.absolute().relative_to(base))
    except ValueError:
        return str(path)


def _bases(roots: list[Path]) -> list[Path]:
    """The folder each root's file names are given relative to: its parent ("sources/isos-2026/results.yaml"),
    or as far up as it takes to tell apart roots of the same name ("etl/sources/...", "fixtures/sources/...")."""
    full = [r.absolute() for r in roots]
    depth = [1] * len(full)

    def name(i: int) -> tuple[str, ...]:
        return full[i].parts[-depth[i] :]

    while True:
        seen: dict[tuple[str, ...], list[int]] = {}
        for i in range(len(full)):
            seen.setdefault(name(i), []).append(i)
        alike = [i for same in seen.values() if len(same) > 1 for i in same if depth[i] < len(full[i].parts)]
        if not alike:
            break
        for i in alike:
            depth[i] += 1
    return [f.parents[d - 1] if d <= len(f.parents) else Path(f.anchor) for f, d in zip(full, depth)]


def _records(data: Any, rel: str, issues: list[Issue], *, single: bool = False) -> list[dict]:
    """The list of mappings a file should hold (or the one mapping of an origin file)."""
    if data is None:
        return []
    if single:
        data = [data]
    if not isinstance(data, list) or not all(isinstance(r, dict) for r in data):
        expected = "a mapping" if single else "a list of mappings"
        issues.append(Issue(rel, None, None, None, f"expected {expected}, found {type(data).__name__}"))
        return []
    return data


def _plain(value: Any, twice: list[str]) -> Any:
    """A loaded YAML value without the line marks, at any depth; keys given twice are added to ``twice``."""
    if isinstance(value, dict):
        twice += [str(k) for k in value.get(TWICE, [])]
        return {k: _plain(v, twice) for k, v in value.items() if k not in (LINE, TWICE)}
    if isinstance(value, list):
        return [_plain(v, twice) for v in value]
    return value


def _validate(model: type[BaseModel], raw: dict, rel: str, issues: list[Issue]) -> BaseModel | None:
    """Validate one record; each pydantic error becomes an Issue naming its field."""
    line = raw.get(LINE)
    twice: list[str] = []
    body = _plain(raw, twice)
    # the record's name in the issue: its id, or a chart's slug
    rid = next((body[k] for k in ("id", "slug") if isinstance(body.get(k), str)), None)
    for key in twice:
        issues.append(
            Issue(rel, line, rid, str(key), "field given twice in one record (YAML would keep only the last)")
        )
    if twice:
        return None
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"]) or None
            reason = err["msg"]
            tagged = _FIELD_TAG.match(reason)
            if tagged:  # a cross-field check names its field as "[field] reason"
                loc = loc or tagged.group(1)
                reason = tagged.group(2)
            if loc and loc.startswith("select.0") and isinstance(body.get("select"), dict):
                loc = "select" + loc[len("select.0") :]  # one selector, validated as the one of a list (ChartIn)
            if err["type"] == "missing":
                reason = "missing required field"
            elif err["type"] == "extra_forbidden":
                reason = "unknown field (misspelt?)"
            elif err["type"] in ("enum", "literal_error"):
                reason = f"{err['msg']} (got {err.get('input')!r})"
            issues.append(Issue(rel, line, rid, loc, reason))
    return None


def _unique(records: Iterable[tuple[str, BaseModel, int | None]], issues: list[Issue]) -> None:
    seen: dict[str, str] = {}
    for rel, rec, line in records:
        where = f"{rel}:{line}" if line else rel
        if rec.id in seen:
            issues.append(Issue(rel, line, rec.id, "id", f"duplicate id (first defined at {seen[rec.id]})"))
        else:
            seen[rec.id] = where


def _as_list(paths: Path | Sequence[Path] | None) -> list[Path]:
    if paths is None:
        return []
    return [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]


@dataclass
class _Loaded:
    """Validated records as loaded, each with the file and line it came from."""

    themes: list[tuple[str, Theme, int | None]] = field(default_factory=list)
    groups: list[tuple[str, ResponseGroup, int | None]] = field(default_factory=list)
    sources: list[tuple[str, Source, int | None]] = field(default_factory=list)
    # (file, record, line, id of the folder's document)
    results: list[tuple[str, ResultIn, int | None, str]] = field(default_factory=list)
    quotes: list[tuple[str, Quote, int | None]] = field(default_factory=list)
    context: list[tuple[str, Context, int | None]] = field(default_factory=list)
    catalogues: list[_LoadedCatalogue] = field(default_factory=list)


@dataclass(frozen=True)
class _LoadedCatalogue:
    rel: str
    catalogue: CatalogueIn
    line: int | None
    survey: str
    chart_lines: list[int | None]
    contrast_lines: list[int | None]


def _load_list(
    path: Path, base: Path, model: type[BaseModel], issues: list[Issue]
) -> list[tuple[str, BaseModel, int | None]]:
    rel = _rel(path, base)
    out = []
    for raw in _records(load_yaml(path, base, issues), rel, issues):
        if (rec := _validate(model, raw, rel, issues)) is not None:
            out.append((rel, rec, raw.get(LINE)))
    return out


def _load_root(root: Path, base: Path, first: bool, loaded: _Loaded, issues: list[Issue]) -> None:
    """Read one sources folder: its shared lists (themes, response groups) and one folder per document; issues
    name files relative to ``base``."""
    themes_path = root / "themes.yaml"
    if themes_path.exists():
        loaded.themes += _load_list(themes_path, base, Theme, issues)
    elif first:
        issues.append(Issue(_rel(themes_path, base), None, None, None, "missing: the theme list is required"))
    groups_path = root / "response-groups.yaml"
    if groups_path.exists():
        loaded.groups += _load_list(groups_path, base, ResponseGroup, issues)
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    for folder in folders:
        origin_path = folder / "origin.yaml"
        rel = _rel(origin_path, base)
        if not origin_path.exists():
            issues.append(Issue(rel, None, None, None, "missing: every source folder needs an origin.yaml"))
            continue
        origin_raw = _records(load_yaml(origin_path, base, issues), rel, issues, single=True)
        origin = _validate(Source, origin_raw[0], rel, issues) if origin_raw else None
        if origin is None:
            continue
        if origin.id != folder.name:
            issues.append(
                Issue(rel, origin_raw[0].get(LINE), origin.id, "id", f"must equal the folder name '{folder.name}'")
            )
        loaded.sources.append((rel, origin, origin_raw[0].get(LINE)))
        for fname, model in (("results.yaml", ResultIn), ("quotes.yaml", QuoteIn), ("context.yaml", ContextIn)):
            path = folder / fname
            if not path.exists():
                continue
            for frel, rec, line in _load_list(path, base, model, issues):
                if model is ResultIn:
                    loaded.results.append((frel, rec, line, origin.id))
                elif model is QuoteIn:
                    loaded.quotes.append((frel, Quote(**rec.model_dump(), source=origin.id), line))
                else:
                    loaded.context.append((frel, Context(**rec.model_dump(), source=origin.id), line))
        charts_path = folder / "charts.yaml"
        if charts_path.exists():
            _load_catalogue(charts_path, base, origin.id, loaded, issues)


def _load_catalogue(path: Path, base: Path, survey: str, loaded: _Loaded, issues: list[Issue]) -> None:
    """One charts.yaml: each chart and contrast validated on its own, so an error names its line."""
    rel = _rel(path, base)
    data = _records(load_yaml(path, base, issues), rel, issues, single=True)
    if not data:
        issues.append(Issue(rel, None, None, None, "empty: a catalogue needs a tagline and at least one chart"))
        return
    raw = data[0]
    parts: dict[str, list] = {}
    lines: dict[str, list[int | None]] = {}
    for key, model in (("charts", ChartIn), ("contrasts", ContrastIn)):
        given = raw.get(key, [])
        if not isinstance(given, list) or not all(isinstance(x, dict) for x in given):
            issues.append(Issue(rel, raw.get(LINE), None, key, "expected a list of mappings"))
            return
        parts[key] = [_validate(model, item, rel, issues) for item in given]
        lines[key] = [item.get(LINE) for item in given]
    if any(p is None for ps in parts.values() for p in ps):
        return
    top = {k: v for k, v in raw.items() if k not in ("charts", "contrasts")}
    top["charts"] = [c.model_dump() for c in parts["charts"]]
    top["contrasts"] = [c.model_dump() for c in parts["contrasts"]]
    if (cat := _validate(CatalogueIn, top, rel, issues)) is not None:
        loaded.catalogues.append(_LoadedCatalogue(rel, cat, raw.get(LINE), survey, lines["charts"], lines["contrasts"]))


def load(roots: list[Path], issues: list[Issue]) -> _Loaded:
    """Load inputs: every sources folder, in order, each record validated on its own (issues name files relative
    to ``_bases``)."""
    loaded = _Loaded()
    for i, (root, base) in enumerate(zip(roots, _bases(roots))):
        if not root.is_dir():
            issues.append(Issue(str(root), None, None, None, "missing: no such sources folder"))
            continue
        _load_root(root, base, i == 0, loaded, issues)
    return loaded


# Process data. ----------------------------------------------------------------------------------------------


def _check_records(loaded: _Loaded, issues: list[Issue]) -> tuple[dict[str, Source], dict[str, str]]:
    """The checks across records: unique ids, known themes, response groups and surveys, bases within the
    survey's respondents, derived counts. Returns the sources by id and each category's group."""
    results = loaded.results
    theme_ids = {t.id for _, t, _ in loaded.themes}
    source_by_id = {s.id: s for _, s, _ in loaded.sources}
    for group in (
        loaded.themes,
        loaded.groups,
        loaded.sources,
        [r[:3] for r in results],
        loaded.quotes,
        loaded.context,
    ):
        _unique(group, issues)
    group_of = _check_groups(loaded.groups, issues)
    for rel, rec, line in [*(r[:3] for r in results), *loaded.quotes, *loaded.context]:
        for tid in rec.themes:
            if tid not in theme_ids:
                known = ", ".join(sorted(theme_ids))
                issues.append(Issue(rel, line, rec.id, "themes", f"unknown theme '{tid}' (known: {known})"))
    giving = {folder for _, rec, _, folder in results if folder != rec.survey}  # a press release's, a briefing's
    for rel, src, line in loaded.sources:
        if src.id in giving and not src.citation:
            reason = "a document that gives a survey's figures needs a citation: the source of each of those figures"
            issues.append(Issue(rel, line, src.id, "citation", reason))
    result_by_id = {r.id: r for _, r, _, _ in results}
    for rel, rec, line, _ in results:
        if rec.category not in group_of:
            reason = f"'{rec.category}' is in no response group (response-groups.yaml)"
            issues.append(Issue(rel, line, rec.id, "category", reason))
        src = source_by_id.get(rec.survey)
        if src is None:
            issues.append(Issue(rel, line, rec.id, "survey", f"unknown survey '{rec.survey}'"))
            continue
        if src.kind != SourceKind.SURVEY_REPORT.value:
            reason = f"'{rec.survey}' is a {src.kind}, not a survey (its origin.yaml's kind is not survey-report)"
            issues.append(Issue(rel, line, rec.id, "survey", reason))
            continue
        if rec.base is not None and src.respondents is not None and rec.base > src.respondents:
            reason = f"base {rec.base} exceeds the survey's {src.respondents} respondents"
            issues.append(Issue(rel, line, rec.id, "base", reason))
        if rec.derived_from:
            _check_derived(rel, line, rec, result_by_id, issues)
    return source_by_id, group_of


def _result_rows(loaded: _Loaded, sources: dict[str, Source], group_of: dict[str, str]) -> tuple[list[dict], list]:
    """The result rows with their derived columns (etl.derive), and the flags the derivations raised."""
    flags: list[str] = []
    rows = []
    answers = _answers([rec for _, rec, _, _ in loaded.results])
    for _, rec, _, folder in loaded.results:
        noun = sources[rec.survey].respondent_plural or "respondents"
        partners = [(p.value, p.qualifier) for p in answers.get(_answer_key(rec), []) if p.id != rec.id]
        derived = derive.derive_result(rec.value, rec.qualifier, rec.base, rec.count, noun=noun, partners=partners)
        if derived["flag"]:
            flags.append(f"{rec.id}: {derived['flag']}")
        row = Result(**rec.model_dump(), **derived, source=folder, group=group_of[rec.category])
        rows.append(row.model_dump(mode="json"))
    return rows, flags


def process(loaded: _Loaded, documents: list[Path], issues: list[Issue]) -> Dataset:
    """Process data: check the records together and against their documents, derive the results' columns,
    resolve the chart catalogues; raise BuildError listing every problem (those of loading included)."""
    if issues and not (loaded.themes or loaded.sources):
        raise BuildError(issues)
    source_by_id, group_of = _check_records(loaded, issues)
    context_rows = _context_rows(loaded.context, source_by_id, issues)
    provenance = _check_provenance(documents, loaded, issues)
    if issues:
        raise BuildError(issues)
    result_rows, flags = _result_rows(loaded, source_by_id, group_of)
    catalogues, charts, contrasts = _resolve_catalogues(loaded, source_by_id, result_rows, issues)
    if issues:
        raise BuildError(issues)
    rows = {
        "themes": [t.model_dump(mode="json") for _, t, _ in loaded.themes],
        "groups": [g.model_dump(mode="json") for _, g, _ in loaded.groups],
        "sources": [s.model_dump(mode="json") for _, s, _ in loaded.sources],
        "results": result_rows,
        "quotes": [q.model_dump(mode="json") for _, q, _ in loaded.quotes],
        "context": context_rows,
        "catalogues": catalogues,
        "charts": charts,
        "contrasts": contrasts,
    }
    return Dataset(rows=rows, flags=flags, provenance=provenance)


def collect(sources: Path | Sequence[Path] = RECORDS_DIR, documents: Path | Sequence[Path] | None = None) -> Dataset:
    """Load and validate every source file under ``sources`` (one folder or several, read in order), derive
    columns, resolve the chart catalogues; raise BuildError listing every problem. Writes nothing: ``build``
    saves what this returns.

    ``documents`` are the folders holding the documents' text (``seed_file``): every sentence and quotation
    is checked against the document of the folder it lives in. Without them provenance is not checked, and
    ``Dataset.provenance`` says so.
    """
    issues: list[Issue] = []
    # Load inputs.
    loaded = load(_as_list(sources), issues)
    # Process data.
    return process(loaded, _as_list(documents), issues)


NOW = "now"


def document_date(published: str | None) -> str | None:
    """A document's date as a period: "2024-09-05" and "2024-09" are "September 2024", "2023" is "2023"."""
    if not published:
        return None
    parts = published.split("-")
    return parts[0] if len(parts) == 1 else f"{month_name(parts[1])} {parts[0]}"


def _context_rows(
    context: list[tuple[str, Context, int | None]], sources: dict[str, Source], issues: list[Issue]
) -> list[dict]:
    """The context rows, a period of "now" replaced by the document's date; a label that repeats its period,
    or a series that is not one measure at two or more periods, is an issue."""
    rows = []
    series: dict[str, list[tuple[str, Context, int | None]]] = {}
    for rel, c, line in context:
        row = c.model_dump(mode="json")
        if c.period and c.period.strip().lower() == NOW:
            row["period"] = document_date(sources[c.source].published) if c.source in sources else None
            if row["period"] is None:
                reason = "'now' is the document's date, but its origin.yaml gives no published date"
                issues.append(Issue(rel, line, c.id, "period", reason))
        period = row["period"]
        if period and period.lower() in c.label.lower():
            reason = f"repeats its period '{period}': the page adds the period to the label, so leave it out"
            issues.append(Issue(rel, line, c.id, "label", reason))
        if c.series:
            series.setdefault(c.series, []).append((rel, c, line))
        rows.append(row)
    periods = {r["id"]: r["period"] for r in rows}
    for sid, members in series.items():
        rel, first, line = members[0]
        if len(members) < 2:
            issues.append(Issue(rel, line, first.id, "series", f"series '{sid}' has one figure: a series needs two"))
        for rel, c, line in members:
            if (c.label, c.unit) != (first.label, first.unit):
                reason = f"series '{sid}' is one measure: give it the label and unit of {first.id}"
                issues.append(Issue(rel, line, c.id, "series", reason))
            if c.value is None or not periods[c.id]:
                issues.append(Issue(rel, line, c.id, "series", "a figure in a series needs a value and a period"))
        seen = [periods[c.id] for _, c, _ in members]
        if len(set(seen)) != len(seen):
            issues.append(Issue(rel, line, first.id, "series", f"series '{sid}' has two figures for one period"))
    return rows


def _answer_key(rec: ResultIn) -> tuple:
    """What makes results the answers to one question: its survey, wording, item and stated base."""
    return (rec.survey, rec.question, rec.item, rec.base)


def _answers(results: list[ResultIn]) -> dict[tuple, list[ResultIn]]:
    """The reported (not derived) results on a stated base, grouped by question and item: each group is checked
    together (etl.derive), since one set of respondents gave those answers. Results about different items of
    one question are not pooled: some respondents may skip one item and answer another."""
    groups: dict[tuple, list[ResultIn]] = {}
    for rec in results:
        if rec.base is not None and rec.qualifier != Qualifier.DERIVED.value:
            groups.setdefault(_answer_key(rec), []).append(rec)
    return groups


def _check_groups(groups: list[tuple[str, ResponseGroup, int | None]], issues: list[Issue]) -> dict[str, str]:
    """Category -> group id; a category in two groups, or a colour used twice, is an error."""
    group_of: dict[str, str] = {}
    colour_of: dict[str, str] = {}
    for rel, g, line in groups:
        colour = g.colour.lower()
        if colour in colour_of:
            reason = f"colour {g.colour} is already group '{colour_of[colour]}': one colour, one meaning"
            issues.append(Issue(rel, line, g.id, "colour", reason))
        colour_of[colour] = g.id
        for cat in g.categories:
            if cat in group_of:
                issues.append(Issue(rel, line, g.id, "categories", f"'{cat}' is already in group '{group_of[cat]}'"))
            group_of.setdefault(cat, g.id)
    return group_of


def _resolve_catalogues(loaded: _Loaded, sources: dict[str, Source], results: list[dict], issues: list[Issue]):
    """The catalogue, chart and contrast rows, each chart's selector resolved to result ids in drawing order."""
    by_id = {r["id"]: r for r in results}
    catalogues, charts, contrasts = [], [], []
    surveys = []  # a charts.yaml in another document's folder is refused, and counts for nothing below
    for c in loaded.catalogues:
        if sources[c.survey].kind == SourceKind.SURVEY_REPORT.value:
            surveys.append(c)
        else:
            reason = "charts.yaml belongs in a survey's folder (kind survey-report)"
            issues.append(Issue(c.rel, c.line, c.survey, None, reason))
    defaults = [c for c in surveys if c.catalogue.default]
    for c in defaults[1:]:
        issues.append(Issue(c.rel, c.line, c.survey, "default", "more than one survey is marked default"))
    if not defaults and len(surveys) > 1:
        for c in surveys:
            issues.append(
                Issue(c.rel, c.line, c.survey, "default", "several surveys have charts: mark one 'default: true'")
            )
    for entry in surveys:
        rel, cat, line, survey = entry.rel, entry.catalogue, entry.line, entry.survey
        src = sources[survey]
        missing = [f for f in ("respondent_singular", "respondent_plural", "citation") if not getattr(src, f)]
        if missing:
            reason = f"a survey with charts needs {', '.join(missing)} in its origin.yaml"
            issues.append(Issue(rel, line, survey, missing[0], reason))
            continue
        if not any(r["survey"] == survey for r in results):  # one error, not one per chart and contrast
            results_file = rel.rsplit("/", 1)[0] + "/results.yaml"
            reason = f"the survey '{survey}' has no results (the file is missing or empty): its charts would be empty"
            issues.append(Issue(results_file, None, survey, None, reason))
            continue
        default = cat.default or len(surveys) == 1
        unknown = [d for d in cat.context_from if d not in sources]
        if unknown:
            issues.append(Issue(rel, line, survey, "context_from", f"unknown document(s): {', '.join(unknown)}"))
        context_from = [survey, *(d for d in cat.context_from if d != survey)]
        row = Catalogue(
            survey=survey,
            default=default,
            tagline=cat.tagline,
            site_title=cat.site_title,
            theme_legend=cat.theme_legend,
            context_from=context_from,
        )
        catalogues.append(row.model_dump(mode="json"))
        charts += _chart_rows(entry, src, results, by_id, sources, issues)
        for pos, (c, cline) in enumerate(zip(cat.contrasts, entry.contrast_lines)):
            unknown = [i for i in (c.left, c.right) if i not in by_id]
            if unknown:
                issues.append(Issue(rel, cline, None, "contrasts", f"unknown result(s): {', '.join(unknown)}"))
                continue
            contrasts.append(Contrast(**c.model_dump(), survey=survey, position=pos).model_dump(mode="json"))
    return catalogues, charts, contrasts


def _chart_rows(
    entry: _LoadedCatalogue, src: Source, results: list[dict], by_id: dict, sources: dict, issues: list[Issue]
) -> list[dict]:
    """The chart rows of one catalogue, each with its results in drawing order and its defaults filled in."""
    rows, slugs = [], set()
    for pos, (chart, cline) in enumerate(zip(entry.catalogue.charts, entry.chart_lines)):
        if chart.slug in slugs:
            issues.append(Issue(entry.rel, cline, chart.slug, "slug", "two charts of this survey have this slug"))
        slugs.add(chart.slug)
        ids = _select(entry.rel, cline, entry.survey, chart, results, by_id, sources, issues)
        if not ids:
            continue
        row = Chart(
            survey=entry.survey,
            slug=chart.slug,
            position=pos,
            figure=chart.figure,
            title=chart.title,
            subtitle=chart.subtitle or by_id[ids[0]]["question"],
            kind=chart.kind,
            select_ids=_named(chart, "ids"),
            select_figures=_named(chart, "figure"),
            select_category=_named(chart, "category"),
            select_compare_key=_named(chart, "compare_key"),
            result_ids=ids,
            axis_label=chart.axis_label or f"% of responding {src.respondent_plural}",
            note=chart.note,
        )
        rows.append(row.model_dump(mode="json"))
    return rows


def _named(chart: ChartIn, condition: str) -> list:
    """What a chart's selector, or its alternatives together, name in one condition, in order, each once."""
    values = [getattr(sel, condition) for sel in chart.select]
    flat = [v for value in values for v in (value if isinstance(value, list) else [value]) if v is not None]
    return list(dict.fromkeys(flat))


def _select(
    rel, line, survey: str, chart: ChartIn, results: list[dict], by_id: dict, sources: dict, issues: list[Issue]
) -> list[str]:
    """The ids of the results ``chart`` draws, in drawing order; an Issue when the selection is wrong or empty.
    Alternatives (``select`` as a list) are joined in order, each result once."""

    def problem(reason: str) -> list[str]:
        issues.append(Issue(rel, line, chart.slug, "select", reason))
        return []

    unknown = [i for sel in chart.select for i in sel.ids if i not in by_id]
    if unknown:
        return problem(f"unknown result(s): {', '.join(unknown)}")
    picked: dict[str, dict] = {}
    for n, sel in enumerate(chart.select, 1):
        found = _matching(sel, survey, results, by_id)
        if not found and len(chart.select) > 1:
            return problem(f"alternative {n} of {len(chart.select)} selects no results")
        for r in found:
            picked.setdefault(r["id"], r)
    rows = list(picked.values())
    if not rows:
        return problem("selects no results")
    if chart.kind == ChartKind.RANKED.value:
        rows = sorted(rows, key=lambda r: (-derive.extent(r)[0], r["item"]))
    elif chart.kind == ChartKind.WAVES.value:
        if len({r["survey"] for r in rows}) < 2 or any(r["compare_key"] is None for r in rows):
            return problem("a waves chart compares results of two or more surveys that share a compare_key")
        order = list(dict.fromkeys(r["compare_key"] for r in rows))
        # each key's waves together, oldest survey first
        rows = sorted(rows, key=lambda r: (order.index(r["compare_key"]), sources[r["survey"]].published or ""))
    elif chart.kind == ChartKind.STACKED.value and (reason := _not_one_whole(rows)):
        return problem(reason)
    return [r["id"] for r in rows]


def _matching(sel: Selector, survey: str, results: list[dict], by_id: dict) -> list[dict]:
    """The results one selector picks, every condition holding: ``ids`` in their order, else in file order."""
    if sel.ids:
        pool = [by_id[i] for i in sel.ids]
    elif sel.compare_key:
        pool = [r for r in results if r["compare_key"] in sel.compare_key]
    else:
        pool = [r for r in results if r["survey"] == survey]
    return [
        r
        for r in pool
        if (sel.figure is None or r["figure"] == sel.figure)
        and (not sel.category or r["category"] in sel.category)
        and (not sel.compare_key or r["compare_key"] in sel.compare_key)
    ]


def _not_one_whole(rows: list[dict]) -> str | None:
    """Why ``rows`` cannot be one stacked bar, or None: a stacked bar is the parts of one whole, the answers to
    one question about one item on one stated base, together at most all of it (by the lowest share each allows)."""
    one_bar = "a stacked chart draws one bar, the parts of one whole"
    if len({(r["question"], r["base"]) for r in rows}) != 1 or rows[0]["base"] is None:
        return "a stacked chart draws the answers to one question, all on one stated base"
    items: dict[str, list[str]] = {}
    for r in rows:
        items.setdefault(r["item"], []).append(r["id"])
    if len(items) > 1:
        named = "; ".join(f"'{item}' ({', '.join(ids)})" for item, ids in items.items())
        return (
            f"{one_bar}, but these are the answers about {len(items)} items of one question, which it would add up "
            f"into one bar: {named}. Draw them with kind bars or ranked, or select one item"
        )
    total = sum(r["pct_low"] for r in rows)
    if total > 100 + 1e-9:
        named = "; ".join(f"{r['id']} ({r['category']}) {r['reported_text']}" for r in rows)
        return (
            f"{one_bar}, but the lowest shares these answers allow add up to {total:.0f}% of the base of "
            f"{rows[0]['base']}: {named}. Answers that can overlap (respondents may give more than one) are not parts "
            "of one whole: draw them with kind bars"
        )
    return None


def _check_derived(rel: str, line: int | None, rec: ResultIn, by_id: dict[str, ResultIn], issues: list[Issue]) -> None:
    """A derived count must equal the base less the counts it is derived from, all on one base."""
    parts = [by_id.get(i) for i in rec.derived_from]
    missing = [i for i, p in zip(rec.derived_from, parts) if p is None]
    if missing:
        issues.append(Issue(rel, line, rec.id, "derived_from", f"unknown result(s): {', '.join(missing)}"))
        return
    if any(p.count is None or p.base != rec.base for p in parts):
        issues.append(Issue(rel, line, rec.id, "derived_from", "every part needs a stated count on the same base"))
        return
    expected = rec.base - sum(p.count for p in parts)
    if rec.count != expected:
        issues.append(Issue(rel, line, rec.id, "count", f"{rec.count} but base less its parts is {expected}"))
    elif abs(rec.value - 100 * expected / rec.base) > 0.01:
        exact = 100 * expected / rec.base
        issues.append(Issue(rel, line, rec.id, "value", f"{rec.value} but {expected} of {rec.base} is {exact:.4f}%"))


def _check_provenance(folders: list[Path], loaded: _Loaded, issues: list[Issue]) -> str:
    """Check every sentence and quotation against the document of the folder it lives in; return a summary line.

    A document whose sha256 differs from its origin's ``document_sha256`` is reported once, as another
    version, and its records are not compared sentence by sentence.
    """
    if not folders:
        return "not checked: no documents folder (set SOURCES_DIR to the folder of the documents' text)"
    texts: dict[str, str] = {}
    for rel, src, line in loaded.sources:
        if not src.seed_file:
            continue
        found = next((f / src.seed_file for f in folders if (f / src.seed_file).is_file()), None)
        if found is None:
            where = ", ".join(str(f) for f in folders)
            issues.append(
                Issue(rel, line, src.id, "seed_file", f"{src.seed_file} is not in the documents folder ({where})")
            )
            continue
        digest = document_sha256(found)
        if digest != src.document_sha256:
            reason = (
                f"{src.seed_file} is another version of the document than the one its records were checked "
                f"against (sha256 {digest[:12]}…, expected {src.document_sha256[:12]}…): check the records "
                "against this version, then set document_sha256 to its sha256"
            )
            issues.append(Issue(rel, line, src.id, "document_sha256", reason))
            continue
        texts[src.id] = normalise_text(found.read_text(encoding="utf-8"))
    checks = [
        (rel, line, r.id, "verbatim", folder, r.verbatim) for rel, r, line, folder in loaded.results if r.verbatim
    ]
    checks += [(rel, line, q.id, "text", q.source, q.text) for rel, q, line in loaded.quotes]
    checks += [(rel, line, c.id, "verbatim", c.source, c.verbatim) for rel, c, line in loaded.context]
    seed = {s.id: s.seed_file for _, s, _ in loaded.sources}
    compared = 0
    unchecked: dict[str, int] = {}  # folder -> sentences not compared: its origin names no seed_file
    for rel, line, rid, fname, src_id, text in checks:
        doc = texts.get(src_id)
        if doc is None:
            if not seed.get(src_id):
                unchecked[src_id] = unchecked.get(src_id, 0) + 1
            continue
        compared += 1
        if normalise_text(text) not in doc:
            issues.append(Issue(rel, line, rid, fname, not_found(text, doc, seed[src_id])))
    summary = f"checked: {compared} sentences and quotations against {len({seed[s] for s in texts})} documents"
    if unchecked:
        folders = ", ".join(f"{n} in {s}" for s, n in sorted(unchecked.items()))
        summary += f"; NOT checked: {folders} (no seed_file in its origin.yaml)"
    return summary


# Save outputs. -----------------------------------------------------------------------------------------------


class ShrinkError(BuildError):
    """The new build would publish a survey without results, or a table losing more than half its rows."""


def build(
    data_dir: Path,
    sources: Path | Sequence[Path] = RECORDS_DIR,
    documents: Path | Sequence[Path] | None = None,
    *,
    allow_shrink: bool = False,
    notes: list[str] | None = None,
) -> tuple[Dataset, Path]:
    """Validate everything, refuse an empty or shrunken dataset (unless ``allow_shrink``; see etl.shrink),
    then write all tables, and the open data beside them, as one atomic build (repairing an existing build
    of the same id; ``notes`` says what was repaired)."""
    dataset = collect(sources, documents)
    if not allow_shrink:
        from etl import shrink

        problems = shrink.check(dataset.rows, data_dir, _as_list(sources))
        if problems:
            raise ShrinkError([Issue(file, None, None, None, reason) for file, reason in problems])
    return dataset, write_tables(data_dir, dataset.arrow(), extras=write_package, notes=notes)
