"""A user's data as a whole: export everything, or erase everything."""
from __future__ import annotations

from typing import Any

from domain.clock import Clock, to_iso
from domain.errors import NotFound
from domain.ports import RepositorySet
from domain.services.tokens import TokenService


class AccountService:
    def __init__(self, repos: RepositorySet, tokens: TokenService, clock: Clock) -> None:
        self._repos = repos
        self._tokens = tokens
        self._clock = clock

    async def export(self, user_id: str) -> dict[str, Any]:
        """Everything stored about the user, as plain JSON."""
        repos = self._repos
        profile = await self._optional(repos.users, user_id, user_id)
        progress = await self._optional(repos.progress_records, user_id, "progress")
        return {
            "user_id": user_id,
            "exported_at": to_iso(self._clock.now()),
            "profile": profile,
            "tasks": [t.to_dict() for t in await repos.tasks.find(user_id, (), "created_at")],
            "work_sessions": [s.to_dict() for s in await repos.work_sessions.find(user_id, (), "start_time")],
            "focus_sessions": [s.to_dict() for s in await repos.focus_sessions.find(user_id, (), "started_at")],
            "habits": [h.to_dict() for h in await repos.habit_logs.find(user_id, (), "at")],
            "daily_rollups": await repos.all_rollups(user_id),
            "progress": progress,
        }

    @staticmethod
    async def _optional(repository, user_id: str, entity_id: str) -> dict[str, Any] | None:
        try:
            return (await repository.get(user_id, entity_id)).to_dict()
        except NotFound:
            return None

    async def erase(self, user_id: str) -> int:
        """Delete every document of the user, and their API tokens. Returns how many went."""
        await self._tokens.revoke_all(user_id)
        return await self._repos.erase(user_id)
