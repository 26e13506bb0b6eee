"""An opt-in team pulse: a shared channel set up as a team, each member's consent, and the
week's aggregates over consenting members only, never below ``MIN_CONTRIBUTORS`` people."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.entities import User
from domain.history import workday_hours

# Fewer people than this and an average says too much about each of them.
MIN_CONTRIBUTORS = 5
KUDOS_MAX = 200  # characters of a kudos' reason: a thank-you, not a review
WEEK = timedelta(days=7)
POST_WEEKDAY, POST_TIME = 0, time(9, 0)  # Monday morning, in the time zone of who set it up
# Day roll-up counters of a mood check-in (score 1..5 summed, and how many); read only if present.
MOOD_SUM, MOOD_COUNT = "mood_sum", "mood_count"


def team_key(user_id: str, conversation_id: str) -> str:
    """The team of a shared conversation: the platform and workspace or tenant of the user
    who spoke there ("slack:T1"), and the platform's channel or conversation id."""
    workspace = user_id.rsplit(":", 1)[0]
    return f"team:{workspace}:{conversation_id}"


@dataclass
class Team:
    """A shared conversation that asked for the pulse. Its own partition (``id``)."""

    id: str
    platform: str  # the channel that reaches it: "slack" | "msteams"
    address: dict[str, Any]  # what that channel's notifier needs to post there
    set_up_by: str
    created_at: datetime
    next_post: datetime
    version: str | None = field(default=None, compare=False, repr=False)

    @property
    def user_id(self) -> str:
        return self.id


@dataclass
class TeamConsent:
    """One user's answers for one team, kept in the user's own partition so that erasing
    their data erases it too. ``share``: their numbers count in the pulse; ``kudos``: others
    may thank them by name in the channel (None: not asked yet)."""

    user_id: str
    team_id: str
    share: bool = False
    kudos: bool | None = None
    updated_at: datetime | None = None
    version: str | None = field(default=None, compare=False, repr=False)

    @property
    def id(self) -> str:
        return "consent:" + self.team_id


def first_post(now: datetime, timezone: str, team_id: str) -> datetime:
    """The next Monday 09:00 local, spread over the hour by team so that teams set up in one
    zone do not all post in the same second."""
    zone = ZoneInfo(timezone)
    local = now.astimezone(zone)
    days = (POST_WEEKDAY - local.weekday()) % 7
    at = datetime.combine(local.date() + timedelta(days=days), POST_TIME, tzinfo=zone)
    at += timedelta(minutes=sum(team_id.encode()) % 60)
    return at if at > now else at + WEEK


@dataclass(frozen=True)
class Pulse:
    """The week's aggregates; ``contributors`` is never below MIN_CONTRIBUTORS."""

    contributors: int
    focus_hours: float  # average per contributor over the week
    break_share: float | None  # of the days worked, the share with a break or lunch logged
    overtime_days: int  # days worked past the working day, summed over contributors
    mood_trend: float | None  # average mood this week minus last week's (None: no check-ins)


@dataclass(frozen=True)
class MemberWeek:
    """One consenting member's two weeks of day roll-ups, and their working day."""

    user: User
    days: Mapping[str, Mapping[str, float]]  # "day:YYYY-MM-DD" -> counters


def week_days(end: date) -> list[date]:
    """The seven days before ``end``."""
    return [end - timedelta(days=n) for n in range(7, 0, -1)]


def aggregate(members: list[MemberWeek], end: date) -> Pulse | None:
    """The pulse of the week before ``end``; None with fewer than MIN_CONTRIBUTORS members."""
    if len(members) < MIN_CONTRIBUTORS:
        return None
    this_week = {"day:" + d.isoformat() for d in week_days(end)}
    last_week = {"day:" + d.isoformat() for d in week_days(end - WEEK)}
    focus_minutes = 0.0
    worked = with_breaks = overtime = 0
    for member in members:
        day_length = workday_hours(member.user)
        for key, counters in member.days.items():
            if key not in this_week:
                continue
            focus_minutes += counters.get("focus_minutes", 0)
            hours = counters.get("hours_total", 0)
            if hours <= 0:
                continue
            worked += 1
            with_breaks += counters.get("breaks", 0) + counters.get("lunches", 0) > 0
            overtime += hours > day_length + 0.25
    return Pulse(
        contributors=len(members),
        focus_hours=focus_minutes / 60 / len(members),
        break_share=with_breaks / worked if worked else None,
        overtime_days=overtime,
        mood_trend=mood_trend(members, this_week, last_week),
    )


def mood_trend(members: list[MemberWeek], this_week: set[str], last_week: set[str]) -> float | None:
    """This week's average mood minus last week's, from the day roll-ups' mood counters;
    None until both weeks have check-ins."""

    def average(keys: set[str]) -> float | None:
        total = count = 0.0
        for member in members:
            for key in keys & member.days.keys():
                total += member.days[key].get(MOOD_SUM, 0)
                count += member.days[key].get(MOOD_COUNT, 0)
        return total / count if count else None

    now, before = average(this_week), average(last_week)
    return None if now is None or before is None else now - before
