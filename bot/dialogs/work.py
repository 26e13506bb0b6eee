"""Work-session flows: clock in, clock out, status."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.dialogs.turn import Turn
from bot.messages import Button, Fact, Reply
from domain.errors import Conflict


def hours_and_minutes(hours: float) -> str:
    total = round(hours * 60)
    return f"{total // 60} h {total % 60:02d} min"


class WorkDialog:
    async def start(self, turn: Turn, args: str) -> list[Reply]:
        try:
            session = await turn.services.work_sessions.start_session(turn.user_id, note=args or None)
        except Conflict:
            return await self.status(turn, "", prefix="You are already clocked in.")
        local = session.start_time.astimezone(ZoneInfo(turn.user.timezone))
        return [
            Reply(
                f"Clocked in at {local:%H:%M}. Have a good session!",
                buttons=[Button("Clock out", {"command": "stop"}, "danger")],
                kind="session",
            )
        ]

    async def stop(self, turn: Turn, args: str) -> list[Reply]:
        session = await turn.services.work_sessions.end_active_session(turn.user_id)
        today = await turn.services.stats.period(turn.user_id, "today")
        return [
            Reply(
                f"Clocked out after {hours_and_minutes(session.duration or 0)}.",
                facts=[
                    Fact("Worked today", hours_and_minutes(today["hours"])),
                    Fact("Tasks done today", str(today["tasks_completed"])),
                ],
                kind="session",
            )
        ]

    async def status(self, turn: Turn, args: str, prefix: str = "") -> list[Reply]:
        services = turn.services
        session = await services.work_sessions.get_active_session(turn.user_id)
        focus = await services.focus.active(turn.user_id)
        facts: list[Fact] = []
        buttons: list[Button] = []
        if session:
            worked = (turn.now - session.start_time).total_seconds() / 3600
            local = session.start_time.astimezone(ZoneInfo(turn.user.timezone))
            facts.append(Fact("Clocked in", f"since {local:%H:%M} ({hours_and_minutes(worked)})"))
            buttons.append(Button("Clock out", {"command": "stop"}, "danger"))
        else:
            facts.append(Fact("Clocked in", "no"))
            buttons.append(Button("Clock in", {"command": "start"}, "primary"))
        if focus:
            left = focus.duration_minutes - (turn.now - focus.started_at).total_seconds() / 60
            facts.append(Fact("Focus", f"{max(0, round(left))} min left of {focus.duration_minutes}"))
            buttons.append(Button("Stop focus", {"command": "focus_stop"}))
        open_tasks = await services.tasks.list_tasks(turn.user_id, "open")
        facts.append(Fact("Open tasks", str(len(open_tasks))))
        text = (prefix + " " if prefix else "") + ("Working." if session else "Not clocked in.")
        return [Reply(text, title="Status", facts=facts, buttons=buttons, kind="session")]
