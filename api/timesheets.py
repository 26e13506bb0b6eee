"""GET /api/work_sessions/export?format=csv[&period=week|month|all]: the caller's timesheet as a
CSV download, one row per work session in the user's time zone (every session by default)."""

from __future__ import annotations

from aiohttp import web

from api.auth import acting_user
from domain.errors import ValidationError
from domain.services import Services
from domain.timesheet import clean_period, timesheet


def register(app: web.Application, services: Services) -> None:
    async def export(request: web.Request) -> web.Response:
        user_id = acting_user(request, request.query.get("user_id"))
        if request.query.get("format", "csv") != "csv":
            raise ValidationError("Query parameter 'format' must be csv")
        period = clean_period(request.query.get("period"))
        timezone = await services.users.timezone(user_id)
        sessions = await services.work_sessions.list_sessions(user_id)
        sheet = timesheet(period, timezone, services.clock.now(), sessions)
        return web.Response(
            text=sheet.csv(),
            content_type="text/csv",
            charset="utf-8",
            headers={"Content-Disposition": f'attachment; filename="{sheet.filename}"'},
        )

    # Before /api/work_sessions/{id} (api/work_sessions.py), which would take "export" for an id.
    app.router.add_get("/api/work_sessions/export", export)
