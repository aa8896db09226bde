"""What a serving process imports (issue 18): the dashboard serves from the rows of records.json, read with the json
module, so a worker that has answered the landing page, a chart page, its embed and CSV, and the theme-filter and
quotations callbacks has imported neither pandas nor pyarrow (140 MB and 1 s together, measured), nor what only an
export or a briefing pack needs (kaleido, python-pptx, reportlab).

numpy is imported, by orjson, on the first callback answer: Dash serialises every answer with plotly's
``to_json_plotly``, which calls ``orjson.dumps`` with ``OPT_SERIALIZE_NUMPY`` on a tree of Dash components, and
orjson loads numpy's types on meeting a type it does not know. 19 MB and 75 ms (measured); the bare Dash app's
workers import it too. Only the first answer after start-up may import it, so this test does not forbid it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NEVER = ("pandas", "pyarrow", "kaleido", "choreographer", "pptx", "reportlab", "pypdf", "cairosvg")

PROBE = """
import json, sys
from dashboard.data import load_store
from dashboard.wire import callback_body
from dashboard.wsgi import server

store = load_store()
survey = store.survey(store.default_survey)
chart = survey.charts[-1].slug
client = server.test_client()
answers = [client.get(path).status_code for path in ("/", f"/chart/{chart}", f"/embed/{chart}", f"/chart/{chart}.csv")]
deps = client.get("/_dash-dependencies").get_json()
themes = {"theme-filter.value": list(survey.theme_ids[:2])}
state = {**themes, "survey.data": survey.id}
for output, values in (
    ("page.children", {"survey.data": survey.id}),
    ("overview-chart.children", {"show-intervals.value": ["on"]}),
    ("quote-list.children", {**themes, "quote-stance.value": ["concern"], "quote-search.value": "the"}),
):
    body = callback_body(deps, output, values, {**state, "url.search": "?theme=funding"})
    answers.append(client.post("/_dash-update-component", json=body).status_code)
print(json.dumps({"answers": answers, "imported": [m for m in NEVER if m in sys.modules]}))
"""


def test_serving_imports_neither_pandas_nor_pyarrow(data_dir):
    """In a fresh process: the WSGI app, then the landing page, a chart page, its embed and CSV, and a theme click's
    callbacks, all answered 200, and none of the modules of NEVER imported."""
    env = {**os.environ, "SEND_DATA_DIR": str(data_dir)}
    env.pop("SEND_DATA_BUILD", None)
    code = f"NEVER = {NEVER!r}\n{PROBE}"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["answers"] == [200] * 7, out
    assert out["imported"] == [], out
