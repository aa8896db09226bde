"""Every download route: a chart's own files; the results in view as CSV with its codebook; every file of the
build as one zip; all charts in view as one zip of images.

A results CSV, a chart's (``/chart/<slug>.csv``) or the view's (the landing page's button), has the columns of
``etl.schema.RESULT_DOWNLOAD_COLUMNS``: the numbers as numbers (value, qualifier, count, the counts and shares a
figure allows, its Wilson interval), who answered and what was asked, the sentence, and every note on how the
figure was placed (``notes_of``, as the hover and the table show them). Written as the build writes its CSVs
(``etl.package``: UTF-8 with a byte-order mark); its codebook is ``/download/send-survey-results.meta.csv``.

Routes (``register``):

- ``GET /chart/<slug>.<format>`` for every format of ``CHART_FORMATS`` (png, svg, csv), with the chart page's
  query (``?survey=``, ``?theme=a,b``, ``?intervals=on``): the images carry the chart's title, question, key,
  base, source line, the chart page's address and the licence (the "export" frame), in a size
  (``?size=document|slide|square``, ``figures.SIZES``; a slide or square splits a tall chart: ``&part=2``), rendered through ``dashboard.export`` (disk cache, bounded queue:
  a busy server answers 503 with ``Retry-After``); the CSV its rows.
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
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from dash import Dash
from flask import Response, jsonify, request

from dashboard import export, selection
from dashboard.data import Rows, Store
from dashboard.figures import DEFAULT_SIZE, SIZES
from dashboard.wording import notes_of
from etl.package import codebook_csv, csv_bytes, data_type
from etl.schema import RESULT_DOWNLOAD_COLUMNS, Col, ResultDownload

if TYPE_CHECKING:  # pages links to this module's codebook: at run time it is imported in register()
    import pandas as pd

    from dashboard.pages import Assets, Request
    from dashboard.views import Views

RESULTS_CODEBOOK = "send-survey-results.meta.csv"
_DTYPES = {"integer": "Int64", "boolean": "boolean"}


def _rows(store: Store, rows: Rows) -> list[dict]:
    """The download's rows as plain values: each result with its survey's respondent group, the citation of the
    document it is from (its ``source``: the survey's report, or a press release), and its notes."""
    out = []
    for r in rows:
        survey = store.sources.get(r[Col.SURVEY], {})
        row = {c: r.get(c) for c in RESULT_DOWNLOAD_COLUMNS}
        row[Col.RESPONDENT_GROUP] = survey.get(Col.RESPONDENT_GROUP)
        row[Col.CITATION] = store.sources.get(r[Col.SOURCE], {}).get(Col.CITATION)
        row["notes"] = " ".join(notes_of(r)) or None
        row["data_version"], row["data_built"] = store.version.id or None, store.version.built or None
        out.append(row)
    return out


def results_frame(store: Store, rows: Rows) -> pd.DataFrame:
    """The results as a CSV download gives them, one row per figure, integers and booleans kept nullable, as a
    pandas DataFrame: for analysis and tests; no route uses it, so pandas is imported here, not by the server."""
    import pandas as pd

    frame = pd.DataFrame(_rows(store, rows), columns=list(RESULT_DOWNLOAD_COLUMNS))
    for col in RESULT_DOWNLOAD_COLUMNS:
        kind = data_type(ResultDownload.model_fields[col].annotation)
        if kind in _DTYPES:
            frame[col] = frame[col].astype(_DTYPES[kind])
    return frame


def results_csv(store: Store, rows: Rows) -> bytes:
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


# The registries: a format's name -> its media type and writer. ------------------------------------------------
# A chart's downloads are /chart/<slug>.<format> for every format in CHART_FORMATS, whose labels the chart page's
# download menu shows. A new format: one entry there with its writer; an image must also be one kaleido renders
# (export.FORMATS, which the charts-in-view zip takes).


@dataclass(frozen=True)
class ChartFormat:
    """One chart's download in a format: its label, its media type, and its writer (None: no row in view)."""

    label: str
    mimetype: str
    write: Callable[[Store, Views, Request], bytes | None]


def _chart_csv(store: Store, views: Views, req: Request) -> bytes:
    return results_csv(store, views.rows(req.survey, req.spec, req.themes))


def image_size(args) -> tuple[str, int] | None:
    """The size (``figures.SIZES``) and part an image's address asks for (``?size=slide&part=2``; the
    document's width and part 1 by default), or None if it names no size or part there can be."""
    size = args.get("size") or DEFAULT_SIZE
    part = args.get("part") or "1"
    if size not in SIZES or not part.isdigit() or not 1 <= int(part) <= 99:
        return None
    return size, int(part)


def chart_address(req: Request, store: Store, base_url: str) -> str:
    """The web address of the chart page of a request (written in its images)."""
    from dashboard.pages import public_url

    return public_url(base_url, f"/chart/{quote(req.spec.slug)}" + req.query(store))


def _chart_image(fmt: str) -> Callable[[Store, Views, Request], bytes | None]:
    def write(store: Store, views: Views, req: Request) -> bytes | None:
        size, part = image_size(request.args) or (DEFAULT_SIZE, 0)  # 0: no such part, so no figure
        address = chart_address(req, store, request.url_root)
        chart = views.chart(req.survey, req.spec, req.themes, req.intervals, "export", size, part, address)
        if chart.figure is None:
            return None
        with export.admit() as ticket:  # busy: a 503 with Retry-After (export.install answers ExportError)
            return export.render_cached(chart.figure, fmt, chart.token, ticket=ticket)

    return write


CHART_FORMATS: dict[str, ChartFormat] = {
    "png": ChartFormat(f"PNG ({export.SCALE}×)", "image/png", _chart_image("png")),  # ?size=slide|square&part=
    "svg": ChartFormat("SVG", "image/svg+xml", _chart_image("svg")),
    "csv": ChartFormat("CSV", "text/csv", _chart_csv),
}


@dataclass(frozen=True)
class File:
    """A download that is the same for every request: its route, file name, media type and writer."""

    route: str
    name: str
    mimetype: str
    write: Callable[[], bytes]


def _attachment(name: str) -> dict[str, str]:
    return {"Content-Disposition": f'attachment; filename="{name}"'}


def register(app: Dash, store: Store, views: Views, data_dir: Path, assets: Assets) -> None:
    """Add every download route to ``app``'s server, and the 503 answer for export errors; rendered charts are
    cached in ``data_dir/export-cache`` unless ``EXPORT_CACHE_DIR`` says otherwise."""
    from dashboard import pages
    from dashboard.routes import choose, not_found

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

    files = [
        File(TABLES_ZIP, "send-survey-tables.zip", "application/zip", _tables),
        File(f"/download/{RESULTS_CODEBOOK}", RESULTS_CODEBOOK, "text/csv", results_codebook),
    ]
    for file in files:
        server.add_url_rule(
            file.route,
            endpoint=f"download:{file.name}",
            view_func=lambda f=file: Response(f.write(), mimetype=f.mimetype, headers=_attachment(f.name)),
        )

    @server.route(f"/chart/<slug>.<any({', '.join(CHART_FORMATS)}):fmt>")
    def _chart_file(slug: str, fmt: str):
        req = pages.parse_request(store, slug, request.args)
        if isinstance(req, str):
            return not_found(store, assets, req)
        if isinstance(req, pages.Choices):
            return choose(store, assets, req, f".{fmt}")
        if fmt in export.FORMATS and image_size(request.args) is None:
            return not_found(store, assets, f"An image's size is one of {', '.join(SIZES)}, and its part a number.")
        data = CHART_FORMATS[fmt].write(store, views, req)
        if data is None:
            return not_found(store, assets, "None of this chart's figures is tagged with the selected themes.")
        name = req.spec.filename + ("-" + "-".join(req.themes) if req.themes else "")
        sized = image_size(request.args) if fmt in export.FORMATS else None
        if sized and sized != (DEFAULT_SIZE, 1):
            name += f"-{sized[0]}" + (f"-part{sized[1]}" if sized[1] > 1 else "")
        return Response(data, mimetype=CHART_FORMATS[fmt].mimetype, headers=_attachment(f"{name}.{fmt}"))

    @server.route(CHARTS_ZIP)
    def _charts_zip():
        return charts_zip(store, views, request.args)


def charts_zip(store: Store, views: Views, args) -> Response | tuple:
    """Every chart of the survey ``args`` name, drawn for its selection, as one zip of images."""
    fmt = args.get("format", "png")
    if fmt not in export.FORMATS:
        return jsonify(error="bad request", message=f"format must be {' or '.join(export.FORMATS)}"), 400
    from dashboard.pages import public_url

    with export.admit() as ticket:  # a full queue is a 503 before any work (ExportError -> export.install)
        asked = selection.parse(args)
        survey = store.survey(asked.survey)
        themes, _ = asked.themes_in(survey.theme_ids)
        intervals = asked.intervals
        charts = []
        view = selection.query(selection.Selection(survey.id, tuple(themes), intervals), store.default_survey)
        for spec in survey.charts:
            address = public_url(request.url_root, f"/chart/{quote(spec.slug)}" + view)  # drawn in its footer
            chart = views.chart(survey, spec, tuple(themes), intervals, "export", DEFAULT_SIZE, 1, address)
            if chart.figure is not None:
                charts.append((spec.filename, chart.figure))
        if not charts:
            return jsonify(error="not found", message="No chart is in view to export."), 404
        data = export.zip_cached(charts, fmt, ticket=ticket)
    name = f"{survey.id}-charts" + ("-" + "-".join(themes) if themes else "") + f"-{fmt}.zip"
    headers = {**_attachment(name), "X-Export-Charts": str(len(charts)), "Cache-Control": "no-store"}
    return Response(data, mimetype="application/zip", headers=headers)
