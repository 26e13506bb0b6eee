"""The nudges users asked for themselves: before a task's due time, and one-off reminders.

A task's nudge comes a lead time before it is due (its own setting, ``remind due 30m``); a
task due on a day with no time of its own (stored at the end of the working day) gets its
nudge that morning, at the start of working hours, a few seconds to minutes later for each
user (``morning_delay``), so that a time zone's mornings do not all fall due at once. At
most one nudge per task and due time: each task remembers its last key in its own slot, so
changing the due time arms it again, and a task already overdue is never nagged.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from domain.reminders.items import DueTask, Nudge, OneOff

DUE_KIND, ONE_OFF_KIND = "due", "reminder"
ASKED_KINDS = frozenset({DUE_KIND, ONE_OFF_KIND})
SLOT_PREFIX = "due:"
# A slot outlives its task's due time by this much, then it is forgotten (the lead is at most a day).
SLOT_KEPT = timedelta(days=2)


def _clock(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


def due_nudge_at(
    task: DueTask,
    lead: timedelta,
    timezone: str,
    work_start: str,
    work_end: str,
    morning_delay: timedelta = timedelta(0),
) -> datetime | None:
    """When the task's nudge comes; None when that was already past as its due time was set
    (someone adding a task due in 10 minutes needs no nudge about it right away). Whether a
    morning nudge comes at all is decided on the start of working hours, not on the delay."""
    zone = ZoneInfo(timezone)
    local = task.due_at.astimezone(zone)
    set_at = task.set_at or datetime.min.replace(tzinfo=zone)
    if local.time() == _clock(work_end):  # a day without a time of its own: that morning
        morning = datetime.combine(local.date(), _clock(work_start), zone)
        if set_at < morning < task.due_at:
            return min(morning + morning_delay, task.due_at)
    at = task.due_at - lead
    return at if at > set_at else None


def due_nudges(
    tasks: Iterable[DueTask],
    lead: timedelta,
    timezone: str,
    work_start: str,
    work_end: str,
    now: datetime,
    morning_delay: timedelta = timedelta(0),
) -> list[Nudge]:
    """One nudge per task still ahead of its due time; overdue ones get none."""
    found = []
    for task in tasks:
        at = due_nudge_at(task, lead, timezone, work_start, work_end, morning_delay)
        if at is not None and task.due_at > now:
            slot = f"{SLOT_PREFIX}{task.task_id}"
            found.append(Nudge(DUE_KIND, at, f"{slot}:{task.due_at.isoformat()}", slot=slot, ref=task.task_id))
    return found


def one_off_nudges(one_offs: Iterable[OneOff]) -> list[Nudge]:
    """Each pending one-off; claiming it takes it out of the pending list, so it is said once."""
    return [
        Nudge(ONE_OFF_KIND, one_off.at, one_off.key, ref=one_off.task_id, note=one_off.text) for one_off in one_offs
    ]


def forget_old_slots(at: dict[str, datetime], keys: dict[str, str], now: datetime) -> None:
    """Drop the per-task memories whose task is long past its due time: they can never match again."""
    for slot in [slot for slot in keys if slot.startswith(SLOT_PREFIX) and now - at.get(slot, now) > SLOT_KEPT]:
        keys.pop(slot, None)
        at.pop(slot, None)
