"""Users the pipeline met lately: their profile from the platform and the address it last
stored, so that neither is looked up on every message.

Only a cache, for a few minutes and a bounded number of users: the store stays the truth, and
any instance may answer anyone.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from bot.runtime.channel import Profile

KNOWN_FOR_SECONDS = 600.0
KNOWN_MAX_USERS = 10_000


@dataclass
class Acquaintance:
    profile: Profile
    address: Mapping[str, Any] | None = None  # the proactive address stored for them, once known


class Acquaintances:
    def __init__(
        self,
        seconds: float = KNOWN_FOR_SECONDS,
        max_users: int = KNOWN_MAX_USERS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._seconds = seconds
        self._max_users = max_users
        self._clock = clock
        self._known: OrderedDict[str, tuple[float, Acquaintance]] = OrderedDict()

    # A user id names its channel (slack:..., msteams:...), so it is key enough.
    def get(self, user_id: str) -> Acquaintance | None:
        entry = self._known.get(user_id)
        if entry is None:
            return None
        if entry[0] <= self._clock():
            del self._known[user_id]
            return None
        return entry[1]

    def put(self, user_id: str, acquaintance: Acquaintance) -> None:
        self._known[user_id] = (self._clock() + self._seconds, acquaintance)
        self._known.move_to_end(user_id)
        while len(self._known) > self._max_users:
            self._known.popitem(last=False)

    def forget(self, user_id: str) -> None:
        """The user erased their data: meet them afresh."""
        self._known.pop(user_id, None)
