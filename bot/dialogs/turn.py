"""One turn of a conversation: the message, who sent it, what the bot remembers, and
the few lookups every flow needs (the user's tasks by number or by words)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from bot.language.arguments import DEFAULT_LOCALE, quoted, task_number
from bot.language.matching import TaskMatch, match_task, meaningful_words
from bot.messages import IncomingMessage
from domain.entities import ConversationState, Task, User
from domain.errors import NotFound
from domain.services import Services
from domain.validation import TITLE_MAX

# Titles scored between two turns of the event loop: rapidfuzz holds the GIL, so a user with
# thousands of open tasks would otherwise stall every request for tens of milliseconds.
TITLES_PER_BATCH = 100
OPEN_LIST_LIMIT = 50  # what 'tasks' shows, so a number means the same with or without the list


@dataclass
class Turn:
    message: IncomingMessage
    user: User
    state: ConversationState
    services: Services
    erased: bool = False  # the user just deleted all their data: nothing more to save
    # What the command turned out to do when it differs from its name (a stop that was cut
    # short), so the pet's line after it does not contradict the answer.
    outcome: str | None = None

    @property
    def user_id(self) -> str:
        return self.user.id

    @property
    def now(self) -> datetime:
        return self.services.clock.now()

    @property
    def locale(self) -> str:
        """How the user writes numeric dates: what the platform says now, else what it said
        when they met, else month first."""
        return self.message.locale_hint or self.user.locale or DEFAULT_LOCALE

    def ask(self, kind: str, **details: Any) -> None:
        """Remember a question so the next message can answer it."""
        self.state.question = {"kind": kind, **details}

    def forget_question(self) -> None:
        self.state.question = None

    async def find_task(self, reference: str, *, include_done: bool = False) -> Task:
        """A task the words point to clearly: its number or its title's meaningful words. A
        guess is refused with the guess named, so nothing is changed on one."""
        match = await self.match_task(reference, include_done=include_done)
        if match.task is None:
            raise NotFound(f"I couldn't find an open task like '{quoted(reference)}'.")
        if not match.sure:
            raise NotFound(f"Did you mean *{match.task.title}*? Say it with its number from 'tasks'.")
        return match.task

    async def match_task(self, reference: str, *, include_done: bool = False) -> TaskMatch:
        """A task by its number in the last list ("2") - with no list shown yet, in the order
        'tasks' shows the open ones - or the best match for the meaningful words of its title."""
        reference = reference.strip()
        if not reference:
            raise NotFound("Which task? Give its number from 'tasks' or a few words of its title.")
        number = task_number(reference)
        tasks = self.services.tasks
        if number is not None:
            listed = self.state.last_list or [
                task.id for task in await tasks.list_tasks(self.user_id, "open", limit=OPEN_LIST_LIMIT)
            ]
            if not 1 <= number <= len(listed):
                raise NotFound(f"There is no task {number} in your list. Say 'tasks' to see it.")
            return TaskMatch(await tasks.get_task(self.user_id, listed[number - 1]), True, (reference,))
        if len(reference) > TITLE_MAX:  # words of a title are no longer than the title
            raise NotFound(f"I couldn't find an open task like '{quoted(reference)}'.")
        candidates = await tasks.list_tasks(self.user_id, "all" if include_done else "open")
        # Scored in batches with a turn of the event loop between: rapidfuzz holds the GIL.
        best: TaskMatch | None = None
        for start in range(0, len(candidates), TITLES_PER_BATCH):
            if start:
                await asyncio.sleep(0)
            match = match_task(reference, candidates[start : start + TITLES_PER_BATCH])
            if match.task is None:
                continue
            if best is None or (match.sure and not best.sure):
                best = match
            elif match.sure and best.sure:  # two clear matches in different batches: ambiguous
                best = TaskMatch(best.task, False, best.words)
        return best or TaskMatch(None, False, meaningful_words(reference))
