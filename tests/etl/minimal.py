"""A tiny valid sources folder, its two documents, and helpers to break them (the ``tiny`` fixture)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from etl.build import BuildError, Issue, collect

SEED_FILE = "demo-seed.txt"
PRESS_FILE = "press-seed.txt"

# The survey's document: every sentence and quotation of the folder demo/ is taken from it.
SEED_TEXT = """\
Demo survey of ten councils.
Over half agreed with the plan. In all, 3 out of 10 disagreed.
"Money is tight and the timetable is short." one council said.
The fund is worth £2 billion over three years.
"""

# A press release about the same survey: the sentence of press/results.yaml is here, and only here.
PRESS_TEXT = """\
Press release on the demo survey.
Seven in ten councils said the timetable was unrealistic.
"""


def sha256(text: str) -> str:
    """The sha256 of a document written as UTF-8, as origin.yaml's document_sha256 records it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# A minimal valid sources folder: two themes, three response groups, one survey (two results, one quotation,
# one context fact, a chart catalogue with a stacked chart, a bars chart and a contrast) and a press release
# whose one result names the survey. Every line that a bad-input test edits is unique within its file.
MINIMAL: dict[str, str] = {
    "themes.yaml": """\
- id: funding
  label: Funding
  description: Money for the reforms.
- id: timescales
  label: Timescales
  description: Whether the timetable is right.
""",
    "response-groups.yaml": """\
- id: positive
  label: Positive
  colour: "#0072B2"
  categories: [agree]
- id: negative
  label: Negative
  colour: "#D55E00"
  categories: [disagree]
- id: not-reported
  label: Not reported
  colour: "#8C8C8C"
  categories: ["not reported"]
""",
    "demo/origin.yaml": f"""\
# A made-up survey of ten councils.
id: demo
kind: survey-report
title: Demo survey
citation: A made-up survey of ten councils (2026)
seed_file: {SEED_FILE}
document_sha256: {sha256(SEED_TEXT)}
respondents: 10
respondent_singular: council
respondent_plural: councils
respondent_group: made-up councils
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
    "demo/charts.yaml": """\
tagline: A made-up survey of ten councils.
site_title: Demo Survey Dashboard
theme_legend: Demo themes
contrasts:
  - left: r-agree
    left_text: agree with the plan
    joiner: but
    right: r-press
    right_text: find the timetable unrealistic
charts:
  - slug: the-plan
    title: What councils think of the plan
    kind: stacked
    select: {ids: [r-agree, r-disagree]}
  - slug: disagreement
    title: What councils disagree with
    kind: bars
    select: {category: [disagree]}
""",
    "press/origin.yaml": f"""\
id: press
kind: statement
title: Demo press release
citation: A made-up press release about the demo survey (2026)
seed_file: {PRESS_FILE}
document_sha256: {sha256(PRESS_TEXT)}
""",
    "press/results.yaml": """\
- id: r-press
  survey: demo
  question: Is the timetable realistic?
  item: The timetable
  themes: [timescales]
  category: disagree
  reported_text: "Seven in ten"
  value: 70
  qualifier: exact
  count: 7
  base: 10
  section: Press release
  verbatim: "Seven in ten councils said the timetable was unrealistic."
""",
}

# The record counts of MINIMAL, per table, in the order of etl.schema.TABLES.
MINIMAL_COUNTS = {
    "themes": 2,
    "groups": 3,
    "sources": 2,
    "results": 3,
    "quotes": 1,
    "context": 1,
    "catalogues": 1,
    "charts": 2,
    "contrasts": 1,
}

# A second survey with its own document and catalogue, for the tests that need two (Tiny.add_survey).
OTHER_TEXT = "Other survey of ten councils.\nHalf agreed with the other plan.\n"
OTHER: dict[str, str] = {
    "other/origin.yaml": f"""\
id: other
kind: survey-report
title: Other survey
citation: Another made-up survey (2026)
seed_file: other-seed.txt
document_sha256: {sha256(OTHER_TEXT)}
respondents: 10
respondent_singular: council
respondent_plural: councils
""",
    "other/results.yaml": """\
- id: o-agree
  survey: other
  question: Do you agree with the other plan?
  item: The other plan
  themes: [funding]
  category: agree
  reported_text: "Half"
  value: 50
  qualifier: exact
  base: 10
  section: Findings
  verbatim: "Half agreed with the other plan."
""",
    "other/charts.yaml": """\
default: false
tagline: Another made-up survey.
site_title: Other Survey Dashboard
theme_legend: Other themes
charts:
  - slug: the-other-plan
    title: What councils think of the other plan
    kind: bars
    select: {category: [agree]}
""",
}


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
    """A minimal valid sources folder in tmp_path, its documents folder, and ways to break them."""

    counts = MINIMAL_COUNTS

    def __init__(self, root: Path):
        self.sources = write_tree(root / "sources", MINIMAL)
        self.seeds = write_tree(root / "seeds", {SEED_FILE: SEED_TEXT, PRESS_FILE: PRESS_TEXT})

    def file(self, rel: str) -> str:
        """The name an Issue gives the source file ``rel``: relative to the sources folder's parent."""
        return f"{self.sources.name}/{rel}"

    def edit(self, rel: str, old: str, new: str) -> None:
        """Replace the one occurrence of ``old`` in source file ``rel`` by ``new``."""
        path = self.sources / rel
        text = path.read_text(encoding="utf-8")
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
        path.write_text(text.replace(old, new), encoding="utf-8")

    def add_survey(self, charts: str | None = None) -> None:
        """Add the second survey ``other`` (and its document); ``charts`` replaces its charts.yaml."""
        files = dict(OTHER)
        if charts is not None:
            files["other/charts.yaml"] = charts
        write_tree(self.sources, files)
        write_tree(self.seeds, {"other-seed.txt": OTHER_TEXT})

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
