"""Telemetry at the HTTP edge: a span and a latency sample per request, on its route template
(never the path with its ids, nor the query string); and GET /metrics, Prometheus' text format,
for the admin token only (it tells how busy the service is and which routes fail)."""

from __future__ import annotations

import hmac

from aiohttp import web

from api.errors import json_error
from bot.runtime.telemetry import Telemetry


def telemetry_middleware(telemetry: Telemetry):
    @web.middleware
    async def middleware(request: web.Request, handler):
        resource = request.match_info.route.resource
        # A path no route serves is named as such: it may be anything a scanner tried.
        route = resource.canonical if resource is not None else "unmatched"
        with telemetry.request(request.method, route) as answered:
            try:
                response = await handler(request)
            except web.HTTPException as exc:
                answered(exc.status)
                raise
            answered(response.status)
            return response

    return middleware


def register(app: web.Application, telemetry: Telemetry, admin_token: str | None) -> None:
    async def metrics(request: web.Request) -> web.StreamResponse:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            response = json_error(401, "Missing bearer token")
            response.headers["WWW-Authenticate"] = 'Bearer realm="avanochi"'
            return response
        if not admin_token or not hmac.compare_digest(token.encode(), admin_token.encode()):
            return json_error(403, "Metrics need the admin token")
        body, content_type = telemetry.prometheus_text()
        response = web.Response(body=body)
        response.headers["Content-Type"] = content_type
        return response

    app.router.add_get("/metrics", metrics)
