"""Bearer-token auth for the REST API and the rules for whom a caller may act as.

A personal token acts only as its user; the admin token may name any user. Chat
endpoints are not covered here: the Teams and Slack adapters verify their platforms.
"""

from __future__ import annotations

import hmac
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from aiohttp import web

from api.errors import json_error
from domain.errors import Forbidden, ValidationError
from domain.services.tokens import TokenRejected, TokenService
from domain.validation import clean_user_id

# Routes under /api/ that authenticate otherwise (Bot Framework JWT) or are public.
OPEN_PATHS = frozenset({"/api/messages", "/api/openapi.json", "/api/health"})


@dataclass(frozen=True)
class Caller:
    user_id: str | None  # None for the admin token
    admin: bool


CALLER = web.RequestKey("caller", Caller)


def auth_middleware(tokens: TokenService, admin_token: str | None):
    @web.middleware
    async def middleware(request: web.Request, handler):
        if not request.path.startswith("/api/") or request.path in OPEN_PATHS:
            return await handler(request)
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            return _unauthorized("Missing bearer token")
        if admin_token and hmac.compare_digest(token.encode(), admin_token.encode()):
            request[CALLER] = Caller(user_id=None, admin=True)
        else:
            try:
                record = await tokens.authenticate(token)
            except TokenRejected as rejected:  # "Invalid token" or "Token expired"
                return _unauthorized(str(rejected))
            request[CALLER] = Caller(user_id=record.owner, admin=False)
        return await handler(request)

    return middleware


def _unauthorized(message: str) -> web.Response:
    response = json_error(401, message)
    response.headers["WWW-Authenticate"] = 'Bearer realm="avanochi"'
    return response


def caller(request: web.Request) -> Caller:
    return request[CALLER]


def require_admin(request: web.Request) -> None:
    if not caller(request).admin:
        raise Forbidden("This needs the admin token")


def acting_user(request: web.Request, requested: object, where: str = "query") -> str:
    """The user this request acts for. ``requested`` is the user_id the client named."""
    who = caller(request)
    if who.admin:
        if requested is None:
            label = "Query parameter" if where == "query" else "Field"
            raise ValidationError(f"{label} 'user_id' is required")
        return clean_user_id(requested)
    if requested is not None and requested != who.user_id:
        raise Forbidden("This token belongs to another user")
    return who.user_id  # type: ignore[return-value]


async def owner_of_entity(request: web.Request, entity_id: str, locate: Callable[[str], Awaitable[str]]) -> str:
    """Whose task or session the path names. A personal token only ever sees its own
    (another user's id is simply not found there); the admin token may pass
    ?user_id= or let the server look the owner up."""
    who = caller(request)
    requested = request.query.get("user_id")
    if not who.admin:
        return acting_user(request, requested)
    if requested is not None:
        return clean_user_id(requested)
    return await locate(entity_id)
