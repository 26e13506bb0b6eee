"""One chat turn's unit of work over a user's partition: read once, written through.

A turn asks for the same few documents again and again: the dedupe check, the user, the
command's service, the roll-up ledger and the pet and progress hook each read the user,
the conversation or the day roll-ups. Here the turn loads them in one round trip, and
every later read of a document it has seen (loaded, read, queried or written) is served
from memory, as a new copy each time (what a service changed but did not store is never
handed to the next one). Writes are not held back: each goes to the store at once with its
ETag, so optimistic concurrency and the roll-up ledger work exactly as without a turn. A
document whose write failed is forgotten, so the retry that follows reads it afresh.

Hooks run before every write the turn makes: the turn's conversation document is written
no later than its first other write (see domain/services/conversations.py).
"""

from __future__ import annotations

import copy
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, timedelta
from typing import Any

from domain.ports import WriteHook
from persistence.port import Document, DocumentMissing, DocumentStore, Query, StoreError
from persistence.repositories import Repositories, store_errors_as_domain_errors
from persistence.rollup_ledger import rollup_id

DAY = "day:"


class TurnStore:
    """The store as one turn sees one user's partition (other partitions pass straight through)."""

    def __init__(self, store: DocumentStore, user_id: str) -> None:
        self._store = store
        self.user_id = user_id
        self.name = store.name
        self.operations = store.operations
        self._seen: dict[str, Document | None] = {}  # None: known not to exist
        self._hooks: list[WriteHook] = []
        self._in_hook = False

    async def open(self) -> None:
        """The store belongs to the application, which opens and closes it."""

    async def close(self) -> None:
        """See open()."""

    async def load(self, doc_ids: Sequence[str]) -> None:
        """Read these documents of the turn's user in one round trip (absent ones are noted too)."""
        wanted = [doc_id for doc_id in dict.fromkeys(doc_ids) if doc_id not in self._seen]
        if not wanted:
            return
        found = await self._store.read_many(self.user_id, wanted)
        for doc_id in wanted:
            self._seen[doc_id] = copy.deepcopy(found.get(doc_id))

    def before_write(self, hook: WriteHook) -> None:
        self._hooks.append(hook)

    async def read(self, user_id: str, doc_id: str) -> Document:
        if user_id == self.user_id and doc_id in self._seen:
            doc = self._seen[doc_id]
            if doc is None:
                raise DocumentMissing(doc_id)
            return copy.deepcopy(doc)
        try:
            doc = await self._store.read(user_id, doc_id)
        except DocumentMissing:
            self._note(user_id, doc_id, None)
            raise
        self._note(user_id, doc_id, doc)
        return doc

    async def read_many(self, user_id: str, doc_ids: list[str]) -> dict[str, Document]:
        if user_id != self.user_id:
            return await self._store.read_many(user_id, doc_ids)
        await self.load(doc_ids)
        return {doc_id: copy.deepcopy(doc) for doc_id in doc_ids if (doc := self._seen.get(doc_id)) is not None}

    async def create(self, doc: Document) -> Document:
        return await self._write(doc["user_id"], doc["id"], lambda: self._store.create(doc))

    async def replace(self, doc: Document, etag: str | None) -> Document:
        return await self._write(doc["user_id"], doc["id"], lambda: self._store.replace(doc, etag))

    async def replace_many(self, items: Sequence[tuple[Document, str | None]]) -> list[Document | None]:
        await self._run_hooks()
        stored = await self._store.replace_many(items)
        for (doc, _), written in zip(items, stored, strict=True):
            if written is None:
                self._forget(doc["user_id"], doc["id"])
            else:
                self._note(doc["user_id"], doc["id"], written)
        return stored

    async def upsert(self, doc: Document) -> Document:
        return await self._write(doc["user_id"], doc["id"], lambda: self._store.upsert(doc))

    async def delete(self, user_id: str, doc_id: str, etag: str | None = None) -> None:
        async def delete() -> None:
            await self._store.delete(user_id, doc_id, etag)

        await self._write(user_id, doc_id, delete)
        self._note(user_id, doc_id, None)

    async def query(self, query: Query) -> list[Document]:
        docs = await self._store.query(query)
        for doc in docs:  # as current as a read: later reads of them need no round trip
            self._note(doc.get("user_id", ""), doc.get("id", ""), doc)
        return docs

    async def query_many(self, queries: Sequence[Query]) -> list[list[Document]]:
        found = await self._store.query_many(queries)
        for docs in found:
            for doc in docs:
                self._note(doc.get("user_id", ""), doc.get("id", ""), doc)
        return found

    async def count(self, query: Query) -> int:
        return await self._store.count(query)

    async def delete_partition(self, user_id: str) -> int:
        await self._run_hooks()
        deleted = await self._store.delete_partition(user_id)
        if user_id == self.user_id:
            self._seen = dict.fromkeys(self._seen)  # everything the turn saw is gone
        return deleted

    async def _write(self, user_id: str, doc_id: str, write: Callable[[], Awaitable[Any]]) -> Any:
        await self._run_hooks()
        try:
            stored = await write()
        except StoreError:
            # Stale, taken, gone, or an outcome we cannot know: the next read asks the store.
            self._forget(user_id, doc_id)
            raise
        if isinstance(stored, dict):
            self._note(user_id, doc_id, stored)
        return stored

    async def _run_hooks(self) -> None:
        if self._in_hook:
            return  # a hook's own writes
        self._in_hook = True
        try:
            for hook in self._hooks:
                await hook()
        finally:
            self._in_hook = False

    def _note(self, user_id: str, doc_id: str, doc: Document | None) -> None:
        if user_id == self.user_id and doc_id:
            self._seen[doc_id] = copy.deepcopy(doc)

    def _forget(self, user_id: str, doc_id: str) -> None:
        if user_id == self.user_id:
            self._seen.pop(doc_id, None)


