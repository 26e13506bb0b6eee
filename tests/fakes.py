"""In-memory doubles of our own interfaces, for unit tests: a DocumentStore kept in a dict."""

from __future__ import annotations

import json
import operator
import uuid
from collections.abc import Sequence
from typing import Any

from persistence.port import (
    Condition,
    Document,
    DocumentExists,
    DocumentMissing,
    EtagMismatch,
    OperationCounter,
    Query,
)

_COMPARE = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}


def _stored(doc: Document) -> Document:
    # A JSON round trip, as SQLite does: callers never share objects with the store, and
    # whatever JSON cannot hold (a datetime, say) fails here as it would there.
    return json.loads(json.dumps({k: v for k, v in doc.items() if k != "_etag"}))


def _rank(value: Any) -> tuple[int, Any]:
    """How SQLite orders json_extract values: null, then numbers (booleans are 0/1), then text."""
    if value is None:
        return (0, 0)
    if isinstance(value, (bool, int, float)):
        return (1, value)
    if isinstance(value, str):
        return (2, value)
    return (2, json.dumps(value, separators=(",", ":")))  # objects and arrays come back as JSON text


def _check(condition: Condition) -> None:
    if condition.value is None and condition.op not in ("=", "!="):
        raise ValueError("only = and != compare with null")


def _matches(doc: Document, condition: Condition) -> bool:
    value = doc.get(condition.field)
    if condition.value is None:
        return (value is None) == (condition.op == "=")
    if value is None:  # SQL: a comparison with NULL is never true, not even "!="
        return False
    return _COMPARE[condition.op](_rank(value), _rank(condition.value))


class InMemoryDocumentStore:
    """The DocumentStore port over a dict keyed by (user_id, id), with SqliteDocumentStore's semantics."""

    name = "memory"

    def __init__(self) -> None:
        self.documents: dict[tuple[str, str], tuple[Document, str]] = {}  # body, etag
        self.operations = OperationCounter()

    async def open(self) -> None:
        pass

    async def close(self) -> None:
        pass

    def _put(self, doc: Document) -> Document:
        etag = uuid.uuid4().hex
        self.documents[(doc["user_id"], doc["id"])] = (_stored(doc), etag)
        return {**doc, "_etag": etag}

    def _check_etag(self, user_id: str, doc_id: str, etag: str | None) -> None:
        if (user_id, doc_id) not in self.documents:
            raise DocumentMissing(doc_id)
        if etag is not None and self.documents[(user_id, doc_id)][1] != etag:
            raise EtagMismatch(doc_id)

    async def read(self, user_id: str, doc_id: str) -> Document:
        self.operations.count("read")
        if (user_id, doc_id) not in self.documents:
            raise DocumentMissing(doc_id)
        body, etag = self.documents[(user_id, doc_id)]
        return {**json.loads(json.dumps(body)), "_etag": etag}

    async def read_many(self, user_id: str, doc_ids: list[str]) -> dict[str, Document]:
        self.operations.count("read_many")
        return {
            doc_id: {
                **json.loads(json.dumps(self.documents[(user_id, doc_id)][0])),
                "_etag": self.documents[(user_id, doc_id)][1],
            }
            for doc_id in dict.fromkeys(doc_ids)
            if (user_id, doc_id) in self.documents
        }

    async def create(self, doc: Document) -> Document:
        self.operations.count("create")
        if (doc["user_id"], doc["id"]) in self.documents:
            raise DocumentExists(doc["id"])
        return self._put(doc)

    async def replace(self, doc: Document, etag: str | None) -> Document:
        self.operations.count("replace")
        self._check_etag(doc["user_id"], doc["id"], etag)
        return self._put(doc)

    async def replace_many(self, items: Sequence[tuple[Document, str | None]]) -> list[Document | None]:
        self.operations.count("replace_many")
        results: list[Document | None] = []
        for doc, etag in items:
            try:
                self._check_etag(doc["user_id"], doc["id"], etag)
            except (DocumentMissing, EtagMismatch):
                results.append(None)
                continue
            results.append(self._put(doc))
        return results

    async def upsert(self, doc: Document) -> Document:
        self.operations.count("upsert")
        return self._put(doc)

    async def delete(self, user_id: str, doc_id: str, etag: str | None = None) -> None:
        self.operations.count("delete")
        self._check_etag(user_id, doc_id, etag)
        del self.documents[(user_id, doc_id)]

    def _select(self, query: Query) -> list[Document]:
        for condition in query.where:
            _check(condition)
        found = []
        for (user_id, _), (body, etag) in sorted(self.documents.items()):  # primary-key order
            if query.type not in (None, body["type"]) or query.user_id not in (None, user_id):
                continue
            if all(_matches(body, condition) for condition in query.where):
                found.append({**json.loads(json.dumps(body)), "_etag": etag})
        return found

    async def query(self, query: Query) -> list[Document]:
        self.operations.count("query")
        return self._query(query)

    def _query(self, query: Query) -> list[Document]:
        found = self._select(query)
        order_by = query.order_by
        if order_by:
            # Nulls sort first ascending and last descending, as in SQLite; ties keep key order.
            found.sort(key=lambda doc: _rank(doc.get(order_by)), reverse=query.descending)
        return found if query.limit is None else found[: query.limit]

    async def query_many(self, queries: Sequence[Query]) -> list[list[Document]]:
        self.operations.count("query")
        return [self._query(query) for query in queries]  # one round trip for them all, as on SQLite

    async def count(self, query: Query) -> int:
        self.operations.count("count")
        return len(self._select(query))

    async def delete_partition(self, user_id: str) -> int:
        self.operations.count("delete")
        doomed = [key for key in self.documents if key[0] == user_id]
        for key in doomed:
            del self.documents[key]
        return len(doomed)
