"""Reminder dispatch throughput: one engine pass delivering a nudge to each of N users
through the real Slack notifier to a fake Slack Web API on loopback.

    .venv/bin/python -m bench.reminders_dispatch            # 200 and 1,000 users, concurrency 16 and 64
    .venv/bin/python -m bench.reminders_dispatch --quick    # 200 users, concurrency 16

Users are set up through the real services (clocked in an hour before the pass, so each has one
break nudge due; water is switched off to get exactly one each). The pass is timed from the due
lookup to the last chat.postMessage acknowledged; the fake answers at once, so this is the bot's own
cost per nudge (claim + lease write, delivery, settle write), not Slack's latency.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.adapters.slack.notifier import SlackNotifier
from bot.reminders.engine import ReminderEngine
from domain.clock import FakeClock
from domain.services import Services
from persistence.repositories import Repositories
from persistence.sqlite_store import SqliteDocumentStore
from tools.fakes.slack_api import BOT_TOKEN, FakeSlackApi

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Madrid, a Monday


async def setup(services: Services, clock: FakeClock, users: int) -> None:
    clock.set(START)
    for n in range(users):
        user = f"slack:TBENCH:U{n}"
        await services.users.ensure(user, f"User {n}")
        await services.users.update_user(user, timezone="Europe/Madrid", reminder=("water", {"on": False}))
        await services.conversations.remember_address(
            user, "slack", {"team_id": "TBENCH", "user": f"U{n}", "channel": f"D{n}"}
        )
        await services.work_sessions.start_session(user)


async def one(users: int, concurrency: int) -> dict:
    fake = FakeSlackApi()
    await fake.start()
    with tempfile.TemporaryDirectory() as folder:
        store = SqliteDocumentStore(str(Path(folder) / "bench.sqlite3"))
        await store.open()
        clock = FakeClock(START)
        services = Services.build(Repositories(store), clock)
        await setup(services, clock, users)
        engine = ReminderEngine(
            services, {"slack": SlackNotifier(BOT_TOKEN, fake.base_url)}, batch=users, concurrency=concurrency
        )
        clock.set(START + timedelta(hours=1))
        store.operations.reset()
        started = time.perf_counter()
        summary = await engine.run()
        elapsed = time.perf_counter() - started
        posted = len(fake.calls_to("chat.postMessage"))
        operations = store.operations.total
        await store.close()
    await fake.close()
    assert summary.sent == users == posted, (summary, posted)
    return {
        "users": users,
        "concurrency": concurrency,
        "seconds": round(elapsed, 3),
        "nudges_per_second": round(users / elapsed, 1),
        "store_ops_per_nudge": round(operations / users, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--json", help="write the results here")
    args = parser.parse_args()
    plan = [(200, 16)] if args.quick else [(200, 16), (1000, 16), (1000, 64)]
    results = []
    for users, concurrency in plan:
        results.append(asyncio.run(one(users, concurrency)))
        print(json.dumps(results[-1]), flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
