"""Shared fixtures: a document store of each kind, and the Cosmos DB test server behind them.

Any test that takes ``store`` runs twice, once on SQLite and once on Cosmos DB (ids ``sqlite``
and ``cosmos``). The Cosmos server starts on first use, once per session, so a run that selects
no Cosmos test (``-m "not cosmos"``) never needs node.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import pytest
from azure.cosmos.aio import CosmosClient
from azure.cosmos.exceptions import CosmosResourceNotFoundError

from persistence.cosmos_store import CosmosDocumentStore
from persistence.port import DocumentStore
from persistence.sqlite_store import SqliteDocumentStore
from tools.cosmos_server import CosmosServer, CosmosServerMissing

COSMOS_CONTAINER = "documents"
STORE_KINDS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("cosmos", id="cosmos", marks=pytest.mark.cosmos),
]


@pytest.fixture(scope="session")
def cosmos_server() -> Iterator[CosmosServer]:
    """The Cosmos DB test server on loopback (HTTPS, self-signed), shared by the session."""
    server = CosmosServer()
    missing = ""
    try:
        server.start()
    except CosmosServerMissing as exc:
        missing = str(exc)
    if missing:
        # Fail, never skip: a silently skipped Cosmos run would hide every Cosmos bug.
        pytest.fail(missing, pytrace=False)
    try:
        yield server
    finally:
        server.stop()


def unique_database() -> str:
    return f"test-{uuid.uuid4().hex[:16]}"


def make_store(
    kind: str,
    tmp_path: Path,
    cosmos_server: CosmosServer | None = None,
    *,
    database: str | None = None,
    uri: str | None = None,
    **options: Any,
) -> DocumentStore:
    """A new, unopened store of ``kind``: SQLite in ``tmp_path``, or Cosmos on its own database
    (``database`` or a fresh unique name), reached at ``uri`` (a proxy, say) or the server's own.
    ``options`` go to the Cosmos store's constructor."""
    if kind == "sqlite":
        return SqliteDocumentStore(str(tmp_path / f"store-{uuid.uuid4().hex[:8]}.sqlite3"))
    if kind == "cosmos":
        if cosmos_server is None:
            raise ValueError("a cosmos store needs the cosmos_server fixture")
        options.setdefault("base_delay", 0.05)
        return CosmosDocumentStore(
            uri or cosmos_server.uri,
            cosmos_server.key,
            database or unique_database(),
            COSMOS_CONTAINER,
            verify_tls=False,
            **options,
        )
    raise ValueError(f"unknown store kind {kind!r}")


async def drop_database(cosmos_server: CosmosServer, database: str) -> None:
    async with CosmosClient(cosmos_server.uri, cosmos_server.key, connection_verify=False) as client:
        try:
            await client.delete_database(database)
        except CosmosResourceNotFoundError:
            pass


@asynccontextmanager
async def opened_store(
    kind: str, tmp_path: Path, cosmos_server: CosmosServer | None = None, **options: Any
) -> AsyncIterator[DocumentStore]:
    """An opened store that is closed (and, on Cosmos, whose database is dropped) afterwards."""
    store = make_store(kind, tmp_path, cosmos_server, **options)
    await store.open()
    try:
        yield store
    finally:
        await store.close()
        if isinstance(store, CosmosDocumentStore) and cosmos_server is not None:
            await drop_database(cosmos_server, store._database_name)


def server_for(kind: str, request: pytest.FixtureRequest) -> CosmosServer | None:
    """The Cosmos server when ``kind`` needs one; asking for it is what starts it."""
    return request.getfixturevalue("cosmos_server") if kind == "cosmos" else None


@pytest.fixture(params=STORE_KINDS)
def store_kind(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``cosmos``, for fixtures that build their own store or app."""
    return request.param


@pytest.fixture
async def store(store_kind: str, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[DocumentStore]:
    async with opened_store(store_kind, tmp_path, server_for(store_kind, request)) as opened:
        yield opened


@pytest.fixture
async def cosmos_settings(cosmos_server: CosmosServer) -> AsyncIterator[dict[str, str]]:
    """Environment-style settings pointing an app at a fresh database on the test server."""
    database = unique_database()
    yield {
        "COSMOS_DB_URI": cosmos_server.uri,
        "COSMOS_DB_PRIMARY_KEY": cosmos_server.key,
        "COSMOS_DB_DATABASE": database,
        "COSMOS_DB_CONTAINER": COSMOS_CONTAINER,
        "COSMOS_DB_VERIFY_TLS": "false",
    }
    await drop_database(cosmos_server, database)
