"""The order "what should I do next" picks in, and the windows "what's due" reads, in the
user's local days (a daylight-saving change included)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from domain.entities import FocusSession, Task
from domain.services.agenda import minutes_left, most_urgent, window_bounds

MADRID = ZoneInfo("Europe/Madrid")


def task(title: str, created_day: int, due: datetime | None = None, priority: str = "normal") -> Task:
    return Task(title, "u", title, datetime(2026, 3, created_day, 9, tzinfo=UTC), due_at=due, priority=priority)


def test_the_most_urgent_is_overdue_then_nearest_due_then_oldest():
    oldest = task("oldest", 1)
    newer = task("newer", 2, priority="high")
    friday = task("friday", 3, datetime(2026, 3, 6, 9, tzinfo=UTC))
    overdue = task("overdue", 4, datetime(2026, 3, 3, 9, tzinfo=UTC))
    assert most_urgent([oldest, newer, friday, overdue]) is overdue
    assert most_urgent([oldest, newer, friday]) is friday
    assert most_urgent([newer, oldest]) is newer  # high priority breaks the tie of no due date
    assert most_urgent([task("b", 2), oldest]) is oldest
    assert most_urgent([]) is None


def test_windows_are_local_days_across_a_clock_change():
    # Saturday 28 March 2026, 23:30 in Madrid; the clocks go forward that night.
    now = datetime(2026, 3, 28, 22, 30, tzinfo=UTC)
    start, end = window_bounds("today", now, "Europe/Madrid")
    assert start is None and end == datetime(2026, 3, 29, tzinfo=MADRID)
    start, end = window_bounds("tomorrow", now, "Europe/Madrid")
    assert (start, end) == (datetime(2026, 3, 29, tzinfo=MADRID), datetime(2026, 3, 30, tzinfo=MADRID))
    assert start is not None and (end.astimezone(UTC) - start.astimezone(UTC)).total_seconds() == 23 * 3600
    _, week = window_bounds("week", now, "Europe/Madrid")
    assert week == datetime(2026, 4, 4, tzinfo=MADRID)


def test_a_resumed_focus_gets_the_minutes_it_had_left():
    started = datetime(2026, 3, 2, 9, tzinfo=UTC)
    cut = FocusSession("f", "u", started, started, 25, ended_at=datetime(2026, 3, 2, 9, 10, tzinfo=UTC))
    assert minutes_left(cut) == 15
