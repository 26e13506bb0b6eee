"""POST /api/tokens: the admin token issues a personal token for a user."""
from __future__ import annotations

from aiohttp import web

from api.auth import require_admin
from api.body import json_object
from domain.services import Services
from domain.validation import clean_user_id


def register(app: web.Application, services: Services) -> None:
    async def issue(request: web.Request) -> web.Response:
        require_admin(request)
        data = await json_object(request)
        user_id = clean_user_id(data.get("user_id"))
        token = await services.tokens.issue(user_id)
        return web.json_response({"user_id": user_id, "token": token}, status=201)

    app.router.add_post("/api/tokens", issue)
