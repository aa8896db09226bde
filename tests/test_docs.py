"""The README's commands are the ones the Makefile has, CI runs the README's test command, and CI finds the
documents so that the provenance check runs."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
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


def _clone(tmp_path: Path, where: str, origin: str | None) -> Path:
    """A bare-bones clone at tmp_path/where with .ci/documents and, optionally, an origin remote."""
    clone = tmp_path / where
    (clone / ".ci").mkdir(parents=True)
    shutil.copy(ROOT / ".ci" / "documents", clone / ".ci" / "documents")
    subprocess.run(["git", "init", "-q", str(clone)], check=True)
    if origin is not None:
        subprocess.run(["git", "-C", str(clone), "remote", "add", "origin", origin], check=True)
    return clone


def _find(clone: Path, **env: str) -> subprocess.CompletedProcess:
    """Run the clone's .ci/documents without SOURCES_DIR (unless given) and without the /work fallback."""
    full = {k: v for k, v in os.environ.items() if k != "SOURCES_DIR"} | {"CI_DOCUMENTS_FALLBACK": "/nonexistent"}
    return subprocess.run(
        ["bash", str(clone / ".ci" / "documents")], env=full | env, capture_output=True, text=True, check=False
    )


def test_ci_runs_the_provenance_check():
    """.ci/run finds the documents with .ci/documents and exports SOURCES_DIR and REQUIRE_PROVENANCE=1 before
    `make test`, so the check runs (and a build without the documents fails) rather than skips."""
    run = (ROOT / ".ci" / "run").read_text()
    assert 'SOURCES_DIR="$(bash .ci/documents)"' in run and "export SOURCES_DIR" in run
    assert "export REQUIRE_PROVENANCE=1" in run
    assert run.index("REQUIRE_PROVENANCE=1") < run.index("make test")


def test_ci_finds_the_documents(tmp_path):
    """In order: $SOURCES_DIR; ../shared/seeds beside the clone; beside the origin it was cloned from; and when
    none exists it fails, saying where it looked."""
    seeds = tmp_path / "shared" / "seeds"
    seeds.mkdir(parents=True)
    beside = _clone(tmp_path, "clone", None)  # tmp/clone: tmp/shared/seeds is beside it
    assert _find(beside).stdout.strip() == str(seeds)
    elsewhere = tmp_path / "elsewhere" / "docs"
    elsewhere.mkdir(parents=True)
    assert _find(beside, SOURCES_DIR=str(elsewhere)).stdout.strip() == str(elsewhere)
    # a clean clone in a temporary folder, made from tmp/main: found beside its origin
    (tmp_path / "main").mkdir()
    far = _clone(tmp_path, "ci/run-1/clone", str(tmp_path / "main"))
    assert _find(far).stdout.strip() == str(seeds)
    # a remote that is not a local path, and nothing beside the clone: fails, listing where it looked
    remote = _clone(tmp_path, "ci/run-2/clone", "https://example.org/repo.git")
    found = _find(remote)
    assert found.returncode != 0 and found.stdout == ""
    assert "provenance check cannot run" in found.stderr and "SOURCES_DIR" in found.stderr
    assert "ci/run-2/clone/../shared/seeds" in found.stderr and "/nonexistent" in found.stderr


def test_ci_sources_dir_nowhere_fails(tmp_path):
    """A SOURCES_DIR that is not a folder is an error, not a fallback."""
    (tmp_path / "shared" / "seeds").mkdir(parents=True)
    found = _find(_clone(tmp_path, "clone", None), SOURCES_DIR=str(tmp_path / "nope"))
    assert found.returncode != 0 and "SOURCES_DIR" in found.stderr
