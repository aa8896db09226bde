"""Builds and the app agree: downloads come from the tables loaded (not a folder pruning may delete), a pinned
build is what is served, every kind of unreadable table is a maintenance page, and no response shows a path."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import factory
import pytest

from dashboard.app import create_app
from etl.build import RECORDS_DIR, build
from etl.store import PIN_ENV

ROOT = Path(__file__).resolve().parents[2]


def _relabel(sources: Path, label: str) -> None:
    path = sources / "themes.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    [i] = [n for n, line in enumerate(lines) if line.startswith("  label: ") and "- id: funding" in lines[n - 1]]
    lines[i] = f"  label: {label}\n"
    path.write_text("".join(lines), encoding="utf-8")


@pytest.fixture
def sources(tmp_path) -> Path:
    copy = tmp_path / "sources"
    shutil.copytree(RECORDS_DIR, copy)
    return copy


def test_tables_zip_after_two_builds_without_a_restart(tmp_path, sources, data_dir):
    """Two `make data` runs prune the build the app loaded; its tables zip still answers, with its own tables."""
    data = factory.copy_data(data_dir, tmp_path / "data")  # the session's build, as the first `make data`
    served = (data / "current").resolve()
    manifest = json.loads((served / "manifest.json").read_text())
    app = create_app(data)
    for label in ("Money", "Cash"):
        _relabel(sources, label)
        build(data, sources)
    assert not served.exists(), "pruning removed the build the app loaded"
    response = app.server.test_client().get("/download/send-survey-tables.zip")
    assert response.status_code == 200
    zf = zipfile.ZipFile(io.BytesIO(response.data))
    assert json.loads(zf.read("manifest.json")) == manifest
    for name, entry in manifest["tables"].items():
        assert hashlib.sha256(zf.read(f"{name}.parquet")).hexdigest() == entry["sha256"]
    assert "Funding" in zf.read("themes.csv").decode()


def test_a_process_with_a_pinned_build_serves_it_after_current_moves(tmp_path, sources, data_dir, monkeypatch):
    """What a gunicorn worker does: SEND_DATA_BUILD (set by the master) wins over data/current."""
    data = factory.copy_data(data_dir, tmp_path / "data")
    first = (data / "current").resolve()
    _relabel(sources, "Money")
    _, second = build(data, sources)
    monkeypatch.setenv(PIN_ENV, first.name)
    health = create_app(data).server.test_client().get("/healthz").get_json()
    assert health == {"status": "ok", "build": first.name}
    monkeypatch.delenv(PIN_ENV)
    assert create_app(data).server.test_client().get("/healthz").get_json()["build"] == second.name


def test_gunicorn_hooks_pin_the_build_at_start_and_on_reload(tmp_path, sources, data_dir, monkeypatch):
    import dashboard.gunicorn_conf as conf
    from dashboard import data as data_module

    class Log:
        def __init__(self):
            self.lines = []

        def info(self, *a):
            self.lines.append(a[0] % a[1:])

        warning = info

    class Server:
        log = Log()

    data = factory.copy_data(data_dir, tmp_path / "data")
    first = (data / "current").resolve()
    monkeypatch.setattr(data_module, "DATA_DIR", data)
    monkeypatch.setenv(PIN_ENV, "")  # so the hooks' changes to the environment are undone after the test
    monkeypatch.delenv(PIN_ENV)
    conf.on_starting(Server)
    assert os.environ[PIN_ENV] == first.name
    assert (data / "pins" / str(os.getpid())).read_text().strip() == first.name
    _relabel(sources, "Money")
    _, second = build(data, sources)
    assert os.environ[PIN_ENV] == first.name  # a new build alone changes nothing
    conf.on_reload(Server)
    assert os.environ[PIN_ENV] == second.name
    conf.on_exit(Server)
    assert not (data / "pins" / str(os.getpid())).exists()


# Unreadable tables and paths. ------------------------------------------------------------------------------


def _as_directory(build_dir: Path) -> None:
    (build_dir / "results.parquet").unlink()
    (build_dir / "results.parquet").mkdir()


def _as_fifo(build_dir: Path) -> None:
    (build_dir / "quotes.parquet").unlink()
    os.mkfifo(build_dir / "quotes.parquet")


def _as_loop(build_dir: Path) -> None:
    (build_dir / "context.parquet").unlink()
    (build_dir / "context.parquet").symlink_to("context.parquet")


def _manifest_dir(build_dir: Path) -> None:
    (build_dir / "manifest.json").unlink()
    (build_dir / "manifest.json").mkdir()


def _current_is_a_file(build_dir: Path) -> None:
    data = build_dir.parent.parent
    (data / "current").unlink()
    (data / "current").write_text("not a link")


@pytest.mark.parametrize(
    "damage, named",
    [
        (_as_directory, "results.parquet: is a directory"),
        (_as_fifo, "quotes.parquet: is not a regular file"),
        (_as_loop, "context.parquet"),
        (_manifest_dir, "manifest.json: is a directory"),
        (_current_is_a_file, "manifest.json"),
    ],
    ids=["table-is-a-directory", "table-is-a-fifo", "symlink-loop", "manifest-is-a-directory", "current-is-a-file"],
)
def test_every_kind_of_unreadable_table_is_a_maintenance_page_without_paths(tmp_path, data_dir, damage, named):
    data = factory.copy_data(data_dir, tmp_path / "data")
    damage((data / "current").resolve())
    app = create_app(data)
    client = app.server.test_client()
    layout = client.get("/_dash-layout").get_data(as_text=True)
    assert "The data is not available" in layout and "make data" in layout
    assert named in layout
    for response in (layout, client.get("/").get_data(as_text=True), client.get("/healthz").get_data(as_text=True)):
        assert str(tmp_path) not in response and str(data) not in response


def _no_paths(text: str, *roots: Path) -> None:
    for root in (*roots, ROOT, Path.home()):
        assert str(root) not in text, root
    for marker in ("site-packages", "/usr/lib", "/tmp/", 'File "', "Traceback"):
        assert marker not in text, marker


@pytest.mark.parametrize(
    "method, path, kwargs",
    [
        ("get", "/", {}),
        ("get", "/_dash-layout", {}),
        ("get", "/_dash-dependencies", {}),
        ("get", "/healthz", {}),
        ("get", "/no-such-page", {}),
        ("get", "/assets/nope.css", {}),
        ("get", "/_dash-component-suites/dash/nope.js", {}),
        ("get", "/_dash-component-suites/nope/x.js", {}),
        ("get", "/export/charts.zip?format=gif", {}),
        ("post", "/_dash-update-component", {"data": "{", "content_type": "application/json"}),
        ("post", "/_dash-update-component", {"json": {"output": "nope.children"}}),
        ("post", "/_dash-update-component", {"data": "x" * 300_000, "content_type": "application/json"}),
    ],
)
def test_no_response_shows_a_filesystem_path(client, data_dir, method, path, kwargs):
    response = getattr(client, method)(path, **kwargs)
    assert response.status_code < 500
    _no_paths(response.get_data(as_text=True), data_dir)
