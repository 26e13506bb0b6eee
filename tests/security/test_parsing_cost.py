"""No message can freeze the server: every function that reads what a user typed does
work in proportion to the text, whatever the text is.

A regex that backtracks (a "\\s+...$" over a long run of spaces, a lazy ".*?" in a repeated
group) costs the square of the length: one 40,000-character Slack message used to hold the
event loop for seconds. Each reader below gets adversarial texts of 2,000, 8,000 and 40,000
characters. Linear work grows 4x from 2,000 to 8,000 characters, quadratic work 16x; the bound
is 8x plus 5 ms of scheduling noise. Measured here (best of 3, a shared 2-core machine): every
reader takes under 1.5 ms at 2,000 characters and under 30 ms at 40,000 (the renderers are the
slowest); the quadratic readers took 5-170 ms at 2,000, 80 ms-3.3 s at 8,000 and seconds to
minutes at 40,000.
"""

from __future__ import annotations

import contextlib
import gc
import time
from collections.abc import Callable
from datetime import UTC, datetime

import pytest
from microsoft_agents.activity import Activity

from bot.adapters.slack import render as block_kit
from bot.adapters.slack.adapter import words
from bot.adapters.teams import render as adaptive_card
from bot.adapters.teams.activities import message_text, strip_leading_mentions
from bot.dialogs.focus import split_on_task
from bot.dialogs.settings import ReminderRequest, reminder_request
from bot.language.arguments import (
    looks_like_time_range,
    parse_duration,
    parse_midday_time,
    parse_minutes,
    parse_new_task,
    parse_time_range,
    parse_water_ml,
    parse_weekdays,
    parse_when,
    quoted,
    task_number,
    words_to_numbers,
)
from bot.language.moods import read_mood
from bot.language.parser import Command, TooLong, normalize, parse, suggest
from bot.messages import Reply
from bot.voice.engines import Transcript
from bot.voice.transcribe import read_transcript, typed_form
from domain.errors import DomainError, ValidationError
from domain.validation import clean_notes, clean_timezone, clean_title

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
GROWTH_MAX = 8  # 4x the text: linear work grows ~4x, quadratic ~16x
NOISE = 0.005  # seconds of scheduling noise allowed on top
AT_CAP_MAX = 0.050  # seconds for any reader at 2,000 characters (they take under 1.5 ms)
AT_40K_MAX = 0.250  # seconds at 40,000 characters (the slowest reader takes ~30 ms)


def teams_activity(text: str) -> Activity:
    return Activity.model_validate(
        {
            "type": "message",
            "text": text,
            "recipient": {"id": "28:bot"},
            "entities": [
                {"type": "mention", "text": "<at>Avanochi</at>", "mentioned": {"id": "28:bot", "name": "Avanochi"}}
            ],
        }
    )


READERS: dict[str, Callable[[str], object]] = {
    "parse": parse,
    "normalize": normalize,
    "suggest": suggest,
    "quoted": quoted,
    "words_to_numbers": words_to_numbers,
    "parse_new_task": parse_new_task,
    "parse_when": lambda text: parse_when(text, "Europe/Madrid", NOW),
    "parse_minutes": parse_minutes,
    "parse_water_ml": parse_water_ml,
    "parse_duration": parse_duration,
    "parse_time_range": parse_time_range,
    "parse_midday_time": parse_midday_time,
    "looks_like_time_range": looks_like_time_range,
    "parse_weekdays": parse_weekdays,
    "task_number": task_number,
    "split_on_task": split_on_task,
    "reminder_request": reminder_request,
    "read_mood": read_mood,
    "slack words": words,
    "teams message_text": lambda text: message_text(teams_activity(text)),
    "typed_form": typed_form,
    "read_transcript": lambda text: read_transcript(Transcript(text, 0.9, "test")),
    "clean_title": clean_title,
    "clean_notes": clean_notes,
    "clean_timezone": clean_timezone,
    "teams card": lambda text: adaptive_card.render(Reply(text, title=text)),
    "slack blocks": lambda text: block_kit.render_message(Reply(text, title=text)),
}


