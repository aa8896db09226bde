"""Server-side chart export timings, run by the benchmark in a fresh process each time:

``python -m benchmarks.export_probe [--warm-reps N] [--old] [--tabs N]`` imports ``dashboard.export``, loads the
data and builds every chart of the catalogue (``dashboard.views.all_charts``: no theme filter, the export
frame), then times

* ``zip_charts(every chart, "png")`` from before the kaleido browser is started (the first export
  a fresh server process does, browser start included; ``start_s`` is the part until the browser has its
  first tab loaded), then
* ``render(one chart, "png")`` ``N`` times after one more warm-up render (the chart whose figure JSON is
  largest, so the slowest single chart), one after the other.

``--old`` renders the way the exporter did before issue 18, in the same code otherwise: kaleido's own
``calc_fig`` (its tab's page reloaded after every chart, in the export's time; its tabs opened one after the
other) and the browser's memory read from /proc before every export. ``--tabs``: tabs per browser (default
``dashboard.renderer.TABS``).

Prints one JSON line: {"mode", "tabs", "zip_s", "start_s", "charts", "names", "zip_bytes", "warm_ms": [...],
"warm_chart", "png_size"}.
"""

from __future__ import annotations

import argparse
import json
import struct
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.export_probe")
    parser.add_argument("--warm-reps", type=int, default=5)
    parser.add_argument("--old", action="store_true", help="kaleido's tab cycle and a memory read per export")
    parser.add_argument("--tabs", type=int, default=None)
    args = parser.parse_args(argv)

    from dashboard import export, renderer
    from dashboard.data import load_store
    from dashboard.views import all_charts

    tabs = args.tabs or renderer.TABS
    r = renderer.Renderer(tabs=tabs, reuse_tabs=not args.old)
    export._default = export.Exporter(cache_dir=None, renderer=r)  # this process's exporter, uncached anyway
    started: list[float] = []
    start = r._start

    def timed_start(timeout: float):
        t = time.perf_counter()
        try:
            return start(timeout)
        finally:
            started.append(time.perf_counter() - t)

    r._start = timed_start
    if args.old:  # before issue 18 the recycling check read the browser's memory before every export
        render = r.render

        def render_reading_memory(jobs, deadline):
            if r._browser is not None and r._browser.renders:
                r.memory_bytes()
            return render(jobs, deadline)

        r.render = render_reading_memory

    charts = all_charts(load_store())
    out: dict = {"mode": "old" if args.old else "new", "tabs": tabs, "charts": len(charts)}
    out["names"] = [name for name, _ in charts]
    try:
        t = time.perf_counter()
        data = export.zip_charts(charts, "png")
        out["zip_s"] = time.perf_counter() - t
        out["start_s"] = started[0] if started else None
        out["zip_bytes"] = len(data)
        if args.warm_reps > 0:
            name, fig = max(charts, key=lambda c: len(json.dumps(c[1], default=str)))
            out["warm_chart"] = name
            png = export.render(fig, "png")  # warm-up
            out["png_size"] = list(struct.unpack(">II", png[16:24]))
            warm = []
            for _ in range(args.warm_reps):
                t = time.perf_counter()
                export.render(fig, "png")
                warm.append((time.perf_counter() - t) * 1000)
            out["warm_ms"] = warm
    finally:
        export.stop()
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
