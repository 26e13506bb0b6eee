"""What a stats request costs, and whether that cost grows with a user's history.

    .venv/bin/python -m bench.stats_cost            # the full run (README numbers), ~4-5 minutes on 2 CPUs
    .venv/bin/python -m bench.stats_cost --quick    # a small run, ~15-25 seconds
    .venv/bin/python -m bench.stats_cost --sizes 10,1000 --no-cosmos --json /tmp/out.json

Three measurements (see bench/README.md for the reading of them):

1. Latency of ``GET /api/stats/{user_id}`` over real HTTP on loopback, against the app that
   ``app.build_app`` builds, on one SQLite file shared by users with 10, 1,000 and 100,000 tasks
   *and* as many work sessions each (plus small filler users); and the service call alone.
   As a baseline, the seed's naive stats: load every task and session of the user and sum them
   in Python, at the same sizes, as a service call and over HTTP (a bench-only route).
2. Store operations per request (the store's ``OperationCounter``) for stats, create / complete /
   list tasks, start / end / list work sessions, on SQLite and on the Cosmos DB test server; on
   Cosmos also the HTTP round trips and the ``x-ms-request-charge`` the server reported.
3. Environment: CPU, Python, SQLite, and the SQLite query plans behind the numbers.

Histories are not built through the services (200,000 service calls would take many minutes):
documents are written straight through the store port, in exactly the shape the repositories
write (``EntityRepository._document``), with the ``rollup:totals`` document the ledger would have
built; one call of the real ``StatsService.summary`` then checks the numbers match.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer

from app import SERVICES_KEY, build_app
from domain.clock import SystemClock
from domain.entities import Task, User, WorkSession
from domain.rollups import TOTALS
from domain.services import Services
from persistence.port import Document, DocumentStore, OperationCounter
from persistence.repositories import Repositories
from persistence.rollup_ledger import ROLLUP_TYPE, rollup_id
from persistence.sqlite_store import SqliteDocumentStore
from settings import CredentialManager, Settings

ROOT = Path(__file__).resolve().parent.parent
ADMIN_TOKEN = "bench-admin-token-0123456789abcdef"
NAIVE_ROUTE = "/bench/naive-stats/{user_id}"  # added to the app by this benchmark only
FILLER_SIZE = 10


# --------------------------------------------------------------------------- histories


@dataclass
class History:
    user_id: str
    tasks: int
    sessions: int
    docs: list[Document]
    expected: dict[str, Any]  # what GET /api/stats/{user_id} must answer


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def make_history(
    repos: Repositories, user_id: str, n_tasks: int, n_sessions: int, rng: random.Random, now: datetime
) -> History:
    """A user, ``n_tasks`` tasks (a third completed), ``n_sessions`` finished work sessions and
    the totals roll-up that the services would have built for them."""
    docs: list[Document] = []
    # The repositories' own _document gives the exact stored shape (id, type, pending: null).
    user = User(id=user_id, name=f"Bench {user_id}", created_at=now - timedelta(days=800))
    docs.append(repos.users._document(user, None))
    completed = 0
    for i in range(n_tasks):
        created = now - timedelta(minutes=7 * (n_tasks - i))
        task = Task(
            id=_uuid(rng),
            user_id=user_id,
            title=f"Benchmark task #{i} for {user_id}",
            created_at=created,
            notes="Some notes about the task, to give the body a realistic size." if i % 4 == 0 else None,
            due_at=created + timedelta(days=rng.randint(1, 14)) if i % 2 == 0 else None,
            priority=("high", "normal", "low")[i % 3],
        )
        if i % 3 == 0:
            task.complete(created + timedelta(hours=rng.randint(1, 72)))
            completed += 1
        docs.append(repos.tasks._document(task, None))
    hours = 0.0
    for i in range(n_sessions):
        start = now - timedelta(hours=10 * (n_sessions - i))
        session = WorkSession(id=_uuid(rng), user_id=user_id, start_time=start, note="bench" if i % 5 == 0 else None)
        session.end(start + timedelta(seconds=rng.randint(600, 8 * 3600)))  # the entity's own rule
        # The ledger adds each session's hours and rounds the running total to 6 places.
        hours = round(hours + (session.duration or 0), 6)
        docs.append(repos.work_sessions._document(session, None))
    counters = {
        "tasks_total": n_tasks,
        "tasks_completed": completed,
        "sessions_total": n_sessions,
        "hours_total": hours,
    }
    docs.append(
        {
            "id": rollup_id(TOTALS),
            "user_id": user_id,
            "type": ROLLUP_TYPE,
            "key": TOTALS,
            "counters": counters,
            "applied": [],
        }
    )
    expected = {
        "user_id": user_id,
        "total_tasks": n_tasks,
        "completed_tasks": completed,
        "total_sessions": n_sessions,
        "total_hours": round(hours, 2),
    }
    return History(user_id, n_tasks, n_sessions, docs, expected)


async def bulk_create(store: DocumentStore, docs: list[Document]) -> None:
    """Write documents through the store port; on SQLite inside one transaction per chunk
    (autocommit per insert would make 200,000 documents take minutes)."""
    chunk = 5000
    if isinstance(store, SqliteDocumentStore):
        db = store._require()  # the store's own connection, only to batch the commits
        for start in range(0, len(docs), chunk):
            await db.execute("BEGIN")
            try:
                await asyncio.gather(*(store.create(doc) for doc in docs[start : start + chunk]))
            except BaseException:
                await db.execute("ROLLBACK")
                raise
            await db.execute("COMMIT")
        return
    gate = asyncio.Semaphore(16)

    async def one(doc: Document) -> None:
        async with gate:
            await store.create(doc)

    for start in range(0, len(docs), chunk):
        await asyncio.gather(*(one(doc) for doc in docs[start : start + chunk]))


# --------------------------------------------------------------------------- the baseline


async def naive_summary(repos: Repositories, user_id: str) -> dict[str, Any]:
    """The seed's stats: every task and every session of the user, summed in Python."""
    tasks = await repos.tasks.find(user_id)
    sessions = await repos.work_sessions.find(user_id)
    return {
        "user_id": user_id,
        "total_tasks": len(tasks),
        "completed_tasks": sum(1 for t in tasks if t.completed),
        "total_sessions": sum(1 for s in sessions if s.end_time is not None),
        "total_hours": round(sum(s.duration or 0 for s in sessions if s.end_time is not None), 2),
    }


