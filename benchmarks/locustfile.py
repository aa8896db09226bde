"""The load test's users, for locust (used as a library by ``benchmarks.loadtest``, which imports this module
only when it runs: importing locust monkey-patches the process with gevent, which tests must not get).

* ``Visitor``: the mixed load and ``--distinct``. Every fixed request once first (shared by the visitors), then
  one locust task per kind of request (``benchmarks.loadtest.WEIGHTS``), each a request built from the app's own
  callbacks. One class with a weighted task per kind rather than a class per kind: locust gives each user one
  class, so the smoke test's 3 users would send 3 of the 18 kinds; as tasks every user sends every kind.
* ``Exporter`` and ``Probe``: ``--export-flood`` and ``--briefing-flood``, N concurrent exports (zips of the
  charts in view, or briefing packs) while ``GET /`` (and two more requests, for information) are timed every
  50 ms.

Latencies, counts and percentiles are locust's (its percentiles are rounded to 2 significant digits above 100 ms).
"""

from __future__ import annotations

import hashlib
import itertools
import random
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

import gevent
from locust import FastHttpUser, constant, task
from locust.env import Environment
from locust.exception import StopUser
from locust.stats import StatsEntry

from benchmarks.loadtest import WEIGHTS, Catalogue, Req, classify


@dataclass
class Plan:
    """What the users share (they are greenlets of one process, so no lock is needed)."""

    cat: Catalogue
    seed: int
    kinds: list[str]
    limit: int  # requests in all
    unique: bool  # every generated request distinct from all before (--distinct)
    sweep: list[Req] = field(default_factory=list)
    issued: int = 0
    sent: set[bytes] = field(default_factory=set)
    answers: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    exhausted: set[str] = field(default_factory=set)
    numbers: Iterator[int] = field(default_factory=itertools.count)
    exports: list[tuple[int, str | None, float]] = field(default_factory=list)  # flood: status, Retry-After, s
    flood_kind: str = "export"  # the kind of request a flood sends (its answers are recorded in ``exports``)
    cache_status: Counter = field(default_factory=Counter)  # X-Cache-Status of the answers (a caching proxy's)

    @property
    def fixed_digests(self) -> set[bytes]:
        return {digest(r) for rs in self.cat.fixed.values() for r in rs}


PLAN: Plan | None = None


def digest(req: Req) -> bytes:
    return hashlib.blake2b(req.method.encode() + req.path.encode() + (req.body or b""), digest_size=12).digest()


class Sender(FastHttpUser):
    abstract = True
    wait_time = constant(0)
    network_timeout = connection_timeout = 120.0  # an export may wait its turn in the queue

    def send(self, req: Req) -> None:
        # A connection the server closed while the request was on its way (a kept-alive connection it had just
        # timed out) is sent again once, on a new connection, as browsers do (RFC 9112, 9.3.1); a second failure
        # is an error. Seen once in the smoke run: "connection closed" on a callback, with no 5xx in the log.
        for attempt in (1, 2):
            if self._send(req, last=attempt == 2):
                return

    def _send(self, req: Req, last: bool) -> bool:
        """Send ``req``; False if the connection failed and it may be sent again."""
        headers = {"Content-Type": req.content_type} if req.body is not None else {}
        with self.client.request(
            req.method, req.path, name=req.kind, data=req.body, headers=headers, catch_response=True
        ) as r:
            status = r.status_code or 0
            if not status and not last:
                r.success()  # not counted: sent again on a new connection
                PLAN.answers[req.kind]["conn (retried)"] += 1
                return False
            PLAN.sent.add(digest(req))
            PLAN.answers[req.kind][status or "conn"] += 1
            PLAN.cache_status[(r.headers.get("x-cache-status") if status else None) or "none"] += 1
            retry = r.headers.get("retry-after") if status else None
            if req.kind == PLAN.flood_kind and status:
                PLAN.exports.append((status, retry, r.request_meta["response_time"] / 1000))
            why = f"connection error {r.error}" if not status else classify(req, status, {"retry-after": retry or ""})
            if why:
                answer = (r.content or b"")[:200].decode("utf-8", "replace") if status >= 400 else ""
                r.failure(f"{req.label} → {why}" + (f"; answer: {answer!r}" if answer else ""))
            else:
                r.success()
            return True


