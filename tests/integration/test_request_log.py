"""One JSON log line per request, with no secrets or message text in it."""

from __future__ import annotations

import json
import logging

from app import configure_logging


async def test_one_structured_line_per_request_without_secrets(api, capsys):
    configure_logging("INFO")
    try:
        token = (await api.json("POST", "/api/tokens", 201, json={"user_id": "slack:T1:ULOG"}))["token"]
        await api.json("POST", "/api/tasks", 201, json={"title": "Secret plan"}, token=token)
        await api.json("GET", "/api/tasks/some-id", 404, token=token)
        lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    finally:
        logging.getLogger().handlers.clear()
    access = [line for line in lines if line.get("name") == "avanochi.access"]
    assert [(a["method"], a["route"], a["status"]) for a in access] == [
        ("POST", "/api/tokens", 201),
        ("POST", "/api/tasks", 201),
        ("GET", "/api/tasks/{id}", 404),
    ]
    assert all(a["request_id"] and a["duration_ms"] >= 0 for a in access)
    everything = json.dumps(lines)
    assert token not in everything and "Secret plan" not in everything
    assert "test-admin-token" not in everything
