"""Insights never contradict the evidence they cite: over generated two-week histories (work
sessions at any hour, breaks and lunches, focus sessions finished or not, days off, overdue
tasks), every number a sentence quotes equals the count in the data, a risk factor is named
only when its counter shows it, "keep that hour" only names the user's best hour at 50% or
more, and no remedy or praise is given that the factors do not back."""

from __future__ import annotations

import re
import statistics
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from domain.entities import FocusSession, User, WorkSession
from domain.history import Counters, late_night_dates, session_end, workday_hours
from domain.insights import ADVICE, HOURS_PER_REST, LONG_STRETCH, PERIOD_DAYS, Evidence, assess

NOW = datetime(2026, 3, 16, 18, 0, tzinfo=UTC)  # a Monday evening
ZONES = ("UTC", "Europe/Madrid", "America/New_York")
RISKY_PACE = {"overtime", "late_nights", "skipped_breaks", "days_off", "long_stretches"}


@st.composite
def histories(draw: st.DrawFn) -> tuple[Evidence, User]:
    zone_name = draw(st.sampled_from(ZONES))
    zone = ZoneInfo(zone_name)
    user = User("u", "u", created_at=NOW - timedelta(days=60), timezone=zone_name)
    today = NOW.astimezone(zone).date()
    first = today - timedelta(days=PERIOD_DAYS - 1)
    days: dict[date, Counters] = {first + timedelta(days=n): {} for n in range(PERIOD_DAYS)}
    sessions: list[WorkSession] = []
    focus: list[FocusSession] = []
    rests: list[datetime] = []

    def add(day: date, counter: str, amount: float) -> None:
        days[day][counter] = days[day].get(counter, 0) + amount

    for day in days:
        midnight = datetime.combine(day, datetime.min.time(), zone)
        for _ in range(draw(st.integers(0, 2))):
            start = midnight + timedelta(minutes=draw(st.integers(0, 23 * 60)))
            hours = draw(st.sampled_from([0.5, 1, 2, 3.5, 5, 8, 8.5, 10, 12]))
            end = start + timedelta(hours=hours)
            if end > NOW:
                continue
            sessions.append(WorkSession(f"w{len(sessions)}", "u", start, end, hours))
            add(day, "sessions_total", 1)
            add(day, "hours_total", hours)
            for _ in range(draw(st.integers(0, 4))):
                at = start + timedelta(minutes=draw(st.integers(1, int(hours * 60) - 1)))
                kind = draw(st.sampled_from(["breaks", "lunches"]))
                rests.append(at)
                add(at.astimezone(zone).date(), kind, 1)
        for _ in range(draw(st.integers(0, 3))):
            started = midnight + timedelta(hours=draw(st.integers(6, 21)))
            if started + timedelta(minutes=25) > NOW:
                continue
            done = draw(st.booleans())
            ended = started + timedelta(minutes=25 if done else draw(st.integers(1, 24)))
            focus.append(FocusSession(f"f{len(focus)}", "u", started, started, 25, ended_at=ended, completed=done))
            add(day, "focus_total", 1)
            add(day, "focus_completed", int(done))
    sessions.sort(key=lambda s: s.start_time)
    focus.sort(key=lambda f: f.started_at)
    overdue_then = draw(st.integers(0, 6))
    evidence = Evidence(
        days,
        sessions,
        focus,
        sorted(rests),
        overdue_then + draw(st.integers(-3, 6)),
        overdue_then,
        late_night_dates(sessions, user, NOW),
    )
    return evidence, user


def focus_by_hour(evidence: Evidence, user: User) -> dict[int, tuple[int, int]]:
    zone = ZoneInfo(user.timezone)
    by_hour: dict[int, list[bool]] = defaultdict(list)
    for session in evidence.focus_sessions:
        if session.ended_at is not None:
            by_hour[session.started_at.astimezone(zone).hour].append(session.completed)
    return {hour: (sum(done), len(done)) for hour, done in by_hour.items()}


def usual_gap(evidence: Evidence) -> float | None:
    gaps = []
    for session in evidence.work_sessions:
        inside = sorted(r for r in evidence.rests if session.start_time < r < session_end(session, NOW))
        gaps += [(b - a).total_seconds() / 60 for a, b in pairwise([session.start_time, *inside])]
    return statistics.median(gaps) if len(gaps) >= 3 else None


