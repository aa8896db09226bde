"""Parquet on disk: atomic, deterministic writes and schema-checked reads, shared by the ETL and the dashboard.

Layout of the data folder::

    data/builds/<build-id>/<table>.parquet   one immutable folder per build (build-id: content hash)
    data/builds/<build-id>/records.json      every table's rows as JSON: what the server reads (``load_records``)
    data/builds/<build-id>/manifest.json     schema version, row counts and sha256 of every table and file
    data/current -> builds/<build-id>        the build readers use, switched by one atomic rename

A build is written into a fresh folder and only then published by replacing the ``current`` symlink,
so a reader sees either the whole previous build or the whole new one, never a mix. A build killed
half way leaves an unreferenced folder that the next build removes.

Integrity:

- Parquet is written with page checksums (CRC32 of every data page) and read with their verification on,
  on top of the sha256 of every file in the manifest, the schema check and the row counts.
- Two builds of the same sources have the same id. Before an existing folder of that id is reused, each of
  its files is compared with the freshly written one; a missing or damaged file is replaced (atomically,
  file by file), so ``make data`` repairs a damaged build.
- Every read error (missing, truncated, a directory, unreadable, another schema) is a ``DataError``. Its
  ``public`` text names only the file, never a filesystem path, for pages anonymous visitors see.

Pinning (serving one build until the operator reloads): a server process *pins* the build it serves with
``pin_build``, which records ``pins/<pid>`` and returns the build id. Readers given that id
(``load_tables(data_dir, build_id)``, or ``SEND_DATA_BUILD`` in the environment) read that build and not
whatever ``current`` points to later; pruning never removes a build pinned by a live process.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import threading
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from etl.schema import SCHEMA_VERSION, TABLES, arrow_schema, value_check

if TYPE_CHECKING:
    import pandas as pd
    import pyarrow as pa

# pyarrow (86 MB resident, 0.5 s to import) and pandas (140 MB with pyarrow, 1.0 s) are imported by the functions
# that write or parse Parquet, which only the ETL calls. The server reads RECORDS with the json module (issue 18).
_LAZY = {"pa": "pyarrow", "pq": "pyarrow.parquet", "pd": "pandas"}


def __getattr__(name: str):
    """``etl.store.pa``, ``.pq`` and ``.pd`` as before they were imported lazily (PEP 562): the modules themselves."""
    if name in _LAZY:
        import importlib

        return importlib.import_module(_LAZY[name])
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


CURRENT = "current"
BUILDS = "builds"
MANIFEST = "manifest.json"
RECORDS = "records.json"  # every table's rows as JSON, which the server reads (see write_records)
PINS = "pins"
LOCK = ".build.lock"
PIN_ENV = "SEND_DATA_BUILD"  # a build id: readers without an explicit build read this one instead of current
KEEP_BUILDS = 2
MAX_FILE_BYTES = 256 * 1024 * 1024  # a table or manifest larger than this is not ours
BUILD_ID = re.compile(r"^[0-9a-f]{16}$")
BUILT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$")
PARQUET_OPTIONS = dict(compression="zstd", write_statistics=False, write_page_checksum=True)
_ABSOLUTE_PATH = re.compile(r"(?<![\w.~-])(?:/[^/\s:'\"()]+)+/?")


class DataError(Exception):
    """The tables on disk are missing, incomplete, corrupt or of another schema version.

    ``str(exc)`` is the full story for the operator's log; ``exc.public`` says the same without any
    filesystem path (a file is named by its name only), for pages anonymous visitors see.
    """

    def __init__(self, message: str, public: str | None = None):
        super().__init__(message)
        self.public = public if public is not None else scrub_paths(message)


def scrub_paths(text: str) -> str:
    """``text`` with every absolute path shortened to its last part ("/srv/data/x.parquet" -> "x.parquet")."""
    return _ABSOLUTE_PATH.sub(lambda m: Path(m.group(0)).name or "/", text)


def _problem(path: Path, reason: str) -> DataError:
    return DataError(f"{path}: {reason}", public=f"{path.name}: {reason}")


def _read_file(path: Path) -> bytes:
    """The bytes of a regular file of sane size; DataError for anything else (missing, a directory, a FIFO...)."""
    try:
        info = path.stat()
    except FileNotFoundError:
        raise _problem(path, "missing") from None
    except OSError as exc:
        raise _problem(path, f"cannot be read ({exc.strerror or type(exc).__name__})") from exc
    if stat.S_ISDIR(info.st_mode):
        raise _problem(path, "is a directory, not a file")
    if not stat.S_ISREG(info.st_mode):
        raise _problem(path, "is not a regular file")
    if info.st_size > MAX_FILE_BYTES:
        raise _problem(path, f"is {info.st_size} bytes, larger than any table this project writes")
    try:
        with open(path, "rb") as fh:
            return fh.read(MAX_FILE_BYTES + 1)
    except OSError as exc:
        raise _problem(path, f"cannot be read ({exc.strerror or type(exc).__name__})") from exc


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
    import pyarrow as pa

    return pa.Table.from_pylist(rows, schema=arrow_schema(name))


# extras(folder, tables, manifest, version): ``version`` is None, then {"id": build id, "built": when}.
Extras = Callable[[Path, dict[str, "pa.Table"], dict, dict | None], dict[str, dict]]


class BuildLocked(Exception):
    """Another process is writing a build into the same data folder; ``pid`` is its process id (or None)."""

    def __init__(self, data_dir: Path, pid: int | None):
        self.data_dir, self.pid = data_dir, pid
        super().__init__(f"another build is running (pid {pid if pid else 'unknown'}) in {data_dir}")


_HELD: dict[tuple[str, int], int] = {}  # (data folder, thread) holding its build lock -> depth
_HELD_GUARD = threading.Lock()


@contextmanager
def build_lock(data_dir: Path, wait: bool = False):
    """Hold the data folder's build lock (``<data>/.build.lock``, an flock the kernel frees when the process
    dies, so a killed build never leaves a stale lock) while writing a build: two builds at once deleted each
    other's staging folder (issue 17). Without ``wait``, a held lock is BuildLocked at once, naming the pid.
    Reentrant within a thread (the CLI holds it around the whole build, ``write_tables`` again inside)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    key = (str(data_dir.resolve()), threading.get_ident())
    with _HELD_GUARD:
        if key in _HELD:
            _HELD[key] += 1
            nested = True
        else:
            nested = False
    if nested:
        try:
            yield
        finally:
            with _HELD_GUARD:
                _HELD[key] -= 1
        return
    fd = os.open(data_dir / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
        except BlockingIOError:
            raise BuildLocked(data_dir, _lock_pid(fd)) from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        with _HELD_GUARD:
            _HELD[key] = 1
        try:
            yield
        finally:
            with _HELD_GUARD:
                _HELD.pop(key, None)
            os.ftruncate(fd, 0)
    finally:
        os.close(fd)  # closing the descriptor releases the flock


def _lock_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 32, 0).decode().strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def write_tables(
    data_dir: Path, tables: dict[str, pa.Table], extras: Extras | None = None, notes: list[str] | None = None
) -> Path:
    """Write every table as one build under the data folder's build lock (see ``_write_tables``)."""
    with build_lock(data_dir):
        return _write_tables(data_dir, tables, extras, notes)


