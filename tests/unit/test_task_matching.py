"""Which task a few words mean: filler never picks a task, a guess is asked, a clear match acts."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest

from bot.dialogs.router import Dialogs
from bot.language.matching import match_task, meaningful_words
from bot.messages import IncomingMessage, Reply
from domain.clock import FakeClock
from domain.entities import Task
from domain.services import Services

USER = "slack:T1:U1"
CREATED = datetime(2026, 3, 2, 9, tzinfo=UTC)
TITLES = ("write the quarterly report", "prepare the slides for monday", "call the bank")
OPEN_TASKS = [Task(f"t{n}", USER, title, CREATED) for n, title in enumerate(TITLES, start=1)]
DELIVERIES = itertools.count(1)


def title_of(match_reference: str) -> tuple[str | None, bool]:
    match = match_task(match_reference, OPEN_TASKS)
    return (match.task.title if match.task else None), match.sure


@pytest.mark.parametrize("said", ["for the day", "the thing", "it", "that one today", "the task for tomorrow"])
def test_filler_alone_points_to_no_task(said: str) -> None:
    assert meaningful_words(said) == ()
    assert title_of(said) == (None, False)


def test_a_task_that_does_not_exist_matches_nothing() -> None:
    assert title_of("the budget review") == (None, False)


@pytest.mark.parametrize(
    ("said", "title"),
    [
        ("the slides", "prepare the slides for monday"),
        ("quarterly report", "write the quarterly report"),
        ("the quartely report", "write the quarterly report"),  # a typo still counts
        ("Call The BANK", "call the bank"),
    ],
)
def test_a_clear_unique_match_is_sure(said: str, title: str) -> None:
    assert title_of(said) == (title, True)


def test_a_partial_match_is_only_a_guess() -> None:
    assert title_of("bank statement") == ("call the bank", False)


def test_words_shared_by_two_titles_are_a_guess_not_a_choice() -> None:
    tasks = OPEN_TASKS + [Task("t4", USER, "write the annual report", CREATED)]
    match = match_task("write report", tasks)
    assert match.task is not None and not match.sure


async def say(dialogs: Dialogs, text: str = "", action: dict | None = None) -> list[Reply]:
    number = next(DELIVERIES)
    message = IncomingMessage(USER, "slack", "D1", text=text, action=action, delivery_id=f"m{number}")
    return await dialogs.handle(message)


async def open_titles(services: Services) -> list[str]:
    return [task.title for task in await services.tasks.list_tasks(USER, "open")]


@pytest.fixture
async def dialogs(services: Services, clock: FakeClock) -> Dialogs:
    dialogs = Dialogs(services)
    await say(dialogs, "timezone UTC")
    await say(dialogs, "hours 9-17")
    for title in TITLES:
        await services.tasks.create_task(USER, title)
        clock.advance(minutes=1)  # 'tasks' lists them in this order
    return dialogs


@pytest.mark.parametrize("said", ["done for the day", "done the thing", "finish the budget review", "done it"])
async def test_reported_phrases_complete_no_task(dialogs: Dialogs, services: Services, said: str) -> None:
    replies = await say(dialogs, said)
    assert await open_titles(services) == list(TITLES)
    assert not any("Done:" in reply.text for reply in replies)


async def test_no_such_task_names_what_was_looked_for_and_lists_the_open_tasks(dialogs: Dialogs) -> None:
    [reply] = await say(dialogs, "finish the budget review")
    assert "couldn't find a task like 'the budget review'" in reply.text
    assert [item.text for item in reply.items] == [f"{n}. {title}" for n, title in enumerate(TITLES, start=1)]


async def test_done_for_the_day_clocks_out_when_a_session_runs(dialogs: Dialogs, services: Services) -> None:
    await say(dialogs, "start")
    [reply, *_] = await say(dialogs, "done for the day")
    assert reply.text.startswith("Clocked out")
    assert await open_titles(services) == list(TITLES)


async def test_finished_the_slides_completes_the_slides(dialogs: Dialogs, services: Services) -> None:
    [reply] = await say(dialogs, "finished the slides")
    assert reply.text.startswith("Done: *prepare the slides for monday*")
    assert await open_titles(services) == ["write the quarterly report", "call the bank"]


async def test_a_guess_is_asked_and_a_typed_yes_completes_it(dialogs: Dialogs, services: Services) -> None:
    [question] = await say(dialogs, "done bank statement")
    assert question.text == "Did you mean *call the bank*?"
    asked = question.buttons[0].payload["question"]
    assert [button.payload for button in question.buttons] == [
        {"command": "yes", "question": asked},
        {"command": "no", "question": asked},
    ]
    assert await open_titles(services) == list(TITLES)
    [reply] = await say(dialogs, "yes")
    assert reply.text.startswith("Done: *call the bank*")
    assert await open_titles(services) == ["write the quarterly report", "prepare the slides for monday"]


async def test_a_guess_answered_no_changes_nothing(dialogs: Dialogs, services: Services) -> None:
    await say(dialogs, "done bank statement")
    [reply] = await say(dialogs, "no")
    assert reply.text == "OK, I left your tasks as they are."
    assert await open_titles(services) == list(TITLES)


async def test_a_guess_answered_by_the_yes_button_completes_it(dialogs: Dialogs, services: Services) -> None:
    [question] = await say(dialogs, "done bank statement")
    await say(dialogs, action=question.buttons[0].payload)
    assert "call the bank" not in await open_titles(services)


async def test_a_number_with_no_list_shown_means_the_open_tasks_in_list_order(
    dialogs: Dialogs, services: Services
) -> None:
    [reply] = await say(dialogs, "done 2")
    assert reply.text.startswith("Done: *prepare the slides for monday*")
    listed = [r for r in await say(dialogs, "tasks") if r.kind == "tasks"][0]
    assert [item.text for item in listed.items] == ["1. write the quarterly report", "2. call the bank"]


async def test_a_sentence_that_starts_with_ok_does_not_confirm_a_deletion(dialogs: Dialogs, services: Services) -> None:
    [question] = await say(dialogs, "delete the bank")
    assert question.text == "Delete *call the bank*?"
    await say(dialogs, "ok so what now")
    assert "call the bank" in await open_titles(services)


async def test_a_command_written_with_a_colon_is_read(dialogs: Dialogs, services: Services) -> None:
    [reply] = await say(dialogs, "Done: call the bank")
    assert reply.text.startswith("Done: *call the bank*")


async def test_done_for_the_day_with_no_session_says_so_and_changes_nothing(
    dialogs: Dialogs, services: Services
) -> None:
    replies = await say(dialogs, "done for the day")
    assert replies[0].text == "You are not clocked in."
    assert await open_titles(services) == list(TITLES)


def test_words_that_fit_two_titles_equally_name_both() -> None:
    tasks = OPEN_TASKS + [Task("t4", USER, "write the annual report", CREATED)]
    match = match_task("report", tasks)
    assert not match.sure
    assert {task.title for task in match.tied} == {"write the quarterly report", "write the annual report"}


def test_a_guess_with_one_likely_task_names_only_it() -> None:
    assert match_task("bank statement", OPEN_TASKS).tied == ()


async def two_reports(dialogs: Dialogs, services: Services) -> Reply:
    await services.tasks.create_task(USER, "write the annual report")
    [question] = await say(dialogs, "done report")
    return question


async def test_done_with_words_fitting_two_tasks_names_both(dialogs: Dialogs, services: Services) -> None:
    question = await two_reports(dialogs, services)
    assert question.text == ("Did you mean *write the quarterly report*? Or *write the annual report*: press its name.")
    assert [button.label for button in question.buttons] == ["Yes", "No", "write the annual report"]
    assert len(await open_titles(services)) == 4


async def test_pressing_the_other_task_completes_that_task_once(dialogs: Dialogs, services: Services) -> None:
    question = await two_reports(dialogs, services)
    [reply] = await say(dialogs, action=question.buttons[2].payload)
    assert reply.text.startswith("Done: *write the annual report*")
    assert "write the quarterly report" in await open_titles(services)
    [again] = await say(dialogs, action=question.buttons[0].payload)  # the same card, pressed again
    assert "expired or was already answered" in again.text
    assert "write the quarterly report" in await open_titles(services)


async def test_a_typed_yes_takes_the_task_named_first(dialogs: Dialogs, services: Services) -> None:
    await two_reports(dialogs, services)
    [reply] = await say(dialogs, "yes")
    assert reply.text.startswith("Done: *write the quarterly report*")
    assert "write the annual report" in await open_titles(services)


async def test_no_leaves_both_tasks_open(dialogs: Dialogs, services: Services) -> None:
    question = await two_reports(dialogs, services)
    [reply] = await say(dialogs, action=question.buttons[1].payload)
    assert reply.text == "OK, I left your tasks as they are."
    assert len(await open_titles(services)) == 4


async def test_a_forged_task_id_on_the_question_completes_only_the_one_named(
    dialogs: Dialogs, services: Services
) -> None:
    question = await two_reports(dialogs, services)
    bank = next(task for task in await services.tasks.list_tasks(USER, "open") if task.title == "call the bank")
    await say(dialogs, action={**question.buttons[2].payload, "task_id": bank.id})
    assert "call the bank" in await open_titles(services)
    assert "write the quarterly report" not in await open_titles(services)
