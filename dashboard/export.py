"""Server-side chart export with kaleido (PNG and SVG), and `python -m dashboard.export` (`make figures`).

Kaleido 1.x drives a real Chromium. One browser is kept running (``kaleido.start_sync_server``) so each
chart costs a fraction of a second instead of a browser start.
"""

from __future__ import annotations

import argparse
import io
import os
import shutil
import sys
import tempfile
import threading
import zipfile
from pathlib import Path

import plotly.graph_objects as go

EXPORT_WIDTH = 1100
SCALE = 2
TABS = 2
PLOTLYJS = Path(__file__).parent / "assets" / "vendor" / "plotly-basic-4.1.1.min.js"
CHROMIUM_HELP = (
    "Exporting charts on the server needs Chromium, which is not installed here. On Debian or Ubuntu run "
    "`apt-get install chromium` (or set BROWSER_PATH to a Chrome/Chromium binary). Each chart's own camera "
    "button still downloads a PNG from your browser."
)

_lock = threading.Lock()
_server_started = False


class ExportUnavailable(RuntimeError):
    """No browser for kaleido to render with."""


def chromium_path() -> str | None:
    """The browser kaleido will use, or None."""
    explicit = os.environ.get("BROWSER_PATH")
    if explicit:
        return explicit if Path(explicit).exists() else None
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def _ensure_server() -> None:
    global _server_started
    if _server_started:
        return
    if chromium_path() is None:
        raise ExportUnavailable(CHROMIUM_HELP)
    import kaleido

    # Two tabs render in parallel; each loads the vendored plotly.js "basic" bundle (a quarter of the full one)
    # and reloads it after every chart, so a smaller bundle is a faster chart.
    kaleido.start_sync_server(n=TABS, plotlyjs=str(PLOTLYJS), mathjax=False, silence_warnings=True)
    _server_started = True


def _opts(fig: go.Figure | dict, fmt: str, width: int, scale: float) -> tuple[dict, dict]:
    spec = fig.to_plotly_json() if isinstance(fig, go.Figure) else fig
    height = int(spec.get("layout", {}).get("height") or 500)
    return spec, dict(format=fmt, width=width, height=height, scale=scale)


def render(fig: go.Figure | dict, fmt: str = "png", width: int = EXPORT_WIDTH, scale: float = SCALE) -> bytes:
    """One chart as PNG or SVG bytes, at ``width`` layout pixels times ``scale``."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"unsupported format {fmt!r}")
    import kaleido

    with _lock:
        _ensure_server()
        spec, opts = _opts(fig, fmt, width, scale)
        return kaleido.calc_fig_sync(spec, opts=opts)


def render_many(charts: list[tuple[str, go.Figure | dict]], fmt: str, out_dir: Path) -> list[Path]:
    """Write every (filename, figure) as ``out_dir/<filename>.<fmt>``, rendering in parallel tabs."""
    if fmt not in ("png", "svg"):
        raise ValueError(f"unsupported format {fmt!r}")
    import kaleido

    paths = [out_dir / f"{name}.{fmt}" for name, _ in charts]
    jobs = []
    for path, (_, fig) in zip(paths, charts):
        spec, opts = _opts(fig, fmt, EXPORT_WIDTH, SCALE)
        jobs.append({"fig": spec, "path": str(path), "opts": opts})
    with _lock:
        _ensure_server()
        kaleido.write_fig_from_object_sync(jobs)
    missing = [p.name for p in paths if not p.exists()]
    if missing:
        raise RuntimeError(f"kaleido did not write: {', '.join(missing)}")
    return paths


def zip_charts(charts: list[tuple[str, go.Figure | dict]], fmt: str = "png") -> bytes:
    """A zip of ``<filename>.<fmt>`` for every (filename, figure)."""
    buf = io.BytesIO()
    with tempfile.TemporaryDirectory(prefix="send-charts-") as tmp:
        paths = render_many(charts, fmt, Path(tmp))
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in paths:
                zf.write(path, path.name)
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Write every chart of the full dashboard (all themes) to a folder."""
    from dashboard.data import load_store
    from dashboard.views import all_charts

    parser = argparse.ArgumentParser(prog="python -m dashboard.export", description=main.__doc__)
    parser.add_argument("--out", type=Path, default=Path("figures"))
    parser.add_argument("--format", choices=["png", "svg", "both"], default="png")
    args = parser.parse_args(argv)
    try:
        store = load_store()
    except Exception as exc:  # DataError: say what to run
        print(f"error: {exc}\nRun `make data` first.", file=sys.stderr)
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    formats = ["png", "svg"] if args.format == "both" else [args.format]
    try:
        for fmt in formats:
            for path in render_many(all_charts(store), fmt, args.out):
                print(f"wrote {path}")
    except ExportUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
