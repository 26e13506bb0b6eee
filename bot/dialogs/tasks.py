"""Task flows: add (once or repeating), list, done, edit, due, delete (with confirmation), undo,
stop repeating."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.dialogs.turn import OPEN_LIST_LIMIT, Turn, answering, yes_no
from bot.language.arguments import parse_new_task, quoted, read_when, task_number
from bot.language.matching import meaningful_words
from bot.language.recurrence import read_repeat
from bot.messages import Button, ListItem, Reply
from domain.entities import Task
from domain.errors import NotFound, ValidationError
from domain.recurrence import Recurrence, describe, start_series
from domain.wording import listed, plural

LIST_FILTERS = ("today", "week", "done", "all", "")


def describe_due(task: Task, timezone: str) -> str | None:
    if task.due_at is None:
        return None
    return "due " + task.due_at.astimezone(ZoneInfo(timezone)).strftime("%a %d %b %H:%M")


def describe_task(task: Task, timezone: str) -> str | None:
    """What a list shows under a task: its due date, and how it repeats."""
    said = [describe_due(task, timezone), describe(task.recurrence.rule) if task.recurrence else None]
    return " · ".join(part for part in said if part) or None


def past_due_question(what: str, due: datetime, timezone: str, question: str) -> Reply:
    """A due date already past is usually a slip ("friday" meant the next one, a wrong month):
    asked, never stored silently."""
    shown = due.astimezone(ZoneInfo(timezone)).strftime("%a %d %b %H:%M")
    return yes_no(question, f"{shown} is already past. Set it as the due date of {what} anyway?")


def left_open(remaining: int) -> str:
    """What is left after one is done: a count that reads right, and a word when nothing is."""
    return f"{plural(remaining, 'open task')} left." if remaining else "No open tasks left: well done."


def task_buttons(task: Task) -> list[Button]:
    return [Button("Done", {"command": "done", "task_id": task.id}, "primary")]


class TaskDialog:
    async def add(self, turn: Turn, args: str) -> list[Reply]:
        parsed = parse_new_task(args)
        if not parsed.title:
            turn.ask("task_title", due_text=parsed.due_text, priority=parsed.priority, repeat=parsed.repeat_text)
            return [Reply("What should the task be called?", kind="question")]
        return await self.create(turn, parsed.title, parsed.due_text, parsed.priority, parsed.repeat_text)

    async def create(
        self, turn: Turn, title: str, due_text: str | None, priority: str, repeat_text: str | None = None
    ) -> list[Reply]:
        if repeat_text:
            return await self._create_repeating(turn, title, repeat_text, priority)
        due = (
            await read_when(due_text, turn.user.timezone, turn.now, turn.user.work_end, turn.locale)
            if due_text
            else None
        )
        if due is not None and due <= turn.now:
            asked = turn.ask("confirm_past_due", title=title, due=due.isoformat(), priority=priority)
            return [past_due_question(f"*{title}*", due, turn.user.timezone, asked)]
        return await self.store_new(turn, title, due, priority)

    async def _create_repeating(self, turn: Turn, title: str, repeat_text: str, priority: str) -> list[Reply]:
        """A task that repeats: its first occurrence is due first. Words after "every" that are
        no repeat are asked about, never kept in the title unsaid ("check every file")."""
        try:
            repeat = read_repeat(repeat_text)
        except ValidationError as error:
            whole = f"{title} every {repeat_text}"
            asked = turn.ask("confirm_plain_task", title=whole, priority=priority)
            return [yes_no(asked, f"{error} Or add *{whole}* as a task that doesn't repeat?", "Add it once")]
        hour, minute = (int(part) for part in (repeat.at or turn.user.work_end).split(":"))
        recurrence, due = start_series(repeat.rule, turn.user.timezone, turn.now, time(hour, minute), str(uuid.uuid4()))
        return await self.store_new(turn, title, due, priority, recurrence)

    async def confirm_plain_task(self, turn: Turn, yes: bool) -> list[Reply]:
        """The answer to "that's no repeat: add it once?"."""
        question = turn.question or {}
        turn.forget_question()
        if not yes:
            return [Reply("OK, no task added. Say how it repeats like 'every monday' or 'every 2 weeks'.")]
        return await self.create(turn, str(question["title"]), None, str(question.get("priority", "normal")))

    async def store_new(
        self, turn: Turn, title: str, due: datetime | None, priority: str, recurrence: Recurrence | None = None
    ) -> list[Reply]:
        if recurrence is not None:
            task = await turn.services.tasks.create_task(
                turn.user_id, title, due_at=due, priority=priority, recurrence=recurrence
            )
            local = (task.due_at or turn.now).astimezone(ZoneInfo(turn.user.timezone))
            text = (
                f"Added *{task.title}*, {describe(recurrence.rule)}, next on {local:%a %d %b}"
                + (" (high priority)" if task.priority == "high" else "")
                + "."
            )
            return [Reply(text, buttons=task_buttons(task) + [Button("Undo", {"command": "undo"})], kind="task")]
        task = await turn.services.tasks.create_task(turn.user_id, title, due_at=due, priority=priority)
        detail = describe_due(task, turn.user.timezone)
        text = (
            f"Added *{task.title}*"
            + (f", {detail}" if detail else "")
            + (" (high priority)" if task.priority == "high" else "")
            + "."
        )
        return [Reply(text, buttons=task_buttons(task) + [Button("Undo", {"command": "undo"})], kind="task")]

    async def answer_title(self, turn: Turn, text: str) -> list[Reply]:
        question = turn.question or {}
        turn.forget_question()
        parsed = parse_new_task(text)
        return await self.create(
            turn,
            parsed.title or text,
            parsed.due_text or question.get("due_text"),
            parsed.priority if parsed.priority != "normal" else question.get("priority", "normal"),
            parsed.repeat_text or question.get("repeat"),
        )

    async def listing(self, turn: Turn, args: str) -> list[Reply]:
        which = args.strip().lower()
        if which not in LIST_FILTERS:
            which = ""
        tasks = turn.services.tasks
        zone = ZoneInfo(turn.user.timezone)
        if which == "done":
            found = await tasks.list_tasks(turn.user_id, "done", limit=20)
        elif which == "all":
            found = await tasks.list_tasks(turn.user_id, "all", limit=50)
        elif which in ("today", "week"):
            local = turn.now.astimezone(zone)
            end_of_today = local.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
            horizon = end_of_today + timedelta(days=6 if which == "week" else 0)
            found = await tasks.list_tasks(turn.user_id, "open", due_before=horizon)
        else:
            found = await tasks.list_tasks(turn.user_id, "open", limit=OPEN_LIST_LIMIT)
        turn.state.last_list = [task.id for task in found]
        if not found:
            empty = {
                "done": "Nothing finished yet.",
                "today": "Nothing due today.",
                "week": "Nothing due this week.",
            }.get(which, "No open tasks. Add one with 'add <title>'.")
            return [Reply(empty, kind="tasks")]
        items = [
            ListItem(
                text=f"{number}. {task.title}" + (" ❗" if task.priority == "high" else ""),
                detail=describe_task(task, turn.user.timezone),
                button=None if task.completed else Button("Done", {"command": "done", "task_id": task.id}),
                done=task.completed,
            )
            for number, task in enumerate(found, start=1)
        ]
        title = {"done": "Done", "today": "Due today", "week": "Due this week", "all": "All tasks"}.get(
            which, "Open tasks"
        )
        return [Reply("Say 'done <number>' when you finish one.", title=title, items=items, kind="tasks")]

    async def pick(
        self, turn: Turn, reference: str, command: str, rest: str = "", *, include_done: bool = False
    ) -> Task | list[Reply]:
        """The task a command acts on, or the replies that ask which one: a guess is a "Did you
        mean" question (answered by a button or a typed yes/no), no match lists the open tasks."""
        match = await turn.match_task(reference, include_done=include_done)
        if match.task is not None and match.sure:
            return match.task
        if match.tied:
            tied = [task.id for task in match.tied]
            asked = turn.ask("task_guess", command=command, task_id=tied[0], task_ids=tied, rest=rest)
            return [self._which_one(asked, match.tied)]
        if match.task is not None:
            asked = turn.ask("task_guess", command=command, task_id=match.task.id, rest=rest)
            return [yes_no(asked, f"Did you mean *{match.task.title}*?")]
        return [await self._no_such_task(turn, reference)]

    @staticmethod
    def _which_one(question_id: str, tasks: tuple[Task, ...]) -> Reply:
        """The words fit several tasks equally: "Did you mean" the first (a typed yes takes it),
        with a button for each of the others, so the one meant is a press away and none is hidden."""
        first, others = tasks[0], tasks[1:]
        fits = listed([f"*{task.title}*" for task in others], "or")
        question = yes_no(question_id, f"Did you mean *{first.title}*? Or {fits}: press its name.")
        picks = [Button(task.title, {**answering(question_id, "yes"), "task_id": task.id}) for task in others]
        return replace(question, buttons=[*question.buttons, *picks])

    async def _no_such_task(self, turn: Turn, reference: str) -> Reply:
        open_tasks = await turn.services.tasks.list_tasks(turn.user_id, "open", limit=OPEN_LIST_LIMIT)
        turn.state.last_list = [task.id for task in open_tasks]
        looked_for = " ".join(reference.split())
        if not open_tasks:
            return Reply("You have no open tasks. Add one with 'add <title>'.", kind="error")
        text = (
            f"I couldn't find a task like '{quoted(looked_for)}'. Your open tasks are below: say 'done <number>'."
            if looked_for
            else "Which task? Say 'done <number>' with a number from your open tasks below."
        )
        items = [ListItem(text=f"{number}. {task.title}") for number, task in enumerate(open_tasks, start=1)]
        return Reply(text, title="Open tasks", items=items, kind="tasks")

    async def answer_guess(self, turn: Turn, yes: bool) -> list[Reply]:
        """The answer to "Did you mean *X*?": yes runs the command on X, no changes nothing."""
        question = turn.question or {}
        task_id = str(question.get("task_id", ""))
        choices = [str(choice) for choice in question.get("task_ids", ())]
        pressed = str((turn.message.action or {}).get("task_id", ""))
        if pressed in choices:  # one of the other tasks the words fit, by its own button
            task_id = pressed
        turn.forget_question()
        if not yes:
            return [Reply("OK, I left your tasks as they are.")]
        task = await turn.services.tasks.get_task(turn.user_id, task_id)
        command, rest = str(question.get("command", "")), str(question.get("rest", ""))
        if command == "edit":
            return await self._rename(turn, task, rest)
        if command == "due":
            return await self._set_due(turn, task, rest)
        if command == "delete":
            return self._confirm_delete(turn, task)
        if command == "stop_repeating":
            return await self._stop_repeating(turn, task)
        return await self._complete(turn, task)

    async def done(self, turn: Turn, args: str, task_id: str | None = None) -> list[Reply]:
        if task_id:
            return await self._complete(turn, await turn.services.tasks.get_task(turn.user_id, task_id))
        if not meaningful_words(args) and task_number(args) is None:
            return [await self._no_such_task(turn, "")]
        task = await self.pick(turn, args, "done")
        return task if isinstance(task, list) else await self._complete(turn, task)

    async def _complete(self, turn: Turn, task: Task) -> list[Reply]:
        if task.completed:
            turn.outcome = "already_done"  # nothing changed: the pet has nothing to cheer
            return [Reply(f"*{task.title}* was already done. ✓", kind="task")]
        task = await turn.services.tasks.complete_task(turn.user_id, task.id)
        remaining = await turn.services.tasks.count_open(turn.user_id)
        return [
            Reply(
                f"Done: *{task.title}*. {await self._next_one(turn, task)}{left_open(remaining)}",
                buttons=[Button("Undo", {"command": "undo"})],
                kind="task",
            )
        ]

    @staticmethod
    async def _next_one(turn: Turn, task: Task) -> str:
        """Where a repeating task went: the date of its next occurrence."""
        if task.recurrence is None:
            return ""
        try:
            upcoming = await turn.services.tasks.get_task(turn.user_id, task.recurrence.next_id())
        except NotFound:
            return ""
        if upcoming.due_at is None:
            return ""
        return f"Next one on {upcoming.due_at.astimezone(ZoneInfo(turn.user.timezone)):%a %d %b}. "

    async def stop_repeating(self, turn: Turn, args: str) -> list[Reply]:
        if not meaningful_words(args) and task_number(args) is None:
            return [Reply("Say 'stop repeating <number>', with a number from your task list.", kind="error")]
        task = await self.pick(turn, args, "stop_repeating")
        return task if isinstance(task, list) else await self._stop_repeating(turn, task)

    async def _stop_repeating(self, turn: Turn, task: Task) -> list[Reply]:
        task = await turn.services.tasks.stop_repeating(turn.user_id, task.id)
        return [Reply(f"*{task.title}* won't repeat any more; the task itself stays.", kind="task")]

    async def edit(self, turn: Turn, args: str) -> list[Reply]:
        reference, _, title = args.strip().partition(" ")
        if not title.strip():
            return [Reply("Say 'edit <number> <new title>', e.g. 'edit 2 Call the bank'.", kind="error")]
        task = await self.pick(turn, reference, "edit", title)
        return task if isinstance(task, list) else await self._rename(turn, task, title)

    async def _rename(self, turn: Turn, task: Task, title: str) -> list[Reply]:
        task = await turn.services.tasks.edit_task(turn.user_id, task.id, title=title)
        return [Reply(f"Renamed to *{task.title}*.", buttons=[Button("Undo", {"command": "undo"})], kind="task")]

    async def due(self, turn: Turn, args: str) -> list[Reply]:
        reference, _, when = args.strip().partition(" ")
        if not when.strip():
            return [Reply("Say 'due <number> <when>', e.g. 'due 2 friday 5pm'.", kind="error")]
        task = await self.pick(turn, reference, "due", when)
        return task if isinstance(task, list) else await self._set_due(turn, task, when)

    async def _set_due(self, turn: Turn, task: Task, when: str) -> list[Reply]:
        due = (
            None
            if when.strip().lower() in ("none", "never", "clear")
            else await read_when(when, turn.user.timezone, turn.now, turn.user.work_end, turn.locale)
        )
        if due is not None and due <= turn.now:
            asked = turn.ask("confirm_past_due", task_id=task.id, due=due.isoformat())
            return [past_due_question(f"*{task.title}*", due, turn.user.timezone, asked)]
        return await self.store_due(turn, task.id, due)

    async def store_due(self, turn: Turn, task_id: str, due: datetime | None) -> list[Reply]:
        task = await turn.services.tasks.edit_task(turn.user_id, task_id, due_at=due)
        detail = describe_due(task, turn.user.timezone) or "no due date"
        return [Reply(f"*{task.title}*: {detail}.", buttons=[Button("Undo", {"command": "undo"})], kind="task")]

    async def confirm_past_due(self, turn: Turn, yes: bool) -> list[Reply]:
        """The answer to "that's already past, keep it?" for a new task or a new due date."""
        question = turn.question or {}
        turn.forget_question()
        if not yes:
            return [Reply("OK, nothing changed. Say it again with a later date, like 'tomorrow 5pm'.")]
        due = datetime.fromisoformat(str(question["due"]))
        if question.get("task_id"):
            return await self.store_due(turn, str(question["task_id"]), due)
        return await self.store_new(turn, str(question["title"]), due, str(question.get("priority", "normal")))

    async def delete(self, turn: Turn, args: str) -> list[Reply]:
        task = await self.pick(turn, args, "delete", include_done=True)
        return task if isinstance(task, list) else self._confirm_delete(turn, task)

    def _confirm_delete(self, turn: Turn, task: Task) -> list[Reply]:
        asked = turn.ask("confirm_delete_task", task_id=task.id)
        return [yes_no(asked, f"Delete *{task.title}*?", "Delete", "Keep it", style="danger")]

    async def confirm_delete(self, turn: Turn, yes: bool) -> list[Reply]:
        question = turn.question or {}
        turn.forget_question()
        if not yes:
            return [Reply("Kept it.")]
        task = await turn.services.tasks.delete_task(turn.user_id, question["task_id"])
        return [Reply(f"Deleted *{task.title}*.", buttons=[Button("Undo", {"command": "undo"})], kind="task")]

    async def undo(self, turn: Turn, args: str) -> list[Reply]:
        action, task = await turn.services.tasks.undo(turn.user_id)
        what = {
            "created": "Removed the task you added",
            "completed": "Reopened",
            "reopened": "Marked done again",
            "edited": "Restored",
            "deleted": "Restored",
        }[action]
        return [Reply(f"{what}: *{task.title}*.", kind="task")]