def adversarial(n: int) -> dict[str, str]:
    """Texts of about ``n`` characters shaped against the patterns the readers used or use."""
    return {
        "spaces": " " * n,
        "word, spaces, word": "a" + " " * (n - 2) + "x",
        "command, spaces, word": "add " + " " * (n - 5) + "x",
        "words": "a " * (n // 2),
        "tabs and newlines": "a" + "\t\n" * (n // 2) + "x",
        "unicode spaces": "a" + "\u2003" * (n - 2) + "x",
        "no-break spaces": "a" + "\u00a0" * (n - 2) + "x",
        "trailing punctuation": "a" + " ." * (n // 2) + "x",
        "hour, spaces": "9" + " " * (n - 2) + "x",
        "range, spaces": "9-9" + " " * (n - 4) + "x",
        "hour, spaces, dash, spaces": "9" + " " * (n // 2) + "-" + " " * (n // 2) + "x",
        "in, number, spaces": "in 1" + " " * (n - 5) + "x",
        "on, spaces": "25 on" + " " * (n - 6) + "\nx",
        "on per line": "on a\n" * (n // 5),
        "kind, spaces, every": "a" + " " * (n - 10) + "every",
        "kind, spaces": "water" + " " * (n - 8) + "zz",
        "due, lines": "due " * (n // 4) + "\nx",
        "by, line": "by " * (n // 3) + "\n",
        "with": "with " * (n // 5),
        "priority": " high" * (n // 5),
        "digits": "1" * n,
        "zeros": "0" * (n - 1) + "x",
        "dashes": "-" * n,
        "days": "mon-" * (n // 4),
        "spaced dashes": "a" + " -" * (n // 2),
        "to": "to " * (n // 3),
        "teams mentions": "<at>" * (n // 4),
        "closed teams mentions": "<at>x</at>" * (n // 10) + "<at",
        "teams mention, spaces": "<at>" + " " * (n - 8) + "</a",
        "slack mentions": "<@" * (n // 2),
        "angle brackets": "<" * n,
        "stars": "*a " * (n // 3),
        "letters": "a" * n,
    }


def seconds(reader: Callable[[str], object], text: str, repeat: int = 3) -> float:
    """The best of ``repeat`` runs, the garbage collector paused: noise only ever adds time.
    A refusal (a DomainError with a message for the user) is a fine answer; any other
    exception fails the test."""
    best = float("inf")
    gc.disable()
    try:
        for _ in range(repeat):
            started = time.perf_counter()
            with contextlib.suppress(DomainError):
                reader(text)
            best = min(best, time.perf_counter() - started)
    finally:
        gc.enable()
    return best


def growth(reader: Callable[[str], object], small: str, large: str, tries: int = 4) -> tuple[float, float]:
    """The best times at both lengths, measured again (up to ``tries`` rounds) while the larger
    looks too slow: a preempted run on a busy machine is noise that passes, a cost that grows
    faster than the text is slow in every round."""
    at_cap = four_times = float("inf")
    for _ in range(tries):
        at_cap = min(at_cap, seconds(reader, small))
        four_times = min(four_times, seconds(reader, large))
        if four_times < GROWTH_MAX * at_cap + NOISE:
            break
    return at_cap, four_times


@pytest.fixture(scope="module", autouse=True)
def dateparser_loaded():
    """dateparser loads its data on first use (~100 ms, once per process): not the reader's cost."""
    parse_when("tomorrow", "UTC", NOW)


@pytest.mark.parametrize("name", list(READERS))
def test_reading_a_text_costs_time_in_proportion_to_its_length(name):
    reader = READERS[name]
    small, large, huge = adversarial(2_000), adversarial(8_000), adversarial(40_000)
    for shape in small:
        at_cap, four_times = growth(reader, small[shape], large[shape])
        timings = f"{name} on {shape!r}: {at_cap * 1000:.2f} ms at 2,000 chars, {four_times * 1000:.2f} ms at 8,000"
        assert at_cap < AT_CAP_MAX, timings
        assert four_times < GROWTH_MAX * at_cap + NOISE, timings
        assert seconds(reader, huge[shape], repeat=2) < AT_40K_MAX, f"{name} on {shape!r} at 40,000 chars"


# The rewritten readers read what they read before.


def test_trailing_punctuation_and_spaces_are_dropped():
    assert normalize("  Done 2 . ! ") == "Done 2"
    assert normalize("status\u2003?\n") == "status"
    assert parse("add call mum" + " " * 1_900 + "!") == Command("add", "call mum")


def test_focus_on_a_task_is_split_from_the_minutes():
    assert split_on_task("40 on the report") == ("40 ", "the report")
    assert split_on_task("on 2") == ("", "2")
    assert split_on_task("25") == ("25", None)
    assert split_on_task("25 on") == ("25 on", None)
    assert split_on_task("Mon 25") == ("Mon 25", None)


def test_reminder_requests_are_read_word_by_word():
    assert reminder_request("water every 90m") == ReminderRequest("water", every="90m")
    assert reminder_request("Wrap Up  every 2 hours") == ReminderRequest("wrap up", every="2 hours")
    assert reminder_request("lunch OFF") == ReminderRequest("lunch", switch="off")
    assert reminder_request("break every on") == ReminderRequest("break", every="on")
    assert reminder_request("every 5") is None and reminder_request("water every") is None
    assert reminder_request("on") is None and reminder_request("water") is None


def test_time_ranges_are_recognised_as_before():
    for text in ("9-17", "9am to 5:30pm", " 09:00 – 17:30 ", "9 am until 5 pm", "22:00-07:00"):
        assert looks_like_time_range(text), text
    for text in ("9", "9 to", "nine to five", "9-17 please", "9-17:3"):
        assert not looks_like_time_range(text), text
    assert parse_time_range("9 am  to  5:30 pm") == ("09:00", "17:30")
    assert parse_weekdays("mon - wed, fri") == [0, 1, 2, 4]
    assert parse_weekdays("monday through  thursday") == [0, 1, 2, 3]


def test_leading_teams_mentions_are_dropped():
    assert strip_leading_mentions(" <at>Avanochi</at> <AT id='1'>Ada</AT> tasks") == "tasks"
    assert strip_leading_mentions("tasks <at>Ada</at>") == "tasks <at>Ada</at>"
    assert strip_leading_mentions("<at>unclosed tasks") == "<at>unclosed tasks"
    assert message_text(teams_activity("<at>Avanochi</at>  done   2")) == "done 2"


def test_numbers_that_int_refuses_are_words():
    assert task_number("#12") == 12
    assert task_number("²") is None  # a digit to str.isdigit, not to int()
    assert task_number("1" * 5_000) is None  # int() refuses numbers past 4,300 digits


def test_a_time_zone_name_too_long_for_a_file_name_is_refused_politely():
    with pytest.raises(ValidationError, match="not a time zone"):
        clean_timezone("Europe/" + "a" * 300)  # zoneinfo would raise OSError: file name too long


def test_text_over_the_cap_is_not_read():
    assert parse("help" + " " * 1_996) == Command("help")
    assert parse("help" + " " * 1_997) == TooLong("", length=2_001)


def test_a_date_phrase_over_100_characters_never_reaches_dateparser(monkeypatch):
    import bot.language.arguments as arguments

    asked: list[str] = []
    real = arguments.dateparser.parse

    def recording(phrase, **settings):
        asked.append(phrase)
        return real(phrase, **settings)

    monkeypatch.setattr(arguments.dateparser, "parse", recording)
    long_phrase = "next friday at 5pm " + "x" * 82  # 101 characters
    with pytest.raises(ValidationError, match="couldn't read .* as a date"):
        parse_when(long_phrase, "Europe/Madrid", NOW)
    assert asked == []
    assert (
        parse_when("next friday at 5pm" + " " * 500, "Europe/Madrid", NOW).isoformat() == "2026-03-06T17:00:00+01:00"
    )  # spaces don't count: the phrase is read with single spaces
    assert asked == ["next friday at 5pm"]


async def test_a_task_is_found_by_its_words_among_hundreds():
    from bot.dialogs.turn import TITLES_PER_BATCH, Turn
    from bot.messages import IncomingMessage
    from domain.clock import FakeClock
    from domain.entities import ConversationState
    from domain.errors import NotFound
    from domain.services import Services
    from persistence.repositories import Repositories
    from tests.fakes import InMemoryDocumentStore

    services = Services.build(Repositories(InMemoryDocumentStore()), FakeClock(NOW))
    user = await services.users.ensure("slack:T1:U1", "Ada")
    for number in range(2 * TITLES_PER_BATCH + 30):  # matched in batches: the best is in the third
        await services.tasks.create_task(user.id, f"Review chapter {number} of the manual")
    await services.tasks.create_task(user.id, "Call the bank about the mortgage")
    turn = Turn(IncomingMessage(user.id, "slack", "D1"), user, ConversationState(user.id), services)
    assert (await turn.find_task("call the bank")).title == "Call the bank about the mortgage"
    with pytest.raises(NotFound):
        await turn.find_task("call the bank " * 20)  # longer than any title can be
