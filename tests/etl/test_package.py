"""etl.package: the build's CSVs, codebooks and Frictionless Data Package, made from the models in etl.schema."""

from __future__ import annotations

import io
import json
import math
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from etl.package import CODEBOOK_COLUMNS, DATAPACKAGE, cell, codebook_rows, csv_bytes, data_type, table_schema
from etl.schema import QUALIFIER_WORDS, RESULT_DOWNLOAD_COLUMNS, TABLES, Qualifier, ResultDownload, arrow_schema

frictionless = pytest.importorskip("frictionless", reason="frictionless is in the test extras (pyproject.toml)")
BOM = b"\xef\xbb\xbf"


@pytest.fixture(scope="module")
def folder(data_dir) -> Path:
    """The build folder of the real sources, built once a session (tests/conftest.py); only read here."""
    return (data_dir / "current").resolve()


def test_frictionless_validates_the_package(folder):
    """`frictionless validate datapackage.json` passes: every CSV against its Table Schema (types, required
    cells, codes, keys across tables), and every file against its size and sha256."""
    report = frictionless.validate(folder / DATAPACKAGE)
    assert report.valid, report.flatten(["resourceName", "rowNumber", "fieldName", "type", "note"])
    command = Path(sys.executable).parent / "frictionless"
    run = subprocess.run([str(command), "validate", DATAPACKAGE], cwd=folder, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-3000:]


@pytest.mark.parametrize("damage", ["results.csv", "results.parquet", "context.meta.csv"])
def test_frictionless_finds_a_changed_file(folder, tmp_path, damage):
    """A file changed after the build fails validation: the package carries the build's checksums."""
    copy = tmp_path / "build"
    shutil.copytree(folder, copy)
    raw = bytearray((copy / damage).read_bytes())
    raw[-3] = ord("X") if raw[-3] != ord("X") else ord("Y")
    (copy / damage).write_bytes(bytes(raw))
    assert not frictionless.validate(copy / DATAPACKAGE).valid


def test_package_describes_every_file(folder):
    """One CSV, one Parquet and one codebook resource per table, each with its Table Schema, size and sha256;
    a licence and the documents as sources."""
    package = json.loads((folder / DATAPACKAGE).read_text(encoding="utf-8"))
    names = {r["name"]: r for r in package["resources"]}
    for table, model in TABLES.items():
        csv_res, pq_res, meta = names[table], names[f"{table}-parquet"], names[f"{table}-metadata"]
        assert (csv_res["path"], pq_res["path"], meta["path"]) == (
            f"{table}.csv",
            f"{table}.parquet",
            f"{table}.meta.csv",
        )
        assert [f["name"] for f in csv_res["schema"]["fields"]] == list(model.model_fields)
        assert [f["name"] for f in pq_res["schema"]["fields"]] == arrow_schema(table).names
        assert [f["name"] for f in meta["schema"]["fields"]] == list(CODEBOOK_COLUMNS)
        for res in (csv_res, pq_res, meta):
            assert res["hash"].startswith("sha256:") and res["bytes"] == (folder / res["path"]).stat().st_size
    assert package["licenses"] and package["licenses"][0]["name"]
    titles = [s["title"] for s in package["sources"]]
    assert any("SEND reform: putting children and young people first" in t for t in titles)


@pytest.mark.parametrize("table", list(TABLES))
def test_table_csv_is_the_parquet_table(folder, table):
    """Each CSV opens in pandas as it is (the byte-order mark read as such), with the Parquet table's rows and
    columns; its numbers equal the Parquet numbers, its lists are JSON."""
    raw = (folder / f"{table}.csv").read_bytes()
    assert raw.startswith(BOM)
    frame = pd.read_csv(io.BytesIO(raw), encoding="utf-8-sig", keep_default_na=False, na_values=[""])
    parquet = pq.read_table(folder / f"{table}.parquet").to_pandas()
    assert list(frame.columns) == list(parquet.columns) and len(frame) == len(parquet)
    for field in arrow_schema(table):
        got, want = frame[field.name].tolist(), parquet[field.name].tolist()
        if str(field.type) in ("double", "int64"):
            for g, w in zip(got, want):
                assert (pd.isna(g) and pd.isna(w)) or math.isclose(g, w, rel_tol=0, abs_tol=0), (field.name, g, w)
        elif str(field.type).startswith("list"):
            assert [json.loads(g) for g in got] == [list(w) for w in want], field.name
        elif str(field.type) == "string":
            assert [None if pd.isna(g) else g for g in got] == [None if pd.isna(w) else w for w in want], field.name


def test_codebook_explains_every_column_and_code(folder):
    """A codebook row per column, in the CSV's order, each with a label and a meaning; the qualifier's meaning
    says every code the table may hold in words."""
    for table, model in TABLES.items():
        book = pd.read_csv(folder / f"{table}.meta.csv", encoding="utf-8-sig", keep_default_na=False)
        assert list(book.columns) == list(CODEBOOK_COLUMNS)
        assert book["col_name"].tolist() == list(model.model_fields)
        assert (book["label"] != "").all() and (book["meaning"] != "").all()
        assert set(book["col_type"]) <= {"Id", "Filter", "Indicator", "Text"}
    meaning = pd.read_csv(folder / "results.meta.csv", encoding="utf-8-sig").set_index("col_name")["meaning"]
    for q in Qualifier:
        if q not in (Qualifier.UP_TO, Qualifier.RANGE):
            assert f"{q.value}: {QUALIFIER_WORDS[q.value]}" in meaning["qualifier"]


def test_download_codebook_covers_its_columns():
    """The codebook of a results download has one row per download column, with units on the numbers."""
    rows = codebook_rows(ResultDownload, RESULT_DOWNLOAD_COLUMNS)
    assert [r["col_name"] for r in rows] == list(RESULT_DOWNLOAD_COLUMNS)
    units = {r["col_name"]: r["indicator_unit"] for r in rows}
    assert units["value"] == units["pct_low"] == units["wilson_high"] == "%"
    assert units["count_min"] == units["base"] == "respondents"
    assert {r["col_name"] for r in rows if r["col_type"] == "Indicator"} >= {"value", "count", "count_min", "pct_low"}


@pytest.mark.parametrize(
    "value, text",
    [
        (None, ""),
        (True, "true"),
        (False, "false"),
        (54, "54"),
        (37.037037037037, "37.037037037037"),
        (90.0, "90.0"),
        (["funding", "timescales"], '["funding","timescales"]'),
        ([], "[]"),
        ("£3.15 billion – now", "£3.15 billion – now"),
    ],
)
def test_cell(value, text):
    assert cell(value) == text


def test_csv_bytes_is_excel_ready():
    """A byte-order mark, CRLF line ends, quoting where needed."""
    data = csv_bytes(["a", "b"], [{"a": "x, y", "b": None}, {"a": 'say "hi"', "b": 1.5}])
    assert data == BOM + b'a,b\r\n"x, y",\r\n"say ""hi""",1.5\r\n'


def test_table_schema_types_follow_the_arrow_schema():
    """One schema declared once: the Table Schema's types and required cells agree with the Arrow schema."""
    kinds = {"string": "string", "int64": "integer", "double": "number", "bool": "boolean"}
    for table, model in TABLES.items():
        fields = {f["name"]: f for f in table_schema(model, table=table)["fields"]}
        for field in arrow_schema(table):
            want = "array" if str(field.type).startswith("list") else kinds[str(field.type)]
            assert fields[field.name]["type"] == want == data_type(model.model_fields[field.name].annotation)
            required = fields[field.name].get("constraints", {}).get("required", False)
            assert required == (not field.nullable), (table, field.name)
