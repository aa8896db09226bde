"""Downloads: the results in view as CSV with its codebook, and every file of the build as one zip.

A results CSV, a chart's (``/chart/<slug>.csv``) or the view's (the landing page's button), has the columns of
``etl.schema.RESULT_DOWNLOAD_COLUMNS``: the numbers as numbers (value, qualifier, count, the counts and shares a
figure allows, its Wilson interval), who answered and what was asked, the sentence, and every note on how the
figure was placed (``notes_of``, as the hover and the table show them). Written as the build writes its CSVs
(``etl.package``: UTF-8 with a byte-order mark); its codebook is ``/download/send-survey-results.meta.csv``.
"""

from __future__ import annotations

import io
import zipfile

import pandas as pd

from dashboard.data import Store, records
from dashboard.figures import notes_of
from etl.package import codebook_csv, csv_bytes, data_type
from etl.schema import RESULT_DOWNLOAD_COLUMNS, Col, ResultDownload

RESULTS_CODEBOOK = "send-survey-results.meta.csv"
_DTYPES = {"integer": "Int64", "boolean": "boolean"}


def _rows(store: Store, rows: pd.DataFrame) -> list[dict]:
    """The download's rows as plain values: each result with its survey's respondent group and citation and its
    notes."""
    out = []
    for r in records(rows):
        survey = store.sources.get(r[Col.SURVEY], {})
        row = {c: r.get(c) for c in RESULT_DOWNLOAD_COLUMNS}
        row[Col.RESPONDENT_GROUP] = survey.get(Col.RESPONDENT_GROUP)
        row[Col.CITATION] = survey.get(Col.CITATION)
        row["notes"] = " ".join(notes_of(r)) or None
        out.append(row)
    return out


def results_frame(store: Store, rows: pd.DataFrame) -> pd.DataFrame:
    """The results as a CSV download gives them, one row per figure, integers and booleans kept nullable."""
    frame = pd.DataFrame(_rows(store, rows), columns=list(RESULT_DOWNLOAD_COLUMNS))
    for col in RESULT_DOWNLOAD_COLUMNS:
        kind = data_type(ResultDownload.model_fields[col].annotation)
        if kind in _DTYPES:
            frame[col] = frame[col].astype(_DTYPES[kind])
    return frame


def results_csv(store: Store, rows: pd.DataFrame) -> bytes:
    """The results as CSV: UTF-8 with a byte-order mark, numbers as numbers, lists as JSON."""
    return csv_bytes(RESULT_DOWNLOAD_COLUMNS, _rows(store, rows))


def results_codebook() -> bytes:
    """The codebook of every results CSV: one row per column, with its label, type, unit and meaning."""
    return codebook_csv(ResultDownload, RESULT_DOWNLOAD_COLUMNS)


def tables_zip(store: Store) -> bytes:
    """Every file of the loaded build in one zip: each table as Parquet and CSV with its codebook, the Data
    Package (datapackage.json) and the manifest."""
    build = store.tables.path
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(build.iterdir()):
            if path.is_file():
                zf.write(path, path.name)
    return buf.getvalue()
