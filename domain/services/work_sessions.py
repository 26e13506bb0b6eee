"""Work sessions: clock in, clock out, the running session, the history."""

from __future__ import annotations

import uuid
from typing import Any

from domain.clock import Clock
from domain.concurrency import claim_slot, retry_stale
from domain.entities import ActiveSlot, WorkSession
from domain.errors import NotFound, StaleEntity
from domain.ports import ActivityHook, RepositorySet, ignore_activity
from domain.services.contributions import work_session_contribution
from domain.services.users import UserService
from domain.validation import clean_text

NOTE_MAX = 200


class WorkSessionService:
    def __init__(
        self, repos: RepositorySet, users: UserService, clock: Clock, on_activity: ActivityHook | None = None
    ) -> None:
        self._sessions = repos.work_sessions
        self._slots = repos.active_slots
        self._users = users
        self._clock = clock
        self._on_activity = on_activity or ignore_activity

    async def start_session(self, user_id: str, note: Any = None) -> WorkSession:
        """Clock in. A second start while one runs is a Conflict, never a second session."""
        session = WorkSession(
            id=str(uuid.uuid4()),
            user_id=user_id,
            start_time=self._clock.now(),
            note=clean_text(note, "note", NOTE_MAX, required=False),
        )
        await self._claim_slot(user_id, session)
        await self._sessions.add(session)
        await self._on_activity(user_id)
        return session

    async def _claim_slot(self, user_id: str, session: WorkSession) -> None:
        async def is_running(session_id: str) -> bool:
            return await self._running(user_id, session_id) is not None

        await claim_slot(
            self._slots, ActiveSlot(user_id, session.id, session.start_time), ActiveSlot.id, is_running, "work session"
        )

    async def _running(self, user_id: str, session_id: str) -> WorkSession | None:
        try:
            session = await self._sessions.get(user_id, session_id)
        except NotFound:
            return None
        return session if session.active else None

    async def end_session(self, user_id: str, session_id: str) -> WorkSession:
        """Clock out; Conflict when that session already ended."""

        async def attempt() -> WorkSession:
            session = await self._sessions.get(user_id, session_id)
            ended_at = self._clock.now()
            session.end(ended_at)
            changes = work_session_contribution(session, await self._users.timezone(user_id))
            return await self._sessions.save(session, changes)

        ended = await retry_stale(attempt)
        await self._release_slot(user_id, session_id)
        await self._on_activity(user_id)
        return ended

    async def end_active_session(self, user_id: str) -> WorkSession:
        active = await self.get_active_session(user_id)
        if active is None:
            raise NotFound("You are not clocked in.")
        return await self.end_session(user_id, active.id)

    async def _release_slot(self, user_id: str, session_id: str) -> None:
        try:
            slot = await self._slots.get(user_id, ActiveSlot.id)
            if slot.session_id == session_id:
                await self._slots.remove(slot)
        except (NotFound, StaleEntity):
            pass  # someone else already released or re-claimed it

    async def owner_of(self, entity_id: str) -> str:
        """Whose it is, for the admin token (a cross-partition lookup)."""
        return await self._sessions.find_owner(entity_id)

    async def get_active_session(self, user_id: str) -> WorkSession | None:
        running = await self._sessions.find(user_id, [("end_time", "=", None)], "start_time", True, 1)
        return running[0] if running else None

    async def get_session(self, user_id: str, session_id: str) -> WorkSession:
        return await self._sessions.get(user_id, session_id)

    async def list_sessions(self, user_id: str, limit: int | None = None) -> list[WorkSession]:
        return await self._sessions.find(user_id, (), "start_time", True, limit)
