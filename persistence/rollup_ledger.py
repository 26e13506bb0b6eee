"""Applies roll-up increments to a user's roll-up documents exactly once.

Why this shape: an entity write and its roll-up update touch two documents, and
neither the Cosmos test server nor a crash-prone process gives us a cross-document
transaction. So the entity is written first with a ``pending`` marker naming the
increments; the ledger then adds them to each roll-up and records the operation id
in the roll-up (a bounded list), so applying the same marker twice changes nothing;
finally the marker is cleared. Whoever finds a marker left by a crash finishes it.
"""
from __future__ import annotations

import asyncio
import random

from domain.errors import Conflict
from domain.rollups import RollupChanges
from persistence.port import DocumentExists, DocumentMissing, DocumentStore, EtagMismatch

ROLLUP_TYPE = "rollup"
# Operation ids remembered per roll-up. A crashed marker must be settled before this
# many later operations hit the same roll-up; stats reads and entity loads settle them.
APPLIED_MEMORY = 200
MAX_ATTEMPTS = 40


def rollup_id(key: str) -> str:
    return f"rollup:{key}"


class RollupLedger:
    def __init__(self, store: DocumentStore) -> None:
        self._store = store

    async def apply(self, user_id: str, changes: RollupChanges) -> None:
        for key, increments in changes.increments.items():
            await self._apply_one(user_id, key, changes.op_id, increments)

    async def _apply_one(self, user_id: str, key: str, op_id: str, increments: dict) -> None:
        for attempt in range(MAX_ATTEMPTS):
            try:
                doc = await self._store.read(user_id, rollup_id(key))
                etag = doc.pop("_etag")
            except DocumentMissing:
                doc = {"id": rollup_id(key), "user_id": user_id, "type": ROLLUP_TYPE,
                       "key": key, "counters": {}, "applied": []}
                etag = None
            if op_id in doc["applied"]:
                return
            counters = doc["counters"]
            for counter, amount in increments.items():
                counters[counter] = round(counters.get(counter, 0) + amount, 6)
            doc["applied"] = (doc["applied"] + [op_id])[-APPLIED_MEMORY:]
            try:
                if etag is None:
                    await self._store.create(doc)
                else:
                    await self._store.replace(doc, etag)
                return
            except (EtagMismatch, DocumentExists):
                await asyncio.sleep(random.uniform(0, 0.001 * (2 ** min(attempt, 6))))
        raise Conflict("Too many changes at once; please try again.")

    async def read(self, user_id: str, key: str) -> dict[str, float]:
        try:
            doc = await self._store.read(user_id, rollup_id(key))
        except DocumentMissing:
            return {}
        return doc["counters"]
