"""The reminder engine with a fake clock: right nudges at the right local times, exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from bot.reminders.engine import Delivery, Outcome, ReminderEngine
from domain.clock import FakeClock
from domain.reminders.policy import SPREAD
from domain.services import Services
from persistence.repositories import Repositories
from tests.fakes import InMemoryDocumentStore
from tests.reminder_doubles import Crash, RecordingNotifier

USER = "slack:T1:U1"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


@pytest.fixture
def world():
    store = InMemoryDocumentStore()
    clock = FakeClock(utc(2026, 11, 23, 7, 55))  # Monday 08:55 in Madrid (UTC+1)
    services = Services.build(Repositories(store), clock)
    notifier = RecordingNotifier()
    return store, clock, services, notifier


async def onboard(services: Services, tz: str = "Europe/Madrid", **prefs) -> None:
    await services.users.ensure(USER, "Ana")
    await services.users.update_user(USER, timezone=tz, **prefs)
    await services.conversations.remember_address(USER, "slack", {"team_id": "T1", "channel": "D1"})


def engine_for(services, notifier) -> ReminderEngine:
    return ReminderEngine(services, {"slack": notifier})


async def run_at(engine, clock, instant):
    clock.set(instant)
    return await engine.run()


async def test_break_after_50_minutes_of_work_then_water_once(world):
    _, clock, services, notifier = world
    await onboard(services)
    engine = engine_for(services, notifier)
    clock.set(utc(2026, 11, 23, 8, 0))  # 09:00 local
    await services.work_sessions.start_session(USER)
    summary = await run_at(engine, clock, utc(2026, 11, 23, 8, 49))
    assert summary.sent == 0 and notifier.sent == []
    summary = await run_at(engine, clock, utc(2026, 11, 23, 8, 50))
    assert summary.by_kind == {"break": 1}
    assert "Stand up" in notifier.texts()[0]
    again = await run_at(engine, clock, utc(2026, 11, 23, 8, 50, 30))
    assert again.sent == 0
    # Water 90 minutes after clock-in; the next break 50 minutes after the last nudge.
    await run_at(engine, clock, utc(2026, 11, 23, 9, 30))
    assert [r.kind for _, r in notifier.sent] == ["nudge", "nudge"]
    assert "water" in notifier.texts()[1]
    assert sum("water" in t for t in notifier.texts()) == 1


async def test_every_nudge_has_log_snooze_and_stop_buttons(world):
    _, clock, services, notifier = world
    await onboard(services)
    clock.set(utc(2026, 11, 23, 8, 0))
    await services.work_sessions.start_session(USER)
    await run_at(engine_for(services, notifier), clock, utc(2026, 11, 23, 9, 31))
    for _, reply in notifier.sent:
        commands = [button.payload["command"] for button in reply.buttons]
        assert "snooze" in commands and "remind" in commands and len(commands) == 3


async def test_no_break_nudge_during_focus_but_one_when_focus_ends(world):
    _, clock, services, notifier = world
    await onboard(services)
    engine = engine_for(services, notifier)
    clock.set(utc(2026, 11, 23, 8, 0))
    await services.work_sessions.start_session(USER)
    clock.set(utc(2026, 11, 23, 8, 30))
    await services.focus.start(USER, 45)
    await run_at(engine, clock, utc(2026, 11, 23, 9, 0))  # 60 min of work, 30 inside focus
    assert notifier.sent == []
    await run_at(engine, clock, utc(2026, 11, 23, 9, 15))
    assert notifier.texts() == ["Focus time is up! How did it go?"]


async def test_nothing_while_clocked_out_outside_working_hours(world):
    _, clock, services, notifier = world
    await onboard(services)
    engine = engine_for(services, notifier)
    for hour in (19, 21, 23, 3, 6):  # evenings and nights, never clocked in
        await run_at(engine, clock, utc(2026, 11, 23, hour, 0))
    assert notifier.sent == []


async def test_quiet_hours_hold_a_nudge_until_they_end(world):
    _, clock, services, notifier = world
    await onboard(services, quiet_start="20:00", quiet_end="08:00")
    engine = engine_for(services, notifier)
    clock.set(utc(2026, 11, 23, 18, 30))  # 19:30 local, working late
    await services.work_sessions.start_session(USER)
    await run_at(engine, clock, utc(2026, 11, 23, 19, 25))  # 20:25: break due, but quiet
    assert notifier.sent == []
    schedule = await services.reminders.schedule(USER)
    assert schedule.next_due <= utc(2026, 11, 23, 22, 55)  # the long-session warning ignores quiet hours


async def test_long_session_warning_past_midnight(world):
    _, clock, services, notifier = world
    await onboard(services, quiet_start="20:00", quiet_end="08:00")
    engine = engine_for(services, notifier)
    clock.set(utc(2026, 11, 23, 18, 30))  # 19:30 local
    await services.work_sessions.start_session(USER)
    await run_at(engine, clock, utc(2026, 11, 23, 23, 0))  # 00:00 local: past midnight
    assert len(notifier.sent) == 1 and "clocked in for 4 h 30 min" in notifier.texts()[0]
    await run_at(engine, clock, utc(2026, 11, 24, 1, 0))
    assert len(notifier.sent) == 1  # once per session


async def test_lunch_in_its_window_unless_logged_in_the_users_time_zone(world):
    _, clock, services, notifier = world
    clock.set(utc(2026, 11, 23, 0, 0))  # 09:00 in Tokyo
    await onboard(services, tz="Asia/Tokyo")
    engine = engine_for(services, notifier)
    # Monday 12:30 in Tokyo is 03:30 UTC; working hours count as at work.
    await run_at(engine, clock, utc(2026, 11, 23, 3, 29))
    assert not any("lunch" in t for t in notifier.texts())
    await run_at(engine, clock, utc(2026, 11, 23, 3, 30) + SPREAD)  # and this user's place in the wave
    assert sum("lunch" in t for t in notifier.texts()) == 1
    await run_at(engine, clock, utc(2026, 11, 23, 4, 30))
    assert sum("lunch" in t for t in notifier.texts()) == 1


async def test_lunch_already_logged_means_no_nudge(world):
    _, clock, services, notifier = world
    await onboard(services)
    engine = engine_for(services, notifier)
    clock.set(utc(2026, 11, 23, 10, 45))  # 11:45 local
    await services.habits.log_lunch(USER)
    await run_at(engine, clock, utc(2026, 11, 23, 11, 31))
    assert not any("lunch" in t for t in notifier.texts())


async def test_dst_change_moves_lunch_with_local_time(world):
    _, clock, services, notifier = world
    clock.set(utc(2026, 3, 27, 8, 0))
    await onboard(services)
    engine = engine_for(services, notifier)
    # Monday 30 March 2026 is summer time in Madrid (UTC+2): 12:30 local is 10:30 UTC.
    await run_at(engine, clock, utc(2026, 3, 30, 10, 29))
    assert not any("lunch" in t for t in notifier.texts())
    await run_at(engine, clock, utc(2026, 3, 30, 10, 30) + SPREAD)
    assert sum("lunch" in t for t in notifier.texts()) == 1


async def test_wrap_up_at_the_end_of_the_working_day(world):
    _, clock, services, notifier = world
    await onboard(services)
    await services.users.update_user(USER, reminder=("water", {"on": False}))
    await services.users.update_user(USER, reminder=("lunch", {"on": False}))
    await services.users.update_user(USER, reminder=("break", {"on": False}))
    engine = engine_for(services, notifier)
    clock.set(utc(2026, 11, 23, 8, 0))
    await services.work_sessions.start_session(USER)
    task = await services.tasks.create_task(USER, "report")
    await services.tasks.complete_task(USER, task.id)
    await run_at(engine, clock, utc(2026, 11, 23, 16, 29))
    assert notifier.sent == []
    await run_at(engine, clock, utc(2026, 11, 23, 16, 30) + SPREAD)  # 17:30 local, spread
    assert notifier.texts() == ["Time to wrap up: 1 task done, 0 h 00 min worked, 0 ml of water today."]


async def test_snooze_pause_and_off_are_respected(world):
    _, clock, services, notifier = world
    await onboard(services)
    engine = engine_for(services, notifier)
    clock.set(utc(2026, 11, 23, 8, 0))
    await services.work_sessions.start_session(USER)
    clock.set(utc(2026, 11, 23, 8, 45))
    await services.users.update_user(USER, snoozed_until=clock.now() + timedelta(minutes=15))
    await run_at(engine, clock, utc(2026, 11, 23, 8, 55))
    assert notifier.sent == []
    await run_at(engine, clock, utc(2026, 11, 23, 9, 0))
    assert len(notifier.sent) == 1
    await services.users.update_user(USER, paused_until=utc(2026, 11, 30, 0, 0))
    await run_at(engine, clock, utc(2026, 11, 23, 12, 0))
    assert len(notifier.sent) == 1
    await services.users.update_user(USER, paused_until=None, reminders_on=False)
    await run_at(engine, clock, utc(2026, 11, 23, 13, 0))
    assert len(notifier.sent) == 1


async def test_two_engine_instances_on_one_store_send_once(world):
    _, clock, services, _ = world
    await onboard(services)
    clock.set(utc(2026, 11, 23, 8, 0))
    await services.work_sessions.start_session(USER)
    clock.set(utc(2026, 11, 23, 9, 31))
    first, second = RecordingNotifier(), RecordingNotifier()
    await asyncio.gather(engine_for(services, first).run(), engine_for(services, second).run())
    kinds = sorted(t.split()[0] for t in first.texts() + second.texts())
    assert len(first.sent) + len(second.sent) == 2  # one break, one water: not four
    assert kinds == sorted({*kinds})


async def test_a_429_delays_the_nudge_until_retry_after_then_sends_it(world):
    _, clock, services, notifier = world
    await onboard(services)
    notifier.script = [Outcome(Delivery.RETRY, retry_after=30)]
    engine = engine_for(services, notifier)
    clock.set(utc(2026, 11, 23, 8, 0))
    await services.work_sessions.start_session(USER)
    summary = await run_at(engine, clock, utc(2026, 11, 23, 8, 50))
    assert (summary.retried, summary.sent) == (1, 0)
    assert (await run_at(engine, clock, utc(2026, 11, 23, 8, 50, 20))).sent == 0
    summary = await run_at(engine, clock, utc(2026, 11, 23, 8, 50, 31))
    assert summary.sent == 1 and len(notifier.sent) == 1 and notifier.attempts == 2


async def test_a_crash_between_claim_and_send_neither_loses_nor_doubles(world):
    _, clock, services, notifier = world
    await onboard(services)
    notifier.script = [Crash()]
    clock.set(utc(2026, 11, 23, 8, 0))
    await services.work_sessions.start_session(USER)
    with pytest.raises(Crash):
        await run_at(engine_for(services, notifier), clock, utc(2026, 11, 23, 8, 50))
    restarted = engine_for(services, notifier)
    assert (await run_at(restarted, clock, utc(2026, 11, 23, 8, 50, 30))).sent == 0  # still leased
    summary = await run_at(restarted, clock, utc(2026, 11, 23, 8, 52))
    assert summary.sent == 1 and len(notifier.sent) == 1


async def test_a_blocked_bot_pauses_the_users_reminders(world):
    _, clock, services, notifier = world
    await onboard(services)
    notifier.script = [Outcome(Delivery.UNREACHABLE)]
    clock.set(utc(2026, 11, 23, 8, 0))
    await services.work_sessions.start_session(USER)
    summary = await run_at(engine_for(services, notifier), clock, utc(2026, 11, 23, 8, 50))
    assert summary.paused_users == 1
    assert (await services.users.get_user(USER)).reminders_on is False
    await run_at(engine_for(services, notifier), clock, utc(2026, 11, 23, 10, 0))
    assert notifier.attempts == 1


async def test_finding_due_work_reads_only_due_schedules(world):
    store, clock, services, notifier = world
    for n in range(50):
        await services.users.ensure(f"slack:T1:U{n}")
    engine = engine_for(services, notifier)
    await engine.run()  # everyone is new, so everyone is looked at once
    store.operations.reset()
    summary = await engine.run()
    assert summary.due_schedules == 0
    assert store.operations.total == 1  # one indexed query, whatever the number of users
