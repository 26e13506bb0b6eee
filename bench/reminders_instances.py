"""Two reminder engines against one on the Cosmos DB test server: a wave of N users (default
10,000) with one break nudge due in the same minute, delivered by one engine process and by two,
each process with its own Cosmos client, the real ``ReminderEngine`` and its shard leases.

    .venv/bin/python -m bench.reminders_instances                      # 10,000 users, 1 then 2 engines
    .venv/bin/python -m bench.reminders_instances --users 2000 --json out.json
    .venv/bin/python -m bench.reminders_instances --users 1000 --instances 1 --server as-tests

The server: ``as-tests`` is the command line the tests start (a new connection per request, every
query evaluated over every document of the container: hours of server time for this wave);
``keep-alive`` keeps connections open; ``partitioned`` (the default) also answers a partition's
queries from that partition, as Cosmos DB does (``bench/cosmos_server.js`` says how).

The wave is the one of ``bench.reminders_wave`` (same documents, same shape and sample checks);
this module only loads it fast and runs the engines as separate OS processes. Loading: one
transactional batch per user (a user's five documents share the partition, as a batch must on
Cosmos DB), 64 batches in flight. Each measured run gets a fresh database on one server process,
loaded the same way, so one and two engines start from the same state.

Counted per run: deliveries per user (every nudge exactly once, none left due), wall time from the
first engine's start to the last one's end, CPU seconds of each engine process and of the test
server's process over the pass (from /proc), and the load average before and after.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from azure.cosmos.aio import CosmosClient

from bench.reminders_wave import (
    DUE,
    SAMPLE,
    check_sample,
    check_shape,
    counting_engine,
    exactly_once,
    user_id,
    wave_docs,
)
from domain.clock import FakeClock
from domain.services import Services
from persistence.cosmos_store import CosmosDocumentStore
from persistence.repositories import Repositories
from tools.cosmos_server import EMULATOR_KEY, HOST, ROOT, CosmosServer, _accepts, _free_port

CONTAINER = "documents"
# Starts the same npm package as the tests, keeping connections open and, with --partitioned,
# answering a partition's queries from that partition only (see the script).
SERVER_SCRIPT = Path(__file__).with_name("cosmos_server.js")
LOAD_CONCURRENCY = 64  # batches in flight while loading: enough to keep the server busy, not its socket queue
SERVERS = ("as-tests", "keep-alive", "partitioned")
START_DELAY = 5.0  # seconds for every engine process to import, connect and wait for the agreed start


def cosmos_store(uri: str, key: str, database: str) -> CosmosDocumentStore:
    return CosmosDocumentStore(uri, key, database, CONTAINER, verify_tls=False)


def by_user(docs: Iterable[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        grouped.setdefault(doc["user_id"], []).append(doc)
    return grouped


async def load(store: CosmosDocumentStore, docs: list[dict[str, Any]], concurrency: int = LOAD_CONCURRENCY) -> int:
    """Create ``docs`` with one transactional batch per partition, ``concurrency`` at once;
    returns the number of requests. The port has no batch write, so this goes to the container."""
    container = await store._ready()  # noqa: SLF001 - bulk load; the port has no batch insert
    gate = asyncio.Semaphore(concurrency)

    async def one(partition: str, documents: list[dict[str, Any]]) -> None:
        async with gate:
            results = await container.execute_item_batch([("create", (doc,)) for doc in documents], partition)
            failed = [r for r in results if int(r.get("statusCode", 0)) >= 400]
            assert not failed, (partition, failed)

    grouped = by_user(docs)
    await asyncio.gather(*(one(partition, documents) for partition, documents in grouped.items()))
    return len(grouped)


class ScriptedServer(CosmosServer):
    """The same test server started by ``SERVER_SCRIPT``: connections kept open, and with
    ``partitioned`` single-partition queries evaluated over their partition only."""

    def __init__(self, partitioned: bool) -> None:
        super().__init__()
        self.partitioned = partitioned

    def start(self, timeout: float = 20.0) -> ScriptedServer:
        self.port = _free_port()
        flags = ["--partitioned"] if self.partitioned else []
        self.process = subprocess.Popen(
            ["node", str(SERVER_SCRIPT), str(self.port), HOST, *flags],
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None:
            if _accepts(self.port):
                return self
            time.sleep(0.05)
        self.stop()
        raise RuntimeError("the scripted Cosmos test server did not start")


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of a process so far, from /proc (Linux)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def sample_ids(users: int) -> list[str]:
    return [user_id("slack", 0, n) for n in range(0, users, max(1, users // SAMPLE))]


async def prepare(uri: str, key: str, database: str, users: int) -> dict[str, Any]:
    """A fresh database holding the wave, checked as ``bench.reminders_wave`` checks it."""
    store = cosmos_store(uri, key, database)
    await store.open()
    try:
        docs = wave_docs(Repositories(store), users)
        await check_shape(docs)
        started = time.perf_counter()
        requests = await load(store, docs)
        seconds = time.perf_counter() - started
        await check_sample(Services.build(Repositories(store), FakeClock(DUE)), sample_ids(users))
    finally:
        await store.close()
    return {"documents": len(docs), "load_requests": requests, "load_seconds": round(seconds, 1)}


async def worker(uri: str, key: str, database: str, instance: str, start_at: float, concurrency: int, out: str) -> None:
    """One engine process: its own client, one pass at the agreed instant, what it sent to ``out``."""
    store = cosmos_store(uri, key, database)
    await store.open()
    engine, notifier = counting_engine(store, instance, concurrency)
    await asyncio.sleep(max(0.0, start_at - time.time()))
    cpu_before, started = time.process_time(), time.time()
    summary = await engine.run()
    ended, cpu = time.time(), time.process_time() - cpu_before
    operations = store.operations.total
    await store.close()
    Path(out).write_text(
        json.dumps(
            {
                "instance": instance,
                "started": started,
                "ended": ended,
                "cpu_seconds": round(cpu, 2),
                "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
                "sent": summary.sent,
                "shards": summary.shards,
                "operations": operations,
                "delivered": dict(notifier.delivered),
            }
        )
    )


async def left_due(uri: str, key: str, database: str) -> int:
    """How many schedules are still due after the pass; then the database goes (the server keeps
    everything in memory)."""
    store = cosmos_store(uri, key, database)
    await store.open()
    try:
        return len(await Services.build(Repositories(store), FakeClock(DUE)).reminders.due(DUE, 10))
    finally:
        await store.close()
        async with CosmosClient(uri, key, connection_verify=False) as client:
            await client.delete_database(database)


async def run_engines(server: Any, users: int, instances: int, concurrency: int, folder: str) -> dict[str, Any]:
    database = f"instances{uuid.uuid4().hex[:8]}"
    prepared = await prepare(server.uri, server.key, database, users)
    load_before = os.getloadavg()
    start_at = time.time() + START_DELAY
    outs = [str(Path(folder) / f"{database}-{n}.json") for n in range(instances)]
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "bench.reminders_instances",
            "--worker",
            server.uri,
            database,
            f"engine{n}",
            str(start_at),
            str(concurrency),
            outs[n],
        )
        for n in range(instances)
    ]
    await asyncio.sleep(max(0.0, start_at - time.time()))
    server_cpu_before = cpu_seconds(server.process.pid)
    for process in processes:
        assert await process.wait() == 0, "an engine process failed"
    server_cpu = cpu_seconds(server.process.pid) - server_cpu_before
    load_after = os.getloadavg()
    reports = [json.loads(Path(out).read_text()) for out in outs]
    delivered: Counter[str] = Counter()
    for report in reports:
        delivered.update(report.pop("delivered"))
    once = exactly_once(delivered, users)
    left = await left_due(server.uri, server.key, database)
    assert once["missing"] == 0 and once["duplicates"] == 0 and left == 0, (once, left)
    elapsed = max(r["ended"] for r in reports) - min(r["started"] for r in reports)
    sent = sum(r["sent"] for r in reports)
    engines_cpu = sum(r["cpu_seconds"] for r in reports)
    return {
        "store": "cosmos-test-server",
        "notifier": "no-op",
        "users": users,
        "instances": instances,
        "concurrency": concurrency,
        **prepared,
        "seconds": round(elapsed, 2),
        "nudges_per_second": round(sent / elapsed, 1),
        "store_ops_per_nudge": round(sum(r["operations"] for r in reports) / max(sent, 1), 2),
        "sent": sent,
        "sent_by_instance": [r["sent"] for r in reports],
        "shards_by_instance": [r["shards"] for r in reports],
        "engine_cpu_seconds": [r["cpu_seconds"] for r in reports],
        # Each engine's own pass, from the common start: (began after, ended after) in seconds.
        "engine_span_seconds": [
            [round(r["started"] - min(q["started"] for q in reports), 2), round(r["ended"] - r["started"], 2)]
            for r in reports
        ],
        "server_cpu_seconds": round(server_cpu, 2),
        # How busy the one server process was over the pass: 1.0 is a whole core, all along.
        "server_cpu_share": round(server_cpu / elapsed, 2),
        "engines_cpu_share": round(engines_cpu / elapsed, 2),
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "left_due": left,
        **once,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--instances", type=int, nargs="+", default=[1, 2], help="engine counts to run, in order")
    parser.add_argument("--concurrency", type=int, default=16, help="each engine's users at once")
    parser.add_argument(
        "--server",
        choices=SERVERS,
        default="partitioned",
        help="as-tests: the command line the tests run (a connection per request, every query scans the "
        "container); keep-alive: connections kept open; partitioned: and single-partition queries read their "
        "partition only",
    )
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--worker", nargs=6, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        uri, database, instance, start_at, concurrency, out = args.worker
        asyncio.run(worker(uri, EMULATOR_KEY, database, instance, float(start_at), int(concurrency), out))
        return
    results: list[dict[str, Any]] = []
    server = CosmosServer() if args.server == "as-tests" else ScriptedServer(args.server == "partitioned")
    server.start()
    try:
        with tempfile.TemporaryDirectory() as folder:
            for instances in args.instances:
                result = asyncio.run(run_engines(server, args.users, instances, args.concurrency, folder))
                result["server"] = args.server
                results.append(result)
                print(json.dumps(result), flush=True)
    finally:
        server.stop()
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
