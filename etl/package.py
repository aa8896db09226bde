"""Open data beside the Parquet tables: each table as CSV, its codebook, and a Frictionless Data Package.

Everything here is made from the models in ``etl.schema``: a column's type, whether it may be empty, its codes
and its limits from the field's annotation; its label, meaning, unit and role from the field's ``doc``. So the
Parquet files, the CSVs, the codebooks and the Table Schemas describe one schema, declared once.

CSV, the same in the build and in every download: UTF-8 with a byte-order mark (Excel opens it; pandas and R
read it), a header row, CRLF line ends, an empty cell for a missing value, ``true``/``false``, numbers as
Python writes them (shortest exact form), lists as JSON (``["funding","timescales"]``). A codebook
(``<name>.meta.csv``) has one row per column, in the form of the Department for Education's metadata files:
col_name, label, col_type, data_type, indicator_unit, meaning.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import numbers
import typing
from collections.abc import Iterable, Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import annotated_types
from pydantic import BaseModel, StringConstraints
from pydantic.fields import FieldInfo

if TYPE_CHECKING:  # the ETL passes Arrow tables; the dashboard imports this module without pyarrow
    import pyarrow as pa

from etl.schema import FOREIGN_KEYS, PRIMARY_KEYS, SCHEMA_VERSION, TABLES, CodebookRow, Role, unwrap

DATAPACKAGE = "datapackage.json"
CODEBOOK_COLUMNS = tuple(CodebookRow.model_fields)
PARQUET_MEDIATYPE = "application/vnd.apache.parquet"

# The licence of the data (this encoding of the documents) and of the charts drawn from it: the Data Package's,
# and what every chart page, embed and image says.
LICENCE = {
    "name": "CC-BY-4.0",
    "title": "Creative Commons Attribution 4.0 International",
    "path": "https://creativecommons.org/licenses/by/4.0/",
}
LICENCE_SHORT = "CC BY 4.0"

# The package's own description. The licence covers this encoding of the documents (records, derived columns,
# codebooks); the sentences and quotations it quotes remain their publishers' (see each source).
PACKAGE = {
    "name": "send-reform-surveys",
    "title": "SEND reform surveys: the figures their reports print, with quotations and context",
    "description": (
        "Survey results as their reports print them (value and qualifier, with the counts and shares each allows "
        "out of its base, and a Wilson 95% interval where the report pins a count), respondents' quotations, and "
        "context figures from the documents the reports build on, each with the sentence it was taken from. Each "
        "table is given as CSV (UTF-8 with a byte-order mark) and Parquet, with a codebook (<table>.meta.csv) "
        "explaining every column and code. The sentences and quotations are quoted from the documents listed as "
        "sources, which remain their publishers' copyright."
    ),
    "keywords": ["SEND", "special educational needs", "local government", "England", "survey"],
    "licenses": [LICENCE],
}


# CSV. --------------------------------------------------------------------------------------------------------


def cell(value: Any) -> str:
    """One value as a CSV cell (see the module docstring)."""
    if value is None:
        return ""
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, bool) or type(value).__name__ in ("bool", "bool_"):  # also numpy's booleans
        return "true" if value else "false"
    if isinstance(value, numbers.Integral):
        return str(int(value))
    if isinstance(value, numbers.Real):
        return repr(float(value))
    if isinstance(value, str):
        return value
    if hasattr(value, "tolist"):  # a numpy array of a list column
        value = value.tolist()
    if isinstance(value, (list, tuple)):
        return json.dumps(list(value), ensure_ascii=False, separators=(",", ":"))
    raise TypeError(f"no CSV form for {value!r}")


def csv_bytes(columns: Sequence[str], rows: Iterable[dict]) -> bytes:
    """Rows as CSV in ``columns`` order: UTF-8 with a byte-order mark, CRLF, deterministic."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([cell(row.get(c)) for c in columns])
    return buf.getvalue().encode("utf-8-sig")


# Types and Table Schemas, from the models. ------------------------------------------------------------------


def data_type(annotation: Any) -> str:
    """The Table Schema type of a field: string, integer, number, boolean or array."""
    base, _, _ = unwrap(annotation)
    if typing.get_origin(base) is list:
        return "array"
    if isinstance(base, type) and issubclass(base, Enum):
        return "string"
    return {str: "string", int: "integer", float: "number", bool: "boolean"}[base]


def _role(info: FieldInfo, kind: str) -> str:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    if extra.get("role"):
        return str(extra["role"])
    return Role.INDICATOR.value if kind in ("integer", "number") else Role.FILTER.value


def _unit(info: FieldInfo) -> str | None:
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    return extra.get("unit")


def field_schema(name: str, info: FieldInfo) -> dict:
    """The Table Schema field of a model field: type, title, description, unit and constraints."""
    base, nullable, found = unwrap(info.annotation)
    kind = data_type(info.annotation)
    constraints: dict[str, Any] = {} if nullable else {"required": True}
    extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
    if extra.get("codes"):
        constraints["enum"] = list(extra["codes"])
    elif isinstance(base, type) and issubclass(base, Enum):
        constraints["enum"] = [m.value for m in base]
    for c in [*found, *info.metadata]:
        if isinstance(c, StringConstraints):
            if c.pattern:
                constraints["pattern"] = c.pattern
            if c.min_length and kind == "string":
                constraints["minLength"] = c.min_length
            if c.max_length:
                constraints["maxLength"] = c.max_length
        elif isinstance(c, annotated_types.Ge) and kind in ("integer", "number"):
            constraints["minimum"] = c.ge
        elif isinstance(c, annotated_types.Le) and kind in ("integer", "number"):
            constraints["maximum"] = c.le
    out: dict[str, Any] = {"name": name, "type": kind}
    if info.title:
        out["title"] = info.title
    if info.description:
        out["description"] = info.description
    if _unit(info):
        out["unit"] = _unit(info)
    if constraints:
        out["constraints"] = constraints
    return out


