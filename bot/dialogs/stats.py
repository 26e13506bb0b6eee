"""Stats flows: today, week, month or all-time numbers."""

from __future__ import annotations

import asyncio

from bot.dialogs.turn import Turn
from bot.dialogs.work import hours_and_minutes
from bot.images.charts import chart_alt_text, period_chart
from bot.messages import Fact, Image, Reply
from domain.history import workday_hours
from domain.wording import of_total


def focus_count(completed: int, started: int) -> str:
    """ "1 of 2 sessions"; "none yet" rather than "0 of 0 sessions"."""
    return of_total(completed, started, "session") if started else "none yet"


class StatsDialog:
    async def stats(self, turn: Turn, args: str) -> list[Reply]:
        period = (args.strip().lower() or "today").replace("this ", "")
        services = turn.services
        if period in ("all", "total", "ever"):
            summary = await services.stats.summary(turn.user_id)
            focus = await services.focus.analytics(turn.user_id)
            facts = [
                Fact("Tasks done", f"{summary['completed_tasks']} of {summary['total_tasks']}"),
                Fact("Work sessions", str(summary["total_sessions"])),
                Fact("Hours worked", hours_and_minutes(summary["total_hours"])),
                Fact(
                    "Focus sessions",
                    f"{focus['completed_sessions']} of {focus['total_sessions']} completed"
                    if focus["total_sessions"]
                    else "none yet",
                ),
            ]
            return [Reply("Since you started with Avanochi:", title="All-time stats", facts=facts, kind="stats")]
        if period not in ("today", "week", "month"):
            period = "today"
        numbers = await services.stats.period(turn.user_id, period)
        cut = numbers["focus_cancelled"]
        cut_short = f" ({cut} cancelled or cut short)" if cut else ""
        facts = [
            Fact("Tasks done", str(numbers["tasks_completed"])),
            Fact("Hours worked", hours_and_minutes(numbers["hours"])),
            Fact(
                "Focus",
                f"{focus_count(numbers['focus_completed'], numbers['focus_sessions'])}{cut_short}"
                + (f", {numbers['focus_minutes']} min planned" if numbers["focus_sessions"] else ""),
            ),
            Fact("Water", f"{numbers['water_ml']} ml"),
            Fact("Breaks", str(numbers["breaks"])),
        ]
        title = {"today": "Today", "week": "Last 7 days", "month": "Last 30 days"}[period]
        image = None
        if period != "today":  # matplotlib is CPU work: keep it off the event loop
            png = await asyncio.to_thread(period_chart, numbers, workday_hours=workday_hours(turn.user))
            image = Image(png, chart_alt_text(numbers))
        return [Reply("Here is how it went:", title=title, facts=facts, image=image, kind="stats")]
