"""One-off reminders kept in a user's schedule: add, list, cancel. Pure rules over the
schedule document; ReminderService loads and saves it."""

from __future__ import annotations

from datetime import datetime

from domain.errors import NotFound, ValidationError
from domain.reminders.items import OneOff
from domain.reminders.schedule import ReminderSchedule

TEXT_MAX = 200
AGAIN_MINUTES = 15  # a nudge's Snooze: the same reminder this much later
PENDING_MAX = 50


def clean_text(text: str) -> str:
    cleaned = " ".join(text.split())
    if not cleaned:
        raise ValidationError("What should I remind you of? Try 'remind me to stretch in 20 minutes'.")
    if len(cleaned) > TEXT_MAX:
        raise ValidationError(f"A reminder can be at most {TEXT_MAX} characters (this one has {len(cleaned)}).")
    return cleaned


def waiting_again(schedule: ReminderSchedule, text: str, task_id: str | None, by: datetime) -> OneOff | None:
    """The snoozed copy of a nudge already waiting (due by ``by``): a second press of Snooze
    must not make two. A later reminder with the same words is another one."""
    cleaned = clean_text(text)
    return next((o for o in schedule.one_offs if (o.text, o.task_id) == (cleaned, task_id) and o.at <= by), None)


def add(schedule: ReminderSchedule, text: str, at: datetime, now: datetime, task_id: str | None = None) -> OneOff:
    """Keep a new one-off under the lowest free number (numbers stay short) and wake the
    schedule by its time."""
    if len(schedule.one_offs) >= PENDING_MAX:
        raise ValidationError(f"You have {PENDING_MAX} reminders waiting already. Cancel one first.")
    taken = {one_off.number for one_off in schedule.one_offs}
    number = next(n for n in range(1, PENDING_MAX + 2) if n not in taken)
    one_off = OneOff(number, clean_text(text), at, now, task_id)
    schedule.one_offs = sorted([*schedule.one_offs, one_off], key=lambda o: (o.at, o.number))
    schedule.next_due = min(schedule.next_due, at)
    return one_off


def cancel(schedule: ReminderSchedule, number: int) -> OneOff:
    found = next((one_off for one_off in schedule.one_offs if one_off.number == number), None)
    if found is None:
        raise NotFound(f"You have no reminder number {number}. Say 'reminders' to see them.")
    schedule.one_offs = [one_off for one_off in schedule.one_offs if one_off is not found]
    return found
