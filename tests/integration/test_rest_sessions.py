"""Work sessions and stats over real HTTP, on both stores."""

from __future__ import annotations

import asyncio

# A tenant GUID and an AAD object id.
USER = "msteams:00000000-0000-4000-8000-0000000000a1:00000000-0000-4000-8000-0000000000b1"


async def test_start_end_and_active(api):
    assert await api.json("GET", f"/api/work_sessions/active?user_id={USER}", 200) is None
    started = await api.json("POST", "/api/work_sessions", 201, json={"user_id": USER, "note": "deep work"})
    assert started["end_time"] is None and started["duration"] is None and started["note"] == "deep work"
    active = await api.json("GET", f"/api/work_sessions/active?user_id={USER}", 200)
    assert active["id"] == started["id"]
    ended = await api.json("PATCH", f"/api/work_sessions/{started['id']}", 200)
    assert ended["end_time"] and isinstance(ended["duration"], float)
    assert await api.json("GET", f"/api/work_sessions/active?user_id={USER}", 200) is None
    stats = await api.json("GET", f"/api/stats?user_id={USER}", 200)
    assert stats["total_sessions"] == 1
    assert stats == await api.json("GET", f"/api/stats/{USER}", 200)


async def test_second_start_is_a_conflict_not_a_second_session(api):
    first = await api.json("POST", "/api/work_sessions", 201, json={"user_id": USER})
    body = await api.json("POST", "/api/work_sessions", 409, json={"user_id": USER})
    assert first["id"] in body["error"]
    assert len(await api.json("GET", f"/api/work_sessions?user_id={USER}", 200)) == 1


async def test_parallel_starts_make_one_session(api):
    responses = await asyncio.gather(
        *(api.call("POST", "/api/work_sessions", json={"user_id": USER}) for _ in range(10))
    )
    assert sorted(r.status for r in responses) == [201] + [409] * 9
    assert len(await api.json("GET", f"/api/work_sessions?user_id={USER}", 200)) == 1


async def test_ending_twice_is_a_conflict_and_counts_once(api):
    started = await api.json("POST", "/api/work_sessions", 201, json={"user_id": USER})
    await api.json("PATCH", f"/api/work_sessions/{started['id']}", 200)
    await api.json("PATCH", f"/api/work_sessions/{started['id']}", 409)
    assert (await api.json("GET", f"/api/stats/{USER}", 200))["total_sessions"] == 1
    # The slot is free again: a new session may start.
    await api.json("POST", "/api/work_sessions", 201, json={"user_id": USER})


async def test_list_newest_first_and_unknown_is_404(api):
    one = await api.json("POST", "/api/work_sessions", 201, json={"user_id": USER})
    await api.json("PATCH", f"/api/work_sessions/{one['id']}", 200)
    two = await api.json("POST", "/api/work_sessions", 201, json={"user_id": USER})
    listed = await api.json("GET", f"/api/work_sessions?user_id={USER}", 200)
    assert [s["id"] for s in listed] == [two["id"], one["id"]]
    await api.json("PATCH", "/api/work_sessions/nope", 404)
    await api.json("GET", f"/api/work_sessions/nope?user_id={USER}", 404)


async def test_missing_user_id_is_400_like_the_seed(api):
    await api.json("GET", "/api/work_sessions", 400)
    await api.json("GET", "/api/work_sessions/active", 400)
    await api.json("GET", "/api/stats", 400)
    await api.json("POST", "/api/work_sessions", 400, json={})


async def test_stats_are_zero_for_a_new_user(api):
    assert await api.json("GET", "/api/stats/nobody", 200) == {
        "user_id": "nobody",
        "total_tasks": 0,
        "completed_tasks": 0,
        "total_sessions": 0,
        "total_hours": 0.0,
        "xp": 0,
        "level": 1,
        "level_xp": 0,
        "next_level_xp": 100,
        "streak_days": 0,
        "best_streak": 0,
        "xp_today": 0,
        "achievements": [],
    }


async def test_insights_explain_a_score_for_the_caller_only(api):
    token = (await api.json("POST", "/api/tokens", 201, json={"user_id": USER}))["token"]
    insight = await api.json("GET", "/api/insights", 200, token=token)
    assert 0 <= insight["score"] <= 100 and insight["period_days"] == 14
    assert 2 <= len(insight["recommendations"]) <= 3
    await api.json("GET", "/api/insights?user_id=someone-else", 403, token=token)
    await api.json("GET", "/api/insights", 400)  # the admin must name the user
