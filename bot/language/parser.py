"""The command language: words in, a Command out.

One parser for every way in: Teams, Slack, the console and voice transcripts. It is
forgiving: case, punctuation, synonyms, a leading @mention, and for typos it
suggests the command the user probably meant instead of guessing.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from rapidfuzz import fuzz, process

from domain.errors import ValidationError

# Longer messages are refused unread: no command is that long, and the cap bounds the
# CPU any one message can cost (every input is capped before it is parsed).
TEXT_MAX = 2_000

# Phrases that start a command, with the command they mean. Longer phrases win, so
# "delete my data" is not "delete" and "focus stop" is not "focus".
PHRASES: dict[str, str] = {
    "help": "help",
    "?": "help",
    "commands": "help",
    "what can you do": "help",
    "add": "add",
    "task add": "add",
    "add task": "add",
    "add a task": "add",
    "new task": "add",
    "todo": "add",
    "to do": "add",
    "create task": "add",
    "remember to": "add",
    "tasks": "tasks",
    "task list": "tasks",
    "list": "tasks",
    "my tasks": "tasks",
    "list tasks": "tasks",
    "show tasks": "tasks",
    "show my tasks": "tasks",
    "todos": "tasks",
    "what are my tasks": "tasks",
    "done": "done",
    "task done": "done",
    "mark done": "done",
    "complete": "done",
    "completed": "done",
    "finish": "done",
    "finished": "done",
    "i finished": "done",
    "check off": "done",
    "edit": "edit",
    "rename": "edit",
    "due": "due",
    "reschedule": "due",
    "move": "due",
    "delete": "delete",
    "remove": "delete",
    "del": "delete",
    "delete task": "delete",
    "undo": "undo",
    "start": "start",
    "clock in": "start",
    "start work": "start",
    "start working": "start",
    "start session": "start",
    "check in": "start",
    "stop": "stop",
    "clock out": "stop",
    "stop work": "stop",
    "stop working": "stop",
    "end session": "stop",
    "end work": "stop",
    "check out": "stop",
    # The end of a working day, not a task: "done" alone would complete whichever task matched.
    "done for the day": "stop",
    "done for today": "stop",
    "i'm done for the day": "stop",
    "im done for the day": "stop",
    "i'm done for today": "stop",
    "finished for the day": "stop",
    "finished for today": "stop",
    "i'm finished for the day": "stop",
    "that's it for today": "stop",
    "calling it a day": "stop",
    "call it a day": "stop",
    "signing off": "stop",
    "logging off": "stop",
    "status": "status",
    "where am i": "status",
    "focus": "focus",
    "pomodoro": "focus",
    "start focus": "focus",
    "start focusing": "focus",
    "focus stop": "focus_stop",
    "stop focus": "focus_stop",
    "end focus": "focus_stop",
    "focus done": "focus_stop",
    "focus end": "focus_stop",
    "stop focusing": "focus_stop",
    "focus cancel": "focus_cancel",
    "cancel focus": "focus_cancel",
    "abort focus": "focus_cancel",
    "interrupted": "interrupted",
    "interruption": "interrupted",
    "i was interrupted": "interrupted",
    "water": "water",
    "drink": "water",
    "drank": "water",
    "i drank": "water",
    "i had": "water",
    "log water": "water",
    "hydrate": "water",
    "break": "break",
    "take a break": "break",
    "took a break": "break",
    "i took a break": "break",
    "lunch": "lunch",
    "had lunch": "lunch",
    "i had lunch": "lunch",
    "ate lunch": "lunch",
    "stats": "stats",
    "statistics": "stats",
    "summary": "stats",
    "progress": "stats",
    "report": "stats",
    "pet": "pet",
    "my pet": "pet",
    "avanochi": "pet",
    "achievements": "achievements",
    "badges": "achievements",
    "insights": "insights",
    "burnout": "insights",
    "timezone": "timezone",
    "time zone": "timezone",
    "tz": "timezone",
    "hours": "hours",
    "working hours": "hours",
    "work hours": "hours",
    "quiet": "quiet",
    "quiet hours": "quiet",
    "days": "days",
    "work days": "days",
    "working days": "days",
    "workdays": "days",
    "remind": "remind",
    "reminders": "reminders",
    "snooze": "snooze",
    "pause": "pause",
    "settings": "settings",
    "preferences": "settings",
    "token": "token",
    "api token": "token",
    "my token": "token",
    "revoke token": "token_revoke",
    "revoke my token": "token_revoke",
    "revoke api token": "token_revoke",
    "export my data": "export",
    "export timesheet": "timesheet",
    "export": "export",
    "download my data": "export",
    "delete my data": "delete_data",
    "erase my data": "delete_data",
    "forget me": "delete_data",
    "yes": "yes",
    "y": "yes",
    "yep": "yes",
    "sure": "yes",
    "confirm": "yes",
    "ok": "yes",
    "no": "no",
    "n": "no",
    "nope": "no",
    "cancel": "no",
    "never mind": "no",
    "hi": "hello",
    "hello": "hello",
    "hey": "hello",
}
# "i had" is water only when water follows ("i had a glass of water"); "i had lunch" is longer.
SUGGESTABLE = sorted({phrase for phrase in PHRASES if len(phrase) > 2 and " " not in phrase})

ANSWER_TAILS = ("", "please", "thanks", "thank you", "do it", "go ahead")

LEADING_COLON = re.compile(r"^\s*([^\W\d_]+)(?::|,|\.{2,}|…)(?=\s)")
MENTION = re.compile(r"^\s*(?:<@[^>]+>|@\S+)\s*")
# Stripped with str.rstrip once whitespace is single spaces: a regex anchored at the end
# ("[\s.!?,;:]+$") is retried from every start in a long run of spaces, which is quadratic.
TRAILING_PUNCTUATION = " .!?,;:"


@dataclass(frozen=True)
class Command:
    name: str
    args: str = ""  # the rest of the words, original case kept


@dataclass(frozen=True)
class NotUnderstood:
    text: str
    suggestion: str | None = None  # the command the user probably meant


@dataclass(frozen=True)
class TooLong(NotUnderstood):
    """Text over TEXT_MAX characters, not read at all (``text`` stays empty)."""

    length: int = 0


class MessageTooLong(ValidationError):
    def __init__(self, length: int) -> None:
        super().__init__(
            f"That message is too long for me ({length:,} characters). "
            f"Please keep commands under {TEXT_MAX:,} characters."
        )
        self.length = length


def refuse_long(text: str) -> None:
    """Raise MessageTooLong for text over the cap, before anything reads it."""
    if len(text) > TEXT_MAX:
        raise MessageTooLong(len(text))


def normalize(text: str) -> str:
    text = MENTION.sub("", text or "")
    text = text.replace("\u2019", "'").replace("\u00a0", " ")
    text = LEADING_COLON.sub(r"\1 ", text)  # "Done: call the bank", "done, the report"
    return " ".join(text.split()).rstrip(TRAILING_PUNCTUATION)


def parse(text: str) -> Command | NotUnderstood:
    if len(text or "") > TEXT_MAX:
        return TooLong("", length=len(text))
    cleaned = normalize(text)
    if not cleaned:
        return Command("help")
    if cleaned == "?":
        return Command("help")
    lowered = cleaned.lower()
    for phrase in sorted(PHRASES, key=len, reverse=True):
        if lowered == phrase or lowered.startswith((phrase + " ", phrase + ", ")):
            name = PHRASES[phrase]
            args = cleaned[len(phrase) :].lstrip(",").strip()
            if phrase == "i had" and "water" not in args.lower() and "glass" not in args.lower():
                continue
            # "ok so", "no idea": a yes or no is the whole message, or it might confirm a deletion.
            if name in ("yes", "no") and args.lower() not in ANSWER_TAILS:
                continue
            return Command(name, args)
    return NotUnderstood(cleaned, suggest(lowered))


def suggest(lowered: str) -> str | None:
    """The known command closest to the first word, when it is close enough to be a typo."""
    first = lowered.split(" ", 1)[0]
    matches = process.extract(first, SUGGESTABLE, scorer=fuzz.ratio, score_cutoff=70, limit=5)
    if not matches:
        return None
    # Among equally close words, the one sharing the longest start with what was typed is
    # the likelier ("stat" and "statz" -> "stats", not "start").
    best = max(matches, key=lambda m: (m[1], len(os.path.commonprefix([m[0], first]))))[0]
    rest = lowered[len(first) :].strip()
    return f"{best} {rest}".strip()
