"""Probes for orchestrators and monitors, all without a token: /livez, /readyz, /api/health.

/livez says the process serves (no store call: a store outage must not get a healthy process
restarted); /readyz says whether it should get traffic (the store answers, and it is not
draining); /api/health answers as the original service's health route did: 200 "OK".
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from api.shutdown import Shutdown
from persistence.port import DocumentStore, Query, StoreError

# A readiness probe that hangs is as bad as a failing one: orchestrators time probes out after
# a second or a few. A slow store counts as not ready; its connection attempt goes on regardless.
READY_TIMEOUT = 3.0


def register(app: web.Application, store: DocumentStore, shutdown: Shutdown) -> None:
    async def livez(request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def readyz(request: web.Request) -> web.Response:
        if shutdown.draining:
            return not_ready(store, "draining: the process is shutting down")
        try:
            # A one-partition count of nothing: proves the store answers, costs next to nothing.
            await asyncio.wait_for(store.count(Query("health_probe", "system:health")), READY_TIMEOUT)
        except TimeoutError:
            return not_ready(store, f"the store did not answer within {READY_TIMEOUT:g} seconds")
        except StoreError as exc:
            # Our own store messages say what failed and how often, never an address or a key.
            return not_ready(store, f"the store is unreachable: {exc}")
        except OSError as exc:  # its text may name a file path: the kind is enough
            return not_ready(store, f"the store is unreachable: {type(exc).__name__}")
        return web.json_response({"status": "ready", "store": store.name})

    async def original_health(request: web.Request) -> web.Response:
        return web.Response(text="OK")

    app.router.add_get("/livez", livez)
    app.router.add_get("/readyz", readyz)
    app.router.add_get("/api/health", original_health)


def not_ready(store: DocumentStore, reason: str) -> web.Response:
    return web.json_response({"status": "unavailable", "store": store.name, "reason": reason}, status=503)
