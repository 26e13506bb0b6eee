"""Azure Cosmos DB document store: the production implementation of the document-store port.

It mirrors the SQLite store call for call (same errors, same null semantics, same operation
counts) so repositories cannot tell the two apart. Documents are partitioned by ``/user_id``;
every user-scoped call is single-partition. Transient failures are retried here, on top of the
SDK's own throttling retry, and what still fails surfaces as ``StoreUnavailable``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, TypeVar

from azure.core import MatchConditions
from azure.core.exceptions import AzureError, ServiceRequestError, ServiceResponseError
from azure.cosmos import PartitionKey
from azure.cosmos.aio import ContainerProxy, CosmosClient
from azure.cosmos.exceptions import CosmosClientTimeoutError, CosmosHttpResponseError

from persistence.port import (
    Condition,
    Document,
    DocumentExists,
    DocumentMissing,
    EtagMismatch,
    OperationCounter,
    Query,
    StoreError,
    StoreUnavailable,
    describe,
)

T = TypeVar("T")
log = logging.getLogger("avanochi.store")

PARTITION_KEY_PATH = "/user_id"
# Server-managed properties that mean nothing to callers; ``_etag`` stays, it is the port's
# concurrency token.
SYSTEM_PROPERTIES = ("_rid", "_self", "_ts", "_attachments")
# 408 timeout, 429 throttled, 449 "retry with" (write conflict inside the service), 503 unavailable.
TRANSIENT_STATUS = frozenset({408, 429, 449, 503})
# Real Cosmos DB answers 404/1003 when the database or container, not the item, is missing.
OWNER_MISSING_SUBSTATUS = 1003
DELETE_CONCURRENCY = 8
QUERIES_IN_FLIGHT = 32  # of one query_many: a chunk of users asks hundreds at once
# Seconds callers fail fast after a failed connection attempt, rather than each waiting through
# a new one (an attempt against an unreachable host takes several seconds of retries).
RECONNECT_PAUSE = 2.0
# Connection failures and timeouts, after the SDK's own connection retries. A write that timed
# out may have landed; a retried create then reports DocumentExists, which callers must accept.
TRANSIENT_ERRORS = (ServiceRequestError, ServiceResponseError, CosmosClientTimeoutError, OSError)


class _Transient(Exception):
    """One failed attempt worth retrying; carries the server's retry hint."""

    def __init__(self, reason: str, retry_after: float = 0.0) -> None:
        super().__init__(reason)
        self.retry_after = retry_after


