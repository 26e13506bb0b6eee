"""The reminder engine: find due schedules, claim their nudges once, deliver them through
the user's channel, retry what the platform asks to retry, and pause unreachable users.

Safe with several instances on one store: claims and leases are ETag writes of the
user's schedule document (see domain/reminders/schedule.py). Instances split the work by
delivery shards (domain/reminders/shards.py), so two of them deliver about twice as fast
instead of racing for the same schedules, and spend from one shared budget per Teams
tenant or Slack workspace (domain/reminders/budget.py).
"""

from __future__ import annotations

import asyncio
import logging
import random
import uuid
from collections.abc import Awaitable, Callable
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import Enum
from typing import Protocol

from bot.messages import Reply
from bot.reminders.nudges import compose
from bot.reminders.team_posts import TeamPosts
from domain.clock import Clock
from domain.concurrency import retry_stale
from domain.entities import ChannelAddress
from domain.errors import DomainError, NotFound
from domain.reminders.budget import PlatformBudget, ShiftedClock, Sleep
from domain.reminders.policy import FAR_FUTURE, RISK_ALERT_DELIVERED, plan
from domain.reminders.schedule import OutboxEntry, ReminderSchedule
from domain.reminders.shards import SHARDS, ShardLeases, shard_of
from domain.services import Services

log = logging.getLogger("avanochi.reminders")

MAX_BACKOFF = timedelta(minutes=15)
TERMINAL = "console"  # the terminal chat: its users' ids are console:{login}


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
    shards: int = 0  # delivery shards this instance drained in the pass
    by_kind: dict[str, int] = field(default_factory=dict)
    team_posts: int = 0  # weekly team pulses posted in their channels


