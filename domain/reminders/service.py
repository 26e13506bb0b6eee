"""Reminder bookkeeping for the other services: wake a user's schedule when what they do
changes, read what they are doing, and find the schedules that are due."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.clock import Clock, to_iso
from domain.concurrency import retry_stale
from domain.entities import ChannelAddress, User
from domain.errors import NotFound, StaleEntity
from domain.ports import Find, Repository, RepositorySet
from domain.reminders import one_offs
from domain.reminders.items import DueTask, OneOff
from domain.reminders.policy import Activity, setting
from domain.reminders.schedule import ReminderSchedule

# The open tasks due soonest that the policy looks at: enough for the next nudges to be known.
DUE_TASKS_READ = 10
HABITS_READ = ("water", "break", "lunch")  # the last log of each, in this order


@dataclass(frozen=True)
class Snapshot:
    """One user as a reminder pass sees them; no user (and no activity) when they are gone."""

    user: User | None
    addresses: list[ChannelAddress]
    activity: Activity | None


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
        """What the user is doing and did last, from the store (one query), with the tasks due
        soonest and the one-offs pending in ``schedule``."""
        now = now or self._clock.now()
        answers = await self._repos.find_together(user.id, self._activity_finds(now))
        return self._activity(user, now, schedule, answers)

    async def snapshot(
        self, user_id: str, channels: Sequence[str], now: datetime, schedule: ReminderSchedule
    ) -> Snapshot:
        """What the engine needs of one user at once: the user, their addresses on ``channels``
        and their activity, in one store query (one round trip on SQLite)."""
        return (await self.snapshots([schedule], channels, now))[0]

    async def snapshots(
        self, schedules: Sequence[ReminderSchedule], channels: Sequence[str], now: datetime
    ) -> list[Snapshot]:
        """``snapshot`` of several users (those of ``schedules``) in as few store round trips as
        the store allows: on SQLite a few statements for dozens of users."""
        repos = self._repos
        activity = self._activity_finds(now)  # the same for every user: each find names no user
        finds = [
            (
                schedule.user_id,
                [
                    Find(repos.users, (("id", "=", schedule.user_id),), limit=1),
                    *(Find(repos.channel_addresses, (("id", "=", f"address:{c}"),), limit=1) for c in channels),
                    *activity,
                ],
            )
            for schedule in schedules
        ]
        found = []
        for schedule, answers in zip(schedules, await repos.find_for_users(finds), strict=True):
            users, addresses, rest = answers[0], answers[1 : 1 + len(channels)], answers[1 + len(channels) :]
            if not users:
                found.append(Snapshot(None, [], None))
                continue
            user: User = users[0]
            reachable: list[ChannelAddress] = [address for each in addresses for address in each]
            found.append(Snapshot(user, reachable, self._activity(user, now, schedule, rest)))
        return found

    def _activity_finds(self, now: datetime) -> list[Find]:
        """The queries behind an ``Activity``, answered together; ``_activity`` reads them in
        this order. Each is the narrow indexed read it was when each was its own query."""
        repos = self._repos
        latest_log = [Find(repos.habit_logs, (("kind", "=", kind),), "at", True, 1) for kind in HABITS_READ]
        return [
            Find(repos.work_sessions, (("end_time", "=", None),), "start_time", True, 1),  # running
            Find(repos.work_sessions, (), "start_time", True, 1),  # the last one, running or not
            Find(repos.focus_sessions, (), "started_at", True, 1),
            *latest_log,
            # Open tasks still ahead of their due time, soonest first (used when due nudges are on).
            Find(
                repos.tasks, (("completed", "=", False), ("due_at", ">", to_iso(now))), "due_at", False, DUE_TASKS_READ
            ),
        ]

    @staticmethod
    def _activity(
        user: User, now: datetime, schedule: ReminderSchedule | None, answers: Sequence[list[Any]]
    ) -> Activity:
        zone = ZoneInfo(user.timezone)
        running, latest_session, focus, water, took_break, lunch_logs, tasks = answers
        last_session = running or latest_session  # the running one, else the latest
        focusing = focus[0] if focus and focus[0].ended_at is None else None
        lunch = lunch_logs[0].at if lunch_logs else None
        due_tasks = (
            tuple(
                DueTask(task.id, task.due_at, task.updated_at or task.created_at)
                for task in tasks
                if task.due_at is not None
            )
            if setting(user, "due", "on")
            else ()
        )
        return Activity(
            clocked_in_since=running[0].start_time if running else None,
            session_id=running[0].id if running else None,
            focus_started=focusing.started_at if focusing else None,
            focus_planned_end=(
                focusing.started_at + timedelta(minutes=focusing.duration_minutes) if focusing else None
            ),
            focus_id=focusing.session_id if focusing else None,
            last_focus_end=focus[0].ended_at if focus and focus[0].ended_at else None,
            last_water=water[0].at if water else None,
            last_break=took_break[0].at if took_break else None,
            lunch_logged_on=lunch.astimezone(zone).date() if lunch else None,
            worked_on=last_session[0].start_time.astimezone(zone).date() if last_session else None,
            due_tasks=due_tasks,
            one_offs=tuple(schedule.one_offs) if schedule else (),
        )

    async def save_schedules(self, schedules: Sequence[ReminderSchedule]) -> list[bool]:
        """Write back schedules loaded (or found due) earlier, in as few commits as the store
        allows; for each, whether it was written (False: another writer got there first)."""
        return await self._schedules.save_many(schedules)

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
