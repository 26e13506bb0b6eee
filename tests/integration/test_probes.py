"""Probes over real HTTP: /livez, /readyz, /healthz, /api/health, on each store; and a start with
Cosmos DB unreachable, which serves, says it is not ready, and connects once Cosmos DB is back."""

from __future__ import annotations

import asyncio
import time

import pytest
from aiohttp import ClientSession
from aiohttp.test_utils import TestServer

from app import build_app
from tests.conftest import COSMOS_CONTAINER, unique_database
from tests.integration.conftest import make_settings
from tools.cosmos_server import EMULATOR_KEY, CosmosServer, _free_port


async def test_livez_answers_without_a_token_and_without_touching_the_store(api, store) -> None:
    before = store.operations.total
    response = await api.call("GET", "/livez", token=False)
    assert response.status == 200
    assert await response.json() == {"status": "ok"}
    assert store.operations.total == before


async def test_readyz_says_ready_when_the_store_answers(api, store) -> None:
    body = await api.json("GET", "/readyz", 200, token=False)
    assert body == {"status": "ready", "store": store.name}


async def test_api_health_answers_like_the_original_service_without_a_token(api) -> None:
    response = await api.call("GET", "/api/health", token=False)
    assert response.status == 200
    assert await response.text() == "OK"


async def test_healthz_still_reports_the_store(api, store) -> None:
    body = await api.json("GET", "/healthz", 200, token=False)
    assert body["status"] == "ok" and body["store"] == store.name


async def test_the_rest_api_still_wants_a_token_next_to_the_open_health_route(api) -> None:
    response = await api.call("GET", "/api/tasks?user_id=slack:T1:U1", token=False)
    assert response.status == 401


async def poll(session: ClientSession, url: str, status: int, within: float) -> dict:
    """The JSON of the first answer with ``status`` (a wait for a state, not a timing check)."""
    deadline = time.monotonic() + within
    while True:
        async with session.get(url) as response:
            body = await response.json()
            if response.status == status:
                return body
        assert time.monotonic() < deadline, f"no {status} from {url} within {within}s; last: {body}"
        await asyncio.sleep(0.2)


@pytest.mark.cosmos
async def test_a_start_with_cosmos_unreachable_serves_is_not_ready_and_connects_when_cosmos_returns(
    cosmos_server,  # noqa: ARG001 (makes sure node and the test server are installed)
) -> None:
    port = _free_port()  # nothing listens here yet: Cosmos DB is "down"
    settings = make_settings(
        COSMOS_DB_URI=f"https://127.0.0.1:{port}/",
        COSMOS_DB_PRIMARY_KEY=EMULATOR_KEY,
        COSMOS_DB_DATABASE=unique_database(),
        COSMOS_DB_CONTAINER=COSMOS_CONTAINER,
        COSMOS_DB_VERIFY_TLS="false",
    )
    server = TestServer(build_app(settings), host="127.0.0.1")
    await server.start_server()  # the composition root opened the store: it did not give up
    late = CosmosServer(port=port)
    try:
        base = str(server.make_url("")).rstrip("/")
        async with ClientSession() as session:
            async with session.get(base + "/livez") as response:
                assert response.status == 200
            down = await poll(session, base + "/readyz", 503, within=5)
            assert down["status"] == "unavailable" and down["store"] == "cosmos"
            assert "store" in down["reason"] and EMULATOR_KEY not in down["reason"]
            assert str(port) not in down["reason"]  # no address of the store either

            await asyncio.to_thread(late.start)
            assert (await poll(session, base + "/readyz", 200, within=60))["status"] == "ready"
            headers = {"Authorization": "Bearer test-admin-token-0123456789abcdef"}
            task = {"user_id": "slack:T1:U1", "title": "written once Cosmos DB is back"}
            async with session.post(base + "/api/tasks", json=task, headers=headers) as response:
                assert response.status == 201, await response.text()
            async with session.get(base + "/api/tasks?user_id=slack:T1:U1", headers=headers) as response:
                assert [t["title"] for t in await response.json()] == [task["title"]]
    finally:
        await server.close()
        late.stop()
