"""Personal REST tokens: issued in chat (or by the admin), stored only as a digest, expiring,
listable without their secret and revocable.

A token is valid while its document (id = digest, in one shared partition) exists and has
not expired: authenticating a request is one point read. "A new token replaces the old one"
holds under concurrency through a TokenSlot in the user's partition that names the current
token. Issuing deletes the token the slot names, writes the new token, then replaces the
slot on its etag; of racing issuers exactly one wins, and the losers delete what they wrote
(never handed out) and try again. As each winner deleted its predecessor *before* winning,
no token handed out outlives the next successful issue, not even when a process dies
half-way (the user then merely has no working token and asks again).
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from domain.clock import Clock
from domain.concurrency import retry_stale
from domain.entities import ApiToken, TokenSlot
from domain.errors import DomainError, NotFound, StaleEntity, Unavailable
from domain.ports import RepositorySet

PREFIX = "avn_"
DEFAULT_LIFETIME = timedelta(days=90)
# last_used_at answers "is this token still in use?", it is no audit log. Writing it on every
# request would turn each authenticated read into a write as well (twice the store cost, and
# a user's concurrent requests all contending on one document); to the hour is precise enough.
LAST_USE_PRECISION = timedelta(hours=1)


def digest(token: str) -> str:
    # Tokens carry 256 random bits, so a plain SHA-256 is enough (no need for a slow KDF).
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class TokenRejected(DomainError):
    """The bearer token authenticates nobody; the message says why and is safe to show."""


@dataclass(frozen=True)
class TokenInfo:
    """What may be shown about a token: never its secret, nor its digest."""

    id: str
    created_at: datetime
    expires_at: datetime
    last_used_at: datetime | None

    @classmethod
    def of(cls, record: ApiToken) -> TokenInfo:
        return cls(record.token_id or "", record.created_at, record.expires_at, record.last_used_at)


@dataclass(frozen=True)
class IssuedToken:
    secret: str  # shown once, to its user only
    info: TokenInfo


class TokenService:
    def __init__(self, repos: RepositorySet, clock: Clock, lifetime: timedelta = DEFAULT_LIFETIME) -> None:
        if lifetime <= timedelta(0):
            raise ValueError("personal tokens must expire: the lifetime has to be positive")
        self._tokens = repos.api_tokens
        self._slots = repos.token_slots
        self._clock = clock
        self.lifetime = lifetime

    async def issue(self, user_id: str) -> str:
        """A new personal token for the user; the previous one stops working."""
        return (await self.grant(user_id)).secret

    async def grant(self, user_id: str) -> IssuedToken:
        """Like ``issue``, with what may be shown about the new token."""
        return await retry_stale(lambda: self._try_to_issue(user_id))

    async def _try_to_issue(self, user_id: str) -> IssuedToken:
        slot = await self._slot(user_id)
        if slot.digest:
            await self._forget(slot.digest)
        secret = PREFIX + secrets.token_urlsafe(32)
        now = self._clock.now()
        record = ApiToken(digest(secret), user_id, now, now + self.lifetime, token_id=secrets.token_hex(8))
        await self._tokens.add(record)
        slot.digest, slot.token_id = record.digest, record.token_id
        try:
            if slot.version is None:
                await self._slots.add(slot)
            else:
                await self._slots.save(slot)
        except StaleEntity:
            await self._forget(record.digest)  # another issue or a revocation won
            raise
        return IssuedToken(secret, TokenInfo.of(record))

    async def authenticate(self, token: str) -> ApiToken:
        """The token's record; TokenRejected ("Invalid token", "Token expired") otherwise."""
        if not token.startswith(PREFIX):
            raise TokenRejected("Invalid token")
        try:
            record = await self._tokens.get(ApiToken.PARTITION, digest(token))
        except NotFound:
            raise TokenRejected("Invalid token") from None
        now = self._clock.now()
        if record.expired(now):
            raise TokenRejected("Token expired")
        if record.last_used_at is None or now - record.last_used_at >= LAST_USE_PRECISION:
            record.last_used_at = now
            try:
                # On its etag, so a token deleted meanwhile is never written back.
                await self._tokens.save(record)
            except (StaleEntity, Unavailable):
                pass  # another request noted the use, the token just went, or the store is busy
        return record

    async def owner_of(self, token: str) -> str | None:
        try:
            return (await self.authenticate(token)).owner
        except TokenRejected:
            return None

    async def list_tokens(self, user_id: str) -> list[TokenInfo]:
        """The user's token, expired or not (at most one: a new one replaces the old)."""
        slot = await self._slot(user_id)
        if not slot.digest:
            return []
        try:
            return [TokenInfo.of(await self._tokens.get(ApiToken.PARTITION, slot.digest))]
        except NotFound:
            return []

    async def revoke(self, user_id: str, token_id: str) -> None:
        """End one token of the user; NotFound for an unknown id or another user's."""
        slot = await self._slot(user_id)
        if not slot.digest or not token_id or slot.token_id != token_id:
            raise NotFound("Token not found")
        await self._forget(slot.digest)
        await self._release(slot)

    async def revoke_all(self, user_id: str) -> bool:
        """End every token of the user; whether there was a current one."""
        slot = await self._slot(user_id)
        had_one = bool(slot.digest)
        if slot.digest:
            await self._forget(slot.digest)
            await self._release(slot)
        # Tokens no slot names: those from before slots, and those of an issue cut short.
        for stray in await self._tokens.find(ApiToken.PARTITION, [("owner", "=", user_id)]):
            try:
                await self._tokens.remove(stray)
            except StaleEntity:
                pass
        return had_one

    async def _slot(self, user_id: str) -> TokenSlot:
        """The user's slot, or a new one not yet stored (``version`` None)."""
        try:
            return await self._slots.get(user_id, TokenSlot.id)
        except NotFound:
            return TokenSlot(user_id)

    async def _release(self, slot: TokenSlot) -> None:
        if slot.version is None:
            return
        slot.digest = slot.token_id = None
        try:
            await self._slots.save(slot)
        except StaleEntity:
            pass  # someone issued or revoked since: the token just deleted is not current either way

    async def _forget(self, token_digest: str) -> None:
        """Delete a token's document, whatever its version; gone already is fine."""
        now = self._clock.now()
        try:
            await self._tokens.remove(ApiToken(token_digest, "", now, now))
        except StaleEntity:
            pass
