"""Reading the arguments of commands: due dates in the user's time zone, minutes,
amounts of water, priorities, time ranges, task numbers. Typed and spoken forms alike."""

from __future__ import annotations

import asyncio
import re
import threading
import unicodedata
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import overload
from zoneinfo import ZoneInfo

import dateparser

from domain.errors import ValidationError
from domain.validation import YEAR_MAX, YEAR_MIN

GLASS_ML = 250
SNOOZE_MAX_MINUTES = 24 * 60
# No date is said in more words than this; longer phrases are refused without reading them.
DATE_PHRASE_MAX = 100
# A date said without a year that passed less than this long ago is a slip, questioned as past.
RECENTLY_PAST = timedelta(days=90)
# Task numbers point into the last list, which is short; longer digit strings are words.
TASK_NUMBER_DIGITS = 6
# Amounts are clamped here, far above every limit the services check (so the user hears that
# limit): 309 digits or more read as infinity, which round() refuses.
AMOUNT_MAX = 1e9

NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "a": 1,
    "an": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "thirteen": 13,
    "fourteen": 14,
    "fifteen": 15,
    "sixteen": 16,
    "seventeen": 17,
    "eighteen": 18,
    "nineteen": 19,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "sixty": 60,
    "seventy": 70,
    "eighty": 80,
    "ninety": 90,
    "hundred": 100,
    "half": 0.5,
}
PRIORITY_MARKS = {
    "!high": "high",
    "!h": "high",
    "!urgent": "high",
    "!important": "high",
    "!low": "low",
    "!l": "low",
    "!normal": "normal",
}
# Both run on words joined by single spaces: a "\s+" here would be retried from every start
# in a long run of whitespace, which is quadratic.
PRIORITY_WORDS = re.compile(r" (?:with )?(high|low|normal) priority\b", re.IGNORECASE)
DUE_SPLIT = re.compile(r" (?:due(?: (?:on|by|at))?|by) (?P<when>.+)$", re.IGNORECASE)
TIME_MENTIONED = re.compile(
    r"\d\s*(?:am|pm)\b|\d:\d\d|\bnoon\b|\bmidnight\b|\btonight\b|\bin\s+\d+\s*"
    r"(?:min(?:ute)?s?|hours?|hrs?|h)\b|\bmorning\b|\bafternoon\b|\bevening\b",
    re.IGNORECASE,
)
# "9-17", "9am to 5:30pm". Each run of spaces has one way to match: "\s*(am|pm)?\s*" would
# try every split of a long run between its two "\s*" (quadratic).
TIME_RANGE = re.compile(
    r"\s*\d{1,2}(?::\d{2})?\s*(?:(?:am|pm)\s*)?(?:-|–|to|until)"
    r"\s*\d{1,2}(?::\d{2})?\s*(?:(?:am|pm)\s*)?",
    re.IGNORECASE,
)
_DAY_NAMES = r"mon(?:day)?|tue(?:s|sday)?|wed(?:nesday)?|thu(?:r|rs|rsday)?|fri(?:day)?|sat(?:urday)?|sun(?:day)?"
# Whole names only at the end of a title: "watch sun" is not a due date.
_FULL_DAY_NAMES = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"
_HOUR = r"\d{1,2}(?::\d{2})?(?: ?(?:am|pm))?"
# "friday", "on friday 5pm", "this monday at 10", "10", "at 10:30". Each part is optional, and
# each space has one way to match.
DAY_AND_HOUR = re.compile(rf"(?:(?:on |this )?(?P<day>{_DAY_NAMES}))?(?:(?:^| )(?:at )?(?P<time>{_HOUR}))?")
ELAPSED = re.compile(r"in (\d{1,6}) ?(min(?:ute)?s?|hours?|hrs?|h)", re.IGNORECASE)
BARE_HOUR_AFTER_DAY = re.compile(r"\b(today|tomorrow|tonight)(?: at)? (\d{1,2})$", re.IGNORECASE)
# A date said at the end of a task without "due": "call mum tomorrow", "pay rent monday 10",
# "send invoice on 3/12". Only at the end, so "read Monday's report" keeps its title.
TRAILING_DATE = re.compile(
    rf" (?:on )?(?P<when>(?:today|tonight|tomorrow|(?:this |next )?(?:{_FULL_DAY_NAMES})|next week|"
    rf"in \d+ (?:days?|weeks?|hours?|minutes?|mins?)|\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?)"
    rf"(?: (?:at )?{_HOUR})?|at {_HOUR})$",
    re.IGNORECASE,
)
# Locales that write the month first in numeric dates (3/12 is 12 March); others write the day first.
# A date written in numbers: day and month in the locale's order with an optional year, or an
# ISO year-month-day. "." is left out: "5.30" is as often a time.
NUMERIC_DATE = re.compile(r"\b(\d{1,4})([/-])(\d{1,2})(?:\2(\d{2}|\d{4}))?\b")
MONTH_FIRST = frozenset({"en-us", "en_us", "en-ph", "en_ph", "es-us", "es_us"})
DEFAULT_LOCALE = "en-US"
RANGE_SEPARATOR = re.compile(r"-|–|to|until")
# dateparser keeps one shared parser per process, which is not safe to use from two threads.
DATEPARSER_LOCK = threading.Lock()


