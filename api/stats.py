"""/api/stats?user_id= and /api/stats/{user_id}: the seed's productivity summary."""

from __future__ import annotations

from aiohttp import web

from api.auth import acting_user
from api.shapes import insight_body, progress_fields
from domain.services import Services


def register(app: web.Application, services: Services) -> None:
    async def stats_of(user_id: str) -> web.Response:
        summary = await services.stats.summary(user_id)
        progress = await services.progress.snapshot(user_id)
        return web.json_response({**summary, **progress_fields(progress)})

    async def by_query(request: web.Request) -> web.Response:
        return await stats_of(acting_user(request, request.query.get("user_id")))

    async def by_path(request: web.Request) -> web.Response:
        return await stats_of(acting_user(request, request.match_info["user_id"]))

    async def insights(request: web.Request) -> web.Response:
        user_id = acting_user(request, request.query.get("user_id"))
        return web.json_response(insight_body(await services.insights.assess(user_id)))

    app.router.add_get("/api/stats", by_query)
    app.router.add_get("/api/stats/{user_id}", by_path)
    app.router.add_get("/api/insights", insights)
