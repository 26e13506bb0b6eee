"""No message can freeze the server: while the longest message a channel delivers is
being handled, GET /healthz still answers within 100 ms.

The whole app runs on loopback, and the channel's message and the health probes share its one
event loop, as in production. Before the fix a 40,000-character Slack DM ("add", 39,990 spaces,
"x") held the loop for ~4 s on this machine (~9 s where it was first reported), and the same text with
" ." in place of the spaces did it through Teams. Now a message over 2,000 characters gets a
friendly "too long" reply unread, and one just under the cap is handled in a few milliseconds.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable
from typing import TypeVar

import pytest
from aiohttp import ClientSession

from tests.fake_connector import teams_world, visible_text
from tests.fake_slack import SlackHarness
from tests.integration.conftest import make_settings

T = TypeVar("T")
HEALTH_WITHIN = 0.100  # seconds: a health probe answers within this even then
PROBES_AT_LEAST = 5

# Slack delivers messages of up to 40,000 characters. Teams folds runs of whitespace into one
# space before the dialogs read a message, so there the padding is " ." (which used to make the
# trailing-punctuation pattern quadratic just the same).
MAXIMAL = {
    "spaces": "add " + " " * 39_990 + "x",
    "dotted": "add" + " ." * 19_990 + " x",
}
# Just under the 2,000-character cap, with the same padding: a command that must still work.
NEAR_CAP = "remind water every 90m" + " ." * 985 + " now"


async def while_probing_health(session: ClientSession, base: str, work: Awaitable[T]) -> tuple[T, list[float]]:
    """Run ``work`` while asking GET /healthz back to back; returns its result and each probe's
    latency. Nothing is awaited between two probes, so a stall of the loop lands inside one."""
    finished = asyncio.Event()
    latencies: list[float] = []

    async def probe() -> None:
        while not finished.is_set() or len(latencies) < PROBES_AT_LEAST:
            started = time.perf_counter()
            async with session.get(base + "/healthz") as response:
                await response.read()
                assert response.status == 200
            latencies.append(time.perf_counter() - started)

    prober = asyncio.create_task(probe())
    try:
        result = await work
    finally:
        finished.set()
        await prober
    return result, latencies


def assert_healthy(latencies: list[float]) -> None:
    slowest = max(latencies)
    assert slowest < HEALTH_WITHIN, f"/healthz took {slowest * 1000:.0f} ms ({len(latencies)} probes)"


def too_long(length: int) -> str:
    return f"That message is too long for me ({length:,} characters). Please keep commands under 2,000 characters."


@pytest.fixture
def store_kind() -> str:
    """SQLite only. The event loop is the same on either store, but on the Cosmos DB test server
    every /healthz is a round trip to a node process sharing the test machine's CPUs, which
    alone took up to 160 ms here: that would measure the emulator, not the loop."""
    return "sqlite"


# -- Slack: a DM through signed Events API requests, replies at the fake Web API ---------------


@pytest.fixture
async def chatting_slack(slack) -> SlackHarness:
    """The Slack harness after a first exchange: one-time costs (the first turn of a process
    compiles the SDKs' patterns, onboarding begins) are not what these tests measure."""
    await slack.workspace.say("hello", count=2)  # the greeting, then onboarding's first question
    return slack


@pytest.mark.parametrize("shape", list(MAXIMAL))
async def test_a_maximal_slack_message_gets_too_long_while_health_answers(chatting_slack, shape):
    slack, text = chatting_slack, MAXIMAL[shape]
    [reply], latencies = await while_probing_health(slack.workspace.session, slack.rest.base, slack.workspace.say(text))
    assert_healthy(latencies)
    assert reply.text == too_long(len(text))


async def test_a_slack_message_just_under_the_cap_is_handled_while_health_answers(chatting_slack):
    slack = chatting_slack
    assert len(NEAR_CAP) < 2_000
    [reply], latencies = await while_probing_health(
        slack.workspace.session, slack.rest.base, slack.workspace.say(NEAR_CAP)
    )
    assert_healthy(latencies)
    assert "I'll remind you about water every 90 minutes." in reply.text


async def test_dates_are_read_off_the_event_loop(chatting_slack, monkeypatch):
    # dateparser can spend milliseconds on an odd phrase (tens the first time a process meets a
    # form): it runs in a worker thread. Its module is watched, not replaced: it still reads.
    import bot.language.arguments as arguments

    readers: list[threading.Thread] = []
    read = arguments.dateparser.parse

    def watched(phrase, **options):
        readers.append(threading.current_thread())
        return read(phrase, **options)

    monkeypatch.setattr(arguments.dateparser, "parse", watched)
    # "friday 5pm" is read without dateparser now; a date with a month still goes through it.
    [reply] = await chatting_slack.workspace.say("add Pay rent due 6 march 5pm")
    assert "Added *Pay rent*, due Fri 06 Mar 17:00" in reply.text
    assert readers and threading.main_thread() not in readers


# -- Teams: activities posted to /api/messages, replies at the fake Bot Connector -------------


@pytest.fixture
async def teams(store):
    # Emulator mode (no app id) on a loopback-bound server: the harness signs nothing.
    async with teams_world(make_settings(HOST="127.0.0.1", AVANOCHI_TEAMS_EMULATOR="1"), store) as world:
        await world.chat.say("hello")  # as for Slack: one-time costs out of the measurement
        yield world


async def test_a_maximal_teams_message_gets_too_long_while_health_answers(teams):
    text = MAXIMAL["dotted"]
    replies, latencies = await while_probing_health(teams.session, teams.base, teams.chat.say(text))
    assert_healthy(latencies)
    assert [visible_text(reply) for reply in replies] == [too_long(len(text))]


async def test_a_teams_message_just_under_the_cap_is_handled_while_health_answers(teams):
    replies, latencies = await while_probing_health(teams.session, teams.base, teams.chat.say(NEAR_CAP))
    assert_healthy(latencies)
    assert "I'll remind you about water every 90 minutes." in "\n".join(map(visible_text, replies))


async def test_a_crafted_card_payload_over_the_cap_gets_too_long(teams):
    # A card press carries whatever JSON the client posts: its arguments are capped like words.
    replies = await teams.chat.press({"command": "add", "args": "x" * 2_001})
    assert [visible_text(reply) for reply in replies] == [too_long(2_001)]
