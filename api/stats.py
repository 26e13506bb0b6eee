"""/api/stats?user_id= and /api/stats/{user_id}: the seed's productivity summary."""

from __future__ import annotations

from dataclasses import replace

from aiohttp import web

from api.auth import acting_user, caller
from api.shapes import insight_body, progress_fields
from domain.insights import Insight
from domain.services import Services

# Factors from what the user told of themself (their mood check-ins): theirs alone to read.
PRIVATE_FACTORS = frozenset({"low_mood"})


def seen_by_another(insight: Insight) -> Insight:
    """The insight as the admin token reads it: without the user's own mood, nor its points."""
    private = [factor for factor in insight.factors if factor.key in PRIVATE_FACTORS]
    if not private:
        return insight
    return replace(
        insight,
        score=max(0, insight.score - round(sum(factor.points for factor in private))),
        factors=tuple(factor for factor in insight.factors if factor.key not in PRIVATE_FACTORS),
    )


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
        insight = await services.insights.assess(user_id)
        if caller(request).admin:
            insight = seen_by_another(insight)
        return web.json_response(insight_body(insight))

    app.router.add_get("/api/stats", by_query)
    app.router.add_get("/api/stats/{user_id}", by_path)
    app.router.add_get("/api/insights", insights)
