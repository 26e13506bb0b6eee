"""Requests refused at the door (unsigned, unreadable): a warning line per reason at most once a
minute, never their content, so junk from the internet can neither flood nor fill the log."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

WARN_EVERY_SECONDS = 60.0


class RefusalLog:
    def __init__(
        self, log: logging.Logger, every: float = WARN_EVERY_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._log = log
        self._every = every
        self._clock = clock
        self._last: dict[str, float] = {}  # reason -> when it was last logged; reasons are ours, few
        self._quiet: dict[str, int] = {}  # reason -> refusals since then, not logged

    def refused(self, reason: str) -> None:
        now = self._clock()
        last = self._last.get(reason)
        if last is not None and now - last < self._every:
            self._quiet[reason] = self._quiet.get(reason, 0) + 1
            return
        self._last[reason] = now
        self._log.warning(
            "request refused: %s", reason, extra={"reason": reason, "also_refused": self._quiet.pop(reason, 0)}
        )
