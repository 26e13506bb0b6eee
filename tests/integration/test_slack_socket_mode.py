"""Slack over Socket Mode: the app connects out to the fake Slack's websocket (no public URL),
acknowledges each envelope, answers through the same channel as over HTTP, and reconnects when
Slack says ``disconnect`` or the socket drops; a refused app token is logged once, not retried."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer
from jsonschema import Draft7Validator

from app import build_app
from domain.clock import FakeClock
from tests.fake_slack import BOT_TOKEN, NOW, OUTGOING, SIGNING_SECRET, FakeSlackApi, SlackHarness, Workspace
from tests.integration.conftest import Api, make_settings
from tests.schemas import load_schema
from tools.fakes.slack_socket import APP_TOKEN


@pytest.fixture
def store_kind() -> str:
    return "sqlite"  # the transport is under test here; the stores are tested over HTTP


ROOT = Path(__file__).resolve().parents[2]


@asynccontextmanager
async def socket_world(store, *, app_token: str = APP_TOKEN, **overrides: str) -> AsyncIterator[SlackHarness]:
    fake = FakeSlackApi()
    await fake.start()
    fake.add_user("U1", "Ada Lovelace", "Europe/Madrid")
    settings = make_settings(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_APP_TOKEN=app_token,
        SLACK_API_URL=fake.base_url,
        **overrides,
    )
    # A short ping: a socket cut without a close frame is noticed within a second, not ten.
    settings = dataclasses.replace(settings, slack_socket_ping=0.2)
    app = build_app(settings, store=store, clock=FakeClock(NOW))
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    try:
        async with ClientSession() as session:
            yield SlackHarness(Workspace(session, base + "/slack/events", fake), fake, Api(session, base), app)
    finally:
        await server.close()
        await fake.close()


async def say_over_socket(slack: SlackHarness, text: str, *, count: int = 1):
    """A DM as an events_api envelope; the envelope's ack, and the replies it causes."""
    since = len(slack.api.calls)
    envelope = await slack.api.socket.send("events_api", slack.workspace.event_body(slack.workspace.dm_event(text)))
    await envelope_acked(envelope)
    return (await slack.api.wait_for(*OUTGOING, count=count, since=since))[:count]


async def envelope_acked(envelope) -> None:
    await asyncio.wait_for(envelope.acked.wait(), 10)
    assert envelope.ack["envelope_id"] == envelope.envelope_id


async def test_a_dm_over_socket_mode_is_acknowledged_and_answered_through_the_web_api(store):
    async with socket_world(store) as slack:
        await slack.api.socket.wait_connected()
        opened = slack.api.calls_to("apps.connections.open")
        assert len(opened) == 1

        reply, onboarding = await say_over_socket(slack, "add Write the report", count=2)

        assert "time zone" in onboarding.text or "Europe/Madrid" in onboarding.text
        assert reply.method == "chat.postMessage"
        assert reply.body["channel"] == "D1"
        assert "Write the report" in reply.text
        tasks = await slack.rest.json("GET", "/api/tasks?user_id=slack:T0TEAM:U1", 200)
        assert [task["title"] for task in tasks] == ["Write the report"]


async def test_a_slash_command_over_socket_mode_answers_through_its_response_url(store):
    async with socket_world(store) as slack:
        await slack.api.socket.wait_connected()
        since = len(slack.api.calls)
        envelope = await slack.api.socket.send(
            "slash_commands", slack.workspace.command_form("add Water the plants"), accepts_response_payload=True
        )
        await envelope_acked(envelope)
        reply = (await slack.api.wait_for(*OUTGOING, since=since, count=2))[0]  # then the onboarding
        assert reply.method == "response_url"
        assert "Water the plants" in reply.text


async def test_a_button_pressed_over_socket_mode_does_what_it_says(store):
    async with socket_world(store) as slack:
        await slack.api.socket.wait_connected()
        await say_over_socket(slack, "add Write the report", count=2)
        await say_over_socket(slack, "tasks")
        [question] = await say_over_socket(slack, "delete 1")
        since = len(slack.api.calls)

        envelope = await slack.api.socket.send("interactive", slack.workspace.action_payload(question, "Delete"))
        await envelope_acked(envelope)

        [answer] = await slack.api.wait_for(*OUTGOING, since=since)
        assert answer.method == "chat.update"  # the answer replaces the question
        assert await slack.rest.json("GET", "/api/tasks?user_id=slack:T0TEAM:U1", 200) == []


