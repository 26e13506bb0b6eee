"""A focus session on a day off (or before working hours) with no clock-in counts as work: the
reminder plan still works out its nudges instead of failing for that user."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from domain.entities import User
from domain.reminders.policy import Activity, Sent, plan

SATURDAY_1000_UTC = datetime(2026, 11, 28, 10, 0, tzinfo=UTC)  # 11:00 in Madrid, a day off
ANA = User("slack:T1:U1", "Ana", SATURDAY_1000_UTC - timedelta(days=30), timezone="Europe/Madrid")


def test_a_focus_that_ran_out_on_a_day_off_is_due_with_no_clock_in():
    started = SATURDAY_1000_UTC - timedelta(minutes=25)
    focusing = Activity(focus_started=started, focus_planned_end=SATURDAY_1000_UTC, focus_id="f1")
    decided = plan(ANA, focusing, Sent(), SATURDAY_1000_UTC)
    assert [nudge.kind for nudge in decided.due] == ["focus_end"]


def test_water_on_a_day_off_counts_from_the_focus_start():
    started = SATURDAY_1000_UTC - timedelta(minutes=25)
    focusing = Activity(focus_started=started, focus_planned_end=SATURDAY_1000_UTC + timedelta(hours=2), focus_id="f1")
    later = started + timedelta(minutes=95)  # past the default 90-minute water interval
    assert "water" in [nudge.kind for nudge in plan(ANA, focusing, Sent(), later).due]