def quoted(text: str, limit: int = 60) -> str:
    """The user's words as an error message quotes them: short, so a pasted essay isn't echoed."""
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def words_to_numbers(text: str) -> str:
    """'forty five minutes' -> '45 minutes', so spoken numbers read like typed ones."""
    tokens = text.split()
    out: list[str] = []
    pending: float | None = None
    for token in tokens:
        word = token.lower().strip(",.")
        value = NUMBER_WORDS.get(word)
        if value is not None and word not in ("a", "an", "half"):
            pending = value if pending is None else pending + value
            continue
        if pending is not None:
            out.append(str(int(pending)))
            pending = None
        out.append(token)
    if pending is not None:
        out.append(str(int(pending)))
    return " ".join(out)


def parse_when(
    text: str, timezone: str, now: datetime, default_time: str = "17:00", locale: str = DEFAULT_LOCALE
) -> datetime:
    """A natural date ("friday 5pm", "tomorrow", "in 2 hours", "monday 10", "10") read in the
    user's time zone. A date with no time means the end of the working day; numeric dates follow
    the locale's order (3/12 is 12 March in en-US, 3 December elsewhere)."""
    phrase = " ".join(text.split())
    if len(phrase) > DATE_PHRASE_MAX:
        raise ValidationError(f"I couldn't read '{quoted(text)}' as a date. Try 'tomorrow 5pm' or 'friday'.")
    zone = ZoneInfo(timezone)
    local_now = now.astimezone(zone)
    phrase = words_to_numbers(phrase)
    if phrase.lower() in ("today", "eod", "end of day", "tonight") and not TIME_MENTIONED.search(phrase):
        phrase = "today"
    own = _day_and_hour(phrase, local_now, default_time)
    if own is not None:
        return own
    # "tomorrow 10": a bare number after a day is an hour, not a day of the month.
    phrase = BARE_HOUR_AFTER_DAY.sub(lambda m: f"{m.group(1)} {int(m.group(2)):02d}:00", phrase)
    date_order = "MDY" if locale.lower() in MONTH_FIRST else "DMY"
    try:
        parsed = _dateparse(phrase, timezone, local_now, date_order)
        if parsed is not None and parsed.year == local_now.year + 1:
            parsed = _recently_past(phrase, timezone, local_now, date_order, parsed)
    except (OverflowError, ValueError):
        parsed = None
    if parsed is None or not YEAR_MIN <= parsed.year <= YEAR_MAX or not _numbers_kept(phrase, parsed, date_order):
        raise ValidationError(f"I couldn't read '{quoted(text)}' as a date. Try 'tomorrow 5pm' or 'friday'.")
    if parsed.tzinfo is not None:  # a zone was named ("5pm UTC")
        parsed = parsed.astimezone(zone)
    span = ELAPSED.fullmatch(phrase)
    if span:  # "in 2 hours" is time that passes, whatever the wall clock does meanwhile
        amount, unit = int(span.group(1)), span.group(2).lower()
        return (now + (timedelta(hours=amount) if unit.startswith("h") else timedelta(minutes=amount))).astimezone(zone)
    if not TIME_MENTIONED.search(phrase):
        # "tomorrow" comes back at the current clock time; a day named alone means its end.
        hour, minute = (int(part) for part in default_time.split(":"))
        parsed = parsed.replace(hour=hour, minute=minute)
    # Rebuild in the zone so that a DST change between now and then gets the right offset.
    return datetime.combine(parsed.date(), parsed.time(), zone)


