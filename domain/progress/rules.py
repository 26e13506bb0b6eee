"""Progress rules: XP from one local day's roll-up counters, the level curve, the daily streak.

XP is never kept as a running sum that actions add to: it is derived from the counters
the services already keep per local day. Whatever changes a counter (undoing a
completion, reopening a task, un-completing a focus session) changes the XP with it,
and deriving it twice gives the same number.

XP of a day (each part capped per day, so logging cannot be farmed):

| what                          | XP                                  | daily cap |
| ----------------------------- | ----------------------------------- | --------- |
| completed task                | high 30, normal 20, low 10          | 200       |
| completed focus session       | 1 per planned minute (25 min -> 25) | 180       |
| water goal (2000 ml) met      | 15, once                            | 15        |
| break logged                  | 5 each, the first 4 of the day      | 20        |
| lunch logged                  | 10, once                            | 10        |

A full, healthy day is worth about 150-250 XP; a day can never be worth more than 425.

Overtime and late work earn nothing extra: XP does not grow with hours worked, the daily
caps sit at about one full normal day, and a task finished or a focus session started at
night (22:00-05:00 local, the late-night span of ``domain.history``) earns no XP and does
not count for the streak. Skipped breaks earn nothing either; kept ones do.

Level curve: reaching level ``n`` takes ``50 * (n - 1) * n`` XP in all, so level 2 is at
100 XP, 3 at 300, 5 at 1000, 10 at 4500, 20 at 19000: about a week of good days to the
teen pet, a month to the adult, three to four months to the elder. Each level asks 100
XP more than the one before, so levels keep coming but slow down.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from domain.entities import WATER_GOAL_ML
from domain.history import LATE_FROM, LATE_UNTIL

TASK_XP = {"high": 30, "normal": 20, "low": 10}
TASK_XP_DAY_CAP = 200
FOCUS_XP_PER_MINUTE = 1
FOCUS_XP_DAY_CAP = 180
WATER_GOAL_XP = 15
BREAK_XP, BREAKS_WITH_XP_PER_DAY = 5, 4
LUNCH_XP = 10
LEVEL_STEP_XP = 50

# Roll-up counters that priority and focus length need, beyond the ones services kept
# before the companion existed. Until a service writes them, a completed task counts as
# "normal" and a completed focus session at the day's average planned length.
TASKS_COMPLETED_HIGH = "tasks_completed_high"
TASKS_COMPLETED_LOW = "tasks_completed_low"
FOCUS_COMPLETED_MINUTES = "focus_completed_minutes"
# Tasks finished early in the morning, counted by the day so that "Early bird" is judged on
# the roll-ups a turn reads anyway rather than on a query of the finished tasks.
TASKS_COMPLETED_EARLY = "tasks_completed_early"
EARLY_FROM, EARLY_BEFORE = time(5, 0), time(9, 0)  # before 05:00 is a late night
# Work done at night, counted by the day so XP and the streak can leave it out. A late task
# writes no priority counter: the high and low counters count daytime tasks only.
TASKS_COMPLETED_LATE = "tasks_completed_late"
FOCUS_COMPLETED_LATE = "focus_completed_late"
FOCUS_COMPLETED_LATE_MINUTES = "focus_completed_late_minutes"


def is_early(completed_at: datetime, timezone: str) -> bool:
    """Finished between 05:00 and 09:00 local time."""
    return EARLY_FROM <= completed_at.astimezone(ZoneInfo(timezone)).time() < EARLY_BEFORE


def is_late(instant: datetime, timezone: str) -> bool:
    """At night: from 22:00 to 05:00 local time."""
    local = instant.astimezone(ZoneInfo(timezone)).time()
    return local >= LATE_FROM or local < LATE_UNTIL


def task_completion_counters(priority: str, early: bool = False, late: bool = False) -> dict[str, int]:
    """What completing a task of ``priority`` (``early`` in the morning, or ``late`` at
    night) adds to its day besides ``tasks_completed`` (negate for a reopen)."""
    if late:
        return {TASKS_COMPLETED_LATE: 1}
    counters = {"high": {TASKS_COMPLETED_HIGH: 1}, "low": {TASKS_COMPLETED_LOW: 1}}.get(priority, {})
    return {**counters, TASKS_COMPLETED_EARLY: 1} if early else dict(counters)


def focus_completion_counters(duration_minutes: int, late: bool = False) -> dict[str, int]:
    """What completing a focus session (started ``late`` at night) adds besides
    ``focus_completed`` (negate to undo)."""
    if late:
        return {
            FOCUS_COMPLETED_MINUTES: duration_minutes,
            FOCUS_COMPLETED_LATE: 1,
            FOCUS_COMPLETED_LATE_MINUTES: duration_minutes,
        }
    return {FOCUS_COMPLETED_MINUTES: duration_minutes}


@dataclass(frozen=True)
class DayXp:
    tasks: int = 0
    focus: int = 0
    water: int = 0
    breaks: int = 0
    lunch: int = 0

    @property
    def total(self) -> int:
        return self.tasks + self.focus + self.water + self.breaks + self.lunch


def _count(counters: dict[str, float], name: str) -> int:
    # Counters can dip below zero for a moment (a reopen settled before its completion)
    # or drift when a priority was edited after completion: never let that cost XP.
    return max(0, int(round(counters.get(name, 0))))


def completed_focus_minutes(counters: dict[str, float]) -> float:
    """Planned minutes of the day's completed focus sessions, those started at night left out."""
    if FOCUS_COMPLETED_MINUTES in counters:
        return max(0.0, counters[FOCUS_COMPLETED_MINUTES] - max(0.0, counters.get(FOCUS_COMPLETED_LATE_MINUTES, 0)))
    completed, started = _count(counters, "focus_completed"), _count(counters, "focus_total")
    if not completed or not started:
        return 0.0
    return min(completed, started) * counters.get("focus_minutes", 0) / started