def same_stats(got: dict[str, Any], want: dict[str, Any], hours_slack: float = 0.0) -> bool:
    keys = ("user_id", "total_tasks", "completed_tasks", "total_sessions")
    return all(got[k] == want[k] for k in keys) and abs(got["total_hours"] - want["total_hours"]) <= hours_slack + 1e-9


# --------------------------------------------------------------------------- timing


def summarize(seconds: list[float]) -> dict[str, float]:
    ms = sorted(s * 1000 for s in seconds)

    def pct(p: float) -> float:  # nearest rank
        return ms[max(0, math.ceil(p / 100 * len(ms)) - 1)]

    return {"n": len(ms), "mean": statistics.fmean(ms), "p50": pct(50), "p95": pct(95), "p99": pct(99), "max": ms[-1]}


async def sample(
    call: Callable[[], Awaitable[Any]], count: int, warmup: int, budget_s: float | None = None, min_count: int = 5
) -> dict[str, float]:
    """Time ``count`` sequential calls after ``warmup`` untimed ones. A slow call (the naive
    baseline at 100,000) gets fewer samples: as many as fit in ``budget_s``, at least
    ``min_count``."""
    started = time.perf_counter()
    await call()  # first call: warm-up, and a probe of how slow the call is
    probe = time.perf_counter() - started
    if probe < 0.05:
        for _ in range(max(0, warmup - 1)):
            await call()
    if budget_s is not None:
        count = min(count, max(min_count, int(budget_s / max(probe, 1e-6))))
    times = []
    for _ in range(count):
        t0 = time.perf_counter()
        await call()
        times.append(time.perf_counter() - t0)
    return summarize(times)


# --------------------------------------------------------------------------- app and client


class HttpMeter:
    """Counts the Cosmos SDK's HTTP responses and the request charge they report, through the
    SDK's public ``raw_response_hook`` (the store itself exposes neither)."""

    def __init__(self) -> None:
        self.requests = 0
        self.charge = 0.0

    def hook(self, response: Any) -> None:
        self.requests += 1
        try:
            self.charge += float(response.http_response.headers.get("x-ms-request-charge") or 0)
        except (AttributeError, ValueError):
            pass

    def reset(self) -> None:
        self.requests, self.charge = 0, 0.0


