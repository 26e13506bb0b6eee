"""Bounded reads of a user's recent history for the companion (progress, pet, insights).

Day roll-ups are read by point reads of the days asked for, never by scanning the
history, so the cost of a read follows the span, not the number of tasks or sessions.
Also here: the rules the three share about a working day and a late night. A finished
session's late nights are counted in the roll-up of each such night (``LATE_SESSIONS``),
and the running session is known from its slot, so progress and the pet judge late
nights on the roll-ups a chat turn reads anyway, without a query of the sessions.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.clock import to_iso
from domain.entities import ActiveSlot, User, WorkSession
from domain.errors import NotFound
from domain.ports import RepositorySet

# Work in this local span counts as a late night, whatever the user's quiet hours say:
# quiet hours are a preference, sleep is not.
LATE_FROM, LATE_UNTIL = time(22, 0), time(5, 0)
LATE_MINUTES_THAT_COUNT = 15
SESSIONS_READ_MAX = 200
# Finished sessions with a late night in them, counted in the roll-up of the night (the day
# its evening falls on).
LATE_SESSIONS = "late_sessions"
# A slot this young is taken at its word; an older one may outlive a session whose process
# died before releasing it, so its session is read to be sure it still runs.
SLOT_TRUSTED_FOR = timedelta(hours=12)

Counters = dict[str, float]


def local_today(user: User, now: datetime) -> date:
    return now.astimezone(ZoneInfo(user.timezone)).date()


def days_between(first: date, last: date) -> list[date]:
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


async def read_days(repos: RepositorySet, user_id: str, first: date, last: date) -> dict[date, Counters]:
    """The day roll-ups from ``first`` to ``last`` (local dates, both included), oldest
    first; a day nothing happened on reads as ``{}``."""
    days = days_between(first, last)
    found = await repos.rollups_between(user_id, "day:" + first.isoformat(), "day:" + last.isoformat())
    return {day: dict(found.get("day:" + day.isoformat(), {})) for day in days}


async def recent_work_sessions(repos: RepositorySet, user_id: str, since: datetime) -> list[WorkSession]:
    """Work sessions started since ``since`` (and the running one), oldest first, bounded."""
    return await repos.work_sessions.find(
        user_id, [("start_time", ">=", to_iso(since))], "start_time", False, SESSIONS_READ_MAX
    )


def local_midnight(day: date, user: User) -> datetime:
    return datetime.combine(day, time(0), ZoneInfo(user.timezone))


def _clock(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def workday_hours(user: User) -> float:
    """The length of the user's working day in hours (a night shift wraps midnight)."""
    start, end = _clock(user.work_start), _clock(user.work_end)
    minutes = (end.hour * 60 + end.minute) - (start.hour * 60 + start.minute)
    return (minutes if minutes > 0 else minutes + 24 * 60) / 60


def is_working_day(user: User, day: date) -> bool:
    return day.weekday() in user.work_days


def session_end(session: WorkSession, now: datetime) -> datetime:
    """When a session ended, or now for the running one."""
    return session.end_time or max(now, session.start_time)


def late_minutes_by_night(start: datetime, end: datetime, zone: ZoneInfo) -> dict[date, float]:
    """Minutes of [start, end) between 22:00 and 05:00 local time, per night; a night is
    named by the evening it starts on (01:00 on Tuesday is Monday night)."""
    found: dict[date, float] = {}
    first = start.astimezone(zone).date() - timedelta(days=1)
    for night in days_between(first, end.astimezone(zone).date()):
        dusk = datetime.combine(night, LATE_FROM, zone)
        dawn = datetime.combine(night + timedelta(days=1), LATE_UNTIL, zone)
        overlap = (min(end, dawn) - max(start, dusk)).total_seconds() / 60
        if overlap > 0:
            found[night] = overlap
    return found


def late_night_dates(sessions: list[WorkSession], user: User, now: datetime) -> set[date]:
    """The nights (by their evening's local date) with real work in them."""
    zone = ZoneInfo(user.timezone)
    nights: set[date] = set()
    for session in sessions:
        by_night = late_minutes_by_night(session.start_time, session_end(session, now), zone)
        nights.update(night for night, minutes in by_night.items() if minutes >= LATE_MINUTES_THAT_COUNT)
    return nights


def late_night_counters(start: datetime, end: datetime, timezone: str) -> dict[str, dict[str, float]]:
    """What a finished session adds to the roll-ups of its late nights, by day key."""
    nights = late_minutes_by_night(start, end, ZoneInfo(timezone))
    return {
        "day:" + night.isoformat(): {LATE_SESSIONS: 1}
        for night, minutes in nights.items()
        if minutes >= LATE_MINUTES_THAT_COUNT
    }


async def running_since(repos: RepositorySet, user_id: str, now: datetime) -> datetime | None:
    """When the user's running work session started, or None: from its slot, which a chat
    turn has already read (slots from before the start was kept in them read the session)."""
    try:
        slot = await repos.active_slots.get(user_id, ActiveSlot.id)
    except NotFound:
        return None
    if slot.started_at is not None and now - slot.started_at < SLOT_TRUSTED_FOR:
        return slot.started_at
    try:
        session = await repos.work_sessions.get(user_id, slot.session_id)
    except NotFound:
        return None
    return session.start_time if session.active else None


def late_nights(days: dict[date, Counters], running_start: datetime | None, user: User, now: datetime) -> set[date]:
    """The nights among ``days`` with real work in them: those whose roll-up counts a late
    session, and those of the running session if it started within the span."""
    nights = {day for day, counters in days.items() if counters.get(LATE_SESSIONS, 0) > 0}
    if running_start is not None and days and running_start >= local_midnight(min(days), user):
        zone = ZoneInfo(user.timezone)
        nights.update(
            night
            for night, minutes in late_minutes_by_night(running_start, now, zone).items()
            if minutes >= LATE_MINUTES_THAT_COUNT and night in days
        )
    return nights
