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
from typing import Protocol, TypeVar

from bot.messages import Reply
from bot.reminders.nudges import compose
from bot.reminders.team_posts import TeamPosts
from domain.clock import Clock
from domain.concurrency import retry_stale
from domain.entities import ChannelAddress
from domain.errors import DomainError, NotFound, StaleEntity
from domain.reminders.budget import PlatformBudget, ShiftedClock, Sleep
from domain.reminders.policy import FAR_FUTURE, RISK_ALERT_DELIVERED, plan
from domain.reminders.schedule import OutboxEntry, ReminderSchedule
from domain.reminders.service import Snapshot
from domain.reminders.shards import SHARDS, ShardLeases, shard_of
from domain.services import Services

log = logging.getLogger("avanochi.reminders")
T = TypeVar("T")

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
    drained at once; ``claims_at_once`` the users whose claims (and then settles) are written
    together; ``per_second`` each channel's shared budget per tenant or workspace."""

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
        claims_at_once: int = 64,
        sleep: Sleep = asyncio.sleep,
        measure: Callable[[], AbstractContextManager[dict[str, int]]] | None = None,
        sweeps: list[Callable[[datetime], Awaitable[None]]] | None = None,
    ) -> None:
        self._services = services
        # Run at the end of each pass with its instant: work due by time rather than by a nudge
        # (a focus status whose planned end passed goes back, nudges on or off).
        self._sweeps = sweeps or []
        # Around each pass (telemetry): the pass fills in its counts before it ends.
        self._measure = measure or (lambda: nullcontext({}))
        self._notifiers = notifiers
        self._page = batch
        self._concurrency = asyncio.Semaphore(concurrency)
        self._shards_at_once = shards_at_once
        # A paced wave sends a chunk's claimed nudges one budget window after another, and a
        # lease must outlast the wait (else another instance sends the nudge again): paced, no
        # more are claimed at once per shard than are processed at once, as before batching.
        self._claims_at_once = min(claims_at_once, concurrency) if per_second else claims_at_once
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
            for sweep in self._sweeps:
                try:
                    await sweep(now)
                except Exception as error:  # its own business: the nudges went all the same
                    log.warning("a reminder pass sweep failed", extra={"error": type(error).__name__})
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
        step = self._claims_at_once
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
            for start in range(0, len(mine), step):
                await self._claim_together(mine[start : start + step], now, summary, pass_clock)
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

    async def _claim_together(
        self, schedules: list[ReminderSchedule], now: datetime, summary: RunSummary, pass_clock: Clock
    ) -> None:
        """Claim the nudges of these users with one write of their schedules (one commit on
        SQLite), as the due lookup returned them: each schedule's ETag guards its claim, so a
        user whose schedule changed since (another instance claimed it, the user added a
        reminder) is not claimed here but looked at again alone. Only what a committed claim
        leased is sent; then the settles are written together too."""
        channels = list(self._notifiers)
        try:
            # Every user of the chunk: a few statements on SQLite (one query per user elsewhere).
            snapshots = await self._services.reminders.snapshots(schedules, channels, now)
        except DomainError as error:  # nothing read, nothing claimed: they stay due
            log.warning("reading reminder users failed", extra={"error": str(error), "users": len(schedules)})
            return
        leased_at = pass_clock.now()
        claims = [self._decide(s, snapshot, now, leased_at) for s, snapshot in zip(schedules, snapshots, strict=True)]
        try:
            written = await self._services.reminders.save_schedules([claim.schedule for claim in claims])
        except DomainError as error:  # nothing claimed: they stay due for the next pass
            log.warning("claiming reminders failed", extra={"error": str(error), "users": len(claims)})
            return
        won = [claim for claim, ok in zip(claims, written, strict=True) if ok]
        lost = [claim.schedule.user_id for claim, ok in zip(claims, written, strict=True) if not ok]
        for claim in won:
            summary.claimed += claim.claimed
        sending = [claim for claim in won if claim.leased]
        outcomes = await asyncio.gather(*(self._bounded(self._send(claim, pass_clock)) for claim in sending))
        sent = [(claim, result) for claim, result in zip(sending, outcomes, strict=True) if result is not None]
        for claim, result in sent:
            settle(claim.schedule, result, now)
        try:
            settled = await self._services.reminders.save_schedules([claim.schedule for claim, _ in sent])
        except DomainError as error:
            log.warning("settling reminders failed", extra={"error": str(error), "users": len(sent)})
            settled = [False] * len(sent)
        for (claim, result), ok in zip(sent, settled, strict=True):
            if not ok:  # written meanwhile (a reminder added, a touch): settle on what is there now
                await self._bounded(self._settle_again(claim.schedule.user_id, result, now))
            await self._bounded(self._tally(claim, result, summary))
        # Someone else wrote these schedules since the lookup: the old way, one user at a time,
        # reading the schedule afresh (already claimed by another instance: nothing to do).
        await asyncio.gather(*(self._bounded(self._process(user_id, now, summary, pass_clock)) for user_id in lost))

    async def _bounded(self, work: Awaitable[T]) -> T | None:
        """``work`` within the engine's concurrency; a user's store trouble must not stop the others."""
        async with self._concurrency:
            try:
                return await work
            except DomainError as error:
                log.warning("reminders for a user failed", extra={"error": str(error)})
                return None

    @staticmethod
    def _decide(schedule: ReminderSchedule, snapshot: Snapshot, now: datetime, leased_at: datetime) -> Claim:
        """Plan the user's nudges and claim and lease them in ``schedule``, in memory: the
        caller writes it (with the ETag it was read with) before anything is sent. ``now`` is
        the instant the pass stands for; ``leased_at`` the pass's time as the claim is made, a
        paced wave's minutes later: the lease must run from then to outlast the wait to send."""
        if snapshot.user is None or snapshot.activity is None:
            schedule.outbox, schedule.next_due = [], FAR_FUTURE
            return Claim(schedule, [], None, 0)
        decided = plan(snapshot.user, snapshot.activity, schedule.sent, now)
        schedule.claim(decided.due, now)
        leased = schedule.lease(leased_at)
        schedule.reschedule(decided.next_check)
        # The most recently used channel this instance can send through.
        address = max(snapshot.addresses, key=lambda a: a.updated_at) if snapshot.addresses else None
        return Claim(schedule, leased, address, len(decided.due))

    async def _process(self, user_id: str, now: datetime, summary: RunSummary, pass_clock: Clock) -> None:
        """One user alone: read the schedule, claim, send, settle, each write with its ETag."""
        reminders = self._services.reminders

        async def claim() -> Claim | None:
            schedule = await reminders.schedule(user_id)
            if schedule.next_due > now:
                return None  # another instance got here first
            snapshot = await reminders.snapshot(user_id, list(self._notifiers), now, schedule)
            decided = self._decide(schedule, snapshot, now, pass_clock.now())
            await reminders.save_schedule(decided.schedule)
            return decided

        claimed = await retry_stale(claim)
        if claimed is None:
            return
        summary.claimed += claimed.claimed
        if not claimed.leased:
            return
        outcomes = await self._send(claimed, pass_clock)
        schedule = claimed.schedule
        settle(schedule, outcomes, now)
        try:
            await reminders.save_schedule(schedule)  # with the ETag the claim wrote
        except StaleEntity:
            await self._settle_again(user_id, outcomes, now)
        await self._tally(claimed, outcomes, summary)

    async def _settle_again(self, user_id: str, outcomes: dict[str, Outcome], now: datetime) -> None:
        reminders = self._services.reminders

        async def attempt() -> None:
            schedule = await reminders.schedule(user_id)
            settle(schedule, outcomes, now)
            await reminders.save_schedule(schedule)

        await retry_stale(attempt)

    async def _send(self, claim: Claim, pass_clock: Clock) -> dict[str, Outcome]:
        user_id = claim.schedule.user_id
        return {entry.key: await self._deliver(claim.address, user_id, entry, pass_clock) for entry in claim.leased}

    async def _tally(self, claim: Claim, outcomes: dict[str, Outcome], summary: RunSummary) -> None:
        for entry in claim.leased:
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
            await self._services.users.update_user(claim.schedule.user_id, reminders_on=False)
            summary.paused_users += 1

    async def _deliver(
        self, address: ChannelAddress | None, user_id: str, entry: OutboxEntry, pass_clock: Clock
    ) -> Outcome:
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

    async def _pace(self, conversation: str, interval: float) -> None:
        loop = asyncio.get_running_loop()
        wait = self._last_send.get(conversation, 0.0) + interval - loop.time()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_send[conversation] = loop.time()


@dataclass
class Claim:
    """One user's claim: the schedule as it is (to be) written, what it leased to send now,
    where to send it, and how many nudges it claimed."""

    schedule: ReminderSchedule
    leased: list[OutboxEntry]
    address: ChannelAddress | None
    claimed: int


def settle(schedule: ReminderSchedule, outcomes: dict[str, Outcome], now: datetime) -> None:
    """What the sends did, in the schedule: sent and dropped entries leave the outbox, those
    the platform asked to retry wait their backoff; an unreachable user's outbox empties."""
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


def _backoff(attempts: int, retry_after: float | None) -> timedelta:
    """The platform's Retry-After when it gave one; else exponential with full jitter."""
    if retry_after is not None:
        return timedelta(seconds=retry_after)
    ceiling = min(MAX_BACKOFF.total_seconds(), 5 * 2**attempts)
    return timedelta(seconds=random.uniform(ceiling / 2, ceiling))
