"""One turn of a conversation: the message, who sent it, what the bot remembers, and
the few lookups every flow needs (the user's tasks by number or by words)."""

from __future__ import annotations

import asyncio
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from bot.language.arguments import DEFAULT_LOCALE, quoted, task_number
from bot.language.matching import TaskMatch, match_task, meaningful_words
from bot.messages import Button, IncomingMessage, Reply
from domain.entities import ConversationState, Task, User
from domain.errors import NotFound
from domain.services import Services
from domain.validation import TITLE_MAX

# Titles scored between two turns of the event loop: rapidfuzz holds the GIL, so a user with
# thousands of open tasks would otherwise stall every request for tens of milliseconds.
TITLES_PER_BATCH = 100
OPEN_LIST_LIMIT = 50  # what 'tasks' shows, so a number means the same with or without the list

# Questions that replace each other: the two onboarding questions are one conversation.
QUESTION_SLOTS = {"onboarding_timezone": "onboarding", "onboarding_hours": "onboarding"}
# A question answered by any words, not by yes or no, waits less: a day later, whatever the
# user types would be taken for the task's title.
QUESTION_LIFETIMES = {"task_title": timedelta(hours=1)}


def answering(question_id: str, word: str) -> dict[str, Any]:
    """The payload of a button that answers a question ("yes" or "no"): it names the question,
    so pressing it on an older card answers that one, or says it no longer waits."""
    return {"command": word, "question": question_id}


def yes_no(
    question_id: str,
    text: str,
    yes: str = "Yes",
    no: str = "No",
    *,
    style: str = "primary",
    kind: str = "confirm",
    private: bool = False,
) -> Reply:
    """A question with two buttons that answer it (typed yes/no answer it as well)."""
    buttons = [Button(yes, answering(question_id, "yes"), style), Button(no, answering(question_id, "no"))]
    return Reply(text, buttons=buttons, kind=kind, private=private)


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
    # The waiting question this message answers (set by the router before the answer runs).
    question: dict[str, Any] | None = None
    asked: bool = False  # this turn asked a question: one is enough

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

    def ask(self, kind: str, **details: Any) -> str:
        """Remember a question until it is answered, replaced by a newer one of its kind or
        expires; returns its id, for the buttons that answer it to carry."""
        question_id = secrets.token_hex(4)
        lifetime = QUESTION_LIFETIMES.get(kind, self.state.QUESTION_LIFETIME)
        self.state.remember(
            {
                **details,
                "id": question_id,
                "kind": kind,
                "slot": QUESTION_SLOTS.get(kind, kind),
                "expires_at": (self.now + lifetime).isoformat(),
            }
        )
        self.asked = True
        return question_id

    def waiting(self, *kinds: str) -> list[dict[str, Any]]:
        """The questions still waiting (of these kinds, if given), newest first."""
        return [q for q in reversed(self.state.waiting(self.now)) if not kinds or q.get("kind") in kinds]

    def question_with_id(self, question_id: str) -> dict[str, Any] | None:
        return next((q for q in self.waiting() if q.get("id") == question_id), None)

    def forget_question(self, question: dict[str, Any] | None = None) -> None:
        """Stop waiting for ``question``; by default the one this message answers."""
        question = question or self.question
        if question is not None:
            self.state.forget(str(question.get("id")))

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
                best = TaskMatch(best.task, False, best.words, (*(best.tied or (best.task,)), match.task))
        return best or TaskMatch(None, False, meaningful_words(reference))
