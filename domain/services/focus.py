"""Focus sessions (seed 001): start, end or complete, interruptions, history, analytics."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from domain.clock import Clock
from domain.concurrency import claim_slot, retry_stale
from domain.entities import FOCUS_DEFAULT_MINUTES, FocusSession, FocusSlot
from domain.errors import NotFound, StaleEntity
from domain.ports import ActivityHook, FocusWatcher, RepositorySet, ignore_activity
from domain.progress.rules import focus_completion_counters, is_late
from domain.rollups import TOTALS, RollupChanges, day_key
from domain.services.contributions import counted
from domain.services.users import UserService
from domain.validation import clean_text

LIST_DEFAULT, LIST_MAX = 10, 100
# Ended before this share of its planned length, a focus session is cut short, not completed:
# completion earns XP and streak days, which must not be had by stopping at once. The same
# rule for every channel, so a REST client cannot complete what chat would not.
EARLY_STOP_SHARE = 0.5


def cut_short(session: FocusSession, now: datetime) -> bool:
    """Whether a session ending now (or at its end, if earlier) ends too early to count as completed.
    An end time in the future counts as now: claiming a later end earns nothing."""
    end = min(session.ended_at or now, now)
    return (end - session.started_at).total_seconds() < session.duration_minutes * 60 * EARLY_STOP_SHARE


class FocusService:
    def __init__(
        self,
        repos: RepositorySet,
        users: UserService,
        clock: Clock,
        on_activity: ActivityHook | None = None,
        watcher: FocusWatcher | None = None,
    ) -> None:
        self._sessions = repos.focus_sessions
        self._slots = repos.focus_slots
        self._repos = repos
        self._users = users
        self._clock = clock
        self._on_activity = on_activity or ignore_activity
        self._watcher = watcher

    async def start(
        self,
        user_id: str,
        duration_minutes: int = FOCUS_DEFAULT_MINUTES,
        step_id: Any = None,
        task_id: Any = None,
    ) -> FocusSession:
        now = self._clock.now()
        session = FocusSession(
            session_id=str(uuid.uuid4()),
            user_id=user_id,
            started_at=now,
            created_at=now,
            duration_minutes=duration_minutes,
            step_id=clean_text(step_id, "step_id", 200, required=False),
            task_id=clean_text(task_id, "task_id", 200, required=False),
        )
        timezone = await self._users.timezone(user_id)
        day = day_key(now, timezone)
        changes = RollupChanges().add_both(day, "focus_total", 1).add_both(day, "focus_minutes", duration_minutes)
        await self._claim_slot(user_id, session)
        await self._sessions.add(session, changes)
        await self._on_activity(user_id)  # its end is a nudge; breaks pause meanwhile
        if self._watcher is not None:
            self._watcher.started(session, timezone)
        return session

    async def _claim_slot(self, user_id: str, session: FocusSession) -> None:
        async def is_running(session_id: str) -> bool:
            return await self._running(user_id, session_id) is not None

        await claim_slot(self._slots, FocusSlot(user_id, session.session_id), FocusSlot.id, is_running, "focus session")

    async def _running(self, user_id: str, session_id: str) -> FocusSession | None:
        try:
            session = await self._sessions.get(user_id, session_id)
        except NotFound:
            return None
        return session if session.active else None

    async def _release_slot(self, user_id: str, session_id: str) -> None:
        try:
            slot = await self._slots.get(user_id, FocusSlot.id)
            if slot.session_id == session_id:
                await self._slots.remove(slot)
        except (NotFound, StaleEntity):
            pass  # someone else already released or re-claimed it

    async def update(
        self,
        user_id: str,
        session_id: str,
        ended_at: datetime | None = None,
        completed: bool | None = None,
        interruptions: int | None = None,
    ) -> FocusSession:
        """The seed's PUT: set the end, completion and/or interruption count.
        Completing without an end time ends the session now. Completion ended before
        EARLY_STOP_SHARE of the planned length is refused quietly: the session ends cut short
        (``completed`` stays false), as ``focus stop`` in chat does."""

        async def attempt() -> FocusSession:
            session = await self._sessions.get(user_id, session_id)
            was_completed, was_counted = session.completed, counted(session)
            now = self._clock.now()
            if ended_at is not None:
                session.ended_at = max(ended_at, session.started_at)
            elif completed is not None and session.ended_at is None:
                session.ended_at = now
            if completed is not None:
                session.completed = completed and not cut_short(session, now)
            if interruptions is not None:
                session.interruptions = interruptions
            changes = RollupChanges()
            timezone = await self._users.timezone(user_id)
            day = day_key(session.started_at, timezone)
            if session.completed != was_completed:
                sign = 1 if session.completed else -1
                changes.add_both(day, "focus_completed", sign)
                for counter, amount in focus_completion_counters(
                    session.duration_minutes, is_late(session.started_at, timezone)
                ).items():
                    changes.add(day, counter, sign * amount)
            if counted(session) != was_counted:
                # Planned minutes are those of sessions that run or ran to completion.
                sign = 1 if counted(session) else -1
                changes.add_both(day, "focus_minutes", sign * session.duration_minutes)
                changes.add_both(day, "focus_cancelled", -sign)
            return await self._sessions.save(session, changes or None)

        updated = await retry_stale(attempt)
        if not updated.active:
            await self._release_slot(user_id, session_id)
            if self._watcher is not None:
                self._watcher.ended(updated)
        await self._on_activity(user_id)
        return updated

    async def complete(self, user_id: str, session_id: str) -> FocusSession:
        return await self.update(user_id, session_id, completed=True)

    async def cancel(self, user_id: str, session_id: str) -> FocusSession:
        return await self.update(user_id, session_id, ended_at=self._clock.now(), completed=False)

    async def interrupt(self, user_id: str, session_id: str) -> FocusSession:
        async def attempt() -> FocusSession:
            session = await self._sessions.get(user_id, session_id)
            session.interrupt()
            return await self._sessions.save(session)

        return await retry_stale(attempt)

    async def owner_of(self, entity_id: str) -> str:
        """Whose it is, for the admin token (a cross-partition lookup)."""
        return await self._sessions.find_owner(entity_id)

    async def get(self, user_id: str, session_id: str) -> FocusSession:
        return await self._sessions.get(user_id, session_id)

    async def active(self, user_id: str) -> FocusSession | None:
        running = await self._sessions.find(user_id, [("ended_at", "=", None)], "started_at", True, 1)
        return running[0] if running else None

    async def active_or_raise(self, user_id: str) -> FocusSession:
        session = await self.active(user_id)
        if session is None:
            raise NotFound("No focus session is running.")
        return session

    async def list_sessions(self, user_id: str, limit: int = LIST_DEFAULT) -> list[FocusSession]:
        return await self._sessions.find(user_id, (), "started_at", True, limit)

    async def analytics(self, user_id: str) -> dict[str, Any]:
        """From the roll-up, so the cost does not grow with the number of sessions."""
        await self._repos.settle_pending(user_id)
        totals = await self._repos.rollup(user_id, TOTALS)
        total = int(totals.get("focus_total", 0))
        completed = int(totals.get("focus_completed", 0))
        minutes = int(totals.get("focus_minutes", 0))
        return {
            "total_sessions": total,
            "completed_sessions": completed,
            "completion_rate": (completed / total) if total else 0.0,
            "total_focus_minutes": minutes,
            "average_duration_minutes": (minutes / total) if total else 0.0,
        }
