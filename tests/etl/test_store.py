"""etl.store: the Parquet round trip, deterministic atomic builds, and checked reads that refuse damaged files."""

from __future__ import annotations

import errno
import hashlib
import json
import math
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

import etl.store
from etl.build import RECORDS_DIR, build
from etl.schema import SCHEMA_VERSION, TABLES, Col, arrow_schema
from etl.store import MANIFEST, RECORDS, DataError, load_records, load_tables

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def built(tmp_path_factory, documents):
    """The real sources built once for this module, provenance checked: (dataset, build folder, data folder)."""
    data = tmp_path_factory.mktemp("data")
    dataset, path = build(data, RECORDS_DIR, documents or None)
    return dataset, path, data


@pytest.fixture
def data_copy(built, tmp_path) -> Path:
    """A private copy of the module's data folder (current symlink kept relative), safe to damage."""
    _, _, data = built
    copy = tmp_path / "data"
    shutil.copytree(data, copy, symlinks=True)
    return copy


def _plain(value):
    """A value read back through pandas as the plain Python value the model dumped."""
    if isinstance(value, np.ndarray):
        return [_plain(v) for v in value.tolist()]
    if value is None or value is pd.NA or (isinstance(value, float) and math.isnan(value)):
        return None
    if isinstance(value, np.generic):
        return value.item()
    return value


def test_col_constants_are_model_fields():
    """Every Col constant names a field of some table's model."""
    fields = {name for model in TABLES.values() for name in model.model_fields}
    constants = {k: v for k, v in vars(Col).items() if k.isupper()}
    assert constants, "Col has no constants"
    assert {k: v for k, v in constants.items() if v not in fields} == {}


@pytest.mark.parametrize("table", list(TABLES))
def test_columns_and_schema(built, table):
    """Each table reads back with the model's fields as columns and the Arrow schema from etl.schema."""
    _, path, data = built
    frame = load_tables(data)[table]
    assert list(frame.columns) == list(TABLES[table].model_fields)
    schema = pq.read_schema(path / f"{table}.parquet")
    assert schema.equals(arrow_schema(table), check_metadata=False)
    assert schema.metadata[b"schema_version"] == SCHEMA_VERSION.encode()
    assert schema.metadata[b"table"] == table.encode()
    assert pq.read_metadata(path / f"{table}.parquet").metadata[b"schema_version"] == SCHEMA_VERSION.encode()


@pytest.mark.parametrize("table", list(TABLES))
def test_rows_round_trip(built, table):
    """The rows read back, re-validated by the model, equal the rows written."""
    dataset, _, data = built
    model = TABLES[table]
    frame = load_tables(data)[table]
    back = [
        model.model_validate({k: _plain(v) for k, v in row.items()}).model_dump(mode="json")
        for row in frame.to_dict("records")
    ]
    assert back == dataset.rows[table]
    assert len(back) > 0


@pytest.mark.parametrize("table", list(TABLES))
def test_records_are_the_parquet_rows(built, table):
    """The rows the server reads (records.json, with the json module) are the Parquet table's rows exactly as pyarrow
    reads them: the same values of the same Python types, in the same order, column by column."""
    _, path, data = built
    parquet = pq.read_table(path / f"{table}.parquet").to_pylist()
    rows = load_records(data)[table]
    assert rows == parquet and len(rows) > 0
    assert [[type(v) for v in r.values()] for r in rows] == [[type(v) for v in r.values()] for r in parquet]
    assert [list(r) for r in rows] == [list(TABLES[table].model_fields)] * len(rows)


def _edit_records(build: Path, edit) -> str:
    """Change records.json with ``edit(doc)`` and sign it again in the manifest, so only its own checks can notice."""
    doc = json.loads((build / RECORDS).read_bytes())
    edit(doc)
    raw = json.dumps(doc).encode()
    (build / RECORDS).write_bytes(raw)
    manifest = json.loads((build / MANIFEST).read_text())
    manifest["files"][RECORDS] = {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}
    (build / MANIFEST).write_text(json.dumps(manifest))
    return RECORDS


