"""Bounded work for every caller, over real HTTP on loopback: the speech queue, request budgets per
user and per address, the chat pace, body limits before anything is read, and a guessable admin
token refused at start-up.

None of this depends on the store (the budgets are counted before it is touched), so the tests run
on SQLite only.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import pytest

from bot.adapters.slack.adapter import SLACK_ADAPTER
from bot.voice.engines import Transcript
from settings import CredentialManager, Settings
from tests.conftest import opened_store
from tests.fake_slack import slack_world
from tests.integration.conftest import ADMIN_TOKEN, Api, serving

VOICE = Path(__file__).resolve().parent.parent / "fixtures" / "voice"
NOTE = (VOICE / "voice-message.ogg").read_bytes()
U1, U2, U3 = "slack:T0TEAM:U1", "slack:T0TEAM:U2", "slack:T0TEAM:U3"


class HeldSpeech:
    """A slow speech engine without sleeps: every note waits in it until the test lets go (at the
    latest when its ``async with`` block ends, before the server closes)."""

    name = "held"

    def __init__(self) -> None:
        self.started = 0
        self.released = asyncio.Event()
        self._requests: list[asyncio.Task] = []

    def send(self, request) -> asyncio.Task:
        """Send a request in the background; it is awaited when the block ends."""
        task = asyncio.ensure_future(request)
        self._requests.append(task)
        return task

    async def __aenter__(self) -> HeldSpeech:
        return self

    async def __aexit__(self, *failure: object) -> None:
        self.released.set()
        await asyncio.gather(*self._requests, return_exceptions=True)

    async def transcribe(self, pcm: bytes, sample_rate: int = 16000) -> Transcript:
        self.started += 1
        await self.released.wait()
        return Transcript("add task call the bank", 0.95, self.name)

    async def warm_up(self) -> None:
        pass

    async def close(self) -> None:
        self.released.set()

    async def holding(self, count: int, timeout: float = 30.0) -> None:  # noqa: ASYNC109 (a polling deadline)
        """Return once ``count`` notes are inside the engine."""
        deadline = time.monotonic() + timeout
        while self.started < count:
            assert time.monotonic() < deadline, f"only {self.started} of {count} notes reached the engine"
            await asyncio.sleep(0.01)


@pytest.fixture
async def store(tmp_path: Path):
    async with opened_store("sqlite", tmp_path) as opened:
        yield opened


def send_note(api: Api, user_id: str, token: str | bool = True):
    return api.call(
        "POST",
        f"/api/voice?user_id={user_id}&filename=note.ogg",
        data=NOTE,
        headers={"Content-Type": "audio/ogg"},
        token=token,
    )


async def assert_too_many(response, retry_within: int) -> dict:
    body = await response.json()
    assert response.status == 429, (response.status, body)
    assert 1 <= int(response.headers["Retry-After"]) <= retry_within
    assert body["error"] and body["retry_after"] == int(response.headers["Retry-After"])
    return body


# -- the speech queue ------------------------------------------------------------------------


async def test_a_voice_note_past_a_full_speech_queue_gets_429_at_once(store):
    speech = HeldSpeech()
    async with serving(store, speech=speech, AVANOCHI_VOICE_QUEUE="2") as api, speech:
        first = speech.send(send_note(api, U1))
        second = speech.send(send_note(api, U2))
        await speech.holding(2)
        # Answered now, not after the notes ahead of it: the old queue just grew.
        third = await asyncio.wait_for(send_note(api, U3), timeout=10)
        body = await assert_too_many(third, 60)
        assert "busy with other voice notes" in body["error"]
        speech.released.set()
        assert [(await first).status, (await second).status] == [200, 200]
        assert (await send_note(api, U3)).status == 200  # room again once they are done


async def test_a_second_voice_note_of_the_same_user_waits_for_the_first_even_with_room(store):
    speech = HeldSpeech()
    async with serving(store, speech=speech) as api, speech:  # the default queue: room for 4
        token = (await api.json("POST", "/api/tokens", 201, json={"user_id": U1}))["token"]
        first = speech.send(send_note(api, U1, token))
        await speech.holding(1)
        again = await asyncio.wait_for(send_note(api, U1, token), timeout=10)
        body = await assert_too_many(again, 60)
        assert "your last voice note" in body["error"]
        other = speech.send(send_note(api, U2))  # someone else still gets in
        await speech.holding(2)
        speech.released.set()
        assert [(await first).status, (await other).status] == [200, 200]


async def test_a_chat_voice_note_past_a_full_queue_gets_a_friendly_busy_reply(store):
    speech = HeldSpeech()
    async with slack_world(store, speech=speech, AVANOCHI_VOICE_QUEUE="1") as slack, speech:
        held = speech.send(send_note(slack.rest, U2))
        await speech.holding(1)
        url = slack.api.share_file("audio_message_0001.m4a", NOTE)
        event = slack.workspace.dm_event("", subtype="file_share")
        event["files"] = [
            {
                "id": "F0VOICE",
                "name": "audio_message_0001.m4a",
                "mimetype": "audio/mp4",
                "size": len(NOTE),
                "url_private": url,
                "url_private_download": url,
            }
        ]
        since = len(slack.api.calls)
        assert (await slack.workspace.event(event)).status == 200
        [reply] = await slack.api.wait_for("chat.postMessage", since=since, timeout=10)
        assert "busy with other voice notes" in reply.text and "try again" in reply.text
        assert slack.api.calls_to("download") == []  # refused before downloading it
        speech.released.set()
        assert (await held).status == 200


# -- request budgets -------------------------------------------------------------------------


async def test_a_personal_token_past_its_budget_gets_429_with_retry_after(store):
    async with serving(store, AVANOCHI_RATE_LIMIT_USER="3/minute") as api:
        mine = (await api.json("POST", "/api/tokens", 201, json={"user_id": U1}))["token"]
        theirs = (await api.json("POST", "/api/tokens", 201, json={"user_id": U2}))["token"]
        for _ in range(3):
            await api.json("GET", "/api/tasks", 200, token=mine)
        await assert_too_many(await api.call("GET", "/api/tasks", token=mine), 60)
        await api.json("GET", "/api/tasks", 200, token=theirs)  # a budget per user
        for _ in range(5):  # the operator's token has no per-user budget
            await api.json("GET", f"/api/tasks?user_id={U1}", 200)


async def test_one_address_past_its_budget_gets_429_even_before_it_has_a_token(store):
    async with serving(store, AVANOCHI_RATE_LIMIT_IP="4/minute") as api:
        for _ in range(4):  # guessing tokens
            assert (await api.call("GET", "/api/tasks", token="guess")).status == 401
        await assert_too_many(await api.call("GET", "/api/tasks", token="guess"), 60)
        await assert_too_many(await api.call("GET", f"/api/tasks?user_id={U1}"), 60)  # admin too
        health = await api.call("GET", "/healthz", token=None)  # load balancer probes never are
        assert health.status == 200


async def test_behind_a_trusted_proxy_each_forwarded_client_has_its_own_budget(store):
    async with serving(store, AVANOCHI_RATE_LIMIT_IP="2/minute", AVANOCHI_TRUSTED_PROXIES="1") as api:

        def call(client: str):
            return api.call("GET", "/api/tasks", token="guess", headers={"X-Forwarded-For": client})

        for _ in range(2):
            assert (await call("203.0.113.7")).status == 401
        await assert_too_many(await call("203.0.113.7"), 60)
        # The proxy appends what it saw: what the client wrote before that is not believed.
        await assert_too_many(await call("198.51.100.9, 203.0.113.7"), 60)
        assert (await call("198.51.100.9")).status == 401


async def test_slack_is_not_budgeted_per_address_but_forged_requests_are(store):
    async with slack_world(store, AVANOCHI_RATE_LIMIT_IP="3/minute") as slack:
        for number in range(6):  # Slack's own traffic from one address: all taken
            assert (await slack.workspace.dm(f"tasks {number}")).status == 200
        for _ in range(3):
            assert (await slack.workspace.dm("tasks", secret="forged")).status == 401
        forged = await slack.workspace.session.post(
            slack.workspace.url, data=b"{}", headers={"Content-Type": "application/json"}
        )
        await assert_too_many(forged, 60)
        await slack.app[SLACK_ADAPTER].drain()


async def test_a_user_who_chats_too_fast_hears_it_once_and_the_rest_is_dropped(store):
    async with slack_world(store, AVANOCHI_RATE_LIMIT_CHAT="3/minute") as slack:
        since = len(slack.api.calls)
        for number in range(7):
            assert (await slack.workspace.dm(f"add task number {number}")).status == 200
        await slack.app[SLACK_ADAPTER].drain()
        replies = [call.text for call in slack.api.replies()[since:]]
        going_fast = [text for text in replies if "going fast" in text]
        assert len(going_fast) == 1 and replies[-1] == going_fast[0], replies
        titles = [task["title"] for task in await slack.rest.json("GET", f"/api/tasks?user_id={U1}", 200)]
        assert sorted(titles) == ["number 0", "number 1", "number 2"]
        other = await slack.workspace.say("tasks", user="U2")  # a pace per user
        assert "going fast" not in other[0].text


# -- body limits -----------------------------------------------------------------------------


async def chunked(size: int, piece: int = 64 * 1024):
    sent = 0
    while sent < size:
        yield b"x" * piece
        sent += piece


@pytest.mark.parametrize(("path", "size"), [("/slack/events", 2 * 1024 * 1024), ("/api/messages", 512 * 1024)])
async def test_an_oversized_unsigned_platform_post_is_refused_with_413(store, path, size):
    async with slack_world(store) as slack:
        url = slack.rest.base + path
        session = slack.workspace.session
        headers = {"Content-Type": "application/json"}
        async with session.post(url, data=b"x" * size, headers=headers) as declared:
            assert declared.status == 413 and "larger than" in (await declared.json())["error"]
        async with session.post(url, data=chunked(size), headers=headers) as streamed:
            assert streamed.request_info.headers.get("Transfer-Encoding") == "chunked"
            assert streamed.status == 413 and "larger than" in (await streamed.json())["error"]


async def test_slacks_largest_message_still_fits_the_body_limit(store):
    async with slack_world(store) as slack:
        text = "\N{GRINNING FACE}" * 40_000  # every one escaped as a surrogate pair: 12 bytes
        event = slack.workspace.dm_event(text)
        event["blocks"] = [
            {
                "type": "rich_text",
                "block_id": "b1",
                "elements": [{"type": "rich_text_section", "elements": [{"type": "text", "text": text}]}],
            }
        ]
        body = json.dumps(slack.workspace.event_body(event)).encode()
        assert len(body) > 900_000
        assert (await slack.workspace.post(body, "application/json")).status == 200
        await slack.app[SLACK_ADAPTER].drain()


async def test_a_rest_json_body_over_64_kb_is_refused_with_413(store):
    async with serving(store) as api:
        response = await api.call(
            "POST", "/api/tasks", data=chunked(1024 * 1024), headers={"Content-Type": "application/json"}
        )
        assert response.status == 413 and "error" in await response.json()


# -- settings --------------------------------------------------------------------------------


def load(**values: str) -> Settings:
    return Settings.load(CredentialManager(values, env_file=None))


def test_an_admin_token_shorter_than_32_characters_is_refused_at_start_up():
    with pytest.raises(SystemExit, match="at least 32 characters"):
        load(AVANOCHI_ADMIN_TOKEN="test-admin-token-0123456789")
    assert len(ADMIN_TOKEN) >= 32 and load(AVANOCHI_ADMIN_TOKEN=ADMIN_TOKEN).admin_token == ADMIN_TOKEN


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("AVANOCHI_RATE_LIMIT_USER", "lots"),
        ("AVANOCHI_RATE_LIMIT_IP", "0/minute"),
        ("AVANOCHI_RATE_LIMIT_CHAT", "30/minute;5/second"),
        ("AVANOCHI_VOICE_QUEUE", "0"),
        ("AVANOCHI_VOICE_QUEUE", "four"),
        ("AVANOCHI_TRUSTED_PROXIES", "one"),
    ],
)
def test_a_limit_setting_that_cannot_be_read_stops_the_start_with_its_name(name, value):
    with pytest.raises(SystemExit, match=name):
        load(**{name: value})
