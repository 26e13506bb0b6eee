"""When a user's nudges are due: pure rules over their preferences, what they are doing,
and what was already sent. No storage, no clock of its own: give it ``now``.

The rules users of similar tools ask for: nothing while they are not working, nothing
in quiet hours or while paused or snoozed, a break counted only over continuous active
work (never inside a focus session, which gets its own nudge when it ends), lunch once
in its window, a wrap-up at the end of the working day, and a warning when a session
runs past 10 hours or past midnight.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.entities import User
from domain.insights import ALERT_EVERY
from domain.reminders.asked import ONE_OFF_KIND, due_nudges, one_off_nudges
from domain.reminders.items import DueTask, Nudge, OneOff

DEFAULTS: dict[str, dict[str, Any]] = {
    "water": {"on": True, "every": 90},
    "break": {"on": True, "every": 50},
    # "at": the user's own lunch time ("lunch at 12:30"), in place of the window's start + after.
    "lunch": {"on": True, "window": ("12:00", "14:00"), "after": 30, "at": None},
    "wrap_up": {"on": True},
    "long_session": {"on": True, "hours": 10},
    "focus_end": {"on": True},
    # On the last working day of the week, just after work: the week in numbers.
    "weekly_report": {"on": True, "after": 10},
    # Checked after each working day; sent only when the burnout risk is high, at most weekly.
    "risk_alert": {"on": True, "after": 20},
    # The mood check-in: asked only of those who pick a time for it (`checkin at 16:00`).
    "checkin": {"on": False, "at": "16:00"},
    # Minutes before a task's due time (`remind due 30m`).
    "due": {"on": True, "before": 15},
    # At the start of each working day: what is due, what comes next, and yesterday.
    "plan": {"on": True},
    # Not a nudge of its own: every "after"-th completed focus session of a day, the focus-end
    # nudge suggests a long break (the Pomodoro technique's rhythm).
    "long_break": {"on": True, "after": 4},
}
RISK_ALERT_DELIVERED = "risk_alert_delivered"  # in Sent.at: when the last alert actually went out
# Safety nudges that still come in quiet hours: being clocked in at 2 am is the point.
IGNORE_QUIET = frozenset({"long_session", "focus_end"})
FAR_FUTURE = datetime.max.replace(tzinfo=ZoneInfo("UTC")) - timedelta(days=1)
# Nudges at a time of day (lunch, the end of the working day) would fall due for a whole time
# zone in the same second; each user's comes a few seconds to minutes later, always the same
# for that user and kind, so a wave is spread over SPREAD instead of hitting the platform at once.
SPREAD = timedelta(minutes=4)
SPREAD_KINDS = frozenset({"lunch", "wrap_up", "weekly_report", "risk_alert", "checkin", "plan"})
CHECKIN_LATE = timedelta(hours=2)
# A nudge at a time of day that could not go out on time (the engine was down, a hold) is
# dropped when it is this late: a morning plan at 3 pm or a lunch nudge at 4 pm helps no one.
PLAN_LATE = timedelta(hours=2)
LUNCH_LATE = timedelta(minutes=90)  # an own lunch time's nudge, as late as the default window allows


# The name a date-only task's morning nudge is spread under: a "due" nudge otherwise comes at
# the time its user asked for, but a morning one at the start of working hours, like the plan.
MORNING_DUE = "due_morning"


def spread(user_id: str, kind: str) -> timedelta:
    """How much later than its time of day a user's nudge of ``kind`` comes (stable per user)."""
    if kind not in SPREAD_KINDS and kind != MORNING_DUE:
        return timedelta(0)
    return timedelta(seconds=zlib.crc32(f"{user_id}:{kind}".encode()) % int(SPREAD.total_seconds()))


@dataclass(frozen=True)
class Activity:
    """What the user is doing and did last, as the engine read it from the store."""

    clocked_in_since: datetime | None = None
    session_id: str | None = None
    focus_started: datetime | None = None
    focus_planned_end: datetime | None = None
    focus_id: str | None = None
    last_focus_end: datetime | None = None
    last_water: datetime | None = None
    last_break: datetime | None = None
    lunch_logged_on: date | None = None  # local date of the last lunch
    worked_on: date | None = None  # local date of the last clock-in
    due_tasks: tuple[DueTask, ...] = ()  # the open tasks due soonest, still ahead
    one_offs: tuple[OneOff, ...] = ()  # pending one-off reminders


@dataclass
class Sent:
    """What was already sent, per kind: the time and the occurrence key."""

    at: dict[str, datetime] = field(default_factory=dict)
    keys: dict[str, str] = field(default_factory=dict)


def setting(user: User, kind: str, name: str) -> Any:
    # The user's own value, else the kind's default: what merging the two would give, without
    # building the merged dict (the policy asks about twenty times a user per look).
    defaults = DEFAULTS[kind]
    own = user.reminder_settings.get(kind, {})
    return own[name] if name in own else defaults.get(name)


