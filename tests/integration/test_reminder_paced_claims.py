"""A slow paced wave: when a workspace's message budget makes the engine send one nudge after
another, a claimed nudge must still be leased when it is sent. A claim is a lease of about a
minute and a half; were a whole chunk of claims written at once and then sent one budget window
after another, the last ones would outwait their lease, look due again, and another instance
would send them a second time."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from bot.messages import Reply
from bot.reminders.engine import Outcome, ReminderEngine
from domain.clock import FakeClock
from domain.entities import ChannelAddress
from domain.reminders.schedule import LEASE
from domain.reminders.shards import shard_of
from domain.services import Services
from persistence.repositories import Repositories
from tests.conftest import opened_store
from tests.integration.test_reminder_scale import START, clocked_in_as, world
from tests.reminder_doubles import RecordingNotifier

DUE = START + timedelta(minutes=50)  # everyone's break nudge
PER_SECOND = 1  # the workspace's budget: the wave takes about a second per nudge
CONCURRENCY = 4


def crowded_workspace(per_shard: int, shards: int = 2) -> list[str]:
    """Users of one workspace crowded into a few delivery shards, so that each shard drained
    has far more users due than the engine processes at once."""
    wanted: dict[int, list[str]] = {}
    n = 0
    while len(wanted) < shards or any(len(users) < per_shard for users in wanted.values()):
        user = f"slack:TSLOW:U{n}"
        n += 1
        shard = shard_of(user)
        if shard in wanted or len(wanted) < shards:
            members = wanted.setdefault(shard, [])
            if len(members) < per_shard:
                members.append(user)
    return [user for users in wanted.values() for user in users]


class FakeTime:
    """Sleeping moves the fake clock to the sleeper's wake-up time. Sleepers that wait for the
    same budget window at once wake at the same instant: their waits overlap, not add up."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock

    async def sleep(self, seconds: float) -> None:
        wake = self.clock.now() + timedelta(seconds=seconds)
        await asyncio.sleep(0)
        if self.clock.now() < wake:
            self.clock.set(wake)


@dataclass
class LeaseWatchingNotifier(RecordingNotifier):
    """Records, as each nudge goes out, whether its claim still held it: the user's schedule
    in the store is not due to anyone else (its outbox entries are leased past now)."""

    services: Services | None = None
    clock: FakeClock | None = None
    lapsed: list[tuple[str, float]] = field(default_factory=list)  # user, seconds past the lease

    async def deliver(self, address: ChannelAddress, replies: list[Reply]) -> Outcome:
        assert self.services is not None and self.clock is not None
        now = self.clock.now()
        schedule = await self.services.reminders.schedule(address.user_id)
        leases = [entry.leased_until for entry in schedule.outbox if entry.leased_until is not None]
        if schedule.next_due <= now or not leases or min(leases) <= now:
            ends = min(leases) if leases else schedule.next_due
            self.lapsed.append((address.user_id, (now - ends).total_seconds()))
        return await super().deliver(address, replies)


def paced_engine(services: Services, notifier: RecordingNotifier, time: FakeTime, instance: str) -> ReminderEngine:
    return ReminderEngine(
        services,
        {"slack": notifier},
        concurrency=CONCURRENCY,
        per_second={"slack": PER_SECOND},
        sleep=time.sleep,
        instance=instance,
    )


async def test_a_slow_paced_wave_sends_every_nudge_while_its_claim_still_holds_it(tmp_path):
    # 100 people of one workspace, due at once, at a nudge a second: the wave takes over 90
    # seconds, longer than a claim's lease, so it must claim as it goes rather than up front,
    # and each lease must run from its claim, not from the start of the pass. SQLite alone: the
    # property is the engine's timing (the next test runs the wave on Cosmos DB too).
    async with opened_store("sqlite", tmp_path) as store:
        await _watch_a_slow_wave(store)


async def _watch_a_slow_wave(store) -> None:
    clock, services = world(store)
    users = await clocked_in_as(services, clock, crowded_workspace(50))
    clock.set(DUE)
    time = FakeTime(clock)
    notifier = LeaseWatchingNotifier(services=services, clock=clock)

    summary = await paced_engine(services, notifier, time, "a").run()

    assert clock.now() - DUE > LEASE  # the wave did outlast one lease
    assert notifier.lapsed == []  # yet each nudge went out while its claim held it
    assert Counter(user for user, _ in notifier.sent) == Counter(users)  # everyone, once
    assert summary.sent == len(users)


async def test_a_second_instance_looking_in_mid_wave_sends_no_nudge_twice(store):
    # The user-visible side: another instance looks for due nudges while the first one is still
    # working through its paced wave. It may take over users not yet claimed (the first one's
    # shard lease ran out), but must find nothing the first one claimed and has yet to send or settle.
    clock, services = world(store)
    users = await clocked_in_as(services, clock, crowded_workspace(50))
    clock.set(DUE)
    time = FakeTime(clock)
    theirs = RecordingNotifier()
    other = paced_engine(Services.build(Repositories(store), clock), theirs, time, "b")
    looked: list[datetime] = []

    @dataclass
    class LooksInLater(RecordingNotifier):
        async def deliver(self, address: ChannelAddress, replies: list[Reply]) -> Outcome:
            # Just past a claim's lease into the wave, once: the other instance's timer fires.
            if not looked and clock.now() - DUE > LEASE:
                looked.append(clock.now())
                await other.run()
            return await super().deliver(address, replies)

    ours = LooksInLater()
    await paced_engine(services, ours, time, "a").run()

    assert looked  # the other instance did look in, past a lease into the wave
    delivered = Counter(user for user, _ in ours.sent + theirs.sent)
    assert sorted(delivered) == sorted(users)
    assert [user for user, times in delivered.items() if times > 1] == []  # no one nudged twice
