"""The achievements: what each one asks for, as a pure predicate over the numbers in ``Facts``.

``Facts`` is everything the predicates may look at, gathered once per check by the
progress service from the totals and the last two weeks of day roll-ups (plus, once, a
bounded read of recent completed tasks from before the roll-ups counted early ones).
Keeping the predicates pure means the catalogue can be tested, listed and explained
without a store.

Achievements are earned once and kept: undoing the task that earned "First step" takes
its XP back but not the memory of having done it.

Nothing here rewards overtime, late nights or skipped breaks: the sustainable patterns
(breaks kept, a week within working hours, a rested weekend) are what earn trophies.
"Night owl" (working past 22:00) was one once; it is retired quietly: a user who earned
it keeps the stored entry, but it is no longer in the catalogue, so it is neither listed
nor announced again (a warning is not a keepsake), and reading it crashes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from domain.entities import WATER_GOAL_ML, Task, User
from domain.history import LATE_SESSIONS, Counters, is_working_day, workday_hours
from domain.progress.rules import FOCUS_COMPLETED_LATE, TASKS_COMPLETED_EARLY, is_early

BALANCED_SLACK_HOURS = 1.0
BALANCED_MIN_WORKED_DAYS = 3  # a week with no work at all is idle, not balanced
REST_EVERY_HOURS = 2  # "breaks kept": a break or lunch at least every 2 h of work
BREAKS_KEPT_DAYS = 5
RETIRED = frozenset({"night_owl"})  # ids users may hold that are no longer awarded nor listed


@dataclass(frozen=True)
class Facts:
    """The numbers achievements are judged on."""

    tasks_completed: int = 0  # all time
    focus_completed: int = 0  # all time
    level: int = 1
    streak_days: int = 0
    best_streak: int = 0
    most_focus_in_a_day: int = 0  # the last two weeks
    water_goal_days: int = 0  # the last two weeks
    lunch_days: int = 0  # the last two weeks
    break_days: int = 0  # days with 3+ breaks, the last two weeks
    balanced_week: bool = False  # the last 7 complete days
    early_tasks: int = 0  # of the recent completed tasks
    breaks_kept_days: int = 0  # worked days with a rest every 2 h, the last two weeks
    week_within_hours: bool = False  # the last 7 complete days
    rested_days_off: bool = False  # the last complete run of days off, within two weeks


@dataclass(frozen=True)
class Achievement:
    id: str
    name: str
    description: str
    earned_when: Callable[[Facts], bool]
    icon: str = "🏅"
    # A warning is announced like the others but meant as a gentle nudge, not a trophy.
    warning: bool = False


CATALOGUE: tuple[Achievement, ...] = (
    Achievement("first_task", "First step", "Complete your first task.", lambda f: f.tasks_completed >= 1, "✅"),
    Achievement("tasks_10", "Getting things done", "Complete 10 tasks.", lambda f: f.tasks_completed >= 10, "📋"),
    Achievement("tasks_100", "Centurion", "Complete 100 tasks.", lambda f: f.tasks_completed >= 100, "💯"),
    Achievement(
        "first_focus", "In the zone", "Finish your first focus session.", lambda f: f.focus_completed >= 1, "🎯"
    ),
    Achievement("focus_10", "Deep worker", "Finish 10 focus sessions.", lambda f: f.focus_completed >= 10, "🧠"),
    Achievement(
        "focus_marathon",
        "Focus marathon",
        "Finish 4 focus sessions in one day.",
        lambda f: f.most_focus_in_a_day >= 4,
        "🏃",
    ),
    Achievement("streak_5", "On a roll", "Keep a 5-day streak of finished work.", lambda f: f.best_streak >= 5, "🔥"),
    Achievement(
        "streak_20", "Unstoppable", "Keep a 20-day streak of finished work.", lambda f: f.best_streak >= 20, "🌋"
    ),
    Achievement(
        "hydrated", "Well watered", "Meet your water goal for the first time.", lambda f: f.water_goal_days >= 1, "💧"
    ),
    Achievement(
        "hydration_hero",
        "Hydration hero",
        "Meet your water goal on 5 days within two weeks.",
        lambda f: f.water_goal_days >= 5,
        "🌊",
    ),
    Achievement(
        "balanced_week",
        "Balanced week",
        "Work a week with no day more than an hour past your working hours and nothing on days off.",
        lambda f: f.balanced_week,
        "⚖️",
    ),
    Achievement("early_bird", "Early bird", "Finish a task before 9:00.", lambda f: f.early_tasks >= 1, "🐦"),
    Achievement(
        "lunch_regular", "Lunch regular", "Log lunch on 5 days within two weeks.", lambda f: f.lunch_days >= 5, "🥗"
    ),
    Achievement(
        "break_taker",
        "Break taker",
        "Take 3 or more breaks a day on 5 days within two weeks.",
        lambda f: f.break_days >= 5,
        "☕",
    ),
    Achievement(
        "level_5", "Hatchling no more", "Reach level 5: your Avanochi becomes a teen.", lambda f: f.level >= 5, "🐣"
    ),
    Achievement("level_10", "Grown up", "Reach level 10: your Avanochi is an adult.", lambda f: f.level >= 10, "🌳"),
    Achievement(
        "level_20", "Wise one", "Reach level 20: your Avanochi becomes an elder.", lambda f: f.level >= 20, "🦉"
    ),
    Achievement(
        "breaks_kept",
        "Breaks kept",
        "Take a break at least every 2 h of work on 5 days within two weeks.",
        lambda f: f.breaks_kept_days >= BREAKS_KEPT_DAYS,
        "🧘",
    ),
    Achievement(
        "week_within_hours",
        "Within hours",
        "Work a week with no day longer than your working hours, no late night and nothing on days off.",
        lambda f: f.week_within_hours,
        "🕰️",
    ),
    Achievement(
        "rested_weekend",
        "Rested weekend",
        "Keep all of your days off free of work after a working week.",
        lambda f: f.rested_days_off,
        "🌿",
    ),
)
BY_ID = {achievement.id: achievement for achievement in CATALOGUE}


def earned(facts: Facts) -> list[Achievement]:
    """Every achievement the facts satisfy, in catalogue order."""
    return [achievement for achievement in CATALOGUE if achievement.earned_when(facts)]


def balanced_week(week: dict[date, Counters], user: User, slack_hours: float = BALANCED_SLACK_HOURS) -> bool:
    """No working day more than ``slack_hours`` past the working hours, no work on days
    off, and enough work that it was a working week at all."""
    limit = workday_hours(user) + slack_hours
    worked = 0
    for day, counters in week.items():
        hours = counters.get("hours_total", 0)
        sessions = counters.get("sessions_total", 0)
        if not is_working_day(user, day):
            if sessions or hours:
                return False
            continue
        if hours > limit:
            return False
        worked += hours > 0
    return worked >= BALANCED_MIN_WORKED_DAYS


def kept_breaks(counters: Counters) -> bool:
    """A worked day (2 h or more) with a break or lunch for every 2 h of work."""
    hours = counters.get("hours_total", 0)
    rests = counters.get("breaks", 0) + counters.get("lunches", 0)
    return hours >= REST_EVERY_HOURS and rests >= int(hours // REST_EVERY_HOURS)


def week_within_hours(week: dict[date, Counters], user: User) -> bool:
    """A working week kept within the working hours: no working day longer than the
    working day, no late night, nothing on days off, and at least three days worked. The
    roll-ups hold hours per day, not clock times, so "within" is judged by length and by
    the late-night counter."""
    if any(counters.get(LATE_SESSIONS, 0) > 0 for counters in week.values()):
        return False
    return balanced_week(week, user, slack_hours=0.0)


def rested_days_off(recent: dict[date, Counters], today: date, user: User) -> bool:
    """The latest run of days off that is over (it ended before today) had no work in it,
    and the working day before it was worked: rest after work, not an idle fortnight."""
    days = sorted(day for day in recent if day < today)
    off_run: list[date] = []
    for day in reversed(days):
        if not is_working_day(user, day):
            off_run.append(day)
        elif off_run:
            worked = recent[day].get("hours_total", 0) > 0 or recent[day].get("sessions_total", 0) > 0
            return worked and not any(
                recent[off].get("hours_total", 0) or recent[off].get("sessions_total", 0) for off in off_run
            )
    return False


def early_tasks(tasks: list[Task], user: User) -> int:
    """Completed tasks finished between 05:00 and 09:00 local time."""
    return sum(1 for task in tasks if task.completed_at and is_early(task.completed_at, user.timezone))


def gather_facts(
    totals: Counters,
    recent: dict[date, Counters],
    today: date,
    user: User,
    *,
    level: int,
    streak_days: int,
    best_streak: int,
    early_before_counting: int = 0,
    water_goal_ml: int = WATER_GOAL_ML,
) -> Facts:
    """Facts from the totals and the recent day roll-ups (oldest first, today last); the
    early tasks they count are added to ``early_before_counting``, those found in the history
    from before the day roll-ups counted them."""
    days = list(recent.values())
    last_week = {day: counters for day, counters in recent.items() if today - timedelta(days=7) <= day < today}
    return Facts(
        tasks_completed=int(totals.get("tasks_completed", 0)),
        focus_completed=int(totals.get("focus_completed", 0)),
        level=level,
        streak_days=streak_days,
        best_streak=best_streak,
        most_focus_in_a_day=int(
            max((c.get("focus_completed", 0) - c.get(FOCUS_COMPLETED_LATE, 0) for c in days), default=0)
        ),
        water_goal_days=sum(1 for c in days if c.get("water_ml", 0) >= water_goal_ml),
        lunch_days=sum(1 for c in days if c.get("lunches", 0) >= 1),
        break_days=sum(1 for c in days if c.get("breaks", 0) >= 3),
        balanced_week=len(last_week) == 7 and balanced_week(last_week, user),
        early_tasks=early_before_counting + int(sum(c.get(TASKS_COMPLETED_EARLY, 0) for c in days)),
        breaks_kept_days=sum(1 for c in days if kept_breaks(c)),
        week_within_hours=len(last_week) == 7 and week_within_hours(last_week, user),
        rested_days_off=rested_days_off(recent, today, user),
    )