class CosmosDocumentStore:
    name = "cosmos"

    def __init__(
        self,
        uri: str,
        key: str,
        database: str,
        container: str,
        verify_tls: bool = True,
        max_attempts: int = 4,
        base_delay: float = 0.2,
        *,
        max_delay: float = 5.0,
        client_options: Mapping[str, Any] | None = None,
    ) -> None:
        self._uri = uri
        self._key = key
        self._database_name = database
        self._container_name = container
        self._verify_tls = verify_tls
        self._max_attempts = max(1, max_attempts)
        self._base_delay = base_delay
        self._max_delay = max_delay
        # Extra CosmosClient keyword arguments (timeouts, connection policy); tests use them
        # to turn the SDK's own retries down.
        self._client_options = dict(client_options or {})
        self._client: CosmosClient | None = None
        self._container: ContainerProxy | None = None
        self._opened = False
        self._attempt: asyncio.Task[ContainerProxy] | None = None  # the connection attempt, if any
        self._retry_at = 0.0  # no new attempt before this (monotonic seconds) after a failed one
        self.operations = OperationCounter()
        # Told the headers of every response (each attempt): telemetry reads the request charge there.
        self.on_response: Callable[[Mapping[str, str]], None] | None = None

    def __repr__(self) -> str:  # never show the key, even in a debugger or a log line
        return f"CosmosDocumentStore({self._uri!r}, {self._database_name!r}, {self._container_name!r})"

    async def open(self) -> None:
        """Connect; when Cosmos DB is unreachable, start anyway and connect on first use (as the
        original service did), so a store outage at boot is a not-ready instance, not a crash
        loop. A misconfiguration (a container partitioned otherwise, a rejected key) still fails."""
        self._opened = True
        try:
            await self._ready()
        except StoreUnavailable as exc:
            log.warning("Cosmos DB unreachable at start; connecting on first use", extra={"reason": str(exc)})
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        self._opened = False
        attempt, self._attempt = self._attempt, None
        if attempt is not None and not attempt.done():
            attempt.cancel()
            with contextlib.suppress(BaseException):
                await attempt
        client, self._client, self._container = self._client, None, None
        if client is not None:
            await client.close()

    async def _ready(self) -> ContainerProxy:
        """The container, connecting first when not connected yet. One attempt at a time is
        shared by every caller; after a failed one, callers fail fast for RECONNECT_PAUSE."""
        if self._container is not None:
            return self._container
        if not self._opened:
            raise RuntimeError("store is not open")
        attempt = self._attempt
        if attempt is None or (attempt.done() and time.monotonic() >= self._retry_at):
            attempt = self._attempt = asyncio.create_task(self._connect())
            attempt.add_done_callback(_retrieve)
        # Shielded: a caller that stops waiting (a probe's timeout) leaves the attempt to the next.
        return await asyncio.shield(attempt)

    async def _connect(self) -> ContainerProxy:
        # A new client per attempt: a failed one has marked the endpoint unavailable for a while.
        options = {"raw_response_hook": self._response, **self._client_options}
        client = CosmosClient(self._uri, credential=self._key, connection_verify=self._verify_tls, **options)
        try:
            database = await self._retrying("open", lambda: client.create_database_if_not_exists(self._database_name))
            container = await self._retrying(
                "open",
                lambda: database.create_container_if_not_exists(
                    self._container_name, partition_key=PartitionKey(path=PARTITION_KEY_PATH)
                ),
            )
            properties = await self._retrying("open", container.read)
            paths = (properties.get("partitionKey") or {}).get("paths") or []
            if paths != [PARTITION_KEY_PATH]:
                # An existing container keeps its key forever; every query here would go cross-partition.
                raise StoreError(
                    f"container {self._container_name!r} is partitioned by {paths}, expected {PARTITION_KEY_PATH}"
                )
        except BaseException:
            self._retry_at = time.monotonic() + RECONNECT_PAUSE
            await client.close()
            raise
        if self._client is not None:
            await self._client.close()
        self._client, self._container = client, container
        log.info("connected to Cosmos DB")
        return container

    def _response(self, response: Any) -> None:
        if self.on_response is not None:
            self.on_response(response.http_response.headers)

    async def read(self, user_id: str, doc_id: str) -> Document:
        self.operations.count("read", doc_id)
        container = await self._ready()
        return _clean(
            await self._retrying("read", lambda: container.read_item(item=doc_id, partition_key=user_id), doc_id)
        )

    async def read_many(self, user_id: str, doc_ids: list[str]) -> dict[str, Document]:
        self.operations.count("read_many", f"{len(doc_ids)} ids")
        if not doc_ids:
            return {}
        # One query inside the partition: a round trip instead of one point read per id.
        rows = await self._collect(
            "SELECT * FROM c WHERE c.user_id = @user_id AND ARRAY_CONTAINS(@ids, c.id)",
            [{"name": "@user_id", "value": user_id}, {"name": "@ids", "value": list(doc_ids)}],
            user_id,
        )
        return {row["id"]: _clean(row) for row in rows}

    async def create(self, doc: Document) -> Document:
        self.operations.count("create", doc["id"])
        container, body = await self._ready(), _body(doc)
        # No "was it ours?" check on a 409 after a lost response: de-duplication keys rely on
        # DocumentExists meaning someone got there first, so a conflict always reports as one.
        return _clean(await self._retrying("create", lambda: container.create_item(body), doc["id"]))

    async def replace(self, doc: Document, etag: str | None) -> Document:
        self.operations.count("replace", doc["id"])
        container, body = await self._ready(), _body(doc)
        options = _precondition(etag)
        return _clean(
            await self._retrying(
                "replace", lambda: container.replace_item(item=doc["id"], body=body, **options), doc["id"]
            )
        )

    async def replace_many(self, items: Sequence[tuple[Document, str | None]]) -> list[Document | None]:
        # No transaction spans partitions (a transactional batch stays inside one partition
        # key): each document is its own ETag write, all of them in flight at once.
        async def one(doc: Document, etag: str | None) -> Document | None:
            try:
                return await self.replace(doc, etag)
            except (EtagMismatch, DocumentMissing):
                return None

        return list(await asyncio.gather(*(one(doc, etag) for doc, etag in items)))

    async def upsert(self, doc: Document) -> Document:
        self.operations.count("upsert", doc["id"])
        container, body = await self._ready(), _body(doc)
        return _clean(await self._retrying("upsert", lambda: container.upsert_item(body), doc["id"]))

    async def delete(self, user_id: str, doc_id: str, etag: str | None = None) -> None:
        self.operations.count("delete", doc_id)
        await self._delete(user_id, doc_id, etag)

    async def _delete(self, user_id: str, doc_id: str, etag: str | None) -> None:
        container, options = await self._ready(), _precondition(etag)
        await self._retrying(
            "delete", lambda: container.delete_item(item=doc_id, partition_key=user_id, **options), doc_id
        )

    async def query(self, query: Query) -> list[Document]:
        self.operations.count("query", describe(query))
        if query.limit == 0:
            return []
        sql, params = _select(query)
        return [_clean(doc) for doc in await self._collect(sql, params, query.user_id)]

    async def query_many(self, queries: Sequence[Query]) -> list[list[Document]]:
        # Cosmos SQL has no UNION, and one query cannot take the top of several groups: each
        # query is its own round trip (counted as such), all in flight at once.
        gate = asyncio.Semaphore(QUERIES_IN_FLIGHT)

        async def one(query: Query) -> list[Document]:
            async with gate:
                return await self.query(query)

        return list(await asyncio.gather(*(one(query) for query in queries)))

    async def count(self, query: Query) -> int:
        self.operations.count("count", describe(query))
        sql, params = _where(query)
        # A cross-partition aggregate may come back as one partial count per partition.
        values = await self._collect(f"SELECT VALUE COUNT(1) FROM c WHERE {sql}", params, query.user_id)
        return int(sum(values))

    async def delete_partition(self, user_id: str) -> int:
        self.operations.count("delete", "partition")
        # No transactional batch, TTL or delete-by-partition on the test server: list the ids and
        # delete them one by one. Each delete is idempotent, so a rerun finishes a partial wipe.
        rows = await self._collect(
            "SELECT VALUE c.id FROM c WHERE c.user_id = @user_id", [{"name": "@user_id", "value": user_id}], user_id
        )

        async def remove(doc_id: str) -> int:
            try:
                await self._delete(user_id, doc_id, None)
                return 1
            except DocumentMissing:
                return 0  # removed concurrently; not ours to count

        deleted = 0
        # A few deletes in flight at once: fast enough for a big history, gentle on throughput.
        for start in range(0, len(rows), DELETE_CONCURRENCY):
            deleted += sum(await asyncio.gather(*map(remove, rows[start : start + DELETE_CONCURRENCY])))
        return deleted

    async def _collect(self, sql: str, params: list[dict[str, Any]], user_id: str | None) -> list[Any]:
        container = await self._ready()
        # No partition key means every partition: the async SDK then sends the cross-partition
        # header itself (it has no enable_cross_partition_query flag).
        scope: dict[str, Any] = {} if user_id is None else {"partition_key": user_id}

        async def run() -> list[Any]:
            return [row async for row in container.query_items(sql, parameters=params, **scope)]

        return await self._retrying("query", run)

    async def _retrying(self, operation: str, call: Callable[[], Awaitable[T]], subject: str | None = None) -> T:
        """Run ``call`` with bounded exponential backoff and jitter on transient failures."""
        for attempt in range(1, self._max_attempts + 1):
            try:
                return await _translate(operation, call, subject)
            except _Transient as exc:
                if attempt == self._max_attempts:
                    raise StoreUnavailable(
                        f"cosmos {operation} still failing after {attempt} attempts: {exc}"
                    ) from None
                backoff = self._base_delay * 2 ** (attempt - 1) * random.uniform(0.5, 1.0)
                # Honour the server's hint (it knows when the budget refills), within our cap.
                await asyncio.sleep(min(max(backoff, exc.retry_after), self._max_delay))
        raise AssertionError("unreachable")


