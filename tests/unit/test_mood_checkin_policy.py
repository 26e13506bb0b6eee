"""When the daily mood check-in falls due: at the time the user picked, a few stable seconds
later per user (like the other time-of-day nudges), on working days, never in quiet hours,
and only for users who asked for it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.entities import User
from domain.reminders.policy import SPREAD, Activity, Sent, candidates, plan, spread

MONDAY_1500_UTC = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 16:00 in Madrid


def user(**checkin) -> User:
    settings = {"checkin": checkin} if checkin else {}
    return User("slack:T1:U1", "Ana", MONDAY_1500_UTC, timezone="Europe/Madrid", reminder_settings=settings)


def due_checkins(who: User, now: datetime) -> list:
    return [n for n in plan(who, Activity(), Sent(), now).due if n.kind == "checkin"]


def checkins(who: User, now: datetime, sent: Sent | None = None) -> list:
    return [n for n in candidates(who, Activity(), sent or Sent(), now) if n.kind == "checkin"]


def test_nobody_is_asked_until_they_pick_a_time():
    assert checkins(user(), MONDAY_1500_UTC) == []


def test_the_checkin_falls_due_at_the_picked_local_time_spread_a_little_per_user():
    ana = user(on=True, at="16:00")
    [nudge] = checkins(ana, MONDAY_1500_UTC)
    offset = spread(ana.id, "checkin")
    assert nudge.due_at == MONDAY_1500_UTC + offset and timedelta(0) <= offset < SPREAD
    assert spread("slack:T1:U2", "checkin") != offset or spread("slack:T1:U3", "checkin") != offset
    assert nudge.key == "checkin:2026-11-23"
    assert checkins(ana, MONDAY_1500_UTC, Sent(keys={"checkin": nudge.key})) == []  # once a day
    assert due_checkins(ana, MONDAY_1500_UTC + SPREAD) == [nudge]


def test_no_checkin_on_a_day_off():
    saturday = MONDAY_1500_UTC + timedelta(days=5)
    assert checkins(user(on=True, at="16:00"), saturday) == []


def test_quiet_hours_hold_the_checkin_and_the_next_day_asks_afresh():
    ana = user(on=True, at="16:00")
    ana.quiet_start, ana.quiet_end = "15:30", "08:00"  # quiet hours moved over the check-in
    next_morning = MONDAY_1500_UTC + timedelta(hours=17)  # 08:00 Tuesday: yesterday's is gone
    assert due_checkins(ana, MONDAY_1500_UTC + SPREAD) == []
    assert plan(ana, Activity(), Sent(), MONDAY_1500_UTC + SPREAD).next_check <= next_morning
    assert [n.key for n in checkins(ana, next_morning)] == ["checkin:2026-11-24"]
    assert due_checkins(ana, next_morning) == []


def test_a_checkin_hours_past_its_time_is_skipped_for_the_day():
    ana = user(on=True, at="09:00")  # set at 16:00: today's 09:00 is long gone
    assert checkins(ana, MONDAY_1500_UTC) == []
    assert [n.key for n in checkins(ana, MONDAY_1500_UTC + timedelta(hours=18))] == ["checkin:2026-11-24"]
