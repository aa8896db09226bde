"""The landing page's theme filter in the browser (``assets/filter.js``, run under node) against the server's
page for the same selection (``callbacks.render_page`` with ``?theme=``): for every survey of the real and the
fixture data and many selections, the script must hide exactly the parts the server hides, write the same
links, and say the same "Showing…" line, filter words, and overview question, key and footer; and cut the
quotations' and context cards' lists as the server does (first few, or all), with the same count and button words.
The two cannot drift apart without this failing."""

from __future__ import annotations

import itertools
import json
import random
import shutil
import subprocess
from pathlib import Path

import pytest

from dashboard import callbacks, filtering, ids, landing
from dashboard.views import Views

ROOT = Path(__file__).resolve().parents[2]
SCRIPTS = [ROOT / "dashboard" / "assets" / name for name in ("dashboard.js", "filter.js")]

# Runs the scripts as the page does (they only need ``window``) on every case of the file given.
NODE = r"""
const fs = require("fs"), vm = require("vm");
const args = process.argv.slice(-3);
const ctx = vm.createContext({ window: {}, URLSearchParams: URLSearchParams });
for (const script of args.slice(0, 2)) vm.runInContext(fs.readFileSync(script, "utf8"), ctx);
const send = ctx.window.dash_clientside.send, filter = ctx.window.dash_clientside.send_filter;
const c = JSON.parse(fs.readFileSync(args[2], "utf8"));
const out = c.selections.map((selected) => {
  const s = filter._state(c.model, filter._known(c.model, selected));
  const shown = c.marked.map((themes) => filter._shows(themes.split(" ").filter(Boolean), selected));
  const q = send.query(c.survey, c.surveys, selected);
  const lists = {};
  for (const [name, all] of [["quotes", false], ["quotes", true], ["context", false], ["context", true]]) {
    const words = c.model.lists[name], known = filter._known(c.model, selected);
    const items = c.items[name].map((themes) => themes.split(" ").filter(Boolean));
    const r = filter._listStates(items, known, all ? null : words.limit);
    const said = filter._listWords(words, r.n, all);
    lists[name + (all ? " all" : "")] = {
      states: r.states.map((x) => (x.inView ? (x.over ? "over" : "shown") : "hidden")),
      count: said.count, more: said.more, button: r.n > words.limit,
    };
  }
  return { ...s, shown, lists, links: c.links.map((slug) => "/chart/" + slug + q) };
});
process.stdout.write(JSON.stringify(out));
"""


def _walk(node):
    if isinstance(node, (list, tuple)):
        for n in node:
            yield from _walk(n)
    elif hasattr(node, "to_plotly_json"):
        yield node
        yield from _walk(getattr(node, "source", getattr(node, "children", None)))  # RawHtml: its components


def _props(component) -> dict:
    return component.to_plotly_json()["props"]


def server_side(store, views: Views, survey, selected: list[str]) -> dict:
    """What the server's page for ``selected`` shows, in the terms the script's outputs use."""
    search = "?theme=" + ",".join(selected) if selected else ""
    tree = callbacks.render_page(store, views, survey.id, f"?survey={survey.id}&" + search.lstrip("?"))
    parts = list(_walk(tree))
    by_id = {c.id: c for c in parts if isinstance(getattr(c, "id", None), str)}
    marked = [c for c in parts if filtering.ATTRIBUTE in _props(c)]
    links = [c for c in parts if filtering.LINK_ATTRIBUTE in _props(c)]
    return {
        "summary": by_id[ids.SELECTION_SUMMARY].children,
        "filterState": by_id[ids.FILTER_STATE].children,
        "question": by_id[ids.OVERVIEW_QUESTION].children,
        "key": landing._plain(by_id[ids.OVERVIEW_KEY].children),
        "footer": landing._plain(by_id[ids.OVERVIEW_FOOTER].children),
        "shown": [filtering.HIDDEN_CLASS not in (c.className or "").split() for c in marked],
        "links": [c.href for c in links],
        "_marked": [_props(c)[filtering.ATTRIBUTE] for c in marked],
        "_slugs": [_props(c)[filtering.LINK_ATTRIBUTE] for c in links],
    }


