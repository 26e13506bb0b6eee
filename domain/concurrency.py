"""Optimistic concurrency for services: reload, reapply, save, until the save wins; and the
single-occupancy slots that keep one work session and one focus session running per user."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from typing import Any, Protocol, TypeVar

from domain.errors import Conflict, NotFound, StaleEntity

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


class Slot(Protocol):
    user_id: str
    session_id: str


async def claim_slot(
    slots: Any, slot: Slot, slot_id: str, is_running: Callable[[str], Awaitable[bool]], what: str
) -> None:
    """Create ``slot`` (the user's "one running session" document) for a new session.

    Creating a document is atomic on both stores, so of two concurrent starts exactly one
    wins; the loser finds the winner's slot and, while its session runs, gets a Conflict. A
    slot whose session ended (or was never written because the process died) is stale and
    is taken over. ``slots`` is the slot repository; ``what`` names the session for the user.
    """
    user_id = slot.user_id
    for _ in range(5):
        try:
            await slots.add(slot)
            return
        except StaleEntity:
            pass
        try:
            current = await slots.get(user_id, slot_id)
        except NotFound:
            continue
        if await is_running(current.session_id):
            raise Conflict(f"A {what} is already running (id {current.session_id}).")
        try:
            await slots.remove(current)
        except StaleEntity:
            pass
    raise Conflict(f"A {what} is already starting; please try again.")
