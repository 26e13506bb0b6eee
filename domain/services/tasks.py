"""Tasks: create, list, complete, edit, reschedule, delete, and undo the last change.

The last change is kept in the user's conversation (see conversations.py), noted just before
the change is written: in a chat turn it then goes to the store with the conversation, which
the turn writes anyway, instead of costing a read and a write of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, TypeVar

from domain.clock import Clock, to_iso
from domain.concurrency import retry_stale
from domain.entities import Task, UndoEntry
from domain.errors import NotFound, StaleEntity, ValidationError
from domain.ports import RepositorySet
from domain.progress.rules import is_early, is_late, task_completion_counters
from domain.recurrence import Recurrence, next_occurrence, occurrence_id
from domain.rollups import TOTALS, RollupChanges, day_key
from domain.services.contributions import task_contribution
from domain.services.conversations import ConversationService
from domain.services.users import UserService
from domain.validation import clean_notes, clean_priority, clean_title
from domain.wording import listed, noun_for

STATUSES = ("open", "done", "all")
T = TypeVar("T")


class TaskService:
    def __init__(
        self,
        repos: RepositorySet,
        users: UserService,
        clock: Clock,
        conversations: ConversationService,
        touch: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self._touch = touch  # wakes the reminder schedule: a due time arms a nudge
        self._repos = repos
        self._tasks = repos.tasks
        self._users = users
        self._clock = clock
        self._conversations = conversations

    async def create_task(
        self,
        user_id: str,
        title: Any,
        notes: Any = None,
        due_at: datetime | None = None,
        priority: Any = None,
        recurrence: Recurrence | None = None,
    ) -> Task:
        """A new task; with ``recurrence``, the first occurrence of that series (``due_at`` its date)."""
        now = self._clock.now()
        task = Task(
            id=occurrence_id(recurrence.series, recurrence.number) if recurrence else str(uuid.uuid4()),
            user_id=user_id,
            title=clean_title(title),
            notes=clean_notes(notes),
            due_at=due_at,
            priority=clean_priority(priority),
            created_at=now,
            recurrence=recurrence,
        )
        day = day_key(now, await self._users.timezone(user_id))
        changes = RollupChanges().add_both(day, "tasks_total", 1).add(day, "tasks_created", 1)
        await self._noted(user_id, "created", task, lambda: self._tasks.add(task, changes))
        if due_at is not None:
            await self._due_changed(user_id)
        return task

    async def _due_changed(self, user_id: str) -> None:
        if self._touch is not None:
            await self._touch(user_id)

    async def owner_of(self, entity_id: str) -> str:
        """Whose it is, for the admin token (a cross-partition lookup)."""
        return await self._tasks.find_owner(entity_id)

    async def get_task(self, user_id: str, task_id: str) -> Task:
        return await self._tasks.get(user_id, task_id)

    async def count_open(self, user_id: str) -> int:
        """How many tasks are open, from the totals roll-up rather than a query of the tasks."""
        totals = await self._repos.rollup(user_id, TOTALS)
        return max(0, int(totals.get("tasks_total", 0) - totals.get("tasks_completed", 0)))

    async def list_tasks(
        self,
        user_id: str,
        status: str = "all",
        due_before: datetime | None = None,
        due_after: datetime | None = None,
        limit: int | None = None,
    ) -> list[Task]:
        """Open tasks by due date (undated last), done ones newest first, or all by creation."""
        if status not in STATUSES:
            raise ValidationError(f"A task status must be {listed(list(STATUSES), 'or')}.")
        conditions: list[tuple[str, str, Any]] = []
        if status != "all":
            conditions.append(("completed", "=", status == "done"))
        # Stored due dates are UTC ISO strings, so bounds must be too for the comparison to hold.
        if due_before is not None:
            conditions.append(("due_at", "<", to_iso(due_before)))
        if due_after is not None:
            conditions.append(("due_at", ">=", to_iso(due_after)))
        if status == "open":
            # Sorted here (undated last, then by priority) before the limit, so that a
            # limit keeps the tasks due soonest. Open lists are short; done ones are not.
            tasks = await self._tasks.find(user_id, conditions, "created_at")
            far = datetime.max.replace(tzinfo=UTC)
            tasks.sort(key=lambda t: (t.due_at or far, {"high": 0, "normal": 1, "low": 2}[t.priority]))
            return tasks[:limit] if limit is not None else tasks
        order, descending = ("completed_at", True) if status == "done" else ("created_at", False)
        return await self._tasks.find(user_id, conditions, order, descending, limit)

    async def first_open(self, user_id: str, count: int) -> list[Task]:
        """The first ``count`` open tasks in the order of ``tasks open`` (by due date, undated last
        by age), read as two limited queries rather than the whole open list."""
        dated = await self._tasks.find(
            user_id, [("completed", "=", False), ("due_at", "<", "9999")], "due_at", False, count
        )
        undated: list[Task] = []
        if len(dated) < count:
            conditions = [("completed", "=", False), ("due_at", "=", None)]
            undated = await self._tasks.find(user_id, conditions, "created_at", False, count - len(dated))
        return dated + undated

    async def complete_task(self, user_id: str, task_id: str, at: datetime | None = None) -> Task:
        """Idempotent: completing a done task returns it unchanged and counts nothing.
        ``at`` backdates the completion (undoing a reopen restores the original time)."""

        async def attempt() -> Task:
            task = await self._tasks.get(user_id, task_id)
            before = replace(task)
            completed_at = at or self._clock.now()
            if not task.complete(completed_at):
                return task
            timezone = await self._users.timezone(user_id)
            day = day_key(completed_at, timezone)
            changes = RollupChanges().add_both(day, "tasks_completed", 1)
            early = is_early(completed_at, timezone)
            for counter, amount in task_completion_counters(
                task.priority, early, is_late(completed_at, timezone)
            ).items():
                changes.add(day, counter, amount)  # the day only: XP and achievements read days
            # The next occurrence first: a completion retried after a crash, or raced by another
            # instance, makes the same id again, which collides instead of making a second one.
            await self._add_next_occurrence(task, completed_at, timezone)
            await self._noted(user_id, "completed", before, lambda: self._tasks.save(task, changes))
            return task

        return await retry_stale(attempt)

    async def reopen_task(self, user_id: str, task_id: str) -> Task:
        async def attempt() -> Task:
            task = await self._tasks.get(user_id, task_id)
            before = replace(task)
            if not task.reopen(self._clock.now()):
                return task
            timezone = await self._users.timezone(user_id)
            # Un-count the day it was counted on (a document missing that time: today).
            counted_at = before.completed_at or self._clock.now()
            day = day_key(counted_at, timezone)
            changes = RollupChanges().add_both(day, "tasks_completed", -1)
            early = is_early(counted_at, timezone)
            for counter, amount in task_completion_counters(
                before.priority, early, is_late(counted_at, timezone)
            ).items():
                changes.add(day, counter, -amount)
            await self._noted(user_id, "reopened", before, lambda: self._tasks.save(task, changes))
            await self._drop_untouched_next(task, timezone)
            return task

        reopened = await retry_stale(attempt)
        if reopened.due_at is not None:  # open again: its nudge is armed again
            await self._due_changed(user_id)
        return reopened

    async def stop_repeating(self, user_id: str, task_id: str) -> Task:
        """End a task's series: the task stays as it is, and completing it brings no next one."""

        async def attempt() -> Task:
            task = await self._tasks.get(user_id, task_id)
            if task.recurrence is None:
                raise ValidationError(f"*{task.title}* doesn't repeat.")
            task.recurrence, task.updated_at = None, self._clock.now()
            await self._tasks.save(task)
            return task

        return await retry_stale(attempt)

    async def _add_next_occurrence(self, task: Task, done_at: datetime, timezone: str) -> None:
        """Create the occurrence after ``task`` as a new open task, counted as any created task."""
        recurrence = task.recurrence
        if recurrence is None:
            return
        due = next_occurrence(recurrence, task.due_at, done_at)
        if due is None:
            return
        upcoming = Task(
            id=recurrence.next_id(),
            user_id=task.user_id,
            title=task.title,
            notes=task.notes,
            due_at=due,
            priority=task.priority,
            created_at=done_at,
            recurrence=recurrence.following(),
        )
        try:
            await self._tasks.add(upcoming, task_contribution(upcoming, timezone, 1))
        except StaleEntity:
            return  # made already, by a retried or concurrent completion of the same occurrence
        if self._touch is not None:
            await self._touch(task.user_id)  # its due time arms a nudge, as for any new task

    async def _drop_untouched_next(self, task: Task, timezone: str) -> None:
        """Reopening an occurrence takes back the next one its completion made, unless it was
        changed or completed since: completing again then makes it anew, never a duplicate."""
        if task.recurrence is None:
            return
        try:
            upcoming = await self._tasks.get(task.user_id, task.recurrence.next_id())
        except NotFound:
            return
        if upcoming.completed or upcoming.updated_at is not None:
            return
        try:
            await self._tasks.remove(upcoming, task_contribution(upcoming, timezone, -1))
        except (StaleEntity, NotFound):
            pass  # changed or removed meanwhile: it is no longer the untouched copy

    async def edit_task(self, user_id: str, task_id: str, **fields: Any) -> Task:
        """Change title, notes, priority and/or due_at (None clears a due date)."""
        editable = ("title", "notes", "priority", "due_at")
        unknown = set(fields) - set(editable)
        if unknown:
            raise ValidationError(
                f"A task has no {noun_for(len(unknown), 'field')} {listed(sorted(unknown))}: "
                f"it can change {listed(list(editable), 'or')}."
            )
        if not fields:
            raise ValidationError(f"Nothing to change: give a new {listed(list(editable), 'or')}.")
        cleaned: dict[str, Any] = {}
        if "title" in fields:
            cleaned["title"] = clean_title(fields["title"])
        if "notes" in fields:
            cleaned["notes"] = clean_notes(fields["notes"])
        if "priority" in fields:
            cleaned["priority"] = clean_priority(fields["priority"])
        if "due_at" in fields:
            cleaned["due_at"] = fields["due_at"]

        async def attempt() -> Task:
            task = await self._tasks.get(user_id, task_id)
            before = replace(task)
            for name, value in cleaned.items():
                setattr(task, name, value)
            task.updated_at = self._clock.now()
            await self._noted(user_id, "edited", before, lambda: self._tasks.save(task))
            return task

        edited = await retry_stale(attempt)
        if "due_at" in cleaned:
            await self._due_changed(user_id)
        return edited

    async def delete_task(self, user_id: str, task_id: str) -> Task:
        async def attempt() -> Task:
            task = await self._tasks.get(user_id, task_id)
            changes = task_contribution(task, await self._users.timezone(user_id), -1)
            await self._noted(user_id, "deleted", task, lambda: self._tasks.remove(task, changes))
            return task

        return await retry_stale(attempt)

    async def undo(self, user_id: str) -> tuple[str, Task]:
        """Reverse the last task change; returns what was undone and the task now."""
        entry = await self._conversations.last_change(user_id)
        if entry is None:
            raise NotFound("There is nothing to undo.")
        snapshot = entry.task
        if entry.action == "created":
            task = await self.delete_task(user_id, snapshot.id)
        elif entry.action == "completed":
            task = await self.reopen_task(user_id, snapshot.id)
        elif entry.action == "reopened":
            task = await self.complete_task(user_id, snapshot.id, at=snapshot.completed_at)
        elif entry.action == "edited":
            task = await self.edit_task(
                user_id,
                snapshot.id,
                title=snapshot.title,
                notes=snapshot.notes,
                priority=snapshot.priority,
                due_at=snapshot.due_at,
            )
        else:  # deleted: bring it back as it was
            task = snapshot
            changes = task_contribution(task, await self._users.timezone(user_id), 1)
            try:
                await self._tasks.add(task, changes)
            except StaleEntity:
                pass  # already restored by a concurrent undo
            if task.due_at is not None:
                await self._due_changed(user_id)
        # The undo itself is not undoable: drop the entry the reversal just noted.
        await self._conversations.note_change(user_id, None)
        return entry.action, task

    async def _noted(self, user_id: str, action: str, task: Task, write: Callable[[], Awaitable[T]]) -> T:
        """Write a change, noting first the entry that undoes it (a copy of ``task`` as it was
        before the change, or the new task); if the write fails, the entry it displaced comes back."""
        entry = UndoEntry(user_id, action, replace(task), self._clock.now())
        displaced = await self._conversations.note_change(user_id, entry)
        try:
            return await write()
        except Exception:
            await self._conversations.note_change(user_id, displaced)
            raise