class ReminderEngine:
    """``batch`` is the page size of one due lookup (a pass reads pages until its shards are
    drained); ``concurrency`` the users processed at once; ``shards_at_once`` the shards
    drained at once; ``per_second`` each channel's shared budget per tenant or workspace."""

    def __init__(
        self,
        services: Services,
        notifiers: dict[str, Notifier],
        batch: int = 500,
        concurrency: int = 16,
        *,
        per_second: dict[str, int] | None = None,
        instance: str | None = None,
        shards_at_once: int = 4,
        sleep: Sleep = asyncio.sleep,
        measure: Callable[[], AbstractContextManager[dict[str, int]]] | None = None,
        on_focus_end: Callable[[str], None] | None = None,
    ) -> None:
        self._services = services
        # Told the user id when a focus session's planned end comes (its platform status goes).
        self._on_focus_end = on_focus_end
        # Around each pass (telemetry): the pass fills in its counts before it ends.
        self._measure = measure or (lambda: nullcontext({}))
        self._notifiers = notifiers
        self._page = batch
        self._concurrency = asyncio.Semaphore(concurrency)
        self._shards_at_once = shards_at_once
        self._last_send: dict[str, float] = {}
        repos = services.repos
        self._leases = ShardLeases(repos.reminder_shards, services.clock, instance or uuid.uuid4().hex[:12])
        self._budget = PlatformBudget(repos.rate_windows, services.clock, per_second or {}, sleep)
        # Schedules saved before they carried a shard are looked for until a pass finds none.
        self._unsharded_left = True
        self._team_posts = TeamPosts(services, notifiers)

    async def run(self, now: datetime | None = None) -> RunSummary:
        """One pass: every schedule due at ``now`` (default: the clock's now) in the shards this
        instance can lease, taken in a random order so that instances rarely meet. An idle pass
        costs one indexed query."""
        with self._measure() as counts:
            now = now or self._services.clock.now()
            summary = await self._run(now)
            summary.team_posts = await self._team_posts.run(now)
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
        reminders = self._services.reminders
        # One clock for the whole pass: a shard drained minutes into a paced wave must spend
        # from the same budget windows as the first one, not from windows minutes in the past.
        pass_clock = ShiftedClock(self._services.clock, now)
        if self._unsharded_left:
            found, _ = await self._drain(
                now, summary, lambda: reminders.due(now, self._page, unsharded=True), pass_clock
            )
            self._unsharded_left = found > 0
        first = await reminders.due(now, self._page)
        if not first:
            return summary
        # A short first page holds everything due: only its shards have work. A full one is a
        # wave: every shard may.
        busy = {shard_of(s.user_id) for s in first} if len(first) < self._page else set(range(SHARDS))
        gate = asyncio.Semaphore(self._shards_at_once)

        async def one_shard(shard: int) -> None:
            async with gate:
                try:
                    await self._drain_shard(shard, now, summary, pass_clock)
                except DomainError as error:  # a store failing one shard's lookup: the others go on
                    log.warning("a delivery shard failed", extra={"shard": shard, "error": str(error)})

        await asyncio.gather(*(one_shard(shard) for shard in random.sample(sorted(busy), len(busy))))
        return summary

    def _reaches(self, user_id: str) -> bool:
        return TERMINAL in self._notifiers or not user_id.startswith(f"{TERMINAL}:")

    async def _drain_shard(self, shard: int, now: datetime, summary: RunSummary, pass_clock: Clock) -> None:
        lease = await self._leases.acquire(shard, now)
        if lease is None:
            return  # another instance drains it, or already has for this instant
        summary.shards += 1
        held = lease

        async def renew() -> bool:
            nonlocal held
            renewed = await self._leases.renew(held)
            if renewed is not None:
                held = renewed
            return renewed is not None

        drained = False
        try:
            _, drained = await self._drain(
                now, summary, lambda: self._services.reminders.due(now, self._page, shard), pass_clock, renew
            )
        finally:
            await self._leases.release(held, now if drained else None)

    async def _drain(
        self,
        now: datetime,
        summary: RunSummary,
        fetch: Callable[[], Awaitable[list[ReminderSchedule]]],
        pass_clock: Clock,
        keep_lease: Callable[[], Awaitable[bool]] | None = None,
    ) -> tuple[int, bool]:
        """Process pages of due schedules until none is left; returns how many were processed
        and whether the lookup ran dry. A schedule that stays due (its user's processing failed)
        is not processed twice in one pass."""
        seen: set[str] = set()

        async def one(schedule: ReminderSchedule) -> None:
            async with self._concurrency:
                try:
                    await self._process(schedule.user_id, now, summary, pass_clock)
                except DomainError as error:  # one user's trouble must not stop the others
                    log.warning("reminders for a user failed", extra={"error": str(error)})

        while True:
            due = await fetch()
            fresh = [schedule for schedule in due if schedule.user_id not in seen]
            if not fresh:
                return len(seen), True
            seen.update(schedule.user_id for schedule in fresh)
            # A terminal chat's user is reached by the chat's own engine alone (``run_for``); a
            # server sharing its store must leave their nudges (a focus session's end) to it.
            mine = [schedule for schedule in fresh if self._reaches(schedule.user_id)]
            summary.due_schedules += len(mine)
            await asyncio.gather(*(one(schedule) for schedule in mine))
            if len(due) < self._page:
                return len(seen), True
            if keep_lease is not None and not await keep_lease():
                return len(seen), False  # the lease was lost: its new holder goes on

    async def run_for(self, user_id: str, now: datetime | None = None) -> RunSummary:
        """One pass for one user alone: a terminal chat sends only its own user's nudges, and must
        not claim (and drop) those of users it cannot reach when it shares a store with a server."""
        now = now or self._services.clock.now()
        summary = RunSummary(now=now.isoformat())
        try:
            schedule = await self._services.reminders.schedule(user_id)
        except NotFound:
            return summary  # nothing asked of them yet
        if schedule.next_due <= now:
            summary.due_schedules = 1
            await self._process(user_id, now, summary, ShiftedClock(self._services.clock, now))
        return summary

    async def _process(self, user_id: str, now: datetime, summary: RunSummary, pass_clock: Clock) -> None:
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
            decided = plan(user, await services.reminders.activity(user, now, schedule), schedule.sent, now)
            schedule.claim(decided.due, now)
            summary.claimed += len(decided.due)
            leased = schedule.lease(now)
            schedule.reschedule(decided.next_check)
            await reminders.save_schedule(schedule)
            return leased

        leased = await retry_stale(claim)
        if not leased:
            return
        if self._on_focus_end is not None and any(entry.kind == "focus_end" for entry in leased):
            self._on_focus_end(user_id)
        outcomes = {entry.key: await self._deliver(user_id, entry, pass_clock) for entry in leased}

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

    async def _deliver(self, user_id: str, entry: OutboxEntry, pass_clock: Clock) -> Outcome:
        address = await self._address(user_id)
        if address is None:
            return Outcome(Delivery.NOWHERE)
        notifier = self._notifiers[address.channel]
        reply = await compose(entry, user_id, self._services)
        if reply is None:
            return Outcome(Delivery.SKIPPED)
        await self._pace(f"{address.channel}:{user_id}", notifier.min_interval)
        await self._budget.take(address.channel, user_id, pass_clock)
        try:
            outcome = await notifier.deliver(address, [reply])
        except Exception:  # a notifier bug or network error: retry later, never lose the nudge
            log.exception("delivery failed", extra={"channel": address.channel, "kind": entry.kind})
            return Outcome(Delivery.RETRY)
        if outcome.status is Delivery.RETRY and outcome.retry_after:
            # The platform's limit is the tenant's or workspace's: every instance holds back.
            await self._budget.hold(address.channel, user_id, outcome.retry_after, pass_clock)
        return outcome

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
