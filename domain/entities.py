"""The things Avanochi keeps: tasks, work sessions, focus sessions and users.

Entities hold their own state and rules; they know nothing of storage or HTTP (the
stored documents are mapped in persistence/mapping.py, the REST bodies in api/shapes.py).
``version`` is the store's concurrency token and never leaves the server.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from domain.errors import Conflict, ValidationError
from domain.recurrence import Recurrence

PRIORITIES = ("high", "normal", "low")
FOCUS_MIN_MINUTES, FOCUS_MAX_MINUTES, FOCUS_DEFAULT_MINUTES = 5, 90, 25
# The daily water goal: the habit status, the XP rules and the pet all measure against it.
WATER_GOAL_ML = 2000


@dataclass
class Task:
    id: str
    user_id: str
    title: str
    created_at: datetime
    notes: str | None = None
    due_at: datetime | None = None
    priority: str = "normal"
    completed: bool = False
    completed_at: datetime | None = None
    updated_at: datetime | None = None
    version: str | None = field(default=None, compare=False, repr=False)
    recurrence: Recurrence | None = None  # a repeating task: completing it brings the next one

    def complete(self, now: datetime) -> bool:
        """Mark done; False when it already was (completing twice counts once)."""
        if self.completed:
            return False
        self.completed, self.completed_at, self.updated_at = True, now, now
        return True

    def reopen(self, now: datetime) -> bool:
        if not self.completed:
            return False
        self.completed, self.completed_at, self.updated_at = False, None, now
        return True


@dataclass
class WorkSession:
    id: str
    user_id: str
    start_time: datetime
    end_time: datetime | None = None
    duration: float | None = None  # hours, rounded to 2 decimals as in the seed
    note: str | None = None
    version: str | None = field(default=None, compare=False, repr=False)

    @property
    def active(self) -> bool:
        return self.end_time is None

    def end(self, now: datetime) -> None:
        if not self.active:
            raise Conflict("This work session has already ended.")
        self.end_time = max(now, self.start_time)
        self.duration = round((self.end_time - self.start_time).total_seconds() / 3600, 2)


@dataclass
class FocusSession:
    session_id: str
    user_id: str
    started_at: datetime
    created_at: datetime
    duration_minutes: int = FOCUS_DEFAULT_MINUTES  # the planned length
    step_id: str | None = None
    task_id: str | None = None
    ended_at: datetime | None = None
    completed: bool = False
    interruptions: int = 0
    version: str | None = field(default=None, compare=False, repr=False)

    def __post_init__(self) -> None:
        if not FOCUS_MIN_MINUTES <= self.duration_minutes <= FOCUS_MAX_MINUTES:
            raise ValidationError(f"A focus session lasts {FOCUS_MIN_MINUTES} to {FOCUS_MAX_MINUTES} minutes.")

    @property
    def active(self) -> bool:
        return self.ended_at is None

    def interrupt(self) -> None:
        self.interruptions += 1


@dataclass
class User:
    id: str
    name: str
    created_at: datetime
    timezone: str = "UTC"
    work_start: str = "09:00"
    work_end: str = "17:30"
    work_days: list[int] = field(default_factory=lambda: [0, 1, 2, 3, 4])  # Monday is 0
    quiet_start: str = "20:00"
    quiet_end: str = "08:00"
    reminders_on: bool = True
    # Per kind of nudge: {"on": bool, "every": minutes}; kinds missing here use the defaults.
    reminder_settings: dict[str, dict[str, Any]] = field(default_factory=dict)
    snoozed_until: datetime | None = None
    paused_until: datetime | None = None
    updated_at: datetime | None = None
    version: str | None = field(default=None, compare=False, repr=False)
    # The platform's language tag ("en-US", "fr-FR"): how the user writes numeric dates.
    locale: str | None = None


@dataclass
class UndoEntry:
    """The last task change of a user, kept in their conversation so that ``undo`` can reverse it."""

    user_id: str
    action: str  # created | completed | reopened | edited | deleted
    task: Task  # a copy of the task as it was before the change (after it, for "created")
    at: datetime
    version: str | None = field(default=None, compare=False, repr=False)

    id = "undo:tasks"


@dataclass
class ApiToken:
    """A personal REST token, stored only as its SHA-256 digest. ``token_id`` names it
    in lists and revocations without revealing anything that could be used as it."""

    digest: str
    owner: str
    created_at: datetime
    expires_at: datetime
    token_id: str | None = None
    last_used_at: datetime | None = None
    version: str | None = field(default=None, compare=False, repr=False)

    PARTITION = "system:tokens"  # a point read by digest finds the owner without a scan

    def expired(self, now: datetime) -> bool:
        return now >= self.expires_at


@dataclass
class TokenSlot:
    """Which personal token of a user is the current one. Every issue or revocation
    rewrites it on its etag, so of two writers racing, exactly one wins."""

    user_id: str
    digest: str | None = None
    token_id: str | None = None
    version: str | None = field(default=None, compare=False, repr=False)

    id = "slot:api_token"


@dataclass
class ActiveSlot:
    """Claims "the" running work session of a user: creating it is the atomic check
    that no other session is running. It also says when that session started, so the
    pet and progress know of it without a query (slots from before that say None)."""

    user_id: str
    session_id: str
    started_at: datetime | None = None
    version: str | None = field(default=None, compare=False, repr=False)

    id = "slot:work_session"


@dataclass
class FocusSlot:
    """Claims "the" running focus session of a user, as ActiveSlot does for work sessions:
    creating it is the atomic check that no other focus session is running."""

    user_id: str
    session_id: str
    version: str | None = field(default=None, compare=False, repr=False)

    id = "slot:focus_session"


@dataclass
class HabitLog:
    """One healthy-habit entry: water (amount in ml), a break or lunch (amount in minutes)."""

    id: str
    user_id: str
    kind: str
    amount: int
    at: datetime
    version: str | None = field(default=None, compare=False, repr=False)


@dataclass
class MoodLog:
    """One mood check-in: a face from 1 (awful) to 5 (great), maybe with a word ("tired").
    Private to its user: only their own stats, insights, pet and export read it."""

    id: str
    user_id: str
    value: int
    at: datetime
    word: str | None = None
    version: str | None = field(default=None, compare=False, repr=False)

    LOWEST, HIGHEST = 1, 5
    WORD_MAX = 30

    def __post_init__(self) -> None:
        if not self.LOWEST <= self.value <= self.HIGHEST:
            raise ValidationError(f"A mood is a number from {self.LOWEST} to {self.HIGHEST}.")
        if self.word is not None and len(self.word) > self.WORD_MAX:
            raise ValidationError(f"Keep the word under {self.WORD_MAX} characters.")


@dataclass
class ConversationState:
    """What the bot remembers of a user's conversation: the questions it asked and still waits
    an answer to, the numbering of the last task list, how far onboarding got, the last task
    change (for ``undo``) and the ids of recent deliveries (so a platform's retry is handled
    once). One document, so that a chat turn reads and writes all of it at once; kept in the
    store so that it survives restarts and works across instances."""

    user_id: str
    # Questions waiting for an answer, oldest first. Each is a plain dict: "id" (what its
    # buttons carry), "kind", "slot" (a newer question of the same slot replaces it),
    # "expires_at" (ISO time) and whatever the question needs to be carried out.
    questions: list[dict[str, Any]] = field(default_factory=list)
    last_list: list[str] = field(default_factory=list)
    onboarding: str = "new"  # new -> asked_timezone -> asked_hours -> done
    undo: UndoEntry | None = None
    deliveries: list[str] = field(default_factory=list)  # oldest first
    version: str | None = field(default=None, compare=False, repr=False)

    id = "state:conversation"
    DELIVERIES_KEPT = 300  # platforms retry within minutes; this is hours of a busy user
    # One question of each slot at most; the cap only guards against a slot per question.
    QUESTIONS_KEPT = 8
    # How long a question waits when its asker says nothing else: a working day and a night.
    QUESTION_LIFETIME = timedelta(days=1)

    def first_time(self, delivery_id: str) -> bool:
        """Note a delivery; False if it was seen before (a retry)."""
        if delivery_id in self.deliveries:
            return False
        self.deliveries = (self.deliveries + [delivery_id])[-self.DELIVERIES_KEPT :]
        return True

    def remember(self, question: dict[str, Any]) -> None:
        """Wait for an answer to ``question``: it replaces a waiting one of its slot, and only
        the newest few are kept."""
        slot = question.get("slot", question.get("kind"))
        others = [q for q in self.questions if q.get("slot", q.get("kind")) != slot]
        self.questions = (others + [question])[-self.QUESTIONS_KEPT :]

    def waiting(self, now: datetime) -> list[dict[str, Any]]:
        """The questions still waiting at ``now``, oldest first; the expired ones are let go.
        A question kept before questions had an id and an expiry (one stored as the single
        ``question`` of an older version) gets both now, so it still waits a while."""
        kept = []
        for number, question in enumerate(self.questions):
            if "expires_at" not in question:
                question.setdefault("id", f"kept{number}")
                question["expires_at"] = (now + self.QUESTION_LIFETIME).isoformat()
            if datetime.fromisoformat(str(question["expires_at"])) > now:
                kept.append(question)
        if len(kept) != len(self.questions):
            self.questions = kept
        return list(kept)

    def forget(self, question_id: str) -> None:
        self.questions = [q for q in self.questions if q.get("id") != question_id]

    def rebase(self, base: ConversationState, newer: ConversationState) -> None:
        """Keep what this copy changed since ``base`` and take everything else from ``newer``,
        a copy someone else stored meanwhile: their answer to a question or undo entry survives
        ours when we did not touch it, and the deliveries of both are kept."""
        for name in ("questions", "last_list", "onboarding", "undo"):
            if getattr(self, name) == getattr(base, name):
                setattr(self, name, getattr(newer, name))
        ours = [d for d in self.deliveries if d not in base.deliveries and d not in newer.deliveries]
        self.deliveries = (newer.deliveries + ours)[-self.DELIVERIES_KEPT :]
        self.version = newer.version


@dataclass
class ChannelAddress:
    """Where to reach a user proactively: the Teams conversation reference or the Slack DM."""

    user_id: str
    channel: str  # "slack" | "msteams"
    data: dict[str, Any]
    updated_at: datetime
    version: str | None = field(default=None, compare=False, repr=False)

    @property
    def id(self) -> str:
        return f"address:{self.channel}"
