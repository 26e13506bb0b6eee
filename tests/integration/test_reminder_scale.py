"""Reminder delivery that scales out: a pass drains everything due, instances on one store split
a wave and deliver each nudge once, tenants' and workspaces' limits are shared, and simultaneous
nudges of one kind are spread out."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.reminders.engine import Delivery, Outcome, ReminderEngine
from domain.clock import FakeClock, to_iso
from domain.reminders.policy import SPREAD
from domain.reminders.shards import SYSTEM_USER, ShardLease, ShardLeases, lease_id, shard_of
from domain.services import Services
from persistence.port import StoreUnavailable
from persistence.repositories import Repositories
from tests.conftest import opened_store, unique_database
from tests.reminder_doubles import RecordingNotifier

START = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)  # 09:00 in Madrid, a Monday


async def clocked_in(services: Services, clock: FakeClock, users: int, team: str = "T1", first: int = 0) -> list[str]:
    """``users`` people of one workspace who clocked in at START: each has one break nudge due
    50 minutes later (water is off, so exactly one)."""
    return await clocked_in_as(services, clock, [f"slack:{team}:U{n}" for n in range(first, first + users)])


async def clocked_in_as(services: Services, clock: FakeClock, ids: list[str]) -> list[str]:
    """These Slack users (``slack:{team}:{user}``) clocked in at START, as ``clocked_in``."""
    clock.set(START)
    for user in ids:
        _, team, member = user.split(":")
        await services.users.ensure(user, f"User {member}")
        await services.users.update_user(user, timezone="Europe/Madrid", reminder=("water", {"on": False}))
        dm = {"team_id": team, "user": member, "channel": f"D{team}{member}"}
        await services.conversations.remember_address(user, "slack", dm)
        await services.work_sessions.start_session(user)
    return ids


def world(store) -> tuple[FakeClock, Services]:
    clock = FakeClock(START)
    return clock, Services.build(Repositories(store), clock)


async def test_one_pass_drains_every_due_nudge_not_just_one_page(store):
    clock, services = world(store)
    users = await clocked_in(services, clock, 130)
    notifier = RecordingNotifier()
    engine = ReminderEngine(services, {"slack": notifier}, batch=20)  # pages far smaller than the wave
    clock.set(START + timedelta(minutes=50))
    summary = await engine.run()
    assert summary.sent == 130 and sorted(user for user, _ in notifier.sent) == sorted(users)


async def test_two_instances_split_a_wave_and_send_each_nudge_once(store):
    clock, services = world(store)
    users = await clocked_in(services, clock, 400 if store.name == "sqlite" else 120)
    first, second = RecordingNotifier(), RecordingNotifier()
    # Two instances: each its own engine over its own services, on the one store.
    other = Services.build(Repositories(store), clock)
    engines = [
        ReminderEngine(services, {"slack": first}, batch=25, instance="a"),
        ReminderEngine(other, {"slack": second}, batch=25, instance="b"),
    ]
    clock.set(START + timedelta(minutes=50))
    summaries = await asyncio.gather(*(engine.run() for engine in engines))
    delivered = [user for user, _ in first.sent + second.sent]
    assert sorted(delivered) == sorted(users)  # everyone, once
    assert first.sent and second.sent  # both did a share
    assert summaries[0].shards + summaries[1].shards <= 32  # no shard drained twice for one instant
    again = await asyncio.gather(*(engine.run() for engine in engines))
    assert sum(summary.sent for summary in again) == 0


@pytest.mark.cosmos
async def test_two_instances_with_their_own_cosmos_clients_deliver_a_wave_exactly_once(cosmos_server, tmp_path):
    # As two deployed instances are: each its own Cosmos DB client on the one database, so the
    # claims and shard leases are settled by the store's ETags alone, not by a shared client.
    database = unique_database()
    async with (
        opened_store("cosmos", tmp_path, cosmos_server, database=database) as mine,
        opened_store("cosmos", tmp_path, cosmos_server, database=database) as theirs,
    ):
        clock, services = world(mine)
        gate = asyncio.Semaphore(16)

        async def clock_in(first: int) -> list[str]:
            async with gate:
                return await clocked_in(services, clock, 10, first=first)

        users = [user for ten in await asyncio.gather(*(clock_in(n) for n in range(0, 300, 10))) for user in ten]
        notifiers = [RecordingNotifier(), RecordingNotifier()]
        engines = [
            ReminderEngine(Services.build(Repositories(store), clock), {"slack": notifier}, instance=name)
            for store, notifier, name in zip((mine, theirs), notifiers, ("a", "b"), strict=True)
        ]
        clock.set(START + timedelta(minutes=50))
        summaries = await asyncio.gather(*(engine.run() for engine in engines))

        delivered = Counter(user for notifier in notifiers for user, _ in notifier.sent)
        assert sorted(delivered) == sorted(users) and set(delivered.values()) == {1}  # everyone, once
        assert all(notifier.sent for notifier in notifiers)  # both instances delivered a share
        assert sum(summary.shards for summary in summaries) <= 32  # no shard drained twice
        assert await services.reminders.due(clock.now(), 10) == []  # none left due


async def test_a_shard_held_by_a_dead_instance_is_drained_once_its_lease_runs_out(store):
    clock, services = world(store)
    users = await clocked_in(services, clock, 60)
    clock.set(START + timedelta(minutes=50))
    stuck = shard_of(users[0])
    dead = ShardLeases(services.repos.reminder_shards, clock, "dead-instance")
    assert await dead.acquire(stuck, clock.now()) is not None  # and it never comes back
    notifier = RecordingNotifier()
    engine = ReminderEngine(services, {"slack": notifier}, instance="alive")
    await engine.run()
    assert users[0] not in {user for user, _ in notifier.sent}
    assert {shard_of(user) for user, _ in notifier.sent} == {shard_of(u) for u in users} - {stuck}
    clock.advance(seconds=61)
    await engine.run()
    assert sorted(user for user, _ in notifier.sent) == sorted(users)
    lease: ShardLease = await services.repos.reminder_shards.get(SYSTEM_USER, lease_id(stuck))
    assert lease.holder is None  # released after the drain


class FakeTime:
    """Sleeping advances the fake clock instead of waiting."""

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.slept: list[float] = []

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.clock.advance(seconds=seconds)
        await asyncio.sleep(0)


async def test_a_retry_after_told_to_one_instance_holds_back_the_others_in_that_workspace(store):
    clock, services = world(store)
    await clocked_in(services, clock, 1, team="TBUSY")
    clock.set(START + timedelta(minutes=50))
    told = RecordingNotifier(script=[Outcome(Delivery.RETRY, retry_after=30)])
    await ReminderEngine(services, {"slack": told}, per_second={"slack": 10}, instance="a").run()
    assert told.attempts == 1 and told.sent == []  # Slack said 429, Retry-After: 30

    # Meanwhile a colleague of the same workspace and someone of another one are due; another
    # instance, which was told nothing itself, waits out the 30 seconds for the colleague only.
    [colleague] = await clocked_in(services, clock, 1, team="TBUSY", first=1)
    [elsewhere] = await clocked_in(services, clock, 1, team="TQUIET")
    clock.set(START + timedelta(minutes=50, seconds=1))
    fake_time = FakeTime(clock)
    other = RecordingNotifier()
    instance_b = Services.build(Repositories(store), clock)
    await ReminderEngine(
        instance_b, {"slack": other}, per_second={"slack": 10}, sleep=fake_time.sleep, instance="b"
    ).run()
    assert sorted(user for user, _ in other.sent) == sorted([colleague, elsewhere])
    assert 28 <= sum(fake_time.slept) <= 30  # until 30 s after the 429, not from its own start


async def test_two_instances_together_keep_to_a_workspace_budget(store):
    clock, services = world(store)
    users = await clocked_in(services, clock, 40, team="TLIMIT")
    clock.set(START + timedelta(minutes=50))
    fake_time = FakeTime(clock)
    notifiers = [RecordingNotifier(), RecordingNotifier()]
    engines = [
        ReminderEngine(
            Services.build(Repositories(store), clock),
            {"slack": notifier},
            per_second={"slack": 5},
            sleep=fake_time.sleep,
            instance=name,
        )
        for name, notifier in zip(("a", "b"), notifiers, strict=True)
    ]
    await asyncio.gather(*(engine.run() for engine in engines))
    assert sorted(user for n in notifiers for user, _ in n.sent) == sorted(users)
    # 40 messages at 5 a second to one workspace take at least 7 seconds of (fake) time.
    assert clock.now() - (START + timedelta(minutes=50)) >= timedelta(seconds=7)


async def test_a_whole_time_zones_wrap_up_is_spread_over_a_few_minutes(store):
    clock, services = world(store)
    users = await clocked_in(services, clock, 120)
    for user in users:
        for kind in ("break", "lunch", "long_session", "risk_alert"):
            await services.users.update_user(user, reminder=(kind, {"on": False}))
        task = await services.tasks.create_task(user, "something")
        await services.tasks.complete_task(user, task.id)
    notifier = RecordingNotifier()
    engine = ReminderEngine(services, {"slack": notifier})
    per_minute: Counter[int] = Counter()
    wrap_up = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)  # 17:30 in Madrid
    for minute in range(0, int(SPREAD.total_seconds() // 60) + 1):
        before = len(notifier.sent)
        clock.set(wrap_up + timedelta(minutes=minute))
        await engine.run()
        per_minute[minute] = len(notifier.sent) - before
    assert sum(per_minute.values()) == 120  # each once
    assert max(per_minute.values()) <= 60  # not all in the same minute


async def test_a_whole_time_zones_morning_nudges_for_tasks_due_that_day_are_spread_over_a_few_minutes(store):
    clock, services = world(store)
    tuesday_evening = datetime(2026, 11, 24, 16, 30, tzinfo=UTC)  # 17:30 in Madrid: "due tuesday", no time
    users = []
    for n in range(120):
        user = f"slack:T1:U{n}"
        await services.users.ensure(user, f"User {n}")
        await services.users.update_user(user, timezone="Europe/Madrid")
        await services.conversations.remember_address(user, "slack", {"team_id": "T1", "user": f"U{n}"})
        await services.tasks.create_task(user, "Pay the rent", due_at=tuesday_evening)
        users.append(user)
    notifier = RecordingNotifier()
    engine = ReminderEngine(services, {"slack": notifier})
    morning = datetime(2026, 11, 24, 8, 0, tzinfo=UTC)  # Tuesday 09:00 in Madrid, the start of working hours
    assert (await engine.run(morning - timedelta(minutes=1))).by_kind.get("due", 0) == 0
    per_minute: Counter[int] = Counter()
    for minute in range(0, int(SPREAD.total_seconds() // 60) + 1):
        clock.set(morning + timedelta(minutes=minute))
        per_minute[minute] = (await engine.run()).by_kind.get("due", 0)
    assert sum(per_minute.values()) == 120  # each once, all within the spread
    assert max(per_minute.values()) <= 60  # not the whole time zone in the same minute


class OneShardDown:
    """The store, except that the due lookup of one delivery shard keeps failing (a throttled
    partition range, a locked database): the other shards must still be delivered."""

    def __init__(self, inner, shard: int) -> None:
        self._inner = inner
        self._shard = shard

    def __getattr__(self, name):
        return getattr(self._inner, name)

    async def query(self, query):
        if any(c.field == "shard" and c.value == self._shard for c in query.where):
            raise StoreUnavailable("that shard's lookup keeps failing")
        return await self._inner.query(query)


async def test_a_shard_whose_lookup_fails_does_not_stop_the_others(store):
    clock, services = world(store)
    users = await clocked_in(services, clock, 40)
    broken = shard_of(users[0])
    clock.set(START + timedelta(minutes=50))
    notifier = RecordingNotifier()
    failing = Services.build(Repositories(OneShardDown(store, broken)), clock)
    summary = await ReminderEngine(failing, {"slack": notifier}).run()
    reached = {user for user, _ in notifier.sent}
    assert reached == {u for u in users if shard_of(u) != broken} and summary.sent == len(reached)
    await ReminderEngine(services, {"slack": notifier}).run()  # the shard's lookup works again
    assert sorted(user for user, _ in notifier.sent) == sorted(users)


class RaceOnClaim:
    """The store, except that just before the engine's first batched claim is written, ``rival``
    writes the schedule of one user of the batch: that user's claim then loses its ETag race."""

    def __init__(self, inner, rival) -> None:
        self._inner = inner
        self._rival = rival
        self.raced: str | None = None

    def __getattr__(self, name):
        return getattr(self._inner, name)

    async def replace_many(self, items):
        schedules = [doc for doc, _ in items if doc["type"] == "reminder_schedule"]
        if self.raced is None and len(schedules) > 1:
            self.raced = schedules[1]["user_id"]
            await self._rival(self.raced)
        return await self._inner.replace_many(items)