def _numbers_kept(phrase: str, parsed: datetime, date_order: str) -> bool:
    """Whether a date written in numbers was read as those numbers: dateparser makes some other
    day of an impossible one ('32/13' is 13 March 2032), which would be stored unnoticed."""
    match = NUMERIC_DATE.search(phrase)
    if match is None:
        return True
    first, _, second, year = match.groups()
    if len(first) == 4:  # ISO: year, month, day
        said = (int(first), int(second), int(year)) if year else None
        return said is not None and said == (parsed.year, parsed.month, parsed.day)
    day, month = (int(second), int(first)) if date_order == "MDY" else (int(first), int(second))
    if month > 12:  # "25/12" from someone whose locale puts the month first: only one reading
        day, month = month, day
    if year is not None and int(year) not in (parsed.year, parsed.year % 100):
        return False
    return (day, month) == (parsed.day, parsed.month)


def _recently_past(phrase: str, timezone: str, local_now: datetime, date_order: str, ahead: datetime) -> datetime:
    """A date said without its year that passed lately ("2 march" on 4 March) stays this year's,
    so that it is questioned as past: moved a year on, it would be shown without its year and
    nobody would notice. Long past ("5 january" in December) it is next year's, as people mean."""
    this_year = _dateparse(phrase, timezone, local_now, date_order, prefer="current_period")
    if (
        this_year is not None
        and (this_year.month, this_year.day, this_year.year + 1) == (ahead.month, ahead.day, ahead.year)
        and local_now - RECENTLY_PAST < this_year < local_now
    ):
        return this_year
    return ahead


