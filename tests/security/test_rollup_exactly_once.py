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


@pytest.mark.parametrize(
    ("crashed_change", "crash_on", "expected"),
    [("complete", is_marker_clear, (LATER_WRITES + 2, 1)),
     ("delete", is_task_delete, (LATER_WRITES + 1, 0))],
    ids=["complete", "delete"],
)
async def test_stats_stay_exact_after_a_crash_and_hundreds_of_later_writes(store, crashed_change, crash_on, expected):
    healthy = services_over(store)
    first = await healthy.tasks.create_task("u1", "crashes half-way")
    await healthy.tasks.create_task("u1", "stays open")
    crashing = services_over(CrashingStore(store, crash_on))
    with pytest.raises(Crash):
        # The roll-ups have the change; the task still carries its marker.
        if crashed_change == "complete":
            await crashing.tasks.complete_task("u1", first.id)
        else:
            await crashing.tasks.delete_task("u1", first.id)

    # Two instances write to the same roll-ups (all-time totals and today) meanwhile,
    # far more times than a roll-up keeps recent operation ids for.
    other = services_over(store)
    await asyncio.gather(add_many(healthy, "u1", LATER_WRITES // 2), add_many(other, "u1", LATER_WRITES // 2))

    totals = await store.read("u1", rollup_id("totals"))
    assert len(totals["applied"]) <= APPLIED_MEMORY + FORGET_BATCH  # the memory stays bounded

    stats = await services_over(store).stats.summary("u1")
    assert (stats["total_tasks"], stats["completed_tasks"]) == expected
    today = await healthy.stats.period("u1", "today")
    assert (today["tasks_created"], today["tasks_completed"]) == (LATER_WRITES + 2, expected[1])