@dataclass
class Rig:
    """One store, the real app over it on 127.0.0.1, and an HTTP client."""

    store: DocumentStore
    meter: HttpMeter | None
    repos: Repositories = field(init=False)
    services: Services = field(init=False)
    server: TestServer = field(init=False)
    client: ClientSession = field(init=False)
    base: str = field(init=False)

    async def start(self) -> Rig:
        settings = Settings.load(
            CredentialManager(
                {
                    "AVANOCHI_ADMIN_TOKEN": ADMIN_TOKEN,
                    "LOG_LEVEL": "WARNING",
                    # No background reminder passes: their store calls would land on whichever request
                    # is being counted, and their work on whichever is being timed.
                    "AVANOCHI_REMINDER_INTERVAL": "0",
                    # One client address sends every timed request.
                    "AVANOCHI_RATE_LIMIT_IP": "1000000/minute",
                },
                env_file=None,
            )
        )
        app = build_app(settings, store=self.store, clock=SystemClock())
        self.services = app[SERVICES_KEY]
        self.repos = Repositories(self.store)

        async def naive(request: web.Request) -> web.Response:
            return web.json_response(await naive_summary(self.repos, request.match_info["user_id"]))

        # Outside /api/, so the auth middleware lets it through; the app's own routes are untouched.
        app.router.add_get(NAIVE_ROUTE, naive)
        self.server = TestServer(app, host="127.0.0.1")
        await self.server.start_server()
        self.base = str(self.server.make_url("")).rstrip("/")
        self.client = ClientSession(headers={"Authorization": f"Bearer {ADMIN_TOKEN}"})
        return self

    async def close(self) -> None:
        await self.client.close()
        await self.server.close()

    async def call(self, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
        async with self.client.request(method, self.base + path, **kwargs) as response:
            body = await response.read()
            if response.status != expect:
                raise RuntimeError(f"{method} {path}: HTTP {response.status} {body[:300]!r}")
        return json.loads(body) if body else None

    def reset_counts(self) -> None:
        self.store.operations.reset()
        if self.meter:
            self.meter.reset()

    def counts(self) -> dict[str, Any]:
        ops: OperationCounter = self.store.operations
        out: dict[str, Any] = {
            "reads": ops.reads,
            "queries": ops.queries,
            "writes": ops.writes,
            "total": ops.total,
            "by_kind": dict(sorted(ops.by_kind.items())),
        }
        if self.meter:
            out["http_requests"] = self.meter.requests
            out["request_charge"] = round(self.meter.charge, 2)
        return out


# --------------------------------------------------------------------------- measurements


async def populate(rig: Rig, sizes: list[int], fillers: int, seed: int) -> tuple[list[History], float]:
    rng = random.Random(seed)
    now = datetime.now(UTC).replace(microsecond=0)
    histories = [make_history(rig.repos, f"bench-{n}", n, n, rng, now) for n in sizes]
    histories += [
        make_history(rig.repos, f"filler-{i:02d}", FILLER_SIZE, FILLER_SIZE, rng, now) for i in range(fillers)
    ]
    started = time.perf_counter()
    for history in histories:
        await bulk_create(rig.store, history.docs)
    elapsed = time.perf_counter() - started
    # One call of the real service per user: the roll-ups written above are what it reads.
    for history in histories:
        got = await rig.services.stats.summary(history.user_id)
        if got != history.expected:
            raise RuntimeError(f"stats for {history.user_id}: got {got}, wrote {history.expected}")
    rig.store.operations.reset()
    return histories, elapsed


async def interleaved(
    calls: dict[str, Callable[[], Awaitable[Any]]], count: int, warmup: int, batch: int = 10
) -> dict[str, dict[str, float]]:
    """Time ``count`` calls of each case, in rounds of ``batch`` calls per case with the order
    rotating, so that drift on the machine (CPU frequency, a neighbour on the VM, the thread
    hand-off of aiosqlite) lands on every case alike instead of on whichever ran last."""
    for call in calls.values():
        for _ in range(warmup):
            await call()
    times: dict[str, list[float]] = {key: [] for key in calls}
    keys = list(calls)
    for number in range(math.ceil(count / batch)):
        shift = number % len(keys)
        for key in keys[shift:] + keys[:shift]:
            call = calls[key]
            for _ in range(min(batch, count - len(times[key]))):
                t0 = time.perf_counter()
                await call()
                times[key].append(time.perf_counter() - t0)
    return {key: summarize(values) for key, values in times.items()}


async def measure_latency(
    rig: Rig,
    histories: list[History],
    sized: list[int],
    *,
    requests: int,
    warmup: int,
    naive_budget: float,
    log: Callable[[str], None],
) -> list[dict]:
    by_user = {h.user_id: h for h in histories}
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        # Floors: an HTTP request that does one tiny store call, and one store call alone.
        "floor/http": lambda: rig.call("GET", "/healthz"),
        "floor/store": lambda: rig.store.read(f"bench-{sized[0]}", rollup_id(TOTALS)),
    }
    slow: list[tuple[int, str, Callable[[], Awaitable[Any]]]] = []
    for n in sized:
        history = by_user[f"bench-{n}"]
        user = history.user_id
        # Correctness first, over the same paths that are then timed.
        got = await rig.call("GET", f"/api/stats/{user}")
        if got != history.expected:
            raise RuntimeError(f"GET /api/stats/{user}: {got} != {history.expected}")
        naives: list[tuple[str, Callable[[], Awaitable[Any]]]] = [
            ("naive_service", partial(naive_summary, rig.repos, user)),
            ("naive_http", partial(rig.call, "GET", NAIVE_ROUTE.format(user_id=user))),
        ]
        for label, naive in naives:
            t0 = time.perf_counter()
            naive_got = await naive()
            probe = time.perf_counter() - t0
            if not same_stats(naive_got, history.expected, hours_slack=0.01):
                raise RuntimeError(f"naive stats for {user}: {naive_got} != {history.expected}")
            if probe * (requests + warmup) > naive_budget:
                slow.append((n, label, naive))  # timed on its own, within the budget
            else:
                calls[f"{n}/{label}"] = naive
        calls[f"{n}/http"] = partial(rig.call, "GET", f"/api/stats/{user}")
        calls[f"{n}/service"] = partial(rig.services.stats.summary, user)
    timed = await interleaved(calls, requests, warmup)
    for n, label, naive in slow:
        timed[f"{n}/{label}"] = await sample(naive, requests, warmup, budget_s=naive_budget)
    rows: list[dict] = [{"what": "floor", "size": None, "http": timed["floor/http"], "store": timed["floor/store"]}]
    log(
        f"  floors: GET /healthz p50 {timed['floor/http']['p50']:.3f} ms, one store read p50 "
        f"{timed['floor/store']['p50']:.3f} ms"
    )
    for n in sized:
        row: dict[str, Any] = {"what": "stats", "size": n}
        for key in ("http", "service", "naive_http", "naive_service"):
            row[key] = timed[f"{n}/{key}"]
        rows.append(row)
        log(
            f"  {n:>7,}: stats http p50 {row['http']['p50']:.3f} ms, service p50 "
            f"{row['service']['p50']:.3f} ms, naive service p50 {row['naive_service']['p50']:.1f} ms"
            f" (n={row['naive_service']['n']}), naive http p50 {row['naive_http']['p50']:.1f} ms"
        )
    return rows


