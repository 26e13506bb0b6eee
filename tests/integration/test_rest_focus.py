"""Seed 001's focus-sessions API over real HTTP, on both stores."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from domain.clock import FakeClock
from tests.integration.conftest import serving

USER = "slack:T9:U9"
BASE = "/api/v1/focus/sessions"
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize("path", [BASE, BASE + "/"])
async def test_start_with_and_without_trailing_slash(api, path):
    session = await api.json("POST", path, 201, json={"user_id": USER, "duration_minutes": 40})
    assert session["duration_minutes"] == 40
    assert session["completed"] is False and session["interruptions"] == 0
    assert session["ended_at"] is None and session["started_at"] and session["session_id"]


async def test_default_duration_is_25(api):
    session = await api.json("POST", BASE, 201, json={"user_id": USER, "step_id": "step-1"})
    assert session["duration_minutes"] == 25 and session["step_id"] == "step-1"


@pytest.mark.parametrize("minutes", [4, 91, "25", 2.5, True, None])
async def test_invalid_duration_is_422(api, minutes):
    body = await api.json("POST", BASE, 422, json={"user_id": USER, "duration_minutes": minutes})
    assert "duration_minutes" in body["error"]
    assert await api.json("GET", f"{BASE}/user/{USER}", 200) == []


async def test_missing_user_id_is_422(api):
    await api.json("POST", BASE, 422, json={"duration_minutes": 25})


async def test_end_with_completion_and_interruptions(store):
    clock = FakeClock(NOW)
    async with serving(store, clock=clock) as api:
        session = await api.json("POST", BASE, 201, json={"user_id": USER})
        clock.advance(minutes=25)
        ended = await api.json(
            "PUT", f"{BASE}/{session['session_id']}", 200, json={"completed": True, "interruptions": 2}
        )
    assert ended["completed"] is True and ended["interruptions"] == 2 and ended["ended_at"]
    assert ended["ended_at"] == "2026-03-02T09:25:00+00:00"


async def test_a_second_focus_session_while_one_runs_is_409(api):
    first = await api.json("POST", BASE, 201, json={"user_id": USER})
    body = await api.json("POST", BASE, 409, json={"user_id": USER, "duration_minutes": 40})
    assert "already running" in body["error"]
    assert [s["session_id"] for s in await api.json("GET", f"{BASE}/user/{USER}", 200)] == [first["session_id"]]
    assert (await api.json("GET", f"{BASE}/analytics/{USER}", 200))["total_sessions"] == 1
    await api.json("PUT", f"{BASE}/{first['session_id']}", 200, json={"completed": False})
    await api.json("POST", BASE, 201, json={"user_id": USER})  # ended: the next one may start


async def test_two_focus_starts_at_once_give_one_session_and_one_409(api):
    responses = await asyncio.gather(*(api.call("POST", BASE, json={"user_id": USER}) for _ in range(2)))
    assert sorted(r.status for r in responses) == [201, 409]
    assert len(await api.json("GET", f"{BASE}/user/{USER}", 200)) == 1


async def test_completing_a_30_minute_focus_after_2_seconds_earns_no_xp(store):
    clock = FakeClock(NOW)
    async with serving(store, clock=clock) as api:
        session = await api.json("POST", BASE, 201, json={"user_id": USER, "duration_minutes": 30})
        clock.advance(seconds=2)
        ended = await api.json("PUT", f"{BASE}/{session['session_id']}", 200, json={"completed": True})
        assert ended["completed"] is False and ended["ended_at"] == "2026-03-02T09:00:02+00:00"
        # Claiming a later end time does not help: the rule looks at the clock.
        second = await api.json("POST", BASE, 201, json={"user_id": USER, "duration_minutes": 30})
        clock.advance(seconds=2)
        later = {"completed": True, "ended_at": "2026-03-02T09:40:00Z"}
        assert (await api.json("PUT", f"{BASE}/{second['session_id']}", 200, json=later))["completed"] is False
        stats = await api.json("GET", f"/api/stats/{USER}", 200)
        analytics = await api.json("GET", f"{BASE}/analytics/{USER}", 200)
    assert (stats["xp"], stats["xp_today"]) == (0, 0)
    assert (analytics["completed_sessions"], analytics["total_focus_minutes"]) == (0, 0)


async def test_cancelled_focus_is_not_counted_in_planned_minutes(store):
    clock = FakeClock(NOW)
    async with serving(store, clock=clock) as api:
        cancelled = await api.json("POST", BASE, 201, json={"user_id": USER, "duration_minutes": 40})
        clock.advance(minutes=3)
        await api.json("PUT", f"{BASE}/{cancelled['session_id']}", 200, json={"completed": False})
        done = await api.json("POST", BASE, 201, json={"user_id": USER, "duration_minutes": 25})
        clock.advance(minutes=25)
        await api.json("PUT", f"{BASE}/{done['session_id']}", 200, json={"completed": True})
        analytics = await api.json("GET", f"{BASE}/analytics/{USER}", 200)
        stats = await api.json("GET", f"/api/stats/{USER}", 200)
    assert (analytics["total_sessions"], analytics["completed_sessions"]) == (2, 1)
    assert analytics["total_focus_minutes"] == 25
    assert stats["xp"] > 0


async def test_explicit_end_time(api):
    session = await api.json("POST", BASE, 201, json={"user_id": USER})
    ended = await api.json("PUT", f"{BASE}/{session['session_id']}/", 200, json={"ended_at": "2099-01-01T10:00:00Z"})
    assert ended["ended_at"] == "2099-01-01T10:00:00+00:00" and ended["completed"] is False


async def test_unknown_session_is_404(api):
    body = await api.json("PUT", f"{BASE}/nope?user_id={USER}", 404, json={"completed": True})
    assert body["error"]
    await api.json("PUT", f"{BASE}/nope", 404, json={"completed": True})


async def test_bad_update_values_are_422(api):
    session = await api.json("POST", BASE, 201, json={"user_id": USER})
    for body in ({"interruptions": -1}, {"completed": "yes"}, {"ended_at": "yesterday"}):
        await api.json("PUT", f"{BASE}/{session['session_id']}", 422, json=body)


async def test_list_per_user_newest_first_with_limit(api):
    ids = []
    for _ in range(4):
        ids.append((await api.json("POST", BASE, 201, json={"user_id": USER}))["session_id"])
        await api.json("PUT", f"{BASE}/{ids[-1]}", 200, json={"completed": False})
    await api.json("POST", BASE, 201, json={"user_id": "someone-else"})
    listed = await api.json("GET", f"{BASE}/user/{USER}?limit=3", 200)
    assert len(listed) == 3 and {s["session_id"] for s in listed} <= set(ids)
    assert len(await api.json("GET", f"{BASE}/user/{USER}", 200)) == 4
    await api.json("GET", f"{BASE}/user/{USER}?limit=0", 422)
    await api.json("GET", f"{BASE}/user/{USER}?limit=101", 422)


async def test_analytics(store):
    clock = FakeClock(NOW)
    async with serving(store, clock=clock) as api:
        first = await api.json("POST", BASE, 201, json={"user_id": USER, "duration_minutes": 30})
        clock.advance(minutes=30)
        await api.json("PUT", f"{BASE}/{first['session_id']}", 200, json={"completed": True})
        await api.json("POST", BASE, 201, json={"user_id": USER, "duration_minutes": 50})  # still running
        analytics = await api.json("GET", f"{BASE}/analytics/{USER}", 200)
    assert analytics == {
        "total_sessions": 2,
        "completed_sessions": 1,
        "completion_rate": 0.5,
        "total_focus_minutes": 80,
        "average_duration_minutes": 40.0,
    }


async def test_analytics_with_no_sessions(api):
    assert await api.json("GET", f"{BASE}/analytics/{USER}", 200) == {
        "total_sessions": 0,
        "completed_sessions": 0,
        "completion_rate": 0.0,
        "total_focus_minutes": 0,
        "average_duration_minutes": 0.0,
    }
