"""Shared fixtures for the ETL tests: the tiny sources folder (tests/etl/minimal.py), the real documents, and a
command line without documents."""

from __future__ import annotations

from pathlib import Path

import pytest

from etl import __main__ as cli
from etl.build import RECORDS_DIR, collect
from tests.etl.minimal import Tiny, snapshot
from tests.fixtures import real_documents


@pytest.fixture
def tiny(tmp_path: Path) -> Tiny:
    """A fresh minimal valid sources folder (and documents folder) in tmp_path."""
    return Tiny(tmp_path)


@pytest.fixture(name="snapshot")
def snapshot_fixture():
    """The ``snapshot(folder)`` helper: file bytes and symlink targets under a folder."""
    return snapshot


@pytest.fixture(scope="session")
def documents() -> list[Path]:
    """The folders of the real documents' text, found as `python -m etl` finds them; [] when absent.

    With REQUIRE_PROVENANCE=1 (CI) absent documents fail every test that uses this, rather than skip.
    """
    return real_documents()


@pytest.fixture(scope="session")
def real_dataset(documents):
    """The real sources collected and validated once (nothing written), checked against the documents when
    they are present (and failing, not skipping, when REQUIRE_PROVENANCE=1 and they are not)."""
    return collect(RECORDS_DIR, documents or None)


@pytest.fixture
def cli_env(monkeypatch, tmp_path):
    """`python -m etl` as on a machine without documents: no SOURCES_DIR, no REQUIRE_PROVENANCE, no default."""
    monkeypatch.delenv("SOURCES_DIR", raising=False)
    monkeypatch.delenv("REQUIRE_PROVENANCE", raising=False)
    monkeypatch.setattr(cli, "DEFAULT_DOCUMENTS", tmp_path / "no-shared-seeds")
