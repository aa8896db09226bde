"""Parquet on disk: atomic, deterministic writes and schema-checked reads, shared by the ETL and the dashboard.

Layout of the data folder::

    data/builds/<build-id>/<table>.parquet   one immutable folder per build (build-id: content hash)
    data/builds/<build-id>/manifest.json     schema version, row counts and sha256 of every table
    data/current -> builds/<build-id>        the build readers use, switched by one atomic rename

A build is written into a fresh folder and only then published by replacing the ``current`` symlink,
so a reader sees either the whole previous build or the whole new one, never a mix. A build killed
half way leaves an unreferenced folder that the next build removes.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from etl.schema import SCHEMA_VERSION, TABLES, arrow_schema

CURRENT = "current"
BUILDS = "builds"
MANIFEST = "manifest.json"
KEEP_BUILDS = 2


class DataError(Exception):
    """The tables on disk are missing, incomplete, corrupt or of another schema version."""


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def table_to_arrow(name: str, rows: list[dict]) -> pa.Table:
    """Rows (dicts of model fields) as an Arrow table with the schema derived from the model."""
    return pa.Table.from_pylist(rows, schema=arrow_schema(name))


Extras = Callable[[Path, dict[str, pa.Table], dict], dict[str, dict]]


def write_tables(data_dir: Path, tables: dict[str, pa.Table], extras: Extras | None = None) -> Path:
    """Write every table as one build and publish it atomically; return the build folder.

    ``extras(folder, tables, manifest)`` may write more files into the build (etl.package: CSVs, codebooks, the
    Data Package) before the manifest is written; it returns {file: {bytes, sha256}}, kept as the manifest's
    ``files``, so the build id covers them too."""
    data_dir.mkdir(parents=True, exist_ok=True)
    builds = data_dir / BUILDS
    builds.mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=builds))
    staging.chmod(0o755)  # mkdtemp makes it private; the server may run as another user
    try:
        manifest = {"schema_version": SCHEMA_VERSION, "tables": {}}
        for name in TABLES:
            path = staging / f"{name}.parquet"
            pq.write_table(tables[name], path, compression="zstd", write_statistics=False)
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
            manifest["tables"][name] = {
                "file": path.name,
                "rows": tables[name].num_rows,
                "sha256": _sha256(path),
            }
        if extras is not None:
            manifest["files"] = extras(staging, tables, manifest)
            for name in manifest["files"]:
                with open(staging / name, "rb") as fh:
                    os.fsync(fh.fileno())
        digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:16]
        manifest["build_id"] = digest
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        _fsync_dir(staging)
        final = builds / digest
        if final.exists():  # identical content already built: keep it, drop the copy
            shutil.rmtree(staging)
        else:
            os.rename(staging, final)
        _publish(data_dir, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _prune(builds, keep=final)
    return final


def _publish(data_dir: Path, build: Path) -> None:
    """Point data/current at ``build`` with a single rename (atomic on POSIX)."""
    link_tmp = data_dir / f".{CURRENT}.{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    os.symlink(Path(BUILDS) / build.name, link_tmp)
    os.replace(link_tmp, data_dir / CURRENT)
    _fsync_dir(data_dir)


def _prune(builds: Path, keep: Path) -> None:
    """Remove staging leftovers and all but the newest few builds (never the published one)."""
    for leftover in builds.glob(".staging-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    done = sorted((p for p in builds.iterdir() if p.is_dir() and p != keep), key=lambda p: p.stat().st_mtime)
    for old in done[: max(0, len(done) - (KEEP_BUILDS - 1))]:
        shutil.rmtree(old, ignore_errors=True)


@dataclass(frozen=True)
class Tables:
    """The tables of one build, as pandas DataFrames, with the manifest they were checked against."""

    frames: dict[str, pd.DataFrame]
    manifest: dict
    path: Path

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]


def current_build(data_dir: Path) -> Path:
    """The published build folder, or DataError if there is none."""
    link = data_dir / CURRENT
    if not link.exists():
        raise DataError(f"no tables in {data_dir}: {link} does not exist")
    return link.resolve()


def read_manifest(build: Path) -> dict:
    try:
        manifest = json.loads((build / MANIFEST).read_text())
    except (OSError, ValueError) as exc:
        raise DataError(f"{build / MANIFEST}: unreadable manifest ({exc})") from exc
    tables = manifest.get("tables") if isinstance(manifest, dict) else None
    if not isinstance(tables, dict) or not all(
        isinstance(e, dict) and isinstance(e.get("sha256"), str) and isinstance(e.get("rows"), int)
        for e in tables.values()
    ):
        raise DataError(f"{build / MANIFEST}: not a manifest of this project (expected tables with rows and sha256)")
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise DataError(
            f"{build / MANIFEST}: schema version {manifest.get('schema_version')!r}, this code reads {SCHEMA_VERSION!r}"
        )
    return manifest


def read_table(build: Path, name: str, manifest: dict) -> pd.DataFrame:
    """One table, checked against the manifest (checksum, rows) and the schema (version, columns, types)."""
    path = build / f"{name}.parquet"
    entry = manifest.get("tables", {}).get(name)
    if entry is None:
        raise DataError(f"{build / MANIFEST}: no entry for table {name!r}")
    if not path.exists():
        raise DataError(f"{path}: missing")
    if _sha256(path) != entry["sha256"]:
        raise DataError(f"{path}: checksum does not match the manifest (truncated or changed since the build)")
    try:
        table = pq.read_table(path)
    except (OSError, pa.ArrowException) as exc:
        raise DataError(f"{path}: not a readable Parquet file ({exc})") from exc
    expected = arrow_schema(name)
    version = (table.schema.metadata or {}).get(b"schema_version", b"").decode()
    if version != SCHEMA_VERSION:
        raise DataError(f"{path}: schema version {version!r}, this code reads {SCHEMA_VERSION!r}")
    if not table.schema.equals(expected, check_metadata=False):
        raise DataError(f"{path}: columns differ from the schema in etl/schema.py")
    if table.num_rows != entry["rows"]:
        raise DataError(f"{path}: {table.num_rows} rows, the manifest says {entry['rows']}")
    return table.to_pandas(types_mapper=_types_mapper)


def _types_mapper(dtype: pa.DataType):
    """Keep nullable integers and booleans nullable in pandas instead of turning them into floats/objects."""
    if pa.types.is_integer(dtype):
        return pd.Int64Dtype()
    if pa.types.is_boolean(dtype):
        return pd.BooleanDtype()
    return None


def load_tables(data_dir: Path) -> Tables:
    """Every table of the published build, each checked; DataError names what is wrong."""
    build = current_build(data_dir)
    manifest = read_manifest(build)
    frames = {name: read_table(build, name, manifest) for name in TABLES}
    return Tables(frames=frames, manifest=manifest, path=build)
