"""Reminder bookkeeping for the other services: wake a user's schedule when what they do
changes, read what they are doing, and find the schedules that are due."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.clock import Clock, to_iso
from domain.concurrency import retry_stale
from domain.entities import User
from domain.errors import NotFound, StaleEntity
from domain.ports import Repository, RepositorySet
from domain.reminders import one_offs
from domain.reminders.items import DueTask, OneOff
from domain.reminders.policy import Activity, setting
from domain.reminders.schedule import ReminderSchedule

# The open tasks due soonest that the policy looks at: enough for the next nudges to be known.
DUE_TASKS_READ = 10


class ReminderService:
    def __init__(self, repos: RepositorySet, clock: Clock) -> None:
        self._repos = repos
        self._schedules: Repository[ReminderSchedule] = repos.reminder_schedules
        self._clock = clock

    async def touch(self, user_id: str) -> None:
        """Something changed (clock-in, focus, settings): look at this user on the next run."""
        now = self._clock.now()

        async def attempt() -> None:
            try:
                schedule = await self._schedules.get(user_id, ReminderSchedule.id)
            except NotFound:
                await self._schedules.add(ReminderSchedule(user_id, now))
                return
            if schedule.next_due > now:
                schedule.next_due = now
                await self._schedules.save(schedule)

        try:
            await retry_stale(attempt)
        except StaleEntity:
            pass

    async def schedule(self, user_id: str) -> ReminderSchedule:
        return await self._schedules.get(user_id, ReminderSchedule.id)

    async def save_schedule(self, schedule: ReminderSchedule) -> None:
        """StaleEntity when another instance wrote it since it was loaded."""
        await self._schedules.save(schedule)

    async def due(
        self, now: datetime, limit: int, shard: int | None = None, *, unsharded: bool = False
    ) -> list[ReminderSchedule]:
        """Schedules due at ``now``, earliest first: an indexed range read, O(due). Of one
        delivery shard when ``shard`` is given; ``unsharded``: those written before schedules
        carried their shard (they get it when next saved)."""
        conditions: list[tuple[str, str, object]] = [("next_due", "<=", to_iso(now))]
        if shard is not None:
            conditions.insert(0, ("shard", "=", shard))
        elif unsharded:
            conditions.append(("shard", "=", None))
        return await self._schedules.find_across_users(conditions, order_by="next_due", limit=limit)

    async def activity(
        self, user: User, now: datetime | None = None, schedule: ReminderSchedule | None = None
    ) -> Activity:
        """What the user is doing and did last, from the store (a handful of point queries),
        with the tasks due soonest and the one-offs pending in ``schedule``."""
        repos, zone = self._repos, ZoneInfo(user.timezone)
        user_id = user.id
        running = await repos.work_sessions.find(user_id, [("end_time", "=", None)], "start_time", True, 1)
        last_session = running or await repos.work_sessions.find(user_id, (), "start_time", True, 1)
        focus = await repos.focus_sessions.find(user_id, (), "started_at", True, 1)
        focusing = focus[0] if focus and focus[0].ended_at is None else None
        last_focus_end = focus[0].ended_at if focus and focus[0].ended_at else None

        async def last(kind: str) -> datetime | None:
            logs = await repos.habit_logs.find(user_id, [("kind", "=", kind)], "at", True, 1)
            return logs[0].at if logs else None

        lunch = await last("lunch")
        return Activity(
            clocked_in_since=running[0].start_time if running else None,
            session_id=running[0].id if running else None,
            focus_started=focusing.started_at if focusing else None,
            focus_planned_end=(
                focusing.started_at + timedelta(minutes=focusing.duration_minutes) if focusing else None
            ),
            focus_id=focusing.session_id if focusing else None,
            last_focus_end=last_focus_end,
            last_water=await last("water"),
            last_break=await last("break"),
            lunch_logged_on=lunch.astimezone(zone).date() if lunch else None,
            worked_on=last_session[0].start_time.astimezone(zone).date() if last_session else None,
            due_tasks=await self._due_tasks(user, now or self._clock.now()),
            one_offs=tuple(schedule.one_offs) if schedule else (),
        )

    async def _due_tasks(self, user: User, now: datetime) -> tuple[DueTask, ...]:
        """Open tasks still ahead of their due time, soonest first: one range read on the due index."""
        if not setting(user, "due", "on"):
            return ()
        conditions = [("completed", "=", False), ("due_at", ">", to_iso(now))]
        tasks = await self._repos.tasks.find(user.id, conditions, "due_at", False, DUE_TASKS_READ)
        return tuple(
            DueTask(task.id, task.due_at, task.updated_at or task.created_at)
            for task in tasks
            if task.due_at is not None
        )

    async def add_one_off(
        self, user_id: str, text: str, at: datetime, task_id: str | None = None, *, again: bool = False
    ) -> OneOff:
        """Keep a one-off reminder for ``at``; the schedule wakes by then. ``again``: a nudge's
        Snooze, kept once however often it is pressed."""

        async def attempt() -> OneOff:
            now = self._clock.now()
            try:
                schedule = await self._schedules.get(user_id, ReminderSchedule.id)
            except NotFound:
                schedule = ReminderSchedule(user_id, at)
                added = one_offs.add(schedule, text, at, now, task_id)
                await self._schedules.add(schedule)
                return added
            waiting = one_offs.waiting_again(schedule, text, task_id, at) if again else None
            if waiting is not None:
                return waiting
            added = one_offs.add(schedule, text, at, now, task_id)
            await self._schedules.save(schedule)
            return added

        return await retry_stale(attempt)

    async def pending_one_offs(self, user_id: str) -> list[OneOff]:
        try:
            return list((await self._schedules.get(user_id, ReminderSchedule.id)).one_offs)
        except NotFound:
            return []

    async def cancel_one_off(self, user_id: str, number: int) -> OneOff:
        async def attempt() -> OneOff:
            try:
                schedule = await self._schedules.get(user_id, ReminderSchedule.id)
            except NotFound:
                schedule = ReminderSchedule(user_id, self._clock.now())
            cancelled = one_offs.cancel(schedule, number)
            await self._schedules.save(schedule)
            return cancelled

        return await retry_stale(attempt)
