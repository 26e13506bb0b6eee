"""Reading request input: JSON objects, query parameters, path ids, with clear 400s."""
from __future__ import annotations

import json
from typing import Any

from aiohttp import web

from domain.errors import ValidationError
from domain.validation import clean_id

MAX_BODY_BYTES = 64 * 1024


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
