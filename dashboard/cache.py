"""A WSGI middleware that answers repeated callback requests from memory.

The data is read-only while serving, so a callback's response depends only on its request body (and
on the encoding the client accepts). For the callbacks named at construction, the first
successful response to each distinct request is kept, already serialised and compressed, in a bounded
LRU; a repeat is answered without entering Flask or Dash. Requests are validated by Flask on the way
in (``security.install_request_guards``), so only responses to valid requests are ever stored.
"""

from __future__ import annotations

import io
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterable

import orjson

CALLBACK_PATH = "/_dash-update-component"
MAX_CACHED_BODY = 64 * 1024  # requests larger than this are never cached (real ones are < 2 KB)


class CallbackCache:
    """Wraps a WSGI app; caches 200 responses of the callbacks whose output string is in ``outputs``."""

    def __init__(self, app: Callable, outputs: Iterable[str], size: int = 512):
        self.app = app
        self.outputs = frozenset(outputs)
        self.size = size
        self._entries: OrderedDict[tuple, tuple[str, list, bytes]] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def _key(self, environ: dict) -> tuple | None:
        if environ.get("REQUEST_METHOD") != "POST" or environ.get("PATH_INFO") != CALLBACK_PATH:
            return None
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return None
        if not 0 < length <= MAX_CACHED_BODY:
            return None
        if not environ.get("CONTENT_TYPE", "").startswith("application/json"):
            return None  # Flask would not parse it as JSON: let the guard answer it
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # let the app read it again
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(data, dict) or data.get("output") not in self.outputs:
            return None
        try:  # the whole request, so a hit is only ever a request identical to one that was answered 200
            canonical = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
        except TypeError:
            return None
        return data["output"], canonical, environ.get("HTTP_ACCEPT_ENCODING", "")[:200]

    def __call__(self, environ: dict, start_response: Callable):
        key = self._key(environ)
        if key is None:
            return self.app(environ, start_response)
        with self._lock:
            hit = self._entries.get(key)
            if hit is not None:
                self._entries.move_to_end(key)
                self.hits += 1
        if hit is not None:
            status, headers, body = hit
            start_response(status, list(headers))
            return [body]
        self.misses += 1
        captured: dict = {}

        def _start(status, headers, exc_info=None):
            captured["status"], captured["headers"] = status, headers
            return start_response(status, headers, exc_info)

        result = self.app(environ, _start)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        if captured.get("status", "").startswith("200"):
            with self._lock:
                self._entries[key] = (captured["status"], list(captured["headers"]), body)
                while len(self._entries) > self.size:
                    self._entries.popitem(last=False)
        return [body]
