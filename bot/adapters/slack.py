"""Slack through Bolt (AsyncApp) at POST /slack/events.

Placeholder until the Slack adapter lands."""
from __future__ import annotations

from aiohttp import web


def register(app: web.Application, dialogs, services, settings) -> None:
    async def events(request: web.Request) -> web.Response:
        return web.json_response({"error": "The Slack adapter is not available yet"}, status=501)

    app.router.add_post("/slack/events", events)