async def _translate(operation: str, call: Callable[[], Awaitable[T]], subject: str | None) -> T:
    """One attempt, with SDK failures turned into port errors or ``_Transient``."""
    try:
        return await call()
    except CosmosHttpResponseError as exc:
        status = exc.status_code or 0
        if status == 404 and exc.sub_status == OWNER_MISSING_SUBSTATUS:
            # The database or container itself is gone: not a missing document.
            raise StoreError(f"cosmos {operation} failed: container not found") from None
        # Like the SQLite store, the port's errors carry the document id.
        if status == 404:
            raise DocumentMissing(subject or operation) from None
        if status == 409:
            raise DocumentExists(subject or operation) from None
        if status == 412:
            raise EtagMismatch(subject or operation) from None
        if status in TRANSIENT_STATUS:
            raise _Transient(f"HTTP {status}", _retry_after(exc)) from None
        # The SDK message can be long and echo request details; keep ours short.
        raise StoreError(f"cosmos {operation} failed: HTTP {status}") from None
    except TRANSIENT_ERRORS as exc:
        raise _Transient(type(exc).__name__) from None
    except AzureError as exc:
        raise StoreError(f"cosmos {operation} failed: {type(exc).__name__}") from None


def _retrieve(attempt: asyncio.Task[ContainerProxy]) -> None:
    # Its callers may all have stopped waiting; the failure is theirs to see, not the loop's to log.
    if not attempt.cancelled():
        attempt.exception()