@pytest.mark.parametrize(
    "edit, says",
    [
        (lambda doc: doc["results"]["rows"].pop(), "35 rows"),
        (lambda doc: doc["themes"]["columns"].reverse(), "columns of themes"),
        (lambda doc: doc["results"]["rows"][0].__setitem__(9, "90"), "types"),  # value: a string, not a number
        (lambda doc: doc["results"]["rows"][0].__setitem__(12, 54.0), "types"),  # base: a float, not an integer
        (lambda doc: doc["results"]["rows"][0].__setitem__(1, None), "types"),  # survey: never missing
        (lambda doc: doc.pop("charts"), "columns of charts"),
    ],
)
def test_records_that_differ_from_the_schema_are_refused(data_copy, edit, says):
    """A records file of other columns, rows or types than the schema's and the manifest's is a DataError naming it,
    even when its checksum has been made to match."""
    name = _edit_records((data_copy / "current").resolve(), edit)
    with pytest.raises(DataError, match=name.replace(".", r"\.") + ".*" + says):
        load_records(data_copy)


def test_records_damaged_or_missing_are_refused(data_copy):
    """A changed byte in records.json, or a build without it (made by an older version), is a DataError."""
    build = (data_copy / "current").resolve()
    raw = bytearray((build / RECORDS).read_bytes())
    raw[len(raw) // 2] ^= 0x01
    (build / RECORDS).write_bytes(bytes(raw))
    with pytest.raises(DataError, match="records.json: checksum"):
        load_records(data_copy)
    manifest = json.loads((build / MANIFEST).read_text())
    del manifest["files"][RECORDS]
    (build / MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(DataError, match="lists no records.json"):
        load_records(data_copy)


def test_build_is_deterministic(tmp_path, documents, monkeypatch):
    """Two builds into two folders give byte-identical files: Parquet, CSV, codebooks, the Data Package and the
    manifest (their time of building fixed by SOURCE_DATE_EPOCH, as reproducible builds do)."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796000000")
    _, a = build(tmp_path / "a", RECORDS_DIR, documents or None)
    _, b = build(tmp_path / "b", RECORDS_DIR, documents or None)
    assert a.name == b.name  # the build id is a content hash
    names = sorted(p.name for p in a.iterdir())
    expected = [f"{t}.{ext}" for t in TABLES for ext in ("parquet", "csv", "meta.csv")]
    assert names == sorted(p.name for p in b.iterdir()) == sorted([*expected, "datapackage.json", RECORDS, MANIFEST])
    for name in names:
        assert (a / name).read_bytes() == (b / name).read_bytes(), name


def test_manifest_matches_files(built):
    """The manifest's version, build id, row counts and sha256 match the files on disk."""
    dataset, path, data = built
    manifest = json.loads((path / MANIFEST).read_text())
    assert manifest["schema_version"] == SCHEMA_VERSION
    assert manifest["build_id"] == path.name
    package = json.loads((path / "datapackage.json").read_text(encoding="utf-8"))
    assert (package["version"], package["created"]) == (manifest["build_id"], manifest["built"])
    assert (data / "current").resolve() == path
    assert set(manifest["tables"]) == set(TABLES)
    for name, entry in manifest["tables"].items():
        file = path / entry["file"]
        assert entry["file"] == f"{name}.parquet"
        assert entry["rows"] == pq.read_metadata(file).num_rows == len(dataset.rows[name])
        assert entry["sha256"] == hashlib.sha256(file.read_bytes()).hexdigest()
    # every other file of the build (CSVs, codebooks, the Data Package) is listed with its size and sha256
    others = {p.name for p in path.iterdir()} - {e["file"] for e in manifest["tables"].values()} - {MANIFEST}
    assert set(manifest["files"]) == others
    for name, entry in manifest["files"].items():
        raw = (path / name).read_bytes()
        assert (entry["bytes"], entry["sha256"]) == (len(raw), hashlib.sha256(raw).hexdigest())


def _truncate(build: Path) -> str:
    path = build / "results.parquet"
    path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    return "results.parquet"


def _flip_byte(build: Path) -> str:
    path = build / "quotes.parquet"
    raw = bytearray(path.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    path.write_bytes(bytes(raw))
    return "quotes.parquet"


def _delete(build: Path) -> str:
    (build / "context.parquet").unlink()
    return "context.parquet"


def _manifest_version(build: Path) -> str:
    manifest = json.loads((build / MANIFEST).read_text())
    manifest["schema_version"] = "0.9.0"
    (build / MANIFEST).write_text(json.dumps(manifest))
    return MANIFEST


def _truncate_and_resign(build: Path) -> str:
    """Truncate a file and update its checksum, so only the Parquet reader can notice."""
    name = _truncate(build)
    manifest = json.loads((build / MANIFEST).read_text())
    manifest["tables"]["results"]["sha256"] = hashlib.sha256((build / name).read_bytes()).hexdigest()
    (build / MANIFEST).write_text(json.dumps(manifest))
    return name


def _wrong_row_count(build: Path) -> str:
    manifest = json.loads((build / MANIFEST).read_text())
    manifest["tables"]["themes"]["rows"] += 1
    (build / MANIFEST).write_text(json.dumps(manifest))
    return "themes.parquet"


def _drop_manifest_entry(build: Path) -> str:
    manifest = json.loads((build / MANIFEST).read_text())
    del manifest["tables"]["sources"]
    (build / MANIFEST).write_text(json.dumps(manifest))
    return MANIFEST


def _garble_manifest(build: Path) -> str:
    (build / MANIFEST).write_text("{not json")
    return MANIFEST


@pytest.mark.parametrize(
    "damage",
    [
        _truncate,
        _flip_byte,
        _delete,
        _manifest_version,
        _truncate_and_resign,
        _wrong_row_count,
        _drop_manifest_entry,
        _garble_manifest,
    ],
)
def test_damage_is_refused(data_copy, damage):
    """A damaged build makes load_tables raise DataError naming the damaged file."""
    name = damage((data_copy / "current").resolve())
    with pytest.raises(DataError, match=name.replace(".", r"\.")):
        load_tables(data_copy)


def test_no_build_is_refused(tmp_path):
    """A data folder with no current build is a DataError naming it."""
    with pytest.raises(DataError, match="current"):
        load_tables(tmp_path)


def test_failed_write_keeps_previous_build(tmp_path, monkeypatch, snapshot):
    """If writing fails after the first table, the previous build stays current and intact, and no staging remains."""
    sources = tmp_path / "sources"
    shutil.copytree(RECORDS_DIR, sources)
    data = tmp_path / "data"
    build(data, sources)
    before = snapshot(data)
    frames_before = load_tables(data).frames

    text = (sources / "themes.yaml").read_text(encoding="utf-8")
    assert text.count("label: Funding\n") == 1
    (sources / "themes.yaml").write_text(text.replace("label: Funding\n", "label: Money\n"), encoding="utf-8")

    real_write = etl.store.pq.write_table
    calls = []

    def failing_write(table, where, **kwargs):
        calls.append(Path(where).name)
        if len(calls) > 1:
            raise OSError("disk full (injected)")
        return real_write(table, where, **kwargs)

    monkeypatch.setattr(etl.store.pq, "write_table", failing_write)
    with pytest.raises(OSError, match="injected"):
        build(data, sources)
    monkeypatch.undo()

    assert calls == [f"{name}.parquet" for name in list(TABLES)[:2]]  # the first table was written, the second failed
    assert snapshot(data) == before
    assert list((data / "builds").glob(".staging-*")) == []
    after = load_tables(data).frames
    for name, frame in frames_before.items():
        pd.testing.assert_frame_equal(after[name], frame)
    assert "Money" not in set(after["themes"]["label"])


def test_successful_rebuild_switches_current(tmp_path):
    """A build with changed input publishes a new build id, and load_tables reads the new content."""
    sources = tmp_path / "sources"
    shutil.copytree(RECORDS_DIR, sources)
    data = tmp_path / "data"
    _, first = build(data, sources)
    text = (sources / "themes.yaml").read_text(encoding="utf-8")
    (sources / "themes.yaml").write_text(text.replace("label: Funding\n", "label: Money\n"), encoding="utf-8")
    _, second = build(data, sources)
    assert second.name != first.name
    assert (data / "current").resolve() == second
    assert "Money" in set(load_tables(data)["themes"]["label"])
    assert list((data / "builds").glob(".staging-*")) == []


# Two builds at once, and a data folder that cannot be written (issue 17). ------------------------------------


def _etl(data: Path, *flags: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "etl", "--data", str(data), *flags],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_a_second_build_says_another_is_running_in_one_line(tmp_path):
    data = tmp_path / "data"
    with etl.store.build_lock(data):  # this process is the build in progress
        proc = _etl(data)
        out, err = proc.communicate(timeout=120)
    assert proc.returncode == 3
    assert err.strip().splitlines() == [
        f"error: another build is running (pid {os.getpid()}) in {data}; wait for it to finish, or run again with --wait"
    ]
    assert "Traceback" not in out + err and not (data / "current").exists()


def test_with_wait_a_second_build_runs_after_the_first(tmp_path):
    data = tmp_path / "data"
    with etl.store.build_lock(data):
        proc = _etl(data, "--wait")
        time.sleep(1.0)
        assert proc.poll() is None, "it waits while the lock is held"
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert (data / "current" / MANIFEST).is_file()


def test_the_lock_is_reentrant_in_a_thread_and_refuses_another_thread(tmp_path):
    data = tmp_path / "data"
    errors = []
    with etl.store.build_lock(data), etl.store.build_lock(data):
        thread = threading.Thread(target=lambda: _try_lock(data, errors))
        thread.start()
        thread.join(10)
    assert len(errors) == 1 and errors[0].pid == os.getpid()
    with etl.store.build_lock(data):  # released: free again
        pass


def _try_lock(data: Path, errors: list) -> None:
    try:
        with etl.store.build_lock(data):
            pass
    except etl.store.BuildLocked as exc:
        errors.append(exc)


@pytest.mark.parametrize(
    "code, advice", [(errno.EROFS, "make {data} writable"), (errno.ENOSPC, "free some space on the disk of {data}")]
)
def test_a_read_only_or_full_data_folder_is_one_line_naming_it(tmp_path, monkeypatch, capsys, code, advice):
    import etl.__main__ as cli

    data = tmp_path / "data"

    def fail(data_dir, *args, **kwargs):
        raise OSError(code, os.strerror(code), str(data_dir / "builds" / ".staging-x" / "themes.parquet"))

    monkeypatch.setattr(cli, "build", fail)
    assert cli.main(["--data", str(data)]) == 4
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err
    assert f"cannot write the build in {data}: {os.strerror(code)}" in err and advice.format(data=data) in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_data_folder_for_real(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    data.chmod(0o555)
    try:
        proc = _etl(data)
        _, err = proc.communicate(timeout=120)
    finally:
        data.chmod(0o755)
    assert proc.returncode == 4 and len(err.strip().splitlines()) == 1 and str(data) in err


@pytest.mark.slow
def test_ten_rounds_of_two_concurrent_builds_give_no_traceback(tmp_path):
    """Issue 17: 7 of 30 runs of two `make data` at once crashed (each deleted the other's staging folder)."""
    data = tmp_path / "data"
    outcomes = []
    for _ in range(10):
        procs = [_etl(data), _etl(data)]
        for proc in procs:
            out, err = proc.communicate(timeout=300)
            assert "Traceback" not in out + err, err
            assert proc.returncode in (0, 3), err
            if proc.returncode == 3:
                assert len(err.strip().splitlines()) == 1 and "another build is running (pid " in err
            outcomes.append(proc.returncode)
        assert load_tables(data).manifest["build_id"]
    assert outcomes.count(0) >= 10  # every round published a build


def test_a_rebuild_keeps_the_build_time_and_the_id_ignores_it(tmp_path, documents, monkeypatch):
    """The data version is the build id and when that build was first made: a rebuild of the same sources keeps
    both (no file changes); the id does not depend on the time stamped into the Data Package."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796000000")
    _, first = build(tmp_path / "a", RECORDS_DIR, documents or None)
    before = {p.name: p.read_bytes() for p in first.iterdir()}
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1796990000")
    _, again = build(tmp_path / "a", RECORDS_DIR, documents or None)
    assert again == first and {p.name: p.read_bytes() for p in again.iterdir()} == before
    _, other = build(tmp_path / "b", RECORDS_DIR, documents or None)
    assert other.name == first.name
    built = json.loads((other / MANIFEST).read_text())["built"]
    assert built == "2026-12-11T11:53:20Z" != json.loads((first / MANIFEST).read_text())["built"]
