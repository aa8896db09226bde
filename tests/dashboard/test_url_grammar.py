"""The address grammar (``dashboard/selection.py``) and its mirror in the landing page's script
(``assets/dashboard.js``, run under node), on the same cases (``tests/fixtures/url-grammar.json``): a case
either side gets wrong fails here, so the two cannot drift apart."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from dashboard import selection, wording
from dashboard.selection import Selection

ROOT = Path(__file__).resolve().parents[2]
CASES = json.loads((ROOT / "tests" / "fixtures" / "url-grammar.json").read_text(encoding="utf-8"))
SCRIPT = ROOT / "dashboard" / "assets" / "dashboard.js"
KNOWN, SURVEYS = CASES["known"], CASES["surveys"]
READ, WRITE, NOTICE = CASES["read"], CASES["write"], CASES["notice"]

# Runs the script as the page does (it only needs ``window``) and applies its helpers to every case.
NODE = r"""
const fs = require("fs"), vm = require("vm");
const [script, file] = process.argv.slice(-2);
const ctx = vm.createContext({ window: {}, URLSearchParams: URLSearchParams });
vm.runInContext(fs.readFileSync(script, "utf8"), ctx);
const send = ctx.window.dash_clientside.send;
const c = JSON.parse(fs.readFileSync(file, "utf8"));
const read = c.read.map((k) => {
  const s = send._readSelection(k.search);
  const [themes, unknown] = send._clean(s.themes, c.known);
  const [survey, unknownSurvey] = send._surveyOf(k.search, c.surveys);
  return { themes, unknown, survey, unknown_survey: unknownSurvey, intervals: s.intervals, tab: s.tab };
});
const write = c.write.map((k) => send._query(k.survey, c.surveys, k.themes, k.intervals || false, k.tab || "chart"));
const notice = c.notice.map((k) => send._notice(k.unknown, null)[0] || "");
process.stdout.write(JSON.stringify({ read, write, notice }));
"""


def expected(case: dict) -> dict:
    defaults = {"themes": [], "unknown": [], "survey": SURVEYS["default"], "unknown_survey": None}
    return {**defaults, "intervals": False, "tab": "chart", **case["expect"]}


def python_read(search: object) -> dict:
    asked = selection.from_search(search)
    themes, unknown = asked.themes_in(KNOWN)
    survey, unknown_survey = asked.survey_in(SURVEYS["ids"], SURVEYS["default"])
    return {
        "themes": themes,
        "unknown": unknown,
        "survey": survey,
        "unknown_survey": unknown_survey,
        "intervals": asked.intervals,
        "tab": asked.tab,
    }


def python_write(case: dict) -> str:
    state = Selection(case["survey"], tuple(case["themes"]), case.get("intervals", False), case.get("tab", "chart"))
    return selection.query(state, SURVEYS["default"])


@pytest.fixture(scope="module")
def js() -> dict:
    node = shutil.which("node")
    assert node, "node is needed to run the browser script's grammar (Debian: apt-get install nodejs)"
    done = subprocess.run(
        [node, "-e", NODE, str(SCRIPT), str(ROOT / "tests" / "fixtures" / "url-grammar.json")],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    return json.loads(done.stdout)


def _id(case: dict) -> str:
    return json.dumps(case.get("search", case.get("query")))[:60]


@pytest.mark.parametrize("case", READ, ids=_id)
def test_python_reads(case):
    assert python_read(case["search"]) == expected(case)


@pytest.mark.parametrize("i", range(len(READ)), ids=[_id(c) for c in READ])
def test_script_reads(js, i):
    assert js["read"][i] == expected(READ[i])


@pytest.mark.parametrize("case", WRITE, ids=_id)
def test_python_writes(case):
    assert python_write(case) == case["query"]


@pytest.mark.parametrize("i", range(len(WRITE)), ids=[_id(c) for c in WRITE])
def test_script_writes(js, i):
    assert js["write"][i] == WRITE[i]["query"]


@pytest.mark.parametrize("case", WRITE, ids=_id)
def test_what_is_written_reads_back(case):
    """A query string the builder writes names the selection it was built from."""
    asked = selection.from_search(python_write(case))
    assert (asked.survey or SURVEYS["default"]) == (case["survey"] or SURVEYS["default"])
    assert list(asked.themes) == [t.lower() for t in case["themes"]]
    assert asked.intervals == case.get("intervals", False) and asked.tab == case.get("tab", "chart")


@pytest.mark.parametrize("i", range(len(NOTICE)))
def test_notice(js, i):
    case = NOTICE[i]
    assert wording.unknown_themes_notice(case["unknown"]) == case["notice"]
    assert js["notice"][i] == case["notice"]


def test_flask_args_read_as_the_query_string():
    """The chart routes read Flask's ``request.args``, the landing page a query string: the same selection."""
    from flask import Flask, request

    app = Flask(__name__)
    for case in READ:
        if isinstance(case["search"], str):
            text = case["search"][1:] if case["search"].startswith("?") else case["search"]
            with app.test_request_context("/", query_string=text):
                assert selection.parse(request.args) == selection.from_search(case["search"]), case["search"]
