"""Transient Cosmos DB failures: a fault-injecting proxy in front of the test server answers
429 or 503 to the first document requests, and the store must retry its way through (or give
up with StoreUnavailable in bounded time)."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest
from aiohttp import web
from azure.cosmos.documents import ConnectionPolicy, RetryOptions

from persistence.port import Query, StoreUnavailable
from tests.conftest import opened_store
from tools.cosmos_server import CosmosServer
from tools.fakes.loopback import serve

pytestmark = pytest.mark.cosmos

# Hop-by-hop or recomputed by aiohttp; copying them would corrupt the relayed response.
DROPPED_HEADERS = {"content-length", "transfer-encoding", "content-encoding", "connection", "host"}


class FaultProxy:
    """Plain-HTTP loopback proxy to the HTTPS test server. ``faults`` are (status, headers)
    answered, in order, to document requests instead of forwarding them."""

    def __init__(self, upstream: CosmosServer) -> None:
        self.upstream = upstream.uri.rstrip("/")
        self.faults: list[tuple[int, dict[str, str]]] = []
        self.fail_forever: tuple[int, dict[str, str]] | None = None
        self.injected = 0
        self.forwarded: list[tuple[str, str]] = []  # (method, path) of document requests relayed
        self.uri = ""

    async def __aenter__(self) -> FaultProxy:
        self._session = aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=False))
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._handle)
        self._runner, root = await serve(app)
        self.uri = root + "/"
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._runner.cleanup()
        await self._session.close()

    async def _handle(self, request: web.Request) -> web.StreamResponse:
        is_document = "/docs" in request.path
        fault = (self.faults.pop(0) if self.faults else self.fail_forever) if is_document else None
        if fault is not None:
            self.injected += 1
            status, headers = fault
            error = {"code": "TooManyRequests" if status == 429 else "ServiceUnavailable", "message": "injected"}
            return web.json_response(error, status=status, headers=headers)
        if is_document:
            self.forwarded.append((request.method, request.path))
        headers = {k: v for k, v in request.headers.items() if k.lower() not in DROPPED_HEADERS}
        async with self._session.request(
            request.method, self.upstream + request.path_qs, headers=headers, data=await request.read()
        ) as upstream:
            body = await upstream.read()
            if request.path == "/" and upstream.status == 200:
                # The account document names the endpoints the SDK should use from then on;
                # point them at the proxy, or the SDK would route around it.
                account = json.loads(body)
                for key in ("writableLocations", "readableLocations"):
                    for location in account.get(key, []):
                        location["databaseAccountEndpoint"] = self.uri
                body = json.dumps(account).encode()
            relayed = {k: v for k, v in upstream.headers.items() if k.lower() not in DROPPED_HEADERS}
            return web.Response(status=upstream.status, body=body, headers=relayed)


def without_sdk_throttle_retries() -> ConnectionPolicy:
    # The SDK retries 429 itself (9 times by default); turning that off shows our own retry
    # honouring x-ms-retry-after-ms.
    policy = ConnectionPolicy()
    policy.RetryOptions = RetryOptions(max_retry_attempt_count=0)
    return policy


@pytest.fixture
async def proxy(cosmos_server: CosmosServer) -> AsyncIterator[FaultProxy]:
    async with FaultProxy(cosmos_server) as running:
        yield running


async def test_create_after_two_429s_lands_exactly_once(proxy, cosmos_server, tmp_path) -> None:
    async with opened_store("cosmos", tmp_path, cosmos_server, uri=proxy.uri) as store:
        proxy.faults = [(429, {"x-ms-retry-after-ms": "20"})] * 2
        created = await store.create({"id": "t1", "user_id": "alice", "type": "task"})
        assert proxy.injected == 2
        assert [method for method, _ in proxy.forwarded] == ["POST"]
        assert await store.read("alice", "t1") == created
        assert await store.count(Query("task", "alice")) == 1


async def test_store_honours_retry_after_when_the_sdk_does_not_retry(proxy, cosmos_server, tmp_path) -> None:
    options = {"client_options": {"connection_policy": without_sdk_throttle_retries()}, "base_delay": 0.001}
    async with opened_store("cosmos", tmp_path, cosmos_server, uri=proxy.uri, **options) as store:
        proxy.faults = [(429, {"x-ms-retry-after-ms": "200"})] * 2
        started = time.monotonic()
        await store.create({"id": "t1", "user_id": "alice", "type": "task"})
        assert time.monotonic() - started >= 0.4
        assert proxy.injected == 2
        assert [method for method, _ in proxy.forwarded] == ["POST"]
        assert await store.count(Query("task", "alice")) == 1


async def test_read_after_a_503_succeeds(proxy, cosmos_server, tmp_path) -> None:
    async with opened_store("cosmos", tmp_path, cosmos_server, uri=proxy.uri) as store:
        created = await store.create({"id": "t1", "user_id": "alice", "type": "task"})
        proxy.faults = [(503, {})]
        assert await store.read("alice", "t1") == created
        assert proxy.injected == 1


async def test_query_after_a_503_succeeds(proxy, cosmos_server, tmp_path) -> None:
    options = {"max_attempts": 3, "base_delay": 0.01}
    async with opened_store("cosmos", tmp_path, cosmos_server, uri=proxy.uri, **options) as store:
        await store.create({"id": "t1", "user_id": "alice", "type": "task"})
        proxy.faults = [(503, {})] * 2
        assert [d["id"] for d in await store.query(Query("task", "alice"))] == ["t1"]


async def test_persistent_503_raises_store_unavailable_in_bounded_time(proxy, cosmos_server, tmp_path) -> None:
    options = {"max_attempts": 3, "base_delay": 0.01, "max_delay": 0.05}
    async with opened_store("cosmos", tmp_path, cosmos_server, uri=proxy.uri, **options) as store:
        proxy.fail_forever = (503, {})
        started = time.monotonic()
        with pytest.raises(StoreUnavailable) as raised:
            await store.create({"id": "t1", "user_id": "alice", "type": "task"})
        assert time.monotonic() - started < 10
        # Three attempts of ours, each at most twice (the SDK retries a 503 once itself).
        assert 3 <= proxy.injected <= 6
        assert proxy.forwarded == []
        assert cosmos_server.key not in str(raised.value) and cosmos_server.key not in repr(store)
        proxy.fail_forever = None
        assert await store.count(Query("task", "alice")) == 0


async def test_unreachable_server_raises_store_unavailable(cosmos_server, tmp_path) -> None:
    options = {"max_attempts": 2, "base_delay": 0.01, "client_options": {"retry_connect": 0, "connection_timeout": 2}}
    async with (
        FaultProxy(cosmos_server) as proxy,
        opened_store("cosmos", tmp_path, cosmos_server, uri=proxy.uri, **options) as store,
    ):
        await proxy._runner.cleanup()  # the endpoint now refuses connections
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            await store.read("alice", "t1")
        assert time.monotonic() - started < 30
