"""What each kept thing adds to the roll-ups, as a function of its state now.

The services apply these amounts step by step as things change (a task is created, then
completed...); every step's increments are differences of these functions, so the sum of
the steps equals the contribution of the final state. Rebuilding the roll-ups from the
documents (after an import, or to repair them) is then just the sum of these functions over
everything a user has.
"""

from __future__ import annotations

from domain.entities import FocusSession, HabitLog, MoodLog, Task, WorkSession
from domain.history import late_night_counters
from domain.progress.rules import focus_completion_counters, is_early, is_late, task_completion_counters
from domain.rollups import RollupChanges, day_key


def task_contribution(task: Task, timezone: str, sign: int = 1) -> RollupChanges:
    """What a task adds by existing (sign 1), or takes away when deleted (sign -1): its creation
    on the day it was created and its completion on the day it was completed, in the days as in
    the totals, so today's figures agree with all-time ones."""
    created = day_key(task.created_at, timezone)
    changes = RollupChanges().add_both(created, "tasks_total", sign).add(created, "tasks_created", sign)
    if task.completed:
        completed_at = task.completed_at or task.created_at
        done = day_key(completed_at, timezone)
        changes.add_both(done, "tasks_completed", sign)
        early, late = is_early(completed_at, timezone), is_late(completed_at, timezone)
        for counter, amount in task_completion_counters(task.priority, early, late).items():
            changes.add(done, counter, sign * amount)  # the day only: XP and achievements read days
    return changes


def work_session_contribution(session: WorkSession, timezone: str) -> RollupChanges:
    """A finished session counts on the day it started, and on each late night it ran into;
    a running one counts nothing yet."""
    changes = RollupChanges()
    if session.end_time is None:
        return changes
    day = day_key(session.start_time, timezone)
    changes.add_both(day, "sessions_total", 1).add_both(day, "hours_total", session.duration or 0)
    for night, counters in late_night_counters(session.start_time, session.end_time, timezone).items():
        for counter, amount in counters.items():
            changes.add(night, counter, amount)
    return changes


def counted(session: FocusSession) -> bool:
    """Whether a focus session's planned minutes count: running or completed, not cancelled or cut short."""
    return session.ended_at is None or session.completed


def focus_contribution(session: FocusSession, timezone: str) -> RollupChanges:
    """A focus session counts on the day it started: its start, its planned minutes while they
    count (else it is cancelled), and its completion."""
    day = day_key(session.started_at, timezone)
    changes = RollupChanges().add_both(day, "focus_total", 1)
    if counted(session):
        changes.add_both(day, "focus_minutes", session.duration_minutes)
    else:
        changes.add_both(day, "focus_cancelled", 1)
    if session.completed:
        changes.add_both(day, "focus_completed", 1)
        for counter, amount in focus_completion_counters(
            session.duration_minutes, is_late(session.started_at, timezone)
        ).items():
            changes.add(day, counter, amount)
    return changes


def habit_counters(kind: str, amount: int) -> dict[str, int]:
    """What one habit log (water in ml, a break or lunch in minutes) adds to its day and the totals."""
    if kind == "water":
        return {"water_ml": amount, "water_logs": 1}
    if kind == "break":
        return {"breaks": 1, "break_minutes": amount}
    return {"lunches": 1}


def habit_contribution(log: HabitLog, timezone: str) -> RollupChanges:
    day = day_key(log.at, timezone)
    changes = RollupChanges()
    for counter, value in habit_counters(log.kind, log.amount).items():
        changes.add_both(day, counter, value)
    return changes


def mood_contribution(log: MoodLog, timezone: str) -> RollupChanges:
    """A check-in counts on its day only (a sum and a count, so a week of averages is seven
    small reads); never in the totals, which say nothing about how a day felt."""
    day = day_key(log.at, timezone)
    return RollupChanges().add(day, "mood_sum", log.value).add(day, "mood_count", 1)
