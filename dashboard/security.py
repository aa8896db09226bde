"""Response headers that keep the page safe on the public internet.

The Content-Security-Policy allows scripts only from this origin plus the exact inline scripts Dash
writes into the page (their hashes come from ``app.csp_hashes()``), so no injected script can run.
Plotly sets inline styles on SVG elements, so styles keep 'unsafe-inline'; that allows no script.
``FRAME_ANCESTORS`` (environment) lists the sites allowed to embed the dashboard; by default none.

Request guards: a callback request (``POST /_dash-update-component``) is parsed with a depth limit and
checked against ``app.callback_map`` before Dash sees it: exactly the keys and shapes Dash 4's renderer
sends for that callback (string and pattern-matching ids, ALL/MATCH/ALLSMALLER wildcards), or a 400
saying what is wrong. Nothing here names a particular callback. An unexpected error is logged in one
line (type, message, file:line) and answered with a 500 that shows nothing of the server.
"""

from __future__ import annotations

import json
import logging
import math
import os
import traceback
from dataclasses import dataclass
from pathlib import Path

import orjson
from dash import Dash

EMBED_PREFIX = "/embed/"  # the routes any site may frame


def content_security_policy(app: Dash, embed: bool = False) -> str:
    """The CSP header value for this app's pages; an embed route may be framed by any site."""
    hashes = " ".join(app.csp_hashes())  # already quoted: 'sha256-...'
    frame_ancestors = "*" if embed else (os.environ.get("FRAME_ANCESTORS", "").strip() or "'none'")
    return "; ".join(
        [
            "default-src 'self'",
            f"script-src 'self' {hashes}",
            "style-src 'self' 'unsafe-inline'",
            "img-src 'self' data: blob:",
            "font-src 'self' data:",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'self'",
            "form-action 'self'",
            f"frame-ancestors {frame_ancestors}",
        ]
    )


def install_security(app: Dash) -> None:
    """Add the security headers to every response of ``app``'s Flask server, and the request guards."""
    install_request_guards(app)
    server = app.server
    state: dict[str, str] = {}

    @server.after_request
    def _headers(response):
        from flask import request

        if "csp" not in state:  # the inline scripts are known only once the app is fully set up
            state["csp"] = content_security_policy(app)
            state["embed"] = content_security_policy(app, embed=True)
        embed = request.path.startswith(EMBED_PREFIX)
        response.headers["Content-Security-Policy"] = state["embed" if embed else "csp"]
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "strict-origin-when-cross-origin"
        if not embed:  # an embed may be framed anywhere; everything else only as frame-ancestors says
            response.headers["X-Frame-Options"] = "DENY" if "'none'" in state["csp"] else "SAMEORIGIN"
        response.headers["Cross-Origin-Opener-Policy"] = "same-origin"
        response.headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        return response


MAX_BODY = 256 * 1024  # bytes; a real callback request here is under 2 KB
MAX_DEPTH = 100  # nesting of a callback body (a component tree in a State is ~3 levels per component)
CALLBACK_PATH = "/_dash-update-component"
BODY_KEYS = frozenset({"output", "outputs", "inputs", "state", "changedPropIds", "parsedChangedPropsIds"})
ITEM_KEYS = frozenset({"id", "property", "value"})  # an input or state item; outputs carry no value
OPTIONAL_KEYS = frozenset({"allow_optional"})  # sent with an optional dependency that is not on the page
WILDCARDS = ("ALL", "MATCH", "ALLSMALLER")
MULTI = ("ALL", "ALLSMALLER")  # wildcards whose dependency is a list of items

log = logging.getLogger("dashboard.requests")


class BadRequest(ValueError):
    """Why a callback request is not one Dash sends (the reason is safe to show: no paths, no values)."""


# The shapes Dash sends. ----------------------------------------------------------------------------------
# Mirrors dash-renderer: a dependency is {"id": id, "property": prop}; an id is a string, or a dict whose
# wildcard values are ["ALL"], ["MATCH"] or ["ALLSMALLER"] in the callback map. ALL and ALLSMALLER give a
# list of items (possibly empty), anything else one item. "outputs" is the list of every output's entry
# for a multi-output callback ("..a.b...c.d.."), else the one entry itself; a callback with no output has
# no "outputs" at all.


@dataclass(frozen=True)
class _Dep:
    id: str | dict  # a string id, or a dict id with wildcard values as ("ALL",) etc.
    property: str
    optional: bool = False

    @property
    def multi(self) -> bool:
        return isinstance(self.id, dict) and any(v in MULTI for v in self.id.values() if isinstance(v, str))


@dataclass(frozen=True)
class _Spec:
    outputs: tuple[_Dep, ...]
    multi_output: bool
    no_output: bool
    inputs: tuple[_Dep, ...]
    state: tuple[_Dep, ...]


