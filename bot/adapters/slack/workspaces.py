"""Which bot token speaks to which Slack workspace.

With one ``SLACK_BOT_TOKEN`` every workspace (there is one) gets that token. With OAuth
installations each workspace gets the token stored when it installed the app; the single
token, when set too, still serves a workspace that has no installation. Replies, App Home
views, reminders and voice-note downloads all ask here, by the team of the user they serve.
"""

from __future__ import annotations

import logging
from collections import OrderedDict

from slack_bolt.authorization import AuthorizeResult
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.web.async_client import AsyncWebClient

from bot.downloads import FileSource
from bot.messages import Attachment
from persistence.slack_installations import Installation, SlackInstallations, TokenUnreadable

log = logging.getLogger("avanochi.slack")


class NotInstalled(Exception):
    """No bot token for this workspace: the app was never installed there, or was uninstalled."""


class SlackClients:
    def __init__(
        self,
        api_url: str,
        retry: list[AsyncRetryHandler],
        *,
        token: str | None = None,
        installations: SlackInstallations | None = None,
    ) -> None:
        self.base_url = api_url.rstrip("/") + "/"  # methods are joined onto it
        self._retry = retry
        self._token = token
        self.installations = installations
        self._clients: dict[str, AsyncWebClient] = {}
        self.single = AsyncWebClient(token=token, base_url=self.base_url, retry_handlers=retry)
        self.anonymous = AsyncWebClient(base_url=self.base_url, retry_handlers=retry)  # oauth.v2.access
        self._single_auth: AuthorizeResult | None = None

    @property
    def multi_workspace(self) -> bool:
        return self.installations is not None

    async def token(self, team: str) -> str | None:
        if self.installations is not None:
            installation = await self._installation(team)
            if installation is not None:
                return installation.bot_token
        return self._token

    async def _installation(self, team: str) -> Installation | None:
        if self.installations is None:
            return None
        try:
            return await self.installations.find(team)
        except TokenUnreadable:
            log.error(
                "a Slack workspace's bot token cannot be opened with AVANOCHI_SECRET_KEY: was the key "
                "changed? Set the old key back, or install the app into the workspace again",
                extra={"team": team},
            )
            return None

    async def client(self, team: str) -> AsyncWebClient:
        """The Web API client with ``team``'s bot token; ``NotInstalled`` when it has none."""
        if self.installations is None and self._token:
            return self.single  # one workspace: no lookup at all
        token = await self.token(team)
        if not token:
            raise NotInstalled(team)
        if token == self._token:
            return self.single
        client = self._clients.get(token)
        if client is None:
            client = AsyncWebClient(token=token, base_url=self.base_url, retry_handlers=self._retry)
            self._clients[token] = client
        return client

    async def authorize(self, enterprise_id: str | None, team_id: str | None) -> AuthorizeResult | None:
        """Bolt's ``authorize``: the bot token of the workspace a request came from."""
        installation = await self._installation(team_id or "")
        if installation is not None:
            return AuthorizeResult(
                enterprise_id=installation.enterprise_id or enterprise_id,
                team_id=installation.team_id,
                bot_token=installation.bot_token,
                bot_user_id=installation.bot_user_id,
            )
        if not self._token:
            return None  # Bolt tells the user the app needs installing again
        if self._single_auth is None:  # the single token's own workspace and bot user, asked once
            found = await self.single.auth_test()
            self._single_auth = AuthorizeResult(
                enterprise_id=found.get("enterprise_id"),
                team_id=found.get("team_id"),
                bot_token=self._token,
                bot_user_id=found.get("user_id"),
                bot_id=found.get("bot_id"),
            )
        return self._single_auth

    async def forget(self, team: str) -> bool:
        """Drop ``team``'s installation (uninstalled, token revoked); True when there was one."""
        if self.installations is None:
            return False
        token = await self.token(team)
        self._clients.pop(token or "", None)
        return await self.installations.delete(team)


def by_workspace(clients: SlackClients):
    """``clients.authorize`` as Bolt calls it: a plain function, whose parameter names Bolt reads."""

    async def authorize(enterprise_id: str | None, team_id: str | None) -> AuthorizeResult | None:
        return await clients.authorize(enterprise_id, team_id)

    return authorize


class SlackFiles:
    """Slack's file hosts, with the bot token of the workspace each file was shared in. The
    adapter names that workspace when it reads the message (``shared_in``); the download comes
    later, from the turn pipeline, which only has the attachment."""

    REMEMBERED = 1000  # attachments whose download may still be waiting in a queue

    def __init__(self, source: FileSource, clients: SlackClients) -> None:
        self._source = source
        self._clients = clients
        self._teams: OrderedDict[str, str] = OrderedDict()

    def shared_in(self, team: str, attachments: tuple[Attachment, ...]) -> None:
        for attachment in attachments:
            if attachment.url:
                self._teams[attachment.url] = team
                self._teams.move_to_end(attachment.url)
        while len(self._teams) > self.REMEMBERED:
            self._teams.popitem(last=False)

    def allows(self, url: str) -> bool:
        return self._source.allows(url)

    async def fetch(self, attachment: Attachment, limit: int) -> bytes:
        token = await self._clients.token(self._teams.get(attachment.url, ""))
        source = FileSource(self._source.origins, headers={"Authorization": f"Bearer {token}"} if token else {})
        return await source.fetch(attachment, limit)