async def test_a_claim_that_loses_its_race_in_a_batch_is_sent_once_by_the_instance_that_won(store):
    clock, services = world(store)
    users = await clocked_in(services, clock, 60)
    clock.set(START + timedelta(minutes=50))
    ours, theirs = RecordingNotifier(), RecordingNotifier()
    other = ReminderEngine(Services.build(Repositories(store), clock), {"slack": theirs}, instance="b")
    racing = RaceOnClaim(store, other.run_for)  # the other instance claims, sends and settles first
    engine = ReminderEngine(Services.build(Repositories(racing), clock), {"slack": ours}, instance="a")
    summary = await engine.run()
    assert racing.raced is not None
    assert [user for user, _ in theirs.sent] == [racing.raced]
    assert sorted(user for user, _ in ours.sent + theirs.sent) == sorted(users)  # everyone, once
    assert summary.sent == len(users) - 1
    assert (await engine.run()).sent == 0 and (await other.run()).sent == 0


async def test_a_claim_that_loses_its_race_to_the_users_own_write_is_still_sent_in_the_pass(store):
    clock, services = world(store)
    users = await clocked_in(services, clock, 60)
    clock.set(START + timedelta(minutes=50))
    notifier = RecordingNotifier()

    async def asks_for_a_reminder(user: str) -> None:  # the user writes their schedule meanwhile
        await services.reminders.add_one_off(user, "call mum", START + timedelta(hours=5))

    racing = RaceOnClaim(store, asks_for_a_reminder)
    summary = await ReminderEngine(Services.build(Repositories(racing), clock), {"slack": notifier}).run()
    assert racing.raced is not None
    assert sorted(user for user, _ in notifier.sent) == sorted(users) and summary.sent == len(users)
    assert [o.text for o in await services.reminders.pending_one_offs(racing.raced)] == ["call mum"]


