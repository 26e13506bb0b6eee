"""The speech queue: a bound on voice notes in work at once, whatever the engine behind it.

Without it every note waits its turn inside the engine (the offline engine's worker pool, or
Azure's connection pool) however long that queue gets: eight 59 s notes from a few users kept
everyone else's voice waiting 24 s. Here a note is admitted only while fewer than ``capacity``
notes are being downloaded, decoded, waiting for or in the engine, and only when its user has no
other note in work; anything else is refused at once with ``Busy``, which the REST API answers
with 429 and the chat with a friendly "try again". The count is this process's own.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from bot.voice.engines import SpeechToText
from domain.errors import Busy

DEFAULT_CAPACITY = 4
# A full queue drains in seconds with the offline engine (about 3 s per minute of speech); a
# minute is what a person can be told, and what a program may wait without a second refusal.
QUEUE_FULL_RETRY_AFTER = 60
# The user's own note comes back within a few seconds.
OWN_NOTE_RETRY_AFTER = 10


class SpeechQueue:
    def __init__(self, engine: SpeechToText, capacity: int = DEFAULT_CAPACITY) -> None:
        if capacity < 1:
            raise ValueError("the speech queue needs room for at least one note")
        self._engine = engine
        self.capacity = capacity
        self._in_work: set[str] = set()  # the users whose note is in work: one each

    @property
    def in_work(self) -> int:
        return len(self._in_work)

    @asynccontextmanager
    async def admit(self, user_id: str) -> AsyncIterator[SpeechToText]:
        """The engine, for the time of one note of ``user_id``; ``Busy`` when there is no room."""
        # No await between the checks and the add: nothing else runs in between.
        if user_id in self._in_work:
            raise Busy(
                "I'm still listening to your last voice note. Send this one again once I've answered that one.",
                retry_after=OWN_NOTE_RETRY_AFTER,
            )
        if len(self._in_work) >= self.capacity:
            raise Busy(
                "I'm busy with other voice notes right now. Please try again in a minute, or type the command.",
                retry_after=QUEUE_FULL_RETRY_AFTER,
            )
        self._in_work.add(user_id)
        try:
            yield self._engine
        finally:
            self._in_work.discard(user_id)