def _retry_after(exc: CosmosHttpResponseError) -> float:
    try:
        return float((exc.headers or {}).get("x-ms-retry-after-ms") or 0) / 1000
    except ValueError:
        return 0.0


def _clean(doc: Mapping[str, Any]) -> Document:
    return {k: v for k, v in doc.items() if k not in SYSTEM_PROPERTIES}


def _body(doc: Document) -> Document:
    # The etag travels as an If-Match header, never inside the document.
    return {k: v for k, v in doc.items() if k != "_etag" and k not in SYSTEM_PROPERTIES}


def _precondition(etag: str | None) -> dict[str, Any]:
    if etag is None:
        return {}
    return {"etag": etag, "match_condition": MatchConditions.IfNotModified}


def _field(name: str) -> str:
    # Bracket notation keeps names that are Cosmos SQL keywords (value, order, ...) usable.
    if not name.replace("_", "").isalnum():
        raise ValueError(f"unsupported field name {name!r}")
    return f'c["{name}"]'


def _where(query: Query) -> tuple[str, list[dict[str, Any]]]:
    clauses: list[str] = []
    params: list[dict[str, Any]] = []
    if query.type is not None:
        clauses.append("c.type = @type")
        params.append({"name": "@type", "value": query.type})
    if query.user_id is not None:
        # Spelled out even with partition_key= set: the test server insists on it.
        clauses.append("c.user_id = @user_id")
        params.append({"name": "@user_id", "value": query.user_id})
    for index, condition in enumerate(query.where):
        clauses.append(_condition_sql(condition, f"@p{index}", params))
    return " AND ".join(clauses), params


def _select(query: Query) -> tuple[str, list[dict[str, Any]]]:
    where_sql, params = _where(query)
    top = ""
    # SQLite treats a negative LIMIT as none; OFFSET/LIMIT is not parsed by the test server.
    if query.limit is not None and query.limit > 0:
        top = "TOP @limit "
        params.append({"name": "@limit", "value": int(query.limit)})
    sql = f"SELECT {top}* FROM c WHERE {where_sql}"
    if query.order_by:
        sql += f" ORDER BY {_field(query.order_by)} {'DESC' if query.descending else 'ASC'}"
    return sql, params


def _condition_sql(condition: Condition, name: str, params: list[dict[str, Any]]) -> str:
    column = _field(condition.field)
    if condition.value is None:
        # SQLite's json_extract gives NULL for a missing field too, so "= null" must also match
        # documents without the field; in Cosmos SQL a missing field compares as undefined.
        if condition.op == "=":
            return f"(NOT IS_DEFINED({column}) OR {column} = null)"
        if condition.op == "!=":
            return f"{column} != null"
        raise ValueError("only = and != compare with null")
    params.append({"name": name, "value": condition.value})
    if condition.op == "!=":
        # In SQLite NULL != x is NULL (no match); in Cosmos null != x is true.
        return f"({column} != {name} AND {column} != null)"
    return f"{column} {condition.op} {name}"
