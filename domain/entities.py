"""The things Avanochi keeps: tasks, work sessions, focus sessions and users.

Entities hold their own state and rules; they know nothing of storage or HTTP.
``to_dict`` gives the public JSON shape (the seed API's field names); ``version``
is the store's concurrency token and never leaves the server.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from domain.clock import from_iso, to_iso
from domain.errors import Conflict, ValidationError

PRIORITIES = ("high", "normal", "low")
FOCUS_MIN_MINUTES, FOCUS_MAX_MINUTES, FOCUS_DEFAULT_MINUTES = 5, 90, 25


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "title": self.title,
            "notes": self.notes,
            "due_at": to_iso(self.due_at),
            "priority": self.priority,
            "completed": self.completed,
            "completed_at": to_iso(self.completed_at),
            "created_at": to_iso(self.created_at),
            "updated_at": to_iso(self.updated_at),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], version: str | None = None) -> Task:
        return cls(
            id=data["id"],
            user_id=data["user_id"],
            title=data["title"],
            notes=data.get("notes"),
            due_at=from_iso(data.get("due_at")),
            priority=data.get("priority") or "normal",
            completed=bool(data.get("completed")),
            completed_at=from_iso(data.get("completed_at")),
            created_at=from_iso(data["created_at"]),
            updated_at=from_iso(data.get("updated_at")),
            version=version,
        )


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "user_id": self.user_id,
            "start_time": to_iso(self.start_time),
            "end_time": to_iso(self.end_time),
            "duration": self.duration,
            "note": self.note,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], version: str | None = None) -> WorkSession:
        return cls(
            id=data["id"],
            user_id=data["user_id"],
            start_time=from_iso(data["start_time"]),
            end_time=from_iso(data.get("end_time")),
            duration=data.get("duration"),
            note=data.get("note"),
            version=version,
        )


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
            raise ValidationError(
                f"A focus session lasts {FOCUS_MIN_MINUTES} to {FOCUS_MAX_MINUTES} minutes."
            )

    @property
    def active(self) -> bool:
        return self.ended_at is None

    def interrupt(self) -> None:
        self.interruptions += 1

    def to_dict(self) -> dict[str, Any]:
        return {
            "session_id": self.session_id,
            "user_id": self.user_id,
            "step_id": self.step_id,
            "task_id": self.task_id,
            "started_at": to_iso(self.started_at),
            "ended_at": to_iso(self.ended_at),
            "duration_minutes": self.duration_minutes,
            "completed": self.completed,
            "interruptions": self.interruptions,
            "created_at": to_iso(self.created_at),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], version: str | None = None) -> FocusSession:
        return cls(
            session_id=data["session_id"],
            user_id=data["user_id"],
            step_id=data.get("step_id"),
            task_id=data.get("task_id"),
            started_at=from_iso(data["started_at"]),
            ended_at=from_iso(data.get("ended_at")),
            duration_minutes=int(data["duration_minutes"]),
            completed=bool(data.get("completed")),
            interruptions=int(data.get("interruptions") or 0),
            created_at=from_iso(data["created_at"]),
            version=version,
        )


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

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "timezone": self.timezone,
            "working_hours": {"start": self.work_start, "end": self.work_end, "days": self.work_days},
            "quiet_hours": {"start": self.quiet_start, "end": self.quiet_end},
            "reminders": {
                "on": self.reminders_on,
                "settings": self.reminder_settings,
                "snoozed_until": to_iso(self.snoozed_until),
                "paused_until": to_iso(self.paused_until),
            },
            "created_at": to_iso(self.created_at),
            "updated_at": to_iso(self.updated_at),
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any], version: str | None = None) -> User:
        hours = data.get("working_hours") or {}
        quiet = data.get("quiet_hours") or {}
        reminders = data.get("reminders") or {}
        return cls(
            id=data["id"],
            name=data["name"],
            timezone=data.get("timezone") or "UTC",
            work_start=hours.get("start", "09:00"),
            work_end=hours.get("end", "17:30"),
            work_days=list(hours.get("days", [0, 1, 2, 3, 4])),
            quiet_start=quiet.get("start", "20:00"),
            quiet_end=quiet.get("end", "08:00"),
            reminders_on=reminders.get("on", True),
            reminder_settings=dict(reminders.get("settings") or {}),
            snoozed_until=from_iso(reminders.get("snoozed_until")),
            paused_until=from_iso(reminders.get("paused_until")),
            created_at=from_iso(data["created_at"]),
            updated_at=from_iso(data.get("updated_at")),
            version=version,
        )


@dataclass
class UndoEntry:
    """The last task change of a user, kept in their conversation so that ``undo`` can reverse it."""

    user_id: str
    action: str  # created | completed | reopened | edited | deleted
    task: dict[str, Any]  # the task as it was before the change (after it, for "created")
    at: datetime
    version: str | None = field(default=None, compare=False, repr=False)

    id = "undo:tasks"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "user_id": self.user_id, "action": self.action,
                "task": self.task, "at": to_iso(self.at)}

    @classmethod
    def from_dict(cls, data: dict[str, Any], version: str | None = None) -> UndoEntry:
        return cls(data["user_id"], data["action"], data["task"], from_iso(data["at"]), version)


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

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.digest, "user_id": self.PARTITION, "owner": self.owner,
                "token_id": self.token_id, "created_at": to_iso(self.created_at),
                "expires_at": to_iso(self.expires_at), "last_used_at": to_iso(self.last_used_at)}

    @classmethod
    def from_dict(cls, data: dict[str, Any], version: str | None = None) -> ApiToken:
        created_at = from_iso(data["created_at"])
        # Tokens from before tokens expired were meant to last forever: they read as expired
        # (their users ask for a new one) rather than as valid for an arbitrary while.
        expires_at = from_iso(data.get("expires_at")) or created_at
        return cls(data["id"], data["owner"], created_at, expires_at,  # type: ignore[arg-type]
                   data.get("token_id"), from_iso(data.get("last_used_at")), version)


@dataclass
class TokenSlot:
    """Which personal token of a user is the current one. Every issue or revocation
    rewrites it on its etag, so of two writers racing, exactly one wins."""

    user_id: str
    digest: str | None = None
    token_id: str | None = None
    version: str | None = field(default=None, compare=False, repr=False)

    id = "slot:api_token"

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "user_id": self.user_id, "digest": self.digest, "token_id": self.token_id}

    @classmethod
    def from_dict(cls, data: dict[str, Any], version: str | None = None) -> TokenSlot:
        return cls(data["user_id"], data.get("digest"), data.get("token_id"), version)


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

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "user_id": self.user_id, "session_id": self.session_id,
                "started_at": to_iso(self.started_at)}

    @classmethod
    def from_dict(cls, data: dict[str, Any], version: str | None = None) -> ActiveSlot:
        return cls(data["user_id"], data["session_id"], from_iso(data.get("started_at")), version)


@dataclass
class HabitLog:
    """One healthy-habit entry: water (amount in ml), a break or lunch (amount in minutes)."""

    id: str
    user_id: str
    kind: str
    amount: int
    at: datetime
    version: str | None = field(default=None, compare=False, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "user_id": self.user_id, "kind": self.kind,
                "amount": self.amount, "at": to_iso(self.at)}

    @classmethod
    def from_dict(cls, data: dict[str, Any], version: str | None = None) -> HabitLog:
        return cls(data["id"], data["user_id"], data["kind"], int(data["amount"]),
                   from_iso(data["at"]), version)


@dataclass
class ConversationState:
    """What the bot remembers of a user's conversation: a question it asked, the numbering
    of the last task list, how far onboarding got, the last task change (for ``undo``) and
    the ids of recent deliveries (so a platform's retry is handled once). One document, so
    that a chat turn reads and writes all of it at once; kept in the store so that it
    survives restarts and works across instances."""

    user_id: str
    question: dict[str, Any] | None = None  # what the bot asked and waits an answer to
    last_list: list[str] = field(default_factory=list)
    onboarding: str = "new"  # new -> asked_timezone -> asked_hours -> done
    undo: UndoEntry | None = None
    deliveries: list[str] = field(default_factory=list)  # oldest first
    version: str | None = field(default=None, compare=False, repr=False)

    id = "state:conversation"
    DELIVERIES_KEPT = 300  # platforms retry within minutes; this is hours of a busy user

    def first_time(self, delivery_id: str) -> bool:
        """Note a delivery; False if it was seen before (a retry)."""
        if delivery_id in self.deliveries:
            return False
        self.deliveries = (self.deliveries + [delivery_id])[-self.DELIVERIES_KEPT:]
        return True

    def rebase(self, base: ConversationState, newer: ConversationState) -> None:
        """Keep what this copy changed since ``base`` and take everything else from ``newer``,
        a copy someone else stored meanwhile: their answer to a question or undo entry survives
        ours when we did not touch it, and the deliveries of both are kept."""
        for name in ("question", "last_list", "onboarding", "undo"):
            if getattr(self, name) == getattr(base, name):
                setattr(self, name, getattr(newer, name))
        ours = [d for d in self.deliveries if d not in base.deliveries and d not in newer.deliveries]
        self.deliveries = (newer.deliveries + ours)[-self.DELIVERIES_KEPT:]
        self.version = newer.version

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "user_id": self.user_id, "question": self.question,
                "last_list": self.last_list, "onboarding": self.onboarding,
                "undo": self.undo.to_dict() if self.undo else None, "deliveries": self.deliveries}

    @classmethod
    def from_dict(cls, data: dict[str, Any], version: str | None = None) -> ConversationState:
        undo = data.get("undo")
        return cls(data["user_id"], data.get("question"), list(data.get("last_list") or []),
                   data.get("onboarding", "new"), UndoEntry.from_dict(undo) if undo else None,
                   list(data.get("deliveries") or []), version)


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

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "user_id": self.user_id, "channel": self.channel,
                "data": self.data, "updated_at": to_iso(self.updated_at)}

    @classmethod
    def from_dict(cls, data: dict[str, Any], version: str | None = None) -> ChannelAddress:
        return cls(data["user_id"], data["channel"], data["data"], from_iso(data["updated_at"]), version)
