"""POST /api/reminders/run: one reminder pass now (admin token), for cron or an Azure
Functions timer instead of, or beside, the in-process loop."""

from __future__ import annotations

from dataclasses import asdict

from aiohttp import web

from api.auth import require_admin
from api.body import json_object
from bot.reminders.engine import ReminderEngine
from domain.validation import clean_timestamp


def register(app: web.Application, engine: ReminderEngine) -> None:
    async def run(request: web.Request) -> web.Response:
        require_admin(request)
        data = await json_object(request, optional=True)
        now = clean_timestamp(data.get("now"), "now")
        summary = await engine.run(now)
        return web.json_response(asdict(summary))

    app.router.add_post("/api/reminders/run", run)
