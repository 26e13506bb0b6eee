"""The SQLite lookups that must not grow with history use their indexes (a renamed field on one
side of an expression index would silently fall back to scanning a user's whole partition)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from persistence.focus_status import due_query as focus_statuses_due
from persistence.port import Query, where
from persistence.sqlite_store import SqliteDocumentStore


@pytest.fixture
async def sqlite(tmp_path):
    store = SqliteDocumentStore(str(tmp_path / "plans.sqlite3"))
    await store.open()
    yield store
    await store.close()


async def plan_of(store: SqliteDocumentStore, query: Query) -> str:
    sql, params = store._select("body, etag", query)  # noqa: SLF001 - the SQL the store runs
    if query.order_by:
        sql += f" ORDER BY json_extract(body, '$.{query.order_by}')" + (" DESC" if query.descending else "")
    if query.limit is not None:
        sql += " LIMIT ?"
        params.append(query.limit)
    async with store._require().execute("EXPLAIN QUERY PLAN " + sql, params) as cursor:  # noqa: SLF001
        return " | ".join(row[3] for row in await cursor.fetchall())


@pytest.mark.parametrize(
    "query, index",
    [
        (Query(None, "u", (where("rollup_pending", "!=", None),)), "documents_pending"),
        (Query("work_session", "u", (where("end_time", "=", None),), "start_time", True, 1), "documents_open_work"),
        (Query("focus_session", "u", (where("ended_at", "=", None),), "started_at", True, 1), "documents_open_focus"),
        (
            Query("reminder_schedule", None, (where("next_due", "<=", "2026"),), "next_due", False, 500),
            "documents_next_due",
        ),
        (focus_statuses_due(datetime(2026, 3, 1, tzinfo=UTC), 500), "documents_next_due"),
        (Query("task", None, (where("id", "=", "x"),), limit=1), "documents_by_id"),
        (Query("task", "u", (), "created_at", False, 50), "documents_by_created"),
        (Query("work_session", "u", (), "start_time", True, 50), "documents_by_start"),
        (
            Query("rollup", "u", (where("key", ">=", "day:2026-03-01"), where("key", "<=", "day:2026-03-14"))),
            "documents_by_key",
        ),
    ],
)
async def test_lookups_use_their_index_and_never_sort_a_history(sqlite, query, index):
    plan = await plan_of(sqlite, query)
    assert f"USING INDEX {index}" in plan, plan
    if not index.startswith("documents_open"):  # those sort only the running session or two
        assert "TEMP B-TREE" not in plan, plan  # no sort of a whole history before the limit
