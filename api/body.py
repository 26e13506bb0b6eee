"""Reading request input: body size limits, JSON objects, query parameters, path ids, with clear 4xx."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from api.errors import json_error
from bot.voice.decode import MAX_BYTES as MAX_VOICE_BYTES
from domain.errors import ValidationError
from domain.validation import clean_id

# The app-wide limit (the application's client_max_size): every JSON body of the REST API.
MAX_BODY_BYTES = 64 * 1024
# Slack and Teams sign their bodies, so these are read before anyone is authenticated: small,
# and read whole here, before any parsing. Slack's largest message (40,000 characters in its text
# and again in its blocks, each a JSON-escaped surrogate pair when it is emoji) is about 960 KB;
# a Teams message is at most about 28 KB, and an activity around it a few KB more.
UNAUTHENTICATED_BODY_LIMITS = {"/slack/events": 1024 * 1024, "/api/messages": 256 * 1024}
# Voice notes (after the auth middleware: nothing reads them before).
BODY_LIMITS = {**UNAUTHENTICATED_BODY_LIMITS, "/api/voice": MAX_VOICE_BYTES}


@web.middleware
async def body_limit_middleware(request: web.Request, handler):
    """Refuse a declared length over the route's limit at once; give the routes with larger
    limits a request that stops reading there (a chunked body has no declared length)."""
    limit = BODY_LIMITS.get(request.path, request.client_max_size)
    if request.content_length is not None and request.content_length > limit:
        return _too_large(limit)
    if limit != request.client_max_size:
        request = request.clone(client_max_size=limit)
    if request.path in UNAUTHENTICATED_BODY_LIMITS and request.body_exists:
        try:
            await request.read()  # kept by the request: the route's own read gets these bytes
        except web.HTTPRequestEntityTooLarge:
            return _too_large(limit)
    return await handler(request)


def _too_large(limit: int) -> web.Response:
    return json_error(413, f"Request body is larger than {limit} bytes")


async def json_object(request: web.Request, *, optional: bool = False) -> dict[str, Any]:
    """The body as a JSON object; an empty body counts as {} only when optional."""
    raw = await request.read()
    if len(raw) > MAX_BODY_BYTES:
        raise ValidationError(f"Request body is larger than {MAX_BODY_BYTES} bytes")
    if not raw.strip():
        if optional:
            return {}
        raise ValidationError("Invalid JSON payload: the body is empty")
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):  # deep nesting is garbage too
        raise ValidationError("Invalid JSON payload") from None
    if not isinstance(data, dict):
        raise ValidationError("Invalid JSON payload: expected a JSON object")
    return data


def path_id(request: web.Request, name: str = "id") -> str:
    return clean_id(request.match_info.get(name), name)


def query_int(request: web.Request, name: str, default: int, low: int, high: int) -> int:
    raw = request.query.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError(f"Query parameter '{name}' must be an integer") from None
    if not low <= value <= high:
        raise ValidationError(f"Query parameter '{name}' must be between {low} and {high}")
    return value