def _list_state(component) -> str:
    classes = set((component.className or "").split())
    return (
        "hidden" if filtering.HIDDEN_CLASS in classes else "over" if filtering.OVER_LIMIT_CLASS in classes else "shown"
    )


def server_lists(store, survey, selected: list[str]) -> dict:
    """The quotations' and context cards' lists the server writes for ``selected``, first few and all: each item's
    state, the count line, the button's words and whether it shows; and each item's themes."""
    out = {}
    for all_ in (False, True):
        quotes = callbacks.update_quotes(store, selected, [], "", int(all_), survey.id)
        context = callbacks.update_context(store, selected, int(all_), survey.id)
        for name, written, count, more, style in (
            ("quotes", quotes["quotes"], quotes["count"], quotes["more"], quotes["more_style"]),
            ("context", context["context"], "", context["context_more"], context["context_more_style"]),
        ):
            items = [c for c in _walk(written[0].source) if filtering.ATTRIBUTE in _props(c)]
            out[name + (" all" if all_ else "")] = {
                "states": [_list_state(c) for c in items],
                "count": count,
                "more": more,
                "button": style == callbacks.SHOWN,
                "_themes": [_props(c)[filtering.ATTRIBUTE] for c in items],
            }
    return out


def selections(theme_ids: tuple[str, ...]) -> list[list[str]]:
    """None, every theme alone, every pair, every theme, and 25 other sets (seeded): 2^n in all for a few themes."""
    if len(theme_ids) <= 5:
        return [list(c) for k in range(len(theme_ids) + 1) for c in itertools.combinations(theme_ids, k)]
    rng = random.Random(20261205)
    out = [[]] + [[t] for t in theme_ids] + [list(p) for p in itertools.combinations(theme_ids, 2)]
    out += [[t for t in theme_ids if rng.random() < 0.4] for _ in range(25)] + [list(theme_ids)]
    return out


@pytest.fixture(scope="module")
def both_views(both_store):
    return Views(both_store)


@pytest.mark.parametrize("survey_id", ["isos-2026", "fictional-schools-2026", "fictional-temperature-check-2026"])
def test_the_script_filters_as_the_server_renders(both_store, both_views, survey_id, tmp_path):
    node = shutil.which("node")
    assert node, "node is needed to run the landing page's filter script (Debian: apt-get install nodejs)"
    survey = both_store.surveys[survey_id]
    cases = selections(survey.theme_ids)
    expected = [server_side(both_store, both_views, survey, sel) for sel in cases]
    first = expected[0]
    assert all(e["_marked"] == first["_marked"] and e["_slugs"] == first["_slugs"] for e in expected)
    lists = [server_lists(both_store, survey, sel) for sel in cases]
    for e, listed in zip(expected, lists):
        e["lists"] = {name: {k: v for k, v in x.items() if k != "_themes"} for name, x in listed.items()}
    data = {
        "model": landing.filter_model(both_store, both_views, survey),
        "marked": first["_marked"],
        "links": first["_slugs"],
        "items": {name: lists[0][name]["_themes"] for name in ("quotes", "context")},
        "selections": cases,
        "survey": survey.id,
        "surveys": {"ids": list(both_store.surveys), "default": both_store.default_survey},
    }
    (tmp_path / "cases.json").write_text(json.dumps(data), encoding="utf-8")
    done = subprocess.run(
        [node, "-e", NODE, *map(str, SCRIPTS), str(tmp_path / "cases.json")],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    got = json.loads(done.stdout)
    assert len(got) == len(cases)
    for selected, mine, theirs in zip(cases, got, expected):
        for field in ("summary", "filterState", "question", "key", "footer", "shown", "links", "lists"):
            assert mine[field] == theirs[field], (selected, field)
    assert any(not all(e["shown"]) for e in expected)  # some selection hides something
    if survey.id == "isos-2026":  # lists long enough to be cut, and cut differently by theme
        assert {x["states"].count("over") for e in expected for x in e["lists"].values()} > {0}
