"""Several source roots read in order: themes and response groups merged, ids unique across all of them, and
every issue naming its file so that roots of the same name can be told apart."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from etl.build import BuildError, collect
from tests.etl.minimal import sha256, write_tree

MORE_TEXT = "A second folder's survey of four schools.\nAll 4 schools agreed.\n"

# A second root: its own theme and response group, one survey using a theme and a group of the first root too.
MORE: dict[str, str] = {
    "themes.yaml": """\
- id: readiness
  label: Readiness
  description: Whether schools are ready.
""",
    "response-groups.yaml": """\
- id: unsure
  label: Not sure
  colour: "#009E73"
  categories: ["not sure"]
""",
    "schools/origin.yaml": f"""\
id: schools
kind: survey-report
title: Schools survey
seed_file: more-seed.txt
document_sha256: {sha256(MORE_TEXT)}
respondents: 4
""",
    "schools/results.yaml": """\
- id: s-agree
  survey: schools
  question: Are you ready?
  item: Readiness
  themes: [readiness, funding]
  category: agree
  reported_text: "All 4"
  value: 100
  qualifier: all
  count: 4
  base: 4
  section: Findings
  verbatim: "All 4 schools agreed."
""",
}


def _more(tmp_path: Path, name: str = "more", files: dict[str, str] | None = None) -> tuple[Path, Path]:
    """A second root ``name`` and a documents folder holding its document."""
    root = write_tree(tmp_path / name, MORE if files is None else files)
    seeds = write_tree(tmp_path / f"{name}-seeds", {"more-seed.txt": MORE_TEXT})
    return root, seeds


def _issues(sources, documents) -> list:
    with pytest.raises(BuildError) as excinfo:
        collect(sources, documents)
    return excinfo.value.issues


def test_two_roots_merge(tiny, tmp_path):
    """Two roots build together: themes and groups of both, in root order; a record may use either's."""
    more, seeds = _more(tmp_path)
    rows = collect([tiny.sources, more], [tiny.seeds, seeds]).rows
    assert [t["id"] for t in rows["themes"]] == ["funding", "timescales", "readiness"]
    assert [g["id"] for g in rows["groups"]] == ["positive", "negative", "not-reported", "unsure"]
    assert [s["id"] for s in rows["sources"]] == ["demo", "press", "schools"]
    s_agree = {r["id"]: r for r in rows["results"]}["s-agree"]
    assert (s_agree["group"], s_agree["source"], s_agree["themes"]) == ("positive", "schools", ["readiness", "funding"])


def test_root_order_matters_for_themes(tiny, tmp_path):
    """The first root must have themes.yaml; a later one need not."""
    more, seeds = _more(tmp_path, files={k: v for k, v in MORE.items() if k != "themes.yaml"})
    more_results = more / "schools" / "results.yaml"
    more_results.write_text(more_results.read_text().replace("[readiness, funding]", "[funding]"))
    assert len(collect([tiny.sources, more], [tiny.seeds, seeds]).rows["themes"]) == 2
    issues = _issues([more, tiny.sources], [tiny.seeds, seeds])
    assert [(i.file, i.reason) for i in issues] == [("more/themes.yaml", "missing: the theme list is required")]


@pytest.mark.parametrize(
    "rel, old, new, file, record, field",
    [
        pytest.param(
            "themes.yaml",
            "- id: readiness",
            "- id: timescales\n  label: Time\n  description: Again.\n- id: readiness",
            "more/themes.yaml",
            "timescales",
            "id",
            id="theme-id",
        ),
        pytest.param(
            "response-groups.yaml",
            "- id: unsure",
            "- id: positive",
            "more/response-groups.yaml",
            "positive",
            "id",
            id="group-id",
        ),
        pytest.param(
            "response-groups.yaml",
            "#009E73",
            "#0072B2",
            "more/response-groups.yaml",
            "unsure",
            "colour",
            id="group-colour",
        ),
        pytest.param(
            "response-groups.yaml",
            '["not sure"]',
            "[agree]",
            "more/response-groups.yaml",
            "unsure",
            "categories",
            id="group-category",
        ),
        pytest.param(
            "schools/results.yaml",
            "- id: s-agree",
            "- id: r-agree",
            "more/schools/results.yaml",
            "r-agree",
            "id",
            id="result-id",
        ),
    ],
)
def test_duplicates_across_roots(tiny, tmp_path, rel, old, new, file, record, field):
    """An id (or colour, or category) defined in the first root and again in the second is reported in the
    second, saying where it was first defined."""
    more, seeds = _more(tmp_path)
    path = more / rel
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1
    path.write_text(text.replace(old, new), encoding="utf-8")
    issues = _issues([tiny.sources, more], [tiny.seeds, seeds])
    assert [(i.file, i.record, i.field) for i in issues] == [(file, record, field)]
    # a duplicate id says where it was first defined; a colour or category names the first root's group
    assert re.search(r"first defined at sources/[a-z/-]+\.yaml:\d+|already (in )?group 'positive'", issues[0].reason)


def test_same_folder_in_two_roots(tiny, tmp_path):
    """A document folder of the same name in two roots is a duplicate source id."""
    twin = write_tree(tmp_path / "twin", {"press/origin.yaml": (tiny.sources / "press/origin.yaml").read_text()})
    issues = _issues([tiny.sources, twin], tiny.seeds)
    assert [(i.file, i.record, i.field) for i in issues] == [("twin/press/origin.yaml", "press", "id")]
    assert "sources/press/origin.yaml:1" in issues[0].reason


def test_roots_of_the_same_name_are_told_apart(tiny, tmp_path):
    """Two roots both called 'sources' are named by their parents too, so an issue says which one it is in."""
    more, seeds = _more(tmp_path / "fixtures", name="sources")
    more_results = more / "schools" / "results.yaml"
    more_results.write_text(more_results.read_text().replace("  value: 100\n", "  value: 120\n"))
    issues = _issues([tiny.sources, more], [tiny.seeds, seeds])
    assert [(i.file, i.record, i.field) for i in issues] == [
        ("fixtures/sources/schools/results.yaml", "s-agree", "value")
    ]
    # a single root is still named by its own name
    tiny.edit("demo/results.yaml", "  value: 30\n", "  value: 130\n")
    assert [i.file for i in _issues(tiny.sources, tiny.seeds)] == ["sources/demo/results.yaml"]


def test_missing_root(tiny, tmp_path):
    """A sources folder that does not exist is an issue naming it."""
    issues = _issues([tiny.sources, tmp_path / "nowhere"], tiny.seeds)
    assert [(i.file, i.reason) for i in issues] == [(str(tmp_path / "nowhere"), "missing: no such sources folder")]
