"""The Bot Connector clients the Agents SDK uses for each turn, over one shared connection pool.

The SDK's own factory opens a new aiohttp session, and so a new TCP (and TLS) connection, for
every turn, and fetches the bot's token twice: once for the connector and once for the user-token
service, which this bot never calls (it signs no one in). Here every turn's connector client runs
on one pooled TCPConnector, and the user-token client gets no token.
"""

from __future__ import annotations

import asyncio
import logging

import aiohttp
from microsoft_agents.hosting.core import (
    AccessTokenProviderBase,
    AuthenticationConstants,
    ChannelServiceClientFactoryBase,
    ClaimsIdentity,
)
from microsoft_agents.hosting.core.connector.client import UserTokenClient
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient
from pydantic import ValidationError

log = logging.getLogger("avanochi.teams")
# Teams gives a turn 15 s: a connector call slower than this is lost anyway, and a stuck one
# must not hold a reminder pass for aiohttp's default of five minutes.
CONNECTOR_TIMEOUT = aiohttp.ClientTimeout(total=30, sock_connect=10)


class OutboundTokenError(Exception):
    """The bot's own token for the Bot Connector could not be obtained (Azure AD said no, or was
    unreachable)."""


# What a Bot Connector call can fail with: an HTTP error status (aiohttp.ClientResponseError,
# with .status and .headers), no connection, a timeout, or no token to send...
CONNECTOR_ERRORS = (aiohttp.ClientError, asyncio.TimeoutError, OutboundTokenError)
# ... or an answer that is not a Bot Connector's, which the SDK's models for it refuse.
CONNECTOR_ANSWERS = ("ResourceResponse", "ConversationResourceResponse")


def is_connector_failure(error: Exception) -> bool:
    """Whether the Bot Connector (or the way to it) failed, rather than the bot itself: pydantic's
    ValidationError counts only for the connector's answers, not for an activity the bot built."""
    if isinstance(error, ValidationError):
        return error.title in CONNECTOR_ANSWERS
    return isinstance(error, CONNECTOR_ERRORS)


class PooledConnectorFactory(ChannelServiceClientFactoryBase):
    """Connector clients for the Agents SDK's adapter, all on one connection pool."""

    def __init__(self, tokens: AccessTokenProviderBase | None, app_id: str | None) -> None:
        self._tokens = tokens  # None: the Emulator, which takes no token
        self._app_id = app_id
        self._pool: aiohttp.TCPConnector | None = None

    async def create_connector_client(
        self,
        context,
        claims_identity: ClaimsIdentity,
        service_url: str,
        audience: str,
        scopes: list[str] | None = None,
        use_anonymous: bool = False,
    ) -> TeamsConnectorClient:
        token = ""
        if self._tokens is not None and not use_anonymous:
            try:
                token = await self._tokens.get_access_token(audience, scopes or claims_identity.get_token_scope())
            except Exception as error:  # MSAL raises ValueError for a refusal, requests errors for the rest
                raise OutboundTokenError(type(error).__name__) from error
        return TeamsConnectorClient(endpoint=service_url, token=token, session=self._session(service_url))

    async def create_user_token_client(
        self, context, claims_identity: ClaimsIdentity, use_anonymous: bool = False
    ) -> UserTokenClient:
        # The SDK builds one every turn; nothing here calls it, so it is not worth a token.
        # (The Emulator has no app id; the name only spares the SDK's warning about a client without one.)
        endpoint = AuthenticationConstants.AGENTS_SDK_OAUTH_URL
        return UserTokenClient(endpoint, "", app_id=self._app_id or "emulator", session=self._session(endpoint))

    def _session(self, base_url: str) -> aiohttp.ClientSession:
        """A session for one turn (the SDK closes it when the turn ends) on the shared pool."""
        if self._pool is None:
            self._pool = aiohttp.TCPConnector(limit=100, keepalive_timeout=30)
        return aiohttp.ClientSession(
            base_url=base_url if base_url.endswith("/") else base_url + "/",
            connector=self._pool,
            connector_owner=False,
            timeout=CONNECTOR_TIMEOUT,
        )

    async def close(self) -> None:
        if self._pool is not None:
            await self._pool.close()
            self._pool = None
