"""Per-user order: one user's turns run one after the other, in the order they arrived, like a
conversation; different users' turns run side by side.

Memory stays bounded: a user has a queue only while they have turns waiting, and at most
``max_waiting`` of them (past that, a flood is dropped at the door, before it costs anything).
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable

log = logging.getLogger("avanochi.turns")

Work = Callable[[], Awaitable[None]]
MAX_WAITING = 50


class UserQueues:
    def __init__(self, max_waiting: int = MAX_WAITING) -> None:
        self._max_waiting = max_waiting
        self._queues: dict[str, deque[tuple[Work, asyncio.Future[None]]]] = {}
        self._workers: set[asyncio.Task[None]] = set()

    def submit(self, user_id: str, work: Work) -> asyncio.Future[None] | None:
        """Queue ``work`` behind the user's earlier turns; a future done when it has run, or None
        when the user already has ``max_waiting`` turns waiting (the work is dropped)."""
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        queue = self._queues.get(user_id)
        if queue is None:
            queue = self._queues[user_id] = deque()
            worker = asyncio.create_task(self._work_through(user_id, queue))
            self._workers.add(worker)
            worker.add_done_callback(self._workers.discard)
        elif len(queue) >= self._max_waiting:
            log.warning("turn dropped: too many waiting for one user", extra={"waiting": len(queue)})
            return None
        queue.append((work, done))
        return done

    async def _work_through(self, user_id: str, queue: deque[tuple[Work, asyncio.Future[None]]]) -> None:
        try:
            while queue:
                work, done = queue[0]
                try:
                    await work()
                except Exception:  # the work apologises itself; this keeps the queue going
                    log.exception("turn failed")
                finally:
                    queue.popleft()
                    if not done.done():
                        done.set_result(None)
        finally:
            # Nothing awaits between the last popleft and here: a turn submitted meanwhile would
            # have found this queue non-empty and been run by the loop above.
            self._queues.pop(user_id, None)
            for _, done in queue:  # cancelled while turns waited: release whoever awaits them
                done.cancel()

    def waiting(self) -> int:
        return sum(len(queue) for queue in self._queues.values())

    async def drain(self, timeout: float = 15.0) -> None:  # noqa: ASYNC109 (a grace period, not a cancel scope)
        """Let every queued turn finish (before the store closes, and in tests)."""
        while self._workers:
            _, pending = await asyncio.wait(set(self._workers), timeout=timeout)
            if pending:
                log.warning("turns still running at shutdown", extra={"turns": self.waiting()})
                return
