"""Scoring a recognizer: does a transcript mean the same command as what was actually said?

Command accuracy counts a clip as right when its transcript parses (``bot.language.parser``) to
the same command name and the same key arguments as the reference text: the minutes of a
focus, the millilitres of water, the task number, the words of a title (less its articles:
"call the bank" and "call a bank" are the same task to its owner). Word error rate is
reported beside it, since a right command can hide a wrong filler word and vice versa.
"""

from __future__ import annotations

import re

from bot.language.arguments import parse_minutes, parse_new_task, parse_water_ml, task_number, words_to_numbers
from bot.language.parser import Command, parse
from domain.errors import ValidationError

MINUTE_COMMANDS = {"focus", "break", "snooze"}
TASK_COMMANDS = {"done", "delete"}
ARTICLES = {"a", "an", "the"}


def command_key(text: str) -> tuple[object, ...]:
    """What a sentence asks the bot to do, with the arguments that change the outcome."""
    parsed = parse(text) if text.strip() else None
    if not isinstance(parsed, Command):
        return ("not understood",)
    name, args = parsed.name, _canonical(parsed.args)
    if name == "add":
        task = parse_new_task(args)
        return name, _title(task.title), task.due_text, task.priority
    if name in MINUTE_COMMANDS:
        target = re.search(r"\bon (?:task )?(\d+)$", args)
        return name, parse_minutes(args), target.group(1) if target else None
    if name == "water":
        try:
            return name, parse_water_ml(args)
        except ValidationError:
            return name, args
    if name in TASK_COMMANDS:
        number = task_number(args)
        return name, number if number is not None else _title(args)
    if name == "edit":
        reference, _, title = args.partition(" ")
        return name, reference, _title(title)
    return name, args


def same_command(reference: str, transcript: str) -> bool:
    return command_key(reference) == command_key(transcript)


def word_errors(reference: str, transcript: str) -> tuple[int, int]:
    """(edit distance in words, words in the reference): summed over clips they give the WER."""
    ref, hyp = reference.lower().split(), transcript.lower().split()
    row = list(range(len(hyp) + 1))
    for i, ref_word in enumerate(ref, 1):
        previous, row[0] = row[0], i
        for j, hyp_word in enumerate(hyp, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ref_word != hyp_word))
    return row[len(hyp)], len(ref)


def _title(text: str) -> str:
    return " ".join(word for word in text.split() if word not in ARTICLES)


def _canonical(args: str) -> str:
    # Spoken and typed forms of the same thing compare equal: "Forty-five." == "45".
    text = re.sub(r"[^\w\s'.]", " ", args.lower()).replace("p.m.", "pm").replace("a.m.", "am")
    return " ".join(words_to_numbers(text.rstrip(".")).split())
