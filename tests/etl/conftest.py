"""Shared fixtures for the ETL tests: a tiny valid sources folder, its seed document, and helpers to break them."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl.build import BuildError, Issue, collect

SEED_FILE = "demo-seed.txt"

# The one source document every verbatim sentence and quotation below is taken from.
SEED_TEXT = """\
Demo survey of ten councils.
Over half agreed with the plan. In all, 3 out of 10 disagreed.
"Money is tight and the timetable is short." one council said.
The fund is worth £2 billion over three years.
"""

# A minimal valid sources folder: two themes, one survey with two results, one quote, one context fact.
# Every line that a bad-input test edits is unique within its file.
MINIMAL: dict[str, str] = {
    "themes.yaml": """\
- id: funding
  label: Funding
  description: Money for the reforms.
- id: timescales
  label: Timescales
  description: Whether the timetable is right.
""",
    "demo/origin.yaml": f"""\
# A made-up survey of ten councils.
id: demo
kind: survey-report
title: Demo survey
seed_file: {SEED_FILE}
respondents: 10
population: 20
population_source: A made-up register of twenty councils.
""",
    "demo/results.yaml": """\
- id: r-agree
  survey: demo
  question: Do you agree with the plan?
  item: The plan
  themes: [funding]
  category: agree
  reported_text: "Over half"
  value: 50
  qualifier: over
  base: 10
  section: Findings
  verbatim: "Over half agreed with the plan."

- id: r-disagree
  survey: demo
  question: Do you agree with the plan?
  item: The plan
  themes: [funding, timescales]
  category: disagree
  reported_text: "3 out of 10"
  value: 30
  qualifier: exact
  count: 3
  base: 10
  section: Findings
  verbatim: "In all, 3 out of 10 disagreed."
""",
    "demo/quotes.yaml": """\
- id: q-one
  section: Findings
  themes: [funding, timescales]
  stance: concern
  text: "Money is tight and the timetable is short."
""",
    "demo/context.yaml": """\
- id: c-fund
  label: The fund
  reported_text: "£2 billion"
  value: 2
  qualifier: exact
  unit: "£ billion"
  period: three years
  themes: [funding]
  verbatim: "The fund is worth £2 billion over three years."
""",
}

# The record counts of MINIMAL, per table, in the order of etl.schema.TABLES.
MINIMAL_COUNTS = {"themes": 2, "sources": 1, "results": 2, "quotes": 1, "context": 1}


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``files`` (relative path -> text) under ``root``; return ``root``."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def snapshot(folder: Path) -> dict[str, object]:
    """Every file's bytes and every symlink's target under ``folder``, by relative path."""
    out: dict[str, object] = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if path.is_symlink():
            out[rel] = ("symlink", str(path.readlink()))
        elif path.is_file():
            out[rel] = path.read_bytes()
        else:
            out[rel] = "dir"
    return out


class Tiny:
    """A minimal valid sources folder in tmp_path, its seed folder, and ways to break it."""

    counts = MINIMAL_COUNTS

    def __init__(self, root: Path):
        self.sources = write_tree(root / "sources", MINIMAL)
        self.seeds = write_tree(root / "seeds", {SEED_FILE: SEED_TEXT})

    def file(self, rel: str) -> str:
        """The name an Issue gives the source file ``rel``: relative to the sources folder's parent."""
        return f"{self.sources.name}/{rel}"

    def edit(self, rel: str, old: str, new: str) -> None:
        """Replace the one occurrence of ``old`` in source file ``rel`` by ``new``."""
        path = self.sources / rel
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def line_of(self, rel: str, needle: str) -> int:
        """The 1-based number of the one line of source file ``rel`` that contains ``needle``."""
        lines = (self.sources / rel).read_text(encoding="utf-8").splitlines()
        hits = [n for n, line in enumerate(lines, 1) if needle in line]
        assert len(hits) == 1, f"{needle!r} is on lines {hits} of {rel}"
        return hits[0]

    def issues(self, provenance: bool = True) -> list[Issue]:
        """The issues ``collect`` raises (provenance checked against the seed folder); fails if it builds."""
        with pytest.raises(BuildError) as excinfo:
            collect(self.sources, self.seeds if provenance else None)
        return excinfo.value.issues


@pytest.fixture
def tiny(tmp_path: Path) -> Tiny:
    """A fresh minimal valid sources folder (and seed folder) in tmp_path."""
    return Tiny(tmp_path)


@pytest.fixture(name="snapshot")
def snapshot_fixture():
    """The ``snapshot(folder)`` helper: file bytes and symlink targets under a folder."""
    return snapshot
