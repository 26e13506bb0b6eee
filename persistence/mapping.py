"""How each entity is stored: its document fields, both ways.

The field names are a stored format: documents written by earlier versions must keep
loading, so a field is never renamed (add a new one and keep reading the old), and the
readers default whatever older documents lack. The repository adds ``type`` and the
roll-up marker; the REST API and the data export have shapes of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Generic, TypeVar

from domain.clock import from_iso, to_iso
from domain.entities import (
    ActiveSlot,
    ApiToken,
    ChannelAddress,
    ConversationState,
    FocusSession,
    FocusSlot,
    HabitLog,
    MoodLog,
    Task,
    TokenSlot,
    UndoEntry,
    User,
    WorkSession,
)
from domain.progress.record import ProgressRecord
from domain.recurrence import Recurrence
from domain.reminders.budget import RateWindow
from domain.reminders.items import OneOff
from domain.reminders.policy import FAR_FUTURE, Sent
from domain.reminders.schedule import OutboxEntry, ReminderSchedule
from domain.reminders.shards import ShardLease, shard_of
from domain.rollups import RollupChanges
from persistence.port import Document

E = TypeVar("E")


@dataclass(frozen=True)
class Codec(Generic[E]):
    """One entity's document, both ways; ``from_doc`` gets the document's ETag as the version."""

    to_doc: Callable[[E], Document]
    from_doc: Callable[[Document, str | None], E]


def task_doc(task: Task) -> Document:
    return {
        "id": task.id,
        "user_id": task.user_id,
        "title": task.title,
        "notes": task.notes,
        "due_at": to_iso(task.due_at),
        "priority": task.priority,
        "completed": task.completed,
        "completed_at": to_iso(task.completed_at),
        "created_at": to_iso(task.created_at),
        "updated_at": to_iso(task.updated_at),
        **({"recurrence": recurrence_doc(task.recurrence)} if task.recurrence else {}),
    }


def recurrence_doc(recurrence: Recurrence) -> Document:
    return {
        "rule": recurrence.rule,
        "start": recurrence.start.isoformat(),  # wall time in the zone below, no offset
        "timezone": recurrence.timezone,
        "series": recurrence.series,
        "number": recurrence.number,
    }


def recurrence_from_doc(data: Document | None) -> Recurrence | None:
    if not isinstance(data, dict):
        return None
    return Recurrence(
        data["rule"], datetime.fromisoformat(data["start"]), data["timezone"], data["series"], int(data["number"])
    )


def task_from_doc(data: Document, version: str | None = None) -> Task:
    return Task(
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
        recurrence=recurrence_from_doc(data.get("recurrence")),
    )


def work_session_doc(session: WorkSession) -> Document:
    return {
        "id": session.id,
        "user_id": session.user_id,
        "start_time": to_iso(session.start_time),
        "end_time": to_iso(session.end_time),
        "duration": session.duration,
        "note": session.note,
    }


def work_session_from_doc(data: Document, version: str | None = None) -> WorkSession:
    return WorkSession(
        id=data["id"],
        user_id=data["user_id"],
        start_time=from_iso(data["start_time"]),
        end_time=from_iso(data.get("end_time")),
        duration=data.get("duration"),
        note=data.get("note"),
        version=version,
    )


def focus_session_doc(session: FocusSession) -> Document:
    return {
        "session_id": session.session_id,
        "user_id": session.user_id,
        "step_id": session.step_id,
        "task_id": session.task_id,
        "started_at": to_iso(session.started_at),
        "ended_at": to_iso(session.ended_at),
        "duration_minutes": session.duration_minutes,
        "completed": session.completed,
        "interruptions": session.interruptions,
        "created_at": to_iso(session.created_at),
    }


def focus_session_from_doc(data: Document, version: str | None = None) -> FocusSession:
    return FocusSession(
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


def user_doc(user: User) -> Document:
    return {
        "id": user.id,
        "name": user.name,
        "timezone": user.timezone,
        "locale": user.locale,
        "working_hours": {"start": user.work_start, "end": user.work_end, "days": user.work_days},
        "quiet_hours": {"start": user.quiet_start, "end": user.quiet_end},
        "reminders": {
            "on": user.reminders_on,
            "settings": user.reminder_settings,
            "snoozed_until": to_iso(user.snoozed_until),
            "paused_until": to_iso(user.paused_until),
        },
        "created_at": to_iso(user.created_at),
        "updated_at": to_iso(user.updated_at),
    }


def user_from_doc(data: Document, version: str | None = None) -> User:
    hours = data.get("working_hours") or {}
    quiet = data.get("quiet_hours") or {}
    reminders = data.get("reminders") or {}
    return User(
        id=data["id"],
        name=data["name"],
        timezone=data.get("timezone") or "UTC",
        locale=data.get("locale"),  # documents written before it was kept have none
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


def undo_entry_doc(entry: UndoEntry) -> Document:
    return {
        "id": entry.id,
        "user_id": entry.user_id,
        "action": entry.action,
        "task": task_doc(entry.task),
        "at": to_iso(entry.at),
    }


def undo_entry_from_doc(data: Document, version: str | None = None) -> UndoEntry:
    return UndoEntry(data["user_id"], data["action"], task_from_doc(data["task"]), from_iso(data["at"]), version)


def api_token_doc(token: ApiToken) -> Document:
    return {
        "id": token.digest,
        "user_id": token.PARTITION,
        "owner": token.owner,
        "token_id": token.token_id,
        "created_at": to_iso(token.created_at),
        "expires_at": to_iso(token.expires_at),
        "last_used_at": to_iso(token.last_used_at),
    }


def api_token_from_doc(data: Document, version: str | None = None) -> ApiToken:
    created_at = from_iso(data["created_at"])
    # Tokens from before tokens expired were meant to last forever: they read as expired
    # (their users ask for a new one) rather than as valid for an arbitrary while.
    expires_at = from_iso(data.get("expires_at")) or created_at
    return ApiToken(
        data["id"],
        data["owner"],
        created_at,
        expires_at,
        data.get("token_id"),
        from_iso(data.get("last_used_at")),
        version,
    )


def token_slot_doc(slot: TokenSlot) -> Document:
    return {"id": slot.id, "user_id": slot.user_id, "digest": slot.digest, "token_id": slot.token_id}


def token_slot_from_doc(data: Document, version: str | None = None) -> TokenSlot:
    return TokenSlot(data["user_id"], data.get("digest"), data.get("token_id"), version)


def active_slot_doc(slot: ActiveSlot) -> Document:
    return {
        "id": slot.id,
        "user_id": slot.user_id,
        "session_id": slot.session_id,
        "started_at": to_iso(slot.started_at),
    }


def active_slot_from_doc(data: Document, version: str | None = None) -> ActiveSlot:
    # Slots from before they said when the session started have no started_at.
    return ActiveSlot(data["user_id"], data["session_id"], from_iso(data.get("started_at")), version)


def focus_slot_doc(slot: FocusSlot) -> Document:
    return {"id": slot.id, "user_id": slot.user_id, "session_id": slot.session_id}


def focus_slot_from_doc(data: Document, version: str | None = None) -> FocusSlot:
    return FocusSlot(data["user_id"], data["session_id"], version)


def habit_log_doc(log: HabitLog) -> Document:
    return {"id": log.id, "user_id": log.user_id, "kind": log.kind, "amount": log.amount, "at": to_iso(log.at)}


def habit_log_from_doc(data: Document, version: str | None = None) -> HabitLog:
    return HabitLog(data["id"], data["user_id"], data["kind"], int(data["amount"]), from_iso(data["at"]), version)


def mood_log_doc(log: MoodLog) -> Document:
    return {"id": log.id, "user_id": log.user_id, "value": log.value, "word": log.word, "at": to_iso(log.at)}


def mood_log_from_doc(data: Document, version: str | None = None) -> MoodLog:
    return MoodLog(data["id"], data["user_id"], int(data["value"]), from_iso(data["at"]), data.get("word"), version)


def conversation_state_doc(state: ConversationState) -> Document:
    return {
        "id": state.id,
        "user_id": state.user_id,
        "questions": state.questions,
        "last_list": state.last_list,
        "onboarding": state.onboarding,
        "undo": undo_entry_doc(state.undo) if state.undo else None,
        "deliveries": state.deliveries,
    }


def conversation_state_from_doc(data: Document, version: str | None = None) -> ConversationState:
    # The last task change and the recent deliveries joined the conversation later: older
    # documents have neither (their separate undo and deliveries documents are not read).
    # Older documents kept one question, not a list: it still waits (see ConversationState.waiting).
    undo = data.get("undo")
    questions = data.get("questions")
    if questions is None:
        questions = [data["question"]] if data.get("question") else []
    return ConversationState(
        data["user_id"],
        [dict(question) for question in questions],
        list(data.get("last_list") or []),
        data.get("onboarding", "new"),
        undo_entry_from_doc(undo) if undo else None,
        list(data.get("deliveries") or []),
        version,
    )


def channel_address_doc(address: ChannelAddress) -> Document:
    return {
        "id": address.id,
        "user_id": address.user_id,
        "channel": address.channel,
        "data": address.data,
        "updated_at": to_iso(address.updated_at),
    }


def channel_address_from_doc(data: Document, version: str | None = None) -> ChannelAddress:
    return ChannelAddress(data["user_id"], data["channel"], data["data"], from_iso(data["updated_at"]), version)


def outbox_entry_doc(entry: OutboxEntry) -> Document:
    return {
        "key": entry.key,
        "kind": entry.kind,
        "due_at": to_iso(entry.due_at),
        "not_before": to_iso(entry.not_before),
        "attempts": entry.attempts,
        "leased_until": to_iso(entry.leased_until),
        # Only for the nudges users asked for: the others' documents stay as they were.
        **({"ref": entry.ref} if entry.ref else {}),
        **({"note": entry.note} if entry.note else {}),
    }


def outbox_entry_from_doc(data: Document) -> OutboxEntry:
    return OutboxEntry(
        data["key"],
        data["kind"],
        from_iso(data["due_at"]),
        from_iso(data["not_before"]),
        int(data.get("attempts", 0)),
        from_iso(data.get("leased_until")),
        data.get("ref"),
        data.get("note"),
    )


def one_off_doc(one_off: OneOff) -> Document:
    return {
        "number": one_off.number,
        "text": one_off.text,
        "at": to_iso(one_off.at),
        "created_at": to_iso(one_off.created_at),
        "task_id": one_off.task_id,
    }


def one_off_from_doc(data: Document) -> OneOff:
    return OneOff(
        int(data["number"]),
        str(data["text"]),
        from_iso(data["at"]),
        from_iso(data["created_at"]),
        data.get("task_id"),
    )


def reminder_schedule_doc(schedule: ReminderSchedule) -> Document:
    return {
        "id": schedule.id,
        "user_id": schedule.user_id,
        "next_due": to_iso(schedule.next_due),
        "shard": shard_of(schedule.user_id),  # the engine's instances split the due ones by it
        "sent": {"at": {k: to_iso(v) for k, v in schedule.sent.at.items()}, "keys": schedule.sent.keys},
        "outbox": [outbox_entry_doc(e) for e in schedule.outbox],
        **({"one_offs": [one_off_doc(o) for o in schedule.one_offs]} if schedule.one_offs else {}),
    }


def reminder_schedule_from_doc(data: Document, version: str | None = None) -> ReminderSchedule:
    sent = data.get("sent") or {}
    sent_at = {k: from_iso(v) for k, v in (sent.get("at") or {}).items()}
    return ReminderSchedule(
        user_id=data["user_id"],
        next_due=from_iso(data["next_due"]) or FAR_FUTURE,
        sent=Sent(sent_at, dict(sent.get("keys") or {})),
        outbox=[outbox_entry_from_doc(e) for e in data.get("outbox") or []],
        one_offs=[one_off_from_doc(o) for o in data.get("one_offs") or []],
        version=version,
    )


def shard_lease_doc(lease: ShardLease) -> Document:
    return {
        "id": lease.id,
        "user_id": lease.user_id,
        "shard": lease.shard,
        "holder": lease.holder,
        "leased_until": to_iso(lease.leased_until),
        "swept_at": to_iso(lease.swept_at),
    }


def shard_lease_from_doc(data: Document, version: str | None = None) -> ShardLease:
    return ShardLease(
        int(data["shard"]),
        data.get("holder"),
        from_iso(data.get("leased_until")),
        from_iso(data.get("swept_at")),
        version=version,
    )


def rate_window_doc(window: RateWindow) -> Document:
    return {
        "id": window.id,
        "user_id": window.user_id,
        "key": window.key,
        "window_start": to_iso(window.window_start),
        "used": window.used,
        "blocked_until": to_iso(window.blocked_until),
    }


def rate_window_from_doc(data: Document, version: str | None = None) -> RateWindow:
    return RateWindow(
        data["key"],
        from_iso(data["window_start"]),
        int(data.get("used", 0)),
        from_iso(data.get("blocked_until")),
        version=version,
    )


def progress_record_doc(record: ProgressRecord) -> Document:
    return {
        "id": record.id,
        "user_id": record.user_id,
        "folded_through": record.folded_through.isoformat() if record.folded_through else None,
        "folded_xp": record.folded_xp,
        "folded_streak": record.folded_streak,
        "best_streak": record.best_streak,
        "achievements": record.achievements,
        "announced_level": record.announced_level,
        "pauses": [[first.isoformat(), last.isoformat()] for first, last in record.pauses],
        "history_checked": record.history_checked,
    }


def progress_record_from_doc(data: Document, version: str | None = None) -> ProgressRecord:
    folded = data.get("folded_through")
    return ProgressRecord(
        user_id=data["user_id"],
        folded_through=date.fromisoformat(folded) if folded else None,
        folded_xp=int(data.get("folded_xp") or 0),
        folded_streak=int(data.get("folded_streak") or 0),
        best_streak=int(data.get("best_streak") or 0),
        achievements=dict(data.get("achievements") or {}),
        announced_level=int(data.get("announced_level") or 1),
        pauses=[(date.fromisoformat(a), date.fromisoformat(b)) for a, b in data.get("pauses") or []],
        history_checked=bool(data.get("history_checked")),
        version=version,
    )


def rollup_marker(changes: RollupChanges) -> Document:
    """The ``rollup_pending`` field of an entity document whose roll-up changes are not applied yet."""
    return {"op": changes.op_id, "increments": changes.increments, "then_delete": changes.then_delete}


def rollup_changes_from_marker(data: Document) -> RollupChanges:
    return RollupChanges(op_id=data["op"], increments=data["increments"], then_delete=data["then_delete"])


TASK = Codec(task_doc, task_from_doc)
WORK_SESSION = Codec(work_session_doc, work_session_from_doc)
FOCUS_SESSION = Codec(focus_session_doc, focus_session_from_doc)
USER = Codec(user_doc, user_from_doc)
API_TOKEN = Codec(api_token_doc, api_token_from_doc)
TOKEN_SLOT = Codec(token_slot_doc, token_slot_from_doc)
ACTIVE_SLOT = Codec(active_slot_doc, active_slot_from_doc)
FOCUS_SLOT = Codec(focus_slot_doc, focus_slot_from_doc)
HABIT_LOG = Codec(habit_log_doc, habit_log_from_doc)
MOOD_LOG = Codec(mood_log_doc, mood_log_from_doc)
CONVERSATION_STATE = Codec(conversation_state_doc, conversation_state_from_doc)
CHANNEL_ADDRESS = Codec(channel_address_doc, channel_address_from_doc)
REMINDER_SCHEDULE = Codec(reminder_schedule_doc, reminder_schedule_from_doc)
PROGRESS_RECORD = Codec(progress_record_doc, progress_record_from_doc)
SHARD_LEASE = Codec(shard_lease_doc, shard_lease_from_doc)
RATE_WINDOW = Codec(rate_window_doc, rate_window_from_doc)
