"""Progress: XP from roll-ups (weights, daily caps, undo), the level curve, streaks in the
user's time zone (days off, pauses, DST) and achievements announced exactly once."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from api.shapes import progress_fields
from domain.clock import FakeClock
from domain.entities import Task
from domain.history import Counters
from domain.progress import CATALOGUE, Facts, ProgressRecord, ProgressService, level_for, level_start_xp
from domain.progress.achievements import earned
from domain.progress.rules import (
    TASK_XP_DAY_CAP,
    Streak,
    day_counts_for_streak,
    day_xp,
    excused_day,
    focus_completion_counters,
    task_completion_counters,
)
from domain.rollups import RollupChanges
from domain.services import Services
from persistence.repositories import Repositories
from tests.companion_setup import build_companion, progress_records
from tests.fakes import InMemoryDocumentStore
from tests.unit.conftest import OTHER, USER

MADRID = ZoneInfo("Europe/Madrid")


@pytest.fixture
def progress(repos: Repositories, services: Services, clock: FakeClock) -> ProgressService:
    return build_companion(repos, services, clock).progress


def local(day: date, hour: int, minute: int = 0, zone: ZoneInfo = MADRID) -> datetime:
    return datetime.combine(day, time(hour, minute), zone)


async def finish_task(
    services: Services, clock: FakeClock, at: datetime, priority: str = "normal", user: str = USER
) -> str:
    clock.set(at)
    task = await services.tasks.create_task(user, "a task", priority=priority)
    await services.tasks.complete_task(user, task.id)
    return task.id


# --- XP rules, pure -----------------------------------------------------------------


def test_tasks_are_weighted_by_priority_with_the_completion_counters() -> None:
    counters: Counters = {"tasks_completed": 3}
    for priority in ("high", "low"):
        for name, amount in task_completion_counters(priority).items():
            counters[name] = counters.get(name, 0) + amount
    assert day_xp(counters).tasks == 30 + 20 + 10
    assert task_completion_counters("normal") == {}


def test_without_the_priority_counters_every_task_counts_as_normal() -> None:
    assert day_xp({"tasks_completed": 2}).tasks == 40


def test_each_part_of_a_day_is_capped() -> None:
    farmed: Counters = {
        "tasks_completed": 50,
        "focus_completed": 20,
        "focus_total": 20,
        "focus_minutes": 1800,
        "water_ml": 30000,
        "breaks": 40,
        "lunches": 5,
    }
    xp = day_xp(farmed)
    assert (xp.tasks, xp.focus, xp.water, xp.breaks, xp.lunch) == (TASK_XP_DAY_CAP, 180, 15, 20, 10)
    assert xp.total == 425


def test_focus_xp_is_the_completed_minutes_or_the_days_average_before_that_counter() -> None:
    assert day_xp({"focus_total": 2, "focus_completed": 1, "focus_minutes": 70}).focus == 35
    assert (
        day_xp({"focus_total": 2, "focus_completed": 1, "focus_minutes": 70, **focus_completion_counters(50)}).focus
        == 50
    )
    assert day_xp({"focus_total": 3, "focus_completed": 0, "focus_minutes": 75}).focus == 0


def test_water_counts_once_the_goal_is_met_and_drifting_counters_never_cost_xp() -> None:
    assert day_xp({"water_ml": 1999}).water == 0
    assert day_xp({"water_ml": 2000}).water == 15
    assert day_xp({"tasks_completed": -1, "breaks": -2, "tasks_completed_high": 4}).total == 0
    # A priority edited after completion can leave more "high" than completed tasks.
    assert day_xp({"tasks_completed": 1, "tasks_completed_high": 3}).tasks == 30


# --- level curve ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("xp", "level"),
    [(0, 1), (99, 1), (100, 2), (299, 2), (300, 3), (999, 4), (1000, 5), (4499, 9), (4500, 10), (19000, 20), (-5, 1)],
)
def test_level_curve(xp: int, level: int) -> None:
    assert level_for(xp) == level


def test_level_for_inverts_the_curve_exactly_at_every_boundary() -> None:
    for level in range(1, 300):
        assert level_for(level_start_xp(level)) == level
        assert level_for(level_start_xp(level + 1) - 1) == level
        assert level_start_xp(level + 1) - level_start_xp(level) == 100 * level


# --- streak rule, pure ----------------------------------------------------------------


def test_streak_extends_on_counted_days_holds_on_excused_ones_and_breaks_otherwise() -> None:
    streak = Streak()
    for counted, excused in [(True, False), (True, False), (False, True), (True, False), (False, False), (True, False)]:
        streak = streak.after(counted, excused)
    assert (streak.current, streak.best) == (1, 3)


def test_days_off_and_paused_days_are_excused() -> None:
    monday, saturday = date(2026, 3, 2), date(2026, 3, 7)
    assert excused_day(saturday, [0, 1, 2, 3, 4], [])
    assert not excused_day(monday, [0, 1, 2, 3, 4], [])
    assert excused_day(monday, [0, 1, 2, 3, 4], [(date(2026, 3, 1), date(2026, 3, 3))])
    assert excused_day(monday, [1, 2, 3], [])


# --- XP through the services ------------------------------------------------------------


async def test_a_completed_task_gives_xp_and_undo_takes_it_back(
    services: Services, clock: FakeClock, progress: ProgressService
) -> None:
    await finish_task(services, clock, clock.now())
    assert (await progress.snapshot(USER)).xp == 20
    await services.tasks.undo(USER)
    snapshot = await progress.snapshot(USER)
    assert (snapshot.xp, snapshot.streak_days, snapshot.today.tasks) == (0, 0, 0)


async def test_priority_counters_in_a_day_roll_up_weigh_its_tasks(
    repos: Repositories, clock: FakeClock, progress: ProgressService
) -> None:
    # What TaskService adds once it writes task_completion_counters: a high and a low task.
    day = "day:" + clock.now().date().isoformat()
    changes = RollupChanges().add_both(day, "tasks_completed", 2)
    for priority in ("high", "low"):
        for counter, amount in task_completion_counters(priority).items():
            changes.add(day, counter, amount)
    await repos.ledger.apply(USER, changes)
    assert (await progress.snapshot(USER)).xp == 30 + 10


async def test_undoing_a_reopen_gives_the_xp_back_on_the_original_day(
    services: Services, clock: FakeClock, progress: ProgressService
) -> None:
    task_id = await finish_task(services, clock, clock.now())
    clock.advance(days=1)
    await services.tasks.reopen_task(USER, task_id)
    assert (await progress.snapshot(USER)).xp == 0
    await services.tasks.undo(USER)
    assert (await progress.snapshot(USER)).xp == 20


async def test_focus_habits_and_their_caps(services: Services, clock: FakeClock, progress: ProgressService) -> None:
    finished = await services.focus.start(USER, 25)
    clock.advance(minutes=25)
    await services.focus.complete(USER, finished.session_id)
    dropped = await services.focus.start(USER, 25)
    await services.focus.cancel(USER, dropped.session_id)
    for _ in range(3):
        await services.habits.log_water(USER, 1000)  # the goal is met once; more is not more XP
    for _ in range(7):
        await services.habits.log_break(USER, 5)
    await services.habits.log_lunch(USER)
    await services.habits.log_lunch(USER)
    today = (await progress.snapshot(USER)).today
    # One finished 25-minute session (with or without the focus_completed_minutes counter).
    assert (today.focus, today.water, today.breaks, today.lunch) == (25, 15, 20, 10)


async def test_completing_many_tasks_in_a_day_stops_paying_at_the_cap(
    services: Services, clock: FakeClock, progress: ProgressService
) -> None:
    for _ in range(15):
        await finish_task(services, clock, clock.now())
    assert (await progress.snapshot(USER)).xp == TASK_XP_DAY_CAP
    clock.advance(days=1)
    await finish_task(services, clock, clock.now())
    assert (await progress.snapshot(USER)).xp == TASK_XP_DAY_CAP + 20


async def test_snapshot_reports_level_and_the_rest_fields(
    services: Services, clock: FakeClock, progress: ProgressService
) -> None:
    for _ in range(5):
        await finish_task(services, clock, clock.now())
    snapshot = await progress.snapshot(USER)
    assert (snapshot.xp, snapshot.level, snapshot.level_xp, snapshot.next_level_xp) == (100, 2, 100, 300)
    assert snapshot.level_fraction == 0.0
    fields = progress_fields(snapshot)
    assert {"xp", "level", "streak_days", "achievements"} <= set(fields)
    assert isinstance(fields["achievements"], list)


# --- streaks through the services, in the user's time zone --------------------------------


async def test_weekends_do_not_break_a_streak_and_a_missed_working_day_does(
    services: Services, clock: FakeClock, progress: ProgressService
) -> None:
    await services.users.update_user(USER, timezone="Europe/Madrid")
    monday = date(2026, 3, 2)
    for offset in range(5):  # Monday to Friday
        await finish_task(services, clock, local(monday + timedelta(days=offset), 10))
    clock.set(local(monday + timedelta(days=7), 8))  # next Monday, nothing done yet today
    assert (await progress.snapshot(USER)).streak_days == 5
    await finish_task(services, clock, local(monday + timedelta(days=7), 11))
    assert (await progress.snapshot(USER)).streak_days == 6
    clock.set(local(monday + timedelta(days=9), 9))  # Wednesday: Tuesday was a working day, missed
    snapshot = await progress.snapshot(USER)
    assert (snapshot.streak_days, snapshot.best_streak) == (0, 6)


async def test_a_focus_session_alone_keeps_the_streak(
    services: Services, clock: FakeClock, progress: ProgressService
) -> None:
    await finish_task(services, clock, clock.now())
    clock.advance(days=1)
    session = await services.focus.start(USER, 25)
    clock.advance(minutes=25)
    await services.focus.complete(USER, session.session_id)
    assert (await progress.snapshot(USER)).streak_days == 2


async def test_the_same_instants_make_different_local_days_in_tokyo_and_los_angeles(
    services: Services, clock: FakeClock, progress: ProgressService
) -> None:
    # 23:30 UTC on Monday and on Tuesday: Tuesday and Wednesday mornings in Tokyo,
    # Monday and Tuesday afternoons in Los Angeles.
    await services.users.update_user(USER, timezone="Asia/Tokyo")
    await services.users.update_user(OTHER, timezone="America/Los_Angeles")
    for user in (USER, OTHER):
        await finish_task(services, clock, datetime(2026, 3, 2, 23, 30, tzinfo=UTC), user=user)
        await finish_task(services, clock, datetime(2026, 3, 3, 23, 30, tzinfo=UTC), user=user)
    clock.set(datetime(2026, 3, 4, 15, 30, tzinfo=UTC))  # Thu 00:30 in Tokyo, Wed 07:30 in Los Angeles
    assert [(await progress.snapshot(u)).streak_days for u in (USER, OTHER)] == [2, 2]
    clock.set(datetime(2026, 3, 5, 14, 0, tzinfo=UTC))  # Thu 23:00 in Tokyo, Thu 06:00 in Los Angeles
    assert [(await progress.snapshot(u)).streak_days for u in (USER, OTHER)] == [2, 0]
    clock.set(datetime(2026, 3, 5, 15, 30, tzinfo=UTC))  # Fri 00:30 in Tokyo: Thursday was missed
    assert (await progress.snapshot(USER)).streak_days == 0


@pytest.mark.parametrize("change", [date(2026, 3, 29), date(2026, 10, 25)])
async def test_the_streak_counts_each_local_day_once_across_a_madrid_dst_change(
    services: Services, clock: FakeClock, progress: ProgressService, change: date
) -> None:
    await services.users.update_user(USER, timezone="Europe/Madrid", work_days=[0, 1, 2, 3, 4, 5, 6])
    days = [change + timedelta(days=offset) for offset in range(-2, 3)]
    for day in days:
        # The first and last daytime minutes (night work earns nothing): 05:00 local is 03:00 or
        # 04:00 UTC, depending on the side of the change.
        await finish_task(services, clock, local(day, 5, 0))
        await finish_task(services, clock, local(day, 21, 59))
    clock.set(local(days[-1], 23, 45))
    snapshot = await progress.snapshot(USER)
    assert (snapshot.streak_days, snapshot.xp) == (5, 5 * 40)
    clock.set(local(days[-1] + timedelta(days=2), 0, 15))  # the day after was missed
    assert (await progress.snapshot(USER)).streak_days == 0


async def test_paused_days_do_not_break_the_streak_even_after_the_pause_ends(
    services: Services, clock: FakeClock, progress: ProgressService
) -> None:
    monday = date(2026, 3, 2)
    await finish_task(services, clock, local(monday, 10, zone=ZoneInfo("UTC")))
    clock.set(local(monday, 18, zone=ZoneInfo("UTC")))
    await services.users.update_user(USER, paused_until=datetime(2026, 3, 6, tzinfo=UTC))  # off Tue-Thu
    clock.set(datetime(2026, 3, 3, 12, tzinfo=UTC))
    await progress.snapshot(USER)  # the pause is noted while it lasts
    clock.set(datetime(2026, 3, 6, 9, tzinfo=UTC))
    await services.users.update_user(USER, paused_until=None)  # Friday: tidying up after it ran out
    await finish_task(services, clock, datetime(2026, 3, 6, 10, tzinfo=UTC))
    assert (await progress.snapshot(USER)).streak_days == 2
    clock.set(datetime(2026, 3, 20, 9, tzinfo=UTC))  # long after: Tue-Thu are folded, still excused
    await finish_task(services, clock, datetime(2026, 3, 9, 10, tzinfo=UTC))
    for day in range(10, 14):
        await finish_task(services, clock, datetime(2026, 3, day, 10, tzinfo=UTC))
    await finish_task(services, clock, datetime(2026, 3, 16, 10, tzinfo=UTC))
    await finish_task(services, clock, datetime(2026, 3, 17, 10, tzinfo=UTC))
    await finish_task(services, clock, datetime(2026, 3, 18, 10, tzinfo=UTC))
    await finish_task(services, clock, datetime(2026, 3, 19, 10, tzinfo=UTC))
    clock.set(datetime(2026, 3, 20, 9, tzinfo=UTC))
    assert (await progress.snapshot(USER)).streak_days == 11


async def test_an_early_resume_ends_the_noted_pause(
    services: Services, clock: FakeClock, progress: ProgressService
) -> None:
    await finish_task(services, clock, datetime(2026, 3, 2, 10, tzinfo=UTC))
    await services.users.update_user(USER, paused_until=datetime(2026, 3, 13, tzinfo=UTC))
    clock.set(datetime(2026, 3, 3, 9, tzinfo=UTC))
    await progress.snapshot(USER)
    await services.users.update_user(USER, reminders_on=True, paused_until=None)  # back on Tuesday
    clock.set(datetime(2026, 3, 5, 9, tzinfo=UTC))  # Wednesday was a working day again, and missed
    assert (await progress.snapshot(USER)).streak_days == 0


# --- the checkpoint: history older than the window ---------------------------------------------


async def test_xp_and_streak_carry_over_when_days_leave_the_window(
    services: Services, repos: Repositories, clock: FakeClock, progress: ProgressService
) -> None:
    await services.users.ensure(USER)
    start = date(2026, 3, 2)
    days = [start + timedelta(days=n) for n in range(40)]
    for day in days:
        if day.weekday() < 5:
            await finish_task(services, clock, local(day, 10, zone=ZoneInfo("UTC")))
            await services.habits.log_break(USER)
        clock.set(local(day, 20, zone=ZoneInfo("UTC")))
        if day.day % 9 == 0:  # now and then, fold part of the history in
            await progress.snapshot(USER)
    snapshot = await progress.snapshot(USER)
    every_day = await repos.all_rollups(USER)
    expected = sum(day_xp(counters).total for key, counters in every_day.items() if key.startswith("day:"))
    assert snapshot.xp == expected == 30 * 25  # 30 working days, a task and a break each
    assert snapshot.streak_days == snapshot.best_streak == 30
    record = await progress._records.get(USER, "progress")
    assert record.folded_through == days[-1] - timedelta(days=14)


async def test_a_snapshot_costs_the_same_after_two_months_as_after_two_weeks(
    services: Services, store: InMemoryDocumentStore, clock: FakeClock, progress: ProgressService
) -> None:
    async def cost_of_a_snapshot() -> int:
        await progress.snapshot(USER)  # folds whatever left the window since the last one
        store.operations.reset()
        await progress.snapshot(USER)
        return store.operations.total

    await services.users.ensure(USER)
    for n in range(60):
        await finish_task(services, clock, datetime(2026, 3, 2, 10, tzinfo=UTC) + timedelta(days=n))
        if n == 13:
            after_two_weeks = await cost_of_a_snapshot()
    after_two_months = await cost_of_a_snapshot()
    # The user, the record, the totals, and two queries: no scan.
    assert after_two_months == after_two_weeks <= 6
    # settle_pending's query and the 14-day range of roll-ups; nothing that walks the history.
    assert store.operations.by_kind.get("query", 0) == 2


async def test_reading_progress_writes_nothing_until_there_is_something_to_keep(
    services: Services, store: InMemoryDocumentStore, clock: FakeClock, progress: ProgressService
) -> None:
    assert (await progress.snapshot("slack:T1:nobody")).xp == 0
    await services.users.ensure(USER)
    await progress.snapshot(USER)
    assert not [key for key in store.documents if key[1] == "progress"]
    clock.advance(days=20)  # days leave the window: the checkpoint is worth keeping now
    await progress.snapshot(USER)
    assert [key for key in store.documents if key[1] == "progress"] == [(USER, "progress")]


# --- achievements ---------------------------------------------------------------------------


def test_the_catalogue_has_at_least_15_distinct_explained_achievements() -> None:
    assert len(CATALOGUE) >= 15
    assert len({a.id for a in CATALOGUE}) == len(CATALOGUE)
    assert all(a.name and a.description.endswith(".") for a in CATALOGUE)
    assert earned(Facts()) == []
    everything = Facts(
        tasks_completed=100,
        focus_completed=10,
        level=20,
        streak_days=20,
        best_streak=20,
        most_focus_in_a_day=4,
        water_goal_days=5,
        lunch_days=5,
        break_days=5,
        balanced_week=True,
        early_tasks=1,
        breaks_kept_days=5,
        week_within_hours=True,
        rested_days_off=True,
    )
    assert earned(everything) == list(CATALOGUE)


async def test_achievements_fire_once_even_after_undo_and_redo(
    services: Services, clock: FakeClock, progress: ProgressService
) -> None:
    await finish_task(services, clock, clock.now())
    first = await progress.announce(USER)
    assert [a.id for a in first.achievements] == ["first_task"]
    assert [e.achievement.id for e in first.progress.achievements] == ["first_task"]
    assert await progress.newly_earned(USER) == []
    await services.tasks.undo(USER)
    await finish_task(services, clock, clock.now())
    assert await progress.newly_earned(USER) == []
    assert [e.achievement.id for e in (await progress.snapshot(USER)).achievements] == ["first_task"]


async def test_two_concurrent_announcements_share_out_each_achievement_once(
    services: Services, clock: FakeClock, progress: ProgressService
) -> None:
    await finish_task(services, clock, clock.now())
    results = await asyncio.gather(progress.newly_earned(USER), progress.newly_earned(USER))
    assert sorted(len(r) for r in results) == [0, 1]


async def test_a_level_up_is_announced_once(services: Services, clock: FakeClock, progress: ProgressService) -> None:
    for _ in range(4):
        await finish_task(services, clock, clock.now())
    assert (await progress.announce(USER)).level_up is None
    task_id = await finish_task(services, clock, clock.now())
    assert (await progress.announce(USER)).level_up == 2
    assert (await progress.announce(USER)).level_up is None
    await services.tasks.reopen_task(USER, task_id)
    await services.tasks.complete_task(USER, task_id)
    assert (await progress.announce(USER)).level_up is None


async def test_focus_marathon_and_early_bird(services: Services, clock: FakeClock, progress: ProgressService) -> None:
    await services.users.update_user(USER, timezone="Europe/Madrid")
    day = date(2026, 3, 3)
    await finish_task(services, clock, local(day, 7, 45))  # 06:45 UTC, 07:45 in Madrid
    for hour in (9, 10, 11, 14):
        clock.set(local(day, hour))
        session = await services.focus.start(USER, 25)
        clock.advance(minutes=25)
        await services.focus.complete(USER, session.session_id)
    found = {a.id: a for a in await progress.newly_earned(USER)}
    assert {"first_task", "first_focus", "focus_marathon", "early_bird"} <= set(found)
    assert not any(a.warning for a in CATALOGUE)


async def test_working_late_earns_no_night_owl_no_xp_and_no_streak(
    services: Services, clock: FakeClock, progress: ProgressService
) -> None:
    await services.users.update_user(USER, timezone="Europe/Madrid")
    day = date(2026, 3, 3)
    clock.set(local(day, 19))
    await services.work_sessions.start_session(USER)
    for hour in (22, 23):
        clock.set(local(day, hour))
        session = await services.focus.start(USER, 25)
        clock.advance(minutes=25)
        await services.focus.complete(USER, session.session_id)
    await finish_task(services, clock, local(day, 23, 40), priority="high")
    clock.set(local(day + timedelta(days=1), 0, 30))
    await services.work_sessions.end_active_session(USER)
    found = {a.id for a in await progress.newly_earned(USER)}
    assert "night_owl" not in found and "night_owl" not in {a.id for a in CATALOGUE}
    snapshot = await progress.snapshot(USER)
    assert snapshot.xp == 0 and snapshot.best_streak == 0  # 25-minute sessions and a high task, all at night


def test_night_work_counts_for_nothing_in_a_day_of_xp() -> None:
    late_task: Counters = {
        "tasks_completed": 2,
        **task_completion_counters("high"),
        **task_completion_counters("high", late=True),
    }
    assert day_xp(late_task).tasks == 30  # the daytime one only
    late_focus: Counters = {"focus_total": 1, "focus_completed": 1, **focus_completion_counters(50, late=True)}
    assert day_xp(late_focus).focus == 0
    assert not day_counts_for_streak(late_focus)
    late_low: Counters = {"tasks_completed": 1, **task_completion_counters("low", late=True)}
    assert not day_counts_for_streak(late_low)


async def test_an_old_night_owl_is_kept_in_the_record_but_retired_quietly(
    repos: Repositories, services: Services, clock: FakeClock, progress: ProgressService
) -> None:
    await services.users.ensure(USER)
    records = progress_records(repos)
    old = await progress.snapshot(USER)  # makes nothing: a new user's record is not saved yet
    record = ProgressRecord(USER, achievements={"night_owl": "2026-02-20"})
    await records.add(record)
    await finish_task(services, clock, clock.now())
    announced = await progress.announce(USER)
    assert [a.id for a in announced.achievements] == ["first_task"]
    assert [e.achievement.id for e in announced.progress.achievements] == ["first_task"]
    assert progress_fields(await progress.snapshot(USER))["achievements"][0]["id"] == "first_task"
    assert "night_owl" in (await records.get(USER, ProgressRecord.id)).achievements  # not rewritten away
    assert old.achievements == ()


async def test_the_history_from_before_early_and_late_counting_is_looked_at_once(
    repos: Repositories, store: InMemoryDocumentStore, clock: FakeClock, progress: ProgressService
) -> None:
    # Finished at 07:30 and stored as before the day roll-ups counted early tasks.
    done = datetime(2026, 3, 2, 7, 30, tzinfo=UTC)
    task = Task("t1", USER, "Early one", completed=True, completed_at=done, created_at=done)
    await repos.tasks.add(task, RollupChanges().add_both("day:2026-03-02", "tasks_completed", 1))
    clock.set(datetime(2026, 3, 2, 12, 0, tzinfo=UTC))
    assert "early_bird" in [a.id for a in await progress.newly_earned(USER)]
    store.operations.reset()
    assert await progress.newly_earned(USER) == []
    assert store.operations.by_kind.get("query") == 1  # the two weeks of roll-ups, no more


async def test_hydration_lunch_breaks_and_a_balanced_week(
    services: Services, clock: FakeClock, progress: ProgressService
) -> None:
    monday = date(2026, 3, 2)
    utc = ZoneInfo("UTC")
    for offset in range(5):
        day = monday + timedelta(days=offset)
        clock.set(local(day, 9, zone=utc))
        await services.work_sessions.start_session(USER)
        for hour in (10, 12, 15):
            clock.set(local(day, hour, zone=utc))
            await services.habits.log_break(USER)
        await services.habits.log_water(USER, 2000)
        await services.habits.log_lunch(USER)
        clock.set(local(day, 17, 30, zone=utc))
        await services.work_sessions.end_active_session(USER)
    clock.set(local(monday + timedelta(days=7), 8, zone=utc))
    ids = {a.id for a in await progress.newly_earned(USER)}
    assert {"hydrated", "hydration_hero", "lunch_regular", "break_taker", "balanced_week"} <= ids
    # A rest every 2 h of 8.5 h, five days within the working hours, and a weekend left alone.
    assert {"breaks_kept", "week_within_hours", "rested_weekend"} <= ids


async def work_week(
    services: Services, clock: FakeClock, until: time, days: tuple[int, ...] = (0, 1, 2, 3, 4), rests: int = 0
) -> None:
    monday, utc = date(2026, 3, 2), ZoneInfo("UTC")
    for offset in days:
        day = monday + timedelta(days=offset)
        clock.set(local(day, 9, zone=utc))
        await services.work_sessions.start_session(USER)
        for n in range(rests):
            clock.set(local(day, 10 + 2 * n, zone=utc))
            await services.habits.log_break(USER)
        clock.set(datetime.combine(day, until, utc))
        await services.work_sessions.end_active_session(USER)
    clock.set(local(monday + timedelta(days=7), 8, zone=utc))


async def test_a_week_of_half_hour_overtime_is_balanced_but_not_within_hours(
    services: Services, clock: FakeClock, progress: ProgressService
) -> None:
    await work_week(services, clock, time(18, 0), rests=4)  # 9 h where 8.5 h are the working day
    ids = {a.id for a in await progress.newly_earned(USER)}
    assert "balanced_week" in ids and "rested_weekend" in ids
    assert "week_within_hours" not in ids


async def test_days_with_too_few_breaks_do_not_count_as_breaks_kept(
    services: Services, clock: FakeClock, progress: ProgressService
) -> None:
    await work_week(services, clock, time(17, 0), rests=3)  # 8 h with 3 breaks: one short
    ids = {a.id for a in await progress.newly_earned(USER)}
    assert "breaks_kept" not in ids and "week_within_hours" in ids


async def test_a_weekend_is_not_rested_without_the_week_before_it_or_with_work_in_it(
    services: Services, clock: FakeClock, progress: ProgressService
) -> None:
    clock.set(datetime(2026, 3, 9, 8, 0, tzinfo=UTC))
    await services.users.ensure(USER)
    assert "rested_weekend" not in {a.id for a in await progress.newly_earned(USER)}  # idle, not rested
    await work_week(services, clock, time(12, 0), days=(0, 1, 2, 3, 4, 6))  # and Sunday morning
    assert "rested_weekend" not in {a.id for a in await progress.newly_earned(USER)}


async def test_a_week_with_a_saturday_session_is_not_balanced(
    services: Services, clock: FakeClock, progress: ProgressService
) -> None:
    monday = date(2026, 3, 2)
    utc = ZoneInfo("UTC")
    for offset in (0, 1, 2, 3, 5):
        day = monday + timedelta(days=offset)
        clock.set(local(day, 9, zone=utc))
        await services.work_sessions.start_session(USER)
        clock.set(local(day, 12, zone=utc))
        await services.work_sessions.end_active_session(USER)
    clock.set(local(monday + timedelta(days=7), 8, zone=utc))
    ids = {a.id for a in await progress.newly_earned(USER)}
    assert not {"balanced_week", "week_within_hours", "rested_weekend"} & ids
