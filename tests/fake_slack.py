"""A fake Slack for integration tests: the Web API on loopback, and a workspace that sends
signed requests to the app the way Slack does.

``FakeSlackApi`` plays the Web API methods the adapter uses (and response_url, and the
upload URLs of files_upload_v2), records every call, and can be told to fail or be slow.
``Workspace`` signs slash commands, Events API callbacks and button presses, and waits
for what the app sends back by polling the recorded calls.
"""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import ClientResponse, ClientSession, web
from aiohttp.test_utils import TestServer

from domain.clock import FakeClock
from tools.fakes.slack_api import (  # noqa: F401 (the names tests take from here)
    BOT_TOKEN,
    BOT_USER,
    OUTGOING,
    SIGNING_SECRET,
    TEAM,
    Call,
    FakeSlackApi,
    Fault,
    signature,
    typed,
)

NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday morning: "today" never flips mid-test


@dataclass
class Workspace:
    """Slack's side of the app: signed requests to /slack/events, as Slack sends them."""

    session: ClientSession
    url: str  # the app's /slack/events
    api: FakeSlackApi
    secret: str = SIGNING_SECRET
    team: str = TEAM
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))
    # Waits for the turns already received to finish. A reply is matched to a message by coming
    # after it, so a late reply of the previous message (a second one, e.g. an onboarding
    # question) must be out before the next message is sent, or it is taken for that one's reply.
    settle: Callable[[], Awaitable[None]] | None = None

    def user_id(self, user: str) -> str:
        return f"slack:{self.team}:{user}"

    async def post(
        self,
        body: bytes,
        content_type: str,
        *,
        timestamp: int | None = None,
        secret: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> ClientResponse:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signed = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(secret or self.secret, stamp, body),
            **(headers or {}),
        }
        async with self.session.post(self.url, data=body, headers=signed) as response:
            await response.read()
            return response

    async def post_json(self, payload: dict[str, Any], **options: Any) -> ClientResponse:
        return await self.post(json.dumps(payload).encode(), "application/json", **options)

    def command_form(self, text: str, user: str = "U1", channel: str = "C0GENERAL") -> dict[str, str]:
        """A slash command's fields, as Slack posts them (and puts them in a Socket Mode envelope)."""
        return {
            "token": "legacy",
            "team_id": self.team,
            "team_domain": "avanochi-test",
            "channel_id": channel,
            "channel_name": "general",
            "user_id": user,
            "user_name": user.lower(),
            "command": "/avanochi",
            "text": typed(text),
            "api_app_id": "A0APP",
            "is_enterprise_install": "false",
            "response_url": self.api.response_url(),
            "trigger_id": f"{next(self._ids)}.1.trigger",
        }

    async def command(self, text: str, user: str = "U1", channel: str = "C0GENERAL", **options: Any) -> ClientResponse:
        form = self.command_form(text, user, channel)
        return await self.post(urlencode(form).encode(), "application/x-www-form-urlencoded", **options)

    def event_body(self, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        return {
            "token": "legacy",
            "team_id": self.team,
            "api_app_id": "A0APP",
            "event": event,
            "type": "event_callback",
            "event_id": event_id or f"Ev{next(self._ids):08d}",
            "event_time": int(time.time()),
            "authorizations": [
                {"team_id": self.team, "user_id": BOT_USER, "is_bot": True, "is_enterprise_install": False}
            ],
        }

    async def event(self, event: dict[str, Any], event_id: str | None = None, **options: Any) -> ClientResponse:
        return await self.post_json(self.event_body(event, event_id), **options)

    def dm_event(self, text: str, user: str = "U1", **extra: Any) -> dict[str, Any]:
        ts = f"{int(time.time())}.{next(self._ids):06d}"
        return {
            "type": "message",
            "channel": "D" + user.lstrip("U"),
            "channel_type": "im",
            "user": user,
            "text": typed(text),
            "ts": ts,
            "event_ts": ts,
            "team": self.team,
            **extra,
        }

    async def dm(self, text: str, user: str = "U1", **options: Any) -> ClientResponse:
        return await self.event(self.dm_event(text, user), **options)

    async def mention(self, text: str, user: str = "U1", channel: str = "C0GENERAL") -> ClientResponse:
        ts = f"{int(time.time())}.{next(self._ids):06d}"
        return await self.event(
            {
                "type": "app_mention",
                "channel": channel,
                "user": user,
                "ts": ts,
                "text": f"<@{BOT_USER}> {typed(text)}",
                "event_ts": ts,
                "team": self.team,
            }
        )

    async def home_opened(self, user: str = "U1", tab: str = "home") -> ClientResponse:
        return await self.event(
            {
                "type": "app_home_opened",
                "user": user,
                "channel": "D" + user.lstrip("U"),
                "tab": tab,
                "event_ts": f"{int(time.time())}.000100",
            }
        )

    async def press(self, message: Call, label: str, user: str = "U1") -> ClientResponse:
        """Press the button ``label`` of a message (or App Home view) the app sent."""
        form = urlencode({"payload": json.dumps(self.action_payload(message, label, user))}).encode()
        return await self.post(form, "application/x-www-form-urlencoded")

    def action_payload(self, message: Call, label: str, user: str = "U1") -> dict[str, Any]:
        """The block_actions payload of pressing ``label`` in ``message``."""
        block, button = message.button(label)
        payload: dict[str, Any] = {
            "type": "block_actions",
            "user": {"id": user, "username": user.lower(), "team_id": self.team},
            "api_app_id": "A0APP",
            "token": "legacy",
            "team": {"id": self.team, "domain": "avanochi-test"},
            "trigger_id": f"{next(self._ids)}.1.trigger",
            "is_enterprise_install": False,
            "actions": [
                {
                    "action_id": button["action_id"],
                    "block_id": block.get("block_id"),
                    "type": "button",
                    "text": button["text"],
                    "value": button["value"],
                    "action_ts": f"{int(time.time())}.000200",
                    **({"style": button["style"]} if "style" in button else {}),
                }
            ],
        }
        if message.method == "views.publish":
            payload.update(container={"type": "view", "view_id": "V1"}, view={"type": "home", "id": "V1"})
        elif message.method in ("response_url", "chat.postEphemeral"):
            channel = message.body.get("channel", "C0GENERAL")
            payload.update(
                container={
                    "type": "message",
                    "message_ts": message.ts or "1.1",
                    "channel_id": channel,
                    "is_ephemeral": True,
                },
                channel={"id": channel},
                response_url=self.api.response_url(),
            )
        else:
            channel, ts = message.body["channel"], message.body.get("ts") or message.ts
            payload.update(
                container={"type": "message", "message_ts": ts, "channel_id": channel, "is_ephemeral": False},
                channel={"id": channel},
                message={
                    "type": "message",
                    "ts": ts,
                    "text": message.text,
                    **({"thread_ts": message.body["thread_ts"]} if message.body.get("thread_ts") else {}),
                },
                response_url=self.api.response_url(),
            )
        return payload

    async def say(self, text: str, user: str = "U1", *, count: int = 1, via: str = "dm") -> list[Call]:
        """Send ``text`` (a DM, a slash command or a mention) and return the first
        ``count`` replies it causes."""
        if self.settle is not None:
            await self.settle()
        since = len(self.api.calls)
        senders: dict[str, Callable[..., Awaitable[ClientResponse]]] = {
            "dm": self.dm,
            "command": self.command,
            "mention": self.mention,
        }
        send = senders[via]
        response = await send(text, user)
        assert response.status == 200, response.status
        return (await self.api.wait_for(*OUTGOING, count=count, since=since))[:count]

    async def click(self, message: Call, label: str, user: str = "U1", *, count: int = 1) -> list[Call]:
        if self.settle is not None:
            await self.settle()
        since = len(self.api.calls)
        response = await self.press(message, label, user)
        assert response.status == 200, response.status
        return (await self.api.wait_for(*OUTGOING, count=count, since=since))[:count]


# -- the whole app wired to the fake, on the store under test ------------------------------


@dataclass
class SlackHarness:
    workspace: Workspace
    api: FakeSlackApi
    rest: Any  # tests.integration.conftest.Api: the REST API with the admin token
    app: web.Application


@pytest.fixture
async def slack(store) -> AsyncIterator[SlackHarness]:
    """The app (on ``store``) with Slack enabled and its Web API pointed at a fake."""
    async with slack_world(store) as harness:
        yield harness


@asynccontextmanager
async def slack_world(store, *, speech=None, telemetry=None, **settings_overrides: str) -> AsyncIterator[SlackHarness]:
    """The ``slack`` fixture's world, with a speech engine or settings of the test's choosing."""
    from app import CONTAINER_KEY, build_app
    from tests.integration.conftest import Api, make_settings

    fake = FakeSlackApi()
    await fake.start()
    fake.add_user("U1", "Ada Lovelace", "Europe/Madrid")
    fake.add_user("U2", "Grace Hopper", "America/New_York")
    settings = make_settings(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=fake.base_url,
        **settings_overrides,
    )
    app = build_app(settings, store=store, clock=FakeClock(NOW), speech=speech, telemetry=telemetry)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    try:
        async with ClientSession() as session:
            workspace = Workspace(session, base + "/slack/events", fake, settle=app[CONTAINER_KEY].pipeline.drain)
            yield SlackHarness(workspace, fake, Api(session, base), app)
    finally:
        await server.close()
        await fake.close()
