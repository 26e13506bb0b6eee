"""FocusService: seed 001's focus sessions (start, update/complete, interruptions, analytics)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.clock import FakeClock
from domain.entities import FocusSlot
from domain.errors import Conflict, NotFound, ValidationError
from domain.services import Services
from tests.unit.conftest import OTHER, START, USER


async def analytics(services: Services) -> dict:
    return await services.focus.analytics(USER)


async def test_start_with_seed_defaults(services: Services) -> None:
    session = await services.focus.start(USER, step_id=" step-1 ", task_id="task-9")
    assert (session.duration_minutes, session.started_at, session.created_at) == (25, START, START)
    assert (session.ended_at, session.completed, session.interruptions) == (None, False, 0)
    assert (session.step_id, session.task_id) == ("step-1", "task-9")
    assert await services.focus.get(USER, session.session_id) == session
    assert await services.focus.active(USER) == session


@pytest.mark.parametrize("minutes", [4, 91])
async def test_start_outside_5_to_90_minutes_is_rejected_and_not_counted(services: Services, minutes: int) -> None:
    with pytest.raises(ValidationError, match="5 to 90"):
        await services.focus.start(USER, minutes)
    assert await services.focus.list_sessions(USER) == []
    assert (await analytics(services))["total_sessions"] == 0


async def test_completing_without_an_end_time_ends_it_now(services: Services, clock: FakeClock) -> None:
    session = await services.focus.start(USER, 25)
    clock.advance(minutes=25)
    done = await services.focus.update(USER, session.session_id, completed=True)
    assert (done.completed, done.ended_at) == (True, START + timedelta(minutes=25))
    assert await services.focus.active(USER) is None
    with pytest.raises(NotFound, match="No focus session"):
        await services.focus.active_or_raise(USER)


async def test_an_explicit_end_time_is_kept(services: Services, clock: FakeClock) -> None:
    session = await services.focus.start(USER, 50)
    clock.advance(hours=2)
    ended = await services.focus.update(
        USER, session.session_id, ended_at=START + timedelta(minutes=40), completed=True
    )
    assert (ended.ended_at, ended.completed) == (START + timedelta(minutes=40), True)


async def test_an_end_time_before_the_start_is_clamped_to_the_start(services: Services) -> None:
    session = await services.focus.start(USER)
    ended = await services.focus.update(USER, session.session_id, ended_at=START - timedelta(hours=1))
    assert (ended.ended_at, ended.completed) == (START, False)


async def test_ending_without_completing_leaves_it_not_completed(services: Services, clock: FakeClock) -> None:
    session = await services.focus.start(USER)
    clock.advance(minutes=10)
    ended = await services.focus.update(USER, session.session_id, completed=False)
    assert (ended.ended_at, ended.completed) == (START + timedelta(minutes=10), False)
    cancelled = await services.focus.cancel(USER, (await services.focus.start(USER)).session_id)
    assert (cancelled.ended_at, cancelled.completed) == (clock.now(), False)
    assert (await analytics(services))["completed_sessions"] == 0


async def test_completing_an_ended_session_keeps_its_end_time(services: Services, clock: FakeClock) -> None:
    session = await services.focus.start(USER)
    clock.advance(minutes=20)
    await services.focus.update(USER, session.session_id, ended_at=clock.now())
    clock.advance(minutes=30)
    done = await services.focus.complete(USER, session.session_id)
    assert (done.completed, done.ended_at) == (True, START + timedelta(minutes=20))


async def test_interruptions_are_set_or_counted(services: Services) -> None:
    session = await services.focus.start(USER)
    assert (await services.focus.update(USER, session.session_id, interruptions=3)).interruptions == 3
    assert (await services.focus.interrupt(USER, session.session_id)).interruptions == 4
    stored = await services.focus.get(USER, session.session_id)
    assert (stored.interruptions, stored.ended_at, stored.completed) == (4, None, False)


async def test_an_empty_update_changes_nothing(services: Services, clock: FakeClock) -> None:
    session = await services.focus.start(USER)
    clock.advance(minutes=5)
    assert await services.focus.update(USER, session.session_id) == session


async def test_sessions_of_others_or_unknown_ids_are_not_found(services: Services) -> None:
    session = await services.focus.start(USER)
    for user, session_id in ((OTHER, session.session_id), (USER, "no-such-session")):
        with pytest.raises(NotFound):
            await services.focus.update(user, session_id, completed=True)
        with pytest.raises(NotFound):
            await services.focus.get(user, session_id)
    assert (await services.focus.get(USER, session.session_id)).completed is False


async def test_analytics_with_no_sessions(services: Services) -> None:
    assert await analytics(services) == {
        "total_sessions": 0,
        "completed_sessions": 0,
        "completion_rate": 0.0,
        "total_focus_minutes": 0,
        "average_duration_minutes": 0.0,
    }


async def test_analytics_numbers(services: Services, clock: FakeClock) -> None:
    for minutes in (25, 50):
        session = await services.focus.start(USER, minutes)
        clock.advance(hours=1)
        await services.focus.complete(USER, session.session_id)
    await services.focus.start(USER, 15)  # still running: planned, not completed
    await services.focus.start(OTHER, 90)
    assert await analytics(services) == {
        "total_sessions": 3,
        "completed_sessions": 2,
        "completion_rate": pytest.approx(2 / 3),
        "total_focus_minutes": 90,
        "average_duration_minutes": 30.0,
    }


async def test_completing_twice_counts_once_and_uncompleting_takes_it_back(
    services: Services, clock: FakeClock
) -> None:
    session = await services.focus.start(USER)
    clock.advance(minutes=25)
    await services.focus.complete(USER, session.session_id)
    await services.focus.update(USER, session.session_id, completed=True)
    assert (await analytics(services))["completed_sessions"] == 1
    undone = await services.focus.update(USER, session.session_id, completed=False)
    assert undone.completed is False
    result = await analytics(services)
    assert (result["total_sessions"], result["completed_sessions"], result["completion_rate"]) == (1, 0, 0.0)


async def test_list_sessions_newest_first_with_a_limit(services: Services, clock: FakeClock) -> None:
    ids = []
    for _ in range(4):
        ids.append((await services.focus.start(USER)).session_id)
        clock.advance(minutes=30)
        await services.focus.complete(USER, ids[-1])
    assert [s.session_id for s in await services.focus.list_sessions(USER)] == ids[::-1]
    assert [s.session_id for s in await services.focus.list_sessions(USER, limit=2)] == [ids[3], ids[2]]


async def test_a_second_focus_session_is_refused_while_one_runs(services: Services, clock: FakeClock) -> None:
    first = await services.focus.start(USER)
    with pytest.raises(Conflict, match="already running"):
        await services.focus.start(USER, 40)
    assert [s.session_id for s in await services.focus.list_sessions(USER)] == [first.session_id]
    assert (await analytics(services))["total_sessions"] == 1
    await services.focus.cancel(USER, first.session_id)
    clock.advance(minutes=1)
    second = await services.focus.start(USER)  # once it ended, the next one may start
    assert (await services.focus.active(USER)) == second


async def test_a_slot_left_by_a_process_that_died_does_not_block_the_next(services: Services, repos) -> None:
    await repos.focus_slots.add(FocusSlot(USER, "never-written"))  # the claim happened, the session never did
    assert (await services.focus.start(USER)).active
    with pytest.raises(Conflict):
        await services.focus.start(USER)


async def test_completing_well_before_the_planned_end_is_cut_short(services: Services, clock: FakeClock) -> None:
    session = await services.focus.start(USER, 30)
    clock.advance(seconds=2)
    done = await services.focus.complete(USER, session.session_id)
    assert (done.completed, done.ended_at) == (False, START + timedelta(seconds=2))
    result = await analytics(services)
    assert (result["completed_sessions"], result["total_focus_minutes"]) == (0, 0)
    assert (await services.progress.snapshot(USER)).xp == 0


async def test_a_future_end_time_does_not_make_an_early_stop_complete(services: Services, clock: FakeClock) -> None:
    session = await services.focus.start(USER, 30)
    clock.advance(seconds=2)
    done = await services.focus.update(USER, session.session_id, ended_at=START + timedelta(minutes=30), completed=True)
    assert done.completed is False
    assert (await services.progress.snapshot(USER)).xp == 0


async def test_cancelled_focus_is_not_counted_in_planned_minutes(services: Services, clock: FakeClock) -> None:
    cancelled = await services.focus.start(USER, 40)
    clock.advance(minutes=5)
    await services.focus.cancel(USER, cancelled.session_id)
    finished = await services.focus.start(USER, 25)
    clock.advance(minutes=25)
    await services.focus.complete(USER, finished.session_id)
    result = await analytics(services)
    assert (result["total_sessions"], result["completed_sessions"], result["total_focus_minutes"]) == (2, 1, 25)
    today = await services.stats.period(USER, "today")
    assert (today["focus_sessions"], today["focus_completed"], today["focus_minutes"]) == (2, 1, 25)
