"""/api/stats?user_id= and /api/stats/{user_id}: the seed's productivity summary."""
from __future__ import annotations

from aiohttp import web

from api.auth import acting_user
from domain.services import Services


def register(app: web.Application, services: Services) -> None:
    async def by_query(request: web.Request) -> web.Response:
        user_id = acting_user(request, request.query.get("user_id"))
        return web.json_response(await services.stats.summary(user_id))

    async def by_path(request: web.Request) -> web.Response:
        user_id = acting_user(request, request.match_info["user_id"])
        return web.json_response(await services.stats.summary(user_id))

    app.router.add_get("/api/stats", by_query)
    app.router.add_get("/api/stats/{user_id}", by_path)