async def measure_operations(
    rig: Rig, histories: list[History], sized: list[int], reps: int, log: Callable[[str], None]
) -> list[dict]:
    """Store operations (and latency) of one request of each kind, ``reps`` times per user."""
    results: list[dict[str, Any]] = []
    by_user = {h.user_id: h for h in histories}
    for n in sized:
        history = by_user[f"bench-{n}"]
        user = history.user_id
        per_op: dict[str, list[tuple[dict, float, int | None]]] = {}

        async def op(name: str, method: str, path: str, expect: int = 200, **kwargs: Any) -> Any:
            rig.reset_counts()
            t0 = time.perf_counter()
            body = await rig.call(method, path, expect, **kwargs)
            elapsed = time.perf_counter() - t0
            rows = len(body) if isinstance(body, list) else None
            per_op.setdefault(name, []).append((rig.counts(), elapsed, rows))  # noqa: B023 (op runs in this iteration only)
            return body

        for rep in range(reps):
            await op("stats", "GET", f"/api/stats/{user}")
            await op("naive stats (baseline, bench route)", "GET", NAIVE_ROUTE.format(user_id=user))
            task = await op(
                "create task", "POST", "/api/tasks", 201, json={"user_id": user, "title": f"bench op task {rep}"}
            )
            await op("complete task", "PATCH", f"/api/tasks/{task['id']}?user_id={user}", json={"action": "complete"})
            other = await rig.call(
                "POST", "/api/tasks", 201, json={"user_id": user, "title": f"bench admin task {rep}"}
            )
            await op(
                "complete task, admin without ?user_id",
                "PATCH",
                f"/api/tasks/{other['id']}",
                json={"action": "complete"},
            )
            await op("list tasks (default limit 1000)", "GET", f"/api/tasks?user_id={user}")
            await op("list open tasks", "GET", f"/api/tasks?user_id={user}&status=open")
            session = await op("start work session", "POST", "/api/work_sessions", 201, json={"user_id": user})
            await op("active work session", "GET", f"/api/work_sessions/active?user_id={user}")
            await op("end work session", "PATCH", f"/api/work_sessions/{session['id']}?user_id={user}")
            await op("list work sessions (default limit 1000)", "GET", f"/api/work_sessions?user_id={user}")
        # Everything above went through the real services: the roll-ups must have followed.
        want = dict(history.expected)
        want["total_tasks"] += 2 * reps
        want["completed_tasks"] += 2 * reps
        want["total_sessions"] += reps
        got = await rig.services.stats.summary(user)
        if not same_stats(got, want, hours_slack=0.01 * reps):
            raise RuntimeError(f"after the operations, stats for {user}: {got} != {want}")
        history.expected = got  # later measurements see the new totals
        for name, samples in per_op.items():
            totals = sorted({s[0]["total"] for s in samples})
            results.append(
                {
                    "size": n,
                    "op": name,
                    "counts": samples[-1][0],
                    "first_counts": samples[0][0],
                    "totals_seen": totals,
                    "ms_median": statistics.median(s[1] for s in samples) * 1000,
                    "rows": samples[-1][2],
                }
            )
        log(
            f"  {n:>7,}: "
            + ", ".join(f"{r['op'].split(' (')[0]}={r['counts']['total']}" for r in results if r["size"] == n)
        )
    return results


