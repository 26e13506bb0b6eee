"""What a platform that can show a focus status does for the focus-status service."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from domain.entities import FocusSession
from domain.focus_status import FocusStatus, Shown


class ConsentLost(Exception):
    """The platform no longer honours the user's (or the admin's) consent: a revoked token, a
    removed scope, an app no longer allowed. Quietly forgotten; the user is told once."""


class StatusProvider(Protocol):
    channel: str  # the user-id prefix it serves: "slack", "msteams"
    needs_grant: bool  # a per-user credential (a Slack user token) is needed before anything
    consent_link: str | None  # where the user grants it, if they must

    def serves(self, user_id: str) -> bool: ...

    async def show(self, record: FocusStatus, session: FocusSession, timezone: str, now: datetime) -> Shown:
        """Put the focus status up; what was shown before comes back in ``Shown.previous``."""

    async def restore(self, record: FocusStatus, shown: Shown, now: datetime) -> None:
        """Put back what ``shown`` replaced (by the rules in domain/focus_status.py)."""

    async def revoke(self, record: FocusStatus) -> None:
        """Give the user's credential back to the platform."""
