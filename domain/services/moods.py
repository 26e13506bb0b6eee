"""Mood check-ins: a face from 1 to 5 and maybe a word, kept per user and rolled up per
local day (a sum and a count), so a week of moods beside the hours is one range read."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from domain.clock import Clock
from domain.entities import MoodLog
from domain.history import read_days
from domain.ports import RepositorySet
from domain.services.contributions import mood_contribution
from domain.services.users import UserService

WEEK_DAYS = 7


@dataclass(frozen=True)
class MoodDay:
    day: date
    mood: float | None  # the day's average check-in, None when there was none
    hours: float  # hours worked (finished sessions), as the stats count them


def day_mood(counters: dict[str, float]) -> float | None:
    count = counters.get("mood_count", 0)
    return counters.get("mood_sum", 0) / count if count else None


class MoodService:
    def __init__(self, repos: RepositorySet, users: UserService, clock: Clock) -> None:
        self._repos = repos
        self._users = users
        self._clock = clock

    async def log(self, user_id: str, value: int, word: str | None = None) -> MoodLog:
        """Keep one check-in (ValidationError outside 1..5)."""
        log = MoodLog(uuid.uuid4().hex, user_id, value, self._clock.now(), (word or "").strip().lower() or None)
        await self._repos.mood_logs.add(log, mood_contribution(log, await self._users.timezone(user_id)))
        return log

    async def logged_on(self, user_id: str, day: date) -> bool:
        """Whether the user checked in on this local day."""
        days = await read_days(self._repos, user_id, day, day)
        return day_mood(days[day]) is not None

    async def week(self, user_id: str) -> list[MoodDay]:
        """The last seven local days, oldest first, today last."""
        today = await self._today(user_id)
        days = await read_days(self._repos, user_id, today - timedelta(days=WEEK_DAYS - 1), today)
        return [MoodDay(day, day_mood(c), round(c.get("hours_total", 0.0), 2)) for day, c in days.items()]

    async def _today(self, user_id: str) -> date:
        return self._clock.now().astimezone(ZoneInfo(await self._users.timezone(user_id))).date()