async def query_plans(rig: Rig, path: str, history: History) -> dict[str, list[dict[str, Any]]]:
    """SQLite's plan for every statement that stats, the naive baseline and the listings really
    run for the largest user (captured with a trace callback on the store's connection)."""
    user = history.user_id
    task_id = next(d["id"] for d in history.docs if d["type"] == "task")
    calls: dict[str, Callable[[], Awaitable[Any]]] = {
        "stats summary": lambda: rig.services.stats.summary(user),
        "naive baseline": lambda: naive_summary(rig.repos, user),
        "list tasks (all, limit 1000)": lambda: rig.services.tasks.list_tasks(user, limit=1000),
        "list open tasks (limit 1000)": lambda: rig.services.tasks.list_tasks(user, "open", limit=1000),
        "list work sessions (limit 1000)": lambda: rig.services.work_sessions.list_sessions(user, 1000),
        "active work session": lambda: rig.services.work_sessions.get_active_session(user),
        "admin owner lookup": lambda: rig.services.tasks.owner_of(task_id),
    }
    statements: list[str] = []
    db = rig.store._require()  # type: ignore[attr-defined]
    await db.set_trace_callback(statements.append)
    captured: dict[str, list[str]] = {}
    try:
        for name, call in calls.items():
            statements.clear()
            await call()
            captured[name] = list(dict.fromkeys(statements))
    finally:
        await db.set_trace_callback(None)
    plans: dict[str, list[dict[str, Any]]] = {}
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as ro:
        for name, sqls in captured.items():
            plans[name] = [
                {"sql": sql, "plan": [row[-1] for row in ro.execute(f"EXPLAIN QUERY PLAN {sql}")]} for sql in sqls
            ]
    return plans


# --------------------------------------------------------------------------- runs per store


