"""Time to the first byte of a 5-chart briefing pack (dashboard/briefing.py), PPTX and PDF, cold and cached.

    python -m benchmarks.briefing [--data data] [--repeat 5] [--json]

Serves the app on 127.0.0.1 (a free port) with a fresh, temporary export cache, and asks over HTTP:
- "first": the very first pack, the export browser not yet started (what the first reader after a restart waits);
- "cold": a pack not made before, the browser running, the export cache emptied (charts rendered, the file
  composed), twice: the first of each format also loads its libraries;
- "cached": the same address again, read from the pack cache (no queue place, no rendering): median of --repeat.
`make bench` runs it (``--json``: one line of JSON, the last of its output) and reports the cold and cached first
bytes against their targets (3 s, 100 ms). Needs Chromium for kaleido.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def first_byte(port: int, path: str) -> tuple[float, float, int, str]:
    """(seconds to the first byte of the body, seconds to the last, status, X-Briefing-Cache)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=180)
    start = time.perf_counter()
    conn.request("GET", path)
    response = conn.getresponse()
    response.read(1)
    ttfb = time.perf_counter() - start
    response.read()
    total = time.perf_counter() - start
    conn.close()
    return ttfb, total, response.status, response.getheader("X-Briefing-Cache") or ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=ROOT / "data")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true", help="also print the rows as one line of JSON, last")
    args = parser.parse_args(argv)

    import os

    from werkzeug.serving import make_server

    cache = tempfile.mkdtemp(prefix="briefing-bench-")
    os.environ["EXPORT_CACHE_DIR"] = cache
    from dashboard import export
    from dashboard.app import create_app
    from dashboard.briefing import pack_cache

    app = create_app(args.data)
    from dashboard.data import load_store

    store = load_store(args.data)
    survey = store.survey(store.default_survey)
    store_charts = [c.slug for c in survey.charts][:5]
    server = make_server("127.0.0.1", 0, app.server, threaded=True)
    port = server.server_port
    threading.Thread(target=server.serve_forever, daemon=True).start()

    def path(fmt: str, title: str) -> str:
        return f"/briefing.{fmt}?" + urlencode({"charts": ",".join(store_charts), "title": title})

    rows = []
    try:
        ttfb, total, status, hit = first_byte(port, path("pptx", "First"))
        rows.append(("pptx", "first (browser start)", ttfb, total, status, hit))
        for fmt in ("pptx", "pdf"):
            for n, what in enumerate(("cold (first of its format)", "cold (again)")):
                for c in (export.exporter().cache, pack_cache()):  # nothing cached: neither the images nor the packs
                    c.clear()
                ttfb, total, status, hit = first_byte(port, path(fmt, "Cold" * (2 - n)))
                rows.append((fmt, what, ttfb, total, status, hit))
            times = [first_byte(port, path(fmt, "Cold")) for _ in range(args.repeat)]
            rows.append(
                (
                    fmt,
                    f"cached (median of {args.repeat})",
                    statistics.median(t[0] for t in times),
                    statistics.median(t[1] for t in times),
                    times[-1][2],
                    times[-1][3],
                )
            )
    finally:
        server.shutdown()
        export.stop()
        shutil.rmtree(cache, ignore_errors=True)
    print(f"5-chart briefing pack ({', '.join(store_charts)}), 127.0.0.1, one process")
    print(f"{'format':7} {'request':28} {'first byte':>11} {'last byte':>10} status cache")
    for fmt, what, ttfb, total, status, hit in rows:
        print(f"{fmt:7} {what:28} {ttfb * 1000:9.0f}ms {total * 1000:8.0f}ms {status:6} {hit}")
    if args.json:
        keys = ("format", "request", "first_byte_s", "last_byte_s", "status", "cache")
        print(json.dumps({"charts": store_charts, "rows": [dict(zip(keys, r, strict=True)) for r in rows]}))
    return 0 if all(r[4] == 200 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
