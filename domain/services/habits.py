"""Healthy habits: water, breaks and lunch, logged and rolled up per local day."""

from __future__ import annotations

import uuid

from domain.clock import Clock
from domain.entities import WATER_GOAL_ML, HabitLog
from domain.errors import ValidationError
from domain.ports import RepositorySet
from domain.rollups import day_key
from domain.services.contributions import habit_contribution
from domain.services.users import UserService

WATER_MAX_ML = 3000  # one log; more at once is a typo, not a drink
BREAK_MAX_MINUTES = 240
DEFAULT_BREAK_MINUTES = 10
DEFAULT_LUNCH_MINUTES = 30


class HabitService:
    def __init__(self, repos: RepositorySet, users: UserService, clock: Clock) -> None:
        self._logs = repos.habit_logs
        self._repos = repos
        self._users = users
        self._clock = clock

    async def log_water(self, user_id: str, ml: int) -> dict[str, int]:
        if not 1 <= ml <= WATER_MAX_ML:
            raise ValidationError(f"Log between 1 and {WATER_MAX_ML} ml at a time.")
        return await self._log(user_id, "water", ml)

    async def log_break(self, user_id: str, minutes: int = DEFAULT_BREAK_MINUTES) -> dict[str, int]:
        if not 1 <= minutes <= BREAK_MAX_MINUTES:
            raise ValidationError(f"A break lasts 1 to {BREAK_MAX_MINUTES} minutes.")
        return await self._log(user_id, "break", minutes)

    async def log_lunch(self, user_id: str, minutes: int = DEFAULT_LUNCH_MINUTES) -> dict[str, int]:
        return await self._log(user_id, "lunch", minutes)

    async def _log(self, user_id: str, kind: str, amount: int) -> dict[str, int]:
        log = HabitLog(uuid.uuid4().hex, user_id, kind, amount, self._clock.now())
        await self._logs.add(log, habit_contribution(log, await self._users.timezone(user_id)))
        return await self.today(user_id)

    async def today(self, user_id: str) -> dict[str, int]:
        """Today's water (ml), breaks and lunches in the user's time zone."""
        day = day_key(self._clock.now(), await self._users.timezone(user_id))
        counters = await self._repos.rollup(user_id, day)
        return {
            "water_ml": int(counters.get("water_ml", 0)),
            "water_goal_ml": WATER_GOAL_ML,
            "breaks": int(counters.get("breaks", 0)),
            "lunches": int(counters.get("lunches", 0)),
        }
