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
        return str(doc.get("stats") or "") or None

    async def learn(self, user_id: str, update: Callable[[str | None], tuple[str, float]]) -> bool:
        """Write ``update(stored)`` (the new stats and their count of notes) as the user's voice.
        False when the user is gone (erased meanwhile: nothing is written back) or the record
        kept changing under us."""
        for _ in range(WRITE_ATTEMPTS):
            docs = await self._store.read_many(user_id, [user_id, DOC_ID])
            if user_id not in docs:
                return False
            current = docs.get(DOC_ID)
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
        """Drop the user's learned voice. True when there was one."""
        try:
            await self._store.delete(user_id, DOC_ID)
        except DocumentMissing:
            return False
        return True
