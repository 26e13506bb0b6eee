"""Personal REST tokens: issued once in chat, stored only as a digest."""
from __future__ import annotations

import hashlib
import secrets

from domain.clock import Clock
from domain.entities import ApiToken
from domain.errors import NotFound, StaleEntity
from domain.ports import RepositorySet

PREFIX = "avn_"


def digest(token: str) -> str:
    # Tokens carry 256 random bits, so a plain SHA-256 is enough (no need for a slow KDF).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenService:
    def __init__(self, repos: RepositorySet, clock: Clock) -> None:
        self._tokens = repos.api_tokens
        self._clock = clock

    async def issue(self, user_id: str) -> str:
        """A new personal token for the user; the previous one stops working."""
        await self.revoke_all(user_id)
        token = PREFIX + secrets.token_urlsafe(32)
        await self._tokens.add(ApiToken(digest(token), user_id, self._clock.now()))
        return token

    async def owner_of(self, token: str) -> str | None:
        if not token.startswith(PREFIX):
            return None
        try:
            return (await self._tokens.get(ApiToken.PARTITION, digest(token))).owner
        except NotFound:
            return None

    async def revoke_all(self, user_id: str) -> None:
        for old in await self._tokens.find(ApiToken.PARTITION, [("owner", "=", user_id)]):
            try:
                await self._tokens.remove(old)
            except StaleEntity:
                pass
