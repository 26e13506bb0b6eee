"""The companion on the real stores (SQLite and the Cosmos DB test server): XP follows undo,
an achievement is announced once under concurrency, and the personas rank the same."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from domain.clock import FakeClock
from domain.services import Services
from persistence.repositories import Repositories
from tests.companion_setup import PERSONAS, build_companion, live

USER = "slack:T1:U1"


def world(store):
    repos = Repositories(store)
    clock = FakeClock(datetime(2026, 3, 2, 9, tzinfo=UTC))
    services = Services.build(repos, clock)
    return services, clock, build_companion(repos, services, clock)


async def test_xp_follows_undo_and_achievements_fire_once(store) -> None:
    services, clock, companion = world(store)
    await services.users.ensure(USER)
    task = await services.tasks.create_task(USER, "report")
    await services.tasks.complete_task(USER, task.id)
    assert (await companion.progress.snapshot(USER)).xp == 20
    announced = await asyncio.gather(*(companion.progress.newly_earned(USER) for _ in range(3)))
    assert sorted(len(batch) for batch in announced) == [0, 0, 1]
    await services.tasks.undo(USER)
    progress = await companion.progress.snapshot(USER)
    assert progress.xp == 0 and [e.achievement.id for e in progress.achievements] == ["first_task"]


async def test_the_checkpoint_survives_the_store(store) -> None:
    services, clock, companion = world(store)
    await services.users.ensure(USER)
    for day in range(2, 26):
        clock.set(datetime(2026, 3, day, 10, tzinfo=UTC))
        if clock.now().weekday() < 5:
            task = await services.tasks.create_task(USER, f"day {day}")
            await services.tasks.complete_task(USER, task.id)
    first = await companion.progress.snapshot(USER)
    again = await build_companion(Repositories(store), services, clock).progress.snapshot(USER)
    assert first == again and first.xp == 18 * 20 and first.streak_days == 18


async def test_personas_rank_the_same_on_this_store(store) -> None:
    services, clock, companion = world(store)
    scores = {}
    for name in PERSONAS:
        scores[name] = (await companion.insights.assess(await live(name, services, clock))).score
    assert scores["overworked"] > scores["erratic"] > scores["balanced"] >= scores["idle"]
