"""The pet: stage by level, mood/energy/hydration from the last three days, floors,
sleep in quiet hours, reactions by mood; and PetService over the real services."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest

from domain.clock import FakeClock
from domain.entities import User
from domain.history import Counters
from domain.services import Services
from domain.services.pet import (
    ACTIONS,
    FLOOR,
    MOODS,
    Pet,
    PetService,
    RecentHabits,
    is_asleep,
    pet_state,
    reaction,
    recent_habits,
    stage_for,
)
from persistence.repositories import Repositories
from tests.companion_setup import JUDGED_AT, build_companion, live
from tests.unit.conftest import USER

AFTERNOON = datetime(2026, 3, 4, 16, 0, tzinfo=UTC)  # a Wednesday
USER_9_TO_5 = User("u", "u", created_at=AFTERNOON, work_start="09:00", work_end="17:00")
GOOD_DAY: Counters = {
    "tasks_completed": 4,
    "focus_completed": 3,
    "focus_total": 3,
    "water_ml": 2000,
    "breaks": 3,
    "lunches": 1,
    "hours_total": 7,
}
LONG_DAY: Counters = {"tasks_completed": 1, "hours_total": 13, "water_ml": 250}


def first(lines):
    return lines[0]


@pytest.fixture
def pets(repos: Repositories, services: Services, clock: FakeClock) -> PetService:
    return build_companion(repos, services, clock).pet


@pytest.mark.parametrize(
    ("level", "stage"),
    [
        (1, "egg"),
        (2, "baby"),
        (4, "baby"),
        (5, "teen"),
        (9, "teen"),
        (10, "adult"),
        (19, "adult"),
        (20, "elder"),
        (60, "elder"),
    ],
)
def test_stage_by_level(level: int, stage: str) -> None:
    assert stage_for(level) == stage


def test_a_good_day_makes_a_happy_rested_watered_pet() -> None:
    pet = pet_state(7, recent_habits([{}, GOOD_DAY, GOOD_DAY], USER_9_TO_5, AFTERNOON, [False] * 3))
    assert (pet.stage, pet.mood, pet.asleep) == ("teen", "happy", False)
    assert pet.energy >= 80 and pet.hydration >= 90
    assert "finished work" in pet.reasons


def test_overwork_and_a_late_night_stress_it_but_it_never_dies() -> None:
    pet = pet_state(3, recent_habits([LONG_DAY, LONG_DAY, LONG_DAY], USER_9_TO_5, AFTERNOON, [True] * 3))
    assert pet.mood == "stressed"
    assert pet.energy == FLOOR and pet.hydration >= FLOOR
    extreme = RecentHabits(overtime_hours=100, late_nights=3, skipped_breaks=50)
    assert pet_state(1, extreme).energy == FLOOR


def test_three_quiet_days_bore_it() -> None:
    pet = pet_state(1, recent_habits([{}, {}, {}], USER_9_TO_5, AFTERNOON, [False] * 3))
    assert (pet.stage, pet.mood) == ("egg", "bored")


def test_low_energy_without_overwork_is_tired() -> None:
    habits = RecentHabits(overtime_hours=1.5, late_nights=0.3, skipped_breaks=3, active_days=3)
    assert pet_state(4, habits).mood == "tired"


def test_an_ordinary_day_is_content() -> None:
    day: Counters = {"tasks_completed": 1, "hours_total": 6, "breaks": 2, "water_ml": 800}
    assert pet_state(4, recent_habits([{}, day, day], USER_9_TO_5, AFTERNOON, [False] * 3)).mood == "content"


def test_breaks_water_and_focus_raise_what_overwork_lowers() -> None:
    def pet(**today: float) -> Pet:
        return pet_state(5, recent_habits([{}, {}, {"hours_total": 6, **today}], USER_9_TO_5, AFTERNOON, [False] * 3))

    base = pet()
    assert pet(breaks=3).energy > base.energy
    assert pet(focus_completed=2).energy > base.energy
    assert pet(water_ml=1500).hydration > base.hydration
    assert pet(hours_total=11).energy < base.energy
    assert (
        pet_state(5, recent_habits([{}, {}, {"hours_total": 6}], USER_9_TO_5, AFTERNOON, [False, False, True])).energy
        < base.energy
    )


def test_yesterday_counts_less_than_today() -> None:
    today_long = recent_habits([{}, {}, LONG_DAY], USER_9_TO_5, AFTERNOON, [False] * 3)
    yesterday_long = recent_habits([{}, LONG_DAY, {}], USER_9_TO_5, AFTERNOON, [False] * 3)
    assert yesterday_long.overtime_hours < today_long.overtime_hours


def test_water_due_grows_over_the_day() -> None:
    morning = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
    day: Counters = {"water_ml": 500}
    assert (
        recent_habits([day], USER_9_TO_5, morning, [False]).water_today
        > recent_habits([day], USER_9_TO_5, AFTERNOON, [False]).water_today
    )


def test_it_sleeps_in_the_users_quiet_hours_in_their_time_zone() -> None:
    tokyo = User("u", "u", created_at=AFTERNOON, timezone="Asia/Tokyo", quiet_start="22:00", quiet_end="07:00")
    assert is_asleep(tokyo, datetime(2026, 3, 4, 14, 0, tzinfo=UTC))  # 23:00 in Tokyo
    assert not is_asleep(tokyo, datetime(2026, 3, 4, 3, 0, tzinfo=UTC))  # 12:00 in Tokyo
    assert is_asleep(USER_9_TO_5, datetime(2026, 3, 4, 21, 0, tzinfo=UTC))


def test_every_action_gets_a_line_in_every_mood_and_a_sleepy_one_at_night() -> None:
    for action in ACTIONS + ("something_new",):
        for mood in MOODS:
            awake = reaction(action, Pet("teen", mood, 50, 50, False, 5), first)
            assert awake and "\n" not in awake
            assert "yawns" in reaction(action, Pet("teen", mood, 50, 50, True, 5), first)
    assert reaction("done", Pet("adult", "happy", 90, 90, False, 12), first) != reaction(
        "done", Pet("adult", "stressed", 20, 90, False, 12), first
    )


async def test_water_and_a_break_visibly_change_the_pet(services: Services, clock: FakeClock, pets: PetService) -> None:
    clock.set(datetime(2026, 3, 2, 9, 0, tzinfo=UTC))
    await services.users.ensure(USER)
    await services.work_sessions.start_session(USER)
    clock.set(datetime(2026, 3, 2, 15, 0, tzinfo=UTC))
    before = (await pets.look(USER)).pet
    await services.habits.log_water(USER, 1500)
    await services.habits.log_break(USER, 10)
    after = (await pets.look(USER)).pet
    assert after.hydration > before.hydration and after.energy > before.energy


async def test_a_running_session_tires_it_before_it_is_rolled_up(
    services: Services, clock: FakeClock, pets: PetService
) -> None:
    clock.set(datetime(2026, 3, 2, 6, 0, tzinfo=UTC))
    await services.users.ensure(USER)
    await services.work_sessions.start_session(USER)
    clock.set(datetime(2026, 3, 2, 19, 30, tzinfo=UTC))
    view = await pets.look(USER)
    assert view.pet.mood == "stressed" and not view.pet.asleep
    assert view.progress.level == 1


async def test_personas_pets(repos: Repositories, services: Services, clock: FakeClock) -> None:
    companion = build_companion(repos, services, clock)
    overworked = await live("overworked", services, clock)
    balanced = await live("balanced", services, clock)
    friday_afternoon = datetime.combine(date(2026, 3, 13), time(16, 30), ZoneInfo("Europe/Madrid"))
    clock.set(friday_afternoon)
    calm = (await companion.pet.look(balanced)).pet
    assert calm.mood in ("happy", "content") and calm.energy >= 70 and calm.hydration >= 80
    clock.set(JUDGED_AT)
    tired = (await companion.pet.look(overworked)).pet
    assert tired.mood == "stressed" and tired.asleep and tired.energy < calm.energy
