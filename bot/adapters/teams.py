"""Microsoft Teams through the Bot Framework (botbuilder-core CloudAdapter) at POST /api/messages.

Placeholder until the Teams adapter lands: answers 501 so that nothing pretends to work."""
from __future__ import annotations

from aiohttp import web


def register(app: web.Application, dialogs, services, settings) -> None:
    async def messages(request: web.Request) -> web.Response:
        return web.json_response({"error": "The Teams adapter is not available yet"}, status=501)

    app.router.add_post("/api/messages", messages)
