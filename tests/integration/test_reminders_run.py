"""Reminders on the real stores, and POST /api/reminders/run over HTTP."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from bot.reminders.engine import Delivery, Outcome, ReminderEngine
from domain.clock import FakeClock
from domain.services import Services
from persistence.repositories import Repositories
from tests.reminder_doubles import RecordingNotifier

# A tenant GUID and an AAD object id.
USER = "msteams:00000000-0000-4000-8000-0000000000a1:00000000-0000-4000-8000-0000000000b1"


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


async def clocked_in_user(store, clock) -> Services:
    services = Services.build(Repositories(store), clock)
    await services.users.ensure(USER, "Kim")
    await services.users.update_user(USER, timezone="America/New_York")
    await services.conversations.remember_address(USER, "msteams", {"conversation": {"id": "c1"}})
    clock.set(utc(2026, 11, 23, 14, 0))  # 09:00 in New York
    await services.work_sessions.start_session(USER)
    return services


async def test_two_instances_send_each_nudge_once_on_a_real_store(store):
    clock = FakeClock(utc(2026, 11, 23, 13, 0))
    services = await clocked_in_user(store, clock)
    clock.set(utc(2026, 11, 23, 15, 31))
    first, second = RecordingNotifier("msteams"), RecordingNotifier("msteams")
    one = ReminderEngine(Services.build(Repositories(store), clock), {"msteams": first})
    two = ReminderEngine(services, {"msteams": second})
    await asyncio.gather(one.run(), two.run(), one.run())
    texts = first.texts() + second.texts()
    assert len(texts) == 2 and len(set(texts)) == 2  # a break and a water nudge, once each


async def test_429_then_success_on_a_real_store(store):
    clock = FakeClock(utc(2026, 11, 23, 13, 0))
    services = await clocked_in_user(store, clock)
    notifier = RecordingNotifier("msteams", script=[Outcome(Delivery.RETRY, retry_after=5)])
    engine = ReminderEngine(services, {"msteams": notifier})
    clock.set(utc(2026, 11, 23, 14, 50))
    assert (await engine.run()).retried == 1
    clock.set(utc(2026, 11, 23, 14, 50, 6))
    assert (await engine.run()).sent == 1
    assert len(notifier.sent) == 1


async def test_run_route_needs_the_admin_token_and_evaluates_at_the_given_instant(api):
    token = (await api.json("POST", "/api/tokens", 201, json={"user_id": USER}))["token"]
    await api.json("POST", "/api/reminders/run", 403, token=token)
    await api.json("POST", "/api/reminders/run", 400, json={"now": "soon"})
    summary = await api.json("POST", "/api/reminders/run", 200, json={"now": "2026-11-23T15:31:00Z"})
    assert summary["now"] == "2026-11-23T15:31:00+00:00"
    assert {"due_schedules", "claimed", "sent", "retried", "dropped", "paused_users"} <= set(summary)
    # The user now exists (the token call does not create it); a clock-in gives them a schedule.
    await api.json("POST", "/api/work_sessions", 201, json={"user_id": USER})
    summary = await api.json("POST", "/api/reminders/run", 200)
    assert summary["due_schedules"] == 1
