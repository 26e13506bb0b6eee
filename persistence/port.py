"""The document-store port: the only storage interface repositories use.

Two implementations stand behind it: SQLite (embedded default) and Azure Cosmos DB.
Every document carries ``id``, ``user_id`` (the partition key) and ``type``; the
store adds ``_etag`` on every write so callers can do optimistic concurrency.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

Document = dict[str, Any]

OPERATORS = ("=", "!=", "<", "<=", ">", ">=")


class StoreError(Exception):
    """The store could not do what was asked, after its own retries."""


class DocumentMissing(StoreError):
    """No document with that id in that partition."""


class DocumentExists(StoreError):
    """A create collided with an existing id in the partition."""


class EtagMismatch(StoreError):
    """The document changed since it was read (HTTP 412 on Cosmos)."""


class StoreUnavailable(StoreError):
    """Transient failures outlasted the retries (throttling, 503, timeouts)."""


@dataclass(frozen=True)
class Condition:
    """``field <op> value`` on a top-level field of the document."""

    field: str
    op: str
    value: Any

    def __post_init__(self) -> None:
        if self.op not in OPERATORS:
            raise ValueError(f"unsupported operator {self.op!r}")
        if not self.field.replace("_", "").isalnum():
            # Field names are spliced into SQL on both stores; values never are.
            raise ValueError(f"unsupported field name {self.field!r}")


@dataclass(frozen=True)
class Query:
    """A query of one document type (``type=None``: any type, in one partition only).
    ``user_id=None`` means every partition."""

    type: str | None
    user_id: str | None
    where: tuple[Condition, ...] = ()
    order_by: str | None = None
    descending: bool = False
    limit: int | None = None

    def __post_init__(self) -> None:
        if self.type is None and self.user_id is None:
            raise ValueError("a query of every type must stay in one partition")
        if self.order_by is not None and not self.order_by.replace("_", "").isalnum():
            raise ValueError(f"unsupported field name {self.order_by!r}")


def where(field_name: str, op: str, value: Any) -> Condition:
    return Condition(field_name, op, value)


@dataclass
class OperationCounter:
    """Counts store round trips; the benchmark reads it to show cost per request. ``trail``
    names the recent ones (kind and document or query), to show where a request's cost goes."""

    reads: int = 0
    writes: int = 0
    queries: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    trail: list[str] = field(default_factory=list)

    TRAIL_KEPT = 200  # enough for any one request; a long run keeps only its tail

    def count(self, kind: str, what: str = "") -> None:
        self.by_kind[kind] = self.by_kind.get(kind, 0) + 1
        if kind in ("read", "read_many"):
            self.reads += 1
        elif kind in ("query", "count"):
            self.queries += 1
        else:
            self.writes += 1
        self.trail.append(f"{kind} {what}".rstrip())
        if len(self.trail) > self.TRAIL_KEPT:
            del self.trail[: -self.TRAIL_KEPT]

    @property
    def total(self) -> int:
        return self.reads + self.writes + self.queries

    def reset(self) -> None:
        self.reads = self.writes = self.queries = 0
        self.by_kind.clear()
        self.trail.clear()


def describe(query: Query) -> str:
    """A query in a few words, for the operation trail: its type and the fields it filters on."""
    fields = ",".join(f"{c.field}{c.op}" for c in query.where)
    return f"{query.type or '*'}[{fields}]" if fields else (query.type or "*")


class DocumentStore(Protocol):
    """What a repository may ask of a store. All calls are single-partition unless
    a query names no user."""

    name: str  # "sqlite" or "cosmos", shown by /healthz
    operations: OperationCounter

    async def open(self) -> None: ...

    async def close(self) -> None: ...

    async def read(self, user_id: str, doc_id: str) -> Document:
        """The document, with ``_etag``; raises DocumentMissing."""

    async def read_many(self, user_id: str, doc_ids: list[str]) -> dict[str, Document]:
        """Those of the documents that exist in one partition, by id, in one round trip."""

    async def create(self, doc: Document) -> Document:
        """Insert; raises DocumentExists when the id is taken in the partition."""

    async def replace(self, doc: Document, etag: str | None) -> Document:
        """Overwrite an existing document. With an etag, only if it still matches
        (EtagMismatch otherwise); DocumentMissing if it is gone."""

    async def upsert(self, doc: Document) -> Document:
        """Insert or overwrite without a precondition."""

    async def delete(self, user_id: str, doc_id: str, etag: str | None = None) -> None:
        """Remove; DocumentMissing if absent, EtagMismatch if the etag is stale."""

    async def replace_many(self, items: Sequence[tuple[Document, str | None]]) -> list[Document | None]:
        """``replace`` of each (document, etag); for each, the stored document or None when its
        etag no longer matched or it is gone. Each write stands alone (no all-or-nothing): the
        SQLite store commits them together, Cosmos DB (no transactions across partitions)
        writes them one by one, concurrently."""

    async def query(self, query: Query) -> list[Document]: ...

    async def query_many(self, queries: Sequence[Query]) -> list[list[Document]]:
        """The answers of several queries, in order: one round trip on SQLite; on Cosmos DB,
        which has no union of queries, concurrent ones."""

    async def count(self, query: Query) -> int: ...

    async def delete_partition(self, user_id: str) -> int:
        """Remove every document of one user; returns how many went."""
