"""What people really type, read by the command parser and the task matcher: how much is
understood, how much is asked back, and how often the bot would act wrongly (never).

Each line of utterances.jsonl says what the bot should do: a command (with the task it acts
on, the title it adds or its words), "clarify" (it must ask or answer without acting) or
"not_understood" (it must not act). A line with "xfail" depends on work not done yet and says
which; it is still run, and still may never be a wrong action.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.dialogs.reminders import WHEN_WORDS
from bot.language.arguments import parse_new_task, task_number
from bot.language.matching import match_task
from bot.language.moods import read_mood
from bot.language.parser import Command, parse
from domain.entities import Task

CASES = [json.loads(line) for line in (Path(__file__).parent / "utterances.jsonl").read_text().splitlines()]
TITLES = (
    "write the quarterly report",
    "prepare the slides for monday",
    "call the bank",
    "book dentist appointment",
    "renew passport",
    "email Sarah about the budget",
)
CREATED = datetime(2026, 3, 2, 9, tzinfo=UTC)
OPEN_TASKS = [Task(f"t{n}", "corpus", title, CREATED) for n, title in enumerate(TITLES, start=1)]
# Commands that act on one task named by the words after them; edit and due take one word.
BY_REFERENCE = {"done": "all", "delete": "all", "edit": "first", "due": "first", "stop_repeating": "all"}
# Commands that change nothing: reading one by mistake is a miss, not a wrong action.
READ_ONLY = {
    *("help", "hello", "tasks", "status", "stats", "pet", "achievements", "insights", "settings", "reminders"),
    *("thanks", "how_are_you", "emoji", "glance", "agenda", "next"),  # small talk and everyday asks
}
UNDERSTOOD_FLOOR = 0.95  # measured 0.911 (319 of 350) when written, 0.955 (402 of 421) now; raise it as it grows


@dataclass(frozen=True)
class Outcome:
    kind: str  # "acted", "asked" (a question or a list, nothing changed), "not_understood"
    command: str | None = None
    detail: str | None = None  # the task acted on, the title added, or the words given


def outcome(text: str) -> Outcome:
    """What the bot does with the words, short of touching a store."""
    command = parse(text)
    if not isinstance(command, Command):
        return Outcome("asked" if command.suggestion else "not_understood")
    if command.name == "mood":
        reading = read_mood(command.args)
        if reading.value is None:
            return Outcome("asked", "mood")  # the five faces to tap: nothing is logged
        return Outcome("acted", "mood", f"{reading.value} {reading.word or ''}".strip())
    if asks_first(command):
        return Outcome("asked", command.name)
    how = BY_REFERENCE.get(command.name)
    if how is None:
        detail = parse_new_task(command.args).title if command.name == "add" else command.args.lower()
        if command.name == "add" and not detail:
            return Outcome("asked", "add")  # "What should the task be called?"
        return Outcome("acted", command.name, detail)
    reference = command.args if how == "all" else command.args.partition(" ")[0]
    number = task_number(reference) if reference else None
    if number is not None:
        if 1 <= number <= len(OPEN_TASKS):
            return Outcome("acted", command.name, OPEN_TASKS[number - 1].title)
        return Outcome("asked", command.name)  # "There is no task 9 in your list"
    match = match_task(reference, OPEN_TASKS)
    if match.task is not None and match.sure:
        return Outcome("acted", command.name, match.task.title)
    return Outcome("asked", command.name)  # "Did you mean ...?" or the open tasks listed


def asks_first(command: Command) -> bool:
    """A reminder with no time to read, or a cancel with no number: the bot asks, sets nothing."""
    if command.name == "remind_me":
        return not WHEN_WORDS & set(command.args.lower().split())
    return command.name == "cancel_reminder" and task_number(command.args) is None


def judge(case: dict) -> str:
    """'understood', 'clarified', 'not_understood', 'missed' or 'wrong' (a wrong action)."""
    got = outcome(case["text"])
    expect = case["expect"]
    if expect in ("clarify", "not_understood"):
        if got.kind == "acted" and got.command not in READ_ONLY:
            return "wrong"
        return {"asked": "clarified", "not_understood": "not_understood"}.get(got.kind, "missed")
    if got.kind == "asked":
        return "clarified"
    if got.kind == "not_understood":
        return "not_understood"
    wanted = case.get("task") or case.get("title") or case.get("args")
    if got.command == expect and (wanted is None or (got.detail or "").lower() == wanted.lower()):
        return "understood"
    return "missed" if got.command in READ_ONLY else "wrong"


def test_the_corpus_is_understood_and_never_acted_on_wrongly(capsys: pytest.CaptureFixture[str]) -> None:
    verdicts = [(case, judge(case)) for case in CASES]
    counts = Counter(verdict for _, verdict in verdicts)
    total = len(CASES)
    expected_to_act = [verdict for case, verdict in verdicts if case["expect"] not in ("clarify", "not_understood")]
    should_not_act = [verdict for case, verdict in verdicts if case["expect"] in ("clarify", "not_understood")]
    understood = counts["understood"] / len(expected_to_act)
    waiting = sum(1 for case, verdict in verdicts if verdict == "wrong" and "xfail" in case)
    with capsys.disabled():
        print(
            f"\ncorpus: {total} utterances; of {len(expected_to_act)} commands: {understood:.0%} understood, "
            f"{expected_to_act.count('clarified') / len(expected_to_act):.0%} clarified, "
            f"{expected_to_act.count('not_understood') / len(expected_to_act):.0%} not understood; "
            f"of {len(should_not_act)} that must not act: "
            f"{should_not_act.count('clarified') / len(should_not_act):.0%} clarified, "
            f"{should_not_act.count('not_understood') / len(should_not_act):.0%} not understood; "
            f"wrong actions: {counts['wrong'] - waiting} (+{waiting} in lines waiting on other work)"
        )
        for case, verdict in verdicts:
            if (
                verdict not in ("understood", "clarified")
                and "xfail" not in case
                and case["expect"]
                not in (
                    "clarify",
                    "not_understood",
                )
            ):
                print(f"  {verdict}: {case['text']!r} (expected {case['expect']})")
    # Lines waiting on other work are reported, not asserted: their own tests will.
    wrong = [case["text"] for case, verdict in verdicts if verdict == "wrong" and "xfail" not in case]
    assert wrong == []
    assert understood >= UNDERSTOOD_FLOOR


def test_the_corpus_is_large_and_says_what_it_expects() -> None:
    assert len(CASES) >= 200
    assert all(case["expect"] and case["text"] is not None for case in CASES)
    assert all(case["expect"] in BY_REFERENCE or "task" not in case for case in CASES)


@pytest.mark.parametrize(
    "case",
    [case for case in CASES if "xfail" in case],
    ids=lambda case: case["text"],
)
def test_utterances_waiting_on_other_work(case: dict) -> None:
    if judge(case) == "understood":
        pytest.fail(f"now understood: remove its xfail ({case['xfail']})")
    pytest.xfail(case["xfail"])


@pytest.mark.parametrize(
    ("text", "number"), [("Done 1 👍", 1), ("done 2 🎉", 2), ("done 1 👍🏽", 1), ("done #3!", 3), ("done 2 ✔️", 2)]
)
def test_an_emoji_or_mark_after_a_task_number_still_names_that_task(text: str, number: int) -> None:
    assert outcome(text) == Outcome("acted", "done", TITLES[number - 1])


def test_words_after_a_task_number_are_not_a_number() -> None:
    assert task_number("1 report") is None and task_number("1 2") is None
