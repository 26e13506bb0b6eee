"""Applies roll-up increments to a user's roll-up documents exactly once.

Why this shape: an entity write and its roll-up update touch two documents, and
neither the Cosmos test server nor a crash-prone process gives us a cross-document
transaction. So the entity is written first with a ``pending`` marker naming the
increments; the ledger then adds them to each roll-up and records the operation id
in the roll-up, so applying the same marker twice changes nothing; finally the marker
is cleared. Whoever finds a marker left by a crash finishes it.

The roll-up must remember an operation id for as long as its marker may still be
settled. Two lists do that in bounded space: ``applied`` keeps the most recent ids
(a writer that is merely slow may re-apply a marker it read before someone else
cleared it), and ``unsettled`` keeps older ids whose markers were still pending when
the recent list overflowed (a writer that died before clearing its marker). An id
leaves both only once no document carries its marker any more, which one query of
the user's pending markers tells, once every FORGET_BATCH operations on the roll-up.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable

from domain.errors import Conflict
from domain.rollups import RollupChanges
from persistence.port import Document, DocumentExists, DocumentMissing, DocumentStore, EtagMismatch, Query, where

ROLLUP_TYPE = "rollup"
# Recent operation ids always remembered per roll-up: a writer that read a marker just
# before another cleared it has this many operations on the roll-up to finish its retry.
APPLIED_MEMORY = 200
# How far ``applied`` may overflow before the pending markers are looked up: the lookup
# is one query, paid once per this many operations on one roll-up.
FORGET_BATCH = 50
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
        async def add(doc: Document) -> bool:
            unsettled = doc.get("unsettled", [])
            if op_id in doc["applied"] or op_id in unsettled:
                return False  # applied already: nothing to write
            counters = doc["counters"]
            for counter, amount in increments.items():
                counters[counter] = round(counters.get(counter, 0) + amount, 6)
            applied = doc["applied"] + [op_id]
            if len(applied) > APPLIED_MEMORY + FORGET_BATCH:
                # The lookup must come after the read above: every id in this version of the
                # roll-up had its marker written before it was applied, so a marker the lookup
                # does not find was cleared for good and its id can go.
                pending = await self._pending_ops(user_id)
                unsettled = [op for op in unsettled + applied[:-APPLIED_MEMORY] if op in pending]
                applied = applied[-APPLIED_MEMORY:]
            doc["applied"] = applied
            if unsettled or "unsettled" in doc:
                doc["unsettled"] = unsettled
            return True

        await self._update(user_id, key, add)

    async def overwrite(self, user_id: str, key: str, counters: dict[str, float]) -> None:
        """Set a roll-up's counters outright (a rebuild from the documents). The ids of the
        operations already applied stay remembered, so a marker re-applied late still counts once."""

        async def replace_counters(doc: Document) -> bool:
            doc["counters"] = dict(counters)
            return True

        await self._update(user_id, key, replace_counters)

    async def _update(self, user_id: str, key: str, change: Callable[[Document], Awaitable[bool]]) -> None:
        """Read the roll-up (a new one when missing), let ``change`` edit it (False: nothing to
        write) and write it back with its ETag; a lost race reads it afresh and tries again."""
        for attempt in range(MAX_ATTEMPTS):
            try:
                doc = await self._store.read(user_id, rollup_id(key))
                etag = doc.pop("_etag")
            except DocumentMissing:
                doc = {
                    "id": rollup_id(key),
                    "user_id": user_id,
                    "type": ROLLUP_TYPE,
                    "key": key,
                    "counters": {},
                    "applied": [],
                }
                etag = None
            if not await change(doc):
                return
            try:
                if etag is None:
                    await self._store.create(doc)
                else:
                    await self._store.replace(doc, etag)
                return
            except (EtagMismatch, DocumentExists):
                await asyncio.sleep(random.uniform(0, 0.001 * (2 ** min(attempt, 6))))
        raise Conflict("Too many changes at once; please try again.")

    async def _pending_ops(self, user_id: str) -> set[str]:
        """Operation ids of every marker the user's documents still carry (an indexed query)."""
        docs = await self._store.query(Query(None, user_id, (where("rollup_pending", "!=", None),)))
        return {doc["rollup_pending"]["op"] for doc in docs}

    async def read(self, user_id: str, key: str) -> dict[str, float]:
        try:
            doc = await self._store.read(user_id, rollup_id(key))
        except DocumentMissing:
            return {}
        return doc["counters"]
