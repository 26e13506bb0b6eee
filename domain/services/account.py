"""A user's data as a whole: export everything, or erase everything."""

from __future__ import annotations

from typing import Any, TypeVar

from domain.clock import Clock, to_iso
from domain.entities import FocusSession, HabitLog, MoodLog, Task, User, WorkSession
from domain.errors import NotFound
from domain.ports import FocusWatcher, Repository, RepositorySet
from domain.progress.record import ProgressRecord
from domain.reminders.items import OneOff
from domain.reminders.schedule import ReminderSchedule
from domain.services.tokens import TokenService

E = TypeVar("E")


class AccountService:
    def __init__(
        self, repos: RepositorySet, tokens: TokenService, clock: Clock, focus_watcher: FocusWatcher | None = None
    ) -> None:
        self._repos = repos
        self._focus_watcher = focus_watcher
        self._tokens = tokens
        self._clock = clock

    async def export(self, user_id: str) -> dict[str, Any]:
        """Everything stored about the user, as plain JSON (the export shape below)."""
        repos = self._repos
        user = await self._optional(repos.users, user_id, user_id)
        record = await self._optional(repos.progress_records, user_id, ProgressRecord.id)
        return {
            "user_id": user_id,
            "exported_at": to_iso(self._clock.now()),
            "profile": _profile(user) if user else None,
            "tasks": [_task(t) for t in await repos.tasks.find(user_id, (), "created_at")],
            "work_sessions": [_work_session(s) for s in await repos.work_sessions.find(user_id, (), "start_time")],
            "focus_sessions": [_focus_session(s) for s in await repos.focus_sessions.find(user_id, (), "started_at")],
            "habits": [_habit(h) for h in await repos.habit_logs.find(user_id, (), "at")],
            "moods": [_mood(m) for m in await repos.mood_logs.find(user_id, (), "at")],
            "daily_rollups": await repos.all_rollups(user_id),
            "progress": _progress(record) if record else None,
            "reminders": [_one_off(o) for o in await self._one_offs(user_id)],
        }

    async def _one_offs(self, user_id: str) -> list[OneOff]:
        schedule = await self._optional(self._repos.reminder_schedules, user_id, ReminderSchedule.id)
        return list(schedule.one_offs) if schedule else []

    @staticmethod
    async def _optional(repository: Repository[E], user_id: str, entity_id: str) -> E | None:
        try:
            return await repository.get(user_id, entity_id)
        except NotFound:
            return None

    async def erase(self, user_id: str) -> int:
        """Delete every document of the user, and their API tokens. Returns how many went."""
        await self._tokens.revoke_all(user_id)
        if self._focus_watcher is not None:
            # Before the erase: the platform token it gives back lives in the data erased.
            await self._focus_watcher.erasing(user_id)
        return await self._repos.erase(user_id)


# The export shape: a file the user keeps, so its field names stay stable; they began as the
# stored documents' and are kept apart from them, so that the store can change without the files.


def _profile(user: User) -> dict[str, Any]:
    return {
        "id": user.id,
        "name": user.name,
        "timezone": user.timezone,
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


def _one_off(one_off: OneOff) -> dict[str, Any]:
    return {"number": one_off.number, "text": one_off.text, "at": to_iso(one_off.at), "task_id": one_off.task_id}


def _task(task: Task) -> dict[str, Any]:
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
    }


def _work_session(session: WorkSession) -> dict[str, Any]:
    return {
        "id": session.id,
        "user_id": session.user_id,
        "start_time": to_iso(session.start_time),
        "end_time": to_iso(session.end_time),
        "duration": session.duration,
        "note": session.note,
    }


def _focus_session(session: FocusSession) -> dict[str, Any]:
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


def _mood(log: MoodLog) -> dict[str, Any]:
    return {"id": log.id, "value": log.value, "word": log.word, "at": to_iso(log.at)}


def _habit(log: HabitLog) -> dict[str, Any]:
    return {"id": log.id, "user_id": log.user_id, "kind": log.kind, "amount": log.amount, "at": to_iso(log.at)}


def _progress(record: ProgressRecord) -> dict[str, Any]:
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
    }