def _day_and_hour(phrase: str, local_now: datetime, default_time: str) -> datetime | None:
    """The forms read here rather than by dateparser, which gets them wrong: a bare hour ("10",
    "at 10": the next 10:00) and a weekday with an optional time ("friday 5pm", "monday 10": the
    coming one, today while that time is still ahead)."""
    match = DAY_AND_HOUR.fullmatch(phrase.lower())
    if match is None:
        return None
    day, time_said = match.group("day"), match.group("time")
    if day is None and time_said is None:
        return None
    if time_said is not None:
        minutes = _clock(time_said).minutes
    else:
        hour, minute = (int(part) for part in default_time.split(":"))
        minutes = hour * 60 + minute
    at = time(minutes // 60, minutes % 60)
    zone = local_now.tzinfo
    if day is None:
        when = datetime.combine(local_now.date(), at, zone)
        return when if when > local_now else datetime.combine(local_now.date() + timedelta(days=1), at, zone)
    ahead = (WEEKDAYS.index(day[:3]) - local_now.weekday()) % 7
    when = datetime.combine(local_now.date() + timedelta(days=ahead), at, zone)
    return when if when > local_now else when + timedelta(days=7)


async def read_when(
    text: str, timezone: str, now: datetime, default_time: str = "17:00", locale: str = DEFAULT_LOCALE
) -> datetime:
    """parse_when off the event loop: dateparser can spend milliseconds on one odd phrase (tens
    the first time a process meets a form), and other users' requests must not wait for it."""
    return await asyncio.to_thread(parse_when, text, timezone, now, default_time, locale)


def _dateparse(
    phrase: str, timezone: str, local_now: datetime, date_order: str, prefer: str = "future"
) -> datetime | None:
    with DATEPARSER_LOCK:
        parsed = dateparser.parse(
            phrase,
            languages=["en"],
            # Read on the local wall clock, with no zone: given one, dateparser applies today's
            # UTC offset to tomorrow's time, so "tomorrow 9am" across a DST change lands at 10:00.
            settings={
                "RELATIVE_BASE": local_now.replace(tzinfo=None),
                "PREFER_DATES_FROM": prefer,
                "DATE_ORDER": date_order,
            },
        )
    # A wall-clock reading belongs to the user's zone (its offset on that date, not today's); a
    # zone the phrase named ("5pm UTC") is kept and converted by the caller.
    return parsed.replace(tzinfo=local_now.tzinfo) if parsed is not None and parsed.tzinfo is None else parsed


@dataclass(frozen=True)
class NewTask:
    title: str
    due_text: str | None
    priority: str
    repeat_text: str | None = None  # the words after "every": how the task repeats


# "every" starts how a task repeats; the last one, so that "check every file every friday" keeps its title.
REPEAT_SPLIT = re.compile(r" every ", re.IGNORECASE)
REPEAT_LEAD = re.compile(r" (?:due|due on|repeating|repeats)$", re.IGNORECASE)


def parse_new_task(args: str) -> NewTask:
    """'Write the report due friday 5pm !high' -> title, 'friday 5pm', 'high'; a date phrase at
    the end is a due date too: 'call mum tomorrow' -> 'call mum', 'tomorrow'; 'water the plants
    every monday' -> 'water the plants', repeating 'monday'."""
    priority = "normal"
    words = []
    for word in args.split():
        mark = PRIORITY_MARKS.get(word.lower())
        if mark:
            priority = mark
        else:
            words.append(word)
    text = " ".join(words)
    spoken = PRIORITY_WORDS.search(text)
    if spoken:
        priority = spoken.group(1).lower()
        text = (text[: spoken.start()] + text[spoken.end() :]).strip()
    repeat_text = None
    repeats = list(REPEAT_SPLIT.finditer(text))
    if repeats:
        repeat_text, text = text[repeats[-1].end() :].strip(), text[: repeats[-1].start()].strip()
        text = REPEAT_LEAD.sub("", text)  # "report due every friday": the title is "report"
    due_text = None
    match = DUE_SPLIT.search(text) or TRAILING_DATE.search(text)
    if match:
        due_text = match.group("when").strip()
        text = text[: match.start()].strip()
    return NewTask(title=text, due_text=due_text, priority=priority, repeat_text=repeat_text)


@overload
def parse_minutes(text: str, default: int) -> int: ...
@overload
def parse_minutes(text: str, default: None = None) -> int | None: ...
def parse_minutes(text: str, default: int | None = None) -> int | None:
    """'40', '40m', '40 minutes', 'for forty minutes', '1h', '1.5 hours' -> minutes."""
    phrase = words_to_numbers(text.lower().replace("for ", " ")).strip()
    if not phrase:
        return default
    if phrase.startswith("-") or re.match(r"^0+(?:\.0+)?\s*(?:h|m|min|minutes?|hours?)?$", phrase):
        raise ValidationError("That needs a positive number of minutes, like '25' or '1h'.")
    match = re.match(r"^(\d+(?:\.\d+)?)\s*(h|hr|hrs|hour|hours|m|min|mins|minute|minutes)?\b", phrase)
    if not match:
        return default
    amount = min(float(match.group(1)), AMOUNT_MAX)
    unit = match.group(2) or "m"
    return round(amount * 60) if unit.startswith("h") else round(amount)


def parse_water_ml(text: str) -> int:
    """'' (a glass), '2 glasses', 'a glass of water', '500 ml', '500ml', '0.5 l', '1 litre'."""
    phrase = words_to_numbers(text.lower()).replace("of water", "").strip()
    if not phrase or phrase in ("a glass", "glass", "one glass"):
        return GLASS_ML
    match = re.match(
        r"^(\d+(?:\.\d+)?|a|an)?\s*(ml|millilit(?:er|re)s?|l|lit(?:er|re)s?|glass(?:es)?|"
        r"cups?|bottles?)?\b",
        phrase,
    )
    if not match or not (match.group(1) or match.group(2)):
        raise ValidationError("Tell me how much, like 'water 2 glasses' or 'water 500 ml'.")
    amount = min(float(match.group(1)), AMOUNT_MAX) if match.group(1) not in (None, "a", "an") else 1.0
    unit = match.group(2) or ("ml" if amount > 20 else "glass")
    if unit.startswith("l"):
        return round(amount * 1000)
    if unit.startswith("ml") or unit.startswith("milli"):
        return round(amount)
    if unit.startswith("bottle"):
        return round(amount * 500)
    return round(amount * GLASS_ML)


def looks_like_time_range(text: str) -> bool:
    """Whether the text is a time range and nothing else ("9-17", "9am to 5:30pm")."""
    return TIME_RANGE.fullmatch(text) is not None


def parse_time_range(text: str, overnight: bool = True) -> tuple[str, str]:
    """'09:00-17:30', '9-17:30', '9am to 5:30pm' -> ('09:00', '17:30'); '9-5' and '9 to 6' are a
    working day, 09:00-17:00 and 09:00-18:00. An end before the start said without am/pm on a
    12-hour clock is read as pm when `overnight` is False (working hours): nobody works 09:00-05:00,
    and that reading is never more than 12 hours long. A range that crosses midnight is kept when
    it is said so: on a 24-hour clock ('22:00-06:00') or with am/pm ('10pm-6am'), or always when
    `overnight` is True (quiet hours, where it is the usual case)."""
    parts = RANGE_SEPARATOR.split(text.strip().lower(), maxsplit=1)  # each part is stripped below
    if len(parts) != 2:
        raise ValidationError("Give a range like 09:00-17:30.")
    first, last = _clock(parts[0]), _clock(parts[1])
    start, end = first.minutes, last.minutes
    if start == end:
        raise ValidationError("A range needs a start and an end that differ, like 09:00-17:30.")
    said_as_24h = first.on_24h_clock or last.on_24h_clock
    if end < start and not overnight and last.meridiem is None and not said_as_24h and end + 12 * 60 > start:
        end += 12 * 60
    return _hhmm(start), _hhmm(end)


@dataclass(frozen=True)
class _ClockReading:
    minutes: int  # since midnight, am/pm applied
    meridiem: str | None
    on_24h_clock: bool  # "06:00", "17", "0:30": said the way a 24-hour clock says it


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


def parse_midday_time(text: str) -> str:
    """A time around the middle of the day: '12:30', '1pm', '13:00' -> 'HH:MM'; '1' or '1:30'
    without am/pm is the afternoon (no one has lunch at 1:30 at night)."""
    reading = _clock(text.strip().lower())
    minutes = reading.minutes
    if reading.meridiem is None and not reading.on_24h_clock and minutes < 7 * 60:
        minutes += 12 * 60
    return _hhmm(minutes)


def _clock(text: str) -> _ClockReading:
    match = re.fullmatch(r"(\d{1,2})(?::(\d{2}))?\s*(am|pm)?", text.strip())
    if not match:
        raise ValidationError(f"'{quoted(text)}' is not a time like 09:00.")
    hour, minute, meridiem = int(match.group(1)), int(match.group(2) or 0), match.group(3)
    on_24h_clock = meridiem is None and (match.group(1).startswith("0") or hour == 0 or hour > 12)
    if meridiem == "pm" and hour < 12:
        hour += 12
    if meridiem == "am" and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59) or (meridiem and int(match.group(1)) > 12):
        raise ValidationError(f"'{quoted(text)}' is not a time of day.")
    return _ClockReading(hour * 60 + minute, meridiem, on_24h_clock)


WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_weekdays(text: str) -> list[int]:
    """'mon-fri', 'mon,tue,thu', 'monday to thursday', 'sun-thu' -> weekday numbers (Monday 0)."""
    days: set[int] = set()
    phrase = re.sub(r"-|–|\bto\b|\bthrough\b|\buntil\b", "-", " ".join(text.lower().split()))
    phrase = phrase.replace(" -", "-").replace("- ", "-")  # "mon - fri" is a range too
    for part in re.split(r"[\s,]+|\band\b", phrase):
        if not part:
            continue
        ends = [end.strip()[:3] for end in part.split("-")]
        if not all(end in WEEKDAYS for end in ends) or len(ends) > 2:
            raise ValidationError(f"'{quoted(part)}' is not a day or a range of days. Try 'days mon-fri'.")
        first, last = WEEKDAYS.index(ends[0]), WEEKDAYS.index(ends[-1])
        day = first
        days.add(day)
        while day != last:  # ranges may wrap the week: sun-thu
            day = (day + 1) % 7
            days.add(day)
    if not days:
        raise ValidationError("Which days? Try 'days mon-fri'.")
    return sorted(days)


def parse_duration(text: str) -> timedelta:
    """'15m', '15 minutes', '1h', 'an hour' -> timedelta (for snooze)."""
    minutes = parse_minutes(text.replace("an hour", "1 hour"))
    if not minutes:
        raise ValidationError("How long? Try 'snooze 15m'.")
    if minutes > SNOOZE_MAX_MINUTES:
        raise ValidationError("Snooze for up to a day; for longer, say 'pause until monday'.")
    return timedelta(minutes=minutes)


def task_number(text: str) -> int | None:
    """'2', '#2', 'number two', 'task 2', '1 👍', '3!' -> the number; None when it is not a number."""
    phrase = words_to_numbers(text.lower()).replace("number", "").replace("task", "").replace("#", "")
    phrase = _without_trailing_marks(phrase.strip())
    # isdecimal, not isdigit: int() refuses "²", and very long numbers (past 4300 digits).
    return int(phrase) if phrase.isdecimal() and len(phrase) <= TASK_NUMBER_DIGITS else None


# What may follow a number without making it words: emoji (symbols, their skin tones, variation
# selectors and joiners), punctuation and spaces. "done 1 👍" is task 1; "done 1 report" is not.
_TRAILING_MARKS = {"So", "Sk", "Mn", "Cf", "Zs"}


def _without_trailing_marks(phrase: str) -> str:
    end = len(phrase)
    while end and (
        phrase[end - 1].isspace()
        or unicodedata.category(phrase[end - 1])[0] == "P"
        or unicodedata.category(phrase[end - 1]) in _TRAILING_MARKS
    ):
        end -= 1
    return phrase[:end]


def parse_clock_time(text: str) -> str:
    """'16:00', '4pm', '4:30 pm' -> 'HH:MM' (ValidationError otherwise)."""
    return _hhmm(_clock(text.lower()).minutes)
