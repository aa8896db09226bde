"""The README's commands are the ones the Makefile has, and CI runs the README's test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _make_targets() -> set[str]:
    return set(re.findall(r"^([a-z][a-z-]*):", (ROOT / "Makefile").read_text(), re.M))


def test_readme_make_commands_exist():
    """Every `make X` the README mentions is a Makefile target."""
    mentioned = set(re.findall(r"\bmake ([a-z][a-z-]*)", (ROOT / "README.md").read_text()))
    assert {"run", "test"} <= mentioned
    assert mentioned <= _make_targets(), mentioned - _make_targets()


def test_every_documented_target_is_in_the_readme():
    """Every target `make help` lists is described in the README."""
    documented = set(re.findall(r"^([a-z][a-z-]*):.*## ", (ROOT / "Makefile").read_text(), re.M))
    readme = (ROOT / "README.md").read_text()
    assert all(f"make {t}" in readme for t in documented - {"help", "install", "clean"})


def test_ci_runs_the_readme_test_command():
    """.ci/run ends by calling `make test`."""
    assert "make test" in (ROOT / ".ci" / "run").read_text()
