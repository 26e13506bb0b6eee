"""GET /healthz: liveness plus which store serves, for load balancers and humans."""

from __future__ import annotations

import time

from aiohttp import web

from persistence.port import DocumentStore, Query, StoreError


def register(app: web.Application, store: DocumentStore) -> None:
    started = time.monotonic()

    async def health(request: web.Request) -> web.Response:
        # No version: it would tell anyone who can reach the port which known bugs to try.
        body = {
            "status": "ok",
            "store": store.name,
            "uptime_seconds": round(time.monotonic() - started, 1),
        }
        try:
            # A one-partition count of nothing: proves the store answers, costs next to nothing.
            await store.count(Query("health_probe", "system:health"))
        except (StoreError, OSError) as exc:
            body.update(status="degraded", store_error=type(exc).__name__)
            return web.json_response(body, status=503)
        return web.json_response(body)

    app.router.add_get("/healthz", health)
