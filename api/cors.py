"""CORS for browser clients of the REST API, from CORS_ALLOWED_ORIGINS (none by default).

A middleware rather than per-route CORS handlers: it sits before the token check and the rate
limits, so a preflight (which carries no token) is answered once for every route, and every
answer to an allowed origin, errors included, carries the headers a browser needs to read it.
Headers follow the original service's conventions: the caller's own origin echoed (never ``*``),
``Vary: Origin``, the methods and headers the API uses. The API authenticates with bearer tokens,
not cookies, so credentials are not allowed.
"""

from __future__ import annotations

from collections.abc import Iterable

from aiohttp import web

from api.errors import json_error

ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE, OPTIONS"
ALLOWED_HEADERS = "Authorization, Content-Type, X-Request-Id"
EXPOSED_HEADERS = "Location, Retry-After, X-Request-Id"
MAX_AGE = "600"  # seconds a browser may reuse a preflight answer


def cors_middleware(allowed_origins: Iterable[str]):
    allowed = frozenset(allowed_origins)

    @web.middleware
    async def middleware(request: web.Request, handler):
        origin = request.headers.get("Origin")
        if origin is None or not request.path.startswith("/api/"):
            return await handler(request)
        if request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers:
            if origin not in allowed:
                return json_error(403, "This origin may not call the API")
            response = web.Response(status=204)
            response.headers.update(
                {
                    "Access-Control-Allow-Methods": ALLOWED_METHODS,
                    "Access-Control-Allow-Headers": ALLOWED_HEADERS,
                    "Access-Control-Max-Age": MAX_AGE,
                }
            )
            return _allow(response, origin)
        if origin not in allowed:
            # Served as to any other client: without CORS headers the browser keeps the answer
            # from the page, and nothing here is readable by a page the server does not trust.
            return _vary(await handler(request))
        try:
            response = await handler(request)
        except web.HTTPException as exc:  # a raised answer is still an answer the page should read
            _allow(exc, origin)
            raise
        return _allow(response, origin)

    return middleware


def _allow(response: web.StreamResponse, origin: str) -> web.StreamResponse:
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Access-Control-Expose-Headers"] = EXPOSED_HEADERS
    return _vary(response)


def _vary(response: web.StreamResponse) -> web.StreamResponse:
    # A cache must not hand one origin's answer (with or without the headers) to another.
    vary = response.headers.get("Vary")
    if vary is None:
        response.headers["Vary"] = "Origin"
    elif "origin" not in vary.lower():
        response.headers["Vary"] = f"{vary}, Origin"
    return response
