"""Data integrity: a killed build loses nothing, damaged tables are caught at start-up."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import factory
import pytest

from dashboard.app import create_app
from etl.build import build
from etl.store import MANIFEST, load_tables

ROOT = Path(__file__).resolve().parents[2]

KILL_MID_WRITE = textwrap.dedent(
    """
    import os, signal, sys
    from pathlib import Path
    import etl.store as store
    real = store.pq.write_table
    written = []
    def write_then_die(table, path, **kw):
        real(table, path, **kw)
        written.append(path)
        if len(written) == int(sys.argv[2]):
            os.kill(os.getpid(), signal.SIGKILL)  # no cleanup, no finally: like a power cut
    store.pq.write_table = write_then_die
    from etl.build import build, RECORDS_DIR
    build(Path(sys.argv[1]), Path(sys.argv[3]))
    """
)


def _snapshot(data: Path) -> dict[str, bytes]:
    current = (data / "current").resolve()
    return {p.name: p.read_bytes() for p in current.iterdir()}


@pytest.mark.parametrize("die_after", [1, 3, 5])
def test_build_killed_mid_write_leaves_previous_tables(tmp_path, data_dir, die_after):
    """SIGKILL during a build (after N tables) leaves the published build intact, valid and unchanged."""
    data = factory.copy_data(data_dir, tmp_path / "data")
    before = _snapshot(data)
    sources = tmp_path / "sources"
    shutil.copytree(ROOT / "etl" / "sources", sources)
    themes = sources / "themes.yaml"
    themes.write_text(themes.read_text().replace("Funding\n", "Funding and money\n", 1))  # a real change
    proc = subprocess.run(
        [sys.executable, "-c", KILL_MID_WRITE, str(data), str(die_after), str(sources)],
        cwd=ROOT,
        capture_output=True,
        timeout=120,
    )
    assert proc.returncode == -signal.SIGKILL, proc.stderr.decode()[-500:]
    assert _snapshot(data) == before
    tables = load_tables(data)
    assert len(tables["results"]) > 0 and tables["themes"]["label"].str.contains("Funding and money").sum() == 0
    # The next good build cleans up the half-written folder and publishes.
    build(data, sources)
    assert not list((data / "builds").glob(".staging-*"))
    assert load_tables(data)["themes"]["label"].str.contains("Funding and money").sum() == 1


def _damage(kind: str, build_dir: Path) -> None:
    target = build_dir / "results.parquet"
    raw = target.read_bytes()
    if kind == "truncated":
        target.write_bytes(raw[: len(raw) // 2])
    elif kind == "one byte changed":
        target.write_bytes(raw[:100] + bytes([raw[100] ^ 0xFF]) + raw[101:])
    elif kind == "missing table":
        target.unlink()
    elif kind == "manifest of another schema":
        manifest = build_dir / MANIFEST
        manifest.write_text(manifest.read_text().replace('"schema_version": "', '"schema_version": "0.0.0-'))
    elif kind == "no manifest":
        (build_dir / MANIFEST).unlink()


@pytest.mark.parametrize(
    "kind", ["truncated", "one byte changed", "missing table", "manifest of another schema", "no manifest"]
)
def test_damaged_tables_are_caught_at_start_up(tmp_path, data_dir, kind):
    """The app starts in maintenance mode, naming the problem and `make data`, and serves no numbers."""
    data = factory.copy_data(data_dir, tmp_path / "data")
    _damage(kind, (data / "current").resolve())
    app = create_app(data)
    client = app.server.test_client()
    layout = client.get("/_dash-layout")
    assert layout.status_code == 200
    text = layout.get_data(as_text=True)
    assert "make data" in text and "The data is not available" in text
    assert "chart-overview" not in text and "Traceback" not in text
    assert client.get("/").status_code == 200


def test_missing_data_folder_is_maintenance_not_error(tmp_path):
    """With no tables at all the page explains what to run."""
    client = create_app(tmp_path / "nothing-here").server.test_client()
    assert "make data" in client.get("/_dash-layout").get_data(as_text=True)
