"""The Avanochi pet: its stage from the level, its mood, energy and hydration from the
last three days of habits, its sleep in quiet hours, and its one-line reactions.

The rules are plain arithmetic over day roll-ups so a user can be told why the pet
looks the way it does. Overwork (hours past the working day), late nights and skipped
breaks lower energy and spoil the mood; breaks, lunch, water and finished focus lift
them. Nothing ever takes a value under ``FLOOR``: the pet gets tired, never dies.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.clock import Clock
from domain.entities import WATER_GOAL_ML, User
from domain.errors import NotFound
from domain.history import (
    Counters,
    late_nights,
    local_midnight,
    local_today,
    read_days,
    running_since,
    workday_hours,
)
from domain.ports import RepositorySet
from domain.progress.service import Progress, ProgressService
from domain.reminders.policy import in_window
from domain.services.users import UserService

STAGES = ("egg", "baby", "teen", "adult", "elder")
STAGE_LEVELS = {"egg": 1, "baby": 2, "teen": 5, "adult": 10, "elder": 20}  # the level each starts at
MOODS = ("happy", "content", "bored", "tired", "stressed")
FLOOR, CEILING = 10, 100
# Today weighs most; the pet still remembers yesterday and, faintly, the day before.
DAY_WEIGHTS = (0.3, 0.6, 1.0)
HOURS_PER_BREAK = 1.5  # one break (or lunch) expected per this much work


def stage_for(level: int) -> str:
    return next(stage for stage in reversed(STAGES) if level >= STAGE_LEVELS[stage])


@dataclass(frozen=True)
class RecentHabits:
    """The last three local days, weighted (today 1.0, yesterday 0.6, the day before 0.3)."""

    overtime_hours: float = 0.0  # worked past the working day
    late_nights: float = 0.0
    skipped_breaks: float = 0.0  # breaks short of one per HOURS_PER_BREAK worked
    breaks_today: int = 0
    lunch_today: bool = False
    water_today: float = 0.0  # of what was due by now, 0..1
    water_yesterday: float = 0.0  # of the goal, 0..1
    tasks_done: float = 0.0
    focus_done: float = 0.0
    active_days: int = 0  # of the three, days with anything logged


def _clamp(value: float) -> int:
    return int(round(min(CEILING, max(FLOOR, value))))


def recent_habits(
    days: Sequence[Counters], user: User, now: datetime, late_nights: Sequence[bool], water_goal_ml: int = WATER_GOAL_ML
) -> RecentHabits:
    """From the day roll-ups of the day before yesterday, yesterday and today (in that
    order; today's hours include a running session) and which of them had a late night."""
    days = list(days)[-3:]
    weights = DAY_WEIGHTS[-len(days) :]
    late = ([False] * len(days) + list(late_nights))[-len(days) :] if days else []
    day_length = workday_hours(user)
    overtime = skipped = tasks = focus = late_score = 0.0
    active = 0
    for weight, counters, was_late in zip(weights, days, late, strict=False):
        hours = counters.get("hours_total", 0)
        overtime += weight * max(0.0, hours - day_length)
        rests = counters.get("breaks", 0) + counters.get("lunches", 0)
        skipped += weight * max(0.0, int(hours / HOURS_PER_BREAK) - rests)
        tasks += weight * counters.get("tasks_completed", 0)
        focus += weight * counters.get("focus_completed", 0)
        late_score += weight * was_late
        active += any(
            counters.get(name, 0) > 0
            for name in (
                "tasks_completed",
                "tasks_created",
                "focus_total",
                "water_ml",
                "breaks",
                "lunches",
                "hours_total",
            )
        )
    today = days[-1] if days else {}
    yesterday = days[-2] if len(days) > 1 else {}
    local = now.astimezone(ZoneInfo(user.timezone))
    # Water is due over the day: at 09:00 nothing is missing yet, by 18:00 the whole goal.
    due_share = min(1.0, max(0.2, (local.hour + local.minute / 60 - 8) / 10))
    return RecentHabits(
        overtime_hours=overtime,
        late_nights=late_score,
        skipped_breaks=skipped,
        breaks_today=int(today.get("breaks", 0)),
        lunch_today=today.get("lunches", 0) > 0,
        water_today=min(1.0, today.get("water_ml", 0) / (water_goal_ml * due_share)),
        water_yesterday=min(1.0, yesterday.get("water_ml", 0) / water_goal_ml),
        tasks_done=tasks,
        focus_done=focus,
        active_days=active,
    )


@dataclass(frozen=True)
class Pet:
    stage: str
    mood: str
    energy: int  # 10..100
    hydration: int  # 10..100
    asleep: bool
    level: int
    reasons: tuple[str, ...] = ()  # why it feels the way it does, for the `pet` reply


def pet_state(level: int, habits: RecentHabits, asleep: bool = False) -> Pet:
    energy = (
        75
        - 12 * habits.overtime_hours
        - 15 * habits.late_nights
        - 6 * habits.skipped_breaks
        + 5 * min(habits.breaks_today, 4)
        + 4 * min(habits.focus_done, 4)
        + 6 * habits.lunch_today
    )
    hydration = 25 + 75 * (0.7 * habits.water_today + 0.3 * habits.water_yesterday)
    joy = (
        45
        + 6 * min(habits.tasks_done, 5)
        + 6 * min(habits.focus_done, 4)
        + 10 * (habits.water_today >= 1)
        + 3 * min(habits.breaks_today, 4)
        - 8 * habits.overtime_hours
        - 10 * habits.late_nights
    )
    reasons = []
    if habits.overtime_hours >= 1:
        reasons.append(f"about {habits.overtime_hours:.0f} h past your working hours lately")
    if habits.late_nights >= 0.3:
        reasons.append("late nights")
    if habits.skipped_breaks >= 2:
        reasons.append("too few breaks")
    if habits.water_today < 0.5:
        reasons.append("not much water yet today")
    if habits.focus_done >= 1 or habits.tasks_done >= 1:
        reasons.append("finished work")
    if habits.breaks_today:
        reasons.append("breaks taken today")
    energy_value = _clamp(energy)
    if habits.overtime_hours >= 2 or habits.late_nights >= 0.6 or habits.skipped_breaks >= 4:
        mood = "stressed"
    elif energy_value < 40:
        mood = "tired"
    elif habits.active_days == 0:
        mood = "bored"
        reasons.append("nothing logged for three days")
    elif joy >= 70:
        mood = "happy"
    else:
        mood = "content"
    return Pet(stage_for(level), mood, energy_value, _clamp(hydration), asleep, level, tuple(reasons))


def is_asleep(user: User, now: datetime) -> bool:
    """The pet sleeps in the user's quiet hours."""
    return in_window(now.astimezone(ZoneInfo(user.timezone)), user.quiet_start, user.quiet_end)


ACTIONS = (
    "look",
    "done",
    "add",
    "water",
    "break",
    "lunch",
    "focus_start",
    "focus_stop",
    "focus_cancel",
    "start",
    "stop",
    "undo",
)
# Lines by action, then by mood; "*" is any mood. Short: a reply carries one at its end.
REACTIONS: dict[str, dict[str, tuple[str, ...]]] = {
    "look": {
        "happy": ("*bounces* Look at us go!",),
        "content": ("*waves* All good here.",),
        "bored": ("*yawns* Shall we get something done today?",),
        "tired": ("*droops* I could use a break... and so could you.",),
        "stressed": ("*fidgets* It's been a lot lately. Let's slow down a little.",),
    },
    "done": {
        "happy": ("*does a little spin* Another one done!", "Yes, that's how it's done!"),
        "content": ("Nice, one less thing on the list.",),
        "bored": ("Oh, something happened. Well done!",),
        "tired": ("Done. Maybe that's enough for today?",),
        "stressed": ("Done... now let's breathe for a minute.",),
    },
    "add": {"*": ("Noted. I'll keep an eye on it.", "On the list!")},
    "water": {
        "happy": ("*splashes happily* Gulp gulp!",),
        "tired": ("Ahh, that helps.",),
        "stressed": ("Water first, everything else after. Good call.",),
        "*": ("Refreshing! Thank you.",),
    },
    "break": {
        "stressed": ("*exhales* We needed that.",),
        "tired": ("A break! *stretches*",),
        "*": ("Stretch, look out of the window, come back fresh.",),
    },
    "lunch": {"*": ("Lunch! *munch munch*", "Food makes the afternoon better.")},
    "focus_start": {
        "tired": ("Focusing... I'll keep quiet. Short one, maybe?",),
        "*": ("Shh, focus mode. I'll be quiet.",),
    },
    "focus_stop": {
        "happy": ("Focus session complete! *glows*",),
        "stressed": ("Well focused. Take five before the next one.",),
        "*": ("A whole session, finished. Nice.",),
    },
    "focus_cancel": {"*": ("No worries, the next one will stick.",)},
    "start": {"tired": ("Back at it? Go gently today.",), "*": ("Let's go! I'll remind you to rest.",)},
    "stop": {"stressed": ("Clocked out. Now really switch off, please.",), "*": ("See you tomorrow! *waves*",)},
    "undo": {"*": ("Undone. No harm done.",)},
    # After a mood check-in, whatever the pet's own mood: a low one is comforted, never judged.
    "mood_low": {
        "*": (
            "*snuggles up to you* Thank you for telling me. Rough days happen; be gentle with yourself.",
            "*sits close* I'm here. Maybe a short walk or a glass of water? No pressure.",
            "*offers a paw* That sounds hard. You're doing your best, and that's enough.",
        )
    },
    "mood_ok": {"*": ("*nods* Thanks for checking in.", "*tilts head* Noted. I'm here if the day changes.")},
    "mood_high": {"*": ("*does a happy wiggle* Love to hear it!", "*beams* That's the spirit!")},
}
SLEEPY = ("*yawns* Mm? {line} Now back to sleep... and you should rest too.",)


def reaction(action: str, pet: Pet, pick: Callable[[Sequence[str]], str] = random.choice) -> str:
    """One line from the pet about an action, in its current mood. ``pick`` chooses
    among the candidate lines (tests pass a deterministic one)."""
    by_mood = REACTIONS.get(action, {})
    lines = by_mood.get(pet.mood) or by_mood.get("*") or ("*looks at you attentively*",)
    line = pick(lines)
    if pet.asleep:
        return pick(SLEEPY).format(line=line)
    return line


@dataclass(frozen=True)
class PetView:
    pet: Pet
    progress: Progress


class PetService:
    def __init__(self, repos: RepositorySet, users: UserService, progress: ProgressService, clock: Clock) -> None:
        self._repos = repos
        self._users = users
        self._progress = progress
        self._clock = clock

    async def look(self, user_id: str, progress: Progress | None = None) -> PetView:
        """The pet now. Pass the progress when the caller already has it (after announce)."""
        now = self._clock.now()
        try:
            user = await self._users.get_user(user_id)
        except NotFound:
            user = User(user_id, user_id, created_at=now)
        if progress is None:
            progress = await self._progress.snapshot(user_id)
        today = local_today(user, now)
        first = today - timedelta(days=2)
        days = await read_days(self._repos, user_id, first, today)
        counters = [dict(c) for c in days.values()]
        running = await running_since(self._repos, user_id, now)
        if running is not None and running >= local_midnight(first, user):
            # A running session is not in the roll-ups until it ends, but it tires all the same.
            counters[-1]["hours_total"] = counters[-1].get("hours_total", 0) + (now - running).total_seconds() / 3600
        nights = late_nights(days, running, user, now)
        habits = recent_habits(counters, user, now, [day in nights for day in days])
        return PetView(pet_state(progress.level, habits, is_asleep(user, now)), progress)
