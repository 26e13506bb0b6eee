"""The command language: words in, commands and arguments out."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.language.arguments import (
    parse_minutes,
    parse_new_task,
    parse_time_range,
    parse_water_ml,
    parse_weekdays,
    parse_when,
    task_number,
    words_to_numbers,
)
from bot.language.parser import Command, NotUnderstood, parse
from domain.errors import ValidationError

NOW = datetime(2026, 11, 22, 9, 0, tzinfo=UTC)  # Sunday 10:00 in Madrid


@pytest.mark.parametrize(
    "text, name, args",
    [
        ("help", "help", ""),
        ("?", "help", ""),
        ("", "help", ""),
        ("add Write the report due friday 5pm !high", "add", "Write the report due friday 5pm !high"),
        ("task add Call mum", "add", "Call mum"),
        ("todo Buy milk", "add", "Buy milk"),
        ("ADD task call the bank", "add", "call the bank"),
        ("<@U0BOT> tasks today", "tasks", "today"),
        ("@Avanochi my tasks", "tasks", ""),
        ("list", "tasks", ""),
        ("done 2", "done", "2"),
        ("complete the report", "done", "the report"),
        ("task done 1", "done", "1"),
        ("edit 2 New title", "edit", "2 New title"),
        ("due 1 tomorrow", "due", "1 tomorrow"),
        ("delete 3", "delete", "3"),
        ("undo", "undo", ""),
        ("start", "start", ""),
        ("clock in", "start", ""),
        ("stop", "stop", ""),
        ("clock out", "stop", ""),
        ("status", "status", ""),
        ("focus 40 on 2", "focus", "40 on 2"),
        ("focus stop", "focus_stop", ""),
        ("interrupted", "interrupted", ""),
        ("focus cancel", "focus_cancel", ""),
        ("start focus for forty minutes", "focus", "for forty minutes"),
        ("water 2 glasses", "water", "2 glasses"),
        ("I drank a glass of water", "water", "a glass of water"),
        ("break 15", "break", "15"),
        ("lunch", "lunch", ""),
        ("I had lunch", "lunch", ""),
        ("stats week", "stats", "week"),
        ("pet", "pet", ""),
        ("achievements", "achievements", ""),
        ("insights", "insights", ""),
        ("timezone Europe/Madrid", "timezone", "Europe/Madrid"),
        ("hours 09:00-17:30", "hours", "09:00-17:30"),
        ("quiet 18:00-08:00", "quiet", "18:00-08:00"),
        ("days mon-fri", "days", "mon-fri"),
        ("remind water every 90m", "remind", "water every 90m"),
        ("reminders off", "reminders", "off"),
        ("snooze 15m", "snooze", "15m"),
        ("pause until monday", "pause", "until monday"),
        ("token", "token", ""),
        ("export my data", "export", ""),
        ("delete my data", "delete_data", ""),
        ("Done 2.", "done", "2"),
        ("  STATUS!  ", "status", ""),
    ],
)
def test_phrases_and_synonyms(text, name, args):
    assert parse(text) == Command(name, args)


@pytest.mark.parametrize(
    "typo, suggestion",
    [
        ("taks", "tasks"),
        ("stat week", "stats week"),
        ("statz", "stats"),
        ("sttaus", "status"),
        ("lnuch", "lunch"),
        ("wtaer", "water"),
    ],
)
def test_typos_get_a_did_you_mean(typo, suggestion):
    assert parse(typo) == NotUnderstood(typo, suggestion)


def test_gibberish_gets_no_suggestion():
    assert parse("xyzzy plugh") == NotUnderstood("xyzzy plugh", None)


def test_new_task_title_due_and_priority():
    assert parse_new_task("Write the report due friday 5pm !high").__dict__ == {
        "title": "Write the report",
        "due_text": "friday 5pm",
        "priority": "high",
    }
    assert parse_new_task("call the bank by tomorrow !low").due_text == "tomorrow"
    assert parse_new_task("buy milk high priority").priority == "high"
    assert parse_new_task("plain").due_text is None


@pytest.mark.parametrize(
    "when, expected",
    [
        ("friday 5pm", "2026-11-27T17:00:00+01:00"),
        ("friday", "2026-11-27T17:30:00+01:00"),  # a day alone: the end of the working day
        ("tomorrow", "2026-11-23T17:30:00+01:00"),
        ("in 2 hours", "2026-11-22T12:00:00+01:00"),
        ("in 90 minutes", "2026-11-22T11:30:00+01:00"),
        ("in two hours", "2026-11-22T12:00:00+01:00"),
        ("march 30 9am", "2027-03-30T09:00:00+02:00"),  # after the DST change: summer offset
    ],
)
def test_due_dates_are_read_in_the_users_time_zone(when, expected):
    assert parse_when(when, "Europe/Madrid", NOW, "17:30").isoformat() == expected


def test_due_dates_in_another_zone():
    assert parse_when("tomorrow 9am", "Asia/Tokyo", NOW).isoformat() == "2026-11-23T09:00:00+09:00"


def test_an_unreadable_date_is_a_friendly_error():
    with pytest.raises(ValidationError, match="couldn't read"):
        parse_when("the twelfth of never", "UTC", NOW)


@pytest.mark.parametrize(
    "text, minutes",
    [
        ("40", 40),
        ("40m", 40),
        ("40 minutes", 40),
        ("for forty minutes", 40),
        ("1h", 60),
        ("1.5 hours", 90),
        ("forty five minutes", 45),
        ("", 25),
    ],
)
def test_minutes(text, minutes):
    assert parse_minutes(text, 25) == minutes


@pytest.mark.parametrize(
    "text, ml",
    [
        ("", 250),
        ("a glass of water", 250),
        ("2 glasses", 500),
        ("two glasses of water", 500),
        ("500 ml", 500),
        ("500ml", 500),
        ("0.5 l", 500),
        ("a bottle", 500),
        ("1 litre", 1000),
    ],
)
def test_water_amounts(text, ml):
    assert parse_water_ml(text) == ml


def test_time_ranges_and_weekdays():
    assert parse_time_range("9am to 5:30pm") == ("09:00", "17:30")
    assert parse_time_range("22:00-07:00") == ("22:00", "07:00")
    with pytest.raises(ValidationError):
        parse_time_range("25:00-26:00")
    assert parse_weekdays("mon-fri") == [0, 1, 2, 3, 4]
    assert parse_weekdays("sun-thu") == [0, 1, 2, 3, 6]
    assert parse_weekdays("Monday and Friday") == [0, 4]
    with pytest.raises(ValidationError):
        parse_weekdays("funday")


def test_numbers_spoken_or_typed():
    assert words_to_numbers("start focus for forty five minutes") == "start focus for 45 minutes"
    assert task_number("number two") == 2 and task_number("#3") == 3 and task_number("report") is None


@pytest.mark.parametrize("text", ["snooze 99999999999m", "snooze 99999999999999999999", "snooze 0"])
async def test_absurd_snoozes_are_friendly_errors(text):
    from bot.dialogs.router import Dialogs
    from bot.messages import IncomingMessage
    from domain.clock import FakeClock
    from domain.services import Services
    from persistence.repositories import Repositories
    from tests.fakes import InMemoryDocumentStore

    dialogs = Dialogs(Services.build(Repositories(InMemoryDocumentStore()), FakeClock(NOW)))
    [reply, *_] = await dialogs.handle(IncomingMessage("slack:T1:U1", "slack", "D1", text=text))
    assert reply.kind == "error" and "went wrong" not in reply.text


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("pause until yesterday", "already past"),
        ("pause until 2099-01-01", "up to a year"),
        ("due 1 9999-12-31", "couldn't read"),
        ("focus -5", "positive"),
        ("break 0", "positive"),
    ],
)
async def test_out_of_range_arguments_are_friendly_errors(text, fragment):
    from bot.dialogs.router import Dialogs
    from bot.messages import IncomingMessage
    from domain.clock import FakeClock
    from domain.services import Services
    from persistence.repositories import Repositories
    from tests.fakes import InMemoryDocumentStore

    dialogs = Dialogs(Services.build(Repositories(InMemoryDocumentStore()), FakeClock(NOW)))
    say = lambda words: dialogs.handle(IncomingMessage("slack:T1:U1", "slack", "D1", text=words))  # noqa: E731
    await say("add something")
    await say("skip")
    await say("tasks")
    [reply, *_] = await say(text)
    assert fragment in reply.text


async def test_a_command_typed_instead_of_a_title_runs_as_the_command():
    from bot.dialogs.router import Dialogs
    from bot.messages import IncomingMessage
    from domain.clock import FakeClock
    from domain.services import Services
    from persistence.repositories import Repositories
    from tests.fakes import InMemoryDocumentStore

    services = Services.build(Repositories(InMemoryDocumentStore()), FakeClock(NOW))
    dialogs = Dialogs(services)
    say = lambda words: dialogs.handle(IncomingMessage("slack:T1:U2", "slack", "D2", text=words))  # noqa: E731
    await say("add")
    await say("tasks")
    assert await services.tasks.list_tasks("slack:T1:U2") == []
    await say("add")
    await say("Call the plumber")
    assert [t.title for t in await services.tasks.list_tasks("slack:T1:U2")] == ["Call the plumber"]


def test_zero_length_ranges_and_long_quotes():
    from bot.language.arguments import quoted

    with pytest.raises(ValidationError, match="differ"):
        parse_time_range("09:00-09:00")
    assert len(quoted("x" * 20_000)) == 60
    with pytest.raises(ValidationError) as error:
        parse_when("blah " * 4000, "UTC", NOW)
    assert len(str(error.value)) < 200
