"""The pieces the reminder policy works with: a nudge, and the things users asked to be
reminded of (a task's due time, a one-off reminder)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class Nudge:
    kind: str
    due_at: datetime
    key: str  # identifies the occurrence: the same key is never sent twice
    # What remembers the key: the kind, unless several of a kind are armed at once (one per task).
    slot: str | None = None
    ref: str | None = None  # what it is about: the task's id
    note: str | None = None  # the words to say: a one-off reminder's text

    @property
    def memory(self) -> str:
        return self.slot or self.kind


@dataclass(frozen=True)
class DueTask:
    """An open task with a due time still ahead, and when that due time was set."""

    task_id: str
    due_at: datetime
    set_at: datetime | None = None


@dataclass(frozen=True)
class OneOff:
    """A one-off reminder ("remind me to stretch in 20 minutes"), kept in the user's schedule
    until it is handed to the outbox. ``number`` is what the user cancels it by; ``task_id``
    marks a snoozed due-date nudge, said again with the task's buttons."""

    number: int
    text: str
    at: datetime
    created_at: datetime
    task_id: str | None = None

    @property
    def key(self) -> str:
        return f"reminder:{self.number}:{self.created_at.isoformat()}"
