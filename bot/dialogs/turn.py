"""One turn of a conversation: the message, who sent it, what the bot remembers, and
the few lookups every flow needs (the user's tasks by number or by words)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from rapidfuzz import fuzz, process

from bot.language.arguments import DEFAULT_LOCALE, quoted, task_number
from bot.messages import IncomingMessage
from domain.entities import ConversationState, Task, User
from domain.errors import NotFound
from domain.services import Services
from domain.validation import TITLE_MAX

# Titles scored between two turns of the event loop: rapidfuzz holds the GIL, so a user with
# thousands of open tasks would otherwise stall every request for tens of milliseconds.
TITLES_PER_BATCH = 100


@dataclass
class Turn:
    message: IncomingMessage
    user: User
    state: ConversationState
    services: Services
    erased: bool = False  # the user just deleted all their data: nothing more to save

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
        """A task by its number in the last list ("2"), or by words of its title."""
        reference = reference.strip()
        if not reference:
            raise NotFound("Which task? Give its number from 'tasks' or a few words of its title.")
        number = task_number(reference)
        tasks = self.services.tasks
        if number is not None:
            if not 1 <= number <= len(self.state.last_list):
                raise NotFound(f"There is no task {number} in your last list. Say 'tasks' to see it again.")
            return await tasks.get_task(self.user_id, self.state.last_list[number - 1])
        if len(reference) > TITLE_MAX:  # words of a title are no longer than the title
            raise NotFound(f"I couldn't find an open task like '{quoted(reference)}'.")
        candidates = await tasks.list_tasks(self.user_id, "all" if include_done else "open")
        best = None
        for start in range(0, len(candidates), TITLES_PER_BATCH):
            if start:
                await asyncio.sleep(0)
            batch = candidates[start : start + TITLES_PER_BATCH]
            match = process.extractOne(
                reference.lower(),
                {task.id: task.title.lower() for task in batch},
                scorer=fuzz.WRatio,
                score_cutoff=70,
            )
            if match is not None and (best is None or match[1] > best[1]):  # ties: the first, as before
                best = match
        if best is None:
            raise NotFound(f"I couldn't find an open task like '{quoted(reference)}'.")
        return next(task for task in candidates if task.id == best[2])