async def run_sqlite(args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="avanochi-bench-") as tmp:
        path = os.path.join(tmp, "bench.sqlite3")
        store = SqliteDocumentStore(path)
        await store.open()
        rig = await Rig(store, None).start()
        try:
            log(
                f"SQLite: populating {path} ({', '.join(f'{n:,}' for n in args.sizes)} tasks and "
                f"sessions + {args.fillers} users of {FILLER_SIZE})"
            )
            histories, elapsed = await populate(rig, args.sizes, args.fillers, args.seed)
            documents = sum(len(h.docs) for h in histories)
            log(f"  {documents:,} documents in {elapsed:.1f} s; stats verified for every user")
            largest = next(h for h in histories if h.user_id == f"bench-{max(args.sizes)}")
            plans = await query_plans(rig, path, largest)
            log("SQLite: latency")
            latency = await measure_latency(
                rig,
                histories,
                args.sizes,
                requests=args.requests,
                warmup=args.warmup,
                naive_budget=args.naive_budget,
                log=log,
            )
            log("SQLite: store operations per request")
            ops = await measure_operations(rig, histories, args.sizes, args.reps, log)
            file_mb = sum(os.path.getsize(p) for p in Path(tmp).iterdir()) / 1e6
        finally:
            await rig.close()
            await store.close()
    return {
        "documents": documents,
        "populate_s": elapsed,
        "file_mb": file_mb,
        "latency": latency,
        "operations": ops,
        "plans": plans,
    }


async def run_cosmos(args: argparse.Namespace, log: Callable[[str], None]) -> dict[str, Any]:
    from persistence.cosmos_store import CosmosDocumentStore
    from tools.cosmos_server import CosmosServer  # the same server the tests use, on loopback

    server = CosmosServer()
    server.start()
    try:
        meter = HttpMeter()
        store = CosmosDocumentStore(
            server.uri,
            server.key,
            f"bench-{uuid.uuid4().hex[:12]}",
            "documents",
            verify_tls=False,
            client_options={"raw_response_hook": meter.hook},
        )
        await store.open()
        rig = await Rig(store, meter).start()
        try:
            log(
                f"Cosmos test server at {server.uri}: populating "
                f"({', '.join(f'{n:,}' for n in args.cosmos_sizes)} + {args.fillers} users of {FILLER_SIZE})"
            )
            histories, elapsed = await populate(rig, args.cosmos_sizes, args.fillers, args.seed)
            documents = sum(len(h.docs) for h in histories)
            log(f"  {documents:,} documents in {elapsed:.1f} s; stats verified for every user")
            log("Cosmos: latency")
            latency = await measure_latency(
                rig,
                histories,
                args.cosmos_sizes,
                requests=args.cosmos_requests,
                warmup=args.warmup,
                naive_budget=args.naive_budget / 2,
                log=log,
            )
            log("Cosmos: store operations per request")
            ops = await measure_operations(rig, histories, args.cosmos_sizes, args.reps, log)
        finally:
            await rig.close()
            await store.close()
    finally:
        server.stop()
    return {"documents": documents, "populate_s": elapsed, "latency": latency, "operations": ops}


# --------------------------------------------------------------------------- report


