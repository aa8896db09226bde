"""Response headers that keep the page safe on the public internet.

The Content-Security-Policy allows scripts only from this origin plus the exact inline scripts Dash
writes into the page (their hashes come from ``app.csp_hashes()``), so no injected script can run.
Plotly sets inline styles on SVG elements, so styles keep 'unsafe-inline'; that allows no script.
``FRAME_ANCESTORS`` (environment) lists the sites allowed to embed the dashboard; by default none.
"""

from __future__ import annotations

import os

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
CALLBACK_PATH = "/_dash-update-component"


def _bad_callback_request(app: Dash, body: object) -> str | None:
    """Why a callback request does not match any callback of ``app`` (None when it does)."""
    if not isinstance(body, dict):
        return "the body must be a JSON object"
    output = body.get("output")
    if not isinstance(output, str) or output not in app.callback_map:
        return "unknown callback output"
    spec = app.callback_map[output]
    if "callback" not in spec:  # a clientside callback: it runs in the browser, the server has nothing to call
        return "not a server callback"
    for key in ("inputs", "state"):
        given = body.get(key, [])
        expected = spec.get(key, [])
        if not isinstance(given, list) or len(given) != len(expected):
            return f"'{key}' does not match the callback"
        for item, want in zip(given, expected):
            if not isinstance(item, dict) or item.get("id") != want["id"] or item.get("property") != want["property"]:
                return f"'{key}' does not match the callback"
    if not isinstance(body.get("outputs"), (list, dict)):
        return "'outputs' is missing"
    changed = body.get("changedPropIds", [])
    if not isinstance(changed, list) or not all(isinstance(c, str) for c in changed):
        return "'changedPropIds' must be a list of strings"
    return None


def install_request_guards(app: Dash) -> None:
    """Answer malformed requests with a 4xx before Dash sees them, and never show a traceback."""
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
        body = request.get_json(silent=True)
        reason = _bad_callback_request(app, body)
        if reason:
            return jsonify(error="bad request", reason=reason), 400
        return None

    @server.errorhandler(DependencyException)
    def _unknown_dependency(_exc):
        return jsonify(error="not found"), 404

    @server.errorhandler(HTTPException)
    def _http_error(exc: HTTPException):
        return jsonify(error=exc.name.lower()), exc.code

    @server.errorhandler(Exception)
    def _internal_error(exc: Exception):
        server.logger.exception("unhandled error on %s %s", request.method, request.path)
        return jsonify(error="internal error"), 500
