"""Response headers that keep the page safe on the public internet.

The Content-Security-Policy allows scripts only from this origin plus the exact inline scripts Dash
writes into the page (their hashes come from ``app.csp_hashes()``), so no injected script can run.
Plotly sets inline styles on SVG elements, so styles keep 'unsafe-inline'; that allows no script.
``FRAME_ANCESTORS`` (environment) lists the sites allowed to frame the dashboard; by default none. Only an embed
page of a known chart (`/embed/<slug>`, answered 200 or 304) may be framed by any site. A path no route serves is
a 404 (Dash would answer it with its page).

Request guards: a callback request (``POST /_dash-update-component``) is refused with a 400 saying why unless
it is small (``MAX_BODY``), shallow (``MAX_DEPTH``), strict JSON, and names one of the app's server callbacks
with exactly the outputs, inputs and state that callback declares (``app.callback_map``, read through
``dashboard.wire``): every id one the app declares, a pattern-matching id's wildcard values of the types the
app's layout gives them (``app.validation_layout``). Nothing here names a particular callback, and nothing
mirrors the renderer beyond those names. An unexpected error is logged in one line (type, message, file:line)
and answered with a 500 that shows nothing of the server.
"""

from __future__ import annotations

import logging
import math
import os
import re
import traceback
from dataclasses import dataclass
from pathlib import Path

import orjson
from dash import Dash

from dashboard import wire

EMBED_PAGE = re.compile(r"/embed/[^/]+")  # an embed page; framable by any site only when it is found (200, 304)
FRAMABLE_STATUS = (200, 304)


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
        embed = bool(EMBED_PAGE.fullmatch(request.path)) and response.status_code in FRAMABLE_STATUS
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
CALLBACK_PATH = wire.CALLBACK_PATH
BODY_KEYS = frozenset({"output", "outputs", "inputs", "state", "changedPropIds", "parsedChangedPropsIds"})
ITEM_KEYS = frozenset({"id", "property", "value"})  # an input or state item; outputs carry no value
ID_VALUE_TYPES = (str, int, float, bool)  # what a wildcard key of a pattern-matching id may hold

log = logging.getLogger("dashboard.requests")


class BadRequest(ValueError):
    """Why a callback request is not one the app declares (the reason is safe to show: no paths, no values)."""


# The ids the app declares. -----------------------------------------------------------------------------
# Each server callback of ``app.callback_map`` names its outputs, inputs and state (``wire.dependencies_of``);
# a pattern-matching id names its fixed keys, and the type of each wildcard key is read from the components
# of ``app.validation_layout`` (else ``app.layout``) with that id: where the layout's ids of a pattern hold
# strings for ``slug``, a request whose id has ``"slug": 7`` or ``"slug": true`` is refused.


@dataclass(frozen=True)
class _Callback:
    outputs: tuple[wire.Dependency, ...]
    several: bool  # outputs sent as a list, one entry per output
    inputs: tuple[wire.Dependency, ...]
    state: tuple[wire.Dependency, ...]


@dataclass(frozen=True)
class Declared:
    """The server callbacks of an app, and the types of the wildcard keys of each pattern-matching id."""

    callbacks: dict[str, _Callback]
    key_types: dict[tuple, frozenset[type]]  # (pattern, wildcard key) -> the types the layout's ids hold


def _pattern(ident: dict) -> tuple:
    """A pattern-matching id's signature: its keys, and the values of the keys that are not wildcards."""
    return tuple(sorted((k, None if v in wire.WILDCARDS else repr(v)) for k, v in ident.items()))


def _layout_ids(app: Dash) -> list[dict]:
    """The pattern-matching ids of the components of the app's validation layout (else its layout)."""
    layout = app.validation_layout or app.layout
    if callable(layout):
        layout = layout()
    tree = orjson.loads(orjson.dumps(layout, default=lambda c: c.to_plotly_json()))
    return [ident for ident, _, _ in wire.components(tree) if isinstance(ident, dict)]


