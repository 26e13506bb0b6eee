"""Each user's focus-status consent, the Slack user token it came with, and what the status shows
now: one document in the user's own partition (so erasing the user erases it too).

``next_due`` (top level: the same (type, next_due) index as the reminder schedules' serves it)
is when a status still shown is next due to be put back; the reminder pass finds those due with
one indexed query across users, never a scan of them all.

The user token (it can change the person's Slack profile) is stored sealed with the same Fernet
key as the workspaces' bot tokens; a copy of the database alone cannot use it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from domain.clock import from_iso, to_iso
from domain.errors import StaleEntity
from domain.focus_status import FocusStatus, Profile, Shown
from persistence.port import DocumentExists, DocumentMissing, DocumentStore, EtagMismatch, Query, where
from persistence.slack_installations import TokenCipher, TokenUnreadable

DOC_TYPE = "focus_status"
SEALED = ("token",)  # the grant's fields stored sealed


def _profile(profile: Profile) -> dict[str, Any]:
    return {"text": profile.text, "emoji": profile.emoji, "expires_at": to_iso(profile.expires_at)}


def _profile_of(doc: dict[str, Any]) -> Profile:
    return Profile(str(doc.get("text") or ""), str(doc.get("emoji") or ""), from_iso(doc.get("expires_at")))


def due_query(now: datetime, limit: int) -> Query:
    """Statuses due to be put back, across users: a range read of the (type, next_due) index."""
    return Query(DOC_TYPE, None, (where("next_due", "<=", to_iso(now)),), order_by="next_due", limit=limit)


class FocusStatusRecords:
    def __init__(self, store: DocumentStore, cipher: TokenCipher | None) -> None:
        self._store = store
        self._cipher = cipher

    async def get(self, user_id: str) -> FocusStatus:
        """The user's record; a blank one (off) when they never said anything."""
        try:
            doc = await self._store.read(user_id, FocusStatus.id)
        except DocumentMissing:
            return FocusStatus(user_id)
        shown = doc.get("shown")
        grant = dict(doc.get("grant") or {})
        for key in SEALED:
            if key in grant:
                try:
                    grant[key] = self._cipher.open(grant[key]) if self._cipher else None
                except TokenUnreadable:
                    grant[key] = None  # sealed with an older key: as good as no grant
                if grant[key] is None:
                    grant = {}
                    break
        return FocusStatus(
            user_id,
            on=bool(doc.get("on")),
            shown=None
            if not shown
            else Shown(
                session_id=shown["session_id"],
                ends_at=from_iso(shown["ends_at"]),
                profile=_profile_of(shown.get("profile") or {}),
                previous=_profile_of(shown.get("previous") or {}),
                snoozed=bool(shown.get("snoozed")),
                retry_at=from_iso(shown.get("retry_at")),
            ),
            grant=grant,
            etag=doc.get("_etag"),
        )

    async def due(self, now: datetime, limit: int) -> list[str]:
        """The users whose shown status is due to be put back at ``now``, earliest first."""
        docs = await self._store.query(due_query(now, limit))
        return [str(doc["user_id"]) for doc in docs]

    async def save(self, record: FocusStatus, *, unchanged: bool = False) -> None:
        """Write the record; ``unchanged``: only if nobody wrote it since it was read (StaleEntity
        otherwise), so that of two instances only one claims a restore."""
        grant = dict(record.grant)
        for key in SEALED:
            if key in grant:
                if self._cipher is None:
                    raise ValueError("a user token needs AVANOCHI_SECRET_KEY to be stored")
                grant[key] = self._cipher.seal(grant[key])
        shown = record.shown
        doc = {
            "id": FocusStatus.id,
            "user_id": record.user_id,
            "type": DOC_TYPE,
            "on": record.on,
            "grant": grant,
            "shown": None
            if shown is None
            else {
                "session_id": shown.session_id,
                "ends_at": to_iso(shown.ends_at),
                "profile": _profile(shown.profile),
                "previous": _profile(shown.previous),
                "snoozed": shown.snoozed,
                "retry_at": to_iso(shown.retry_at),
            },
            "next_due": None if shown is None else to_iso(shown.restore_due),
        }
        if not unchanged:
            record.etag = (await self._store.upsert(doc)).get("_etag")
            return
        try:
            if record.etag is None:
                written = await self._store.create(doc)
            else:
                written = await self._store.replace(doc, record.etag)
        except (EtagMismatch, DocumentMissing, DocumentExists) as error:
            raise StaleEntity(record.user_id) from error
        record.etag = written.get("_etag")
