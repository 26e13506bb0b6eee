"""Roll-ups: totals and per-day counts land on the user's local calendar day, and exactly once."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.clock import FakeClock
from domain.entities import Task
from domain.errors import NotFound, Unavailable
from domain.rollups import day_key
from domain.services import Services
from persistence.port import StoreUnavailable
from persistence.repositories import Repositories
from persistence.rollup_ledger import ROLLUP_TYPE
from tests.fakes import InMemoryDocumentStore
from tests.unit.conftest import USER


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


async def complete_at(services: Services, clock: FakeClock, instant: datetime, title: str = "t") -> Task:
    task = await services.tasks.create_task(USER, title)
    clock.set(instant)
    return await services.tasks.complete_task(USER, task.id)


def test_day_key_is_the_local_date() -> None:
    assert day_key(utc(2026, 3, 2, 23, 30), "UTC") == "day:2026-03-02"
    assert day_key(utc(2026, 3, 2, 23, 30), "Asia/Tokyo") == "day:2026-03-03"
    assert day_key(utc(2026, 3, 2, 3, 0), "America/Los_Angeles") == "day:2026-03-01"


async def test_completion_at_2330_utc_counts_on_the_next_day_in_tokyo(
    services: Services, repos: Repositories, clock: FakeClock
) -> None:
    await services.users.update_user(USER, timezone="Asia/Tokyo")
    await complete_at(services, clock, utc(2026, 3, 2, 23, 30))
    # Created at 18:00 in Tokyo on the 2nd, completed at 08:30 there on the 3rd.
    assert await repos.rollup(USER, "day:2026-03-02") == {"tasks_total": 1, "tasks_created": 1}
    # 08:30 is early in the morning there, which the day counts for "Early bird" too.
    assert await repos.rollup(USER, "day:2026-03-03") == {"tasks_completed": 1, "tasks_completed_early": 1}
    assert await repos.rollup(USER, "totals") == {"tasks_total": 1, "tasks_completed": 1}


async def test_the_same_instant_counts_on_the_utc_day_for_a_utc_user(
    services: Services, repos: Repositories, clock: FakeClock
) -> None:
    await complete_at(services, clock, utc(2026, 3, 2, 23, 30))
    late = {"tasks_completed_late": 1}  # 23:30 is at night: kept apart so it earns no XP
    assert await repos.rollup(USER, "day:2026-03-02") == {
        "tasks_total": 1,
        "tasks_created": 1,
        "tasks_completed": 1,
        **late,
    }
    assert await repos.rollup(USER, "day:2026-03-03") == {}


async def test_local_days_across_the_madrid_dst_change(
    services: Services, repos: Repositories, clock: FakeClock
) -> None:
    # On 2026-10-25 Madrid goes from UTC+2 back to UTC+1 at 03:00 local time (01:00 UTC).
    await services.users.update_user(USER, timezone="Europe/Madrid")
    for instant in (
        utc(2026, 10, 24, 21, 30),  # 23:30 CEST on the 24th
        utc(2026, 10, 24, 22, 30),  # 00:30 CEST on the 25th
        utc(2026, 10, 25, 0, 59),  # 02:59 CEST on the 25th
        utc(2026, 10, 25, 1, 30),  # 02:30 CET on the 25th (the repeated hour)
        utc(2026, 10, 25, 22, 30),  # 23:30 CET on the 25th (a day earlier this was 00:30)
        utc(2026, 10, 25, 23, 0),  # 00:00 CET on the 26th
    ):
        await complete_at(services, clock, instant)
    completed = {n: (await repos.rollup(USER, f"day:2026-10-{n}")).get("tasks_completed") for n in (24, 25, 26)}
    assert completed == {24: 1, 25: 4, 26: 1}


async def test_reopen_takes_the_completion_off_the_local_day_it_was_counted_on(
    services: Services, repos: Repositories, clock: FakeClock
) -> None:
    await services.users.update_user(USER, timezone="Asia/Tokyo")
    task = await complete_at(services, clock, utc(2026, 3, 2, 23, 30))
    clock.set(utc(2026, 3, 5, 12, 0))
    await services.tasks.reopen_task(USER, task.id)
    assert await repos.rollup(USER, "day:2026-03-03") == {"tasks_completed": 0, "tasks_completed_early": 0}
    assert (await repos.rollup(USER, "day:2026-03-05")).get("tasks_completed") is None
    assert (await services.stats.summary(USER))["completed_tasks"] == 0


async def test_work_hours_count_on_the_local_day_the_session_started(
    services: Services, repos: Repositories, clock: FakeClock
) -> None:
    await services.users.update_user(USER, timezone="America/New_York")
    clock.set(utc(2026, 3, 3, 2, 0))  # 21:00 on the 2nd in New York
    session = await services.work_sessions.start_session(USER)
    clock.advance(hours=3)
    await services.work_sessions.end_session(USER, session.id)
    # 22:00 to midnight was worked late: that night (the 2nd's) counts a late session too.
    assert await repos.rollup(USER, "day:2026-03-02") == {"sessions_total": 1, "hours_total": 3.0, "late_sessions": 1}
    assert await repos.rollup(USER, "day:2026-03-03") == {}


async def test_focus_sessions_count_on_the_local_day(services: Services, repos: Repositories, clock: FakeClock) -> None:
    await services.users.update_user(USER, timezone="Asia/Tokyo")
    clock.set(utc(2026, 3, 2, 15, 30))  # 00:30 on the 3rd in Tokyo
    session = await services.focus.start(USER, 30)
    clock.advance(minutes=30)  # ends at 01:00, still the 3rd; it counts on the day it started
    await services.focus.complete(USER, session.session_id)
    assert await repos.rollup(USER, "day:2026-03-03") == {
        "focus_total": 1,
        "focus_minutes": 30,
        "focus_completed": 1,
        "focus_completed_minutes": 30,
        # Started at 00:30: night work, kept apart so it earns no XP.
        "focus_completed_late": 1,
        "focus_completed_late_minutes": 30,
    }
    assert await repos.rollup(USER, "day:2026-03-02") == {}


def fail_next_rollup_write(store: InMemoryDocumentStore, monkeypatch: pytest.MonkeyPatch) -> None:
    """The next write of a roll-up document fails, as if the process died between the entity
    write and the roll-up write."""
    armed = [True]

    def failing(write):
        async def wrapper(doc, *args):
            if doc["type"] == ROLLUP_TYPE and armed[0]:
                armed[0] = False
                raise StoreUnavailable("crash")
            return await write(doc, *args)

        return wrapper

    monkeypatch.setattr(store, "create", failing(store.create))
    monkeypatch.setattr(store, "replace", failing(store.replace))


async def test_a_roll_up_change_cut_short_is_finished_once_by_the_next_reader(
    services: Services, store: InMemoryDocumentStore, repos: Repositories, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_next_rollup_write(store, monkeypatch)
    with pytest.raises(Unavailable):
        await services.tasks.create_task(USER, "half written")
    assert [t.title for t in await services.tasks.list_tasks(USER)] == ["half written"]
    for _ in range(2):
        assert (await services.stats.summary(USER))["total_tasks"] == 1
    assert await repos.rollup(USER, "day:2026-03-02") == {"tasks_total": 1, "tasks_created": 1}


async def test_a_delete_cut_short_is_hidden_then_finished(
    services: Services, store: InMemoryDocumentStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    task = await services.tasks.create_task(USER, "going")
    await services.tasks.complete_task(USER, task.id)
    fail_next_rollup_write(store, monkeypatch)
    with pytest.raises(Unavailable):
        await services.tasks.delete_task(USER, task.id)
    assert await services.tasks.list_tasks(USER) == []
    summary = await services.stats.summary(USER)
    assert (summary["total_tasks"], summary["completed_tasks"]) == (0, 0)
    with pytest.raises(NotFound):
        await services.tasks.get_task(USER, task.id)
    assert [key for key in store.documents if key[1] == task.id] == []