def _parse_id(text: str) -> str | dict:
    if not text.startswith("{"):
        return text
    raw = json.loads(text)
    return {k: (v[0] if isinstance(v, list) and len(v) == 1 and v[0] in WILDCARDS else v) for k, v in raw.items()}


def _dep(entry: dict) -> _Dep:
    return _Dep(_parse_id(entry["id"]), entry["property"], bool(entry.get("allow_optional")))


def _split(id_and_prop: str) -> _Dep:
    dot = id_and_prop.rfind(".")
    return _Dep(_parse_id(id_and_prop[:dot]), id_and_prop[dot + 1 :])


def _spec(output: str, entry: dict) -> _Spec:
    """The request shape of one callback of the callback map (as the renderer derives it)."""
    no_output = bool(entry.get("no_output"))
    multi_output = output.startswith("..")
    if no_output:
        outputs: tuple[_Dep, ...] = ()
    elif multi_output:
        outputs = tuple(_split(part) for part in output[2:-2].split("..."))
    else:
        outputs = (_split(output),)
    return _Spec(
        outputs=outputs,
        multi_output=multi_output,
        no_output=no_output,
        inputs=tuple(_dep(i) for i in entry.get("inputs", [])),
        state=tuple(_dep(s) for s in entry.get("state", [])),
    )


def _scalar_id_value(value: object) -> bool:
    return isinstance(value, (str, bool, int)) or (isinstance(value, float) and math.isfinite(value))


def _same_id(given: object, want: str | dict) -> bool:
    if isinstance(want, str):
        return given == want
    if not isinstance(given, dict) or given.keys() != want.keys():
        return False
    for key, spec in want.items():
        value = given[key]
        if spec in WILDCARDS:
            if not _scalar_id_value(value):
                return False
        elif value != spec or type(value) is not type(spec):
            return False
    return True


def _item(item: object, dep: _Dep, where: str, allowed: frozenset) -> tuple:
    """Check one concrete dependency; return its (id, property) as a hashable key."""
    if not isinstance(item, dict):
        raise BadRequest(f"{where}: each entry must be an object")
    keys = allowed | OPTIONAL_KEYS if dep.optional else allowed
    if not {"id", "property"} <= item.keys() or not item.keys() <= keys:
        raise BadRequest(f"{where}: keys must be {sorted(keys)}")
    if item["property"] != dep.property or not _same_id(item["id"], dep.id):
        raise BadRequest(f"{where}: does not match the callback")
    ident = item["id"]
    return (json.dumps(ident, sort_keys=True) if isinstance(ident, dict) else ident), item["property"]


def _entry(entry: object, dep: _Dep, where: str, allowed: frozenset) -> list[tuple]:
    """Check the entry of one dependency (a list of items for ALL/ALLSMALLER, else one item)."""
    if dep.multi:
        if not isinstance(entry, list):
            raise BadRequest(f"{where}: must be a list (a wildcard dependency)")
        return [_item(item, dep, where, allowed) for item in entry]
    return [_item(entry, dep, where, allowed)]


def _deps(given: object, deps: tuple[_Dep, ...], name: str, allowed: frozenset) -> list[tuple]:
    if not isinstance(given, list) or len(given) != len(deps):
        raise BadRequest(f"'{name}' must be a list of {len(deps)} entries, one per {name[:-1] or name}")
    keys = []
    for i, (entry, dep) in enumerate(zip(given, deps)):
        keys += _entry(entry, dep, f"'{name}'[{i}]", allowed)
    return keys


def _changed_key(text: str) -> tuple | None:
    """("id", "prop") of a changedPropIds entry, ids of pattern-matching dependencies as canonical JSON."""
    if text.startswith("{"):
        end = text.rfind("}")
        if end < 0 or text[end + 1 : end + 2] != ".":
            return None
        try:
            ident = json.loads(text[: end + 1])
        except ValueError:
            return None
        return (json.dumps(ident, sort_keys=True) if isinstance(ident, dict) else None), text[end + 2 :]
    ident, dot, prop = text.partition(".")
    return (ident, prop) if dot else None


