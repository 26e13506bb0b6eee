"""The original Avanochi's documents come across: from its Cosmos DB container and from an export
file, mapped to Avanochi's users, once, with /api/stats agreeing with what was imported."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from azure.cosmos import PartitionKey
from azure.cosmos.aio import CosmosClient

from domain.services.importing import Importer
from persistence.original import documents_from_cosmos, entities_from
from persistence.repositories import Repositories
from persistence.sqlite_store import SqliteDocumentStore
from tests.conftest import drop_database, unique_database
from tests.integration.conftest import serving

ROOT = Path(__file__).resolve().parents[2]
ADA = "slack:T0001:U0ADA"

# Documents as the original wrote them (seed 000): one container partitioned by /id, a `type`
# field, naive UTC timestamps, free-form user ids, a duration in hours.
ORIGINAL: list[dict[str, Any]] = [
    {
        "id": "21e4e82b-03d2-4e15-8d73-ff3b8737f8b0",
        "type": "user",
        "name": "Alice",
        "created_at": "2025-09-20T08:15:45.123456",
        "updated_at": None,
    },
    {
        "id": "3b9f7b8e-6d7a-4e3f-a23c-5a0efb9b72c9",
        "type": "task",
        "user_id": "user_123",
        "title": "Finish project report",
        "completed": False,
        "created_at": "2025-09-25T10:15:30.123456",
        "updated_at": None,
    },
    {
        "id": "7c1d2e3f-0000-4e3f-a23c-5a0efb9b72c9",
        "type": "task",
        "user_id": "user_123",
        "title": "Book the venue",
        "completed": True,
        "created_at": "2025-09-24T09:00:00.000000",
        "updated_at": "2025-09-25T16:00:00.000000",
    },
    {
        "id": "8d2e3f40-1111-4e3f-a23c-5a0efb9b72c9",
        "type": "task",
        "user_id": "user_456",
        "title": "Review budget",
        "completed": True,
        "created_at": "2025-09-23T09:00:00",
        "updated_at": "2025-09-23T11:00:00",
    },
    {
        "id": "f49d0c33-b6cf-4d77-a274-8903b38c8ed2",
        "type": "work_session",
        "user_id": "user_123",
        "start_time": "2025-09-25T09:00:00.000000",
        "end_time": "2025-09-25T11:30:00.000000",
        "duration": 2.5,
    },
    {
        "id": "a1b2c3d4-2222-4d77-a274-8903b38c8ed2",
        "type": "work_session",
        "user_id": "user_123",
        "start_time": "2025-09-26T13:00:00.000000",
        "end_time": "2025-09-26T14:15:00.000000",
        "duration": 1.25,
    },
    {
        "id": "b2c3d4e5-3333-4d77-a274-8903b38c8ed2",
        "type": "work_session",
        "user_id": "user_123",
        "start_time": "2025-09-27T08:00:00.000000",
        "end_time": None,
        "duration": None,
    },
    # Left out, each with a reason: no title, a session that ends before it starts, no kind.
    {
        "id": "c3d4e5f6-4444",
        "type": "task",
        "user_id": "user_123",
        "title": "",
        "completed": False,
        "created_at": "2025-09-25T10:00:00",
    },
    {
        "id": "d4e5f6a7-5555",
        "type": "work_session",
        "user_id": "user_456",
        "start_time": "2025-09-25T10:00:00",
        "end_time": "2025-09-25T09:00:00",
    },
    {"id": "e5f6a7b8-6666", "type": "audit", "user_id": "user_123"},
]
USER_MAP = {"user_123": ADA, "21e4e82b-03d2-4e15-8d73-ff3b8737f8b0": ADA}


async def stats_of(api, user_id: str) -> dict:
    return await api.json("GET", f"/api/stats/{user_id}", 200)


async def seed_original_container(cosmos_server) -> str:
    database = unique_database()
    async with CosmosClient(cosmos_server.uri, cosmos_server.key, connection_verify=False) as client:
        db = await client.create_database(database)
        container = await db.create_container("items", PartitionKey(path="/id"))
        for doc in ORIGINAL:
            await container.upsert_item(doc)
    return database


async def test_the_original_cosmos_container_imports_once_and_stats_match(store, cosmos_server):
    database = await seed_original_container(cosmos_server)
    try:
        importer = Importer(Repositories(store))

        def from_cosmos():
            docs = documents_from_cosmos(cosmos_server.uri, cosmos_server.key, database, "items", verify_tls=False)
            return entities_from(docs, USER_MAP)

        dry = await importer.run(from_cosmos(), dry_run=True)
        assert (dry.created["task"], dry.created["work_session"], dry.created["user"]) == (3, 3, 1)
        async with serving(store) as api:
            assert (await stats_of(api, ADA))["total_tasks"] == 0  # a dry run writes nothing

        first = await importer.run(from_cosmos())
        assert (first.created["task"], first.created["work_session"], first.created["user"]) == (3, 3, 1)
        assert sum(first.skipped.values()) == 3 and first.still_running == 1
        again = await importer.run(from_cosmos())
        assert sum(again.created.values()) == 0 and sum(again.existing.values()) == 7

        async with serving(store) as api:
            ada = await stats_of(api, ADA)
            assert (ada["total_tasks"], ada["completed_tasks"]) == (2, 1)
            assert (ada["total_sessions"], ada["total_hours"]) == (2, 3.75)  # the running one counts once ended
            other = await stats_of(api, "user_456")  # not in the map: kept as REST clients used it
            assert (other["total_tasks"], other["completed_tasks"], other["total_sessions"]) == (1, 1, 0)
            tasks = await api.json("GET", f"/api/tasks?user_id={ADA}", 200)
            assert sorted(t["title"] for t in tasks) == ["Book the venue", "Finish project report"]
            running = await api.json("GET", f"/api/work_sessions/active?user_id={ADA}", 200)
            assert running["id"] == "b2c3d4e5-3333-4d77-a274-8903b38c8ed2"
            profile_name = (await importer._repos.users.get(ADA, ADA)).name
            assert profile_name == "Alice"
    finally:
        await drop_database(cosmos_server, database)


def run_app(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "app.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


async def test_an_export_file_imports_from_the_command_line_with_a_dry_run_first(tmp_path):
    export = tmp_path / "export.json"
    by_kind: dict[str, list[dict[str, Any]]] = {"tasks": [], "work_sessions": [], "users": []}
    for doc in ORIGINAL:
        key = {"task": "tasks", "work_session": "work_sessions", "user": "users"}.get(doc["type"])
        if key:
            by_kind[key].append({k: v for k, v in doc.items() if k != "type"})  # as its list routes answer
    export.write_text(json.dumps(by_kind))
    user_map = tmp_path / "users.json"
    user_map.write_text(json.dumps(USER_MAP))
    db = tmp_path / "avanochi.sqlite3"
    env = {"AVANOCHI_DB_PATH": str(db), "COSMOS_DB_URI": "", "AVANOCHI_ENV_FILE": str(tmp_path / "none.env")}
    common = ["--from-json", str(export), "--user-map", str(user_map)]

    dry = run_app("import", *common, "--dry-run", env=env)
    assert dry.returncode == 0, dry.stderr
    assert "would import: 3 tasks, 3 work sessions, 1 user" in dry.stdout

    real = run_app("import", *common, env=env)
    assert real.returncode == 0, real.stderr
    assert "imported: 3 tasks, 3 work sessions, 1 user" in real.stdout
    assert "1 running work session" in real.stdout and "skipped 1:" in real.stdout
    again = run_app("import", *common, env=env)
    assert "imported: 0 tasks, 0 work sessions, 0 users" in again.stdout

    rebuilt = run_app("rebuild-rollups", env=env)
    assert rebuilt.returncode == 0 and "rebuilt the roll-ups of 2 users" in rebuilt.stdout
    store = SqliteDocumentStore(str(db))
    await store.open()
    try:
        async with serving(store) as api:
            ada = await stats_of(api, ADA)
            assert (ada["total_tasks"], ada["completed_tasks"], ada["total_sessions"]) == (2, 1, 2)
    finally:
        await store.close()


@pytest.mark.parametrize(
    "args, says",
    [
        (["import"], "--from-json FILE or --from-cosmos"),
        (["import", "--from-cosmos"], "IMPORT_COSMOS_DB_PRIMARY_KEY"),
        (["import", "--from-json", "/nonexistent/export.json"], "Cannot read the import"),
    ],
)
def test_an_import_without_a_readable_source_says_what_to_give(tmp_path, args, says):
    env = {"AVANOCHI_DB_PATH": str(tmp_path / "a.sqlite3"), "COSMOS_DB_URI": ""}
    result = run_app(*args, env=env)
    assert result.returncode == 2 and says in result.stderr and "Traceback" not in result.stderr