def declared(app: Dash) -> Declared:
    """What ``app`` declares (read once its callbacks are all registered; rebuilt if callbacks are added).
    Raises ValueError if a pattern-matching id of a callback matches no component of the layouts, so that
    the types of its wildcard keys are unknown: give the app a ``validation_layout`` holding one."""
    cached = getattr(app, "_declared_ids", None)
    if cached is not None and cached[0] == len(app.callback_map):
        return cached[1]
    callbacks = {}
    for output, entry in app.callback_map.items():
        if "callback" in entry:  # clientside callbacks run in the browser: nothing to call on the server
            callbacks[output] = _Callback(*wire.dependencies_of(output, entry))
    patterns = {
        _pattern(d.id): d.wildcards
        for cb in callbacks.values()
        for d in (*cb.outputs, *cb.inputs, *cb.state)
        if d.wildcards
    }
    seen: dict[tuple, set[type]] = {}
    for ident in _layout_ids(app):
        for pattern, keys in patterns.items():
            fixed = dict(pattern)
            if ident.keys() == fixed.keys() and all(v is None or repr(ident[k]) == v for k, v in fixed.items()):
                for key in keys:
                    if isinstance(ident[key], ID_VALUE_TYPES):
                        seen.setdefault((pattern, key), set()).add(type(ident[key]))
    key_types = {k: frozenset(v) for k, v in seen.items()}
    for pattern, keys in patterns.items():
        for key in keys:
            if (pattern, key) not in key_types:
                raise ValueError(
                    f"no component of app.validation_layout has an id of the pattern {dict(pattern)}: add one "
                    "(dashboard/app.py, validation_layout) so the request guard knows its wildcard keys' types"
                )
    result = Declared(callbacks, key_types)
    app._declared_ids = (len(app.callback_map), result)
    return result


def _id_matches(given: object, want: str | dict, key_types: dict) -> bool:
    if isinstance(want, str) or not isinstance(given, dict):
        return given == want and type(given) is type(want)
    if given.keys() != want.keys():
        return False
    pattern = _pattern(want)
    for key, spec in want.items():
        value = given[key]
        if spec in wire.WILDCARDS:
            types = key_types.get((pattern, key), frozenset())
            if type(value) not in types or (isinstance(value, float) and not math.isfinite(value)):
                return False
        elif value != spec or type(value) is not type(spec):
            return False
    return True


def _item(item: object, dep: wire.Dependency, where: str, allowed: frozenset, key_types: dict) -> str:
    """Check one concrete dependency against the declared one; return its name (as in changedPropIds)."""
    allowed = allowed | {"allow_optional"} if dep.optional else allowed
    if not isinstance(item, dict) or not {"id", "property"} <= item.keys() or not item.keys() <= allowed:
        raise BadRequest(f"{where}: each entry must be an object with keys {sorted(allowed)}")
    if item["property"] != dep.property or not _id_matches(item["id"], dep.id, key_types):
        raise BadRequest(f"{where}: an id or property the callback does not declare")
    return wire.prop_id(item["id"], item["property"])


def _entry(entry: object, dep: wire.Dependency, where: str, allowed: frozenset, key_types: dict) -> list[str]:
    """One declared dependency's entry: a list of items for ALL/ALLSMALLER, else one item."""
    if dep.multi:
        if not isinstance(entry, list):
            raise BadRequest(f"{where}: must be a list (a wildcard dependency)")
        return [_item(item, dep, where, allowed, key_types) for item in entry]
    return [_item(entry, dep, where, allowed, key_types)]


def _entries(given: object, deps: tuple, name: str, allowed: frozenset, key_types: dict) -> list[str]:
    if not isinstance(given, list) or len(given) != len(deps):
        raise BadRequest(f"'{name}' must be a list of {len(deps)} entries, one per declared {name}")
    names = []
    for i, (entry, dep) in enumerate(zip(given, deps)):
        names += _entry(entry, dep, f"'{name}'[{i}]", allowed, key_types)
    return names