class Visitor(Sender):
    def on_start(self) -> None:
        self.rng = random.Random(PLAN.seed * 1000 + next(PLAN.numbers))  # each user its own, reproducible

    def pick(self, kind: str) -> Req | None:
        """The next request of ``kind``; in ``unique`` mode one never sent before (a kind whose maker finds
        none in 100 tries is given up)."""
        maker = PLAN.cat.makers.get(kind)
        fixed = PLAN.cat.fixed.get(kind, [])
        if not PLAN.unique:
            return maker(self.rng) if maker and (not fixed or self.rng.random() < 0.9) else self.rng.choice(fixed)
        for _ in range(100):
            req = maker(self.rng)
            if digest(req) not in PLAN.sent:
                PLAN.sent.add(digest(req))  # reserved before it is sent: no two users send the same one
                return req
        PLAN.exhausted.add(kind)
        return None

    def run_kind(self, kind: str) -> None:
        if PLAN.issued >= PLAN.limit or (PLAN.unique and set(PLAN.kinds) <= PLAN.exhausted):
            raise StopUser
        req = PLAN.sweep.pop() if PLAN.sweep else None if kind in PLAN.exhausted else self.pick(kind)
        if req is not None:
            PLAN.issued += 1
            self.send(req)


def visitor(kinds: list[str]) -> type[Visitor]:
    """The Visitor class with one task per kind, weighted (locust's weights are whole numbers: ×10)."""
    tasks = {(lambda kind: lambda user: user.run_kind(kind))(k): max(1, round(WEIGHTS[k] * 10)) for k in kinds}
    return type("Visitor", (Visitor,), {"tasks": tasks})


class Probe(Sender):
    """Times one request every 50 ms during the flood."""

    wait_time = constant(0.05)
    req: Req

    @task
    def probe(self) -> None:
        self.send(self.req)


class Exporter(Sender):
    """Sends one of the flood's requests (each distinct, so none is cached), then stops."""

    fixed_count = 0
    requests: list[Req] = []

    def on_start(self) -> None:
        gevent.sleep(0.2)  # the probes take a few samples before the flood

    @task
    def export(self) -> None:
        self.send(Exporter.requests.pop())
        raise StopUser


def run(
    host: str, port: int, classes: list[type], users: int, seconds: float, tick, done=None
) -> tuple[Environment, float]:
    """Run ``users`` users of ``classes`` against 127.0.0.1 until ``seconds`` pass, every user stopped, or
    ``done()``, calling ``tick()`` every 0.5 s; returns the environment (its stats) and the elapsed seconds."""
    env = Environment(user_classes=classes, host=f"http://{host}:{port}")
    runner = env.create_local_runner()
    t0 = time.perf_counter()
    runner.start(users, spawn_rate=100)  # all users within a second; locust warns above 100
    gevent.sleep(0.5)
    ticked = 0.0
    while time.perf_counter() - t0 < seconds and runner.user_count and not (done and done()):
        gevent.sleep(0.05)
        if time.perf_counter() - ticked >= 0.5:
            tick()
            ticked = time.perf_counter()
    elapsed = time.perf_counter() - t0
    runner.quit()
    return env, elapsed


def mixed(host: str, port: int, plan: Plan, clients: int, seconds: float, tick) -> tuple[Environment, float]:
    global PLAN
    PLAN = plan
    if not plan.unique:
        plan.sweep = [r for k in plan.kinds for r in plan.cat.fixed.get(k, [])]
        random.Random(plan.seed).shuffle(plan.sweep)
    return run(host, port, [visitor(plan.kinds)], clients, seconds, tick)


def flood(host: str, port: int, plan: Plan, requests: list[Req], probes: list[Req], tick) -> tuple[Environment, float]:
    """``requests`` sent at once, one user each, while each of ``probes`` is sent every 50 ms."""
    global PLAN
    PLAN = plan
    n = len(requests)
    Exporter.requests, Exporter.fixed_count = list(requests), n
    classes = [type(f"Probe{i}", (Probe,), {"req": r, "fixed_count": 1}) for i, r in enumerate(probes)]
    return run(host, port, [*classes, Exporter], len(classes) + n, 300, tick, done=lambda: len(plan.exports) >= n)


def by_kind(env: Environment) -> dict[str, StatsEntry]:
    """Locust's stats per kind (a kind may have GET and POST entries)."""
    out: dict[str, StatsEntry] = {}
    for (name, _), entry in env.stats.entries.items():
        out.setdefault(name, StatsEntry(env.stats, name, "")).extend(entry)
    return out
