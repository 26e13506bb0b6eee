"""How fast one user may talk to the bot: a budget of turns per user and window, on every channel.

Past the budget the first turn gets one "you're going fast" reply and the rest of the window's
turns are dropped without a word: answering each would only flood the platform (and its rate
limits) with refusals. Counted in this process's memory with the ``limits`` library, so several
instances each keep their own count: a user spread over N instances gets up to N budgets.
"""

from __future__ import annotations

import math
import time
from enum import Enum

from limits import RateLimitItem, parse
from limits.aio.storage import MemoryStorage
from limits.aio.strategies import FixedWindowRateLimiter

DEFAULT_TURNS = "30/minute"


class Pace(Enum):
    OK = "ok"
    SLOW_DOWN = "slow_down"  # the first turn over the budget: say so, once
    DROP = "drop"  # every later one until the window ends


class ChatPace:
    def __init__(self, limit: str = DEFAULT_TURNS) -> None:
        self._item: RateLimitItem = parse(limit)
        self._storage = MemoryStorage()
        # Fixed windows: each user's count is one number that expires with its window.
        self._limiter = FixedWindowRateLimiter(self._storage)

    async def check(self, user_id: str) -> tuple[Pace, int]:
        """This turn's pace, and the seconds until the user's window ends (0 when OK)."""
        if await self._limiter.hit(self._item, "turn", user_id):
            return Pace.OK, 0
        reset, _ = await self._limiter.get_window_stats(self._item, "turn", user_id)
        wait = max(1, math.ceil(reset - time.time()))
        # One warning per window: a counter of its own that expires when the window does.
        warnings = await self._storage.incr(f"avanochi/pace-warned/{user_id}", wait)
        return (Pace.SLOW_DOWN if warnings == 1 else Pace.DROP), wait