def check_callback_body(app: Dash, body: object) -> None:
    """Raise BadRequest unless ``body`` has exactly the keys and shapes Dash's renderer sends for one of
    ``app``'s server callbacks (any callback in ``app.callback_map``, pattern-matching ones included)."""
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    if not body.keys() <= BODY_KEYS:
        raise BadRequest(f"unexpected keys; a callback request has only {sorted(BODY_KEYS)}")
    output = body.get("output")
    entry = app.callback_map.get(output) if isinstance(output, str) else None
    if entry is None:
        raise BadRequest("unknown callback output")
    if "callback" not in entry:  # a clientside callback: it runs in the browser, the server has nothing to call
        raise BadRequest("not a server callback")
    spec = _specs(app).get(output) or _spec(output, entry)
    if spec.no_output:
        if body.get("outputs", []) != []:
            raise BadRequest("'outputs' must be absent: the callback has no output")
    elif "outputs" not in body:
        raise BadRequest("'outputs' is missing")
    elif spec.multi_output:
        _deps(body["outputs"], spec.outputs, "outputs", frozenset({"id", "property"}))
    else:
        _entry(body["outputs"], spec.outputs[0], "'outputs'", frozenset({"id", "property"}))
    if "inputs" not in body:
        raise BadRequest("'inputs' is missing")
    inputs = set(_deps(body["inputs"], spec.inputs, "inputs", ITEM_KEYS))
    if spec.state or "state" in body:
        _deps(body.get("state"), spec.state, "state", ITEM_KEYS)
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or len(changed) > max(len(inputs), 1):
        raise BadRequest("'changedPropIds' must be a list of the callback's inputs")
    keys = [_changed_key(c) if isinstance(c, str) else None for c in changed]
    if any(k is None or k not in inputs for k in keys) or len(set(keys)) != len(keys):
        raise BadRequest("'changedPropIds' must name inputs of the request, each once")
    if "parsedChangedPropsIds" in body:
        parsed = body["parsedChangedPropsIds"]
        if not isinstance(parsed, list) or len(parsed) != len(changed):
            raise BadRequest("'parsedChangedPropsIds' must match 'changedPropIds'")
        for text, key, value in zip(changed, keys, parsed):
            ok = (
                value == text
                if not text.startswith("{")
                else isinstance(value, dict) and json.dumps(value, sort_keys=True) == key[0]
            )
            if not ok:
                raise BadRequest("'parsedChangedPropsIds' must match 'changedPropIds'")


def _specs(app: Dash) -> dict[str, _Spec]:
    """The parsed shape of every callback of ``app``, rebuilt when callbacks are added."""
    cached = getattr(app, "_request_specs", None)
    if cached is None or cached[0] != len(app.callback_map):
        specs = {}
        for output, entry in app.callback_map.items():
            try:
                specs[output] = _spec(output, entry)
            except (ValueError, KeyError, TypeError, IndexError):
                continue  # parsed per request instead (and refused if it cannot be)
        cached = (len(app.callback_map), specs)
        app._request_specs = cached
    return cached[1]


def depth_exceeds(value: object, limit: int = MAX_DEPTH) -> bool:
    """True if ``value`` nests lists/dicts more than ``limit`` deep (iterative: no recursion of its own)."""
    stack = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, (dict, list)))
    return False


def parse_callback_body(raw: bytes) -> object:
    """The JSON of a callback request, refusing what Dash's renderer never sends: invalid JSON, NaN or
    Infinity, unpaired surrogates (orjson rejects them) and nesting deeper than ``MAX_DEPTH``."""
    try:
        body = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        reason = "nested too deeply" if "depth" in str(exc) or "recursion" in str(exc) else "not valid JSON (UTF-8)"
        raise BadRequest(f"the body is {reason}") from None
    if depth_exceeds(body):
        raise BadRequest(f"the body is nested more than {MAX_DEPTH} levels deep")
    return body


def _where(exc: BaseException) -> str:
    """file:line of the innermost frame of ``exc`` (file name only), for a one-line log."""
    frames = traceback.extract_tb(exc.__traceback__) if exc.__traceback__ else []
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"


def install_request_guards(app: Dash) -> None:
    """Answer malformed requests with a 4xx before Dash sees them, and never show a traceback; log every
    server error in one line."""
    from dash.exceptions import DependencyException
    from flask import jsonify, request
    from werkzeug.exceptions import HTTPException

    server = app.server
    server.config["MAX_CONTENT_LENGTH"] = MAX_BODY
    server.config["PROPAGATE_EXCEPTIONS"] = False

    @server.before_request
    def _check_callback():
        if request.path != CALLBACK_PATH or request.method != "POST":
            return None
        try:
            if not request.is_json:
                raise BadRequest("the body must be JSON (Content-Type: application/json)")
            body = parse_callback_body(request.get_data(cache=True))
            check_callback_body(app, body)
        except BadRequest as exc:
            log.debug("400 on %s: %s", request.path, exc)
            return jsonify(error="bad request", reason=str(exc)), 400
        if hasattr(request, "_cached_json"):  # Dash reads the body again: give it what was checked
            request._cached_json = (body, body)
        return None

    @server.errorhandler(DependencyException)
    def _unknown_dependency(_exc):
        return jsonify(error="not found"), 404

    @server.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return jsonify(error=exc.name.lower()), exc.code

    @server.errorhandler(Exception)
    def _internal_error(exc: Exception):
        log.error(
            "500 on %s %s: %s: %s (at %s)",
            request.method,
            request.path,
            type(exc).__name__,
            str(exc).splitlines()[0][:300] if str(exc) else "",
            _where(exc),
        )
        return jsonify(error="internal error"), 500
