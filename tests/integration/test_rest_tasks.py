"""The seed's task endpoints over real HTTP, on both stores."""

from __future__ import annotations

import asyncio

USER = "slack:T1:U1"


async def create(api, title="Write the report", user=USER, **fields):
    return await api.json("POST", "/api/tasks", 201, json={"title": title, "user_id": user, **fields})


async def test_create_returns_the_seed_shape(api):
    task = await create(api, notes="for Monday", priority="high", due_at="2026-11-27T17:00:00+01:00")
    assert task["title"] == "Write the report"
    assert task["user_id"] == USER
    assert task["completed"] is False and task["completed_at"] is None
    assert task["priority"] == "high"
    assert task["due_at"] == "2026-11-27T16:00:00+00:00"
    assert task["created_at"] and task["updated_at"] is None
    assert set(task) >= {"id", "title", "completed", "created_at", "updated_at"}


async def test_list_only_returns_that_users_tasks(api):
    await create(api, "mine")
    await create(api, "theirs", user="slack:T1:U2")
    listed = await api.json("GET", f"/api/tasks?user_id={USER}", 200)
    assert [t["title"] for t in listed] == ["mine"]


async def test_patch_completes_by_default_and_counts_once(api):
    task = await create(api)
    done = await api.json("PATCH", f"/api/tasks/{task['id']}", 200)
    assert done["completed"] is True and done["completed_at"]
    again = await api.json("PATCH", f"/api/tasks/{task['id']}", 200, json={"action": "complete"})
    assert again["completed_at"] == done["completed_at"]
    stats = await api.json("GET", f"/api/stats?user_id={USER}", 200)
    assert stats["completed_tasks"] == 1


async def test_patch_reopen_and_update(api):
    task = await create(api)
    await api.json("PATCH", f"/api/tasks/{task['id']}", 200)
    reopened = await api.json("PATCH", f"/api/tasks/{task['id']}", 200, json={"action": "reopen"})
    assert reopened["completed"] is False
    updated = await api.json(
        "PATCH", f"/api/tasks/{task['id']}", 200, json={"action": "update", "title": "  Renamed  ", "priority": "low"}
    )
    assert updated["title"] == "Renamed" and updated["priority"] == "low"
    assert (await api.json("GET", f"/api/tasks/{task['id']}", 200))["title"] == "Renamed"


async def test_unsupported_action_is_400_and_changes_nothing(api):
    task = await create(api)
    body = await api.json("PATCH", f"/api/tasks/{task['id']}", 400, json={"action": "explode"})
    assert "Unsupported action" in body["error"]
    assert (await api.json("GET", f"/api/tasks/{task['id']}", 200))["completed"] is False


async def test_unknown_task_is_404(api):
    await api.json("PATCH", "/api/tasks/does-not-exist", 404)
    await api.json("GET", f"/api/tasks/does-not-exist?user_id={USER}", 404)
    await api.json("DELETE", f"/api/tasks/does-not-exist?user_id={USER}", 404)


async def test_delete_removes_and_updates_stats(api):
    task = await create(api)
    await api.json("PATCH", f"/api/tasks/{task['id']}", 200)
    response = await api.call("DELETE", f"/api/tasks/{task['id']}")
    assert response.status == 204
    assert await api.json("GET", f"/api/tasks?user_id={USER}", 200) == []
    stats = await api.json("GET", f"/api/stats/{USER}", 200)
    assert (stats["total_tasks"], stats["completed_tasks"]) == (0, 0)


async def test_list_filters_by_status(api):
    first = await create(api, "first")
    await create(api, "second")
    await api.json("PATCH", f"/api/tasks/{first['id']}", 200)
    open_ = await api.json("GET", f"/api/tasks?user_id={USER}&status=open", 200)
    done = await api.json("GET", f"/api/tasks?user_id={USER}&completed=true", 200)
    assert [t["title"] for t in open_] == ["second"]
    assert [t["title"] for t in done] == ["first"]
    await api.json("GET", f"/api/tasks?user_id={USER}&status=weird", 400)


async def test_forty_parallel_creates_give_forty_tasks(api):
    results = await asyncio.gather(*(create(api, f"task {n}") for n in range(40)))
    assert len({t["id"] for t in results}) == 40
    assert len(await api.json("GET", f"/api/tasks?user_id={USER}", 200)) == 40
    assert (await api.json("GET", f"/api/stats/{USER}", 200))["total_tasks"] == 40


async def test_twenty_parallel_completes_count_one_completion(api):
    task = await create(api)
    responses = await asyncio.gather(*(api.call("PATCH", f"/api/tasks/{task['id']}") for _ in range(20)))
    assert [r.status for r in responses] == [200] * 20
    stats = await api.json("GET", f"/api/stats/{USER}", 200)
    assert (stats["total_tasks"], stats["completed_tasks"]) == (1, 1)
