"""A wave of nudges: N users with a break nudge due in the same minute, delivered by one or
two reminder engines, on SQLite and on the Cosmos test server, and the time such a wave takes
under the platforms' rate limits.

    .venv/bin/python -m bench.reminders_wave                # the full run (100k on SQLite, 10k on Cosmos)
    .venv/bin/python -m bench.reminders_wave --quick        # CI-sized: 1k users, no Cosmos, no processes
    .venv/bin/python -m bench.reminders_wave --only throughput --users 20000 --profile out.txt

Users are not set up through the services (100,000 users would take minutes): their documents
(user, Slack address, reminder schedule due now, a running work session and its slot) are
written in bulk in the repositories' own shape (``EntityRepository._document``), the key sets of
each are compared with those of a user set up through the real services, and a sample of users
is checked through the real services (the policy must yield exactly one break nudge) before
anything is timed.

Measured:
  throughput  one pass of one engine over the whole wave: seconds, nudges/s, the process's CPU time
              (steadier than wall time on a shared machine), store ops per nudge and by kind;
              to a no-op notifier (the bot's own cost) and to the fake Slack Web API on loopback
              (adds an HTTP round trip per nudge); ``per_second`` empty, so no platform pacing.
  instances   two engines (own instance ids, own Services) against one, in one process (sharing
              one store connection, or each with its own) and as two OS processes on one SQLite
              file; every nudge delivered exactly once (deliveries counted per user).
  limits      the time to deliver a wave under the platform limits, computed from the limits and
              simulated: the engine with its shared budget, a fake clock and a sleep that moves it.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import json
import math
import os
import pstats
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bot.reminders.engine import Delivery, Outcome, ReminderEngine, RunSummary
from domain.clock import FakeClock
from domain.entities import ActiveSlot, ChannelAddress, User, WorkSession
from domain.reminders.budget import tenant_of
from domain.reminders.policy import plan
from domain.reminders.schedule import ReminderSchedule
from domain.services import Services
from persistence.repositories import EntityRepository, Repositories
from persistence.sqlite_store import SqliteDocumentStore

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Madrid, a Monday: everyone clocks in
DUE = START + timedelta(minutes=50)  # the break nudge (every 50 minutes) falls due; the pass runs now
RATES = {"slack": 10, "msteams": 50}  # AVANOCHI_SLACK_WORKSPACE_RATE, AVANOCHI_TEAMS_TENANT_RATE defaults
SAMPLE = 20
SYNCHRONOUS = "FULL"  # the store's default; --synchronous NORMAL trades a power cut's last commits for speed
# (users, tenants or workspaces, channel) simulated under the limits: small enough to run in
# minutes, large enough that the busiest tenant spends many one-second windows.
SIMULATIONS = [(500, 1, "slack"), (1_000, 10, "slack"), (1_000, 1, "msteams"), (2_000, 20, "msteams")]

# Water and the morning plan off, so that at 09:50 each user has exactly one nudge due: a break.
ONLY_BREAKS = {"water": {"on": False}, "plan": {"on": False}}


def user_id(channel: str, tenant: int, n: int) -> str:
    return f"slack:T{tenant:04d}:U{n}" if channel == "slack" else f"msteams:tenant{tenant:04d}:user{n}"


def address_data(channel: str, tenant: int, n: int) -> dict[str, Any]:
    if channel == "slack":
        return {"team_id": f"T{tenant:04d}", "user": f"U{n}", "channel": f"D{n}"}
    return {"conversation": {"id": f"a:{n}"}, "serviceUrl": "https://smba.invalid/", "tenant": f"tenant{tenant:04d}"}


def _doc(repository: EntityRepository, entity: Any) -> dict[str, Any]:
    return repository._document(entity, None)  # noqa: SLF001 - the repository's exact document shape


def wave_docs(repos: Repositories, users: int, tenants: int = 1, channel: str = "slack") -> list[dict[str, Any]]:
    """Five documents per user, as the services would have written them by ``DUE``."""
    docs = []
    for n in range(users):
        who = user_id(channel, n % tenants, n)
        session = WorkSession(str(uuid.UUID(int=n)), who, START)
        user = User(who, f"User {n}", START, timezone="Europe/Madrid", reminder_settings=ONLY_BREAKS)
        user.updated_at = START
        docs += [
            _doc(repos.users, user),
            _doc(repos.channel_addresses, ChannelAddress(who, channel, address_data(channel, n % tenants, n), START)),
            _doc(repos.work_sessions, session),
            _doc(repos.active_slots, ActiveSlot(who, session.id, START)),
            _doc(repos.reminder_schedules, ReminderSchedule(who, DUE)),
        ]
    return docs


async def reference_docs() -> dict[str, set[str]]:
    """The key set of each document type of one user set up through the real services."""
    store = SqliteDocumentStore(":memory:")
    await store.open()
    clock = FakeClock(START)
    services = Services.build(Repositories(store), clock)
    who = "slack:T0000:Uref"
    await services.users.ensure(who, "Ref")
    await services.users.update_user(who, timezone="Europe/Madrid")
    for kind, preference in ONLY_BREAKS.items():
        await services.users.update_user(who, reminder=(kind, preference))
    await services.conversations.remember_address(who, "slack", address_data("slack", 0, 0))
    await services.work_sessions.start_session(who)
    db = store._require()  # noqa: SLF001 - read every document of the user, whatever its type
    async with db.execute("SELECT type, body FROM documents WHERE user_id = ?", (who,)) as cursor:
        rows = await cursor.fetchall()
    await store.close()
    return {kind: set(json.loads(body)) for kind, body in rows}


async def check_shape(docs: list[dict[str, Any]]) -> None:
    reference = await reference_docs()
    ours = {doc["type"]: set(doc) for doc in docs[:5]}
    assert ours == reference, {k: ours.get(k, set()) ^ reference.get(k, set()) for k in reference | ours}


async def check_sample(services: Services, ids: list[str]) -> None:
    """Through the real services: each sampled user is clocked in, reachable, and due one break."""
    for who in ids:
        user = await services.users.get_user(who)
        assert await services.work_sessions.get_active_session(who) is not None, who
        schedule = await services.reminders.schedule(who)
        decided = plan(user, await services.reminders.activity(user), schedule.sent, DUE)
        assert [nudge.kind for nudge in decided.due] == ["break"], (who, decided)
        assert any([await services.conversations.address(who, c) for c in ("slack", "msteams")]), who
    assert await services.reminders.due(DUE, 1), "nothing due"


async def fill_sqlite(store: SqliteDocumentStore, docs: list[dict[str, Any]]) -> None:
    db = store._require()  # noqa: SLF001 - bulk load in one transaction; the port has no batch insert
    await db.execute("BEGIN")
    await db.executemany(
        "INSERT INTO documents (user_id, id, type, etag, body) VALUES (?, ?, ?, ?, ?)",
        [(d["user_id"], d["id"], d["type"], uuid.uuid4().hex, json.dumps(d, separators=(",", ":"))) for d in docs],
    )
    await db.execute("COMMIT")


async def fill_cosmos(store: Any, docs: list[dict[str, Any]]) -> None:
    for start in range(0, len(docs), 100):
        await asyncio.gather(*(store.create(doc) for doc in docs[start : start + 100]))


class CountingNotifier:
    """Delivers nowhere and counts deliveries per user: the bot's own cost, no HTTP."""

    def __init__(self, channel: str = "slack", clock: FakeClock | None = None) -> None:
        self.channel = channel
        self.min_interval = 1.0  # as the Slack notifier: one nudge per user here, so it never waits
        self.delivered: Counter[str] = Counter()
        self._clock = clock
        self.by_window: Counter[tuple[str, str]] = Counter()  # sends per (tenant, second), with a clock

    async def deliver(self, address: ChannelAddress, replies: list) -> Outcome:
        self.delivered[address.user_id] += 1
        if self._clock is not None:
            second = self._clock.now().replace(microsecond=0).isoformat()
            self.by_window[(tenant_of(address.user_id), second)] += 1
        return Outcome(Delivery.SENT)


