"""Domain errors -> HTTP status codes, mapped in one place; every error body is JSON."""

from __future__ import annotations

import logging

from aiohttp import web

from bot.voice.decode import TooLarge
from domain.errors import Busy, Conflict, DomainError, Forbidden, NotFound, Unavailable, ValidationError

log = logging.getLogger("avanochi.api")

STATUS_BY_ERROR: dict[type[DomainError], int] = {
    ValidationError: 400,
    NotFound: 404,
    Conflict: 409,
    Forbidden: 403,
    Unavailable: 503,
    Busy: 429,
}


# Seed 001 (a FastAPI service) answered invalid input with 422; its routes set this to keep that.
VALIDATION_STATUS = web.RequestKey("validation_status", int)


def json_error(status: int, message: str, **extra: object) -> web.Response:
    return web.json_response({"error": message, **extra}, status=status)


@web.middleware
async def error_middleware(request: web.Request, handler):
    try:
        return await handler(request)
    except DomainError as exc:
        status = STATUS_BY_ERROR.get(type(exc), 400)
        if isinstance(exc, ValidationError):
            status = 413 if isinstance(exc, TooLarge) else request.get(VALIDATION_STATUS, 400)
        elif isinstance(exc, Unavailable):
            status = 503
        elif isinstance(exc, Busy):
            response = json_error(429, str(exc), retry_after=exc.retry_after)
            response.headers["Retry-After"] = str(exc.retry_after)
            return response
        return json_error(status, str(exc))
    except web.HTTPException as exc:
        if exc.content_type == "application/json" or exc.status < 400:
            raise
        # aiohttp's own 404/405/413 pages are text; API clients get JSON like everything else.
        return json_error(exc.status, exc.reason)
    except Exception:
        resource = request.match_info.route.resource
        # The route template, never the raw path: paths carry user ids.
        log.exception("unhandled error", extra={"route": resource.canonical if resource else "?"})
        return json_error(500, "Something went wrong on our side; it has been logged.")