class TurnRepositories(Repositories):
    """Every repository of one turn, over a TurnStore of the turn's user."""

    def __init__(self, store: DocumentStore, user_id: str) -> None:
        self.turn_store = TurnStore(store, user_id)
        self._loaded_rollups: set[str] = set()
        self.erased = False
        super().__init__(self.turn_store)

    async def load(self, entity_ids: Sequence[str], rollup_keys: Sequence[str]) -> None:
        await self.turn_store.load([*entity_ids, *(rollup_id(key) for key in rollup_keys)])
        self._loaded_rollups.update(rollup_keys)

    def before_write(self, hook: WriteHook) -> None:
        self.turn_store.before_write(hook)

    async def rollups_between(self, user_id: str, first: str, last: str) -> dict[str, dict[str, float]]:
        keys = self._loaded_days(first, last) if user_id == self.turn_store.user_id else None
        if keys is None:
            return await super().rollups_between(user_id, first, last)
        async with store_errors_as_domain_errors():  # a forgotten one is read again
            found = await self.turn_store.read_many(user_id, [rollup_id(key) for key in keys])
        return {doc["key"]: doc["counters"] for doc in found.values()}

    def _loaded_days(self, first: str, last: str) -> list[str] | None:
        """The day keys from ``first`` to ``last`` if the turn loaded every one of them."""
        if not (first.startswith(DAY) and last.startswith(DAY)):
            return None
        try:
            start, end = date.fromisoformat(first[len(DAY) :]), date.fromisoformat(last[len(DAY) :])
        except ValueError:
            return None
        keys = [DAY + (start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]
        if all(key in self._loaded_rollups for key in keys):
            return keys
        return None

    async def erase(self, user_id: str) -> int:
        deleted = await super().erase(user_id)
        if user_id == self.turn_store.user_id:
            self.erased = True
        return deleted


async def open_turn(
    store: DocumentStore, user_id: str, entity_ids: Sequence[str], rollup_keys: Sequence[str]
) -> TurnRepositories:
    repos = TurnRepositories(store, user_id)
    await repos.load(entity_ids, rollup_keys)
    return repos
