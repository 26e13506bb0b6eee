"""Reading how a task repeats: "every monday", "every weekday at 9", "every 2 weeks",
"every month on the 1st" -> an RFC 5545 rule (see domain/recurrence.py for what it means)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.language.arguments import _DAY_NAMES, _HOUR, WEEKDAYS, _clock, quoted, words_to_numbers
from domain.errors import ValidationError
from domain.recurrence import DAY_CODES, month_day_rule

# No repeat is said in more words than this; longer phrases are refused without reading them.
REPEAT_PHRASE_MAX = 60
INTERVAL_MAX = 366
UNITS = {"day": "DAILY", "week": "WEEKLY", "month": "MONTHLY", "year": "YEARLY"}
_DAY_LIST = rf"(?:{_DAY_NAMES})(?:(?:, | and |, and | & )(?:{_DAY_NAMES}))*"
_MONTH_DAY = r"(?:the )?(?P<md>\d{1,2})(?:st|nd|rd|th)?"
# Each space has one way to match, so that no phrase costs more than a pass over it.
EVERY_UNIT = re.compile(
    rf"(?:(?P<n>\d{{1,3}}|other) )?(?P<unit>day|week|month|year)s?"
    rf"(?: on (?:{_MONTH_DAY}|(?P<days>{_DAY_LIST})))?"
)
EVERY_DAYS = re.compile(rf"(?P<other>other )?(?P<days>{_DAY_LIST})")
EVERY_WEEKDAY = re.compile(r"weekday|work ?day|working day")
EVERY_MONTH_DAY = re.compile(r"(?:the )?(?P<md>\d{1,2})(?:st|nd|rd|th)(?: of (?:the|each|every) month)?")
AT_TIME = re.compile(rf" (?:at )?(?P<time>{_HOUR})$")
EXAMPLES = "'every monday', 'every weekday at 9', 'every 2 weeks' or 'every month on the 1st'"


@dataclass(frozen=True)
class Repeat:
    rule: str  # e.g. "FREQ=WEEKLY;BYDAY=MO"
    at: str | None  # "09:00" when a time was said


def _days(text: str) -> str:
    names = re.split(r", and |, | and | & ", text)
    codes: list[str] = []
    for name in names:
        code = DAY_CODES[WEEKDAYS.index(name[:3])]
        if code not in codes:
            codes.append(code)
    return ",".join(sorted(codes, key=DAY_CODES.index))


def _month_day(text: str) -> str:
    day = int(text)
    if not 1 <= day <= 31:
        raise ValidationError(f"A month has no day {day}. Try {EXAMPLES}.")
    return month_day_rule(day)


def read_repeat(text: str) -> Repeat:
    """The rule of the words after "every"; ValidationError when they are not one."""
    phrase = " ".join(text.split()).lower().rstrip(".!")
    if len(phrase) > REPEAT_PHRASE_MAX:
        raise ValidationError(f"I couldn't read 'every {quoted(text)}' as a repeat. Try {EXAMPLES}.")
    phrase = words_to_numbers(phrase)
    at = None
    timed = AT_TIME.search(phrase)
    if timed is not None and not EVERY_UNIT.fullmatch(phrase):  # "every 2 weeks": no hour 2
        minutes = _clock(timed.group("time")).minutes
        at = f"{minutes // 60:02d}:{minutes % 60:02d}"
        phrase = phrase[: timed.start()]
    parts = _rule_parts(phrase)
    if parts is None:
        raise ValidationError(f"I couldn't read 'every {quoted(text)}' as a repeat. Try {EXAMPLES}.")
    if at is not None:
        hour, minute = at.split(":")
        parts.append(f"BYHOUR={int(hour)};BYMINUTE={int(minute)}")
    return Repeat(";".join(parts), at)


def _rule_parts(phrase: str) -> list[str] | None:
    if EVERY_WEEKDAY.fullmatch(phrase):
        return ["FREQ=WEEKLY", "BYDAY=" + ",".join(DAY_CODES[:5])]
    days = EVERY_DAYS.fullmatch(phrase)
    if days is not None:
        fortnightly = ["INTERVAL=2"] if days.group("other") else []  # "every other friday"
        return ["FREQ=WEEKLY", *fortnightly, "BYDAY=" + _days(days.group("days"))]
    month_day = EVERY_MONTH_DAY.fullmatch(phrase)
    if month_day is not None:
        return ["FREQ=MONTHLY", _month_day(month_day.group("md"))]
    unit = EVERY_UNIT.fullmatch(phrase)
    if unit is None:
        return None
    said = unit.group("n")
    interval = 2 if said == "other" else int(said or 1)
    if not 1 <= interval <= INTERVAL_MAX:
        raise ValidationError(f"Repeat every 1 to {INTERVAL_MAX} of them. Try {EXAMPLES}.")
    frequency = UNITS[unit.group("unit")]
    parts = [f"FREQ={frequency}"] + ([f"INTERVAL={interval}"] if interval > 1 else [])
    if unit.group("md") is not None:
        if frequency != "MONTHLY":
            return None
        parts.append(_month_day(unit.group("md")))
    elif unit.group("days") is not None:
        if frequency != "WEEKLY":
            return None
        parts.append("BYDAY=" + _days(unit.group("days")))
    return parts