async def slack_deliveries(fake: Any) -> Counter[str]:
    """Deliveries per user as the fake Slack Web API received them (the DM channel D<n>)."""
    return Counter(str(call.body.get("channel")) for call in fake.calls_to("chat.postMessage"))


def exactly_once(delivered: Counter[str], users: int) -> dict[str, int]:
    twice = sum(1 for count in delivered.values() if count > 1)
    return {"users_delivered": len(delivered), "missing": users - len(delivered), "duplicates": twice}


# --- (a) one engine, one pass ---------------------------------------------------------------


async def open_sqlite(folder: str, users: int) -> tuple[SqliteDocumentStore, list[str]]:
    path = str(Path(folder) / "wave.sqlite3")
    store = SqliteDocumentStore(path, SYNCHRONOUS)
    await store.open()
    docs = wave_docs(Repositories(store), users)
    await check_shape(docs)
    await fill_sqlite(store, docs)
    return store, [user_id("slack", 0, n) for n in range(0, users, max(1, users // SAMPLE))]


async def timed_pass(
    stores: list[Any], notifier_for: Any, users: int, concurrency: int, profile: str | None = None
) -> dict[str, Any]:
    """One pass by each of ``len(stores)`` engines at once; stores may repeat (shared connection)."""
    clock = FakeClock(DUE)
    engines, notifiers = [], []
    for number, store in enumerate(stores):
        services = Services.build(Repositories(store), clock)
        if number == 0:
            await check_sample(services, SAMPLE_IDS)
        notifier = notifier_for()
        notifiers.append(notifier)
        engines.append(
            ReminderEngine(services, {"slack": notifier}, concurrency=concurrency, instance=f"bench{number}")
        )
    unique = list({id(s): s for s in stores}.values())
    for store in unique:
        store.operations.reset()
    profiler = cProfile.Profile() if profile else None
    load_before = os.getloadavg()
    started, cpu_started, loop_started = time.perf_counter(), time.process_time(), time.thread_time()
    times_started = os.times()
    if profiler:
        profiler.enable()
    outcomes = await asyncio.gather(*(engine.run() for engine in engines), return_exceptions=True)
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - started
    # The process's CPU time (every thread: the event loop and SQLite's): on a shared machine
    # the wall time also holds the time other work had the CPU, this does not.
    cpu = time.process_time() - cpu_started
    # The event loop's thread alone: the Python side of the pass, without SQLite's thread.
    loop_cpu = time.thread_time() - loop_started
    times = os.times()
    summaries = [o for o in outcomes if not isinstance(o, BaseException)]
    errors = [f"{type(o).__name__}: {o}" for o in outcomes if isinstance(o, BaseException)]
    operations = sum(store.operations.total for store in unique)
    sent = sum(summary.sent for summary in summaries)
    if profiler and profile:
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        out.write("\n\n--- by own time ---\n")
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(30)
        Path(profile).write_text(out.getvalue())
    return {
        "users": users,
        "instances": len(engines),
        "concurrency": concurrency,
        "seconds": round(elapsed, 2),
        "nudges_per_second": round(sent / elapsed, 1),
        "cpu_seconds": round(cpu, 2),
        "nudges_per_cpu_second": round(sent / cpu, 1) if cpu else None,
        "loop_cpu_seconds": round(loop_cpu, 2),
        # User and kernel time of the whole process (the kernel's: writes, fsyncs, waking threads).
        "cpu_user_seconds": round(times.user - times_started.user, 2),
        "cpu_system_seconds": round(times.system - times_started.system, 2),
        "store_ops_per_nudge": round(operations / max(sent, 1), 2),
        "ops_by_kind": _ops_by_kind(unique),
        "load_average": {"before": [round(x, 2) for x in load_before], "after": [round(x, 2) for x in os.getloadavg()]},
        "sent": sent,
        "shards_drained": [summary.shards for summary in summaries],
        "passes_failed": errors,
        "notifiers": notifiers,
    }


def _ops_by_kind(stores: list[Any]) -> dict[str, int]:
    kinds: Counter[str] = Counter()
    for store in stores:
        kinds.update(store.operations.by_kind)
    return dict(sorted(kinds.items()))


SAMPLE_IDS: list[str] = []


async def throughput_sqlite(users: int, notifier: str, concurrency: int, profile: str | None) -> dict[str, Any]:
    global SAMPLE_IDS
    with tempfile.TemporaryDirectory() as folder:
        store, SAMPLE_IDS = await open_sqlite(folder, users)
        fake = None
        if notifier == "fake-slack":
            from bot.adapters.slack.notifier import SlackNotifier
            from tools.fakes.slack_api import BOT_TOKEN, FakeSlackApi

            fake = FakeSlackApi()
            await fake.start()
            make: Any = lambda: SlackNotifier(BOT_TOKEN, fake.base_url)  # noqa: E731
        else:
            make = CountingNotifier
        result = await timed_pass([store], make, users, concurrency, profile)
        notifiers = result.pop("notifiers")
        delivered = await slack_deliveries(fake) if fake else notifiers[0].delivered
        if fake:
            await fake.close()
        left = await Services.build(Repositories(store), FakeClock(DUE)).reminders.due(DUE, 10)
        await store.close()
    once = exactly_once(delivered, users)
    assert once["missing"] == 0 and once["duplicates"] == 0 and not left, (once, len(left))
    return {"part": "throughput", "store": "sqlite", "synchronous": SYNCHRONOUS, "notifier": notifier, **result, **once}


async def throughput_cosmos(users: int, concurrency: int, instances: int) -> dict[str, Any]:
    global SAMPLE_IDS
    from persistence.cosmos_store import CosmosDocumentStore
    from tools.cosmos_server import CosmosServer

    server = CosmosServer()
    server.start()
    try:
        database = f"wave{uuid.uuid4().hex[:8]}"
        stores = [
            CosmosDocumentStore(server.uri, server.key, database, "documents", verify_tls=False)
            for _ in range(instances)
        ]
        for store in stores:
            await store.open()
        docs = wave_docs(Repositories(stores[0]), users)
        await check_shape(docs)
        started = time.perf_counter()
        await fill_cosmos(stores[0], docs)
        load = time.perf_counter() - started
        SAMPLE_IDS = [user_id("slack", 0, n) for n in range(0, users, max(1, users // SAMPLE))]
        result = await timed_pass(stores, CountingNotifier, users, concurrency)
        delivered: Counter[str] = Counter()
        for notifier in result.pop("notifiers"):
            delivered.update(notifier.delivered)
        for store in stores:
            await store.close()
    finally:
        server.stop()
    once = exactly_once(delivered, users)
    assert once["missing"] == 0 and once["duplicates"] == 0, once
    return {
        "part": "throughput",
        "store": "cosmos-test-server",
        "notifier": "no-op",
        "load_seconds": round(load, 1),
        **result,
        **once,
    }


# --- (b) two instances against one ----------------------------------------------------------


async def instances_in_process(users: int, concurrency: int, instances: int, own_connection: bool) -> dict[str, Any]:
    global SAMPLE_IDS
    with tempfile.TemporaryDirectory() as folder:
        store, SAMPLE_IDS = await open_sqlite(folder, users)
        stores = [store]
        for _ in range(instances - 1):
            if own_connection:
                other = SqliteDocumentStore(str(Path(folder) / "wave.sqlite3"), SYNCHRONOUS)
                await other.open()
                stores.append(other)
            else:
                stores.append(store)
        result = await timed_pass(stores, CountingNotifier, users, concurrency)
        delivered: Counter[str] = Counter()
        for notifier in result.pop("notifiers"):
            delivered.update(notifier.delivered)
        for each in {id(s): s for s in stores}.values():
            await each.close()
    once = exactly_once(delivered, users)
    # A pass that failed (SQLite's lock between connections) leaves its users for the next pass.
    assert once["duplicates"] == 0 and (result["passes_failed"] or once["missing"] == 0), once
    connection = "own connection each" if own_connection else "one shared connection"
    mode = f"in one process, {connection}"
    return {"part": "instances", "store": "sqlite", "synchronous": SYNCHRONOUS, "mode": mode, **result, **once}


def counting_engine(store, instance: str, concurrency: int) -> tuple[ReminderEngine, CountingNotifier]:
    """An engine process's engine: the wave's clock, a notifier that counts, its own instance name."""
    notifier = CountingNotifier()
    services = Services.build(Repositories(store), FakeClock(DUE))
    return ReminderEngine(services, {"slack": notifier}, concurrency=concurrency, instance=instance), notifier


async def worker(path: str, instance: str, start_at: float, concurrency: int, out: str) -> None:
    """One OS process: opens the file, waits for the agreed start, runs one pass, writes what it sent."""
    store = SqliteDocumentStore(path, SYNCHRONOUS)
    await store.open()
    engine, notifier = counting_engine(store, instance, concurrency)
    await asyncio.sleep(max(0.0, start_at - time.time()))
    started = time.time()
    error = None
    try:
        summary = await engine.run()
    except Exception as failure:  # noqa: BLE001 - reported, not hidden: SQLite's lock between processes
        summary, error = RunSummary(now=DUE.isoformat()), f"{type(failure).__name__}: {failure}"
    ended = time.time()
    operations = store.operations.total
    await store.close()
    Path(out).write_text(
        json.dumps(
            {
                "started": started,
                "ended": ended,
                "sent": summary.sent,
                "shards": summary.shards,
                "operations": operations,
                "delivered": dict(notifier.delivered),
                "error": error,
            }
        )
    )


async def instances_as_processes(users: int, concurrency: int, instances: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        store, _ = await open_sqlite(folder, users)
        await store.close()
        start_at = time.time() + 4.0  # after every process has imported and opened the store
        outs = [str(Path(folder) / f"worker{n}.json") for n in range(instances)]
        workers = [
            await asyncio.create_subprocess_exec(
                sys.executable,
                "-m",
                "bench.reminders_wave",
                "--synchronous",
                SYNCHRONOUS,
                "--worker",
                str(Path(folder) / "wave.sqlite3"),
                f"proc{n}",
                str(start_at),
                str(concurrency),
                outs[n],
            )
            for n in range(instances)
        ]
        for process in workers:
            assert await process.wait() == 0
        reports = [json.loads(Path(out).read_text()) for out in outs]
    delivered: Counter[str] = Counter()
    for report in reports:
        delivered.update(report["delivered"])
    once = exactly_once(delivered, users)
    failed = [r["error"] for r in reports if r["error"]]
    assert once["duplicates"] == 0 and (failed or once["missing"] == 0), once
    elapsed = max(r["ended"] for r in reports) - min(r["started"] for r in reports)
    sent = sum(r["sent"] for r in reports)
    return {
        "part": "instances",
        "store": "sqlite",
        "synchronous": SYNCHRONOUS,
        "mode": "OS processes on one file",
        "users": users,
        "instances": instances,
        "concurrency": concurrency,
        "seconds": round(elapsed, 2),
        "nudges_per_second": round(sent / elapsed, 1),
        "store_ops_per_nudge": round(sum(r["operations"] for r in reports) / sent, 2),
        "sent": sent,
        "sent_by_instance": [r["sent"] for r in reports],
        "shards_drained": [r["shards"] for r in reports],
        "passes_failed": failed,
        **once,
    }


# --- (c) under the platform limits ------------------------------------------------------------


def computed_seconds(users: int, tenants: int, rate: int) -> float:
    """The limit alone: the busiest tenant's users at its rate (every tenant drains in parallel),
    from the first send to the last: the last window's sends go at its start, so one window less."""
    return max(math.ceil(math.ceil(users / tenants) / rate) - 1, 0)


async def simulate(users: int, tenants: int, channel: str, concurrency: int) -> dict[str, Any]:
    rate = RATES[channel]
    clock = FakeClock(DUE)

    async def sleep(seconds: float) -> None:
        # Sleepers waiting for the same window wake at the same instant: move the clock to the
        # latest instant asked for, never back, and let the others run.
        target = clock.now() + timedelta(seconds=seconds)
        await asyncio.sleep(0)
        if target > clock.now():
            clock.set(target)

    with tempfile.TemporaryDirectory() as folder:
        store = SqliteDocumentStore(str(Path(folder) / "sim.sqlite3"))
        await store.open()
        repos = Repositories(store)
        await fill_sqlite(store, wave_docs(repos, users, tenants, channel))
        notifier = CountingNotifier(channel, clock)
        engine = ReminderEngine(
            Services.build(repos, clock),
            {channel: notifier},
            concurrency=concurrency,
            per_second={channel: rate},
            instance="sim",
            sleep=sleep,
        )
        store.operations.reset()
        started = time.perf_counter()
        summary = await engine.run()
        real = time.perf_counter() - started
        operations = store.operations.total
        await store.close()
    once = exactly_once(notifier.delivered, users)
    assert once["missing"] == 0 and once["duplicates"] == 0 and summary.sent == users, (once, summary)
    simulated = (clock.now() - DUE).total_seconds()
    computed = computed_seconds(users, tenants, rate)
    return {
        "part": "limits",
        "channel": channel,
        "rate_per_tenant": rate,
        "users": users,
        "tenants": tenants,
        "concurrency": concurrency,
        "computed_seconds": round(computed, 1),
        "simulated_seconds": round(simulated, 1),
        "simulated_over_computed": round(simulated / computed, 3) if computed else None,
        # The limit itself: the most sends any tenant got in one one-second window (must be <= rate).
        "max_sends_in_one_window": max(notifier.by_window.values()),
        "real_seconds": round(real, 1),
        "store_ops_per_nudge": round(operations / users, 2),
        **once,
    }


def computed_table(users: int) -> list[dict[str, Any]]:
    rows = []
    for channel, rate in RATES.items():
        for tenants in (1, 10, 100, 1000):
            seconds = computed_seconds(users, tenants, rate)
            rows.append(
                {
                    "part": "limits-computed",
                    "channel": channel,
                    "rate_per_tenant": rate,
                    "users": users,
                    "tenants": tenants,
                    "computed_seconds": round(seconds, 1),
                }
            )
    return rows


# --- the command line ---------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI-sized: 1,000 users, SQLite only, in-process")
    parser.add_argument("--only", choices=("throughput", "instances", "limits", "cosmos"), action="append")
    parser.add_argument("--users", type=int, help="the wave on SQLite (default 100,000; 1,000 with --quick)")
    parser.add_argument("--notifier", choices=("no-op", "fake-slack"), action="append", help="default: both")
    parser.add_argument("--cosmos-users", type=int, default=10_000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--synchronous", choices=("FULL", "NORMAL"), default="FULL", help="the SQLite store's")
    parser.add_argument("--profile", help="write a cProfile of the no-op SQLite pass here")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--worker", nargs=5, help=argparse.SUPPRESS)
    args = parser.parse_args()
    global SYNCHRONOUS
    SYNCHRONOUS = args.synchronous
    if args.worker:
        path, instance, start_at, concurrency, out = args.worker
        asyncio.run(worker(path, instance, float(start_at), int(concurrency), out))
        return
    users = args.users or (1_000 if args.quick else 100_000)
    parts = set(args.only or ("throughput", "instances", "limits", "cosmos"))
    if args.quick:
        parts.discard("cosmos")
    c = args.concurrency
    results: list[dict[str, Any]] = []

    def keep(result: dict[str, Any]) -> None:
        results.append(result)
        print(json.dumps(result), flush=True)

    if "throughput" in parts:
        for notifier in args.notifier or ("no-op", "fake-slack"):
            keep(asyncio.run(throughput_sqlite(users, notifier, c, args.profile if notifier == "no-op" else None)))
    if "instances" in parts:
        keep(asyncio.run(instances_in_process(users, c, 1, own_connection=False)))
        keep(asyncio.run(instances_in_process(users, c, 2, own_connection=False)))
        keep(asyncio.run(instances_in_process(users, c, 2, own_connection=True)))
        if not args.quick:
            keep(asyncio.run(instances_as_processes(users, c, 1)))
            keep(asyncio.run(instances_as_processes(users, c, 2)))
    if "cosmos" in parts:
        keep(asyncio.run(throughput_cosmos(args.cosmos_users, c, 1)))
        keep(asyncio.run(throughput_cosmos(args.cosmos_users, c, 2)))
    if "limits" in parts:
        for row in computed_table(100_000):
            keep(row)
        sims = [(100, 1, "slack"), (200, 4, "msteams")] if args.quick else SIMULATIONS
        for users_sim, tenants, channel in sims:
            keep(asyncio.run(simulate(users_sim, tenants, channel, c)))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
