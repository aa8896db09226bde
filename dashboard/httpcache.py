"""HTTP caching that a CDN or a caching proxy can trust: a strong ``ETag`` and a ``Cache-Control`` on every read.

The dashboard is read-only between builds: a read's answer depends only on the data build, the code (the
"release": this package's files) and the request's path and query. So its validator is computed from exactly
those, before any work is done:

    ETag: "<sha256(release, build id, path, sorted query)[:32]>"           (":gzip" / ":br" when compressed)

and a request whose ``If-None-Match`` names it is answered ``304 Not Modified`` without rendering anything. A
new build or a new release changes every ETag, so nothing stale can be revalidated as fresh.

How long a cache may keep an answer (``POLICIES``): a browser ``max-age`` of a minute, a shared cache
(``s-maxage``) ten minutes, after which it revalidates (a cheap 304 while the build is the same); so after
``make data`` every reader sees the new build within ten minutes without any purge, and a purge of everything
makes it immediate. Addresses that change with their content (``/assets/...?m=<mtime>``, Dash's fingerprinted
component suites, ``?v=``) are ``immutable`` for a year. Callbacks (POST), ``/healthz`` and any answer that sets
a cookie are ``no-store``; errors are never kept long (4xx a minute, 5xx not at all).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

from flask import Flask, Response, request

PACKAGE = Path(__file__).parent

# Cache-Control by kind of answer.
READ = "public, max-age=60, s-maxage=600, stale-while-revalidate=3600, stale-if-error=86400"
IMMUTABLE = "public, max-age=31536000, immutable"
CLIENT_ERROR = "public, max-age=60"
NO_STORE = "no-store"

READ_EXACT = frozenset({"/", "/_dash-layout", "/_dash-dependencies"})
READ_PREFIXES = ("/chart/", "/embed/", "/download/", "/export/")
VERSIONED_PREFIXES = ("/_dash-component-suites/",)  # Dash puts the package version and mtime in the path
VERSION_PARAMS = ("m", "v")  # an asset address carrying its modification time or version changes with it
NEVER_CACHED = frozenset({"/healthz"})


def release_id(root: Path = PACKAGE) -> str:
    """A digest of this package's files (code, templates, assets) and their modification times: every page embeds
    asset addresses with their mtimes, so a changed mtime is a changed page."""
    digest = hashlib.sha256()
    for path in sorted(p for p in root.rglob("*") if p.is_file() and "__pycache__" not in p.parts):
        stat = path.stat()
        digest.update(f"{path.relative_to(root)}\0{stat.st_size}\0{int(stat.st_mtime)}\0".encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def kind_of(method: str, path: str, args) -> str:
    """``read``, ``immutable``, ``no-store`` or ``other`` (left as the route says) for a request."""
    if method not in ("GET", "HEAD") or path in NEVER_CACHED:
        return "no-store"
    if path.startswith(VERSIONED_PREFIXES) or (
        (path.startswith("/assets/") or path == "/_favicon.ico") and any(args.get(p) for p in VERSION_PARAMS)
    ):
        return "immutable"
    if path in READ_EXACT or path.startswith(READ_PREFIXES):
        return "read"
    return "other"


def etag_of(release: str, build: str, path: str, args) -> str:
    """The strong validator of a read: the release, the build, the path and the query with its pairs sorted."""
    query = "&".join(f"{k}={v}" for k, v in sorted(args.items(multi=True)))
    return hashlib.sha256(f"{release}\0{build}\0{path}\0{query}".encode()).hexdigest()[:32]


def matching_tag(header: str | None, etag: str) -> str | None:
    """The tag of an ``If-None-Match`` header that names this read (as sent, with any ``:gzip`` suffix that
    flask-compress added to the representation), or None. Compared weakly, as RFC 9110 says for If-None-Match."""
    for raw in (header or "").split(","):
        tag = raw.strip().removeprefix("W/").strip('"')
        if tag == etag or tag.split(":", 1)[0] == etag:
            return tag
    return None


def cache_control(kind: str, status: int, has_build: bool, sets_cookie: bool) -> str | None:
    """The Cache-Control of an answer (None: leave the route's own)."""
    if kind == "other":
        return None
    if kind == "no-store" or sets_cookie or status >= 500 or (kind == "read" and not has_build):
        return NO_STORE
    if status >= 400:
        return CLIENT_ERROR
    return IMMUTABLE if kind == "immutable" else READ


def install_http_caching(app: Flask, build_id: Callable[[], str | None], release: str | None = None) -> None:
    """Add validators and Cache-Control to ``app``'s answers. ``build_id()`` names the build being served (None:
    no data is served, so nothing may be kept). Register after flask-compress, so that it runs before it and
    compression can mark a compressed representation's ETag."""
    release = release or release_id()

    def current() -> tuple[str, str | None]:
        build = build_id()
        if build is None or kind_of(request.method, request.path, request.args) != "read":
            return "", None
        return build, etag_of(release, build, request.path, request.args)

    @app.before_request
    def _not_modified():
        _, etag = current()
        tag = matching_tag(request.headers.get("If-None-Match"), etag) if etag else None
        if tag is None:
            return None
        response = Response(status=304)
        response.set_etag(tag)
        return response

    @app.after_request
    def _cache_headers(response: Response) -> Response:
        build, etag = current()
        kind = kind_of(request.method, request.path, request.args)
        control = cache_control(kind, response.status_code, bool(build), "Set-Cookie" in response.headers)
        if control is not None:
            response.headers["Cache-Control"] = control
        if control == READ and response.status_code == 200:
            response.set_etag(etag)
        return response
