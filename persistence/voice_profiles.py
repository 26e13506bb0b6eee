"""Each user's learned voice (bot/voice/adaptation.py): one document in the user's own partition,
so erasing the user erases it too. It holds sums over the frames of the notes learned from
(about 50 kB), never audio or words."""

from __future__ import annotations

from collections.abc import Callable

from persistence.port import DocumentExists, DocumentMissing, DocumentStore, EtagMismatch

DOC_TYPE = "voice"
DOC_ID = "voice"
WRITE_ATTEMPTS = 3  # two notes of one user learned at once on two instances: the later re-reads


class VoiceProfiles:
    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    async def get(self, user_id: str) -> str | None:
        """The user's learned voice as stored (``VoiceStats.to_text``); None when there is none."""
        try:
            doc = await self._store.read(user_id, DOC_ID)
        except DocumentMissing:
            return None
        return None if doc.get("off") else str(doc.get("stats") or "") or None

    async def status(self, user_id: str) -> tuple[bool, float]:
        """Whether learning is on for the user, and how many notes it holds (older ones weigh less)."""
        try:
            doc = await self._store.read(user_id, DOC_ID)
        except DocumentMissing:
            return True, 0.0
        return not doc.get("off"), float(doc.get("notes") or 0)

    async def turn_off(self, user_id: str) -> None:
        """Forget the user's voice and learn no more of it: the record keeps only that choice."""
        await self._store.upsert({"id": DOC_ID, "user_id": user_id, "type": DOC_TYPE, "off": True, "notes": 0})

    async def turn_on(self, user_id: str) -> bool:
        """Learn again (from nothing). True when it was off."""
        on, _ = await self.status(user_id)
        if not on:
            await self.forget(user_id)
        return not on

    async def learn(self, user_id: str, update: Callable[[str | None], tuple[str, float]]) -> bool:
        """Write ``update(stored)`` (the new stats and their count of notes) as the user's voice.
        False when the user is gone (erased meanwhile: nothing is written back) or the record
        kept changing under us."""
        for _ in range(WRITE_ATTEMPTS):
            docs = await self._store.read_many(user_id, [user_id, DOC_ID])
            if user_id not in docs:
                return False
            current = docs.get(DOC_ID)
            if current is not None and current.get("off"):
                return False  # the user said 'voice learning off'
            stats, notes = update(str(current.get("stats") or "") or None if current else None)
            doc = {"id": DOC_ID, "user_id": user_id, "type": DOC_TYPE, "notes": round(notes, 3), "stats": stats}
            try:
                if current is None:
                    await self._store.create(doc)
                else:
                    await self._store.replace(doc, current.get("_etag"))
                return True
            except (EtagMismatch, DocumentExists, DocumentMissing):
                continue
        return False

    async def forget(self, user_id: str) -> bool:
        """Drop the user's record (what was learned, or the choice not to learn). True when there was one."""
        try:
            await self._store.delete(user_id, DOC_ID)
        except DocumentMissing:
            return False
        return True
