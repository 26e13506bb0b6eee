"""/api/work_sessions: start (POST), end (PATCH), list, the active one, one by id."""

from __future__ import annotations

from aiohttp import web

from api.auth import acting_user, owner_of_entity
from api.body import json_object, path_id, query_int
from api.shapes import work_session_body
from domain.services import Services


def register(app: web.Application, services: Services) -> None:
    sessions = services.work_sessions
    locate = sessions.owner_of

    async def start(request: web.Request) -> web.Response:
        data = await json_object(request, optional=True)
        user_id = acting_user(request, data.get("user_id"), where="body")
        session = await sessions.start_session(user_id, note=data.get("note"))
        return web.json_response(work_session_body(session), status=201)

    async def list_(request: web.Request) -> web.Response:
        user_id = acting_user(request, request.query.get("user_id"))
        limit = query_int(request, "limit", 1000, 1, 1000)
        found = await sessions.list_sessions(user_id, limit)
        return web.json_response([work_session_body(session) for session in found])

    async def active(request: web.Request) -> web.Response:
        user_id = acting_user(request, request.query.get("user_id"))
        session = await sessions.get_active_session(user_id)
        # The seed answers JSON null when no session runs.
        return web.json_response(work_session_body(session) if session else None)

    async def get(request: web.Request) -> web.Response:
        session_id = path_id(request)
        user_id = await owner_of_entity(request, session_id, locate)
        return web.json_response(work_session_body(await sessions.get_session(user_id, session_id)))

    async def end(request: web.Request) -> web.Response:
        session_id = path_id(request)
        await json_object(request, optional=True)  # the seed sends no body; reject garbage
        user_id = await owner_of_entity(request, session_id, locate)
        return web.json_response(work_session_body(await sessions.end_session(user_id, session_id)))

    app.router.add_post("/api/work_sessions", start)
    app.router.add_get("/api/work_sessions", list_)
    # Registered before /{id} so that "active" is not taken for a session id.
    app.router.add_get("/api/work_sessions/active", active)
    app.router.add_get("/api/work_sessions/{id}", get)
    app.router.add_patch("/api/work_sessions/{id}", end)
