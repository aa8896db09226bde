"""The floor the dashboard is measured against: a bare Dash app with one dropdown and one small bar chart.

``python -m benchmarks.baseline_app`` serves it on HOST:PORT (default 127.0.0.1:8051), debug off;
``gunicorn benchmarks.baseline_app:server`` serves it under a WSGI server.
"""

from __future__ import annotations

import os

import plotly.graph_objects as go
from dash import Dash, Input, Output, dcc, html

OPTIONS = ["alpha", "beta", "gamma", "delta", "epsilon"]
CATEGORIES = ["A", "B", "C", "D", "E"]
GRAPH = "graph"
DROPDOWN = "choice"


def figure(choice: object) -> go.Figure:
    """Five bars whose heights depend on the option chosen."""
    k = OPTIONS.index(choice) + 1 if choice in OPTIONS else 0
    return go.Figure(
        go.Bar(x=CATEGORIES, y=[(i + 1) * (k + 1) % 7 + 1 for i in range(5)]), layout={"title": {"text": str(choice)}}
    )


app = Dash(__name__, compress=True)
app.layout = html.Div(
    [
        html.H1("Baseline"),
        dcc.Dropdown(
            id=DROPDOWN, options=[{"label": o, "value": o} for o in OPTIONS], value=OPTIONS[0], clearable=False
        ),
        dcc.Graph(id=GRAPH),
    ]
)


@app.callback(Output(GRAPH, "figure"), Input(DROPDOWN, "value"))
def update(choice):
    return figure(choice)


server = app.server
# plotly imports numpy lazily, in the middle of a request, and meanwhile checks `sys.modules` for it in other
# threads: under threaded gunicorn workers (gthread, as in production) a callback could then see numpy
# half-imported ("partially initialized module 'numpy'", a 500). A WSGI server's import therefore imports it,
# and builds a first figure. (`python -m benchmarks.baseline_app`, which the cold start times, does neither:
# its first request is the page, so its cold start is timed as before.)
if __name__ != "__main__":
    import numpy  # noqa: F401

    figure(OPTIONS[0]).to_json()


def main() -> None:
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8051"))
    print(f"baseline on http://{host}:{port}/", flush=True)
    app.run(host=host, port=port, debug=False)


if __name__ == "__main__":
    main()
