"""Shared platform budgets: the messages per second a chat platform allows one bot in one
tenant (Teams) or workspace (Slack), kept on the store so every instance spends from the same
budget, and the Retry-After one instance was told holds back all of them.

Why chunks: a store write per message would make the budget document the hottest one in the
system. An instance takes a few sends of the current one-second window at a time (one ETag
write) and spends them locally; sends it took and did not spend are lost with the window,
which errs on the side of the platform's limit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from domain.clock import Clock
from domain.errors import NotFound, StaleEntity
from domain.ports import Repository
from domain.reminders.shards import SYSTEM_USER

WINDOW = timedelta(seconds=1)
MAX_CHUNK = 10
Sleep = Callable[[float], Awaitable[None]]


def tenant_of(user_id: str) -> str:
    """The Slack workspace or Teams tenant in a user id (slack:T…:U…, msteams:<tenant>:<user>)."""
    parts = user_id.split(":")
    return parts[1] if len(parts) == 3 else ""


@dataclass
class RateWindow:
    key: str  # "<channel>:<tenant or workspace>"
    window_start: datetime
    used: int = 0
    blocked_until: datetime | None = None
    version: str | None = field(default=None, compare=False, repr=False)

    user_id: ClassVar[str] = SYSTEM_USER

    @property
    def id(self) -> str:
        return window_id(self.key)


def window_id(key: str) -> str:
    return f"rate:{key}"


class ShiftedClock:
    """A clock that runs from another instant: a pass that stands for ``now`` while the real
    clock says otherwise measures its waits from ``now``."""

    def __init__(self, clock: Clock, now: datetime) -> None:
        self._clock = clock
        self._shift = now - clock.now()

    def now(self) -> datetime:
        return self._clock.now() + self._shift


class PlatformBudget:
    """Waits before a send until the tenant's or workspace's budget allows it. ``per_second``
    gives each channel's limit (a channel missing or 0 is not limited here)."""

    def __init__(
        self, repository: Repository[RateWindow], clock: Clock, per_second: dict[str, int], sleep: Sleep
    ) -> None:
        self._windows = repository
        self._clock = clock
        self._per_second = per_second
        self._sleep = sleep
        self._spare: dict[str, tuple[datetime, int]] = {}  # sends taken and not spent, by key

    async def take(self, channel: str, user_id: str, clock: Clock | None = None) -> None:
        """``clock``: the time of the pass, when a pass runs at a time of its own (a timer that
        names the instant it stands for); the budget's own clock otherwise."""
        limit = self._per_second.get(channel, 0)
        if limit <= 0:
            return
        key = f"{channel}:{tenant_of(user_id)}"
        while True:
            now = (clock or self._clock).now()
            window, spare = self._spare.get(key, (now, 0))
            if spare > 0 and now - window < WINDOW:
                self._spare[key] = (window, spare - 1)
                return
            wait = await self._take_chunk(key, limit, now)
            if wait is None:
                return
            await self._sleep(wait)

    async def _take_chunk(self, key: str, limit: int, now: datetime) -> float | None:
        """Take sends of the current window; None when one is taken for the caller, else the
        seconds to wait (the window is spent, or the platform said to wait)."""
        try:
            current = await self._windows.get(SYSTEM_USER, window_id(key))
        except NotFound:
            current = None
        if current is not None and current.blocked_until is not None and current.blocked_until > now:
            return (current.blocked_until - now).total_seconds()
        start = now.replace(microsecond=0)
        if current is None or current.window_start != start:
            fresh = current is None
            current = current or RateWindow(key, start)
            current.window_start, current.used = start, 0
        else:
            fresh = False
        grant = min(MAX_CHUNK, max(1, limit // 10), limit - current.used)
        if grant <= 0:
            return max((start + WINDOW - now).total_seconds(), 0.001)
        current.used += grant
        try:
            await (self._windows.add(current) if fresh else self._windows.save(current))
        except StaleEntity:
            return 0.0  # another instance took from it meanwhile: read again at once
        self._spare[key] = (start, grant - 1)
        return None

    async def hold(self, channel: str, user_id: str, seconds: float, clock: Clock | None = None) -> None:
        """The platform said to wait (429 Retry-After): every instance waits that long."""
        key = f"{channel}:{tenant_of(user_id)}"
        until = (clock or self._clock).now() + timedelta(seconds=seconds)
        self._spare.pop(key, None)
        for _ in range(5):
            try:
                current = await self._windows.get(SYSTEM_USER, window_id(key))
            except NotFound:
                try:
                    await self._windows.add(RateWindow(key, until.replace(microsecond=0), 0, until))
                    return
                except StaleEntity:
                    continue
            if current.blocked_until is not None and current.blocked_until >= until:
                return
            current.blocked_until = until
            try:
                await self._windows.save(current)
                return
            except StaleEntity:
                continue
