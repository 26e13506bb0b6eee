"""Repeating tasks: a series' rule (an RFC 5545 RRULE), when its occurrences fall, and its words.

Occurrences are computed in the user's wall time and only then turned into UTC, so that a task
repeating at 09:00 stays at 09:00 on both sides of a daylight-saving change. A time is part of
the rule (BYHOUR, BYMINUTE) only when the user said one; otherwise the series' start carries
the end of their working day, and the words leave the time out.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import rrule, rrulestr

from domain.errors import ValidationError

DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
WEEKDAYS = ",".join(DAY_CODES[:5])
RULE_MAX = 200  # our rules are a few dozen characters; a longer stored one was not written by us
# An occurrence is looked for this far ahead at most (bounds the work of an odd rule).
HORIZON = timedelta(days=3 * 366)


@dataclass
class Recurrence:
    """How a task repeats. ``series`` names every occurrence of it and ``number`` says which one
    this task is: the next one's id is made of both, so creating it twice collides."""

    rule: str  # RRULE parts without the "RRULE:" prefix, e.g. "FREQ=WEEKLY;BYDAY=MO"
    start: datetime  # the series' first occurrence, in the user's wall time (naive)
    timezone: str
    series: str
    number: int = 1

    def next_id(self) -> str:
        return occurrence_id(self.series, self.number + 1)

    def following(self) -> Recurrence:
        return Recurrence(self.rule, self.start, self.timezone, self.series, self.number + 1)


def occurrence_id(series: str, number: int) -> str:
    return f"{series}-{number}"


def month_day_rule(day: int) -> str:
    """A day of the month that every month has (the 31st falls on the 30th, the 28th or the 29th
    in shorter months) rather than RFC 5545's default of skipping the months that lack it."""
    if day <= 28:
        return f"BYMONTHDAY={day}"
    return "BYMONTHDAY=" + ",".join(str(d) for d in range(28, day + 1)) + ";BYSETPOS=-1"


def _rule(recurrence_rule: str, start: datetime) -> rrule:
    if len(recurrence_rule) > RULE_MAX:
        raise ValidationError("That repeat rule is too long.")
    try:
        parsed = rrulestr(recurrence_rule, dtstart=start)
    except (ValueError, TypeError) as error:
        raise ValidationError("That repeat rule can't be read.") from error
    if not isinstance(parsed, rrule):
        raise ValidationError("That repeat rule can't be read.")
    return parsed


def _occurrence_after(recurrence_rule: str, start: datetime, after: datetime, inclusive: bool) -> datetime | None:
    """The first wall-time occurrence after ``after`` (both naive), within the horizon."""
    found = _rule(recurrence_rule, start).after(after, inc=inclusive)
    if not isinstance(found, datetime) or found > after + HORIZON:
        return None
    return found


def _as_utc(wall: datetime, timezone: str) -> datetime:
    return wall.replace(tzinfo=ZoneInfo(timezone)).astimezone(UTC)


def start_series(rule: str, timezone: str, now: datetime, at: time, series: str) -> tuple[Recurrence, datetime]:
    """A new series from ``now``: its first occurrence is the first at or after now (today counts
    while ``at`` is still ahead), returned in UTC as the first task's due date."""
    local_now = now.astimezone(ZoneInfo(timezone)).replace(tzinfo=None)
    start = datetime.combine(local_now.date(), at)
    if start <= local_now:
        start += timedelta(days=1)
    if "FREQ=MONTHLY" in rule and "BYMONTHDAY" not in rule and "BYDAY" not in rule:
        rule += ";" + month_day_rule(start.day)  # "every month" from the 31st is not every other
    first = _occurrence_after(rule, start, start, inclusive=True)
    if first is None:
        raise ValidationError("That rule never comes round: try 'every monday' or 'every month on the 1st'.")
    return Recurrence(rule, first, timezone, series), _as_utc(first, timezone)


def next_occurrence(recurrence: Recurrence, due_at: datetime | None, done_at: datetime) -> datetime | None:
    """When the occurrence after this one is due, in UTC: the first one after both this one's
    due date and its completion (a late completion skips the occurrences already past)."""
    zone = ZoneInfo(recurrence.timezone)
    after = max(due_at or done_at, done_at).astimezone(zone).replace(tzinfo=None)
    found = _occurrence_after(recurrence.rule, recurrence.start, max(after, recurrence.start), inclusive=False)
    return None if found is None else _as_utc(found, recurrence.timezone)


def _ordinal(day: int) -> str:
    suffix = "th" if 10 <= day % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(day % 10, "th")
    return f"{day}{suffix}"


def describe(rule: str) -> str:
    """The rule in words: "every Monday", "every weekday at 09:00", "every 2 weeks", "monthly on the 1st"."""
    parts = dict(part.split("=", 1) for part in rule.split(";") if "=" in part)
    frequency = parts.get("FREQ", "")
    interval = int(parts.get("INTERVAL", "1") or 1)
    unit = {"DAILY": "day", "WEEKLY": "week", "MONTHLY": "month", "YEARLY": "year"}.get(frequency, "time")
    days = [DAY_NAMES[DAY_CODES.index(code)] for code in parts.get("BYDAY", "").split(",") if code in DAY_CODES]
    month_days = [int(d) for d in parts.get("BYMONTHDAY", "").split(",") if d.lstrip("-").isdecimal()]
    every = f"every {interval} {unit}s" if interval > 1 else f"every {unit}"
    if frequency == "WEEKLY" and parts.get("BYDAY") == WEEKDAYS and interval == 1:
        words = "every weekday"
    elif frequency == "WEEKLY" and days and interval == 1:
        words = "every " + (" and ".join([", ".join(days[:-1]), days[-1]]) if len(days) > 1 else days[0])
    elif days:
        words = f"{every} on " + " and ".join(days)
    elif frequency == "MONTHLY" and month_days:
        words = ("monthly" if interval == 1 else every) + f" on the {_ordinal(max(month_days))}"
    elif frequency == "MONTHLY" and interval == 1:
        words = "monthly"
    else:
        words = every
    if "BYHOUR" in parts:
        hour = int(parts["BYHOUR"].split(",")[0])
        minute = int((parts.get("BYMINUTE") or "0").split(",")[0])
        words += f" at {hour:02d}:{minute:02d}"
    return words
