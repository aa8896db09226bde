"""Downloads: the results in view as CSV with its codebook; every file of the build as one zip; all charts in
view as one zip of images.

A results CSV, a chart's (``/chart/<slug>.csv``) or the view's (the landing page's button), has the columns of
``etl.schema.RESULT_DOWNLOAD_COLUMNS``: the numbers as numbers (value, qualifier, count, the counts and shares a
figure allows, its Wilson interval), who answered and what was asked, the sentence, and every note on how the
figure was placed (``notes_of``, as the hover and the table show them). Written as the build writes its CSVs
(``etl.package``: UTF-8 with a byte-order mark); its codebook is ``/download/send-survey-results.meta.csv``.

Routes (``register``):

- ``GET /download/send-survey-tables.zip``: every file of the build this process loaded (tables as Parquet
  and CSV, codebooks, the Data Package, the manifest), from the bytes read and checked at start-up, so it
  does not depend on the build folder still being on disk (a later ``make data`` may prune it).
- ``GET /download/send-survey-results.meta.csv``: the codebook of every results CSV.
- ``GET /export/charts.zip?survey=<id>&format=png|svg&theme=a,b&intervals=on``: every chart of the survey drawn
  for that selection, with its title, base and source line, through ``dashboard.export`` (disk cache, bounded
  queue, time limit). When the server is busy it answers 503 with ``Retry-After`` and JSON ``{"error",
  "message", "retry_after"}``; the page's export buttons (``assets/export.js``) show the message.
  ``X-Export-Charts`` says how many charts the zip holds.

No response names a filesystem path.
"""

from __future__ import annotations

import io
import os
import threading
import zipfile
from pathlib import Path

import pandas as pd
from dash import Dash
from flask import Response, jsonify, request

from dashboard import export
from dashboard.data import Store, parse_themes, records
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


def tables_zip(files: dict[str, bytes]) -> bytes:
    """Every file of a build (name -> bytes) in one zip, names sorted. Deterministic: the same build gives the
    same bytes in every process, on every day (each entry's time and permissions fixed, not "now")."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            zf.writestr(info, files[name])
    return buf.getvalue()


TABLES_ZIP = "/download/send-survey-tables.zip"
CHARTS_ZIP = "/export/charts.zip"


def register(app: Dash, store: Store, views, data_dir: Path) -> None:
    """Add the download routes to ``app``'s server and the 503 answer for export errors; rendered charts are
    cached in ``data_dir/export-cache`` unless ``EXPORT_CACHE_DIR`` says otherwise."""
    server = app.server
    export.install(server)
    if "EXPORT_CACHE_DIR" not in os.environ:
        export.use_cache_dir(Path(data_dir) / "export-cache")
    built: dict[str, bytes] = {}
    lock = threading.Lock()

    def _tables() -> bytes:
        with lock:
            if "zip" not in built:
                built["zip"] = tables_zip(store.tables.files)
            return built["zip"]

    @server.route(TABLES_ZIP)
    def _tables_zip():
        return Response(
            _tables(),
            mimetype="application/zip",
            headers={"Content-Disposition": "attachment; filename=send-survey-tables.zip"},
        )

    @server.route(f"/download/{RESULTS_CODEBOOK}")
    def _results_codebook():
        return Response(
            results_codebook(),
            mimetype="text/csv",
            headers={"Content-Disposition": f"attachment; filename={RESULTS_CODEBOOK}"},
        )

    @server.route(CHARTS_ZIP)
    def _charts_zip():
        fmt = request.args.get("format", "png")
        if fmt not in export.FORMATS:
            return jsonify(error="bad request", message="format must be png or svg"), 400
        with export.admit() as ticket:  # a full queue is a 503 before any work (ExportError -> export.install)
            survey = store.survey(request.args.get("survey", ""))
            themes, _ = parse_themes(request.args.getlist("theme"), survey.theme_ids)
            intervals = request.args.get("intervals", "") in ("on", "1", "true")
            charts = []
            for spec in survey.charts:
                chart = views.chart(survey, spec, tuple(themes), intervals, "export")
                if chart.figure is not None:
                    charts.append((spec.filename, chart.figure))
            if not charts:
                return jsonify(error="not found", message="No chart is in view to export."), 404
            data = export.zip_cached(charts, fmt, ticket=ticket)
        name = f"{survey.id}-charts" + ("-" + "-".join(themes) if themes else "") + f"-{fmt}.zip"
        return Response(
            data,
            mimetype="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "X-Export-Charts": str(len(charts)),
                "Cache-Control": "no-store",
            },
        )
