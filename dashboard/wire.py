"""The Dash callback wire format, written once: how a callback's dependencies are named, and the JSON body the
browser posts to ``/_dash-update-component``.

The request guard (``dashboard.security``) reads the app's callback map through ``dependencies_of``; the tests
(``tests/factory.py``) and the benchmarks (``benchmarks/common.py``) build request bodies with ``callback_body``,
byte for byte what Dash 4's renderer sends (so a body made here hits the same response-cache entry as the
browser's).

A dependency is named ``"<id>.<property>"``, where ``<id>`` is a plain string or, for a pattern-matching id,
its JSON with sorted keys and each wildcard as a one-element list (``{"slug":["ALL"],"type":"chart-card"}``);
a callback with several outputs is named ``"..<dep>...<dep>.."``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

CALLBACK_PATH = "/_dash-update-component"
WILDCARDS = ("ALL", "MATCH", "ALLSMALLER")
MULTI = ("ALL", "ALLSMALLER")  # wildcards whose dependency is sent as a list of items


@dataclass(frozen=True)
class Dependency:
    """One declared dependency: its id (a string, or a dict whose wildcard values are "ALL" etc.) and prop."""

    id: str | dict
    property: str
    optional: bool = False  # declared with allow_optional: the renderer then sends "allow_optional" with it

    @property
    def wildcards(self) -> tuple[str, ...]:
        """The keys of a pattern-matching id whose values are wildcards."""
        return tuple(k for k, v in self.id.items() if v in WILDCARDS) if isinstance(self.id, dict) else ()

    @property
    def multi(self) -> bool:
        """Sent as a list of items (one per matching component), not as one item."""
        return isinstance(self.id, dict) and any(v in MULTI for v in self.id.values())


def parse_id(text: str) -> str | dict:
    """A declared id as Dash names it: a plain string, or a pattern-matching id with ``["ALL"]`` as ``"ALL"``."""
    if not text.startswith("{"):
        return text
    raw = json.loads(text)
    return {k: (v[0] if isinstance(v, list) and len(v) == 1 and v[0] in WILDCARDS else v) for k, v in raw.items()}


def split_dependency(name: str) -> Dependency:
    """'id.prop' or '{"slug":["ALL"],"type":"chart-card"}.style' -> Dependency (an ``@hash`` suffix that Dash
    adds for allow_duplicate stays part of the property, as Dash expects it back)."""
    if name.startswith("{"):
        end = name.rindex("}")
        return Dependency(parse_id(name[: end + 1]), name[end + 2 :])
    ident, _, prop = name.rpartition(".")
    return Dependency(parse_id(ident), prop)


def output_names(output: str) -> list[str]:
    """The dependency names of a callback's output string ("..a.b...c.d.." for several outputs)."""
    return output[2:-2].split("...") if output.startswith("..") else [output]


def dependencies_of(output: str, entry: dict) -> tuple[tuple[Dependency, ...], bool, tuple, tuple]:
    """(outputs, several outputs?, inputs, state) of one entry of ``app.callback_map``; no outputs for a
    callback declared without one."""
    if entry.get("no_output"):
        outputs: tuple[Dependency, ...] = ()
    else:
        outputs = tuple(split_dependency(n) for n in output_names(output))

    def deps(key: str) -> tuple[Dependency, ...]:
        return tuple(
            Dependency(parse_id(d["id"]), d["property"], bool(d.get("allow_optional"))) for d in entry.get(key, [])
        )

    return outputs, output.startswith(".."), deps("inputs"), deps("state")


def prop_id(ident: str | dict, prop: str) -> str:
    """A changed property's name as the renderer sends it in ``changedPropIds``."""
    if isinstance(ident, dict):
        return json.dumps(ident, sort_keys=True, separators=(",", ":"), ensure_ascii=False) + "." + prop
    return f"{ident}.{prop}"


def parsed_prop_id(changed: str) -> Any:
    """A ``changedPropIds`` entry as ``parsedChangedPropsIds`` holds it: a pattern-matching id as its dict."""
    if changed.startswith("{") and "}." in changed:
        return json.loads(changed[: changed.rindex("}") + 1])
    return changed


def find_dep(deps: list[dict], output: str) -> dict:
    """The one callback of ``/_dash-dependencies`` whose output string contains ``output``."""
    found = [d for d in deps if output in d.get("output", "")]
    if len(found) != 1:
        raise LookupError(f"{len(found)} callbacks with an output containing {output!r}")
    return found[0]


def callback_body(
    deps: list[dict],
    output: str,
    inputs: dict[str, Any] | None = None,
    state: dict[str, Any] | None = None,
    changed: list[str] | None = None,
    expand: dict[str, list[Any]] | None = None,
) -> dict:
    """The JSON body the browser posts for the callback whose output mentions ``output``.

    ``deps`` is ``/_dash-dependencies``; ``inputs`` and ``state`` map "id.prop" to a value (unnamed ones are sent
    without a value, as on first load); ``expand`` maps a pattern-matching type to the values of the wildcard
    key (e.g. the slugs) its ALL stands for on the page; ``changed`` defaults to the first input. As the
    renderer: ``parsedChangedPropsIds`` beside ``changedPropIds``, and no ``state`` key without state.
    """
    inputs, state, expand = inputs or {}, state or {}, expand or {}
    dep = find_dep(deps, output)
    outputs: list = []
    for name in output_names(dep["output"]):
        d = split_dependency(name)
        if isinstance(d.id, dict):
            fixed = {k: v for k, v in d.id.items() if k not in d.wildcards}
            [key] = d.wildcards
            items = [{"id": {**fixed, key: v}, "property": d.property} for v in expand.get(d.id.get("type"), [])]
            outputs.append(items if d.multi else items[0])
        else:
            outputs.append({"id": d.id, "property": d.property})

    def values(items: list[dict], given: dict) -> list[dict]:
        out = []
        for item in items:
            key = f"{item['id']}.{item['property']}"
            out.append({**item, "value": given[key]} if key in given else dict(item))
        return out

    first = dep["inputs"][0]
    changed = list(changed) if changed is not None else [f"{first['id']}.{first['property']}"]
    body = {
        "output": dep["output"],
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": values(dep["inputs"], inputs),
        "changedPropIds": changed,
        "parsedChangedPropsIds": [parsed_prop_id(c) for c in changed],
    }
    if dep.get("state"):
        body["state"] = values(dep["state"], state)
    return body


def components(tree: Any) -> list[tuple[Any, str, dict]]:
    """(id, component type, props) of every component with an id (string or pattern-matching) in a tree of
    Dash components as JSON (``/_dash-layout``, or a callback's ``children``), in document order."""
    found = []
    stack = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, list):
            stack.extend(reversed(node))
        elif isinstance(node, dict):
            props = node.get("props")
            if isinstance(props, dict) and "type" in node:
                if isinstance(props.get("id"), (str, dict)):
                    found.append((props["id"], node["type"], props))
                stack.extend(reversed([v for v in props.values() if isinstance(v, (list, dict))]))
    return found
