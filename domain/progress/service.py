"""ProgressService: a user's XP, level, streak and achievements, and announcing new ones.

Every number is derived on demand from the day roll-ups, in the user's time zone: the
last ``WINDOW_DAYS`` local days are read each time (point reads), and the days before
them live in the progress document's checkpoint, folded in once as they leave the
window. So a snapshot costs the same after a year as after a week, and an undo within
the window takes its XP back by itself. A change to a day older than the window (a task
reopened weeks after it was done) no longer moves XP or streak: that day is settled.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.clock import Clock
from domain.concurrency import retry_stale
from domain.entities import User
from domain.errors import NotFound
from domain.history import Counters, local_today, read_days
from domain.ports import Repository, RepositorySet, UserLookup
from domain.progress.achievements import BY_ID, Achievement, Facts, early_tasks, earned, gather_facts
from domain.progress.record import ProgressRecord
from domain.progress.rules import (
    DayXp,
    Streak,
    day_counts_for_streak,
    day_xp,
    excused_day,
    level_progress,
)
from domain.rollups import TOTALS

WINDOW_DAYS = 14  # live days, re-derived on every read; older days are checkpointed
MAX_CATCH_UP_DAYS = 400  # history folded in at most, when a record is first made
RECENT_TASKS_READ = 20  # completed tasks looked at for "early bird", in the history before counting


@dataclass(frozen=True)
class EarnedAchievement:
    achievement: Achievement
    earned_on: str  # local ISO date


@dataclass(frozen=True)
class Progress:
    user_id: str
    xp: int
    level: int
    level_xp: int  # XP at which the current level started
    next_level_xp: int  # XP at which the next level starts
    streak_days: int
    best_streak: int
    today: DayXp
    achievements: tuple[EarnedAchievement, ...] = ()

    @property
    def level_fraction(self) -> float:
        return (self.xp - self.level_xp) / (self.next_level_xp - self.level_xp)


@dataclass(frozen=True)
class Announcement:
    """What to tell the user after an action: achievements just earned, a new level."""

    progress: Progress
    achievements: list[Achievement]
    level_up: int | None = None


@dataclass
class _Standing:
    user: User
    known_user: bool
    today: date
    record: ProgressRecord
    record_changed: bool
    window: dict[date, Counters]
    totals: Counters
    progress: Progress


class ProgressService:
    def __init__(
        self, repos: RepositorySet, users: UserLookup, clock: Clock, records: Repository[ProgressRecord]
    ) -> None:
        self._repos = repos
        self._users = users
        self._clock = clock
        self._records = records

    async def snapshot(self, user_id: str) -> Progress:
        """XP, level, streak and achievements as they stand now."""
        # Finish any roll-up change a crashed writer left behind, as stats do.
        await self._repos.settle_pending(user_id)

        async def attempt() -> Progress:
            standing = await self._standing(user_id)
            # A read for someone the bot never met (a REST admin's typo) leaves no document behind.
            if standing.record_changed and standing.known_user:
                await self._save(standing.record)
            return standing.progress

        return await retry_stale(attempt)

    async def announce(self, user_id: str) -> Announcement:
        """Record and return what was earned since the last announcement. Two callers
        racing on one user cannot both get the same achievement (the record's ETag)."""

        async def attempt() -> Announcement:
            standing = await self._standing(user_id)
            record, progress = standing.record, standing.progress
            facts = await self._facts(standing)
            standing.record_changed |= not record.history_checked
            record.history_checked = True
            new = [a for a in earned(facts) if a.id not in record.achievements]
            level_up = progress.level if progress.level > record.announced_level else None
            for achievement in new:
                record.achievements[achievement.id] = standing.today.isoformat()
            if level_up is not None:
                record.announced_level = level_up
            if new or level_up is not None or standing.record_changed:
                await self._save(record)
            if new:
                progress = replace(progress, achievements=_earned_list(record))
            return Announcement(progress, new, level_up)

        return await retry_stale(attempt)

    async def newly_earned(self, user_id: str) -> list[Achievement]:
        return (await self.announce(user_id)).achievements

    async def _standing(self, user_id: str) -> _Standing:
        now = self._clock.now()
        user, known = await self._user(user_id, now)
        today = local_today(user, now)
        record = await self._record(user_id)
        changed = _note_pause(record, user, now, today)
        window_start = today - timedelta(days=WINDOW_DAYS - 1)
        changed |= await self._fold(record, user, window_start - timedelta(days=1))
        window, totals = await asyncio.gather(
            read_days(self._repos, user_id, window_start, today), self._repos.rollup(user_id, TOTALS)
        )
        progress = _progress(user, record, window, today)
        return _Standing(user, known, today, record, changed, window, dict(totals), progress)

    async def _fold(self, record: ProgressRecord, user: User, fold_until: date) -> bool:
        """Move the checkpoint up to ``fold_until``; True if days were folded in. A new
        record whose history all lies in the window needs no saving yet."""
        if record.folded_through is None:
            created = user.created_at.astimezone(ZoneInfo(user.timezone)).date()
            floor = fold_until - timedelta(days=MAX_CATCH_UP_DAYS)
            record.folded_through = min(fold_until, max(created - timedelta(days=1), floor))
        if record.folded_through >= fold_until:
            return False
        first = max(record.folded_through + timedelta(days=1), fold_until - timedelta(days=MAX_CATCH_UP_DAYS))
        streak = Streak(record.folded_streak, record.best_streak)
        for day, counters in (await read_days(self._repos, user.id, first, fold_until)).items():
            record.folded_xp += day_xp(counters).total
            streak = streak.after(day_counts_for_streak(counters), excused_day(day, user.work_days, record.pauses))
        record.folded_streak, record.best_streak = streak.current, streak.best
        record.folded_through = fold_until
        return True

    async def _facts(self, standing: _Standing) -> Facts:
        """The facts, from the roll-ups the standing holds."""
        user, record, progress = standing.user, standing.record, standing.progress
        early = 0
        if not record.history_checked:
            # Once: the days before the roll-ups counted early tasks.
            early = await self._early_before_counting(standing)
        return gather_facts(
            standing.totals,
            standing.window,
            standing.today,
            user,
            level=progress.level,
            streak_days=progress.streak_days,
            best_streak=progress.best_streak,
            early_before_counting=early,
        )

    async def _early_before_counting(self, standing: _Standing) -> int:
        user, record = standing.user, standing.record
        if "early_bird" in record.achievements:
            return 0
        completed = await self._repos.tasks.find(
            user.id, [("completed", "=", True)], "completed_at", True, RECENT_TASKS_READ
        )
        return early_tasks(completed, user)

    async def _user(self, user_id: str, now: datetime) -> tuple[User, bool]:
        try:
            return await self._users.get_user(user_id), True
        except NotFound:
            # Someone only known to the REST API: UTC, default hours, history as far as we fold.
            return User(user_id, user_id, created_at=now - timedelta(days=MAX_CATCH_UP_DAYS + WINDOW_DAYS)), False

    async def _record(self, user_id: str) -> ProgressRecord:
        try:
            return await self._records.get(user_id, ProgressRecord.id)
        except NotFound:
            return ProgressRecord(user_id)

    async def _save(self, record: ProgressRecord) -> None:
        # StaleEntity from either call makes retry_stale start over from a fresh read.
        if record.version is None:
            await self._records.add(record)
        else:
            await self._records.save(record)


def _note_pause(record: ProgressRecord, user: User, now: datetime, today: date) -> bool:
    zone = ZoneInfo(user.timezone)
    if user.paused_until and user.paused_until > now:
        # paused_until is the instant reminders resume: the day before it is the last one off.
        last = (user.paused_until - timedelta(microseconds=1)).astimezone(zone).date()
        return record.note_pause(today, last)
    # Not paused: either the pause ran out (its end is noted already), or the user resumed
    # early, in an update no later than the user's last one. The resume day is a working day.
    resumed = user.paused_until or user.updated_at or now
    return record.end_pauses_after(resumed.astimezone(zone).date() - timedelta(days=1))


def _progress(user: User, record: ProgressRecord, window: dict[date, Counters], today: date) -> Progress:
    xp = record.folded_xp + sum(day_xp(counters).total for counters in window.values())
    streak = Streak(record.folded_streak, record.best_streak)
    for day, counters in window.items():
        # Today is not over: doing nothing yet does not break the streak.
        excused = day == today or excused_day(day, user.work_days, record.pauses)
        streak = streak.after(day_counts_for_streak(counters), excused)
    level = level_progress(xp)
    return Progress(
        user_id=user.id,
        xp=xp,
        level=level.level,
        level_xp=level.level_xp,
        next_level_xp=level.next_level_xp,
        streak_days=streak.current,
        best_streak=streak.best,
        today=day_xp(window.get(today, {})),
        achievements=_earned_list(record),
    )


def _earned_list(record: ProgressRecord) -> tuple[EarnedAchievement, ...]:
    # Retired ids (an old "night_owl") stay in the record, unlisted: see achievements.RETIRED.
    found = [EarnedAchievement(BY_ID[key], on) for key, on in record.achievements.items() if key in BY_ID]
    return tuple(sorted(found, key=lambda e: (e.earned_on, list(BY_ID).index(e.achievement.id))))
