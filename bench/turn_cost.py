"""What one chat turn costs the store: round trips per command, by operation, and how long.

    .venv/bin/python -m bench.turn_cost                        # SQLite
    .venv/bin/python -m bench.turn_cost --cosmos-uri https://127.0.0.1:8081/ --insecure
    .venv/bin/python -m bench.turn_cost --rounds 40 --json /tmp/turn_cost.json

A returning user (onboarded; has added, listed and finished a task) sends Slack-shaped messages
with delivery ids through ``Dialogs.handle`` over the services the app builds, so each turn pays
for everything a real one does: redelivery dedupe, the user, the conversation, the command, the
roll-up ledger and the pet's and progress' word after it. The store's operation counter is reset
before each turn and read after it; its trail names every operation. Measured: the user's very
first message, then ``rounds`` times ``add Write the report due friday 5pm``, ``tasks`` and
``done 1`` (some of the dones earn a level), then the first ``add`` and ``done`` of a new day.

Cosmos DB: any account or emulator the SDK reaches (``--cosmos-key`` defaults to the public
emulator key); a fresh database is made and dropped. Nothing here comes from the tests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.dialogs.router import Dialogs
from bot.messages import IncomingMessage
from domain.clock import FakeClock
from domain.services import Services  # noqa: I001 - first: the domain packages import each other
from persistence.port import DocumentStore
from persistence.repositories import Repositories
from persistence.sqlite_store import SqliteDocumentStore

USER = "slack:T1:U1"
START = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)  # a Monday
WARM_UP = ("skip", "skip", "add Call the bank", "tasks", "done 1", "tasks")
ROUND = ("add Write the report due friday 5pm", "tasks", "done 1")
BUDGETS = {"add": 8, "tasks": 4, "done": 8}
EMULATOR_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="


class Chat:
    def __init__(self, store: DocumentStore) -> None:
        self.store = store
        self.clock = FakeClock(START)
        self.dialogs = Dialogs(Services.build(Repositories(store), self.clock))
        self.sent = 0

    async def turn(self, text: str) -> dict[str, Any]:
        """One message; its store operations (total, by kind, trail), its time and first reply."""
        self.sent += 1
        self.clock.advance(seconds=20)
        operations = self.store.operations
        operations.reset()
        started = time.perf_counter()
        replies = await self.dialogs.handle(
            IncomingMessage(USER, "slack", "D1", text=text, user_name="Ada", delivery_id=f"Ev{self.sent:08d}")
        )
        elapsed = (time.perf_counter() - started) * 1000
        return {
            "text": text,
            "ops": operations.total,
            "by_kind": dict(operations.by_kind),
            "trail": list(operations.trail),
            "ms": elapsed,
            "reply": replies[0].text.splitlines()[0] if replies else "",
        }


async def measure(store: DocumentStore, rounds: int) -> dict[str, Any]:
    chat = Chat(store)
    first = await chat.turn("add Buy milk")
    for text in WARM_UP:
        await chat.turn(text)
    by_command: dict[str, list[dict[str, Any]]] = {}
    for _ in range(rounds):
        for text in ROUND:
            by_command.setdefault(text.split()[0], []).append(await chat.turn(text))
    chat.clock.advance(days=1)
    new_day_add = await chat.turn("add Plan the week")
    chat.clock.advance(days=1)
    await chat.turn("tasks")
    new_day_done = await chat.turn("done 1")
    return {"first_turn": first, "commands": by_command, "new_day": {"add": new_day_add, "done": new_day_done}}


def summary(results: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for command, turns in results["commands"].items():
        ops = [t["ops"] for t in turns]
        out[command] = {
            "min": min(ops),
            "max": max(ops),
            "median_ms": statistics.median(t["ms"] for t in turns),
            "budget": BUDGETS[command],
            "within": max(ops) <= BUDGETS[command],
            "typical_trail": Counter(tuple(t["trail"]) for t in turns).most_common(1)[0][0],
            "costliest_trail": max(turns, key=lambda t: t["ops"])["trail"],
        }
    return out


async def run_sqlite(rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteDocumentStore(str(Path(folder) / "bench.sqlite3"))
        await store.open()
        try:
            return await measure(store, rounds)
        finally:
            await store.close()


async def run_cosmos(uri: str, key: str, verify_tls: bool, rounds: int) -> dict[str, Any]:
    from azure.cosmos.aio import CosmosClient

    from persistence.cosmos_store import CosmosDocumentStore

    database = f"bench-turn-{uuid.uuid4().hex[:8]}"
    store = CosmosDocumentStore(uri, key, database, "documents", verify_tls=verify_tls)
    await store.open()
    try:
        return await measure(store, rounds)
    finally:
        await store.close()
        async with CosmosClient(uri, key, connection_verify=verify_tls) as client:
            await client.delete_database(database)


def compact(result: dict[str, Any]) -> dict[str, Any]:
    """The raw numbers of every turn; the operations in order only where the report shows them."""
    return {
        "first_turn": result["first_turn"],
        "new_day": result["new_day"],
        "summary": summary(result),
        "turns": {
            command: [{k: t[k] for k in ("ops", "by_kind", "ms")} for t in turns]
            for command, turns in result["commands"].items()
        },
    }


def shorten(trail: list[str]) -> str:
    """Operations in order, with ids of tasks (random) replaced by "task"."""

    def name(entry: str) -> str:
        kind, _, what = entry.partition(" ")
        if len(what) == 36 and what.count("-") == 4:
            what = "task"
        return f"{kind} {what}".strip()

    return ", ".join(name(entry) for entry in trail)


def report(results: dict[str, dict[str, Any]], rounds: int) -> str:
    lines = [
        f"Rounds: {rounds}. Machine: {platform.python_implementation()} {platform.python_version()}, "
        f"{platform.platform()}.",
        "",
    ]
    for store, result in results.items():
        table = summary(result)
        lines += [f"### {store}", "", "| turn | store operations | budget | median ms |", "|---|---:|---:|---:|"]
        first = result["first_turn"]
        lines.append(f"| first message ever (`add Buy milk`) | {first['ops']} | – | {first['ms']:.1f} |")
        for command, row in table.items():
            span = f"{row['min']}" if row["min"] == row["max"] else f"{row['min']}–{row['max']}"
            lines.append(f"| `{command}` | {span} | {row['budget']} | {row['median_ms']:.1f} |")
        for command, turn in result["new_day"].items():
            lines.append(f"| `{command}`, first of a new day | {turn['ops']} | {BUDGETS[command]} | {turn['ms']:.1f} |")
        lines += ["", "Operations, in order:", ""]
        lines.append(f"- first message: {shorten(first['trail'])}")
        for command, row in table.items():
            lines.append(f"- `{command}`: {shorten(list(row['typical_trail']))}")
            if list(row["costliest_trail"]) != list(row["typical_trail"]):
                lines.append(f"- `{command}`, costliest: {shorten(row['costliest_trail'])}")
        for command, turn in result["new_day"].items():
            lines.append(f"- `{command}`, first of a new day: {shorten(turn['trail'])}")
        lines.append("")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=20, help="add / tasks / done rounds per store")
    parser.add_argument("--cosmos-uri", help="also measure on this Cosmos DB account or emulator")
    parser.add_argument("--cosmos-key", default=EMULATOR_KEY)
    parser.add_argument("--insecure", action="store_true", help="don't verify the Cosmos TLS certificate")
    parser.add_argument("--json", type=Path, help="write the raw results here")
    args = parser.parse_args()
    results = {"SQLite": asyncio.run(run_sqlite(args.rounds))}
    if args.cosmos_uri:
        results["Cosmos DB"] = asyncio.run(run_cosmos(args.cosmos_uri, args.cosmos_key, not args.insecure, args.rounds))
    print(report(results, args.rounds))
    if args.json:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True).stdout.strip()
        args.json.write_text(
            json.dumps(
                {
                    "commit": commit,
                    "rounds": args.rounds,
                    "results": {store: compact(result) for store, result in results.items()},
                },
                indent=1,
            )
        )
    over = [
        f"{store} {command}"
        for store, result in results.items()
        for command, row in summary(result).items()
        if not row["within"]
    ]
    if over:
        sys.exit(f"over budget: {', '.join(over)}")


if __name__ == "__main__":
    main()
