"""WorkSessionService: clocking in and out, the running session, and the hours in the stats."""

from __future__ import annotations

from datetime import timedelta

import pytest

from domain.clock import FakeClock
from domain.entities import ActiveSlot, WorkSession
from domain.errors import Conflict, NotFound, ValidationError
from domain.services import Services
from persistence.repositories import Repositories
from tests.unit.conftest import OTHER, START, USER


async def test_start_opens_a_running_session(services: Services) -> None:
    session = await services.work_sessions.start_session(USER, note="  deep work ")
    assert (session.start_time, session.end_time, session.duration, session.note) == (START, None, None, "deep work")
    assert session.active
    assert await services.work_sessions.get_active_session(USER) == session
    assert await services.work_sessions.get_session(USER, session.id) == session


async def test_second_start_is_a_conflict_naming_the_running_session(services: Services, clock: FakeClock) -> None:
    running = await services.work_sessions.start_session(USER)
    clock.advance(minutes=30)
    with pytest.raises(Conflict, match=running.id):
        await services.work_sessions.start_session(USER)
    assert [s.id for s in await services.work_sessions.list_sessions(USER)] == [running.id]


async def test_users_clock_in_independently(services: Services) -> None:
    mine = await services.work_sessions.start_session(USER)
    theirs = await services.work_sessions.start_session(OTHER)
    assert await services.work_sessions.get_active_session(USER) == mine
    assert await services.work_sessions.get_active_session(OTHER) == theirs
    with pytest.raises(NotFound):
        await services.work_sessions.end_session(OTHER, mine.id)


async def test_end_after_two_and_a_half_hours(services: Services, clock: FakeClock) -> None:
    session = await services.work_sessions.start_session(USER)
    clock.advance(hours=2, minutes=30)
    ended = await services.work_sessions.end_session(USER, session.id)
    assert (ended.end_time, ended.duration, ended.active) == (START + timedelta(hours=2.5), 2.5, False)
    assert await services.work_sessions.get_session(USER, session.id) == ended
    assert await services.work_sessions.get_active_session(USER) is None
    summary = await services.stats.summary(USER)
    assert (summary["total_sessions"], summary["total_hours"]) == (1, 2.5)


async def test_hours_add_up_over_sessions(services: Services, clock: FakeClock) -> None:
    for minutes in (80, 45):  # 1.33 h and 0.75 h
        session = await services.work_sessions.start_session(USER)
        clock.advance(minutes=minutes)
        await services.work_sessions.end_session(USER, session.id)
        clock.advance(hours=1)
    summary = await services.stats.summary(USER)
    assert (summary["total_sessions"], summary["total_hours"]) == (2, 2.08)


async def test_ending_twice_is_a_conflict_and_counts_once(services: Services, clock: FakeClock) -> None:
    session = await services.work_sessions.start_session(USER)
    clock.advance(hours=1)
    await services.work_sessions.end_session(USER, session.id)
    clock.advance(hours=1)
    with pytest.raises(Conflict, match="already ended"):
        await services.work_sessions.end_session(USER, session.id)
    assert (await services.work_sessions.get_session(USER, session.id)).duration == 1.0
    summary = await services.stats.summary(USER)
    assert (summary["total_sessions"], summary["total_hours"]) == (1, 1.0)


async def test_end_active_session(services: Services, clock: FakeClock) -> None:
    session = await services.work_sessions.start_session(USER)
    clock.advance(minutes=90)
    ended = await services.work_sessions.end_active_session(USER)
    assert (ended.id, ended.duration) == (session.id, 1.5)
    with pytest.raises(NotFound, match="not clocked in"):
        await services.work_sessions.end_active_session(USER)


async def test_a_new_session_can_start_once_the_last_one_ended(services: Services, clock: FakeClock) -> None:
    first = await services.work_sessions.start_session(USER)
    clock.advance(hours=1)
    await services.work_sessions.end_session(USER, first.id)
    clock.advance(hours=1)
    second = await services.work_sessions.start_session(USER)
    assert second.id != first.id
    assert await services.work_sessions.get_active_session(USER) == second
    assert [s.id for s in await services.work_sessions.list_sessions(USER)] == [second.id, first.id]


async def test_a_slot_left_by_an_ended_session_does_not_block_a_start(
    services: Services, repos: Repositories, clock: FakeClock
) -> None:
    ended = WorkSession("old", USER, start_time=START - timedelta(days=1))
    ended.end(START - timedelta(hours=20))
    await repos.work_sessions.add(ended)
    await repos.active_slots.add(ActiveSlot(USER, "old"))  # its release never happened
    session = await services.work_sessions.start_session(USER)
    assert await services.work_sessions.get_active_session(USER) == session
    assert (await repos.active_slots.get(USER, ActiveSlot.id)).session_id == session.id


async def test_a_slot_pointing_to_no_session_does_not_block_a_start(services: Services, repos: Repositories) -> None:
    await repos.active_slots.add(ActiveSlot(USER, "never-written"))  # the process died after the claim
    session = await services.work_sessions.start_session(USER)
    assert (await repos.active_slots.get(USER, ActiveSlot.id)).session_id == session.id
    with pytest.raises(Conflict):
        await services.work_sessions.start_session(USER)


async def test_a_note_longer_than_200_characters_is_rejected(services: Services) -> None:
    too_long = r"^A work session note can be at most 200 characters \(this one has 201\).$"
    with pytest.raises(ValidationError, match=too_long):
        await services.work_sessions.start_session(USER, note="n" * 201)
    assert await services.work_sessions.get_active_session(USER) is None
    assert (await services.work_sessions.start_session(USER)).active


async def test_list_sessions_newest_first_with_a_limit(services: Services, clock: FakeClock) -> None:
    ids = []
    for _ in range(3):
        session = await services.work_sessions.start_session(USER)
        ids.append(session.id)
        clock.advance(minutes=10)
        await services.work_sessions.end_session(USER, session.id)
        clock.advance(minutes=10)
    assert [s.id for s in await services.work_sessions.list_sessions(USER)] == ids[::-1]
    assert [s.id for s in await services.work_sessions.list_sessions(USER, limit=2)] == ids[:0:-1]