def _clock(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def in_window(local: datetime, start: str, end: str) -> bool:
    """Whether a local time falls in [start, end), windows may cross midnight."""
    now, begin, finish = local.time(), _clock(start), _clock(end)
    return begin <= now < finish if begin <= finish else now >= begin or now < finish


def window_end(local: datetime, start: str, end: str) -> datetime:
    """The first local instant after ``local`` outside the window it is in."""
    finish = datetime.combine(local.date(), _clock(end), local.tzinfo)
    if finish <= local:
        finish += timedelta(days=1)
    return finish


def at_work(user: User, activity: Activity, local: datetime) -> bool:
    if activity.clocked_in_since is not None or activity.focus_started is not None:
        return True
    return local.weekday() in user.work_days and in_window(local, user.work_start, user.work_end)


def candidates(user: User, activity: Activity, sent: Sent, now: datetime) -> list[Nudge]:
    """Each enabled kind's next occurrence (its due time may be in the past: due now)."""
    zone = ZoneInfo(user.timezone)
    local = now.astimezone(zone)
    today = local.date()
    found: list[Nudge] = []

    def on(kind: str) -> bool:
        return bool(setting(user, kind, "on"))

    working = at_work(user, activity, local)
    if on("water") and working:
        # A focus alone counts as work (on a day off, before hours): its start is an anchor too,
        # or a Saturday focus with no clock-in would leave nothing to count the interval from.
        anchors = (
            activity.clocked_in_since,
            activity.focus_started,
            activity.last_water,
            sent.at.get("water"),
            _work_start(user, local),
        )
        base = max(t for t in anchors if t is not None)
        due = base + timedelta(minutes=setting(user, "water", "every"))
        found.append(Nudge("water", due, f"water:{due.isoformat()}"))
    if on("break") and activity.clocked_in_since and activity.focus_started is None:
        since = max(
            t
            for t in (activity.clocked_in_since, activity.last_break, activity.last_focus_end, sent.at.get("break"))
            if t is not None
        )
        due = since + timedelta(minutes=setting(user, "break", "every"))
        found.append(Nudge("break", due, f"break:{due.isoformat()}"))
    if on("lunch") and working and local.weekday() in user.work_days and activity.lunch_logged_on != today:
        due, last = lunch_time(user, today, zone)
        # Once the window has passed, a lunch nudge is useless: skip it for today.
        if local < last and due < last:
            found.append(Nudge("lunch", due, f"lunch:{today.isoformat()}"))
    if on("wrap_up") and local.weekday() in user.work_days and activity.worked_on == today:
        due = datetime.combine(today, _clock(user.work_end), zone)
        found.append(Nudge("wrap_up", due, f"wrap_up:{today.isoformat()}"))
    if on("long_session") and activity.clocked_in_since is not None:
        started = activity.clocked_in_since
        midnight = datetime.combine(started.astimezone(zone).date() + timedelta(days=1), time(0), zone)
        due = min(started + timedelta(hours=setting(user, "long_session", "hours")), midnight)
        found.append(Nudge("long_session", due, f"long_session:{activity.session_id}"))
    if on("weekly_report") and user.work_days and local.weekday() == last_working_day(user.work_days):
        due = datetime.combine(today, _clock(user.work_end), zone) + timedelta(
            minutes=setting(user, "weekly_report", "after")
        )
        year, week, _ = today.isocalendar()
        found.append(Nudge("weekly_report", due, f"weekly_report:{year}-W{week:02d}"))
    last_alert = sent.at.get(RISK_ALERT_DELIVERED)
    recently = last_alert is not None and now - last_alert < ALERT_EVERY
    if on("risk_alert") and local.weekday() in user.work_days and not recently:
        due = datetime.combine(today, _clock(user.work_end), zone) + timedelta(
            minutes=setting(user, "risk_alert", "after")
        )
        found.append(Nudge("risk_alert", due, f"risk_alert:{today.isoformat()}"))
    if on("checkin") and local.weekday() in user.work_days:
        due = datetime.combine(today, _clock(setting(user, "checkin", "at")), zone)
        # Asked hours late (the time was set after it, or a pause just ended) it is not the
        # question the user chose: today's is skipped.
        if local < due + CHECKIN_LATE:
            found.append(Nudge("checkin", due, f"checkin:{today.isoformat()}"))
    morning = next_plan(user, sent, local) if on("plan") else None
    if morning is not None:
        found.append(morning)
    if on("focus_end") and activity.focus_planned_end is not None:
        found.append(Nudge("focus_end", activity.focus_planned_end, f"focus_end:{activity.focus_id}"))
    if on("due"):
        lead = timedelta(minutes=setting(user, "due", "before"))
        found += due_nudges(
            activity.due_tasks, lead, user.timezone, user.work_start, user.work_end, now, spread(user.id, MORNING_DUE)
        )
    found += one_off_nudges(activity.one_offs)
    found = [_spread(user.id, nudge) for nudge in found]
    return [nudge for nudge in found if sent.keys.get(nudge.memory) != nudge.key]


def _spread(user_id: str, nudge: Nudge) -> Nudge:
    shift = spread(user_id, nudge.kind)
    # Most kinds are not spread: the nudge as it is, not a copy (a dataclass copy costs).
    return replace(nudge, due_at=nudge.due_at + shift) if shift else nudge


def lunch_time(user: User, day: date, zone: ZoneInfo) -> tuple[datetime, datetime]:
    """When the lunch nudge of a local day is due, and when it is too late for it. Built from the
    local date and time, so that a daylight-saving change keeps it at the same hour on the clock."""
    own = setting(user, "lunch", "at")
    if own:
        due = datetime.combine(day, _clock(own), zone)
        return due, due + LUNCH_LATE
    start, end = setting(user, "lunch", "window")
    due = datetime.combine(day, _clock(start), zone) + timedelta(minutes=setting(user, "lunch", "after"))
    return due, datetime.combine(day, _clock(end), zone)


def next_plan(user: User, sent: Sent, local: datetime) -> Nudge | None:
    """The next morning plan not yet sent: at the start of working hours of today, or of the next
    working day once today's is sent or too late (so the schedule wakes for it, not a backstop)."""
    zone = local.tzinfo
    for ahead in range(8):
        day = local.date() + timedelta(days=ahead)
        if day.weekday() not in user.work_days:
            continue
        start = datetime.combine(day, _clock(user.work_start), zone)
        key = f"plan:{day.isoformat()}"
        if local < start + PLAN_LATE and sent.keys.get("plan") != key:
            return Nudge("plan", start, key)
    return None


def long_break_due(user: User, nth_today: int) -> bool:
    """Whether the ``nth_today`` completed focus session of a day earns a long break (every 4th)."""
    after = int(setting(user, "long_break", "after") or 0) if setting(user, "long_break", "on") else 0
    return after > 0 and nth_today > 0 and nth_today % after == 0


def previous_working_day(user: User, day: date) -> date | None:
    """The working day before ``day`` (Friday, on a Monday), None without one in the week before."""
    for back in range(1, 8):
        before = day - timedelta(days=back)
        if before.weekday() in user.work_days:
            return before
    return None


def work_start_on(user: User, day: date) -> datetime:
    """When work starts on a local day: when its morning plan is due."""
    return datetime.combine(day, _clock(user.work_start), ZoneInfo(user.timezone))


def last_working_day(work_days: list[int]) -> int:
    """The day that ends the working week: the one before the longest run of days off
    (Friday for Mon-Fri, Thursday for Sun-Thu); the last listed day when there is no day off."""
    days = set(work_days)

    def days_off_after(day: int) -> int:
        gap = 0
        while gap < 7 and (day + gap + 1) % 7 not in days:
            gap += 1
        return gap

    return max(days, key=lambda day: (days_off_after(day), day))


def _work_start(user: User, local: datetime) -> datetime | None:
    """Today's start of work, so the first water nudge comes an interval after it."""
    if local.weekday() not in user.work_days:
        return None
    start = datetime.combine(local.date(), _clock(user.work_start), local.tzinfo)
    return start if start <= local else None


def hold_until(user: User, kind: str, now: datetime) -> datetime | None:
    """When a nudge due now must wait (reminders off -> never, paused, snoozed, quiet hours)."""
    if not user.reminders_on:
        return FAR_FUTURE
    if kind == ONE_OFF_KIND:
        return None  # a one-off comes at the time the user chose, whatever the quiet hours say
    if user.paused_until and user.paused_until > now:
        return user.paused_until
    if user.snoozed_until and user.snoozed_until > now:
        return user.snoozed_until
    local = now.astimezone(ZoneInfo(user.timezone))
    if kind not in IGNORE_QUIET and in_window(local, user.quiet_start, user.quiet_end):
        return window_end(local, user.quiet_start, user.quiet_end)
    return None


@dataclass(frozen=True)
class Plan:
    due: list[Nudge]  # to send now
    next_check: datetime  # when to look at this user again, at the latest


def plan(user: User, activity: Activity, sent: Sent, now: datetime) -> Plan:
    """The nudges to send now and when to look again. Nudges held back by quiet hours,
    snooze or pause are looked at again when the hold ends (and re-evaluated then)."""
    due: list[Nudge] = []
    next_check = now + timedelta(hours=6)  # activity changes also reschedule; this is a backstop
    for nudge in candidates(user, activity, sent, now):
        if nudge.due_at > now:
            next_check = min(next_check, nudge.due_at)
            continue
        held = hold_until(user, nudge.kind, now)
        if held is None:
            due.append(nudge)
        else:
            next_check = min(next_check, held)
    return Plan(due, next_check)