def check_callback_body(app: Dash, body: object) -> None:
    """Raise BadRequest unless ``body`` calls one of ``app``'s server callbacks with exactly the outputs,
    inputs and state it declares, every id one the app declares (pattern-matching ids with wildcard values of
    the declared types), and changed properties among its inputs."""
    if not isinstance(body, dict):
        raise BadRequest("the body must be a JSON object")
    if not body.keys() <= BODY_KEYS:
        raise BadRequest(f"unexpected keys; a callback request has only {sorted(BODY_KEYS)}")
    known = declared(app)
    output = body.get("output")
    callback = known.callbacks.get(output) if isinstance(output, str) else None
    if callback is None:
        clientside = isinstance(output, str) and output in app.callback_map
        raise BadRequest("not a server callback" if clientside else "unknown callback output")
    types, out_keys = known.key_types, frozenset({"id", "property"})
    if not callback.outputs:
        if body.get("outputs", []) != []:
            raise BadRequest("'outputs' must be absent: the callback has no output")
    elif "outputs" not in body:
        raise BadRequest("'outputs' is missing")
    elif callback.several:
        _entries(body["outputs"], callback.outputs, "outputs", out_keys, types)
    else:
        _entry(body["outputs"], callback.outputs[0], "'outputs'", out_keys, types)
    if "inputs" not in body:
        raise BadRequest("'inputs' is missing")
    inputs = _entries(body["inputs"], callback.inputs, "inputs", ITEM_KEYS, types)
    if callback.state or "state" in body:
        _entries(body.get("state"), callback.state, "state", ITEM_KEYS, types)
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) and c in inputs for c in changed):
        raise BadRequest("'changedPropIds' must name inputs of the request")
    if len(set(changed)) != len(changed):
        raise BadRequest("'changedPropIds' must name each input once")
    if "parsedChangedPropsIds" in body and body["parsedChangedPropsIds"] != [wire.parsed_prop_id(c) for c in changed]:
        raise BadRequest("'parsedChangedPropsIds' must match 'changedPropIds'")


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
    from dash.exceptions import DependencyException, InvalidCallbackReturnValue
    from flask import jsonify, request
    from werkzeug.exceptions import HTTPException

    server = app.server
    declared(app)  # fails now, not on a request, if a pattern-matching id's key types cannot be read
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

    catch_all = app.config.routes_pathname_prefix + "<path:path>"
    favicon = app.config.routes_pathname_prefix + "_favicon.ico"

    @server.route("/favicon.ico")
    def _favicon():
        # Browsers ask for /favicon.ico on pages that name no icon (the chart pages, the embeds); Dash serves the
        # icon at /_favicon.ico. Before unknown paths were 404, Dash's catch-all answered this with its page.
        return server.view_functions[favicon]()

    @server.before_request
    def _unknown_path():
        # Dash answers any path with its page (for multi-page apps); this app has one page, at "/": a path no
        # route serves is a 404, not the dashboard with a 200 (/download/nope, /embed/x/y, /embed/).
        if request.url_rule is not None and request.url_rule.rule == catch_all:
            return jsonify(error="not found"), 404
        return None

    @server.errorhandler(DependencyException)
    def _unknown_dependency(_exc):
        return jsonify(error="not found"), 404

    @server.errorhandler(InvalidCallbackReturnValue)
    def _outputs_do_not_fit(exc: InvalidCallbackReturnValue):
        # A pattern-matching (ALL) callback answers as many values as the request's inputs match, into as many
        # outputs as the request lists: the guard checks each list's shape, not that two lists of one request
        # agree, so a body listing 0 outputs for 3 inputs reaches Dash, which refuses the answer. The request
        # is at fault, not the server (found by the fuzz test): a 400, logged.
        if request.path != CALLBACK_PATH:
            return _internal_error(exc)
        log.warning("400 on %s: the outputs listed do not fit the callback's answer (%s)", request.path, exc)
        return jsonify(error="bad request", message="The outputs listed do not fit the inputs sent."), 400

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