async def test_the_app_home_is_published_when_opened_over_socket_mode(store):
    async with socket_world(store) as slack:
        await slack.api.socket.wait_connected()
        since = len(slack.api.calls)
        event = {"type": "app_home_opened", "user": "U1", "channel": "D1", "tab": "home", "event_ts": "1.000100"}
        await envelope_acked(await slack.api.socket.send("events_api", slack.workspace.event_body(event)))
        [view] = await slack.api.wait_for("views.publish", since=since)
        assert view.body["user_id"] == "U1"


@pytest.mark.parametrize("reason", ["refresh_requested", "warning"])
async def test_after_slack_says_disconnect_the_app_reconnects_and_answers_the_next_message(store, reason):
    async with socket_world(store) as slack:
        await slack.api.socket.wait_connected()

        await slack.api.socket.disconnect(reason)

        await slack.api.socket.wait_connected(2)
        assert len(slack.api.calls_to("apps.connections.open")) == 2  # a fresh URL, as Slack requires
        reply, _ = await say_over_socket(slack, "add Call the bank", count=2)
        assert "Call the bank" in reply.text


async def test_after_the_socket_drops_the_app_reconnects_and_answers_the_next_message(store):
    async with socket_world(store) as slack:
        await slack.api.socket.wait_connected()

        slack.api.socket.drop()

        await slack.api.socket.wait_connected(2)
        reply, _ = await say_over_socket(slack, "add Call the bank", count=2)
        assert "Call the bank" in reply.text


async def test_a_refused_app_token_is_logged_once_and_not_retried(store, caplog):
    from bot.adapters.slack.adapter import SLACK_SOCKET_MODE

    caplog.set_level(logging.ERROR, logger="avanochi.slack")
    async with socket_world(store, app_token="xapp-1-A0APP-9999-wrong") as slack:
        socket = slack.app[SLACK_SOCKET_MODE]
        await slack.api.wait_for("apps.connections.open")
        assert socket._connecting is not None
        await socket._connecting  # the connect attempt ends instead of retrying for ever

        assert socket.refused is not None and socket.refused.code == "invalid_auth"
        assert len(slack.api.calls_to("apps.connections.open")) == 1
        [record] = [r for r in caplog.records if "SLACK_APP_TOKEN" in r.getMessage()]
        assert "xapp-" in record.getMessage() and "connections:write" in record.getMessage()
        # The rest of the app still serves.
        assert (await slack.rest.call("GET", "/healthz")).status == 200


def test_a_bot_token_given_as_the_app_token_stops_the_start_with_what_to_set():
    with pytest.raises(SystemExit, match="SLACK_APP_TOKEN must be the app-level token"):
        make_settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=BOT_TOKEN)


def test_socket_mode_needs_no_signing_secret_and_serves_no_http_endpoint_without_one():
    settings = make_settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_APP_TOKEN=APP_TOKEN)
    assert settings.slack_enabled and settings.slack_socket_mode
    app = build_app(settings, store=None)
    assert not [r for r in app.router.routes() if r.resource and r.resource.canonical == "/slack/events"]


def test_the_socket_mode_manifest_validates_and_needs_no_public_url():
    manifest = json.loads((ROOT / "bot/adapters/slack/manifest.socket-mode.json").read_text(encoding="utf-8"))
    schema = load_schema("slack-app-manifest.schema.json")
    assert [error.message for error in Draft7Validator(schema).iter_errors(manifest)] == []
    assert manifest["settings"]["socket_mode_enabled"] is True
    assert "YOUR-HOST" not in json.dumps(manifest)
    # The same app either way: what Socket Mode changes is how events arrive, not what is asked for.
    over_http = json.loads((ROOT / "bot/adapters/slack/manifest.json").read_text(encoding="utf-8"))
    assert sorted(manifest["oauth_config"]["scopes"]["bot"]) == sorted(over_http["oauth_config"]["scopes"]["bot"])
    events = manifest["settings"]["event_subscriptions"]["bot_events"]
    assert sorted(events) == sorted(over_http["settings"]["event_subscriptions"]["bot_events"])


async def test_a_draining_instance_closes_its_socket_so_slack_sends_new_work_elsewhere(store):
    from api.shutdown import SHUTDOWN_KEY

    async with socket_world(store) as slack:
        await slack.api.socket.wait_connected()
        await say_over_socket(slack, "tasks", count=1)
        await slack.app[SHUTDOWN_KEY].drain()  # what SIGTERM starts

        # The socket is closed and not opened again: nothing new can arrive on this instance.
        for _ in range(50):
            if not slack.api.socket._sockets:
                break
            await asyncio.sleep(0.05)
        assert slack.api.socket._sockets == []
        await asyncio.sleep(0.5)
        assert slack.api.socket._sockets == [] and len(slack.api.calls_to("apps.connections.open")) == 1
