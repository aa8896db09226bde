"""etl.store: `make data` repairs a damaged build, page checksums catch what a forged manifest lets through,
every kind of unreadable file is a DataError without paths for the public, and pinned builds survive pruning."""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from etl.build import RECORDS_DIR, build
from etl.store import (
    MANIFEST,
    PIN_ENV,
    DataError,
    load_tables,
    pin_build,
    pinned_builds,
    read_manifest,
    read_table,
    unpin_build,
)

ROOT = Path(__file__).resolve().parents[2]


def _snapshot(build_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(build_dir.iterdir())}


def test_make_data_restores_deleted_and_truncated_tables_byte_identical(tmp_path):
    """Delete one table of data/current, truncate another, put a directory in place of a third and damage
    the manifest; `python -m etl` (what `make data` runs) restores every file byte for byte."""
    data = tmp_path / "data"
    build(data)
    current = (data / "current").resolve()
    before = _snapshot(current)
    (current / "context.parquet").unlink()
    results = current / "results.parquet"
    results.write_bytes(results.read_bytes()[: results.stat().st_size // 2])
    (current / "quotes.parquet").unlink()
    (current / "quotes.parquet").mkdir()
    (current / MANIFEST).write_text("{}")
    (current / "stray.tmp").write_text("left by something else")
    with pytest.raises(DataError):
        load_tables(data)

    proc = subprocess.run(
        [sys.executable, "-m", "etl", "--data", str(data)], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert "repaired build" in proc.stdout and "results.parquet" in proc.stdout
    assert (data / "current").resolve() == current
    assert _snapshot(current) == before
    assert len(load_tables(data)["results"]) == 35


def test_an_intact_build_is_reused_untouched(tmp_path):
    data = tmp_path / "data"
    _, first = build(data)
    stamps = {p.name: p.stat().st_mtime_ns for p in first.iterdir()}
    notes: list[str] = []
    _, second = build(data, notes=notes)
    assert second == first and notes == []
    assert {p.name: p.stat().st_mtime_ns for p in first.iterdir()} == stamps


# Page checksums. ------------------------------------------------------------------------------------------------


def _data_pages(path: Path) -> list[tuple[int, int]]:
    """(start, end) byte ranges of every column chunk's pages (dictionary and data) in a Parquet file."""
    meta = pq.read_metadata(path)
    spans = []
    for rg in range(meta.num_row_groups):
        for c in range(meta.num_columns):
            col = meta.row_group(rg).column(c)
            start = col.dictionary_page_offset or col.data_page_offset
            spans.append((start, start + col.total_compressed_size))
    return spans


def _resign(build_dir: Path, name: str) -> None:
    manifest = json.loads((build_dir / MANIFEST).read_text())
    manifest["tables"][name]["sha256"] = hashlib.sha256((build_dir / f"{name}.parquet").read_bytes()).hexdigest()
    (build_dir / MANIFEST).write_text(json.dumps(manifest))


def test_bit_flips_in_pages_are_caught_even_with_a_forged_manifest(tmp_path):
    """Every single-bit flip in the page bytes of results.parquet, with the manifest re-signed to match, is
    refused when loaded (the pages carry CRC checksums that the reader verifies) or reads back the same
    values; never wrong values."""
    data = tmp_path / "data"
    build(data)
    current = (data / "current").resolve()
    path = current / "results.parquet"
    original = path.read_bytes()
    expected = pq.read_table(io.BytesIO(original))
    spans = _data_pages(path)
    positions = sorted({start + (end - start) * k // 9 for start, end in spans for k in range(1, 9)})
    assert len(positions) > 100
    refused = unnoticed_without_crc = 0
    for pos in positions:
        flipped = bytearray(original)
        flipped[pos] ^= 0x10
        path.write_bytes(bytes(flipped))
        _resign(current, "results")
        try:
            frame = read_table(current, "results", read_manifest(current))
        except DataError:
            refused += 1
            try:
                if pq.read_table(pa.BufferReader(bytes(flipped)), page_checksum_verification=False) != expected:
                    unnoticed_without_crc += 1
            except Exception:
                pass
            continue
        assert pa.Table.from_pandas(frame, preserve_index=False).to_pylist() == expected.to_pylist(), pos
    assert refused > 0.9 * len(positions)
    assert unnoticed_without_crc > 0, "some flips only the page checksums catch"


# Every kind of unreadable file. ------------------------------------------------------------------------------


def _fifo(p: Path) -> None:
    p.unlink()
    os.mkfifo(p)


def _directory(p: Path) -> None:
    p.unlink()
    p.mkdir()


def _loop(p: Path) -> None:
    p.unlink()
    p.symlink_to(p.name)


def _dangling(p: Path) -> None:
    p.unlink()
    p.symlink_to("nowhere.parquet")


@pytest.mark.parametrize("damage", [_fifo, _directory, _loop, _dangling], ids=["fifo", "directory", "loop", "dangling"])
@pytest.mark.parametrize("name", ["results.parquet", MANIFEST])
def test_unreadable_files_are_data_errors_without_paths(tmp_path, damage, name):
    data = tmp_path / "data"
    build(data)
    damage((data / "current").resolve() / name)
    with pytest.raises(DataError) as info:
        load_tables(data)
    assert name in str(info.value) and name in info.value.public
    assert str(tmp_path) not in info.value.public and "/" not in info.value.public.replace(" / ", "")


# Pins. ------------------------------------------------------------------------------------------------------


def _rebuild_with_label(data: Path, sources: Path, label: str) -> Path:
    """Rename the theme labelled Funding (or as renamed before) to ``label`` and build."""
    path = sources / "themes.yaml"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    [i] = [n for n, line in enumerate(lines) if line.startswith("  label: ") and "funding" in lines[n - 1]]
    lines[i] = f"  label: {label}\n"
    path.write_text("".join(lines), encoding="utf-8")
    return build(data, sources)[1]


def test_a_pinned_build_survives_pruning_and_is_what_pinned_readers_load(tmp_path, monkeypatch):
    sources = tmp_path / "sources"
    shutil.copytree(RECORDS_DIR, sources)
    data = tmp_path / "data"
    _, first = build(data, sources)
    assert pin_build(data) == first.name
    second = _rebuild_with_label(data, sources, "Money")
    third = _rebuild_with_label(data, sources, "Cash")
    fourth = _rebuild_with_label(data, sources, "Funds")
    assert first.exists(), "pruning removed a build a live process had pinned"
    assert (data / "current").resolve() == fourth and third.exists() and not second.exists()
    assert "Funding" in set(load_tables(data, first.name)["themes"]["label"])
    monkeypatch.setenv(PIN_ENV, first.name)
    assert load_tables(data).path == first
    monkeypatch.delenv(PIN_ENV)
    assert load_tables(data).path == fourth
    unpin_build(data)
    _rebuild_with_label(data, sources, "Money and more")
    assert not first.exists()


def test_pins_of_exited_processes_are_dropped(tmp_path):
    data = tmp_path / "data"
    _, first = build(data)
    proc = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    dead = int(proc.stdout)
    assert pin_build(data, dead) == first.name
    assert pinned_builds(data) == set()
    assert not (data / "pins" / str(dead)).exists()


def test_a_missing_pinned_build_is_a_data_error(tmp_path, monkeypatch):
    data = tmp_path / "data"
    build(data)
    monkeypatch.setenv(PIN_ENV, "0123456789abcdef")
    with pytest.raises(DataError, match="pinned build 0123456789abcdef"):
        load_tables(data)
    monkeypatch.setenv(PIN_ENV, "../../etc")
    with pytest.raises(DataError, match="not a build id"):
        load_tables(data)
