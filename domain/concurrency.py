"""Optimistic concurrency for services: reload, reapply, save, until the save wins."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import TypeVar

from domain.errors import Conflict, StaleEntity

T = TypeVar("T")

MAX_ATTEMPTS = 25


async def retry_stale(attempt: Callable[[], Awaitable[T]], attempts: int = MAX_ATTEMPTS) -> T:
    """Run ``attempt`` (which loads, changes and saves) until no one else wrote in between."""
    for number in range(attempts):
        try:
            return await attempt()
        except StaleEntity:
            # Jittered so that many writers on one document spread out instead of colliding again.
            await asyncio.sleep(random.uniform(0, 0.002 * (2 ** min(number, 6))))
    raise Conflict("Too many changes at once; please try again.")
