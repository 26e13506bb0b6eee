"""The composition root picks the store from the settings, as `python app.py` would."""

from __future__ import annotations

import pytest
from aiohttp.test_utils import TestClient, TestServer

from app import build_app
from tests.integration.conftest import make_settings


async def health_of(settings) -> dict:
    async with TestClient(TestServer(build_app(settings), host="127.0.0.1")) as client:
        response = await client.get("/healthz")
        assert response.status == 200
        return await response.json()


async def test_no_cosmos_settings_means_the_embedded_sqlite_file(tmp_path):
    path = tmp_path / "nested" / "avanochi.sqlite3"
    health = await health_of(make_settings(AVANOCHI_DB_PATH=str(path)))
    assert health["store"] == "sqlite" and path.exists()


@pytest.mark.cosmos
async def test_cosmos_settings_mean_cosmos(cosmos_settings):
    health = await health_of(make_settings(**cosmos_settings))
    assert health == {**health, "status": "ok", "store": "cosmos"}
