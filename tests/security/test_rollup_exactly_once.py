"""A change a crashed writer left half-done is counted once, however many writes come before
anyone reads the stats."""

from __future__ import annotations

import asyncio

import pytest

from persistence.rollup_ledger import APPLIED_MEMORY, FORGET_BATCH, rollup_id
from tests.integration.test_rollup_recovery import Crash, CrashingStore, is_marker_clear, services_over

LATER_WRITES = 500


def is_task_delete(name, args):
    return name == "delete"


async def add_many(services, user_id: str, count: int) -> None:
    for n in range(count):
        await services.tasks.create_task(user_id, f"task {n}")


async def test_stats_stay_exact_after_crashes_and_hundreds_of_later_writes(store):
    healthy = services_over(store)
    completed = await healthy.tasks.create_task("u1", "its completion crashes half-way")
    deleted = await healthy.tasks.create_task("u1", "its deletion crashes half-way")
    await healthy.tasks.create_task("u1", "stays open")
    # Each time the roll-ups get the change, and the task keeps its marker.
    with pytest.raises(Crash):
        await services_over(CrashingStore(store, is_marker_clear)).tasks.complete_task("u1", completed.id)
    with pytest.raises(Crash):
        await services_over(CrashingStore(store, is_task_delete)).tasks.delete_task("u1", deleted.id)

    # Two instances write to the same roll-ups (all-time totals and today) meanwhile,
    # far more times than a roll-up keeps recent operation ids for.
    other = services_over(store)
    await asyncio.gather(add_many(healthy, "u1", LATER_WRITES // 2), add_many(other, "u1", LATER_WRITES // 2))

    totals = await store.read("u1", rollup_id("totals"))
    assert len(totals["applied"]) <= APPLIED_MEMORY + FORGET_BATCH  # the memory stays bounded

    stats = await services_over(store).stats.summary("u1")
    assert (stats["total_tasks"], stats["completed_tasks"]) == (LATER_WRITES + 2, 1)
    today = await healthy.stats.period("u1", "today")
    # The deleted task is out of today's figures as it is out of the totals.
    assert (today["tasks_created"], today["tasks_completed"]) == (LATER_WRITES + 2, 1)
    assert len(await healthy.tasks.list_tasks("u1")) == LATER_WRITES + 2
