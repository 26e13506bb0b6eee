"""What is due and what comes next: the open tasks of a window of the user's days, the
most urgent open task, and the session a "resume" would pick up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from domain.entities import FocusSession, Task, WorkSession
from domain.services.focus import FocusService
from domain.services.tasks import TaskService
from domain.services.work_sessions import WorkSessionService

# A focus session stopped longer ago than this is over, not paused: "resume" the next
# morning should not bring back yesterday's last ten minutes.
FOCUS_RESUMABLE_FOR = timedelta(hours=12)
FOCUS_RESUME_MIN_MINUTES = 5  # a resumed focus shorter than this is not worth starting
WINDOWS = ("today", "tomorrow", "week")
PLAN_TOP = 3  # the open tasks a morning plan suggests, besides those due
PLAN_DUE_MAX = 10  # due and overdue tasks a morning plan lists at most


def most_urgent(tasks: list[Task]) -> Task | None:
    """Overdue first, then the nearest due, then the oldest undated one; high priority breaks ties."""
    far = datetime.max.replace(tzinfo=UTC)
    rank = {"high": 0, "normal": 1, "low": 2}
    return min(tasks, key=lambda t: (t.due_at or far, rank.get(t.priority, 1), t.created_at), default=None)


def urgency(task: Task) -> tuple[datetime, int, datetime]:
    """The order of ``most_urgent``: overdue first, then the nearest due, then the oldest undated."""
    rank = {"high": 0, "normal": 1, "low": 2}
    return (task.due_at or datetime.max.replace(tzinfo=UTC), rank.get(task.priority, 1), task.created_at)


@dataclass(frozen=True)
class MorningPlan:
    overdue: list[Task]  # fell due since the last plan: each is mentioned once, in one plan
    due_today: list[Task]
    top: list[Task]  # the most urgent other open tasks


def window_bounds(window: str, now: datetime, timezone: str) -> tuple[datetime | None, datetime]:
    """The (start, end) of "today" or "this week" (overdue included: no start) or "tomorrow", in
    the user's local days."""
    zone = ZoneInfo(timezone)
    today = now.astimezone(zone).date()

    def midnight(days_ahead: int) -> datetime:
        # Built from the local date, not by adding hours, so a DST change moves it with the clock.
        day = today + timedelta(days=days_ahead)
        return datetime(day.year, day.month, day.day, tzinfo=zone)

    if window == "tomorrow":
        return midnight(1), midnight(2)
    return None, midnight(7 if window == "week" else 1)


@dataclass(frozen=True)
class Resumable:
    """The stopped work session or unfinished focus a "resume" restarts, and when it stopped."""

    stopped_at: datetime
    work: WorkSession | None = None
    focus: FocusSession | None = None


class AgendaService:
    def __init__(self, tasks: TaskService, work_sessions: WorkSessionService, focus: FocusService) -> None:
        self._tasks = tasks
        self._work = work_sessions
        self._focus = focus

    async def due_in(self, user_id: str, window: str, now: datetime, timezone: str) -> list[Task]:
        """Open tasks due in the window, soonest first."""
        start, end = window_bounds(window, now, timezone)
        return await self._tasks.list_tasks(user_id, "open", due_before=end, due_after=start)

    async def morning(self, user_id: str, now: datetime, timezone: str, since: datetime | None) -> MorningPlan:
        """What a morning plan lists: the tasks due today and those that fell due since ``since``
        (the previous plan), then the most urgent others; two or three limited queries."""
        _, end = window_bounds("today", now, timezone)
        due = await self._tasks.list_tasks(user_id, "open", due_before=end, due_after=since, limit=PLAN_DUE_MAX)
        listed = {task.id for task in due}
        others = await self._tasks.first_open(user_id, PLAN_TOP + len(listed))
        top = sorted((task for task in others if task.id not in listed), key=urgency)[:PLAN_TOP]
        return MorningPlan(
            overdue=[task for task in due if task.due_at is not None and task.due_at <= now],
            due_today=[task for task in due if task.due_at is not None and task.due_at > now],
            top=top,
        )

    async def next_task(self, user_id: str) -> Task | None:
        return most_urgent(await self._tasks.list_tasks(user_id, "open"))

    async def resumable(
        self, user_id: str, now: datetime, kinds: tuple[str, ...] = ("work", "focus")
    ) -> Resumable | None:
        """The more recently stopped of the last work session and the last focus session cut
        short or cancelled, of the given kinds; None when that kind is running or nothing stopped."""
        found: list[Resumable] = []
        if "work" in kinds:
            last_work = next(iter(await self._work.list_sessions(user_id, limit=1)), None)
            if last_work is not None and last_work.end_time is not None:
                found.append(Resumable(last_work.end_time, work=last_work))
        if "focus" in kinds:
            last_focus = next(iter(await self._focus.list_sessions(user_id, limit=1)), None)
            if (
                last_focus is not None
                and last_focus.ended_at is not None
                and not last_focus.completed
                and now - last_focus.ended_at <= FOCUS_RESUMABLE_FOR
                and minutes_left(last_focus) >= FOCUS_RESUME_MIN_MINUTES
            ):
                found.append(Resumable(last_focus.ended_at, focus=last_focus))
        return max(found, key=lambda r: r.stopped_at, default=None)


def minutes_left(session: FocusSession) -> int:
    """What was left of a stopped focus session's planned minutes when it stopped."""
    ran = ((session.ended_at or session.started_at) - session.started_at).total_seconds() / 60
    return max(0, round(session.duration_minutes - ran))
