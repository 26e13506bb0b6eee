"""Slack over Socket Mode: the app opens a websocket to Slack (apps.connections.open with the
app-level token) and Slack's requests arrive on it as envelopes, so no public URL is needed.

The envelopes go to the same Bolt app, listeners and turn pipeline as POST /slack/events; only
the transport differs. slack_sdk's client acknowledges each envelope with Bolt's answer and
reconnects after a ``disconnect`` message or a dropped socket. What it does not do is give up:
a refused app-level token would be retried every few seconds for ever, so that case is caught
here, logged once with what to fix, and Socket Mode stays off while the rest of the app serves.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from aiohttp import web
from slack_bolt.adapter.socket_mode.aiohttp import AsyncSocketModeHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger("avanochi.slack")

# apps.connections.open answers these when the token itself is wrong: retrying cannot help.
TOKEN_REFUSED = frozenset(
    {"invalid_auth", "not_authed", "not_allowed_token_type", "token_revoked", "account_inactive", "missing_scope"}
)


class AppTokenRefused(Exception):
    """Slack refused the app-level token (``code`` is its error)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class StoppingClient(SocketModeClient):
    """slack_sdk's aiohttp client, except that a refused app-level token closes it for good."""

    refused: AppTokenRefused | None = None

    async def issue_new_wss_url(self) -> str:
        try:
            return await super().issue_new_wss_url()
        except SlackApiError as error:
            code = str(error.response.get("error", "")) if error.response is not None else ""
            if code not in TOKEN_REFUSED:
                raise  # network trouble, Slack's own errors: the client retries
            self.refused = AppTokenRefused(code)
            self.closed = True  # the client's connect loop ends instead of retrying
            self.auto_reconnect_enabled = False
            log.error(
                "Slack refused SLACK_APP_TOKEN; Socket Mode is off. Use the app-level token "
                "(xapp-..., Basic Information > App-Level Tokens) with the connections:write scope, "
                "and turn Socket Mode on in the app's settings",
                extra={"error": code},
            )
            raise self.refused from None


class SocketModeHandler(AsyncSocketModeHandler):
    """Bolt's aiohttp Socket Mode handler on the client above."""

    client: StoppingClient

    def __init__(self, app: AsyncApp, app_token: str, web_client: AsyncWebClient, ping_interval: float) -> None:
        self.app = app
        self.app_token = app_token
        self.client = StoppingClient(
            app_token=app_token, logger=app.logger, web_client=web_client, ping_interval=ping_interval
        )
        self.client.socket_mode_request_listeners.append(self.handle)  # type: ignore[arg-type]


class SlackSocketMode:
    """Connects when the app starts, in the background (a slow or absent Slack never holds the
    start up), and closes the socket when it stops."""

    def __init__(self, bolt: AsyncApp, app_token: str, web_client: AsyncWebClient, ping_interval: float) -> None:
        self._bolt = bolt
        self._app_token = app_token
        self._web_client = web_client
        self._ping_interval = ping_interval
        self.handler: SocketModeHandler | None = None
        self._connecting: asyncio.Task[None] | None = None

    @property
    def refused(self) -> AppTokenRefused | None:
        return self.handler.client.refused if self.handler is not None else None

    async def _connect(self, handler: SocketModeHandler) -> None:
        await handler.connect_async()
        if handler.client.refused is None:
            log.info("slack socket mode connected")

    async def stop_receiving(self) -> None:
        """Close the socket (at the start of a drain): envelopes not yet acknowledged are sent
        again by Slack to another connection, while the turns already taken finish here."""
        if self._connecting is not None:
            self._connecting.cancel()
        if self.handler is not None:
            await self.handler.close_async()

    async def context(self, _: web.Application) -> AsyncIterator[None]:
        """For ``app.cleanup_ctx``: the client needs a running loop, so it is built here."""
        self.handler = SocketModeHandler(self._bolt, self._app_token, self._web_client, self._ping_interval)
        self._connecting = asyncio.create_task(self._connect(self.handler))
        yield
        self._connecting.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await self._connecting
        await self.handler.close_async()
