"""What each nudge says and which buttons it carries: log it, snooze 15 min, stop this kind."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.dialogs.mood import mood_question
from bot.dialogs.stats import focus_count
from bot.dialogs.work import hours_and_minutes
from bot.messages import Button, Fact, ListItem, Reply
from bot.reminders.asked_nudges import compose_asked
from domain.entities import Task
from domain.insights import ALERT_THRESHOLD
from domain.reminders.asked import ASKED_KINDS
from domain.reminders.policy import long_break_due, previous_working_day, setting, work_start_on
from domain.reminders.schedule import OutboxEntry
from domain.rollups import day_key
from domain.services import Services
from domain.services.agenda import AgendaService
from domain.wording import plural

LONG_BREAK = "Time for a long break: 15-30 minutes away from the screen."
SNOOZE = Button("Snooze 15 min", {"command": "snooze", "minutes": 15})


def _stop(kind: str, label: str) -> Button:
    return Button(f"Stop {label} reminders", {"command": "remind", "args": f"{kind.replace('_', ' ')} off"})


async def compose(entry: OutboxEntry, user_id: str, services: Services) -> Reply | None:
    """The nudge as a reply; None when there is nothing worth sending after all."""
    kind = entry.kind
    if kind in ASKED_KINDS:
        return await compose_asked(entry, user_id, services)
    if kind == "weekly_report":
        return await weekly_report(user_id, services)
    if kind == "risk_alert":
        return await risk_alert(user_id, services)
    if kind == "checkin":
        day = date.fromisoformat(entry.key.removeprefix("checkin:"))  # the occurrence's local day
        if await services.moods.logged_on(user_id, day):
            return None  # already told us today: asking again would nag
        question = mood_question("How are you feeling today?")
        return Reply(
            question.text,
            buttons=[*question.buttons, Button("Stop check-ins", {"command": "checkin", "args": "off"})],
            kind="nudge",
            private=True,
        )
    if kind == "plan":
        return await morning_plan(user_id, services)
    if kind == "water":
        today = await services.habits.today(user_id)
        return Reply(
            f"Time for some water 💧 ({today['water_ml']} of {today['water_goal_ml']} ml today).",
            buttons=[Button("I drank a glass", {"command": "water"}, "primary"), SNOOZE, _stop("water", "water")],
            kind="nudge",
        )
    if kind == "break":
        return Reply(
            "You've been at it for a while. Stand up, stretch, rest your eyes for a few minutes.",
            buttons=[Button("Took a break", {"command": "break"}, "primary"), SNOOZE, _stop("break", "break")],
            kind="nudge",
        )
    if kind == "lunch":
        return Reply(
            "It's lunch time. A proper break now makes the afternoon easier. 🥗",
            buttons=[Button("Had lunch", {"command": "lunch"}, "primary"), SNOOZE, _stop("lunch", "lunch")],
            kind="nudge",
        )
    if kind == "wrap_up":
        today = await services.stats.period(user_id, "today")
        return Reply(
            f"Time to wrap up: {plural(today['tasks_completed'], 'task')} done, "
            f"{hours_and_minutes(today['hours'])} worked, {today['water_ml']} ml of water today.",
            buttons=[Button("Clock out", {"command": "stop"}, "primary"), SNOOZE, _stop("wrap_up", "wrap-up")],
            kind="nudge",
        )
    if kind == "long_session":
        session = await services.work_sessions.get_active_session(user_id)
        hours = (services.clock.now() - session.start_time).total_seconds() / 3600 if session else 0
        return Reply(
            f"You have been clocked in for {hours_and_minutes(hours)}. Time to call it a day?",
            buttons=[Button("Clock out", {"command": "stop"}, "danger"), SNOOZE, _stop("long_session", "long-session")],
            kind="nudge",
        )
    return await focus_end(user_id, services)


async def focus_end(user_id: str, services: Services) -> Reply:
    """Time is up: a short break, or a long one when this is every 4th (configurable) session of
    the day, counted from today's roll-up (the running session is not in it yet)."""
    user = await services.users.get_user(user_id)
    text = "Focus time is up! How did it go?"
    if setting(user, "long_break", "on"):
        today = await services.repos.rollup(user_id, day_key(services.clock.now(), user.timezone))
        this_one = int(today.get("focus_completed", 0)) + 1
        if long_break_due(user, this_one):
            text = f"Focus time is up: that's {plural(this_one, 'session')} today. 🍅 {LONG_BREAK}"
    return Reply(
        text,
        buttons=[
            Button("Done", {"command": "focus_stop"}, "primary"),
            Button("I was interrupted", {"command": "interrupted"}),
            SNOOZE,
        ],
        kind="nudge",
    )


