"""The guard against publishing an empty or shrunken dataset (``python -m etl`` refuses it without ``--allow-shrink``).

Checked on the validated rows of a new build, before anything is written:

- every survey has results: a source of kind ``survey-report``, or any survey that has results in the
  current build, with no result rows in the new one is an error naming its ``<survey>/results.yaml``;
- no table loses more than half its rows against the current build (``data/current``): checked for the
  table as a whole and, for tables whose rows name a survey or source (``survey`` or ``source`` column),
  for each survey or source separately. The error names the source files that feed the table.

Generic over tables: every table present in both the new rows and the current build's manifest is
compared, so a table added to ``etl.schema.TABLES`` is covered without changes here. A table's rows come
from ``<source-id>/<table>.yaml`` (``sources`` from ``<source-id>/origin.yaml``) or a top-level
``<table>.yaml``; that is what the messages name.
"""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq

from etl.schema import SourceKind
from etl.store import CURRENT, MANIFEST

GROUP_COLUMNS = ("survey", "source")  # the first of these a table's rows have says whose rows they are
FILE_OF_TABLE = {"sources": "origin.yaml"}  # a table's file in each source folder, when not <table>.yaml
MAX_LOSS = 0.5  # losing more than this share of a table's (or a survey's) rows is refused


def _current_build(data_dir: Path) -> Path | None:
    """The published build folder (never a pinned one: the new build replaces what is published)."""
    link = data_dir / CURRENT
    return link.resolve() if link.exists() else None


def _previous_counts(build: Path) -> dict[str, int]:
    try:
        manifest = json.loads((build / MANIFEST).read_text(encoding="utf-8"))
        return {name: int(entry["rows"]) for name, entry in manifest["tables"].items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}  # an unreadable current build cannot be compared with; the new build will replace it


def _previous_groups(build: Path, table: str, column: str) -> Counter | None:
    try:
        values = pq.read_table(build / f"{table}.parquet", columns=[column]).column(0).to_pylist()
    except Exception:  # damaged or of another schema: nothing to compare with
        return None
    return Counter(values)


def _group_column(build: Path, table: str) -> str | None:
    """The column naming whose rows they are, from the previous build's file of ``table`` (None if none)."""
    try:
        names = set(pq.read_schema(build / f"{table}.parquet").names)
    except Exception:  # damaged: nothing to compare with
        return None
    return next((c for c in GROUP_COLUMNS if c in names), None)


def _files(roots: list[Path], table: str, group: str | None = None) -> str:
    """The source file(s) a table's rows (of one survey or source) come from, relative like build issues:
    in the sources folder that has the group's folder (or, for a whole table, in all of them)."""
    name = FILE_OF_TABLE.get(table, f"{table}.yaml")
    if group is not None:
        root = next((r for r in roots if (r / group).is_dir()), roots[0])
        return str((root / group / name).relative_to(root.parent))
    found = []
    for root in roots:
        if (root / name).exists():
            found.append(str((root / name).relative_to(root.parent)))
        found += sorted(str(p.relative_to(root.parent)) for p in root.glob(f"*/{name}"))
    return ", ".join(found) if found else str((roots[0] / name).relative_to(roots[0].parent))


def check(rows: dict[str, list[dict]], data_dir: Path, sources: Path | list[Path]) -> list[tuple[str, str]]:
    """(file, reason) for every survey without results and every table that shrinks by more than half;
    ``sources`` is the sources folder (or folders) the rows were read from, to name the files."""
    sources_dir = [sources] if isinstance(sources, Path) else list(sources)
    problems: list[tuple[str, str]] = []
    previous = _current_build(data_dir)
    before = _previous_counts(previous) if previous else {}

    # Surveys with no results.
    results = rows.get("results", [])
    have = Counter(r.get("survey") for r in results)
    surveys = [s["id"] for s in rows.get("sources", []) if s.get("kind") == SourceKind.SURVEY_REPORT.value]
    if previous and "results" in before:
        old = _previous_groups(previous, "results", "survey") or Counter()
        surveys += [s for s in old if s not in surveys]
    for survey in surveys:
        if have[survey] == 0:
            problems.append(
                (
                    _files(sources_dir, "results", survey),
                    f"the survey '{survey}' has no results (the file is missing or empty); "
                    "publishing it would hide its charts",
                )
            )

    # Tables (and each survey's or source's part of them) that lose more than half their rows.
    for table, new_rows in rows.items():
        old_n = before.get(table)
        if not old_n:
            continue
        new_n = len(new_rows)
        if new_n < old_n * (1 - MAX_LOSS):
            problems.append(
                (
                    _files(sources_dir, table),
                    f"the {table} table would have {new_n} rows, the current build has {old_n} "
                    f"(it loses more than {MAX_LOSS:.0%})",
                )
            )
        column = _group_column(previous, table)
        old_groups = _previous_groups(previous, table, column) if column else None
        if not old_groups:
            continue
        new_groups = Counter(r.get(column) for r in new_rows)
        for group, n_old in sorted(old_groups.items(), key=lambda kv: str(kv[0])):
            n_new = new_groups.get(group, 0)
            if isinstance(group, str) and n_new < n_old * (1 - MAX_LOSS):
                if table == "results" and n_new == 0 and group in surveys:
                    continue  # already reported as a survey with no results
                problems.append(
                    (
                        _files(sources_dir, table, group),
                        f"'{group}' would have {n_new} {table} rows, the current build has {n_old} "
                        f"(it loses more than {MAX_LOSS:.0%})",
                    )
                )
    return problems
