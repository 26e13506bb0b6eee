"""Insights: generated personas rank overworked > erratic > balanced >= idle; the score
explains itself with weighted factors and gives two or three concrete recommendations."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from api.shapes import insight_body
from domain.clock import FakeClock
from domain.entities import FocusSession, User, WorkSession
from domain.history import Counters
from domain.insights import (
    WEIGHTS,
    Evidence,
    Insight,
    InsightService,
    assess,
    best_focus_hour,
    break_cadence,
    long_stretches,
)
from domain.services import Services
from persistence.repositories import Repositories
from tests.companion_setup import PERSONAS, build_companion, live
from tests.fakes import InMemoryDocumentStore
from tests.unit.conftest import USER

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
UTC_USER = User("u", "u", created_at=T0)


@pytest.fixture
def insights(repos: Repositories, services: Services, clock: FakeClock) -> InsightService:
    return build_companion(repos, services, clock).insights


@pytest.fixture
async def personas(services: Services, clock: FakeClock, insights: InsightService) -> dict[str, Insight]:
    users = {name: await live(name, services, clock) for name in PERSONAS}
    return {name: await insights.assess(user_id) for name, user_id in users.items()}


def test_the_weights_add_up_to_100() -> None:
    assert sum(WEIGHTS.values()) == 100


async def test_personas_come_out_in_the_right_risk_order(personas: dict[str, Insight]) -> None:
    score = {name: insight.score for name, insight in personas.items()}
    assert score["overworked"] > score["erratic"] > score["balanced"] >= score["idle"]
    assert personas["overworked"].band == "high"
    assert personas["balanced"].band == personas["idle"].band == "low"
    assert 0 <= score["idle"] and score["overworked"] <= 100


async def test_the_score_is_the_sum_of_its_explained_factors(personas: dict[str, Insight]) -> None:
    overworked = personas["overworked"]
    assert overworked.factors[0].key == "overtime"
    assert {"late_nights", "skipped_breaks", "long_stretches", "falling_focus", "growing_overdue", "days_off"} <= {
        f.key for f in overworked.factors
    }
    assert abs(sum(f.points for f in overworked.factors) - overworked.score) <= 1
    assert all(f.sentence.endswith(".") and f.points <= f.weight for f in overworked.factors)
    lines = overworked.explain()
    assert lines[0].startswith(f"Burnout risk: {overworked.score}/100") and len(lines) == 4
    body = insight_body(overworked)
    assert set(body) == {"score", "band", "period_days", "factors", "recommendations"}
    assert body["factors"][0]["explanation"].startswith("You worked")


async def test_every_persona_gets_two_or_three_recommendations_of_its_own(personas: dict[str, Insight]) -> None:
    for insight in personas.values():
        assert 2 <= len(insight.recommendations) <= 3
    overworked = " ".join(personas["overworked"].recommendations)
    assert "Wrap up at 17:30" in overworked and "remind break every 90m" in overworked
    balanced = " ".join(personas["balanced"].recommendations)
    assert "10 of 10 focus sessions you start around 14:00" in balanced  # local time, and the later of a tie
    assert "105 minutes" in balanced
    assert "focus 25" in " ".join(personas["idle"].recommendations)


async def test_a_running_session_counts_as_overtime(
    services: Services, clock: FakeClock, insights: InsightService
) -> None:
    await services.users.ensure(USER)
    clock.set(T0 - timedelta(hours=2))
    await services.work_sessions.start_session(USER)
    clock.set(T0 + timedelta(hours=12))  # 21:00 UTC, still clocked in
    insight = await insights.assess(USER)
    overtime = next(f for f in insight.factors if f.key == "overtime")
    assert "5.5 h past" in overtime.sentence
    assert any(f.key == "long_stretches" for f in insight.factors)


async def test_a_growing_overdue_list_is_a_factor(
    services: Services, clock: FakeClock, insights: InsightService
) -> None:
    await services.users.ensure(USER)
    clock.set(T0)
    old = await services.tasks.create_task(USER, "old", due_at=T0 + timedelta(hours=1))
    for n in range(5):
        await services.tasks.create_task(USER, f"slipping {n}", due_at=T0 + timedelta(days=3))
    clock.set(T0 + timedelta(days=9))
    await services.tasks.complete_task(USER, old.id)  # overdue a week ago, done since: it was on the list then
    factor = next(f for f in (await insights.assess(USER)).factors if f.key == "growing_overdue")
    assert factor.sentence == "Your overdue list grew from 1 to 5 in a week."


async def test_evidence_is_read_in_a_bounded_number_of_operations(
    services: Services, store: InMemoryDocumentStore, clock: FakeClock, insights: InsightService
) -> None:
    user_id = await live("overworked", services, clock)
    store.operations.reset()
    await insights.assess(user_id)
    # The user, one range query for the 14 day roll-ups, and a handful of indexed queries and counts.
    assert store.operations.reads <= 2 and store.operations.queries <= 7


def session(start_hour: float, hours: float) -> WorkSession:
    start = T0.replace(hour=0) + timedelta(hours=start_hour)
    end = start + timedelta(hours=hours)
    return WorkSession("s", "u", start, end, round(hours, 2))


def test_long_stretches_are_cut_by_breaks() -> None:
    day = session(8, 10)  # 08:00-18:00
    assert long_stretches([day], [], T0) == 1
    assert long_stretches([day], [T0.replace(hour=11), T0.replace(hour=14), T0.replace(hour=16)], T0) == 0
    assert long_stretches([day], [T0.replace(hour=9)], T0) == 1  # 09:00-18:00 is still one


def test_best_focus_hour_and_break_cadence() -> None:
    def focus(hour: int, done: bool) -> FocusSession:
        started = T0.replace(hour=hour)
        return FocusSession("f", "u", started, started, 25, ended_at=started + timedelta(minutes=25), completed=done)

    sessions = [focus(9, True), focus(9, True), focus(15, True), focus(15, False), focus(17, True)]
    assert best_focus_hour(sessions, UTC_USER) == (9, 2, 2)
    assert best_focus_hour([focus(9, False), focus(9, False)], UTC_USER) is None
    rests = [T0.replace(hour=h, minute=m) for h, m in ((9, 15), (10, 30), (11, 45), (13, 0))]
    assert break_cadence([session(8, 9)], rests, T0) == 75
    assert break_cadence([session(8, 9)], rests[:2], T0) is None


def focus_at(hour: int, done: bool, day: int = 0) -> FocusSession:
    started = T0.replace(hour=hour) + timedelta(days=day)
    return FocusSession("f", "u", started, started, 25, ended_at=started + timedelta(minutes=25), completed=done)


def test_an_hour_that_finishes_2_of_6_sessions_is_not_one_to_keep() -> None:
    sessions = [focus_at(15, n < 2, day=n) for n in range(6)]
    assert best_focus_hour(sessions, UTC_USER) is None
    evidence = Evidence({T0.date(): {"focus_total": 6, "focus_completed": 2}}, [], sessions, [])
    assert not any("keep that hour" in advice for advice in assess(evidence, UTC_USER, T0).recommendations)


def test_a_late_night_is_never_called_a_sustainable_pace() -> None:
    night = session(21, 2)  # 21:00-23:00 on a Monday
    days: dict[date, Counters] = {T0.date() + timedelta(days=n): {} for n in range(-13, 1)}
    days[T0.date()] = {"sessions_total": 1, "hours_total": 2.0}
    insight = assess(Evidence(days, [night], [], [], late_nights={T0.date()}), UTC_USER, T0 + timedelta(hours=15))
    assert [f.key for f in insight.factors] == ["late_nights"]
    assert not any("sustainable" in advice for advice in insight.recommendations)


def test_a_night_before_the_two_weeks_is_not_counted_in_them() -> None:
    days: dict[date, Counters] = {T0.date() + timedelta(days=n): {} for n in range(-13, 1)}
    before = T0.date() - timedelta(days=14)
    assert "late_nights" not in {
        f.key for f in assess(Evidence(days, [], [], [], late_nights={before}), UTC_USER, T0).factors
    }


def test_a_break_rhythm_is_quoted_as_measured_not_rounded_into_range() -> None:
    rests = [T0.replace(hour=h) for h in (11, 14, 17)]  # every three hours
    assert break_cadence([session(8, 10)], rests, T0) == 180  # once said "every 120 minutes"