def _columns(model: type[BaseModel], columns: Sequence[str] | None) -> list[str]:
    return list(columns) if columns is not None else list(model.model_fields)


def table_schema(model: type[BaseModel], columns: Sequence[str] | None = None, table: str | None = None) -> dict:
    """The Table Schema of a model (or of ``columns`` of it), with the table's keys when ``table`` is given."""
    schema: dict[str, Any] = {
        "fields": [field_schema(c, model.model_fields[c]) for c in _columns(model, columns)],
        "missingValues": [""],
    }
    if table in PRIMARY_KEYS:
        schema["primaryKey"] = list(PRIMARY_KEYS[table])
    if table in FOREIGN_KEYS:
        schema["foreignKeys"] = [
            {"fields": [col], "reference": {"resource": ref, "fields": [ref_col]}}
            for col, (ref, ref_col) in FOREIGN_KEYS[table].items()
        ]
    return schema


def codebook_rows(model: type[BaseModel], columns: Sequence[str] | None = None) -> list[dict]:
    """One codebook row per column of a model (or of ``columns`` of it), validated as CodebookRow."""
    rows = []
    for name in _columns(model, columns):
        info = model.model_fields[name]
        kind = data_type(info.annotation)
        row = CodebookRow(
            col_name=name,
            label=info.title or name,
            col_type=_role(info, kind),
            data_type=kind,
            indicator_unit=_unit(info),
            meaning=info.description or "",
        )
        rows.append(row.model_dump(mode="json"))
    return rows


def codebook_csv(model: type[BaseModel], columns: Sequence[str] | None = None) -> bytes:
    """The codebook of a CSV file as CSV: the file ``<name>.meta.csv`` beside ``<name>.csv``."""
    return csv_bytes(CODEBOOK_COLUMNS, codebook_rows(model, columns))


# The build's files. -----------------------------------------------------------------------------------------


def _write(path: Path, data: bytes) -> dict:
    path.write_bytes(data)
    return {"file": path.name, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}


def _resource(name: str, entry: dict, fmt: str, mediatype: str, schema: dict, title: str, **extra) -> dict:
    return {
        "name": name,
        "path": entry["file"],
        **extra,
        "title": title,
        "format": fmt,
        "mediatype": mediatype,
        "encoding": "utf-8" if fmt == "csv" else None,
        "bytes": entry["bytes"],
        "hash": f"sha256:{entry['sha256']}",
        "schema": schema,
    }


def write_package(
    folder: Path, tables: dict[str, pa.Table], manifest: dict, version: dict | None = None
) -> dict[str, dict]:
    """Write every table's CSV and codebook, and the Data Package describing them and the Parquet files, into
    the build folder; return {file name: {bytes, sha256}} for the manifest. ``manifest`` holds the Parquet
    files' entries (file, rows, sha256); ``version`` ({"id": build id, "built": when}, see etl.store.write_tables)
    is the Data Package's ``version`` and ``created``."""
    files: dict[str, dict] = {}
    resources = []
    for name, model in TABLES.items():
        schema = table_schema(model, table=name)
        data = _write(folder / f"{name}.csv", csv_bytes(list(model.model_fields), tables[name].to_pylist()))
        meta = _write(folder / f"{name}.meta.csv", codebook_csv(model))
        parquet = folder / manifest["tables"][name]["file"]
        pq_entry = {"file": parquet.name, "bytes": parquet.stat().st_size, "sha256": manifest["tables"][name]["sha256"]}
        resources += [
            _resource(name, data, "csv", "text/csv", schema, f"{name} (CSV)"),
            _resource(
                f"{name}-parquet",
                pq_entry,
                "parquet",
                PARQUET_MEDIATYPE,
                table_schema(model),
                f"{name} (Parquet)",
                type="file",  # described, not re-read: Parquet lists and nullable integers lose their types in pandas
            ),
            _resource(f"{name}-metadata", meta, "csv", "text/csv", table_schema(CodebookRow), f"{name}: codebook"),
        ]
        files[data["file"]] = {k: data[k] for k in ("bytes", "sha256")}
        files[meta["file"]] = {k: meta[k] for k in ("bytes", "sha256")}
    stamp = {"version": version["id"], "created": version["built"]} if version else {}
    package = {
        **PACKAGE,
        **stamp,
        "schema_version": SCHEMA_VERSION,
        "sources": _sources(tables["sources"].to_pylist()),
        "resources": [{k: v for k, v in r.items() if v is not None} for r in resources],
    }
    text = json.dumps(package, indent=2, ensure_ascii=False) + "\n"
    entry = _write(folder / DATAPACKAGE, text.encode("utf-8"))
    files[DATAPACKAGE] = {k: entry[k] for k in ("bytes", "sha256")}
    return files


def _sources(rows: list[dict]) -> list[dict]:
    """The documents the data comes from, as Data Package sources: title (its citation, else its title) and
    address."""
    out = []
    for s in rows:
        src = {"title": s["citation"] or s["title"]}
        if s["url"]:
            src["path"] = s["url"]
        out.append(src)
    return out
