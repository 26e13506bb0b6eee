"""Test doubles for Microsoft Teams: a fake Bot Connector, a fake Bot Framework token issuer, and a
chat that drives the whole app over real HTTP as Teams would.

- FakeConnector: the Bot Connector REST API on 127.0.0.1 (aiohttp), recording every activity the
  bot sends (and file uploads to the OneDrive upload URL Teams would hand out).
- FakeIssuer: an OpenID metadata + JWKS server signing RS256 tokens with a local key, in a thread
  of its own (a blocking key fetch, anywhere, must not deadlock against the test's event loop).
- StaticTokenProvider: the bot's outbound token, fixed.
- TeamsChat: builds real Teams activity JSON and POSTs it to /api/messages.
"""

from __future__ import annotations

import functools
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from jsonschema import Draft6Validator

from app import build_app
from bot.adapters.teams.render import CARD_CONTENT_TYPE
from domain.clock import FakeClock
from tests.schemas import load_schema
from tools.fakes.bot_connector import (  # noqa: F401 (the names tests take from here)
    BOT_ID,
    CHANNEL_ISSUER,
    FakeConnector,
    FakeIssuer,
    StaticTokenProvider,
    TeamsChat,
)

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning


def cards(activities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [
        a["content"]
        for activity in activities
        for a in activity.get("attachments") or []
        if a.get("contentType") == CARD_CONTENT_TYPE
    ]


def visible_text(activity: dict[str, Any]) -> str:
    """The words a user would read in an activity: its text or its card's text blocks."""
    parts = [activity.get("text") or ""]
    for card in cards([activity]):
        parts.append(json.dumps(card, ensure_ascii=False))
    return "\n".join(parts)


def submit_actions(card: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Action.Submit in a card, wherever it sits (action bar or inside list rows)."""
    found: list[dict[str, Any]] = []

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "Action.Submit":
                found.append(node)
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(card)
    return found


@functools.cache
def card_validator() -> Draft6Validator:
    return Draft6Validator(load_schema("adaptive-card-1.5.json"))


def card_errors(card: dict[str, Any]) -> list[str]:
    """Why a card fails the Adaptive Cards 1.5 schema (the root anyOf hides causes in .context)."""
    found = []
    for error in card_validator().iter_errors(card):
        for cause in error.context or [error]:
            found.append(f"{'/'.join(map(str, cause.absolute_path))}: {cause.message}")
    return found


def assert_cards_valid(connector: FakeConnector) -> int:
    """Every Adaptive Card the bot sent validates against the 1.5 schema; returns how many."""
    sent = cards(connector.activities)
    for card in sent:
        assert card_errors(card) == [], card
    return len(sent)


@dataclass
class TeamsWorld:
    """The running app, its fake connector, a clock the test moves, and a Teams user."""

    app: web.Application
    base: str
    session: ClientSession
    connector: FakeConnector
    clock: FakeClock
    chat: TeamsChat

    def chat_as(self, **overrides: Any) -> TeamsChat:
        """Another user, or the same user in another conversation (a channel, say)."""
        return TeamsChat(self.session, self.base, self.connector, **overrides)


@asynccontextmanager
async def teams_world(settings, store, start: datetime = START) -> AsyncIterator[TeamsWorld]:
    clock = FakeClock(start)
    async with fake_connector() as connector, running_app(settings, store, clock) as (app, base, session):
        yield TeamsWorld(app, base, session, connector, clock, TeamsChat(session, base, connector))


@asynccontextmanager
async def running_app(settings, store, clock=None) -> AsyncIterator[tuple[web.Application, str, ClientSession]]:
    """The whole app (build_app) on loopback; the caller may still swap its Teams authentication."""
    app = build_app(settings, store=store, clock=clock)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with ClientSession() as session:
            yield app, str(server.make_url("")).rstrip("/"), session
    finally:
        await server.close()


@asynccontextmanager
async def fake_connector() -> AsyncIterator[FakeConnector]:
    connector = FakeConnector()
    await connector.start()
    try:
        yield connector
    finally:
        await connector.close()
