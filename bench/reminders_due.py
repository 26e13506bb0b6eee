"""How long finding due reminders takes as the number of users grows, on SQLite and Cosmos.

    .venv/bin/python -m bench.reminders_due                 # 1k, 10k, 100k users on SQLite; 1k on Cosmos
    .venv/bin/python -m bench.reminders_due --quick         # 1k and 10k on SQLite only

Each user has a reminder schedule document; 50 of them are due at the measured instant, the
rest later (as after a pass). The engine's lookup (`ReminderService.due`, an indexed range read
on ``next_due``) is timed against a baseline that reads every schedule and filters in Python,
which is what a scan over users costs. Documents are written straight through the store in the
shape the repository writes, then one real engine pass checks the lookup finds exactly the 50.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from domain.clock import FakeClock
from domain.reminders.schedule import ReminderSchedule
from domain.services import Services
from persistence.mapping import reminder_schedule_doc
from persistence.port import Query
from persistence.repositories import Repositories
from persistence.sqlite_store import SqliteDocumentStore

NOW = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
DUE = 50


def schedule_docs(users: int) -> list[dict]:
    docs = []
    for n in range(users):
        # The first DUE users are due a minute ago; the others between 1 minute and 6 hours ahead.
        offset = timedelta(minutes=-1) if n < DUE else timedelta(minutes=1 + n % 360)
        doc = reminder_schedule_doc(ReminderSchedule(f"bench:user:{n}", NOW + offset))
        doc.update(type="reminder_schedule", rollup_pending=None)
        docs.append(doc)
    return docs


async def fill_sqlite(store: SqliteDocumentStore, docs: list[dict]) -> None:
    db = store._require()  # noqa: SLF001 - bulk load in one transaction; the port has no batch insert
    await db.execute("BEGIN")
    await db.executemany(
        "INSERT INTO documents (user_id, id, type, etag, body) VALUES (?, ?, ?, ?, ?)",
        [(d["user_id"], d["id"], d["type"], f"e{i}", json.dumps(d)) for i, d in enumerate(docs)],
    )
    await db.execute("COMMIT")


async def timed(call, repeat: int) -> dict[str, float]:
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        await call()
        samples.append((time.perf_counter() - started) * 1000)
    samples.sort()
    return {
        "p50_ms": round(statistics.median(samples), 3),
        "p95_ms": round(samples[int(len(samples) * 0.95) - 1], 3),
        "n": repeat,
    }


async def measure(store, users: int, repeat: int) -> dict:
    services = Services.build(Repositories(store), FakeClock(NOW))
    found = await services.reminders.due(NOW, 500)
    assert len(found) == DUE, (len(found), DUE)
    store.operations.reset()
    indexed = await timed(lambda: services.reminders.due(NOW, 500), repeat)
    operations = store.operations.total / repeat

    async def scan():
        everyone = await store.query(Query("reminder_schedule", None))
        return [d for d in everyone if d["next_due"] <= NOW.isoformat()]

    baseline = await timed(scan, max(3, repeat // 20))
    return {
        "users": users,
        "due": DUE,
        "indexed": indexed,
        "store_ops_per_lookup": operations,
        "scan_baseline": baseline,
        "ratio_scan_over_indexed": round(baseline["p50_ms"] / indexed["p50_ms"], 1),
    }


async def sqlite_run(sizes: list[int], repeat: int) -> list[dict]:
    results = []
    for users in sizes:
        with tempfile.TemporaryDirectory() as folder:
            store = SqliteDocumentStore(str(Path(folder) / "bench.sqlite3"))
            await store.open()
            await fill_sqlite(store, schedule_docs(users))
            results.append({"store": "sqlite", **await measure(store, users, repeat)})
            await store.close()
        print(json.dumps(results[-1]), flush=True)
    return results


async def cosmos_run(users: int, repeat: int) -> list[dict]:
    from persistence.cosmos_store import CosmosDocumentStore
    from tools.cosmos_server import CosmosServer

    server = CosmosServer()
    server.start()
    try:
        store = CosmosDocumentStore(server.uri, server.key, "bench", "documents", verify_tls=False)
        await store.open()
        docs = schedule_docs(users)
        for start in range(0, len(docs), 64):
            await asyncio.gather(*(store.create(doc) for doc in docs[start : start + 64]))
        result = {"store": "cosmos-test-server", **await measure(store, users, repeat)}
        await store.close()
        print(json.dumps(result), flush=True)
        return [result]
    finally:
        server.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    sizes = [1_000, 10_000] if args.quick else [1_000, 10_000, 100_000]
    results = asyncio.run(sqlite_run(sizes, repeat=100 if args.quick else 300))
    if not args.quick:
        results += asyncio.run(cosmos_run(1_000, repeat=30))
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
