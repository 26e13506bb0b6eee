"""The reminder engine: find due schedules, claim their nudges once, deliver them through
the user's channel, retry what the platform asks to retry, and pause unreachable users.

Safe with several instances on one store: claims and leases are ETag writes of the
user's schedule document (see domain/reminders/schedule.py).
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

from bot.messages import Reply
from bot.reminders.nudges import compose
from domain.concurrency import retry_stale
from domain.entities import ChannelAddress
from domain.errors import DomainError, NotFound
from domain.reminders.policy import FAR_FUTURE, RISK_ALERT_DELIVERED, plan
from domain.reminders.schedule import OutboxEntry, ReminderSchedule
from domain.services import Services

log = logging.getLogger("avanochi.reminders")

MAX_BACKOFF = timedelta(minutes=15)


class Delivery(Enum):
    SENT = "sent"
    RETRY = "retry"  # the platform said later (429 with Retry-After, 5xx, timeouts)
    UNREACHABLE = "unreachable"  # the bot is blocked or uninstalled: stop trying
    NOWHERE = "nowhere"  # no stored address on a channel this instance serves: drop it
    SKIPPED = "skipped"  # nothing worth saying after all (a risk check that found low risk)


@dataclass(frozen=True)
class Outcome:
    status: Delivery
    retry_after: float | None = None  # seconds, when the platform said


class Notifier(Protocol):
    """Sends replies to a user's stored address on one channel (implemented by adapters)."""

    channel: str
    min_interval: float  # seconds between two messages to one conversation (platform pacing)

    async def deliver(self, address: ChannelAddress, replies: list[Reply]) -> Outcome: ...


@dataclass
class RunSummary:
    now: str
    due_schedules: int = 0
    claimed: int = 0
    sent: int = 0
    retried: int = 0
    dropped: int = 0
    paused_users: int = 0
    skipped: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)


class ReminderEngine:
    def __init__(
        self,
        services: Services,
        notifiers: dict[str, Notifier],
        batch: int = 500,
        concurrency: int = 16,
        *,
        measure: Callable[[], AbstractContextManager[dict[str, int]]] | None = None,
    ) -> None:
        self._services = services
        # Around each pass (telemetry): the pass fills in its counts before it ends.
        self._measure = measure or (lambda: nullcontext({}))
        self._notifiers = notifiers
        self._batch = batch
        self._concurrency = asyncio.Semaphore(concurrency)
        self._last_send: dict[str, float] = {}

    async def run(self, now: datetime | None = None) -> RunSummary:
        """One pass: every schedule due at ``now`` (default: the clock's now)."""
        with self._measure() as counts:
            summary = await self._run(now)
            counts.update(
                due=summary.due_schedules,
                sent=summary.sent,
                retried=summary.retried,
                dropped=summary.dropped,
                paused=summary.paused_users,
            )
        return summary

    async def _run(self, now: datetime | None) -> RunSummary:
        now = now or self._services.clock.now()
        summary = RunSummary(now=now.isoformat())
        due = await self._services.reminders.due(now, self._batch)
        summary.due_schedules = len(due)

        async def one(schedule: ReminderSchedule) -> None:
            async with self._concurrency:
                try:
                    await self._process(schedule.user_id, now, summary)
                except DomainError as error:  # one user's trouble must not stop the others
                    log.warning("reminders for a user failed", extra={"error": str(error)})

        await asyncio.gather(*(one(schedule) for schedule in due))
        return summary

    async def _process(self, user_id: str, now: datetime, summary: RunSummary) -> None:
        services = self._services
        reminders = services.reminders
        try:
            user = await services.users.get_user(user_id)
        except NotFound:
            user = None

        async def claim() -> list[OutboxEntry]:
            schedule = await reminders.schedule(user_id)
            if schedule.next_due > now:
                return []  # another instance got here first
            if user is None:
                schedule.outbox, schedule.next_due = [], FAR_FUTURE
                await reminders.save_schedule(schedule)
                return []
            decided = plan(user, await services.reminders.activity(user), schedule.sent, now)
            schedule.claim(decided.due, now)
            summary.claimed += len(decided.due)
            leased = schedule.lease(now)
            schedule.reschedule(decided.next_check)
            await reminders.save_schedule(schedule)
            return leased

        leased = await retry_stale(claim)
        if not leased:
            return
        outcomes = {entry.key: await self._deliver(user_id, entry) for entry in leased}

        async def settle() -> None:
            schedule = await reminders.schedule(user_id)
            for key, outcome in outcomes.items():
                entry = schedule.entry(key)
                if entry is None:
                    continue
                if outcome.status is Delivery.RETRY:
                    entry.leased_until = None
                    entry.not_before = now + _backoff(entry.attempts, outcome.retry_after)
                    continue
                schedule.outbox.remove(entry)
                if entry.kind == "risk_alert" and outcome.status is Delivery.SENT:
                    schedule.sent.at[RISK_ALERT_DELIVERED] = now  # the weekly limit counts real alerts
            if any(o.status is Delivery.UNREACHABLE for o in outcomes.values()):
                schedule.outbox = []
            schedule.reschedule(schedule.next_due)
            await reminders.save_schedule(schedule)

        await retry_stale(settle)
        for entry in leased:
            status = outcomes[entry.key].status
            if status is Delivery.SENT:
                summary.sent += 1
                summary.by_kind[entry.kind] = summary.by_kind.get(entry.kind, 0) + 1
            elif status is Delivery.RETRY:
                summary.retried += 1
            elif status is Delivery.SKIPPED:
                summary.skipped += 1
            else:
                summary.dropped += 1
        if any(o.status is Delivery.UNREACHABLE for o in outcomes.values()):
            # Blocked or uninstalled: pause instead of retrying forever; "reminders on" resumes.
            await services.users.update_user(user_id, reminders_on=False)
            summary.paused_users += 1

    async def _deliver(self, user_id: str, entry: OutboxEntry) -> Outcome:
        address = await self._address(user_id)
        if address is None:
            return Outcome(Delivery.NOWHERE)
        notifier = self._notifiers[address.channel]
        reply = await compose(entry, user_id, self._services)
        if reply is None:
            return Outcome(Delivery.SKIPPED)
        await self._pace(f"{address.channel}:{user_id}", notifier.min_interval)
        try:
            return await notifier.deliver(address, [reply])
        except Exception:  # a notifier bug or network error: retry later, never lose the nudge
            log.exception("delivery failed", extra={"channel": address.channel, "kind": entry.kind})
            return Outcome(Delivery.RETRY)

    async def _address(self, user_id: str) -> ChannelAddress | None:
        """The most recently used channel this instance can send through."""
        found = [await self._services.conversations.address(user_id, channel) for channel in self._notifiers]
        usable = [address for address in found if address is not None]
        return max(usable, key=lambda a: a.updated_at) if usable else None

    async def _pace(self, conversation: str, interval: float) -> None:
        loop = asyncio.get_running_loop()
        wait = self._last_send.get(conversation, 0.0) + interval - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_send[conversation] = loop.time()


def _backoff(attempts: int, retry_after: float | None) -> timedelta:
    """The platform's Retry-After when it gave one; else exponential with full jitter."""
    if retry_after is not None:
        return timedelta(seconds=retry_after)
    ceiling = min(MAX_BACKOFF.total_seconds(), 5 * 2**attempts)
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))
