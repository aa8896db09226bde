"""Fixtures of the dashboard tests: chart specs, results by id, a damageable data copy, callback lookup (the built data, Store, Views and app come from tests/conftest.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from etl.schema import Col


@pytest.fixture(scope="session")
def specs(store) -> dict:
    """The chart specs by key."""
    from dashboard.figures import chart_specs

    return {s.key: s for s in chart_specs(store.results)}


@pytest.fixture(scope="session")
def by_id(store) -> pd.DataFrame:
    """The results indexed by record id."""
    return store.results.set_index(Col.ID, drop=False)


@pytest.fixture
def data_copy(data_dir, tmp_path) -> Path:
    """A private copy of the built data folder (current symlink kept relative), safe to damage."""
    copy = tmp_path / "data"
    shutil.copytree(data_dir, copy, symlinks=True)
    return copy


def _outputs(output: str) -> list[str]:
    """The "id.property" outputs of a Dash output string ("..a.b...c.d.." or "a.b")."""
    return output.strip(".").split("...") if output.startswith("..") else [output]


@pytest.fixture(scope="session")
def callback_of(deps):
    """The dependency (output string, outputs, inputs, state) of the callback that writes ``id.property``."""

    def find(target: str) -> dict:
        [dep] = [d for d in deps if target in _outputs(d["output"])]
        return {
            "output": dep["output"],
            "outputs": _outputs(dep["output"]),
            "inputs": dep["inputs"],
            "state": dep["state"],
            "clientside_function": dep.get("clientside_function"),
        }

    return find
