"""CORS over real HTTP: CORS_ALLOWED_ORIGINS lets named browser origins call the REST API; a
preflight is answered without a token for them only; nothing is allowed by default."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from settings import CredentialManager, Settings
from tests.integration.conftest import Api, serving

APP_ORIGIN = "https://app.example.com"
LOCAL_ORIGIN = "http://localhost:19006"
PREFLIGHT = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "authorization, content-type"}


@pytest.fixture
async def cors_api(store) -> AsyncIterator[Api]:
    async with serving(store, CORS_ALLOWED_ORIGINS=f"{APP_ORIGIN}/, {LOCAL_ORIGIN}") as client:
        yield client


async def test_preflight_from_an_allowed_origin_is_answered_without_a_token(cors_api) -> None:
    response = await cors_api.call("OPTIONS", "/api/tasks", token=False, headers={"Origin": APP_ORIGIN, **PREFLIGHT})
    assert response.status == 204
    assert response.headers["Access-Control-Allow-Origin"] == APP_ORIGIN
    assert "POST" in response.headers["Access-Control-Allow-Methods"]
    allowed_headers = response.headers["Access-Control-Allow-Headers"].lower()
    assert "authorization" in allowed_headers and "content-type" in allowed_headers
    assert int(response.headers["Access-Control-Max-Age"]) > 0
    assert "Origin" in response.headers["Vary"]
    assert "Access-Control-Allow-Credentials" not in response.headers  # bearer tokens, no cookies


async def test_preflight_from_another_origin_gets_no_cors_headers(cors_api) -> None:
    evil = {"Origin": "https://evil.example.net", **PREFLIGHT}
    response = await cors_api.call("OPTIONS", "/api/tasks", token=False, headers=evil)
    assert response.status == 403
    assert "Access-Control-Allow-Origin" not in response.headers


async def test_an_allowed_origin_reads_the_answer_and_its_errors(cors_api) -> None:
    task = {"user_id": "slack:T1:U1", "title": "from the browser"}
    created = await cors_api.call("POST", "/api/tasks", json=task, headers={"Origin": LOCAL_ORIGIN})
    assert created.status == 201
    assert created.headers["Access-Control-Allow-Origin"] == LOCAL_ORIGIN
    assert "X-Request-Id" in created.headers["Access-Control-Expose-Headers"]
    # A 401 must reach the page too, or it cannot tell "sign in again" from a network error.
    refused = await cors_api.call("GET", "/api/tasks", token=False, headers={"Origin": LOCAL_ORIGIN})
    assert refused.status == 401
    assert refused.headers["Access-Control-Allow-Origin"] == LOCAL_ORIGIN


async def test_a_request_from_another_origin_is_served_without_cors_headers(cors_api) -> None:
    response = await cors_api.call(
        "GET", "/api/tasks?user_id=slack:T1:U1", headers={"Origin": "https://evil.example.net"}
    )
    assert response.status == 200
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Origin" in response.headers["Vary"]


async def test_no_origin_is_allowed_by_default(api) -> None:
    response = await api.call("OPTIONS", "/api/tasks", token=False, headers={"Origin": APP_ORIGIN, **PREFLIGHT})
    assert response.status == 403
    assert "Access-Control-Allow-Origin" not in response.headers


@pytest.mark.parametrize(
    "value", ["*", "https://app.example.com/path", "app.example.com", "ftp://files.example.com", "https://a.com?x=1"]
)
def test_a_setting_that_is_not_a_list_of_origins_stops_the_start(value) -> None:
    with pytest.raises(SystemExit) as stopped:
        Settings.load(CredentialManager({"CORS_ALLOWED_ORIGINS": value}, env_file=None))
    assert "CORS_ALLOWED_ORIGINS" in str(stopped.value)


def test_origins_are_read_as_browsers_send_them() -> None:
    value = "HTTPS://App.Example.com:443/, http://localhost:19006"
    settings = Settings.load(CredentialManager({"CORS_ALLOWED_ORIGINS": value}, env_file=None))
    assert settings.cors_allowed_origins == (APP_ORIGIN, LOCAL_ORIGIN)
