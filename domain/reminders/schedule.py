"""A user's reminder schedule: when to look at them next, what was sent, and the outbox.

One document per user. ``next_due`` is indexed, so finding the users with something due
costs O(due), not O(users). Claiming a nudge and putting it in the outbox is one ETag
write of this document, so of several bot instances exactly one claims each occurrence;
an outbox entry is leased while it is being sent, and a lease that runs out (the sender
died between claim and send) makes the entry due again instead of lost.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.reminders.asked import forget_old_slots
from domain.reminders.items import Nudge, OneOff
from domain.reminders.policy import Sent

LEASE = timedelta(seconds=90)
# A nudge that could not be delivered for this long is stale ("drink water" 6 hours late).
GIVE_UP_AFTER = timedelta(hours=6)


@dataclass
class OutboxEntry:
    key: str
    kind: str
    due_at: datetime
    not_before: datetime
    attempts: int = 0
    leased_until: datetime | None = None
    ref: str | None = None  # the task a due-date nudge is about
    note: str | None = None  # a one-off reminder's words

    def ready(self, now: datetime) -> bool:
        return self.not_before <= now and (self.leased_until is None or self.leased_until <= now)


@dataclass
class ReminderSchedule:
    user_id: str
    next_due: datetime
    sent: Sent = field(default_factory=Sent)
    outbox: list[OutboxEntry] = field(default_factory=list)
    one_offs: list[OneOff] = field(default_factory=list)  # pending, soonest first
    version: str | None = field(default=None, compare=False, repr=False)

    id = "reminder_schedule"

    def claim(self, nudges: list[Nudge], now: datetime) -> None:
        """Record the nudges as sent-to-be and queue them in the outbox."""
        for nudge in nudges:
            self.sent.at[nudge.memory] = now
            self.sent.keys[nudge.memory] = nudge.key
            self.outbox.append(OutboxEntry(nudge.key, nudge.kind, nudge.due_at, now, ref=nudge.ref, note=nudge.note))
        # A one-off handed to the outbox is no longer pending: in the same write, so it is said once.
        claimed = {nudge.key for nudge in nudges}
        self.one_offs = [one_off for one_off in self.one_offs if one_off.key not in claimed]
        forget_old_slots(self.sent.at, self.sent.keys, now)

    def lease(self, now: datetime) -> list[OutboxEntry]:
        """Take the entries ready to send; expired ones are dropped."""
        self.outbox = [e for e in self.outbox if now - e.due_at < GIVE_UP_AFTER]
        ready = [e for e in self.outbox if e.ready(now)]
        for entry in ready:
            entry.leased_until = now + LEASE
            entry.attempts += 1
        return ready

    def reschedule(self, next_check: datetime) -> None:
        times = [next_check] + [e.leased_until or e.not_before for e in self.outbox]
        self.next_due = min(times)

    def entry(self, key: str) -> OutboxEntry | None:
        return next((e for e in self.outbox if e.key == key), None)