def day_xp(counters: dict[str, float], water_goal_ml: int = WATER_GOAL_ML) -> DayXp:
    """The XP one local day earned, from its roll-up counters."""
    done = max(0, _count(counters, "tasks_completed") - _count(counters, TASKS_COMPLETED_LATE))
    high = min(done, _count(counters, TASKS_COMPLETED_HIGH))
    low = min(done - high, _count(counters, TASKS_COMPLETED_LOW))
    normal = done - high - low
    tasks = high * TASK_XP["high"] + normal * TASK_XP["normal"] + low * TASK_XP["low"]
    focus = round(completed_focus_minutes(counters) * FOCUS_XP_PER_MINUTE)
    return DayXp(
        tasks=min(TASK_XP_DAY_CAP, tasks),
        focus=min(FOCUS_XP_DAY_CAP, focus),
        water=WATER_GOAL_XP if counters.get("water_ml", 0) >= water_goal_ml else 0,
        breaks=BREAK_XP * min(BREAKS_WITH_XP_PER_DAY, _count(counters, "breaks")),
        lunch=LUNCH_XP if _count(counters, "lunches") else 0,
    )


def level_start_xp(level: int) -> int:
    """The XP at which ``level`` is reached (level 1 at 0)."""
    return LEVEL_STEP_XP * (level - 1) * level


def level_for(xp: int) -> int:
    """The level that ``xp`` in all has reached (the inverse of level_start_xp)."""
    xp = max(0, xp)
    level = max(1, int((1 + math.sqrt(1 + 4 * xp / LEVEL_STEP_XP)) / 2))
    while level_start_xp(level + 1) <= xp:  # float rounding near a boundary
        level += 1
    while level > 1 and level_start_xp(level) > xp:
        level -= 1
    return level


@dataclass(frozen=True)
class LevelProgress:
    level: int
    xp: int
    level_xp: int  # where this level started
    next_level_xp: int  # where the next one starts

    @property
    def fraction(self) -> float:
        """How far from this level to the next, 0.0 to 1.0."""
        return (self.xp - self.level_xp) / (self.next_level_xp - self.level_xp)


def level_progress(xp: int) -> LevelProgress:
    level = level_for(xp)
    return LevelProgress(level, max(0, xp), level_start_xp(level), level_start_xp(level + 1))


def day_counts_for_streak(counters: dict[str, float]) -> bool:
    """A day counts with at least one task or focus session completed in the daytime."""
    tasks = _count(counters, "tasks_completed") - _count(counters, TASKS_COMPLETED_LATE)
    focus = _count(counters, "focus_completed") - _count(counters, FOCUS_COMPLETED_LATE)
    return tasks > 0 or focus > 0


@dataclass(frozen=True)
class Streak:
    """The streak as of the end of some day: its length and the best one so far."""

    current: int = 0
    best: int = 0

    def after(self, counted: bool, excused: bool) -> Streak:
        """The streak after one more day. A counted day extends it; an excused one (a
        day off, a paused day, or today, which is not over) leaves it as it was; any
        other day breaks it. Being a fold, it can be carried forward from a checkpoint."""
        if counted:
            current = self.current + 1
        elif excused:
            current = self.current
        else:
            current = 0
        return Streak(current, max(self.best, current))


def excused_day(day: date, work_days: list[int], paused: list[tuple[date, date]]) -> bool:
    """Days off (not in the user's working days) and paused days don't break a streak."""
    return day.weekday() not in work_days or any(first <= day <= last for first, last in paused)
