"""A graceful stop: on SIGTERM the server keeps listening but refuses new work (503 with
Retry-After, so a platform or client retries elsewhere or later), lets the work already taken
finish within a grace period, then closes.

Kept listening rather than closed at once: a load balancer still sends a few requests while it
notices ``/readyz`` failing, and a refused connection is worse for them than a 503 they retry.
"""

from __future__ import annotations

import asyncio
import logging
import math
import signal
import time
from collections.abc import Awaitable, Callable

from aiohttp import web

from api.errors import json_error

log = logging.getLogger("avanochi.shutdown")

# Probes answer during the drain: /readyz says "draining" and /livez that the process still serves.
PROBE_PATHS = frozenset({"/livez", "/readyz", "/healthz", "/api/health", "/metrics"})

Finisher = Callable[[], Awaitable[object]]


class Shutdown:
    """Whether the process is draining, and the work it waits for before it exits."""

    def __init__(self, grace: float) -> None:
        self.grace = grace
        self.draining = False
        self._finishers: list[Finisher] = []
        self._stoppers: list[Finisher] = []
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._deadline: float | None = None
        self._drained: asyncio.Task[bool] | None = None

    def wait_for(self, finisher: Finisher) -> None:
        """``finisher`` ends when some work taken before the drain is done (turns, a reminder pass)."""
        self._finishers.append(finisher)

    def when_draining(self, stop_taking: Finisher) -> None:
        """``stop_taking`` stops a way in that is not an HTTP request (Slack's Socket Mode), at
        the start of the drain: the middleware refuses requests, this refuses the rest."""
        self._stoppers.append(stop_taking)

    def remaining(self) -> float:
        """Seconds left of the grace period (all of it before the drain starts)."""
        if self._deadline is None:
            return float(self.grace)
        return max(0.0, self._deadline - time.monotonic())

    async def drain(self, *_: object) -> bool:
        """Refuse new work and wait, at most the grace period, for the work taken; True when all
        of it finished. Idempotent: the signal handler and the app's shutdown both call it."""
        if self._drained is None:
            self.draining = True
            self._deadline = time.monotonic() + self.grace
            self._drained = asyncio.create_task(self._drain())
        try:
            return await asyncio.shield(self._drained)
        except asyncio.CancelledError:
            if self._drained.cancelled():  # given up on, not this caller cancelled
                return False
            raise

    def give_up(self) -> None:
        """Stop waiting for the work under way (a second signal: the operator means now)."""
        if self._drained is not None and not self._drained.done():
            log.warning("drain cut short", extra={"requests": self._in_flight})
            self._drained.cancel()

    async def _drain(self) -> bool:
        log.info("draining", extra={"grace_seconds": self.grace, "requests": self._in_flight})
        for stop_taking in self._stoppers:
            try:
                await stop_taking()
            except Exception:  # one way in failing to close must not keep the process from draining
                log.exception("could not stop taking new work")
        waits = [self._idle.wait(), *(finish() for finish in self._finishers)]
        try:
            await asyncio.wait_for(asyncio.gather(*waits), timeout=self.grace)
        except TimeoutError:
            log.warning("grace period over with work still running", extra={"requests": self._in_flight})
            return False
        log.info("drained")
        return True

    @web.middleware
    async def middleware(self, request: web.Request, handler):
        if request.path in PROBE_PATHS:
            return await handler(request)
        if self.draining:
            response = json_error(503, "Shutting down; please retry in a moment.")
            # By then a restarted instance (or another one behind the balancer) takes the request.
            response.headers["Retry-After"] = str(max(1, math.ceil(self.grace)))
            return response
        self._in_flight += 1
        self._idle.clear()
        try:
            return await handler(request)
        finally:
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()


SHUTDOWN_KEY = web.AppKey("shutdown", Shutdown)


async def serve(app: web.Application, host: str, port: int) -> None:
    """Serve ``app`` until SIGTERM or SIGINT, drain, then close. A second signal stops waiting."""
    shutdown = app[SHUTDOWN_KEY]
    # The drain already waited for the handlers under way; what still runs after it is past grace.
    runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        loop = asyncio.get_running_loop()
        stop, hurry = asyncio.Event(), asyncio.Event()

        def on_signal() -> None:
            (hurry if stop.is_set() else stop).set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, on_signal)
        await stop.wait()
        drained = asyncio.ensure_future(shutdown.drain())
        hurried = asyncio.ensure_future(hurry.wait())
        await asyncio.wait({drained, hurried}, return_when=asyncio.FIRST_COMPLETED)
        if hurry.is_set():
            shutdown.give_up()
        hurried.cancel()
    finally:
        await runner.cleanup()
