"""Stats: the seed's summary and per-period summaries, read from roll-ups rather than
the whole history, so their cost does not grow with it."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.clock import Clock
from domain.errors import ValidationError
from domain.ports import RepositorySet
from domain.rollups import PRIVATE_COUNTERS, TOTALS
from domain.services.users import UserService

PERIOD_DAYS = {"today": 1, "week": 7, "month": 30}


class StatsService:
    def __init__(self, repos: RepositorySet, users: UserService, clock: Clock) -> None:
        self._repos = repos
        self._users = users
        self._clock = clock

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

    async def period(self, user_id: str, period: str) -> dict[str, Any]:
        """Sums of the daily roll-ups of the last 1, 7 or 30 local days (today included),
        plus one entry per day for charts."""
        if period not in PERIOD_DAYS:
            raise ValidationError("Pick a period: today, week or month.")
        await self._repos.settle_pending(user_id)
        # Count back in local calendar days, not in 24-hour steps, which DST would skew.
        today = self._clock.now().astimezone(ZoneInfo(await self._users.timezone(user_id))).date()
        keys = ["day:" + (today - timedelta(days=back)).isoformat() for back in range(PERIOD_DAYS[period])]
        days = []
        sums: dict[str, float] = {}
        found = await self._repos.rollups_between(user_id, keys[-1], keys[0])
        for key in reversed(keys):
            # The stats reach REST clients (an admin among them): how a day felt is not theirs to read.
            counters = {name: value for name, value in found.get(key, {}).items() if name not in PRIVATE_COUNTERS}
            days.append({"day": key.removeprefix("day:"), **counters})
            for name, value in counters.items():
                sums[name] = sums.get(name, 0) + value
        return {
            "period": period,
            "tasks_created": int(sums.get("tasks_created", 0)),
            "tasks_completed": int(sums.get("tasks_completed", 0)),
            "sessions": int(sums.get("sessions_total", 0)),
            "hours": round(sums.get("hours_total", 0.0), 2),
            "focus_sessions": int(sums.get("focus_total", 0)),
            "focus_completed": int(sums.get("focus_completed", 0)),
            "focus_cancelled": int(sums.get("focus_cancelled", 0)),
            "focus_minutes": int(sums.get("focus_minutes", 0)),
            "water_ml": int(sums.get("water_ml", 0)),
            "breaks": int(sums.get("breaks", 0)),
            "lunches": int(sums.get("lunches", 0)),
            "days": days,
        }
