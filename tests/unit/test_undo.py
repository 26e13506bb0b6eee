"""Undo: the last task change is reversed once, and the totals follow."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.clock import FakeClock
from domain.errors import NotFound
from domain.services import Services
from tests.unit.conftest import OTHER, START, USER

DUE = datetime(2026, 3, 6, 17, 0, tzinfo=UTC)


async def totals(services: Services) -> tuple[int, int]:
    summary = await services.stats.summary(USER)
    return summary["total_tasks"], summary["completed_tasks"]


async def assert_nothing_left_to_undo(services: Services) -> None:
    with pytest.raises(NotFound, match="nothing to undo"):
        await services.tasks.undo(USER)


async def test_nothing_to_undo_at_first(services: Services) -> None:
    await assert_nothing_left_to_undo(services)


async def test_undo_create_removes_the_task(services: Services) -> None:
    task = await services.tasks.create_task(USER, "oops")
    assert await totals(services) == (1, 0)
    action, undone = await services.tasks.undo(USER)
    assert (action, undone.id) == ("created", task.id)
    with pytest.raises(NotFound):
        await services.tasks.get_task(USER, task.id)
    assert await totals(services) == (0, 0)
    await assert_nothing_left_to_undo(services)


async def test_undo_complete_reopens(services: Services, clock: FakeClock) -> None:
    task = await services.tasks.create_task(USER, "report")
    clock.advance(minutes=10)
    await services.tasks.complete_task(USER, task.id)
    assert await totals(services) == (1, 1)
    action, undone = await services.tasks.undo(USER)
    assert (action, undone.completed, undone.completed_at) == ("completed", False, None)
    assert (await services.tasks.get_task(USER, task.id)).completed is False
    assert await totals(services) == (1, 0)
    await assert_nothing_left_to_undo(services)


async def test_undo_reopen_completes_again(services: Services, clock: FakeClock) -> None:
    task = await services.tasks.create_task(USER, "report")
    await services.tasks.complete_task(USER, task.id)
    clock.advance(minutes=10)
    await services.tasks.reopen_task(USER, task.id)
    assert await totals(services) == (1, 0)
    action, undone = await services.tasks.undo(USER)
    assert (action, undone.completed) == ("reopened", True)
    assert (await services.tasks.get_task(USER, task.id)).completed is True
    assert await totals(services) == (1, 1)
    await assert_nothing_left_to_undo(services)


async def test_undo_reopen_restores_the_original_completion_time(services: Services, clock: FakeClock) -> None:
    task = await services.tasks.create_task(USER, "report")
    completed_at = (await services.tasks.complete_task(USER, task.id)).completed_at
    clock.advance(days=2)
    await services.tasks.reopen_task(USER, task.id)
    _, undone = await services.tasks.undo(USER)
    assert undone.completed_at == completed_at


async def test_undo_edit_restores_every_field(services: Services, clock: FakeClock) -> None:
    task = await services.tasks.create_task(USER, "draft", notes="old notes", due_at=DUE, priority="low")
    clock.advance(minutes=1)
    await services.tasks.edit_task(USER, task.id, title="final", notes=None, due_at=None, priority="high")
    action, undone = await services.tasks.undo(USER)
    assert action == "edited"
    stored = await services.tasks.get_task(USER, task.id)
    assert (stored.title, stored.notes, stored.due_at, stored.priority) == ("draft", "old notes", DUE, "low")
    assert undone.title == "draft"
    assert await totals(services) == (1, 0)
    await assert_nothing_left_to_undo(services)


async def test_undo_delete_brings_the_task_back_as_it_was(services: Services, clock: FakeClock) -> None:
    task = await services.tasks.create_task(USER, "keep me", notes="n", due_at=DUE, priority="high")
    clock.advance(minutes=5)
    completed = await services.tasks.complete_task(USER, task.id)
    clock.advance(minutes=5)
    await services.tasks.delete_task(USER, task.id)
    assert await totals(services) == (0, 0)
    action, restored = await services.tasks.undo(USER)
    assert action == "deleted"
    stored = await services.tasks.get_task(USER, task.id)
    assert stored == restored
    assert (stored.title, stored.notes, stored.due_at, stored.priority) == ("keep me", "n", DUE, "high")
    assert (stored.completed, stored.completed_at, stored.created_at) == (True, completed.completed_at, START)
    assert await totals(services) == (1, 1)
    await assert_nothing_left_to_undo(services)


async def test_undo_reverses_only_the_last_change(services: Services, clock: FakeClock) -> None:
    first = await services.tasks.create_task(USER, "first")
    clock.advance(minutes=1)
    second = await services.tasks.create_task(USER, "second")
    await services.tasks.complete_task(USER, first.id)
    await services.tasks.undo(USER)
    assert (await services.tasks.get_task(USER, first.id)).completed is False
    assert (await services.tasks.get_task(USER, second.id)).title == "second"
    assert await totals(services) == (2, 0)
    await assert_nothing_left_to_undo(services)


async def test_repeated_complete_leaves_the_first_undo_in_place(services: Services) -> None:
    task = await services.tasks.create_task(USER, "once")
    await services.tasks.complete_task(USER, task.id)
    await services.tasks.complete_task(USER, task.id)  # a no-op: must not become the "last change"
    action, _ = await services.tasks.undo(USER)
    assert action == "completed"
    assert await totals(services) == (1, 0)


async def test_undo_is_per_user(services: Services) -> None:
    await services.tasks.create_task(USER, "mine")
    with pytest.raises(NotFound):
        await services.tasks.undo(OTHER)
    action, _ = await services.tasks.undo(USER)
    assert action == "created"


async def test_a_change_after_an_undo_can_be_undone(services: Services, clock: FakeClock) -> None:
    task = await services.tasks.create_task(USER, "a")
    await services.tasks.undo(USER)
    clock.advance(minutes=1)
    again = await services.tasks.create_task(USER, "b")
    action, undone = await services.tasks.undo(USER)
    assert (action, undone.id) == ("created", again.id)
    assert again.id != task.id
    assert await totals(services) == (0, 0)
