"""The export browser's memory over many renders: ``python -m benchmarks.export_memory [--renders 1000]``.

Renders every chart of the catalogue (the export frame, PNG) again and again, uncached, in batches of one
catalogue, through one ``dashboard.export.Exporter``, and records the memory (PSS) of the kaleido
browser's processes after each batch: with the recycling bounds as served (``renderer.RECYCLE_RENDERS``,
``RECYCLE_BYTES``), and with ``--no-recycle`` without them (as before issue 17). Prints one JSON line.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

MB = 1024 * 1024


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.export_memory")
    parser.add_argument("--renders", type=int, default=1000)
    parser.add_argument("--no-recycle", action="store_true", help="never recycle the browser (the old behaviour)")
    args = parser.parse_args(argv)

    from dashboard.data import load_store
    from dashboard.export import UNCACHED_TIME_LIMIT, Exporter
    from dashboard.renderer import Renderer
    from dashboard.views import all_charts

    charts = [fig for _, fig in all_charts(load_store())]
    renderer = Renderer(recycle_renders=10**9, recycle_bytes=0) if args.no_recycle else Renderer()
    exporter = Exporter(cache_dir=None, renderer=renderer)
    samples, done, start = [], 0, time.monotonic()
    try:
        while done < args.renders:
            batch = charts[: args.renders - done]
            exporter.render_batch(batch, "png", cached=False, time_limit=UNCACHED_TIME_LIMIT)
            done += len(batch)
            samples.append(round(renderer.memory_bytes() / MB))
            print(f"{done} renders, browser {renderer.starts}, {samples[-1]} MB", file=sys.stderr, flush=True)
    finally:
        exporter.stop()
    print(
        json.dumps(
            {
                "renders": done,
                "recycle": not args.no_recycle,
                "recycle_renders": renderer.recycle_renders if not args.no_recycle else None,
                "recycle_mb": renderer.recycle_bytes // MB if not args.no_recycle else None,
                "browser_starts": renderer.starts,
                "rss_mb_first": samples[0],
                "rss_mb_max": max(samples),
                "rss_mb_last": samples[-1],
                "seconds": round(time.monotonic() - start, 1),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
