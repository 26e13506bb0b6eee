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
        ("dashboard", "dashboard", ""),
        ("voice learning off", "voice_learning", "off"),
        ("Voice learning", "voice_learning", ""),
        ("my dashboard", "dashboard", ""),
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
        "repeat_text": None,
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


@pytest.mark.parametrize(
    "said, hours",
    [
        ("9-5", ("09:00", "17:00")),
        ("9 to 6", ("09:00", "18:00")),
        ("8:30-17", ("08:30", "17:00")),
        ("9am-5:30pm", ("09:00", "17:30")),
        ("9-5:30", ("09:00", "17:30")),
        ("9am-5", ("09:00", "17:00")),
        ("22:00-06:00", ("22:00", "06:00")),  # a night shift said on a 24-hour clock
        ("10pm-6am", ("22:00", "06:00")),
    ],
)
def test_working_hours_are_read_as_people_mean_them(said, hours):
    assert parse_time_range(said, overnight=False) == hours


def test_quiet_hours_may_cross_midnight_without_saying_so():
    assert parse_time_range("18-8") == ("18:00", "08:00")
    assert parse_time_range("9pm-7") == ("21:00", "07:00")
    assert parse_time_range("22:00-07:00") == ("22:00", "07:00")


FRIDAY_10 = datetime(2026, 3, 6, 10, 0, tzinfo=UTC)
FRIDAY_18 = datetime(2026, 3, 6, 18, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    "said, now, expected",
    [
        ("friday 5pm", FRIDAY_10, datetime(2026, 3, 6, 17, 0, tzinfo=UTC)),  # today: 5pm is ahead
        ("friday 5pm", FRIDAY_18, datetime(2026, 3, 13, 17, 0, tzinfo=UTC)),  # past: next Friday
        ("friday", FRIDAY_10, datetime(2026, 3, 6, 17, 0, tzinfo=UTC)),
        ("monday 10", FRIDAY_10, datetime(2026, 3, 9, 10, 0, tzinfo=UTC)),  # not the 10th of a month
        ("on Tuesday at 9:30", FRIDAY_10, datetime(2026, 3, 10, 9, 30, tzinfo=UTC)),
        ("10", FRIDAY_10, datetime(2026, 3, 7, 10, 0, tzinfo=UTC)),  # 10:00 has gone: tomorrow
        ("10", datetime(2026, 3, 6, 8, 0, tzinfo=UTC), datetime(2026, 3, 6, 10, 0, tzinfo=UTC)),
        ("at 15", FRIDAY_10, datetime(2026, 3, 6, 15, 0, tzinfo=UTC)),
        ("tomorrow 10", FRIDAY_10, datetime(2026, 3, 7, 10, 0, tzinfo=UTC)),
    ],
)
def test_weekdays_and_bare_hours_mean_the_next_such_moment(said, now, expected):
    assert parse_when(said, "UTC", now) == expected


def test_a_weekday_said_on_that_day_is_read_in_the_users_zone():
    # 23:30 UTC on Thursday is already Friday 08:30 in Tokyo: "friday 5pm" is that same day.
    late_thursday = datetime(2026, 3, 5, 23, 30, tzinfo=UTC)
    assert parse_when("friday 5pm", "Asia/Tokyo", late_thursday).isoformat() == "2026-03-06T17:00:00+09:00"


@pytest.mark.parametrize(
    "locale, expected",
    [("en-US", (3, 12)), ("en-GB", (12, 3)), ("fr-FR", (12, 3)), ("de-DE", (12, 3))],
)
def test_numeric_dates_follow_the_users_locale(locale, expected):
    when = parse_when("3/12", "Europe/Paris", FRIDAY_10, locale=locale)
    assert (when.month, when.day) == expected


def test_numeric_dates_default_to_month_first():
    assert parse_when("3/12", "UTC", FRIDAY_10).date().isoformat() == "2026-03-12"


@pytest.mark.parametrize(
    "said, title, due",
    [
        ("call mum tomorrow", "call mum", "tomorrow"),
        ("pay rent monday 10", "pay rent", "monday 10"),
        ("meet Ana on Tuesday at 9am", "meet Ana", "Tuesday at 9am"),
        ("call the bank at 5pm", "call the bank", "at 5pm"),
        ("send invoice on 3/12", "send invoice", "3/12"),
        ("check the logs in 2 days", "check the logs", "in 2 days"),
        ("read Monday's report", "read Monday's report", None),  # part of the title
        ("watch the sun", "watch the sun", None),  # short day names only after 'due'
        ("tomorrow", "tomorrow", None),  # a title is never left empty by a date
    ],
)
def test_a_date_at_the_end_of_a_new_task_is_its_due_date(said, title, due):
    parsed = parse_new_task(said)
    assert (parsed.title, parsed.due_text) == (title, due)
