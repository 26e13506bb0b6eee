"""export timesheet [week|month]: the user's work sessions as a CSV file (this week by default)."""

from __future__ import annotations

from bot.dialogs.turn import Turn
from bot.messages import FileOut, Reply
from domain.errors import ValidationError
from domain.timesheet import clean_period, timesheet

WHEN = {"week": "this week", "month": "this month", "all": "so far"}


class TimesheetDialog:
    async def export(self, turn: Turn, args: str) -> list[Reply]:
        try:
            period = clean_period(args.split(" ", 1)[0] if args.strip() else None, default="week")
        except ValidationError:
            return [Reply("Say *export timesheet week*, *export timesheet month* or *export timesheet all*.")]
        services = turn.services
        sessions = await services.work_sessions.list_sessions(turn.user_id)
        sheet = timesheet(period, turn.user.timezone, services.clock.now(), sessions)
        if not sheet.sessions:
            return [Reply(f"No work sessions {WHEN[period]}: say *start* when you begin working.")]
        count = len(sheet.sessions)
        return [
            Reply(
                f"Your timesheet {WHEN[period]}: {count} session{'s' if count != 1 else ''}, "
                f"{sheet.hours:g} hours (times in {sheet.timezone}).",
                file=FileOut(sheet.filename, sheet.csv().encode("utf-8"), "text/csv"),
                kind="export",
                private=True,  # notes and hours are the user's own: a group sees none of them
            )
        ]
