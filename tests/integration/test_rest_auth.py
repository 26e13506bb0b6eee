"""Bearer tokens and ownership: who may act for whom."""

from __future__ import annotations

ALICE, BOB = "slack:T1:UALICE", "slack:T1:UBOB"  # ids as Slack gives them: tokens need those


async def personal_token(api, user):
    return (await api.json("POST", "/api/tokens", 201, json={"user_id": user}))["token"]


async def test_no_token_or_a_wrong_one_is_401(api):
    for token in (None, "nope", "avn_forged"):
        response = await api.call("GET", f"/api/tasks?user_id={ALICE}", token=token)
        assert response.status == 401
        assert "error" in await response.json()
    response = await api.call("GET", "/api/tasks", token=False, headers={"Authorization": "Basic abc"})
    assert response.status == 401


async def test_openapi_and_health_need_no_token(api, store):
    spec = await api.json("GET", "/api/openapi.json", 200, token=None)
    assert spec["openapi"].startswith("3.")
    for path in (
        "/api/tasks",
        "/api/work_sessions/active",
        "/api/stats/{user_id}",
        "/api/v1/focus/sessions",
        "/api/v1/focus/sessions/analytics/{user_id}",
    ):
        assert path in spec["paths"]
    health = await api.json("GET", "/healthz", 200, token=None)
    assert health["status"] == "ok" and health["store"] == store.name


async def test_personal_token_acts_as_its_user_without_user_id(api):
    token = await personal_token(api, ALICE)
    task = await api.json("POST", "/api/tasks", 201, json={"title": "hers"}, token=token)
    assert task["user_id"] == ALICE
    listed = await api.json("GET", "/api/tasks", 200, token=token)
    assert [t["id"] for t in listed] == [task["id"]]
    assert (await api.json("GET", "/api/stats", 200, token=token))["total_tasks"] == 1
    session = await api.json("POST", "/api/work_sessions", 201, token=token)
    assert session["user_id"] == ALICE


async def test_another_users_id_is_403_and_their_things_are_404(api):
    alice = await personal_token(api, ALICE)
    bobs_task = await api.json("POST", "/api/tasks", 201, json={"title": "his", "user_id": BOB})
    bobs_session = await api.json("POST", "/api/work_sessions", 201, json={"user_id": BOB})
    await api.json("GET", f"/api/tasks?user_id={BOB}", 403, token=alice)
    await api.json("POST", "/api/tasks", 403, json={"title": "x", "user_id": BOB}, token=alice)
    await api.json("GET", f"/api/stats/{BOB}", 403, token=alice)
    await api.json("GET", f"/api/v1/focus/sessions/user/{BOB}", 403, token=alice)
    await api.json("PATCH", f"/api/tasks/{bobs_task['id']}", 404, token=alice)
    await api.json("DELETE", f"/api/tasks/{bobs_task['id']}", 404, token=alice)
    await api.json("PATCH", f"/api/work_sessions/{bobs_session['id']}", 404, token=alice)
    # Bob's things are untouched.
    assert (await api.json("GET", f"/api/tasks/{bobs_task['id']}?user_id={BOB}", 200))["completed"] is False
    assert (await api.json("GET", f"/api/work_sessions/active?user_id={BOB}", 200))["id"] == bobs_session["id"]


async def test_only_the_admin_issues_tokens_and_a_new_one_revokes_the_old(api):
    first = await personal_token(api, ALICE)
    await api.json("POST", "/api/tokens", 403, json={"user_id": ALICE}, token=first)
    second = await personal_token(api, ALICE)
    assert (await api.call("GET", "/api/tasks", token=first)).status == 401
    assert (await api.call("GET", "/api/tasks", token=second)).status == 200


async def test_admin_patches_by_id_without_naming_the_user(api):
    task = await api.json("POST", "/api/tasks", 201, json={"title": "seed client", "user_id": BOB})
    done = await api.json("PATCH", f"/api/tasks/{task['id']}", 200)
    assert done["completed"] is True and done["user_id"] == BOB
