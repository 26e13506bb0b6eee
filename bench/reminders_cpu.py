"""The Python side of a reminder wave, without writes or sends: how much of the event loop's
CPU the engine's reads (``ReminderService.snapshots``, 64 users a call as the engine reads
them) and its policy (``plan``) cost a user. Steadier than a whole pass on a shared machine:
one thread's CPU time, best of several rounds over the same loaded users.

``python -m bench.reminders_cpu [--users N] [--rounds N] [--json FILE]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.reminders_wave import DUE, open_sqlite
from domain.clock import FakeClock
from domain.reminders.policy import plan
from domain.services import Services
from persistence.repositories import Repositories

CHUNK = 64  # users per snapshots call, as the engine reads them


async def measure(users: int, rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory() as folder:
        store, _ = await open_sqlite(folder, users)
        try:
            reminders = Services.build(Repositories(store), FakeClock(DUE)).reminders
            schedules = await reminders.due(DUE, users + 1)
            assert len(schedules) == users, len(schedules)
            reads, plans = [], []
            for _ in range(rounds):
                started = time.thread_time()
                snapshots = []
                for start in range(0, users, CHUNK):
                    snapshots += await reminders.snapshots(schedules[start : start + CHUNK], ["slack"], DUE)
                read = time.thread_time()
                for schedule, snapshot in zip(schedules, snapshots, strict=True):
                    assert snapshot.user is not None and snapshot.activity is not None
                    assert [n.kind for n in plan(snapshot.user, snapshot.activity, schedule.sent, DUE).due] == ["break"]
                reads.append((read - started) / users * 1e6)
                plans.append((time.thread_time() - read) / users * 1e6)
        finally:
            await store.close()
    return {
        "users": users,
        "rounds": rounds,
        "read_us_per_user": round(min(reads), 1),
        "plan_us_per_user": round(min(plans), 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=3000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--json")
    args = parser.parse_args()
    result = asyncio.run(measure(args.users, args.rounds))
    print(json.dumps(result))
    if args.json:
        Path(args.json).write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    main()
