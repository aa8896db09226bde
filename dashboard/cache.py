"""Bounded caches: a generic LRU with a ceiling in bytes as well as entries, and a WSGI middleware answering
repeated callback requests from memory.

``BoundedLRU`` is what every in-process cache of the dashboard uses (the views' figures and views, and the
callback responses below): each entry's size is measured when it is stored, exactly, because what is stored
is bytes or lists of rows: a figure as its serialised JSON (its length), a view's lists of rows as Python counts
them (``rows_bytes``), a response as its body. The least recently used entries are dropped while the total is
over ``max_bytes`` or the count over ``max_entries``; an entry larger than a quarter of the budget is not
stored at all.

``CallbackCache``: the data is read-only while serving, so a callback's response depends only on its
request body (and on the encoding the client accepts). For the callbacks named at construction, the first
successful response to each distinct request is kept, already serialised and compressed; a repeat is
answered without entering Flask or Dash. Requests are validated by Flask on the way in
(``security.install_request_guards``), so only responses to valid requests are ever stored: a body with
extra keys, or any other shape Dash does not send, is a 400 and never becomes an entry. The key is the
whole request (canonical JSON) and the whole ``Accept-Encoding`` header, normalised.
"""

from __future__ import annotations

import io
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable
from typing import Any

import orjson

from dashboard.wire import CALLBACK_PATH

MAX_CACHED_BODY = 64 * 1024  # requests larger than this are never cached (real ones are < 2 KB)
MAX_ENCODING_HEADER = 256  # an Accept-Encoding header longer than this is not cached (browsers send ~25 chars)
RESPONSE_CACHE_BYTES = 16 * 1024 * 1024
RESPONSE_CACHE_ENTRIES = 2048

_MISSING = object()


def rows_bytes(*lists: list) -> int:
    """The memory of lists of rows as Python counts it (``sys.getsizeof``: each list's header and one pointer per
    row), for a cache of selections. The rows themselves are the Store's, loaded once and shared by every list
    that holds them, so a cached list adds only itself."""
    return sum(sys.getsizeof(rows) for rows in lists)


class BoundedLRU:
    """A thread-safe LRU bounded by ``max_entries`` and by ``max_bytes`` (each value's size from ``sizeof``)."""

    def __init__(self, max_entries: int, max_bytes: int, sizeof: Callable[[Any], int]):
        self.max_entries = max_entries
        self.max_bytes = max_bytes
        self.sizeof = sizeof
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self.nbytes = 0
        self.hits = 0
        self.misses = 0

    def lookup(self, key: Hashable, default: Any = None) -> Any:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                self.misses += 1
                return default
            self._items.move_to_end(key)
            self.hits += 1
            return item[0]

    def put(self, key: Hashable, value: Any, size: int | None = None) -> bool:
        """Store ``value``; False if it alone is too large to keep (over a quarter of the byte budget)."""
        size = (self.sizeof(value) if size is None else size) + sys.getsizeof(key)
        if size > self.max_bytes // 4:
            return False
        with self._lock:
            old = self._items.pop(key, None)
            if old is not None:
                self.nbytes -= old[1]
            self._items[key] = (value, size)
            self.nbytes += size
            while self._items and (len(self._items) > self.max_entries or self.nbytes > self.max_bytes):
                _, (_, dropped) = self._items.popitem(last=False)
                self.nbytes -= dropped
        return True

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The cached value of ``key``, computing and storing it on a miss."""
        value = self.lookup(key, _MISSING)
        if value is _MISSING:
            value = compute()
            self.put(key, value)
        return value

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, key: Hashable) -> bool:
        return key in self._items


def normalise_encoding(header: str) -> str | None:
    """The whole ``Accept-Encoding`` header as a cache-key part: lower case, no spaces; None if too long."""
    if len(header) > MAX_ENCODING_HEADER:
        return None
    return ",".join(part for part in (p.strip() for p in header.lower().replace(" ", "").split(",")) if part)


class CallbackCache:
    """Wraps a WSGI app; caches 200 responses of the callbacks whose output string is in ``outputs``."""

    def __init__(
        self,
        app: Callable,
        outputs: Iterable[str],
        size: int = RESPONSE_CACHE_ENTRIES,
        max_bytes: int = RESPONSE_CACHE_BYTES,
    ):
        self.app = app
        self.outputs = frozenset(outputs)
        self._entries = BoundedLRU(size, max_bytes, sizeof=lambda entry: len(entry[2]) + 64 * len(entry[1]))

    @property
    def hits(self) -> int:
        return self._entries.hits

    @property
    def misses(self) -> int:
        return self._entries.misses

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
        encoding = normalise_encoding(environ.get("HTTP_ACCEPT_ENCODING", ""))
        if encoding is None:
            return None
        body = environ["wsgi.input"].read(length)
        environ["wsgi.input"] = io.BytesIO(body)  # let the app read it again
        try:
            data = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(data, dict) or not isinstance(data.get("output"), str) or data["output"] not in self.outputs:
            return None
        try:  # the whole request, so a hit is only ever a request identical to one that was answered 200
            canonical = orjson.dumps(data, option=orjson.OPT_SORT_KEYS)
        except (TypeError, orjson.JSONEncodeError):
            return None
        return data["output"], canonical, encoding

    def __call__(self, environ: dict, start_response: Callable):
        key = self._key(environ)
        if key is None:
            return self.app(environ, start_response)
        hit = self._entries.lookup(key)
        if hit is not None:
            status, headers, body = hit
            start_response(status, list(headers))
            return [body]
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
            headers = list(captured["headers"])
            self._entries.put(
                key, (captured["status"], headers, body), size=len(body) + len(key[1]) + 64 * len(headers)
            )
        return [body]
