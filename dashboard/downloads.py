"""File downloads served by plain Flask routes: the tables zip and the charts-in-view export.

- ``GET /download/send-survey-tables.zip``: every table of the build this process loaded, as Parquet (the
  exact bytes that were checked at start-up) and CSV, with its manifest. Built from memory, so it does not
  depend on the build folder still being on disk (a later ``make data`` may prune it).
- ``GET /export/charts.zip?format=png|svg&theme=a,b&intervals=on``: every chart drawn for that selection,
  through ``dashboard.export`` (disk cache, bounded queue, time limit). When the server is busy it answers
  503 with ``Retry-After`` and JSON ``{"error", "message", "retry_after"}``; the page's export button
  (``assets/export.js``) shows the message. ``X-Export-Charts`` says how many charts the zip holds.

No response names a filesystem path.
"""

from __future__ import annotations

import io
import os
import threading
import zipfile
from pathlib import Path

from dash import Dash
from flask import Response, jsonify, request

from dashboard import export
from dashboard.data import Store, clean_themes
from dashboard.views import Views

TABLES_ZIP = "/download/send-survey-tables.zip"
CHARTS_ZIP = "/export/charts.zip"
MAX_QUERY = 2000  # characters of the theme parameter looked at


def tables_zip(files: dict[str, bytes]) -> bytes:
    """Every table (name.parquet -> bytes) as Parquet and CSV, and the manifest, in one zip (names sorted)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for name in sorted(files):
            zf.writestr(name, files[name])
            if name.endswith(".parquet"):
                frame = pq.read_table(pa.BufferReader(files[name])).to_pandas()
                zf.writestr(name[: -len(".parquet")] + ".csv", frame.to_csv(index=False))
    return buf.getvalue()


def _themes(store: Store) -> list[str]:
    raw = request.args.get("theme", "")[:MAX_QUERY]
    themes, _ = clean_themes([t.strip().lower() for t in raw.split(",") if t.strip()], store.theme_ids)
    return themes


def register(app: Dash, store: Store, views: Views, data_dir: Path) -> None:
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
                files = dict(store.tables.files)
                if not files:  # tables loaded without their bytes (a test double): read the folder
                    files = {p.name: p.read_bytes() for p in sorted(store.tables.path.iterdir()) if p.is_file()}
                built["zip"] = tables_zip(files)
            return built["zip"]

    @server.route(TABLES_ZIP)
    def _tables_zip():
        return Response(
            _tables(),
            mimetype="application/zip",
            headers={"Content-Disposition": "attachment; filename=send-survey-tables.zip"},
        )

    @server.route(CHARTS_ZIP)
    def _charts_zip():
        fmt = request.args.get("format", "png")
        if fmt not in export.FORMATS:
            return jsonify(error="bad request", message="format must be png or svg"), 400
        with export.admit() as ticket:  # a full queue is a 503 before any work (ExportError -> export.install)
            themes = _themes(store)
            intervals = request.args.get("intervals", "") in ("on", "1", "true")
            view = views.get(tuple(themes), intervals)
            charts = [(c.spec.filename, c.figure) for c in view.charts if c.figure is not None]
            if not charts:
                return jsonify(error="not found", message="No chart is in view to export."), 404
            data = export.zip_cached(charts, fmt, ticket=ticket)
        name = "send-survey-charts" + ("-" + "-".join(themes) if themes else "") + f"-{fmt}.zip"
        return Response(
            data,
            mimetype="application/zip",
            headers={
                "Content-Disposition": f'attachment; filename="{name}"',
                "X-Export-Charts": str(len(charts)),
                "Cache-Control": "no-store",
            },
        )