def counts(evidence: Evidence, user: User) -> dict[str, float]:
    """The counters each factor stands on, computed here from the evidence, not by the code under test."""
    length = workday_hours(user)
    working = {d: c for d, c in evidence.days.items() if d.weekday() in user.work_days}
    off = {d: c for d, c in evidence.days.items() if d.weekday() not in user.work_days}
    due = {d: int(c.get("hours_total", 0) / HOURS_PER_REST) for d, c in working.items()}
    taken = {d: min(due[d], int(c.get("breaks", 0) + c.get("lunches", 0))) for d, c in working.items()}
    stretches = 0
    for session in evidence.work_sessions:
        end = session_end(session, NOW)
        marks = [session.start_time, *sorted(r for r in evidence.rests if session.start_time < r < end), end]
        stretches += sum(1 for a, b in pairwise(marks) if b - a > LONG_STRETCH)
    return {
        "overtime": sum(max(0.0, c.get("hours_total", 0) - length) for c in working.values()),
        "overtime_days": sum(1 for c in working.values() if c.get("hours_total", 0) > length),
        "late_nights": len(evidence.late_nights & set(evidence.days)),
        "rests_due": sum(due.values()),
        "rests_taken": sum(taken.values()),
        "days_off": sum(1 for c in off.values() if c.get("hours_total", 0) or c.get("sessions_total", 0)),
        "long_stretches": stretches,
        "growth": evidence.overdue_now - evidence.overdue_week_ago,
    }


# No example database: nothing is written into the working copy; a failure prints its seed to rerun.
@settings(max_examples=300, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(histories())
def test_no_insight_contradicts_the_evidence_it_cites(history: tuple[Evidence, User]) -> None:
    evidence, user = history
    insight = assess(evidence, user, NOW)
    found = counts(evidence, user)
    factors = {factor.key: factor for factor in insight.factors}

    # A risk factor is named only when its counter is above zero, with the numbers of the data.
    if "overtime" in factors:
        assert found["overtime"] > 0
        expected = f"You worked {found['overtime']:.1f} h past your working hours, going over on "
        assert factors["overtime"].sentence.startswith(expected)
        assert f"on {int(found['overtime_days'])} day" in factors["overtime"].sentence
    if "late_nights" in factors:
        assert found["late_nights"] >= 1
        assert f"on {found['late_nights']} night" in factors["late_nights"].sentence
    if "skipped_breaks" in factors:
        assert found["rests_taken"] < found["rests_due"]
        assert f"took {found['rests_taken']} of the {found['rests_due']} break" in factors["skipped_breaks"].sentence
    if "days_off" in factors:
        assert found["days_off"] >= 1 and f"on {found['days_off']} of" in factors["days_off"].sentence
    if "long_stretches" in factors:
        assert found["long_stretches"] >= 1
        assert factors["long_stretches"].sentence.lower().startswith(f"{found['long_stretches']} time")
    if "growing_overdue" in factors:
        assert found["growth"] >= 1
    if "falling_focus" in factors:
        late = list(evidence.days.values())[PERIOD_DAYS // 2 :]
        done, started = sum(c.get("focus_completed", 0) for c in late), sum(c.get("focus_total", 0) for c in late)
        sentence = factors["falling_focus"].sentence
        assert sentence.startswith(f"You finished {done:g} of {started:g} focus session")
        if match := re.search(r"down from (\d+)%", sentence):
            assert int(match.group(1)) > 100 * done / started

    by_hour = focus_by_hour(evidence, user)
    gap = usual_gap(evidence)
    for advice in insight.recommendations:
        # "You finish X of Y": the counts of that hour; "keep that hour": the best hour, at 50% or more.
        if match := re.search(r"You finish (\d+) of (\d+) focus sessions? you start around (\d\d):00", advice):
            finished, started, hour = (int(g) for g in match.groups())
            assert by_hour[hour] == (finished, started)
            if "keep that hour" in advice:
                assert finished / started >= 0.5
                assert finished / started == max(d / n for d, n in by_hour.values() if n >= 2)
        assert "keep that hour" not in advice or match
        # A break rhythm quoted is the user's own (to the nearest 5 minutes), and praised only when it is enough.
        if match := re.search(r"(?:come|comes) about every (\d+) minutes", advice):
            assert gap is not None and abs(int(match.group(1)) - gap) <= 2.5
            if "that rhythm works" in advice:
                assert gap <= HOURS_PER_REST * 60 and not {"skipped_breaks", "long_stretches"} & set(factors)
        # Praise for the pace only when nothing about the pace is at risk.
        if "pace looks sustainable" in advice:
            assert not RISKY_PACE & set(factors) and insight.band == "low"
        # A factor's remedy only when that factor is there.
        for key, template in ADVICE.items():
            if advice.startswith(template.split("{")[0].split(":")[0]):
                assert key in factors