async def weekly_report(user_id: str, services: Services) -> Reply:
    week = await services.stats.period(user_id, "week")
    progress = await services.progress.snapshot(user_id)
    insight = await services.insights.assess(user_id)
    facts = [
        Fact("Tasks done", str(week["tasks_completed"])),
        Fact("Hours worked", hours_and_minutes(week["hours"])),
        Fact("Focus", focus_count(week["focus_completed"], week["focus_sessions"])),
        Fact("Water", f"{week['water_ml']} ml"),
        Fact("Level", f"{progress.level} ({progress.xp} XP), streak {plural(progress.streak_days, 'day')}"),
        Fact("Burnout risk", f"{insight.score}/100 ({insight.band})"),
    ]
    tip = insight.recommendations[0] if insight.recommendations else "Have a restful weekend."
    return Reply(
        f"Here is your week. {tip}",
        title="Your week with Avanochi",
        facts=facts,
        buttons=[Button("Insights", {"command": "insights"}), _stop("weekly_report", "weekly report")],
        kind="nudge",
        private=True,
    )


async def risk_alert(user_id: str, services: Services) -> Reply | None:
    insight = await services.insights.assess(user_id)
    if insight.score < ALERT_THRESHOLD:
        return None
    lines = "\n".join(f"• {factor.sentence}" for factor in insight.factors[:3])
    advice = "\n".join(f"→ {tip}" for tip in insight.recommendations[:2])
    return Reply(
        f"Your last two weeks look heavy (risk {insight.score}/100). Only you can see this.\n{lines}\n{advice}".strip(),
        title="A word about your pace",
        buttons=[Button("Insights", {"command": "insights"}), _stop("risk_alert", "risk alert")],
        kind="nudge",
        private=True,
    )


async def morning_plan(user_id: str, services: Services) -> Reply | None:
    """Today's due tasks and those that fell due since the last plan, the most urgent others, and
    the last working day in one line; each task with a button to focus on it. None when there is
    nothing to plan and nothing to look back on."""
    user = await services.users.get_user(user_id)
    now = services.clock.now()
    today = now.astimezone(ZoneInfo(user.timezone)).date()
    before = previous_working_day(user, today)
    since = work_start_on(user, before) if before is not None else None
    agenda = AgendaService(services.tasks, services.work_sessions, services.focus)
    plan = await agenda.morning(user_id, now, user.timezone, since)
    looking_back = await _last_day(user_id, services, today, before)
    if not (plan.overdue or plan.due_today or plan.top or looking_back):
        return None
    zone = ZoneInfo(user.timezone)

    def row(task: Task, detail: str) -> ListItem:
        return ListItem(task.title, detail, Button("Start focus", {"command": "focus_task", "args": task.id}))

    items = [row(t, f"⚠️ overdue since {_when(t.due_at, zone, today)}") for t in plan.overdue]
    items += [row(t, f"due today {_when(t.due_at, zone, today)}") for t in plan.due_today]
    items += [row(t, f"due {_when(t.due_at, zone, today)}" if t.due_at else "next up") for t in plan.top]
    due = len(plan.overdue) + len(plan.due_today)
    opening = f"Good morning! {plural(due, 'task')} due today" if due else "Good morning! Nothing is due today"
    overdue = f", {len(plan.overdue)} of them overdue" if plan.overdue else ""
    text = f"{opening}{overdue}." + (f"\n{looking_back}" if looking_back else "")
    if not items:
        text += "\nNo open tasks: add one with 'add <title>'."
    return Reply(
        text,
        title="Your plan for today",
        items=items,
        buttons=[_stop("plan", "morning plan")],
        kind="nudge",
    )


def _when(instant: datetime | None, zone: ZoneInfo, today: date) -> str:
    if instant is None:
        return ""
    local = instant.astimezone(zone)
    return f"{local:%H:%M}" if local.date() == today else f"{local:%a %d %b %H:%M}"


async def _last_day(user_id: str, services: Services, today: date, before: date | None) -> str:
    """'Yesterday: 3 tasks done, 6h 10m worked, 2 focus sessions.' from that day's roll-up."""
    if before is None:
        return ""
    counters = await services.repos.rollup(user_id, f"day:{before.isoformat()}")
    done, hours = int(counters.get("tasks_completed", 0)), counters.get("hours_total", 0.0)
    focus = int(counters.get("focus_completed", 0))
    if not (done or hours or focus):
        return ""
    label = "Yesterday" if before == today - timedelta(days=1) else f"On {before:%A}"
    return f"{label}: {plural(done, 'task')} done, {hours_and_minutes(hours)} worked, {plural(focus, 'focus session')}."
