"""Server-side chart export timings, run by the benchmark in a fresh process each time:

``python -m benchmarks.export_probe [--warm-reps N]`` imports ``dashboard.export``, loads the data and
builds every chart of the catalogue (``dashboard.views.all_charts``: no theme filter, the export frame),
then times

* ``zip_charts(every chart, "png")`` from before the kaleido browser is started (the first export
  a fresh server process does, browser start included), then
* ``render(one chart, "png")`` ``N`` times after one more warm-up render (the chart whose figure JSON is
  largest, so the slowest single chart).

Prints one JSON line: {"zip_s", "charts", "names", "zip_bytes", "warm_ms": [...], "warm_chart"}.
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.export_probe")
    parser.add_argument("--warm-reps", type=int, default=5)
    args = parser.parse_args(argv)

    from dashboard import export
    from dashboard.data import load_store
    from dashboard.views import all_charts

    charts = all_charts(load_store())
    out: dict = {"charts": len(charts), "names": [name for name, _ in charts]}
    try:
        t = time.perf_counter()
        data = export.zip_charts(charts, "png")
        out["zip_s"] = time.perf_counter() - t
        out["zip_bytes"] = len(data)
        if args.warm_reps > 0:
            name, fig = max(charts, key=lambda c: len(json.dumps(c[1], default=str)))
            out["warm_chart"] = name
            export.render(fig, "png")  # warm-up
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
