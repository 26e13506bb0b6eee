"""Bad input gets a 4xx with a JSON error, never a 5xx, and never a half-written record."""

from __future__ import annotations

import pytest

USER = "slack:T1:U1"


async def assert_nothing_written(api):
    assert await api.json("GET", f"/api/tasks?user_id={USER}", 200) == []
    stats = await api.json("GET", f"/api/stats/{USER}", 200)
    assert stats["total_tasks"] == 0


@pytest.mark.parametrize(
    "raw",
    [b"{not json", b"[1, 2]", b'"a string"', b"42", b"null", b"", b"\xff\xfe", b'{"title": "x"'],
)
async def test_malformed_bodies(api, raw):
    response = await api.call("POST", "/api/tasks", data=raw, headers={"Content-Type": "application/json"})
    assert response.status == 400
    assert "error" in await response.json()
    await assert_nothing_written(api)


@pytest.mark.parametrize(
    "body, fragment",
    [
        ({"title": 5, "user_id": USER}, "title"),
        ({"title": ["a"], "user_id": USER}, "title"),
        ({"title": "   ", "user_id": USER}, "title"),
        ({"title": "x" * 201, "user_id": USER}, "200"),
        ({"title": "bell\x07", "user_id": USER}, "control"),
        ({"title": "zero\u200bwidth", "user_id": USER}, "control"),
        ({"title": "ok", "user_id": 7}, "user_id"),
        ({"title": "ok", "user_id": ""}, "user_id"),
        ({"title": "ok"}, "user_id"),
        ({"title": "ok", "user_id": USER, "priority": "urgent"}, "priority"),
        ({"title": "ok", "user_id": USER, "due_at": "next tuesday"}, "due_at"),
        ({"title": "ok", "user_id": USER, "due_at": 1700000000}, "due_at"),
        ({"title": "ok", "user_id": USER, "notes": "n" * 2001}, "notes"),
    ],
)
async def test_invalid_fields(api, body, fragment):
    error = await api.json("POST", "/api/tasks", 400, json=body)
    assert fragment in error["error"]
    await assert_nothing_written(api)


async def test_errors_say_in_plain_words_what_is_wrong_and_how_to_fix_it(api):
    too_long = await api.json("POST", "/api/tasks", 400, json={"title": "x" * 245, "user_id": USER})
    assert too_long == {"error": "A task title can be at most 200 characters (this one has 245)."}
    blank = await api.json("POST", "/api/tasks", 400, json={"title": "  ", "user_id": USER})
    assert blank == {"error": "Please give a task title: it can't be empty."}
    priority = await api.json("POST", "/api/tasks", 400, json={"title": "ok", "user_id": USER, "priority": "asap"})
    assert priority == {"error": "A priority must be high, normal or low."}
    due = await api.json("POST", "/api/tasks", 400, json={"title": "ok", "user_id": USER, "due_at": "soon"})
    assert due["error"].startswith("A due date (due_at) must be a date and time like 2026-")
    for body in (too_long, blank, priority, due):
        assert "Field '" not in body["error"]
    await assert_nothing_written(api)


async def test_a_title_of_exactly_200_characters_after_trimming_is_fine(api):
    task = await api.json("POST", "/api/tasks", 201, json={"title": "  " + "x" * 200 + "  ", "user_id": USER})
    assert len(task["title"]) == 200


async def test_oversized_body(api):
    response = await api.call(
        "POST", "/api/tasks", data=b'{"title": "' + b"x" * 70_000 + b'"}', headers={"Content-Type": "application/json"}
    )
    assert response.status in (400, 413)
    assert "error" in await response.json()
    await assert_nothing_written(api)


async def test_bad_updates_leave_the_task_as_it_was(api):
    task = await api.json("POST", "/api/tasks", 201, json={"title": "keep me", "user_id": USER})
    for body in (
        {"action": "update", "title": ""},
        {"action": "update", "priority": 3},
        {"action": "update"},
        {"action": 5},
        {"action": "update", "colour": "red"},
    ):
        await api.json("PATCH", f"/api/tasks/{task['id']}", 400, json=body)
    response = await api.call(
        "PATCH", f"/api/tasks/{task['id']}", data=b"[", headers={"Content-Type": "application/json"}
    )
    assert response.status == 400
    assert await api.json("GET", f"/api/tasks/{task['id']}", 200) == task


async def test_bad_query_parameters(api):
    await api.json("GET", f"/api/tasks?user_id={USER}&limit=abc", 400)
    await api.json("GET", f"/api/tasks?user_id={USER}&limit=0", 400)
    await api.json("GET", f"/api/tasks?user_id={USER}&completed=maybe", 400)
    await api.json("GET", f"/api/tasks?user_id={USER}&due_before=soon", 400)


async def test_unknown_routes_and_methods_answer_json(api):
    response = await api.call("GET", "/api/nothing-here")
    assert response.status == 404 and "error" in await response.json()
    response = await api.call("PUT", "/api/tasks")
    assert response.status == 405 and "error" in await response.json()


@pytest.mark.parametrize(
    "method, path, body",
    [
        ("GET", f"/api/tasks?user_id={USER}&due_before=9999-12-31T23:59:59-05:00", None),
        ("POST", "/api/tasks", {"title": "x", "user_id": USER, "due_at": "9999-12-31T23:59:59-12:00"}),
        ("POST", "/api/tasks", {"title": "x", "user_id": USER, "due_at": "9999-12-31T23:00:00Z"}),
        ("POST", "/api/reminders/run", {"now": "0001-01-01T00:00:00+14:00"}),
    ],
)
async def test_dates_at_the_ends_of_the_calendar_are_400(api, method, path, body):
    response = await api.call(method, path, json=body)
    assert response.status == 400 and "error" in await response.json()


async def test_deeply_nested_json_is_400(api):
    raw = b'{"a":' * 5000 + b"1" + b"}" * 5000
    response = await api.call("POST", "/api/tasks", data=raw, headers={"Content-Type": "application/json"})
    assert response.status == 400
    await assert_nothing_written(api)