def environment() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        nproc = subprocess.run(["nproc"], capture_output=True, text=True, check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        nproc = str(os.cpu_count())
    try:
        node = subprocess.run(["node", "--version"], capture_output=True, text=True).stdout.strip()
    except OSError:
        node = "absent"

    def git(*args: str) -> str:
        try:
            return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        except OSError:
            return ""

    changed = [line for line in git("status", "--porcelain").splitlines() if " bench/" not in line]
    return {
        "commit": git("rev-parse", "--short", "HEAD") or "unknown",
        "dirty_files": len(changed),
        "nproc": nproc,
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "sqlite": sqlite3.sqlite_version,
        "aiohttp": aiohttp.__version__,
        "node": node,
    }


def fmt(value: float) -> str:
    if value >= 100:
        return f"{value:,.0f}"
    if value >= 10:
        return f"{value:.1f}"
    return f"{value:.2f}"


def latency_tables(title: str, rows: list[dict]) -> list[str]:
    out = [
        f"### {title}: GET /api/stats/{{user_id}} and the naive baseline (ms)",
        "",
        "| history (tasks + sessions) | path | n | mean | p50 | p95 | p99 | max |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    labels = (
        ("http", "roll-up, HTTP"),
        ("service", "roll-up, service call"),
        ("naive_http", "naive, HTTP"),
        ("naive_service", "naive, service call"),
    )
    for row in rows:
        if row["what"] == "floor":
            for key, label in (
                ("http", "floor: GET /healthz (HTTP + 1 count)"),
                ("store", "floor: 1 store read, no HTTP"),
            ):
                s = row[key]
                out.append(
                    f"| – | {label} | {s['n']} | {fmt(s['mean'])} | "
                    f"{fmt(s['p50'])} | {fmt(s['p95'])} | {fmt(s['p99'])} | {fmt(s['max'])} |"
                )
            continue
        for key, label in labels:
            s = row[key]
            out.append(
                f"| {row['size']:,} + {row['size']:,} | {label} | {s['n']} | {fmt(s['mean'])} | "
                f"{fmt(s['p50'])} | {fmt(s['p95'])} | {fmt(s['p99'])} | {fmt(s['max'])} |"
            )
    sized = [r for r in rows if r["what"] == "stats"]
    if len(sized) >= 2:
        small, big = sized[0], sized[-1]
        out += ["", f"Ratios, {big['size']:,} vs {small['size']:,} (p50 / mean):", ""]
        for key, label in labels:
            out.append(
                f"- {label}: {big[key]['p50'] / small[key]['p50']:.2f}x / {big[key]['mean'] / small[key]['mean']:.2f}x"
            )
    out += ["", "Naive baseline / roll-up, same size (p50):", ""]
    for row in sized:
        out.append(
            f"- {row['size']:,}: HTTP {row['naive_http']['p50'] / row['http']['p50']:,.1f}x, "
            f"service call {row['naive_service']['p50'] / row['service']['p50']:,.1f}x"
        )
    return out + [""]


def operation_table(title: str, rows: list[dict], cosmos: bool) -> list[str]:
    sizes = sorted({r["size"] for r in rows})
    ops = list(dict.fromkeys(r["op"] for r in rows))
    head = "| request | " + " | ".join(f"ops @ {n:,}" for n in sizes) + " | reads / queries / writes |"
    if cosmos:
        head += " HTTP round trips | " + " | ".join(f"ms @ {n:,}" for n in sizes) + " |"
    else:
        head += " " + " | ".join(f"ms @ {n:,}" for n in sizes) + " |"
    cols = head.count("|") - 1
    out = [f"### {title}: store operations per request", "", head, "|---" + "|---:" * (cols - 1) + "|"]
    for op in ops:
        cells = [op]
        by_size = {r["size"]: r for r in rows if r["op"] == op}
        for n in sizes:
            r = by_size[n]
            seen, last, first = r["totals_seen"], r["counts"]["total"], r["first_counts"]["total"]
            if len(seen) == 1:
                cells.append(str(last))
            elif len(seen) == 2 and first != last:
                cells.append(f"{last} (first call {first})")
            else:
                cells.append(f"{last} (seen {seen[0]}–{seen[-1]})")
        last = by_size[sizes[-1]]["counts"]
        kinds = ", ".join(f"{k} {v}" for k, v in last["by_kind"].items())
        cells.append(f"{last['reads']} / {last['queries']} / {last['writes']} ({kinds})")
        if cosmos:
            cells.append(" / ".join(f"{by_size[n]['counts']['http_requests']}" for n in sizes))
        for n in sizes:
            r = by_size[n]
            cells.append(fmt(r["ms_median"]) + (f" ({r['rows']} rows)" if r["rows"] is not None else ""))
        out.append("| " + " | ".join(cells) + " |")
    if cosmos:
        charges = {r["counts"].get("request_charge") for r in rows}
        out += [
            "",
            f"Request charges reported by the test server per request: "
            f"{sorted(c for c in charges if c is not None)} "
            "(it answers `x-ms-request-charge: 1` on every response, so this is the "
            "round-trip count again, not a cost model).",
        ]
    return out + [""]


def report(results: dict[str, Any]) -> str:
    env = results["environment"]
    out = [
        "## Results",
        "",
        f"Machine: {env['nproc']} CPUs (`nproc`), {env['cpu']}; Python {env['python']}, "
        f"SQLite {env['sqlite']}, aiohttp {env['aiohttp']}, node {env['node']}; {env['platform']}.",
        f"Code: commit {env['commit']}"
        + (f" plus {env['dirty_files']} uncommitted file(s) outside bench/" if env["dirty_files"] else "")
        + ".",
        f"Command: `{results['command']}`; total run time {results['elapsed_s']:.0f} s.",
        "Load average (1 min; includes this benchmark's own ~1-2): "
        + ", ".join(f"{k} {v:.2f}" for k, v in results["load"].items())
        + ".",
        "",
    ]
    if "sqlite" in results:
        s = results["sqlite"]
        out.append(
            f"SQLite file: {s['documents']:,} documents, {s['file_mb']:.0f} MB, populated in {s['populate_s']:.1f} s."
        )
        out.append("")
        out += latency_tables("SQLite", s["latency"])
        out += operation_table("SQLite", s["operations"], cosmos=False)
        out += ["### SQLite query plans (largest user)", "", "```"]
        for name, statements in s["plans"].items():
            out.append(f"{name}:")
            for statement in statements:
                out.append(f"  {statement['sql']}")
                out += [f"    -> {line}" for line in statement["plan"]]
        out += ["```", ""]
    if "cosmos" in results:
        c = results["cosmos"]
        out.append(f"Cosmos test server: {c['documents']:,} documents, populated in {c['populate_s']:.1f} s.")
        out.append("")
        out += latency_tables("Cosmos DB test server", c["latency"])
        out += operation_table("Cosmos DB test server", c["operations"], cosmos=True)
    return "\n".join(out)


# --------------------------------------------------------------------------- main


def parse_sizes(text: str) -> list[int]:
    sizes = []
    for part in text.replace("_", "").split(","):
        part = part.strip().lower()
        if part:
            sizes.append(int(float(part[:-1]) * 1000) if part.endswith("k") else int(part))
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError("sizes are positive integers, e.g. 10,1000,100k")
    return sorted(set(sizes))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.stats_cost", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small run: sizes 10,1000, Cosmos 10,100, 60 requests")
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=None,
        help="SQLite history sizes (tasks and sessions each), default 10,1000,100000",
    )
    parser.add_argument(
        "--cosmos-sizes", type=parse_sizes, default=None, help="Cosmos test-server history sizes, default 10,1000"
    )
    parser.add_argument("--no-cosmos", action="store_true", help="skip the Cosmos DB test server")
    parser.add_argument("--requests", type=int, default=None, help="timed requests per case (300)")
    parser.add_argument("--cosmos-requests", type=int, default=None, help="on Cosmos (150)")
    parser.add_argument("--warmup", type=int, default=30, help="untimed requests before each case")
    parser.add_argument(
        "--naive-budget", type=float, default=None, help="seconds of timed naive calls per case at most (30)"
    )
    parser.add_argument("--reps", type=int, default=3, help="repetitions of each counted request")
    parser.add_argument("--fillers", type=int, default=20, help=f"extra users of {FILLER_SIZE}")
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--json", type=Path, help="also write the raw results here")
    args = parser.parse_args(argv)
    quick = args.quick
    args.sizes = args.sizes or ([10, 1000] if quick else [10, 1000, 100_000])
    args.cosmos_sizes = args.cosmos_sizes or ([10, 100] if quick else [10, 1000])
    args.requests = args.requests or (60 if quick else 300)
    args.cosmos_requests = args.cosmos_requests or (40 if quick else 150)
    args.naive_budget = args.naive_budget or (3.0 if quick else 30.0)
    if quick:
        args.warmup = min(args.warmup, 10)
        args.fillers = min(args.fillers, 5)
    return args


async def main_async(args: argparse.Namespace, argv: list[str]) -> dict[str, Any]:
    started = time.perf_counter()

    def log(message: str) -> None:
        print(f"[{time.perf_counter() - started:6.1f}s] {message}", file=sys.stderr, flush=True)

    results: dict[str, Any] = {
        "environment": environment(),
        "command": " ".join([".venv/bin/python -m bench.stats_cost", *argv]),
        "args": {k: (str(v) if isinstance(v, Path) else v) for k, v in vars(args).items()},
    }
    # The 1-minute load average (other processes compete for the same CPUs) at each phase.
    results["load"] = {"start": os.getloadavg()[0]}
    results["sqlite"] = await run_sqlite(args, log)
    results["load"]["after SQLite"] = os.getloadavg()[0]
    if not args.no_cosmos:
        results["cosmos"] = await run_cosmos(args, log)
        results["load"]["after Cosmos"] = os.getloadavg()[0]
    results["elapsed_s"] = time.perf_counter() - started
    return results


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    os.chdir(ROOT)
    results = asyncio.run(main_async(args, argv))
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str))
    print(report(results))


if __name__ == "__main__":
    main()
