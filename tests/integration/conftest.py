"""The whole app on loopback over real HTTP, on each store."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from aiohttp import ClientResponse, ClientSession
from aiohttp.test_utils import TestServer

from app import build_app
from settings import CredentialManager, Settings

ADMIN_TOKEN = "test-admin-token-0123456789abcdef"


@dataclass
class Api:
    """An HTTP client for the running app that sends a bearer token by default."""

    session: ClientSession
    base: str
    token: str | None = ADMIN_TOKEN

    async def call(self, method: str, path: str, *, token: str | None | bool = True, **kwargs: Any) -> ClientResponse:
        headers = dict(kwargs.pop("headers", {}))
        bearer = self.token if token is True else token
        if bearer:
            headers["Authorization"] = f"Bearer {bearer}"
        return await self.session.request(method, self.base + path, headers=headers, **kwargs)

    async def json(self, method: str, path: str, expect: int, **kwargs: Any) -> Any:
        response = await self.call(method, path, **kwargs)
        body = await response.json(content_type=None)
        assert response.status == expect, (response.status, body)
        return body


# Every test client calls from 127.0.0.1, and some tests send hundreds of requests or turns: the
# budgets are raised here (tests of the budgets themselves pass their own).
UNTHROTTLED = {
    "AVANOCHI_RATE_LIMIT_USER": "100000/minute",
    "AVANOCHI_RATE_LIMIT_IP": "100000/minute",
    "AVANOCHI_RATE_LIMIT_CHAT": "100000/minute",
}


def make_settings(**overrides: str) -> Settings:
    # HOST as the test servers really bind it (loopback), which is what lets Teams run in
    # Emulator mode without an app id.
    values = {
        "AVANOCHI_ADMIN_TOKEN": ADMIN_TOKEN,
        "LOG_LEVEL": "INFO",
        "AVANOCHI_REMINDER_INTERVAL": "0",
        "HOST": "127.0.0.1",
        **UNTHROTTLED,
        **overrides,
    }
    return Settings.load(CredentialManager(values, env_file=None))


def slack_oauth_settings(fake: Any, secret_key: str, **overrides: str) -> Settings:
    """Settings of a Slack app installed through OAuth against ``fake`` (tests/fake_slack.py's
    FakeSlackApi), its tokens sealed with ``secret_key``."""
    from tests.fake_slack import SIGNING_SECRET

    return make_settings(
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_CLIENT_ID=fake.client_id,
        SLACK_CLIENT_SECRET=fake.client_secret,
        AVANOCHI_SECRET_KEY=secret_key,
        SLACK_API_URL=fake.base_url,
        **overrides,
    )


@asynccontextmanager
async def serving(store, *, clock=None, speech=None, telemetry=None, **settings: str) -> AsyncIterator[Api]:
    """The whole app on loopback with these settings (and clock, speech engine, telemetry); an
    admin-token client."""
    app = build_app(make_settings(**settings), store=store, clock=clock, speech=speech, telemetry=telemetry)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    try:
        async with ClientSession() as session:
            yield Api(session, str(server.make_url("")).rstrip("/"))
    finally:
        await server.close()


@pytest.fixture
async def api(store) -> AsyncIterator[Api]:
    async with serving(store) as client:
        yield client


# The Slack harness fixture (whole app + fake Slack Web API), for every integration test module.
from tests.fake_slack import slack  # noqa: E402,F401
