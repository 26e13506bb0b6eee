"""Rebuild a user's roll-ups from their documents: after an import, or to repair figures.

Stats read roll-ups, never the history, so documents written around the services (an import
of the original Avanochi's data) count only once their roll-ups are rebuilt. Each document
contributes what it contributes when the services write it (domain/services/contributions.py), in the
user's time zone now: a user who changed zone sees past days placed in the new one.
"""

from __future__ import annotations

from typing import Protocol

from domain.entities import FocusSession, HabitLog, MoodLog, Task, User, WorkSession
from domain.errors import NotFound
from domain.ports import Repository
from domain.rollups import RollupChanges
from domain.services.contributions import (
    focus_contribution,
    habit_contribution,
    mood_contribution,
    task_contribution,
    work_session_contribution,
)

# Counters are kept rounded so (as the ledger does) that float sums of hours compare equal.
PRECISION = 6


class RebuildRepositories(Protocol):
    """What a rebuild reads and writes (persistence.repositories.Repositories): an operator's
    tool, not part of a turn's unit of work."""

    @property
    def tasks(self) -> Repository[Task]: ...
    @property
    def work_sessions(self) -> Repository[WorkSession]: ...
    @property
    def focus_sessions(self) -> Repository[FocusSession]: ...
    @property
    def habit_logs(self) -> Repository[HabitLog]: ...
    @property
    def mood_logs(self) -> Repository[MoodLog]: ...
    @property
    def users(self) -> Repository[User]: ...

    async def settle_pending(self, user_id: str) -> None: ...

    async def replace_rollups(self, user_id: str, counters_by_key: dict[str, dict[str, float]]) -> None: ...

    async def users_with_history(self) -> list[str]: ...


class RollupRebuild:
    def __init__(self, repos: RebuildRepositories) -> None:
        self._repos = repos

    async def rebuild(self, user_id: str) -> dict[str, dict[str, float]]:
        """Recount every roll-up of the user from their documents; returns the new counters by
        roll-up key. Meant for a quiet moment: a change written while it runs may be lost from
        the figures until the next rebuild (the documents themselves are never touched)."""
        await self._repos.settle_pending(user_id)  # a marker left behind would count twice later
        timezone = await self._timezone(user_id)
        sums = RollupChanges()
        for task in await self._repos.tasks.find(user_id):
            sums.merge(task_contribution(task, timezone))
        for session in await self._repos.work_sessions.find(user_id):
            sums.merge(work_session_contribution(session, timezone))
        for focus in await self._repos.focus_sessions.find(user_id):
            sums.merge(focus_contribution(focus, timezone))
        for log in await self._repos.habit_logs.find(user_id):
            sums.merge(habit_contribution(log, timezone))
        for mood in await self._repos.mood_logs.find(user_id):
            sums.merge(mood_contribution(mood, timezone))
        counters = {
            key: {name: round(value, PRECISION) for name, value in values.items() if round(value, PRECISION)}
            for key, values in sums.increments.items()
        }
        counters = {key: values for key, values in counters.items() if values}
        await self._repos.replace_rollups(user_id, counters)
        return counters

    async def _timezone(self, user_id: str) -> str:
        try:
            return (await self._repos.users.get(user_id, user_id)).timezone
        except NotFound:  # a REST-only or imported user who never set one
            return "UTC"

    async def users(self) -> list[str]:
        """Every user whose roll-ups a full rebuild recounts."""
        return await self._repos.users_with_history()
