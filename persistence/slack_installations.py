"""The Slack workspaces that installed Avanochi (OAuth v2), and the one-time states of the
installation flow, on the document store (SQLite or Cosmos DB alike).

A workspace's installation is one document in a partition of its own, ``slack-workspace:{team}``,
apart from its users' partitions (``slack:{team}:{user}``): removing the installation never
touches anyone's data, and erasing a user never removes the installation. Its bot token is
stored sealed with Fernet (AES-128-CBC and HMAC-SHA256) under the key from settings, so a copy
of the database or a backup alone does not let anyone post as the bot.

The token of each workspace is looked up on every reply; it is kept in memory for a minute
so a busy workspace costs no store read per message, and forgotten at once when this process
hears the app was uninstalled.
"""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from cryptography.fernet import Fernet, InvalidToken

from domain.clock import Clock
from persistence.port import DocumentMissing, DocumentStore, EtagMismatch, Query, where

INSTALLATION_TYPE = "slack_installation"
INSTALLATION_ID = "installation"
STATE_TYPE = "slack_oauth_state"
STATE_PARTITION = "slack-oauth-states"
STATE_LIFETIME = timedelta(minutes=10)  # from "Add to Slack" to Slack's redirect back
EXPIRED_SWEEP = 20  # expired states removed each time a new one is issued: bounded work per request
CACHE_SECONDS = 60.0


def workspace_partition(team_id: str) -> str:
    return f"slack-workspace:{team_id}"


class TokenUnreadable(Exception):
    """A sealed token that the configured key cannot open (the key changed, or the document did)."""


class TokenCipher:
    """Seals and opens bot tokens with the Fernet key from settings."""

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode("ascii"))

    def seal(self, token: str) -> str:
        return self._fernet.encrypt(token.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except (InvalidToken, ValueError) as error:
            raise TokenUnreadable("the bot token was sealed with another key") from error


@dataclass(frozen=True)
class Installation:
    team_id: str
    team_name: str
    bot_token: str = field(repr=False)
    bot_user_id: str | None
    app_id: str | None = None
    enterprise_id: str | None = None
    installer: str | None = None  # the Slack user who approved it
    scope: str = ""
    installed_at: str = ""


class SlackInstallations:
    def __init__(self, store: DocumentStore, cipher: TokenCipher, clock: Clock) -> None:
        self._store = store
        self._cipher = cipher
        self._clock = clock
        self._cache: dict[str, tuple[float, Installation | None]] = {}

    # -- installations -------------------------------------------------------------------

    async def save(self, installation: Installation) -> None:
        """Install, or reinstall (a new token replaces the old one)."""
        await self._store.upsert(
            {
                "id": INSTALLATION_ID,
                "user_id": workspace_partition(installation.team_id),
                "type": INSTALLATION_TYPE,
                "team_id": installation.team_id,
                "team_name": installation.team_name,
                "bot_token": self._cipher.seal(installation.bot_token),
                "bot_user_id": installation.bot_user_id,
                "app_id": installation.app_id,
                "enterprise_id": installation.enterprise_id,
                "installer": installation.installer,
                "scope": installation.scope,
                "installed_at": installation.installed_at or self._clock.now().isoformat(),
            }
        )
        self._cache.pop(installation.team_id, None)

    async def find(self, team_id: str) -> Installation | None:
        cached = self._cache.get(team_id)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        try:
            doc = await self._store.read(workspace_partition(team_id), INSTALLATION_ID)
        except DocumentMissing:
            found = None
        else:
            found = Installation(
                team_id=doc["team_id"],
                team_name=doc.get("team_name", ""),
                bot_token=self._cipher.open(doc["bot_token"]),
                bot_user_id=doc.get("bot_user_id"),
                app_id=doc.get("app_id"),
                enterprise_id=doc.get("enterprise_id"),
                installer=doc.get("installer"),
                scope=doc.get("scope", ""),
                installed_at=doc.get("installed_at", ""),
            )
        self._cache[team_id] = (time.monotonic() + CACHE_SECONDS, found)
        return found

    async def delete(self, team_id: str) -> bool:
        """Forget a workspace's installation and its token; False when there was none."""
        self._cache.pop(team_id, None)
        try:
            await self._store.delete(workspace_partition(team_id), INSTALLATION_ID)
        except DocumentMissing:
            return False
        return True

    # -- the OAuth state: one-time, short-lived ----------------------------------------------

    async def issue_state(self) -> str:
        now = self._clock.now()
        await self._sweep(now)
        state = secrets.token_urlsafe(32)
        await self._store.create(
            {
                "id": state,
                "user_id": STATE_PARTITION,
                "type": STATE_TYPE,
                "expires_at": (now + STATE_LIFETIME).isoformat(),
            }
        )
        return state

    async def consume_state(self, state: str) -> bool:
        """True once for a state this app issued and that has not expired; the delete is what
        makes it single-use (of two concurrent redirects with one state, one delete fails)."""
        if not state or len(state) > 100 or not state.replace("-", "").replace("_", "").isalnum():
            return False
        try:
            doc = await self._store.read(STATE_PARTITION, state)
            await self._store.delete(STATE_PARTITION, state, doc.get("_etag"))
        except (DocumentMissing, EtagMismatch):  # used already, or being used right now
            return False
        return datetime.fromisoformat(doc["expires_at"]) > self._clock.now()

    async def _sweep(self, now: datetime) -> None:
        expired = await self._store.query(
            Query(STATE_TYPE, STATE_PARTITION, (where("expires_at", "<", now.isoformat()),), limit=EXPIRED_SWEEP)
        )
        for doc in expired:
            try:
                await self._store.delete(STATE_PARTITION, doc["id"])
            except DocumentMissing:
                pass
