"""Stats: the seed's summary, read from roll-ups rather than the whole history."""
from __future__ import annotations

from typing import Any

from domain.ports import RepositorySet
from domain.rollups import TOTALS


class StatsService:
    def __init__(self, repos: RepositorySet) -> None:
        self._repos = repos

    async def summary(self, user_id: str) -> dict[str, Any]:
        # Finish any roll-up change a crashed writer left behind before reading totals.
        await self._repos.settle_pending(user_id)
        totals = await self._repos.rollup(user_id, TOTALS)
        return {
            "user_id": user_id,
            "total_tasks": int(totals.get("tasks_total", 0)),
            "completed_tasks": int(totals.get("tasks_completed", 0)),
            "total_sessions": int(totals.get("sessions_total", 0)),
            "total_hours": round(totals.get("hours_total", 0.0), 2),
        }
