"""Roll-ups stay exact when a writer dies between the entity write and the roll-up write."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.clock import FakeClock
from domain.services import Services
from persistence.port import Query
from persistence.repositories import Repositories


class Crash(Exception):
    """Stands for the process dying at that point."""


class CrashingStore:
    """Passes everything to the real store, except that it dies once on a chosen write."""

    def __init__(self, inner, crash_on):
        self._inner = inner
        self._crash_on = crash_on  # (method name, document) -> bool

    def __getattr__(self, name):
        real = getattr(self._inner, name)
        if name not in ("create", "replace", "delete"):
            return real

        async def maybe_crash(*args, **kwargs):
            if self._crash_on and self._crash_on(name, args):
                self._crash_on = None
                raise Crash(name)
            return await real(*args, **kwargs)

        return maybe_crash


def services_over(store):
    return Services.build(Repositories(store), FakeClock(datetime(2026, 11, 23, 10, tzinfo=UTC)))


def is_rollup_write(name, args):
    return name in ("create", "replace") and isinstance(args[0], dict) and args[0]["type"] == "rollup"


def is_marker_clear(name, args):
    doc = args[0] if args else None
    return name == "replace" and isinstance(doc, dict) and doc["type"] == "task" and doc["rollup_pending"] is None


@pytest.mark.parametrize("crash_on", [is_rollup_write, is_marker_clear], ids=["before-rollup", "before-clear"])
async def test_a_crashed_completion_is_counted_exactly_once(store, crash_on):
    healthy = services_over(store)
    task = await healthy.tasks.create_task("u1", "finish me")
    crashing = services_over(CrashingStore(store, crash_on))
    with pytest.raises(Crash):
        await crashing.tasks.complete_task("u1", task.id)
    # A fresh instance finds the marker and finishes the job, once.
    stats = await services_over(store).stats.summary("u1")
    assert (stats["total_tasks"], stats["completed_tasks"]) == (1, 1)
    assert (await services_over(store).stats.summary("u1"))["completed_tasks"] == 1
    assert (await healthy.tasks.get_task("u1", task.id)).completed


async def test_reading_an_entity_finishes_its_pending_change(store):
    crashing = services_over(CrashingStore(store, is_rollup_write))
    with pytest.raises(Crash):
        await crashing.tasks.create_task("u1", "half written")
    healthy = services_over(store)
    [task] = await healthy.tasks.list_tasks("u1")
    await healthy.tasks.complete_task("u1", task.id)
    stats = await healthy.stats.summary("u1")
    assert (stats["total_tasks"], stats["completed_tasks"]) == (1, 1)


async def test_a_crashed_delete_is_gone_for_the_user_and_finished_later(store):
    healthy = services_over(store)
    task = await healthy.tasks.create_task("u1", "delete me")
    crashing = services_over(CrashingStore(store, is_rollup_write))
    with pytest.raises(Crash):
        await crashing.tasks.delete_task("u1", task.id)
    assert await healthy.tasks.list_tasks("u1") == []
    assert (await healthy.stats.summary("u1"))["total_tasks"] == 0
    assert await store.count(Query("task", "u1")) == 0
