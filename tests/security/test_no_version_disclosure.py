"""Nothing the server answers names the software versions it runs: no ``Server: Python/3.x
aiohttp/3.x`` header on any response, no version in /healthz."""

from __future__ import annotations

import re

import pytest

VERSION_NUMBER = re.compile(r"\d+\.\d+")


@pytest.mark.parametrize(
    ("method", "path", "token", "status"),
    [
        ("GET", "/healthz", False, 200),
        ("GET", "/api/openapi.json", False, 200),
        ("GET", "/no/such/page", False, 404),
        ("DELETE", "/healthz", False, 405),
        ("GET", "/api/tasks", False, 401),
        ("GET", "/api/tasks?user_id=u1", True, 200),
        ("POST", "/api/tasks", True, 400),
    ],
)
async def test_no_response_names_the_server_software_or_its_version(api, method, path, token, status):
    response = await api.call(method, path, token=token, data=b"{not json")
    await response.read()
    assert response.status == status
    server = response.headers.get("Server", "")
    assert "aiohttp" not in server.lower() and "python" not in server.lower()
    assert not VERSION_NUMBER.search(server), server


async def test_healthz_reports_status_store_and_uptime_but_no_version(api):
    body = await api.json("GET", "/healthz", 200, token=False)
    assert set(body) == {"status", "store", "uptime_seconds"}
    assert body["status"] == "ok" and body["store"] in ("sqlite", "cosmos")
