"""The dashboard's credentials: one-time sign-in links (asked for in chat) and the browser
sessions they open. Like personal REST tokens, each is stored only as its SHA-256 digest, in one
shared partition so that a request finds its owner with one point read; a stolen database
holds nothing that signs anybody in.

A link works once: redeeming it deletes its document on its etag, so of two browsers racing
with the same link exactly one gets a session. The session cookie's CSRF token is derived from
the session secret (an HMAC), so it needs no storage and is useless without the cookie.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from domain.clock import Clock, from_iso, to_iso
from domain.errors import DomainError, NotFound, StaleEntity
from persistence.mapping import Codec
from persistence.port import Condition, Document
from persistence.repositories import EntityRepository, Repositories

LINK_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=2)
LINK, SESSION = "link", "session"


def digest(secret: str) -> str:
    # 256 random bits: a plain SHA-256 is enough (no need for a slow KDF).
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def csrf_token(session_secret: str) -> str:
    """The form token of a session: only whoever holds the session cookie can know it."""
    return hmac.new(session_secret.encode("utf-8"), b"dashboard-form", hashlib.sha256).hexdigest()


class LinkRefused(DomainError):
    """A sign-in link that signs nobody in; the message says why and is safe to show."""


@dataclass
class WebPass:
    """A sign-in link or a browser session, by the digest of its secret."""

    digest: str
    owner: str
    purpose: str  # LINK or SESSION
    created_at: datetime
    expires_at: datetime
    version: str | None = field(default=None, compare=False, repr=False)

    PARTITION = "system:web"


def _doc(item: WebPass) -> Document:
    return {
        "id": item.digest,
        "user_id": WebPass.PARTITION,
        "owner": item.owner,
        "purpose": item.purpose,
        "created_at": to_iso(item.created_at),
        "expires_at": to_iso(item.expires_at),
    }


def _from_doc(data: Document, version: str | None = None) -> WebPass:
    created = from_iso(data["created_at"])
    return WebPass(
        data["id"], data["owner"], data["purpose"], created, from_iso(data["expires_at"]) or created, version
    )


def web_pass_repository(repos: Repositories) -> EntityRepository[WebPass]:
    return EntityRepository(
        repos.store, repos.ledger, "web_pass", lambda p: p.digest, Codec(_doc, _from_doc), "Unknown link"
    )


class WebPasses:
    def __init__(
        self,
        passes: EntityRepository[WebPass],
        clock: Clock,
        link_lifetime: timedelta = LINK_LIFETIME,
        session_lifetime: timedelta = SESSION_LIFETIME,
    ) -> None:
        self._passes = passes
        self._clock = clock
        self.link_lifetime = link_lifetime
        self.session_lifetime = session_lifetime

    async def _issue(self, user_id: str, purpose: str, lifetime: timedelta) -> str:
        secret = secrets.token_urlsafe(32)
        now = self._clock.now()
        await self._passes.add(WebPass(digest(secret), user_id, purpose, now, now + lifetime))
        return secret

    async def issue_link(self, user_id: str) -> str:
        """The secret of a new one-time sign-in link for the user. The user's links and sessions
        that ran out go first: nothing else would ever delete a link that was never followed."""
        now = self._clock.now()
        for item in await self._passes.find(WebPass.PARTITION, [Condition("owner", "=", user_id)]):
            if item.expires_at <= now:
                await self._forget(item)
        return await self._issue(user_id, LINK, self.link_lifetime)

    async def check_link(self, link_secret: str) -> None:
        """LinkRefused unless the link would sign in now; spends nothing."""
        found = await self._find(link_secret, LINK)
        if found is None:
            raise LinkRefused("This sign-in link was already used or is not valid.")
        if found.expires_at <= self._clock.now():
            raise LinkRefused("This sign-in link has expired: links work for 10 minutes.")

    async def redeem(self, link_secret: str) -> tuple[str, str]:
        """Spend a link: (its user, a new session secret); LinkRefused if used, unknown or expired."""
        found = await self._find(link_secret, LINK)
        if found is None:
            raise LinkRefused("This sign-in link was already used or is not valid.")
        try:
            await self._passes.remove(found)  # on its etag: of two racing redeemers one wins
        except (StaleEntity, NotFound):
            raise LinkRefused("This sign-in link was already used or is not valid.") from None
        if found.expires_at <= self._clock.now():
            raise LinkRefused("This sign-in link has expired: links work for 10 minutes.")
        return found.owner, await self.open_session(found.owner)

    async def open_session(self, user_id: str) -> str:
        """A new session's secret for a user someone else vouched for (Teams single sign-on)."""
        return await self._issue(user_id, SESSION, self.session_lifetime)

    async def session_owner(self, session_secret: str) -> str | None:
        found = await self._find(session_secret, SESSION)
        if found is None or found.expires_at <= self._clock.now():
            return None
        return found.owner

    async def end_session(self, session_secret: str) -> None:
        found = await self._find(session_secret, SESSION)
        if found is not None:
            await self._forget(found)

    async def end_all(self, user_id: str) -> None:
        """Every link and session of the user (they erased their data)."""
        for item in await self._passes.find(WebPass.PARTITION, [Condition("owner", "=", user_id)]):
            await self._forget(item)

    async def _find(self, secret: str, purpose: str) -> WebPass | None:
        if not secret or len(secret) > 100:
            return None
        try:
            found = await self._passes.get(WebPass.PARTITION, digest(secret))
        except NotFound:
            return None
        return found if found.purpose == purpose else None

    async def _forget(self, item: WebPass) -> None:
        try:
            await self._passes.remove(item)
        except (StaleEntity, NotFound):
            pass  # gone already


LinkIssuer = Callable[[str], Awaitable[str]]


def sign_in_link(passes: WebPasses, public_url: str) -> LinkIssuer:
    """What the chat's `dashboard` command calls: a new link's full URL for the user."""

    async def issue(user_id: str) -> str:
        return f"{public_url}/me/signin?token={await passes.issue_link(user_id)}"

    return issue
