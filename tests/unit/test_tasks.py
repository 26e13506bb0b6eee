"""TaskService: creating, listing, completing, reopening, editing and deleting tasks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from domain.clock import FakeClock
from domain.errors import NotFound, ValidationError
from domain.services import Services
from tests.unit.conftest import OTHER, START, USER


def day(n: int, hour: int = 12) -> datetime:
    return datetime(2026, 3, n, hour, tzinfo=UTC)


async def totals(services: Services) -> tuple[int, int]:
    summary = await services.stats.summary(USER)
    return summary["total_tasks"], summary["completed_tasks"]


async def titles(services: Services, **filters) -> list[str]:
    return [task.title for task in await services.tasks.list_tasks(USER, **filters)]


async def test_create_cleans_input_and_stores_the_task(services: Services) -> None:
    task = await services.tasks.create_task(USER, "  Write report  ", notes=" for Ana ", due_at=day(5), priority="HIGH")
    assert (task.title, task.notes, task.priority, task.due_at) == ("Write report", "for Ana", "high", day(5))
    assert (task.completed, task.completed_at, task.created_at) == (False, None, START)
    stored = await services.tasks.get_task(USER, task.id)
    assert stored == task
    assert await totals(services) == (1, 0)


async def test_create_with_a_bad_title_stores_nothing(services: Services) -> None:
    with pytest.raises(ValidationError):
        await services.tasks.create_task(USER, "x" * 201)
    with pytest.raises(ValidationError):
        await services.tasks.create_task(USER, "ok", priority="asap")
    assert await services.tasks.list_tasks(USER) == []
    assert await totals(services) == (0, 0)


async def test_tasks_of_another_user_are_not_found(services: Services) -> None:
    task = await services.tasks.create_task(USER, "mine")
    for attempt in (services.tasks.get_task, services.tasks.complete_task, services.tasks.delete_task):
        with pytest.raises(NotFound):
            await attempt(OTHER, task.id)
    assert await services.tasks.list_tasks(OTHER) == []
    assert (await services.tasks.get_task(USER, task.id)).completed is False


async def test_all_lists_by_creation(services: Services, clock: FakeClock) -> None:
    for title in ("first", "second", "third"):
        await services.tasks.create_task(USER, title, due_at=day(20 - len(title)))
        clock.advance(minutes=1)
    assert await titles(services) == ["first", "second", "third"]
    assert await titles(services, status="all") == ["first", "second", "third"]


async def test_open_lists_by_due_date_then_priority_undated_last(services: Services, clock: FakeClock) -> None:
    specs = [
        ("undated low", None, "low"),
        ("undated high", None, "high"),
        ("day 9", day(9), "normal"),
        ("day 4 low", day(4), "low"),
        ("day 4 high", day(4), "high"),
        ("day 4 normal", day(4), None),
    ]
    for title, due, priority in specs:
        await services.tasks.create_task(USER, title, due_at=due, priority=priority)
        clock.advance(minutes=1)
    done = await services.tasks.create_task(USER, "already done", due_at=day(3))
    await services.tasks.complete_task(USER, done.id)
    assert await titles(services, status="open") == [
        "day 4 high",
        "day 4 normal",
        "day 4 low",
        "day 9",
        "undated high",
        "undated low",
    ]


async def test_done_lists_newest_completion_first(services: Services, clock: FakeClock) -> None:
    ids = {title: (await services.tasks.create_task(USER, title)).id for title in ("a", "b", "c", "open")}
    for title in ("b", "c", "a"):
        clock.advance(hours=1)
        await services.tasks.complete_task(USER, ids[title])
    assert await titles(services, status="done") == ["a", "c", "b"]


async def test_unknown_status_is_rejected(services: Services) -> None:
    with pytest.raises(ValidationError, match="^A task status must be open, done or all.$"):
        await services.tasks.list_tasks(USER, status="later")


async def test_due_before_and_due_after_filter_on_the_due_date(services: Services, clock: FakeClock) -> None:
    for n in (3, 5, 7):
        await services.tasks.create_task(USER, f"day {n}", due_at=day(n))
        clock.advance(minutes=1)
    await services.tasks.create_task(USER, "undated")
    # due_before is exclusive, due_after inclusive; an undated task matches neither.
    assert await titles(services, due_before=day(5)) == ["day 3"]
    assert await titles(services, due_after=day(5)) == ["day 5", "day 7"]
    assert await titles(services, due_after=day(4), due_before=day(7)) == ["day 5"]
    assert await titles(services, status="open", due_before=day(6)) == ["day 3", "day 5"]


async def test_limit_caps_the_list(services: Services, clock: FakeClock) -> None:
    for title in ("a", "b", "c"):
        await services.tasks.create_task(USER, title)
        clock.advance(minutes=1)
    assert await titles(services, limit=2) == ["a", "b"]


async def test_open_with_a_limit_gives_the_tasks_due_soonest(services: Services, clock: FakeClock) -> None:
    for title, due in (("later", day(20)), ("undated", None), ("soon", day(4)), ("sooner", day(3))):
        await services.tasks.create_task(USER, title, due_at=due)
        clock.advance(minutes=1)
    assert await titles(services, status="open", limit=2) == ["sooner", "soon"]


async def test_due_before_in_another_offset_means_the_same_instant(services: Services) -> None:
    await services.tasks.create_task(USER, "at 11:00 UTC", due_at=day(5, hour=11))
    tokyo = timezone(timedelta(hours=9))
    before_10_utc = datetime(2026, 3, 5, 19, 0, tzinfo=tokyo)  # 10:00 UTC
    assert await titles(services, due_before=before_10_utc) == []


async def test_complete_is_idempotent(services: Services, clock: FakeClock) -> None:
    task = await services.tasks.create_task(USER, "ship it")
    clock.advance(hours=2)
    done = await services.tasks.complete_task(USER, task.id)
    assert (done.completed, done.completed_at, done.updated_at) == (True, START + timedelta(hours=2), done.completed_at)
    clock.advance(hours=1)
    again = await services.tasks.complete_task(USER, task.id)
    assert again.completed_at == START + timedelta(hours=2)
    assert (await services.tasks.get_task(USER, task.id)).completed_at == START + timedelta(hours=2)
    assert await totals(services) == (1, 1)


async def test_reopen_clears_the_completion(services: Services, clock: FakeClock) -> None:
    task = await services.tasks.create_task(USER, "ship it")
    await services.tasks.complete_task(USER, task.id)
    clock.advance(minutes=5)
    reopened = await services.tasks.reopen_task(USER, task.id)
    assert (reopened.completed, reopened.completed_at, reopened.updated_at) == (False, None, clock.now())
    assert await totals(services) == (1, 0)
    # Reopening an open task changes nothing.
    assert (await services.tasks.reopen_task(USER, task.id)).updated_at == clock.now()
    assert await totals(services) == (1, 0)


async def test_edit_changes_only_the_named_fields(services: Services, clock: FakeClock) -> None:
    task = await services.tasks.create_task(USER, "draft", notes="n", due_at=day(5), priority="low")
    clock.advance(minutes=3)
    edited = await services.tasks.edit_task(USER, task.id, title="  final  ", priority="high")
    assert (edited.title, edited.priority, edited.notes, edited.due_at) == ("final", "high", "n", day(5))
    assert edited.updated_at == START + timedelta(minutes=3)
    assert await services.tasks.get_task(USER, task.id) == edited


async def test_edit_with_due_at_none_clears_the_due_date(services: Services) -> None:
    task = await services.tasks.create_task(USER, "draft", due_at=day(5))
    await services.tasks.edit_task(USER, task.id, due_at=None, notes=None)
    stored = await services.tasks.get_task(USER, task.id)
    assert (stored.due_at, stored.notes, stored.title) == (None, None, "draft")


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "^Nothing to change: give a new title, notes, priority or due_at.$"),
        ({"colour": "red"}, "^A task has no field colour: it can change title, notes, priority or due_at.$"),
        ({"title": "x", "done": True, "zone": 1}, "^A task has no fields done and zone: it can change"),
        ({"title": "   "}, "^Please give a task title: it can't be empty.$"),
        ({"priority": "meh"}, "priority"),
    ],
)
async def test_bad_edits_are_rejected_and_change_nothing(services: Services, fields: dict, message: str) -> None:
    task = await services.tasks.create_task(USER, "draft", priority="low")
    with pytest.raises(ValidationError, match=message):
        await services.tasks.edit_task(USER, task.id, **fields)
    assert await services.tasks.get_task(USER, task.id) == task


async def test_edit_of_a_missing_task_is_not_found(services: Services) -> None:
    with pytest.raises(NotFound):
        await services.tasks.edit_task(USER, "no-such-task", title="x")


async def test_delete_removes_the_task_and_its_counts(services: Services) -> None:
    keep = await services.tasks.create_task(USER, "keep")
    gone = await services.tasks.create_task(USER, "gone")
    await services.tasks.complete_task(USER, gone.id)
    assert await totals(services) == (2, 1)
    deleted = await services.tasks.delete_task(USER, gone.id)
    assert deleted.id == gone.id
    with pytest.raises(NotFound):
        await services.tasks.get_task(USER, gone.id)
    assert [t.id for t in await services.tasks.list_tasks(USER)] == [keep.id]
    assert await totals(services) == (1, 0)
    with pytest.raises(NotFound):
        await services.tasks.delete_task(USER, gone.id)
    assert await totals(services) == (1, 0)
