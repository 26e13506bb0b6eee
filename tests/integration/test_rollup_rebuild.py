"""Rebuilding roll-ups from the documents gives the figures the services kept step by step."""

from __future__ import annotations

from datetime import UTC, datetime

from domain.clock import FakeClock
from domain.services import Services
from domain.services.rollup_rebuild import RollupRebuild
from persistence.repositories import Repositories

USER = "slack:T1:U1"


def nonzero(rollups: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
    kept = {
        key: {name: round(value, 6) for name, value in counters.items() if round(value, 6)}
        for key, counters in rollups.items()
    }
    return {key: counters for key, counters in kept.items() if counters}


async def live_a_busy_week(services: Services, clock: FakeClock) -> None:
    """Three days of everything that moves a figure: tasks of each priority completed (one early
    in the morning), reopened, deleted, undone; work sessions (one into a late night); focus
    sessions completed, cut short and cancelled; water, breaks and lunch; mood check-ins."""
    await services.users.ensure(USER, "Ada")
    await services.users.update_user(USER, timezone="Europe/Paris")
    report = await services.tasks.create_task(USER, "write the report", priority="high")
    mail = await services.tasks.create_task(USER, "answer mail", priority="low")
    plants = await services.tasks.create_task(USER, "water the plants")
    clock.advance(hours=1)
    await services.tasks.complete_task(USER, mail.id)
    await services.tasks.complete_task(USER, plants.id)
    await services.tasks.reopen_task(USER, plants.id)
    session = await services.work_sessions.start_session(USER)
    clock.advance(hours=3, minutes=20)
    await services.work_sessions.end_session(USER, session.id)
    focus = await services.focus.start(USER, 25)
    clock.advance(minutes=26)
    await services.focus.complete(USER, focus.session_id)
    await services.habits.log_water(USER, 250)
    await services.habits.log_break(USER, 15)
    await services.habits.log_lunch(USER)
    await services.moods.log(USER, 2, "tired")
    await services.moods.log(USER, 3)

    clock.advance(hours=20)  # the next morning, 06:xx in Paris
    await services.tasks.complete_task(USER, report.id)
    doomed = await services.tasks.create_task(USER, "a mistake")
    await services.tasks.delete_task(USER, doomed.id)
    await services.tasks.delete_task(USER, mail.id)
    await services.tasks.undo(USER)  # mail comes back, still done
    short = await services.focus.start(USER, 30)
    clock.advance(minutes=5)
    await services.focus.complete(USER, short.session_id)  # cut short: not completed
    cancelled = await services.focus.start(USER, 25)
    await services.focus.cancel(USER, cancelled.session_id)

    clock.advance(hours=14)  # the evening: a session into the night
    late = await services.work_sessions.start_session(USER)
    clock.advance(hours=4)
    await services.work_sessions.end_session(USER, late.id)
    await services.habits.log_water(USER, 500)
    await services.moods.log(USER, 5)
    await services.work_sessions.start_session(USER)  # still running: counts nothing yet


async def test_rebuilt_rollups_equal_the_ones_kept_as_things_happened(store):
    clock = FakeClock(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))
    repos = Repositories(store)
    services = Services.build(repos, clock)
    await live_a_busy_week(services, clock)
    kept = nonzero(await repos.all_rollups(USER))
    summary = await services.stats.summary(USER)

    # Lose the figures (as an import that writes documents only would), then rebuild.
    await repos.replace_rollups(USER, {})
    assert nonzero(await repos.all_rollups(USER)) == {}
    rebuilt = await RollupRebuild(repos).rebuild(USER)

    assert rebuilt == kept
    assert nonzero(await repos.all_rollups(USER)) == kept
    assert await services.stats.summary(USER) == summary
    assert summary["completed_tasks"] == 2 and summary["total_tasks"] == 3 and summary["total_sessions"] == 2


async def test_a_rebuild_twice_changes_nothing_and_later_changes_count_once(store):
    clock = FakeClock(datetime(2026, 11, 23, 8, 30, tzinfo=UTC))
    repos = Repositories(store)
    services = Services.build(repos, clock)
    await live_a_busy_week(services, clock)
    rebuild = RollupRebuild(repos)
    first = await rebuild.rebuild(USER)
    assert await rebuild.rebuild(USER) == first

    task = await services.tasks.create_task(USER, "after the rebuild")
    await services.tasks.complete_task(USER, task.id)
    summary = await services.stats.summary(USER)
    assert (summary["total_tasks"], summary["completed_tasks"]) == (4, 3)
    assert await rebuild.users() == [USER]
