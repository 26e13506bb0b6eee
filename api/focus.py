"""/api/v1/focus/sessions: seed 001's focus API (its field names, 201/200/404/422)."""

from __future__ import annotations

from aiohttp import web

from api.auth import acting_user, owner_of_entity
from api.body import json_object, path_id, query_int
from api.errors import VALIDATION_STATUS
from api.shapes import focus_session_body
from domain.entities import FOCUS_DEFAULT_MINUTES, FOCUS_MAX_MINUTES, FOCUS_MIN_MINUTES
from domain.services import Services
from domain.services.focus import LIST_DEFAULT, LIST_MAX
from domain.validation import clean_bool, clean_int, clean_timestamp

PREFIX = "/api/v1/focus/sessions"
INTERRUPTIONS_MAX = 10_000


def register(app: web.Application, services: Services) -> None:
    focus = services.focus

    def seed_validation(request: web.Request) -> None:
        # Seed 001 was FastAPI, which answers invalid input with 422; keep that for its clients.
        request[VALIDATION_STATUS] = 422

    async def start(request: web.Request) -> web.Response:
        seed_validation(request)
        data = await json_object(request)
        user_id = acting_user(request, data.get("user_id"), where="body")
        minutes = data.get("duration_minutes", FOCUS_DEFAULT_MINUTES)
        session = await focus.start(
            user_id,
            clean_int(minutes, "duration_minutes", FOCUS_MIN_MINUTES, FOCUS_MAX_MINUTES),
            step_id=data.get("step_id"),
            task_id=data.get("task_id"),
        )
        return web.json_response(focus_session_body(session), status=201)

    async def update(request: web.Request) -> web.Response:
        seed_validation(request)
        session_id = path_id(request, "session_id")
        data = await json_object(request, optional=True)
        completed = data.get("completed")
        interruptions = data.get("interruptions")
        ended_at = clean_timestamp(data.get("ended_at"), "ended_at")
        user_id = await owner_of_entity(request, session_id, focus.owner_of)
        session = await focus.update(
            user_id,
            session_id,
            ended_at=ended_at,
            completed=None if completed is None else clean_bool(completed, "completed"),
            interruptions=None
            if interruptions is None
            else clean_int(interruptions, "interruptions", 0, INTERRUPTIONS_MAX),
        )
        return web.json_response(focus_session_body(session))

    async def get(request: web.Request) -> web.Response:
        session_id = path_id(request, "session_id")
        user_id = await owner_of_entity(request, session_id, focus.owner_of)
        return web.json_response(focus_session_body(await focus.get(user_id, session_id)))

    async def by_user(request: web.Request) -> web.Response:
        seed_validation(request)
        user_id = acting_user(request, request.match_info["user_id"])
        limit = query_int(request, "limit", LIST_DEFAULT, 1, LIST_MAX)
        return web.json_response([focus_session_body(s) for s in await focus.list_sessions(user_id, limit)])

    async def analytics(request: web.Request) -> web.Response:
        user_id = acting_user(request, request.match_info["user_id"])
        return web.json_response(await focus.analytics(user_id))

    # Seed clients call these with and without the trailing slash.
    for path in (PREFIX, PREFIX + "/"):
        app.router.add_post(path, start)
    for suffix, handler, method in (
        ("/user/{user_id}", by_user, "GET"),
        ("/analytics/{user_id}", analytics, "GET"),
        ("/{session_id}", update, "PUT"),
        ("/{session_id}", get, "GET"),
    ):
        for path in (PREFIX + suffix, PREFIX + suffix + "/"):
            app.router.add_route(method, path, handler)
