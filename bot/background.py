"""Best-effort work off the turn's path: scheduled now, run in the background, bounded, and never
allowed to trouble a conversation (a failure is logged by its kind and forgotten)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Coroutine
from typing import Any


class BackgroundWork:
    def __init__(self, log: logging.Logger, what: str, limit: int) -> None:
        self._log = log
        self._what = what  # "focus status", "voice note learning": what the log lines name
        self._limit = limit  # jobs waiting at once; past it new ones are dropped
        self._tasks: set[asyncio.Task[None]] = set()

    def later(self, work: Coroutine[Any, Any, None], lock: asyncio.Lock | None = None) -> None:
        """Run ``work`` in the background, unless ``limit`` jobs are waiting already; under
        ``lock`` when given (one user's jobs in the order they were scheduled)."""
        if len(self._tasks) >= self._limit:
            work.close()
            self._log.warning("%s skipped: too much waiting", self._what)
            return

        async def guarded() -> None:
            try:
                async with lock or contextlib.nullcontext():
                    await work
            except Exception as error:  # best effort; the kind only: a platform's error may quote user data
                self._log.warning("%s failed", self._what, extra={"error": type(error).__name__})

        task = asyncio.get_running_loop().create_task(guarded())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def drain(self) -> None:
        """Wait for the work scheduled so far (at shutdown, and in tests)."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)
