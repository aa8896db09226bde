"""Build the tables: load the YAML sources, validate and derive, then write Parquet atomically.

Sources live in ``etl/sources/``::

    themes.yaml                  the theme ids every record refers to
    <source-id>/origin.yaml      who published what, when; for surveys, who answered
    <source-id>/results.yaml     survey figures (optional)
    <source-id>/quotes.yaml      respondents' quotations (optional)
    <source-id>/context.yaml     quantitative context facts (optional)

Every problem found is collected as an ``Issue`` naming file, line, record and field; the build writes
nothing unless there are none.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml
from pydantic import BaseModel, ValidationError

from etl import derive
from etl.schema import TABLES, Context, ContextIn, Quote, QuoteIn, Result, ResultIn, Source, Theme
from etl.store import table_to_arrow, write_tables

SOURCES_DIR = Path(__file__).parent / "sources"
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


def load_yaml(path: Path, root: Path, issues: list[Issue]) -> Any:
    """Parse one YAML file; a syntax error becomes an Issue with its line."""
    rel = _rel(path, root)
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        issues.append(Issue(rel, mark.line + 1 if mark else None, None, None, f"malformed YAML: {exc.problem}"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        issues.append(Issue(rel, None, None, None, f"cannot read file: {exc}"))
    return None


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root.parent))
    except ValueError:
        return str(path)


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


def _validate(model: type[BaseModel], raw: dict, rel: str, issues: list[Issue]) -> BaseModel | None:
    """Validate one record; each pydantic error becomes an Issue naming its field."""
    line = raw.get(LINE)
    body = {k: v for k, v in raw.items() if k not in (LINE, TWICE)}
    rid = body.get("id") if isinstance(body.get("id"), str) else None
    for key in raw.get(TWICE, []):
        issues.append(
            Issue(rel, line, rid, str(key), "field given twice in one record (YAML would keep only the last)")
        )
    if raw.get(TWICE):
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
            if err["type"] == "missing":
                reason = "missing required field"
            elif err["type"] == "extra_forbidden":
                reason = "unknown field (misspelt?)"
            elif err["type"] in ("enum", "literal_error"):
                reason = f"{err['msg']} (got {err.get('input')!r})"
            issues.append(Issue(rel, line, rid, loc, reason))
    return None


# Process data. ----------------------------------------------------------------------------------------------


def normalise_text(text: str) -> str:
    """Text as compared for provenance: no markup or emphasis, plain quotes, single spaces."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", text))
    text = unicodedata.normalize("NFKC", text).replace("*", "")
    text = text.translate(str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "\u00a0": " "}))
    return re.sub(r"\s+", " ", text).strip()


def _unique(records: Iterable[tuple[str, BaseModel, int | None]], issues: list[Issue]) -> None:
    seen: dict[str, str] = {}
    for rel, rec, line in records:
        where = f"{rel}:{line}" if line else rel
        if rec.id in seen:
            issues.append(Issue(rel, line, rec.id, "id", f"duplicate id (first defined at {seen[rec.id]})"))
        else:
            seen[rec.id] = where


