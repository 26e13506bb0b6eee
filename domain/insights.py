"""Insights: an explainable burnout-risk score (0-100) over the last 14 days, the factors
behind it, and recommendations drawn from the user's own history.

The score is a weighted sum: each factor has a weight (the most points it can add) and
a share (0..1, how much of it the last two weeks show), and says in one sentence why.
Weights (they add up to 100):

| factor           | weight | full share when                                     |
| ---------------- | ------ | --------------------------------------------------- |
| overtime         | 30     | 15 h past the working hours in two weeks            |
| late nights      | 15     | 5 nights with work after 22:00                      |
| skipped breaks   | 15     | no break or lunch where one per 2.5 h was due       |
| days off worked  | 10     | 3 days off with work                                |
| long stretches   | 10     | 5 stretches of more than 3 h without a break        |
| falling focus    | 10     | finished focus sessions down by 50 points, week 2 vs week 1 |
| growing overdue  | 10     | 5 more overdue tasks than a week ago                |
| low mood (extra) | 15     | 5 of the last 5 days checked in at 2 or less (from 3 on) |

The first seven add up to 100; a low mood the user told of comes on top, and the score is capped at 100.

Each factor is a named rule (``FACTORS``) over one ``Tally`` of the evidence, so a new
signal (a mood check-in, say) is one more tally field and one more rule, re-weighted.
Every sentence quotes the tally it is judged on, and no advice is given that the numbers
do not back: "keep that hour" only for the best hour at 50% or more, a break rhythm quoted
as measured, praise for the pace only with no pace factor present.

Template text only; a narrative model, when configured, can retell ``Insight.explain()``.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

from domain.clock import Clock, to_iso
from domain.entities import FocusSession, User, WorkSession
from domain.errors import NotFound
from domain.history import (
    Counters,
    is_working_day,
    late_night_dates,
    local_midnight,
    local_today,
    read_days,
    recent_work_sessions,
    session_end,
    workday_hours,
)
from domain.ports import RepositorySet, UserLookup
from domain.wording import of_total, plural

PERIOD_DAYS = 14
WEIGHTS = {
    "overtime": 30,
    "late_nights": 15,
    "skipped_breaks": 15,
    "days_off": 10,
    "long_stretches": 10,
    "falling_focus": 10,
    "growing_overdue": 10,
}
# What the user says of themself, on top of what their hours show (so the weights above keep
# adding up to 100 and the score is capped at 100).
LOW_MOOD_WEIGHT = 15
# A low mood counts as a streak from this many low days among the last few (check-ins averaging 2 or less).
LOW_MOOD_DAYS, LOW_MOOD_WINDOW, LOW_MOOD_AT_MOST = 3, 5, 2.0
OVERTIME_FULL_HOURS, LATE_FULL_NIGHTS, DAYS_OFF_FULL, STRETCHES_FULL, OVERDUE_FULL = 15, 5, 3, 5, 5
HOURS_PER_REST = 2.5  # two breaks and lunch in an 8-hour day is enough
LONG_STRETCH = timedelta(hours=3)
ALERT_THRESHOLD, ALERT_EVERY = 60, timedelta(days=7)
BREAK_EVERY_MAX = 90  # minutes: a rhythm slower than this is not one to suggest as a reminder
BREAK_EVERY_MIN = 30  # minutes: a faster one is not a rhythm a reminder should keep
BEST_HOUR_MIN_RATE = 0.5  # "keep that hour" only for an hour that finishes at least half its sessions
# Factors about the pace of work: with any of them present the pace is not called sustainable.
PACE_FACTORS = frozenset({"overtime", "late_nights", "skipped_breaks", "days_off", "long_stretches"})
FOCUS_READ_MAX, RESTS_READ_MAX = 300, 400


@dataclass(frozen=True)
class Factor:
    key: str
    weight: int
    share: float  # 0..1
    sentence: str

    @property
    def points(self) -> float:
        return self.weight * self.share


@dataclass(frozen=True)
class Insight:
    score: int
    factors: tuple[Factor, ...]  # those that add points, biggest first
    recommendations: tuple[str, ...]
    period_days: int = PERIOD_DAYS

    @property
    def band(self) -> str:
        return "high" if self.score >= ALERT_THRESHOLD else "moderate" if self.score >= 30 else "low"

    def explain(self) -> list[str]:
        """The score and its top factors, one line each, for a chat reply."""
        lines = [f"Burnout risk: {self.score}/100 ({self.band}) over the last {self.period_days} days."]
        lines += [f"+{factor.points:.0f}: {factor.sentence}" for factor in self.factors[:3]]
        return lines


@dataclass(frozen=True)
class Evidence:
    """What the score is computed from: the last 14 local days and bounded reads."""

    days: dict[date, Counters]  # oldest first, today last; today's hours include a running session
    work_sessions: list[WorkSession]
    focus_sessions: list[FocusSession]
    rests: list[datetime]  # when breaks and lunches were logged
    overdue_now: int = 0
    overdue_week_ago: int = 0
    late_nights: set[date] = field(default_factory=set)


def _share(value: float, full: float) -> float:
    return max(0.0, min(1.0, value / full)) if full else 0.0


def _rate(done: float, started: float) -> float | None:
    return done / started if started >= 2 else None


@dataclass(frozen=True)
class Tally:
    """The counts the factors are judged on, taken once from the evidence."""

    overtime_hours: float = 0.0
    overtime_days: int = 0  # working days longer than the working day
    late_nights: int = 0
    rests_due: int = 0
    rests_taken: int = 0
    days_off_worked: int = 0
    long_stretches: int = 0
    focus_rate_before: float | None = None  # finished share of focus sessions, first week
    focus_done_after: int = 0  # the second week
    focus_started_after: int = 0
    overdue_now: int = 0
    overdue_week_ago: int = 0
    low_mood_days: int = 0  # of the last LOW_MOOD_WINDOW days, those checked in at LOW_MOOD_AT_MOST or less

    @property
    def focus_rate_after(self) -> float | None:
        return _rate(self.focus_done_after, self.focus_started_after)


def tally(evidence: Evidence, user: User, now: datetime) -> Tally:
    day_length = workday_hours(user)
    overtime = 0.0
    overtime_days = days_off = rests_due = rests_taken = 0
    for day, counters in evidence.days.items():
        hours = counters.get("hours_total", 0)
        if not is_working_day(user, day):
            days_off += hours > 0 or counters.get("sessions_total", 0) > 0
            continue
        overtime += max(0.0, hours - day_length)
        overtime_days += hours > day_length  # the same days the hours above come from
        due = int(hours / HOURS_PER_REST)
        rests_due += due
        rests_taken += min(due, int(counters.get("breaks", 0) + counters.get("lunches", 0)))
    halves = list(evidence.days.values())
    early, late = halves[: len(halves) // 2], halves[len(halves) // 2 :]
    return Tally(
        overtime_hours=overtime,
        overtime_days=overtime_days,
        # Only nights whose evening lies in the period: a session started just after midnight on
        # its first day belongs to a night before it.
        late_nights=len(evidence.late_nights & set(evidence.days)),
        rests_due=rests_due,
        rests_taken=rests_taken,
        days_off_worked=days_off,
        long_stretches=long_stretches(evidence.work_sessions, evidence.rests, now),
        focus_rate_before=_rate(
            sum(c.get("focus_completed", 0) for c in early), sum(c.get("focus_total", 0) for c in early)
        ),
        focus_done_after=round(sum(c.get("focus_completed", 0) for c in late)),
        focus_started_after=round(sum(c.get("focus_total", 0) for c in late)),
        overdue_now=evidence.overdue_now,
        overdue_week_ago=evidence.overdue_week_ago,
        low_mood_days=sum(
            1
            for c in list(evidence.days.values())[-LOW_MOOD_WINDOW:]
            if c.get("mood_count", 0) and c.get("mood_sum", 0) / c["mood_count"] <= LOW_MOOD_AT_MOST
        ),
    )


@dataclass(frozen=True)
class FactorRule:
    """One named factor: how much of its weight a tally shows (0..1), and the sentence saying why."""

    key: str
    weight: int
    share: Callable[[Tally], float]
    sentence: Callable[[Tally], str]

    def judge(self, counts: Tally) -> Factor:
        return Factor(self.key, self.weight, self.share(counts), self.sentence(counts))


def _focus_share(t: Tally) -> float:
    before, after = t.focus_rate_before, t.focus_rate_after
    if before is not None and after is not None:
        return _share(before - after, 0.5)
    if after is not None and t.focus_started_after >= 3:
        return _share(0.6 - after, 0.6)
    return 0.0


def _focus_sentence(t: Tally) -> str:
    done = of_total(t.focus_done_after, t.focus_started_after, "focus session")
    before = t.focus_rate_before
    return f"You finished {done} this week" + (
        f", down from {before:.0%} the week before." if before is not None else "."
    )


FACTORS: tuple[FactorRule, ...] = (
    FactorRule(
        "overtime",
        WEIGHTS["overtime"],
        lambda t: _share(t.overtime_hours, OVERTIME_FULL_HOURS),
        lambda t: (
            f"You worked {t.overtime_hours:.1f} h past your working hours, "
            f"going over on {plural(t.overtime_days, 'day')}."
        ),
    ),
    FactorRule(
        "late_nights",
        WEIGHTS["late_nights"],
        lambda t: _share(t.late_nights, LATE_FULL_NIGHTS),
        lambda t: f"You worked after 22:00 on {plural(t.late_nights, 'night')}.",
    ),
    FactorRule(
        "skipped_breaks",
        WEIGHTS["skipped_breaks"],
        lambda t: 1 - t.rests_taken / t.rests_due if t.rests_due >= 2 else 0.0,
        lambda t: (
            f"You took {t.rests_taken} of the {plural(t.rests_due, 'break')} your hours called for (one every 2.5 h)."
        ),
    ),
    FactorRule(
        "days_off",
        WEIGHTS["days_off"],
        lambda t: _share(t.days_off_worked, DAYS_OFF_FULL),
        lambda t: f"You worked on {t.days_off_worked} of your days off.",
    ),
    FactorRule(
        "long_stretches",
        WEIGHTS["long_stretches"],
        lambda t: _share(t.long_stretches, STRETCHES_FULL),
        lambda t: f"{plural(t.long_stretches, 'time').capitalize()} you worked more than 3 h without a break.",
    ),
    FactorRule("falling_focus", WEIGHTS["falling_focus"], _focus_share, _focus_sentence),
    FactorRule(
        "growing_overdue",
        WEIGHTS["growing_overdue"],
        lambda t: _share(t.overdue_now - t.overdue_week_ago, OVERDUE_FULL),
        lambda t: f"Your overdue list grew from {t.overdue_week_ago} to {t.overdue_now} in a week.",
    ),
    FactorRule(
        "low_mood",
        LOW_MOOD_WEIGHT,
        lambda t: t.low_mood_days / LOW_MOOD_WINDOW if t.low_mood_days >= LOW_MOOD_DAYS else 0.0,
        lambda t: f"You checked in with a low mood on {t.low_mood_days} of the last {LOW_MOOD_WINDOW} days.",
    ),
)


def assess(evidence: Evidence, user: User, now: datetime) -> Insight:
    """The score, its factors and the recommendations, from the evidence alone."""
    counts = tally(evidence, user, now)
    factors = [rule.judge(counts) for rule in FACTORS]
    present = tuple(sorted((f for f in factors if f.points >= 0.5), key=lambda f: -f.points))
    score = min(100, round(sum(f.points for f in factors)))
    return Insight(score, present, recommendations(present, evidence, user, now))


def long_stretches(sessions: list[WorkSession], rests: list[datetime], now: datetime) -> int:
    """Stretches of work longer than 3 h with no break or lunch logged in them."""
    count = 0
    for session in sessions:
        end = session_end(session, now)
        marks = [session.start_time] + sorted(r for r in rests if session.start_time < r < end) + [end]
        count += sum(1 for a, b in pairwise(marks) if b - a > LONG_STRETCH)
    return count


def best_focus_hour(sessions: list[FocusSession], user: User) -> tuple[int, int, int] | None:
    """The local hour whose focus sessions finish most often, if it finishes at least half of
    them: (hour, finished, started). Ties go to the hour with more sessions, then the later."""
    zone = ZoneInfo(user.timezone)
    by_hour: dict[int, list[bool]] = defaultdict(list)
    for session in sessions:
        if not session.active:
            by_hour[session.started_at.astimezone(zone).hour].append(session.completed)
    ranked = [(sum(done) / len(done), len(done), hour, sum(done)) for hour, done in by_hour.items() if len(done) >= 2]
    if not ranked:
        return None
    rate, started, hour, finished = max(ranked)
    return (hour, finished, started) if rate >= BEST_HOUR_MIN_RATE else None


def break_cadence(sessions: list[WorkSession], rests: list[datetime], now: datetime) -> int | None:
    """The user's usual minutes of work between breaks (the median, to the nearest 5), when
    they take them (at least 3 seen) and the gaps are at least half an hour. Not clamped: a
    quoted rhythm must be the measured one."""
    gaps = []
    for session in sessions:
        end = session_end(session, now)
        inside = sorted(r for r in rests if session.start_time < r < end)
        marks = [session.start_time] + inside
        gaps += [(b - a).total_seconds() / 60 for a, b in pairwise(marks)]
    if len(gaps) < 3:
        return None
    usual = 5 * round(statistics.median(gaps) / 5)
    # Rests minutes apart are repeated logs, not a rhythm of work.
    return usual if usual >= BREAK_EVERY_MIN else None


ADVICE = {
    "overtime": "Wrap up at {end}: set the day's last task by {last} and clock out with `stop`.",
    "late_nights": "Stop before 22:00: `quiet 21:30-08:00` tells me to leave your evenings alone.",
    "days_off": "Keep your days off free: close open loops in Friday's last hour instead.",
    "falling_focus": "Try shorter sessions for a few days (`focus 15`) until you finish most again.",
    "growing_overdue": (
        "Go through the overdue list: re-date (`due <n> friday`) or drop (`delete <n>`) what won't happen."
    ),
}


def recommendations(factors: tuple[Factor, ...], evidence: Evidence, user: User, now: datetime) -> tuple[str, ...]:
    """Two or three concrete suggestions: the top factor's remedy, then the user's own
    best focus hour and break rhythm; starter habits for someone with no history yet."""
    found: list[str] = []
    remedy = next((f for f in factors if f.key in ADVICE and f.points >= 3), None)
    if remedy is not None:
        last = (datetime.strptime(user.work_end, "%H:%M") - timedelta(minutes=30)).strftime("%H:%M")
        found.append(ADVICE[remedy.key].format(end=user.work_end, last=last))
    best = best_focus_hour(evidence.focus_sessions, user)
    if best:
        hour, finished, started = best
        found.append(
            f"You finish {of_total(finished, started, 'focus session')} you start around {hour:02d}:00: "
            "keep that hour for your hardest task."
        )
    cadence = break_cadence(evidence.work_sessions, evidence.rests, now)
    keys = {f.key for f in factors}
    if keys & {"skipped_breaks", "long_stretches"}:
        if cadence and cadence <= BREAK_EVERY_MAX:
            found.append(
                f"When you do take breaks they come about every {cadence} minutes: "
                f"`remind break every {cadence}m` keeps that rhythm on busy days too."
            )
        else:
            found.append(
                f"Take a 10-minute break every {BREAK_EVERY_MAX} minutes: "
                f"`remind break every {BREAK_EVERY_MAX}m` and I'll nudge you."
            )
    elif cadence and cadence <= HOURS_PER_REST * 60 and len(found) < 2:
        found.append(f"Your breaks come about every {cadence} minutes: that rhythm works, keep it.")
    worked = any(
        c.get("hours_total", 0) or c.get("tasks_completed", 0) or c.get("focus_total", 0)
        for c in evidence.days.values()
    )
    if worked and not keys & PACE_FACTORS:
        found.append("Your pace looks sustainable: keep your hours and breaks as they are.")
    elif not worked:
        found += [
            "Start small: one 25-minute focus session a day (`focus 25`) builds the habit.",
            "Plan tomorrow tonight: add its three most important tasks (`add <title> due tomorrow`).",
        ]
    return tuple(found[:3])


class InsightService:
    def __init__(self, repos: RepositorySet, users: UserLookup, clock: Clock) -> None:
        self._repos = repos
        self._users = users
        self._clock = clock

    async def assess(self, user_id: str) -> Insight:
        return assess(await self.evidence(user_id), await self._user(user_id), self._clock.now())

    async def evidence(self, user_id: str) -> Evidence:
        """Bounded reads: 14 day roll-ups, and the sessions, focus sessions and rests of those days."""
        now = self._clock.now()
        user = await self._user(user_id)
        today = local_today(user, now)
        first = today - timedelta(days=PERIOD_DAYS - 1)
        since = local_midnight(first, user)
        days = await read_days(self._repos, user_id, first, today)
        sessions = await recent_work_sessions(self._repos, user_id, since)
        for session in sessions:
            if session.active:  # not in the roll-ups until it ends
                days[today]["hours_total"] = days[today].get("hours_total", 0) + (
                    (now - session.start_time).total_seconds() / 3600
                )
        focus = await self._repos.focus_sessions.find(
            user_id, [("started_at", ">=", to_iso(since))], "started_at", False, FOCUS_READ_MAX
        )
        rests = await self._repos.habit_logs.find(
            user_id, [("at", ">=", to_iso(since)), ("kind", "!=", "water")], "at", False, RESTS_READ_MAX
        )
        week_ago = now - timedelta(days=7)
        tasks = self._repos.tasks
        overdue_now = await tasks.count(user_id, [("completed", "=", False), ("due_at", "<", to_iso(now))])
        # Overdue a week ago: still open, or finished since then.
        overdue_then = await tasks.count(user_id, [("completed", "=", False), ("due_at", "<", to_iso(week_ago))])
        overdue_then += await tasks.count(
            user_id,
            [("completed", "=", True), ("completed_at", ">=", to_iso(week_ago)), ("due_at", "<", to_iso(week_ago))],
        )
        return Evidence(
            days,
            sessions,
            focus,
            [log.at for log in rests],
            overdue_now,
            overdue_then,
            late_night_dates(sessions, user, now),
        )

    async def _user(self, user_id: str) -> User:
        try:
            return await self._users.get_user(user_id)
        except NotFound:
            return User(user_id, user_id, created_at=self._clock.now())
