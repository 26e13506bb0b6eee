"""The companion's services over the unit-test store, and generated personas for insights.

Until Services.build wires ProgressService, PetService and InsightService, tests build
them here the way the composition root will. Personas live two weeks through the real
services with a FakeClock, so the roll-ups and sessions they leave are the real thing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import partial
from zoneinfo import ZoneInfo

from domain.clock import FakeClock
from domain.insights import InsightService
from domain.progress import ProgressRecord, ProgressService
from domain.services import Services
from domain.services.pet import PetService
from persistence.mapping import PROGRESS_RECORD
from persistence.repositories import EntityRepository, Repositories


@dataclass
class Companion:
    progress: ProgressService
    pet: PetService
    insights: InsightService


def progress_records(repos: Repositories) -> EntityRepository[ProgressRecord]:
    return EntityRepository(repos.store, repos.ledger, "progress", lambda r: r.id, PROGRESS_RECORD, "No progress yet")


def build_companion(repos: Repositories, services: Services, clock: FakeClock) -> Companion:
    progress = ProgressService(repos, services.users, clock, progress_records(repos))
    return Companion(
        progress, PetService(repos, services.users, progress, clock), InsightService(repos, services.users, clock)
    )


# Two weeks, Monday 2 March to Sunday 15 March 2026; personas are judged on the evening after.
FIRST_DAY = date(2026, 3, 2)
PERSONA_DAYS = 14
JUDGED_AT = datetime(2026, 3, 15, 21, 0, tzinfo=ZoneInfo("Europe/Madrid"))


class Life:
    """Drives one persona through its days: every call happens at a local time."""

    def __init__(self, services: Services, clock: FakeClock, user_id: str, timezone: str) -> None:
        self.services, self.clock, self.user_id = services, clock, user_id
        self.zone = ZoneInfo(timezone)

    def at(self, day: date, clock_time: str) -> None:
        hour, minute = map(int, clock_time.split(":"))
        self.clock.set(datetime.combine(day, time(hour, minute), self.zone))

    async def work(self, day: date, start: str, end: str, end_day_offset: int = 0) -> None:
        self.at(day, start)
        await self.services.work_sessions.start_session(self.user_id)
        self.at(day + timedelta(days=end_day_offset), end)
        await self.services.work_sessions.end_active_session(self.user_id)

    async def focus(self, day: date, start: str, finish: bool, minutes: int = 25) -> None:
        self.at(day, start)
        session = await self.services.focus.start(self.user_id, minutes)
        self.clock.advance(minutes=minutes)
        if finish:
            await self.services.focus.complete(self.user_id, session.session_id)
        else:
            await self.services.focus.cancel(self.user_id, session.session_id)

    async def tasks(
        self, day: date, clock_time: str, count: int, due_in_days: int | None = None, complete: bool = True
    ) -> None:
        self.at(day, clock_time)
        for n in range(count):
            due = self.clock.now() + timedelta(days=due_in_days) if due_in_days is not None else None
            task = await self.services.tasks.create_task(self.user_id, f"task {day} {n}", due_at=due)
            if complete:
                await self.services.tasks.complete_task(self.user_id, task.id)

    async def rest(self, day: date, clock_time: str, kind: str = "break") -> None:
        self.at(day, clock_time)
        if kind == "lunch":
            await self.services.habits.log_lunch(self.user_id)
        else:
            await self.services.habits.log_break(self.user_id, 10)

    async def water(self, day: date, clock_time: str, ml: int) -> None:
        self.at(day, clock_time)
        await self.services.habits.log_water(self.user_id, ml)


async def _sessions_interleaved(
    life: Life, day: date, start: str, end: str, events: Sequence[Callable[[], Awaitable[None]]]
) -> None:
    # A work session is open while the day's other events happen, as in real life.
    life.at(day, start)
    await life.services.work_sessions.start_session(life.user_id)
    for event in events:
        await event()
    life.at(day if end > start else day + timedelta(days=1), end)
    await life.services.work_sessions.end_active_session(life.user_id)


async def overworked(life: Life) -> None:
    """Six days a week from 08:00 to 23:00 without breaks; focus falls apart in week two;
    the overdue list keeps growing."""
    for n in range(PERSONA_DAYS):
        day = FIRST_DAY + timedelta(days=n)
        if day.weekday() == 6:
            continue
        week_two = n >= 7
        await _sessions_interleaved(
            life,
            day,
            "08:00",
            "23:00",
            [
                partial(life.focus, day, "09:00", finish=not week_two),
                partial(life.focus, day, "11:00", finish=False),
                partial(life.tasks, day, "13:00", 2),
                partial(life.tasks, day, "14:00", 1, due_in_days=-1, complete=False),
                partial(life.focus, day, "16:00", finish=not week_two),
                partial(life.water, day, "18:00", 250),
            ],
        )


async def balanced(life: Life) -> None:
    """Monday to Friday, 09:00 to 17:00, with breaks, lunch, water and finished focus."""
    for n in range(PERSONA_DAYS):
        day = FIRST_DAY + timedelta(days=n)
        if day.weekday() >= 5:
            continue
        await _sessions_interleaved(
            life,
            day,
            "09:00",
            "17:00",
            [
                partial(life.focus, day, "10:00", finish=True),
                partial(life.rest, day, "10:45"),
                partial(life.water, day, "11:00", 500),
                partial(life.tasks, day, "11:30", 2, due_in_days=2),
                partial(life.rest, day, "12:30", "lunch"),
                partial(life.water, day, "13:30", 750),
                partial(life.focus, day, "14:00", finish=True),
                partial(life.rest, day, "15:00"),
                partial(life.water, day, "15:30", 750),
                partial(life.tasks, day, "16:00", 1),
            ],
        )


async def idle(life: Life) -> None:
    """Signed up, added a task once, and did little else."""
    await life.tasks(FIRST_DAY, "10:00", 1, complete=False)
    await life.water(FIRST_DAY + timedelta(days=3), "11:00", 250)


async def erratic(life: Life) -> None:
    """Some long days and some short ones, a Saturday, two late nights, patchy breaks,
    focus finished less often in week two, a couple of tasks slipping past due."""
    plan = {
        0: ("08:00", "20:00", True),
        1: ("11:00", "14:00", False),
        2: ("09:00", "23:30", False),
        3: ("10:00", "15:00", True),
        5: ("10:00", "14:00", False),
        7: ("13:00", "16:00", False),
        8: ("08:30", "19:30", True),
        9: ("09:00", "12:00", False),
        10: ("09:00", "17:30", True),
        11: ("10:00", "22:45", False),
    }
    for n, (start, end, rested) in plan.items():
        day = FIRST_DAY + timedelta(days=n)
        events = [
            partial(life.focus, day, "12:00" if n != 7 else "14:00", finish=n < 7 or n % 2 == 0),
            partial(life.tasks, day, "13:30", 1),
        ]
        if rested:
            events.append(partial(life.rest, day, "15:00"))
        if n in (8, 10):
            events.append(partial(life.tasks, day, "15:30", 1, due_in_days=-1, complete=False))
        await _sessions_interleaved(life, day, start, end, events)


PERSONAS: dict[str, Callable[[Life], Awaitable[None]]] = {
    "overworked": overworked,
    "balanced": balanced,
    "idle": idle,
    "erratic": erratic,
}


async def live(name: str, services: Services, clock: FakeClock, timezone: str = "Europe/Madrid") -> str:
    """Create the persona's user and live its two weeks; leaves the clock at JUDGED_AT."""
    user_id = f"slack:T1:{name}"
    clock.set(datetime.combine(FIRST_DAY - timedelta(days=1), time(12), ZoneInfo(timezone)))
    await services.users.ensure(user_id, name)
    await services.users.update_user(user_id, timezone=timezone)
    await PERSONAS[name](Life(services, clock, user_id, timezone))
    clock.set(JUDGED_AT)
    return user_id
