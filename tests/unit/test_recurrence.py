"""Repeating tasks: how "every ..." is read, when the next occurrence falls (across daylight-saving
changes and month ends), and what completing, undoing and stopping a series does."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.language.arguments import parse_new_task
from bot.language.recurrence import read_repeat
from domain.clock import FakeClock
from domain.errors import NotFound, ValidationError
from domain.recurrence import Recurrence, describe, next_occurrence, start_series
from domain.services import Services
from tests.unit.conftest import USER


@pytest.mark.parametrize(
    ("said", "title", "rule", "words"),
    [
        ("water the plants every monday", "water the plants", "FREQ=WEEKLY;BYDAY=MO", "every Monday"),
        (
            "standup every weekday at 9",
            "standup",
            "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR;BYHOUR=9;BYMINUTE=0",
            "every weekday at 09:00",
        ),
        ("review every 2 weeks", "review", "FREQ=WEEKLY;INTERVAL=2", "every 2 weeks"),
        ("pay rent every month on the 1st", "pay rent", "FREQ=MONTHLY;BYMONTHDAY=1", "monthly on the 1st"),
        ("gym every mon, wed and fri at 7am", "gym", "FREQ=WEEKLY;BYDAY=MO,WE,FR;BYHOUR=7;BYMINUTE=0", None),
        ("backup every other week on friday", "backup", "FREQ=WEEKLY;INTERVAL=2;BYDAY=FR", "every 2 weeks on Friday"),
        ("bins every other thursday", "bins", "FREQ=WEEKLY;INTERVAL=2;BYDAY=TH", "every 2 weeks on Thursday"),
        ("report due every friday", "report", "FREQ=WEEKLY;BYDAY=FR", "every Friday"),
        ("stretch every two days", "stretch", "FREQ=DAILY;INTERVAL=2", "every 2 days"),
        ("invoice every 15th", "invoice", "FREQ=MONTHLY;BYMONTHDAY=15", "monthly on the 15th"),
        (
            "close the books every month on the 31st",
            "close the books",
            "FREQ=MONTHLY;BYMONTHDAY=28,29,30,31;BYSETPOS=-1",
            "monthly on the 31st",
        ),
    ],
)
def test_every_phrase_leaves_the_title_and_reads_as_a_rule(said: str, title: str, rule: str, words: str | None) -> None:
    parsed = parse_new_task(said)
    assert parsed.title == title and parsed.repeat_text
    repeat = read_repeat(parsed.repeat_text)
    assert repeat.rule == rule
    if words:
        assert describe(repeat.rule) == words


@pytest.mark.parametrize("words", ["file", "now and then", "month on the 32nd", "400 days", "x" * 200])
def test_words_after_every_that_are_no_repeat_are_refused(words: str) -> None:
    with pytest.raises(ValidationError):
        read_repeat(words)


def occurrences(recurrence: Recurrence, first: datetime, count: int) -> list[datetime]:
    """Complete each occurrence on time, ``count`` times: the due dates that follow, in UTC."""
    found, due = [first], first
    for _ in range(count):
        upcoming = next_occurrence(recurrence, due, due)
        assert upcoming is not None
        found.append(upcoming)
        due = upcoming
    return found


def test_nine_stays_nine_across_the_spring_change_in_paris() -> None:
    # Friday 27 March 2026, 07:00 UTC (08:00 in Paris); clocks go forward on Sunday 29 March.
    now = datetime(2026, 3, 27, 7, 0, tzinfo=UTC)
    rule = read_repeat("weekday at 9").rule
    recurrence, first = start_series(rule, "Europe/Paris", now, time(9), "s")
    assert occurrences(recurrence, first, 2) == [
        datetime(2026, 3, 27, 8, 0, tzinfo=UTC),  # 09:00 CET
        datetime(2026, 3, 30, 7, 0, tzinfo=UTC),  # 09:00 CEST, Monday
        datetime(2026, 3, 31, 7, 0, tzinfo=UTC),
    ]


def test_nine_stays_nine_across_both_changes_in_new_york() -> None:
    rule = read_repeat("monday at 9").rule
    spring, first = start_series(rule, "America/New_York", datetime(2026, 3, 2, 12, tzinfo=UTC), time(9), "s")
    assert occurrences(spring, first, 1) == [
        datetime(2026, 3, 2, 14, 0, tzinfo=UTC),  # 09:00 EST
        datetime(2026, 3, 9, 13, 0, tzinfo=UTC),  # 09:00 EDT (clocks went forward on 8 March)
    ]
    autumn, first = start_series(rule, "America/New_York", datetime(2026, 10, 26, 12, tzinfo=UTC), time(9), "s")
    assert occurrences(autumn, first, 1) == [
        datetime(2026, 10, 26, 13, 0, tzinfo=UTC),  # 09:00 EDT
        datetime(2026, 11, 2, 14, 0, tzinfo=UTC),  # 09:00 EST (clocks went back on 1 November)
    ]


def test_the_31st_falls_on_the_last_day_of_shorter_months() -> None:
    rule = read_repeat("month on the 31st").rule
    recurrence, first = start_series(rule, "UTC", datetime(2026, 1, 10, tzinfo=UTC), time(17, 30), "s")
    assert [d.date().isoformat() for d in occurrences(recurrence, first, 4)] == [
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
        "2026-04-30",
        "2026-05-31",
    ]


def test_every_month_started_on_the_31st_does_not_skip_short_months() -> None:
    recurrence, first = start_series("FREQ=MONTHLY", "UTC", datetime(2026, 1, 31, 8, tzinfo=UTC), time(17), "s")
    assert [d.date().isoformat() for d in occurrences(recurrence, first, 2)] == [
        "2026-01-31",
        "2026-02-28",
        "2026-03-31",
    ]


def test_a_late_completion_skips_the_occurrences_already_past() -> None:
    rule = read_repeat("day").rule
    recurrence, first = start_series(rule, "UTC", datetime(2026, 3, 2, 8, tzinfo=UTC), time(17), "s")
    late = datetime(2026, 3, 5, 20, tzinfo=UTC)
    assert next_occurrence(recurrence, first, late) == datetime(2026, 3, 6, 17, tzinfo=UTC)


async def repeating(services: Services, clock: FakeClock, rule: str = "FREQ=WEEKLY;BYDAY=MO"):
    recurrence, due = start_series(rule, "UTC", clock.now(), time(17), "series1")
    return await services.tasks.create_task(USER, "water the plants", due_at=due, recurrence=recurrence)


async def test_completing_twice_makes_the_next_occurrence_once(services: Services, clock: FakeClock) -> None:
    task = await repeating(services, clock)
    await services.tasks.complete_task(USER, task.id)
    await services.tasks.complete_task(USER, task.id)
    open_ = await services.tasks.list_tasks(USER, "open")
    assert [(t.id, t.due_at) for t in open_] == [("series1-2", datetime(2026, 3, 9, 17, tzinfo=UTC))]
    summary = await services.stats.summary(USER)
    assert (summary["total_tasks"], summary["completed_tasks"]) == (2, 1)


async def test_undoing_a_completion_takes_back_the_untouched_next_one(services: Services, clock: FakeClock) -> None:
    task = await repeating(services, clock)
    await services.tasks.complete_task(USER, task.id)
    await services.tasks.undo(USER)
    assert [t.id for t in await services.tasks.list_tasks(USER, "all")] == [task.id]
    await services.tasks.complete_task(USER, task.id)
    assert [t.id for t in await services.tasks.list_tasks(USER, "open")] == ["series1-2"]
    summary = await services.stats.summary(USER)
    assert (summary["total_tasks"], summary["completed_tasks"]) == (2, 1)


async def test_a_next_one_that_was_changed_survives_the_undo(services: Services, clock: FakeClock) -> None:
    task = await repeating(services, clock)
    await services.tasks.complete_task(USER, task.id)
    await services.tasks.edit_task(USER, "series1-2", notes="use the blue can")
    await services.tasks.reopen_task(USER, task.id)
    await services.tasks.complete_task(USER, task.id)  # collides with the kept one: still one
    assert [t.notes for t in await services.tasks.list_tasks(USER, "open")] == ["use the blue can"]


async def test_a_stopped_series_brings_no_next_one(services: Services, clock: FakeClock) -> None:
    task = await repeating(services, clock)
    stopped = await services.tasks.stop_repeating(USER, task.id)
    assert stopped.recurrence is None and not stopped.completed
    await services.tasks.complete_task(USER, task.id)
    assert await services.tasks.list_tasks(USER, "open") == []
    with pytest.raises(NotFound):
        await services.tasks.get_task(USER, "series1-2")
    with pytest.raises(ValidationError, match="doesn't repeat"):
        await services.tasks.stop_repeating(USER, task.id)
