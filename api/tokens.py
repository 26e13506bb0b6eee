"""/api/tokens: the admin issues a personal token for a user; a user lists and revokes theirs."""

from __future__ import annotations

from aiohttp import web

from api.auth import acting_user, require_admin
from api.body import json_object
from api.shapes import token_body
from domain.clock import to_iso
from domain.services import Services
from domain.validation import clean_id, clean_platform_user_id


def register(app: web.Application, services: Services) -> None:
    tokens = services.tokens

    async def issue(request: web.Request) -> web.Response:
        require_admin(request)
        data = await json_object(request)
        user_id = clean_platform_user_id(data.get("user_id"))
        issued = await tokens.grant(user_id)
        return web.json_response(
            {
                "user_id": user_id,
                "token": issued.secret,
                "id": issued.info.id,
                "expires_at": to_iso(issued.info.expires_at),
            },
            status=201,
        )

    async def list_tokens(request: web.Request) -> web.Response:
        user_id = acting_user(request, request.query.get("user_id"))
        return web.json_response([token_body(info) for info in await tokens.list_tokens(user_id)])

    async def revoke(request: web.Request) -> web.Response:
        user_id = acting_user(request, request.query.get("user_id"))
        await tokens.revoke(user_id, clean_id(request.match_info["id"]))
        return web.Response(status=204)

    app.router.add_post("/api/tokens", issue)
    app.router.add_get("/api/tokens", list_tokens)
    app.router.add_delete("/api/tokens/{id}", revoke)
