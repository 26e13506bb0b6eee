"""Input rules and entity invariants: what a title, priority, time zone or time of day may be."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from domain.entities import FocusSession, WorkSession
from domain.errors import Conflict, ValidationError
from domain.validation import (
    clean_clock_time,
    clean_notes,
    clean_priority,
    clean_timestamp,
    clean_timezone,
    clean_title,
)

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_title_is_trimmed() -> None:
    assert clean_title("   Write the report \t ") == "Write the report"


@pytest.mark.parametrize("blank", [None, "", "   ", "\n\t "])
def test_blank_title_is_required(blank) -> None:
    with pytest.raises(ValidationError, match="^Please give a task title: it can't be empty.$"):
        clean_title(blank)


def test_title_must_be_text() -> None:
    with pytest.raises(ValidationError, match=r"^A task title must be text \(this is a number\).$"):
        clean_title(42)


def test_title_may_have_200_characters_but_not_201() -> None:
    assert clean_title("x" * 200) == "x" * 200
    # Surrounding spaces do not count against the limit.
    assert clean_title("  " + "y" * 200 + "  ") == "y" * 200
    with pytest.raises(ValidationError, match=r"^A task title can be at most 200 characters \(this one has 201\).$"):
        clean_title("x" * 201)


@pytest.mark.parametrize("bad", ["a\x00b", "bell\x07", "line\nbreak", "tab\tinside", "rtl\u202eoverride"])
def test_title_rejects_control_characters(bad: str) -> None:
    with pytest.raises(ValidationError, match="^A task title can't contain invisible or control characters"):
        clean_title(bad)


def test_title_keeps_accents_and_emoji() -> None:
    assert clean_title("Café ☕ con Ñandú 🚀") == "Café ☕ con Ñandú 🚀"


def test_notes_allow_newlines_and_tabs_but_not_other_controls() -> None:
    assert clean_notes("  first line\n\tsecond  ") == "first line\n\tsecond"
    assert clean_notes("   ") is None
    assert clean_notes(None) is None
    with pytest.raises(ValidationError, match="control characters"):
        clean_notes("escape \x1b[31m")


@pytest.mark.parametrize(
    ("given", "kept"), [(None, "normal"), ("high", "high"), (" LOW ", "low"), ("Normal", "normal")]
)
def test_priorities(given, kept: str) -> None:
    assert clean_priority(given) == kept


@pytest.mark.parametrize("bad", ["urgent", "", 1, True])
def test_unknown_priority_is_rejected(bad) -> None:
    with pytest.raises(ValidationError, match="^A priority must be high, normal or low.$"):
        clean_priority(bad)


@pytest.mark.parametrize("name", ["Europe/Madrid", "Asia/Tokyo", "America/New_York", "UTC", "  Europe/Madrid "])
def test_known_time_zones(name: str) -> None:
    assert clean_timezone(name) == name.strip()


@pytest.mark.parametrize(
    ("said", "zone"),
    [
        ("Madrid", "Europe/Madrid"),
        ("London", "Europe/London"),
        ("new york", "America/New_York"),
        ("TOKYO", "Asia/Tokyo"),
        ("europe/london", "Europe/London"),
        ("America/New York", "America/New_York"),
        ("america/los-angeles", "America/Los_Angeles"),
        ("France", "Europe/Paris"),
        ("Japan", "Asia/Tokyo"),
        ("Germany", "Europe/Berlin"),
        ("utc", "UTC"),
    ],
)
def test_time_zones_as_people_name_them(said: str, zone: str) -> None:
    assert clean_timezone(said) == zone


@pytest.mark.parametrize(
    "bad", ["Mars/Olympus_Mons", "Atlantis", "United States", "../../etc/passwd", "", "   ", None, 3]
)
def test_unknown_time_zones_are_rejected(bad) -> None:
    with pytest.raises(ValidationError):
        clean_timezone(bad)


@pytest.mark.parametrize(
    ("given", "kept"),
    [("09:00", "09:00"), ("9:05", "09:05"), (" 17:30 ", "17:30"), ("00:00", "00:00"), ("23:59", "23:59")],
)
def test_clock_times(given: str, kept: str) -> None:
    assert clean_clock_time(given, "work_start") == kept


@pytest.mark.parametrize("bad", ["24:00", "12:60", "0930", "9am", "09:00:00", "", None, 900])
def test_bad_clock_times_are_rejected(bad) -> None:
    with pytest.raises(ValidationError, match=r"working hours \(work_start\) must be a time like 09:00"):
        clean_clock_time(bad, "work_start")


def test_timestamp_without_offset_is_read_as_utc_and_offsets_are_converted() -> None:
    assert clean_timestamp("2026-03-02T10:00:00", "due_at") == datetime(2026, 3, 2, 10, tzinfo=UTC)
    assert clean_timestamp("2026-03-02T10:00:00+09:00", "due_at") == datetime(2026, 3, 2, 1, tzinfo=UTC)
    assert clean_timestamp(None, "due_at") is None
    with pytest.raises(ValidationError, match=r"^A due date \(due_at\) must be a date and time like 2026-03-02T17:00"):
        clean_timestamp("tomorrow", "due_at")


@pytest.mark.parametrize(
    ("worked", "hours"),
    [
        (timedelta(hours=1, minutes=20), 1.33),
        (timedelta(hours=2, minutes=30), 2.5),
        (timedelta(minutes=1), 0.02),
        (timedelta(hours=8, minutes=40), 8.67),
    ],
)
def test_work_session_duration_is_hours_rounded_to_two_decimals(worked: timedelta, hours: float) -> None:
    session = WorkSession("w1", "u", start_time=T0)
    session.end(T0 + worked)
    assert session.duration == hours
    assert session.end_time == T0 + worked
    assert not session.active


def test_ending_a_work_session_twice_is_a_conflict() -> None:
    session = WorkSession("w1", "u", start_time=T0)
    session.end(T0 + timedelta(hours=1))
    with pytest.raises(Conflict, match="already ended"):
        session.end(T0 + timedelta(hours=2))
    assert session.duration == 1.0


def test_a_clock_running_backwards_gives_a_zero_length_session() -> None:
    session = WorkSession("w1", "u", start_time=T0)
    session.end(T0 - timedelta(minutes=5))
    assert (session.end_time, session.duration) == (T0, 0.0)


@pytest.mark.parametrize("minutes", [5, 25, 90])
def test_focus_session_lasts_5_to_90_minutes(minutes: int) -> None:
    assert FocusSession("f1", "u", T0, T0, duration_minutes=minutes).duration_minutes == minutes


@pytest.mark.parametrize("minutes", [0, 4, 91, -25])
def test_focus_session_outside_5_to_90_minutes_is_rejected(minutes: int) -> None:
    with pytest.raises(ValidationError, match="5 to 90 minutes"):
        FocusSession("f1", "u", T0, T0, duration_minutes=minutes)


def test_focus_session_defaults_to_25_minutes_and_counts_interruptions() -> None:
    session = FocusSession("f1", "u", T0, T0)
    session.interrupt()
    session.interrupt()
    assert (session.duration_minutes, session.interruptions, session.active) == (25, 2, True)


def test_title_keeps_emoji_joined_with_a_zero_width_joiner() -> None:
    assert clean_title("👩‍💻 review the PR") == "👩‍💻 review the PR"
