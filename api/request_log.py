"""One structured log line per request: id, method, route, status, duration.

Never the body, the query string or headers: they may hold tokens or message text.
"""

from __future__ import annotations

import logging
import time
import uuid

from aiohttp import web

log = logging.getLogger("avanochi.access")
REQUEST_ID = web.RequestKey("request_id", str)


@web.middleware
async def request_log_middleware(request: web.Request, handler):
    request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
    request[REQUEST_ID] = request_id
    started = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
        status = response.status
        response.headers["X-Request-Id"] = request_id
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    finally:
        route = request.match_info.route.resource
        log.info(
            "request",
            extra={
                "request_id": request_id,
                "method": request.method,
                # The route template (/api/tasks/{id}), not the raw path with its ids.
                "route": route.canonical if route is not None else request.path,
                "status": status,
                "duration_ms": round((time.perf_counter() - started) * 1000, 2),
            },
        )