def collect(sources_dir: Path = SOURCES_DIR, provenance: Path | None = None) -> Dataset:
    """Load and validate every source file, derive columns; raise BuildError listing every problem."""
    issues: list[Issue] = []
    root = sources_dir

    # Load inputs.
    themes_path = sources_dir / "themes.yaml"
    if not themes_path.exists():
        raise BuildError([Issue(_rel(themes_path, root), None, None, None, "missing: the theme list is required")])
    themes: list[tuple[str, Theme, int | None]] = []
    rel = _rel(themes_path, root)
    for raw in _records(load_yaml(themes_path, root, issues), rel, issues):
        if (t := _validate(Theme, raw, rel, issues)) is not None:
            themes.append((rel, t, raw.get(LINE)))

    sources: list[tuple[str, Source, int | None]] = []
    results: list[tuple[str, ResultIn, int | None]] = []
    quotes: list[tuple[str, Quote, int | None]] = []
    context: list[tuple[str, Context, int | None]] = []
    folders = sorted(p for p in sources_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))
    for folder in folders:
        origin_path = folder / "origin.yaml"
        rel = _rel(origin_path, root)
        if not origin_path.exists():
            issues.append(Issue(rel, None, None, None, "missing: every source folder needs an origin.yaml"))
            continue
        origin_raw = _records(load_yaml(origin_path, root, issues), rel, issues, single=True)
        origin = _validate(Source, origin_raw[0], rel, issues) if origin_raw else None
        if origin is None:
            continue
        if origin.id != folder.name:
            issues.append(
                Issue(rel, origin_raw[0].get(LINE), origin.id, "id", f"must equal the folder name '{folder.name}'")
            )
        sources.append((rel, origin, origin_raw[0].get(LINE)))
        for fname, model in (("results.yaml", ResultIn), ("quotes.yaml", QuoteIn), ("context.yaml", ContextIn)):
            path = folder / fname
            if not path.exists():
                continue
            frel = _rel(path, root)
            for raw in _records(load_yaml(path, root, issues), frel, issues):
                rec = _validate(model, raw, frel, issues)
                if rec is None:
                    continue
                line = raw.get(LINE)
                if model is ResultIn:
                    results.append((frel, rec, line))
                elif model is QuoteIn:
                    quotes.append((frel, Quote(**rec.model_dump(), source=origin.id), line))
                else:
                    context.append((frel, Context(**rec.model_dump(), source=origin.id), line))

    # Process data: cross-record checks.
    theme_ids = {t.id for _, t, _ in themes}
    source_by_id = {s.id: s for _, s, _ in sources}
    for group in (themes, sources, results, quotes, context):
        _unique(group, issues)
    for rel, rec, line in [*results, *quotes, *context]:
        for tid in rec.themes:
            if tid not in theme_ids:
                issues.append(
                    Issue(rel, line, rec.id, "themes", f"unknown theme '{tid}' (known: {', '.join(sorted(theme_ids))})")
                )
    result_by_id = {r.id: r for _, r, _ in results}
    for rel, rec, line in results:
        src = source_by_id.get(rec.survey)
        if src is None:
            issues.append(Issue(rel, line, rec.id, "survey", f"unknown survey '{rec.survey}'"))
            continue
        if rec.base is not None and src.respondents is not None and rec.base > src.respondents:
            issues.append(
                Issue(rel, line, rec.id, "base", f"base {rec.base} exceeds the survey's {src.respondents} respondents")
            )
        if rec.derived_from:
            _check_derived(rel, line, rec, result_by_id, issues)
    if provenance is not None:
        _check_provenance(provenance, source_by_id, results, quotes, context, issues)

    if issues:
        raise BuildError(issues)

    flags: list[str] = []
    result_rows = []
    for _, rec, _ in results:
        derived = derive.derive_result(rec.value, rec.qualifier, rec.base, rec.count)
        if derived["flag"]:
            flags.append(f"{rec.id}: {derived['flag']}")
        result_rows.append(Result(**rec.model_dump(), **derived).model_dump(mode="json"))
    rows = {
        "themes": [t.model_dump(mode="json") for _, t, _ in themes],
        "sources": [s.model_dump(mode="json") for _, s, _ in sources],
        "results": result_rows,
        "quotes": [q.model_dump(mode="json") for _, q, _ in quotes],
        "context": [c.model_dump(mode="json") for _, c, _ in context],
    }
    return Dataset(rows=rows, flags=flags)


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
        issues.append(
            Issue(
                rel,
                line,
                rec.id,
                "value",
                f"{rec.value} but {expected} of {rec.base} is {100 * expected / rec.base:.4f}%",
            )
        )


def _check_provenance(target: Path, sources: dict[str, Source], results, quotes, context, issues: list[Issue]) -> None:
    """Every verbatim sentence and quotation must appear in its source document under ``target``.

    ``target`` is a folder of seed documents or one document; records whose document is not there are skipped.
    """
    texts: dict[str, str] = {}
    for src in sources.values():
        if not src.seed_file:
            continue
        path = target / src.seed_file if target.is_dir() else target
        if path.name == src.seed_file and path.exists():
            texts[src.id] = normalise_text(path.read_text(encoding="utf-8"))
    checks = [(rel, line, r.id, "verbatim", r.survey, r.verbatim) for rel, r, line in results if r.verbatim]
    checks += [(rel, line, q.id, "text", q.source, q.text) for rel, q, line in quotes]
    checks += [(rel, line, c.id, "verbatim", c.source, c.verbatim) for rel, c, line in context]
    for rel, line, rid, fname, src_id, text in checks:
        doc = texts.get(src_id)
        if doc is not None and normalise_text(text) not in doc:
            issues.append(Issue(rel, line, rid, fname, f"not found in {sources[src_id].seed_file}"))


# Save outputs. -----------------------------------------------------------------------------------------------


class ShrinkError(BuildError):
    """The new build would publish a survey without results, or a table losing more than half its rows."""


def build(
    data_dir: Path,
    sources_dir: Path = SOURCES_DIR,
    provenance: Path | None = None,
    *,
    allow_shrink: bool = False,
    notes: list[str] | None = None,
) -> tuple[Dataset, Path]:
    """Validate everything, refuse an empty or shrunken dataset (unless ``allow_shrink``; see etl.shrink),
    then write all tables as one atomic build (repairing an existing build of the same id; ``notes`` says
    what was repaired)."""
    dataset = collect(sources_dir, provenance)
    if not allow_shrink:
        from etl import shrink

        problems = shrink.check(dataset.rows, data_dir, sources_dir)
        if problems:
            raise ShrinkError([Issue(file, None, None, None, reason) for file, reason in problems])
    return dataset, write_tables(data_dir, dataset.arrow(), notes=notes)