async def reference_activity(services: Services, user, now):
    """The activity as the engine read it before, one query per thing it looks at."""
    from domain.reminders.items import DueTask
    from domain.reminders.policy import Activity

    repos, zone, who = services.repos, ZoneInfo(user.timezone), user.id
    running = await repos.work_sessions.find(who, [("end_time", "=", None)], "start_time", True, 1)
    last_session = running or await repos.work_sessions.find(who, (), "start_time", True, 1)
    focus = await repos.focus_sessions.find(who, (), "started_at", True, 1)
    focusing = focus[0] if focus and focus[0].ended_at is None else None

    async def last(kind: str):
        logs = await repos.habit_logs.find(who, [("kind", "=", kind)], "at", True, 1)
        return logs[0].at if logs else None

    lunch = await last("lunch")
    tasks = await repos.tasks.find(who, [("completed", "=", False), ("due_at", ">", to_iso(now))], "due_at", False, 10)
    return Activity(
        clocked_in_since=running[0].start_time if running else None,
        session_id=running[0].id if running else None,
        focus_started=focusing.started_at if focusing else None,
        focus_planned_end=focusing.started_at + timedelta(minutes=focusing.duration_minutes) if focusing else None,
        focus_id=focusing.session_id if focusing else None,
        last_focus_end=focus[0].ended_at if focus and focus[0].ended_at else None,
        last_water=await last("water"),
        last_break=await last("break"),
        lunch_logged_on=lunch.astimezone(zone).date() if lunch else None,
        worked_on=last_session[0].start_time.astimezone(zone).date() if last_session else None,
        due_tasks=tuple(DueTask(t.id, t.due_at, t.updated_at or t.created_at) for t in tasks if t.due_at),
    )


async def test_the_policy_reads_the_same_activity_in_one_query_as_in_one_query_each(store):
    clock, services = world(store)
    [fresh, busy, yesterday] = await clocked_in(services, clock, 3)
    for minutes in (10, 40, 70):  # several of each: the latest must win
        clock.set(START + timedelta(minutes=minutes))
        await services.habits.log_water(busy, 250)
        await services.habits.log_break(busy)
        await services.habits.log_lunch(busy)
        for hours in (3, 1, 2, 30):
            await services.tasks.create_task(busy, f"due in {hours} h", due_at=clock.now() + timedelta(hours=hours))
    await services.focus.start(busy, 25)
    running = await services.work_sessions.get_active_session(yesterday)
    assert running is not None
    await services.work_sessions.end_session(yesterday, running.id)  # the last session, not running
    clock.set(START + timedelta(minutes=80))
    store.operations.reset()
    for user in (fresh, busy, yesterday):
        profile = await services.users.get_user(user)
        before = store.operations.total
        together = await services.reminders.activity(profile, clock.now())
        assert store.operations.total - before == (1 if store.name == "sqlite" else 7)
        assert together == await reference_activity(services, profile, clock.now())
    assert (await services.reminders.activity(await services.users.get_user(busy), clock.now())).focus_id