def _write_tables(
    data_dir: Path, tables: dict[str, pa.Table], extras: Extras | None = None, notes: list[str] | None = None
) -> Path:
    """Write every table as one build and publish it atomically; return the build folder.

    ``extras(folder, tables, manifest, version)`` may write more files into the build (etl.package: CSVs,
    codebooks, the Data Package) before the manifest is written; it returns {file: {bytes, sha256}}, kept as the
    manifest's ``files``, so the build id covers them too. It is called twice: with ``version`` None, whose files
    the build id is the hash of; then with ``{"id": build id, "built": when}`` to stamp the data version in (the
    Data Package's ``version``), which the id cannot cover. ``built`` is when a build of that id was first made
    (kept by a rebuild, so the same sources give the same files), also in the manifest. If a build of the same id exists, its files are checked against
    the ones just written and any missing or damaged one is replaced; what was repaired is appended to ``notes``.
    """
    import pyarrow.parquet as pq

    data_dir.mkdir(parents=True, exist_ok=True)
    builds = data_dir / BUILDS
    builds.mkdir(exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=builds))
    staging.chmod(0o755)  # mkdtemp makes it private; the server may run as another user
    try:
        manifest = {"schema_version": SCHEMA_VERSION, "tables": {}}
        for name in TABLES:
            path = staging / f"{name}.parquet"
            pq.write_table(tables[name], path, **PARQUET_OPTIONS)
            with open(path, "rb") as fh:
                os.fsync(fh.fileno())
            manifest["tables"][name] = {
                "file": path.name,
                "rows": tables[name].num_rows,
                "sha256": _sha256(path),
            }
        served = {RECORDS: write_records(staging / RECORDS, tables)}
        manifest["files"] = {**(extras(staging, tables, manifest, None) if extras else {}), **served}
        digest = hashlib.sha256(json.dumps(manifest, sort_keys=True).encode()).hexdigest()[:16]
        manifest["build_id"] = digest
        manifest["built"] = built_at(builds / digest)
        if extras is not None:  # again, stamped with the version: the build id and when it was first built
            stamped = extras(staging, tables, manifest, {"id": digest, "built": manifest["built"]})
            manifest["files"] = {**stamped, **served}
            for name in manifest["files"]:
                with open(staging / name, "rb") as fh:
                    os.fsync(fh.fileno())
        (staging / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        _fsync_dir(staging)
        final = builds / digest
        if final.is_dir() and not final.is_symlink():  # identical content already built: check it, mend it
            repaired = repair_build(final, staging)
            if repaired and notes is not None:
                notes.append(f"repaired build {digest}: replaced {', '.join(repaired)}")
            shutil.rmtree(staging)
        else:
            if final.is_symlink() or final.exists():  # not a folder: not a build of ours
                _remove(final)
            os.rename(staging, final)
        _publish(data_dir, final)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _prune(builds, keep=final)
    return final


def write_records(path: Path, tables: dict[str, pa.Table]) -> dict:
    """Write every table's rows as one JSON file, ``{table: {"columns": [...], "rows": [[...], ...]}}``, the rows
    as pyarrow gives them (``to_pylist``: None for a missing value, lists as lists, floats by their shortest exact
    repr); return its manifest entry {bytes, sha256}.

    The server reads this file, not the Parquet files (``load_records``): importing pyarrow costs each server
    process 86 MB and 0.5 s, pandas 140 MB and 1.0 s (measured), json nothing, and the worker had to stay under
    1.5x a bare Dash app's memory and cold start. Parquet stays the published format; the Parquet files are still
    checked by their sha256 at start-up and served from those bytes. Deterministic: the same tables, the same bytes.
    """
    doc = {name: {"columns": tables[name].column_names, "rows": _row_lists(tables[name])} for name in TABLES}
    raw = json.dumps(doc, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode("utf-8")
    with open(path, "wb") as fh:
        fh.write(raw)
        fh.flush()
        os.fsync(fh.fileno())
    return {"bytes": len(raw), "sha256": hashlib.sha256(raw).hexdigest()}


def _row_lists(table: pa.Table) -> list[list]:
    columns = table.column_names
    return [[row[c] for c in columns] for row in table.to_pylist()]


def built_at(build: Path) -> str:
    """When the build of this id was first made (UTC, to the second): the existing build's, so that rebuilding
    the same sources changes no file (read from its manifest, else its Data Package); else now, or ``SOURCE_DATE_EPOCH`` where set (the reproducible-builds
    convention: two builds of the same sources into two folders are then byte-identical)."""
    for name, key in ((MANIFEST, "built"), ("datapackage.json", "created")):  # either may be the one damaged
        try:
            built = json.loads((build / name).read_text(encoding="utf-8")).get(key)
        except (OSError, ValueError, AttributeError):
            continue
        if isinstance(built, str) and BUILT.match(built):
            return built
    epoch = os.environ.get("SOURCE_DATE_EPOCH", "")
    when = datetime.fromtimestamp(int(epoch), UTC) if epoch.isdigit() else datetime.now(UTC)
    return when.strftime("%Y-%m-%dT%H:%M:%SZ")


def _publish(data_dir: Path, build: Path) -> None:
    """Point data/current at ``build`` with a single rename (atomic on POSIX)."""
    link_tmp = data_dir / f".{CURRENT}.{os.getpid()}"
    if link_tmp.is_symlink() or link_tmp.exists():
        link_tmp.unlink()
    os.symlink(Path(BUILDS) / build.name, link_tmp)
    os.replace(link_tmp, data_dir / CURRENT)
    _fsync_dir(data_dir)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    else:
        path.unlink()


def repair_build(build: Path, reference: Path) -> list[str]:
    """Make every file of ``reference`` (a freshly written build) present and byte-identical in ``build``.

    Each file that is missing, of another size or content, or not a regular file is replaced by a copy
    written beside it and renamed over it (atomic per file); anything else in ``build`` is removed. Returns
    the names replaced or removed.
    """
    repaired = []
    for src in sorted(reference.iterdir()):
        dst = build / src.name
        want = src.read_bytes()
        try:
            ok = dst.is_file() and not dst.is_symlink() and dst.stat().st_size == len(want) and dst.read_bytes() == want
        except OSError:
            ok = False
        if ok:
            continue
        tmp = build / f".repair-{src.name}"
        if tmp.is_symlink() or tmp.exists():
            _remove(tmp)
        with open(tmp, "wb") as fh:
            fh.write(want)
            fh.flush()
            os.fsync(fh.fileno())
        if dst.is_dir() and not dst.is_symlink():
            shutil.rmtree(dst)
        os.replace(tmp, dst)
        repaired.append(src.name)
    expected = {p.name for p in reference.iterdir()}
    for stray in sorted(build.iterdir()):
        if stray.name not in expected:  # the folder is the ETL's: nothing else belongs in it
            _remove(stray)
            repaired.append(f"{stray.name} (removed)")
    if repaired:
        _fsync_dir(build)
    return repaired


def _prune(builds: Path, keep: Path) -> None:
    """Remove staging leftovers and all but the newest few builds (never the published one, nor a build
    pinned by a running server)."""
    for leftover in builds.glob(".staging-*"):
        shutil.rmtree(leftover, ignore_errors=True)
    pinned = pinned_builds(builds.parent)
    done = sorted(
        (p for p in builds.iterdir() if p.is_dir() and p != keep and not p.name.startswith(".")),
        key=lambda p: p.stat().st_mtime,
    )
    for old in done[: max(0, len(done) - (KEEP_BUILDS - 1))]:
        if old.name not in pinned:
            shutil.rmtree(old, ignore_errors=True)


# Pins: which build each running server serves. ------------------------------------------------------------


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: alive
        return True
    return True


def pin_build(data_dir: Path, owner: int | None = None, build_id: str | None = None) -> str | None:
    """Record that process ``owner`` (default: this one) serves the current build (or ``build_id``); return its
    id (None if there is no such build folder). The build stays on disk while ``owner`` lives."""
    owner = os.getpid() if owner is None else owner
    link = data_dir / CURRENT
    if build_id is None:
        build_id = os.readlink(link).rstrip("/").rsplit("/", 1)[-1] if link.is_symlink() else None
    if not build_id or not BUILD_ID.match(build_id) or not (data_dir / BUILDS / build_id).is_dir():
        unpin_build(data_dir, owner)
        return None
    pins = data_dir / PINS
    pins.mkdir(exist_ok=True)
    tmp = pins / f".{owner}.tmp"
    tmp.write_text(build_id + "\n")
    os.replace(tmp, pins / str(owner))
    return build_id


def unpin_build(data_dir: Path, owner: int | None = None) -> None:
    try:
        (data_dir / PINS / str(os.getpid() if owner is None else owner)).unlink()
    except OSError:
        pass


def pinned_builds(data_dir: Path) -> set[str]:
    """Build ids pinned by live processes; pins of processes that have exited are removed."""
    found: set[str] = set()
    pins = data_dir / PINS
    if not pins.is_dir():
        return found
    for pin in pins.iterdir():
        if not pin.name.isdigit():
            continue
        if not _alive(int(pin.name)):
            pin.unlink(missing_ok=True)
            continue
        try:
            found.add(pin.read_text().strip())
        except OSError:
            continue
    return found


# Verified snapshots: a server's master process checks the build it pins and keeps its bytes, and every worker
# it forks (a copy of its memory) reads the tables from them, not from the disk. A worker started later, after
# the files were damaged, therefore serves exactly what the others serve (issue 17). A build is ~0.3 MB.
_SNAPSHOTS: dict[str, dict[str, bytes]] = {}


def verify_build(build: Path) -> dict[str, bytes]:
    """The bytes of every file of ``build`` (manifest, tables, open data), each checked against the manifest's
    sha256 (and the manifest against this code's schema version); DataError names the first problem."""
    return _checked_files(build, _read_file)[1]


def _checked_files(build: Path, read: Callable[[Path], bytes]) -> tuple[dict, dict[str, bytes]]:
    """The build's manifest, and the bytes of every file of the build (read with ``read``), each checked against
    it; DataError names the first problem, including a table or ``RECORDS`` the manifest does not list."""
    files = {MANIFEST: read(build / MANIFEST)}
    manifest = _parse_manifest(build / MANIFEST, files[MANIFEST])
    for name in TABLES:
        if name not in manifest["tables"]:
            raise _problem(build / MANIFEST, f"no entry for table {name!r}")
    entries = {f"{name}.parquet": manifest["tables"][name] for name in TABLES}
    extra = manifest.get("files") or {}
    if RECORDS not in extra:
        raise _problem(build / MANIFEST, f"lists no {RECORDS} (a build of an older version: run make data)")
    for name, entry in sorted({**entries, **extra}.items()):
        files[name] = _checked_file(build, name, entry, read)
    return manifest, files


def _checked_file(build: Path, name: str, entry: object, read) -> bytes:
    """The bytes of the build's file ``name``, read with ``read``, after checking its manifest entry and sha256."""
    if not isinstance(entry, dict) or "/" in name or name.startswith("."):
        raise _problem(build / MANIFEST, f"not a manifest of this project (a bad entry for {name!r})")
    raw = read(build / name)
    if hashlib.sha256(raw).hexdigest() != entry.get("sha256"):
        raise _problem(build / name, "checksum does not match the manifest (truncated or changed since the build)")
    return raw


def keep_verified(build: Path, files: dict[str, bytes]) -> None:
    """Make ``files`` (from ``verify_build``) what this process and its future children read for ``build``;
    snapshots of other builds are dropped."""
    _SNAPSHOTS.clear()
    _SNAPSHOTS[str(build.resolve())] = files


def verified(build: Path) -> bool:
    """Whether this process holds a verified snapshot of ``build``."""
    return str(build.resolve()) in _SNAPSHOTS


@dataclass(frozen=True)
class Tables:
    """The tables of one build, as pandas DataFrames, with the manifest they were checked against.

    ``files`` holds the exact bytes of every file read (tables and manifest), so downloads are served from
    what was loaded, whatever happens to the folder on disk later.
    """

    frames: dict[str, pd.DataFrame]
    manifest: dict
    path: Path
    files: dict[str, bytes] = field(default_factory=dict, repr=False)

    def __getitem__(self, name: str) -> pd.DataFrame:
        return self.frames[name]


def current_build(data_dir: Path, build_id: str | None = None) -> Path:
    """The build to read: ``build_id`` if given, else the one pinned in the environment (``SEND_DATA_BUILD``),
    else the published one. DataError if there is none."""
    build_id = build_id or os.environ.get(PIN_ENV) or None
    if build_id is not None:
        if not BUILD_ID.match(build_id):
            raise DataError(f"{PIN_ENV}={build_id!r} is not a build id", public="the pinned build id is not valid")
        build = data_dir / BUILDS / build_id
        if not build.is_dir():
            raise DataError(
                f"the pinned build {build_id} is not in {data_dir / BUILDS} (reload the server to serve the current build)",
                public=f"the pinned build {build_id} is missing",
            )
        return build
    link = data_dir / CURRENT
    if not link.exists():
        raise DataError(f"no tables in {data_dir}: {link} does not exist", public="no tables: the build does not exist")
    return link.resolve()


def read_manifest(build: Path) -> dict:
    return _parse_manifest(build / MANIFEST, _read_file(build / MANIFEST))


def _parse_manifest(path: Path, raw: bytes) -> dict:
    try:
        manifest = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise DataError(f"{path}: unreadable manifest ({exc})", public=f"{MANIFEST}: unreadable manifest") from exc
    tables = manifest.get("tables") if isinstance(manifest, dict) else None
    if not isinstance(tables, dict) or not all(
        isinstance(e, dict) and isinstance(e.get("sha256"), str) and isinstance(e.get("rows"), int)
        for e in tables.values()
    ):
        raise _problem(path, "not a manifest of this project (expected tables with rows and sha256)")
    if manifest.get("schema_version") != SCHEMA_VERSION:
        raise _problem(path, f"schema version {manifest.get('schema_version')!r}, this code reads {SCHEMA_VERSION!r}")
    return manifest


def read_table(build: Path, name: str, manifest: dict) -> pd.DataFrame:
    """One table, checked against the manifest (checksum, rows) and the schema (version, columns, types)."""
    return _read_table(build, name, manifest)[0]


def _read_table(
    build: Path, name: str, manifest: dict, read: Callable[[Path], bytes] = _read_file
) -> tuple[pd.DataFrame, bytes]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    path = build / f"{name}.parquet"
    entry = manifest.get("tables", {}).get(name)
    if entry is None:
        raise _problem(build / MANIFEST, f"no entry for table {name!r}")
    raw = read(path)
    if hashlib.sha256(raw).hexdigest() != entry["sha256"]:
        raise _problem(path, "checksum does not match the manifest (truncated or changed since the build)")
    try:
        table = pq.read_table(pa.BufferReader(raw), page_checksum_verification=True)
    except (OSError, ValueError, pa.ArrowException) as exc:
        raise DataError(
            f"{path}: not a readable Parquet file ({exc})", public=f"{path.name}: not a readable Parquet file"
        ) from exc
    expected = arrow_schema(name)
    version = (table.schema.metadata or {}).get(b"schema_version", b"").decode("utf-8", "replace")
    if version != SCHEMA_VERSION:
        raise _problem(path, f"schema version {version!r}, this code reads {SCHEMA_VERSION!r}")
    if not table.schema.equals(expected, check_metadata=False):
        raise _problem(path, "columns differ from the schema in etl/schema.py")
    if table.num_rows != entry["rows"]:
        raise _problem(path, f"{table.num_rows} rows, the manifest says {entry['rows']}")
    try:
        return table.to_pandas(types_mapper=_types_mapper), raw
    except (ValueError, pa.ArrowException) as exc:
        raise DataError(f"{path}: cannot be converted ({exc})", public=f"{path.name}: cannot be converted") from exc


def _types_mapper(dtype: pa.DataType):
    """Keep nullable integers and booleans nullable in pandas instead of turning them into floats/objects."""
    import pandas as pd
    import pyarrow as pa

    if pa.types.is_integer(dtype):
        return pd.Int64Dtype()
    if pa.types.is_boolean(dtype):
        return pd.BooleanDtype()
    return None


def _reader(build: Path) -> Callable[[Path], bytes]:
    """How to read a file of ``build``: from the verified snapshot when this process holds one, else the disk."""
    snapshot = _SNAPSHOTS.get(str(build.resolve()))

    def read(path: Path) -> bytes:
        if snapshot is None:
            return _read_file(path)
        if path.name not in snapshot:
            raise _problem(path, "missing")
        return snapshot[path.name]

    return read


@dataclass(frozen=True)
class Records:
    """The tables of one build as rows, for the server: each row a dict (column -> value, as ``write_records``
    wrote it), with the manifest they were checked against and the exact bytes of every file of the build
    (``files``: the Parquet tables, the open data, the manifest), so downloads are served from what was checked."""

    rows: dict[str, list[dict]]
    manifest: dict
    path: Path
    files: dict[str, bytes] = field(default_factory=dict, repr=False)

    def __getitem__(self, name: str) -> list[dict]:
        return self.rows[name]


def load_records(data_dir: Path, build_id: str | None = None) -> Records:
    """Every table of the published (or pinned, see ``current_build``) build as rows, from ``RECORDS``; every file
    of the build checked against the manifest's sha256, and the rows against the schema (``parse_records``).
    Imports neither pyarrow nor pandas. DataError names what is wrong."""
    build = current_build(data_dir, build_id)
    manifest, files = _checked_files(build, _reader(build))
    rows = parse_records(build / RECORDS, files[RECORDS], manifest)
    return Records(rows=rows, manifest=manifest, path=build, files=files)


def parse_records(path: Path, raw: bytes, manifest: dict) -> dict[str, list[dict]]:
    """Every table's rows from the bytes of ``RECORDS``, checked: its model's columns in order, the manifest's row
    count, every value of its column's type (``etl.schema.value_check``)."""
    try:
        doc = json.loads(raw.decode("utf-8"))
    except ValueError as exc:
        raise _problem(path, "not readable JSON") from exc
    rows = {}
    for name, model in TABLES.items():
        table = doc.get(name) if isinstance(doc, dict) else None
        columns = list(model.model_fields)
        if not isinstance(table, dict) or table.get("columns") != columns:
            raise _problem(path, f"the columns of {name} differ from the schema in etl/schema.py")
        want = manifest["tables"][name]["rows"]
        if not isinstance(table.get("rows"), list) or len(table["rows"]) != want:
            raise _problem(path, f"{name} has not the {want} rows the manifest says")
        checks = [value_check(info.annotation) for info in model.model_fields.values()]
        for row in table["rows"]:
            if not (isinstance(row, list) and len(row) == len(checks) and all(c(v) for c, v in zip(checks, row))):
                raise _problem(path, f"a row of {name} has values of other types than the schema's")
        rows[name] = [dict(zip(columns, row)) for row in table["rows"]]
    return rows


def load_tables(data_dir: Path, build_id: str | None = None) -> Tables:
    """Every table of the published (or pinned, see ``current_build``) build as pandas DataFrames (for the ETL and
    its tests; the server uses ``load_records``), each checked; DataError names what is wrong."""
    build = current_build(data_dir, build_id)
    read = _reader(build)
    files = {MANIFEST: read(build / MANIFEST)}
    manifest = _parse_manifest(build / MANIFEST, files[MANIFEST])
    frames = {}
    for name in TABLES:
        frames[name], files[f"{name}.parquet"] = _read_table(build, name, manifest, read)
    extra = manifest.get("files") or {}
    for name in sorted(extra):  # the open data beside the tables (CSVs, codebooks, the Data Package)
        files[name] = _checked_file(build, name, extra[name], read)
    return Tables(frames=frames, manifest=manifest, path=build, files=files)
