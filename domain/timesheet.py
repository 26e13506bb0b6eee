"""Timesheets: a user's work sessions as CSV rows, in the user's time zone.

One row per session: local date, start and end, hours, note. A spreadsheet runs a cell that
starts with ``=``, ``+``, ``-`` or ``@`` as a formula (CSV injection), and a note is whatever the
user typed: such cells are written with a leading apostrophe, which spreadsheets show as text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from domain.entities import WorkSession
from domain.errors import ValidationError

PERIODS = ("week", "month", "all")
HEADER = ("date", "start", "end", "hours", "note")
# Characters that make a spreadsheet read a cell as a formula; tab and carriage return too,
# which some strip before looking.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class Timesheet:
    period: str
    timezone: str
    sessions: list[WorkSession]  # oldest first

    @property
    def filename(self) -> str:
        return f"avanochi-timesheet-{self.period}.csv"

    @property
    def hours(self) -> float:
        return round(sum(session.duration or 0.0 for session in self.sessions), 2)

    def rows(self) -> list[tuple[str, str, str, str, str]]:
        zone = ZoneInfo(self.timezone)
        rows = []
        for session in self.sessions:
            start = session.start_time.astimezone(zone)
            end = session.end_time.astimezone(zone) if session.end_time else None
            rows.append(
                (
                    start.date().isoformat(),
                    start.strftime("%Y-%m-%d %H:%M"),
                    end.strftime("%Y-%m-%d %H:%M") if end else "",  # still running
                    f"{session.duration:.2f}" if session.duration is not None else "",
                    session.note or "",
                )
            )
        return rows

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(HEADER)
        writer.writerows([safe_cell(cell) for cell in row] for row in self.rows())
        return out.getvalue()


def safe_cell(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_STARTS) else value


def clean_period(value: object, default: str = "all") -> str:
    if value is None or value == "":
        return default
    period = str(value).strip().lower()
    if period not in PERIODS:
        raise ValidationError(f"The period must be one of {', '.join(PERIODS)}")
    return period


def since(period: str, now: datetime, zone: ZoneInfo) -> datetime | None:
    """The start of this week (Monday) or this month in the user's time zone; None for all."""
    local = now.astimezone(zone)
    midnight = local.replace(hour=0, minute=0, second=0, microsecond=0)
    if period == "week":
        return midnight - timedelta(days=local.weekday())
    if period == "month":
        return midnight.replace(day=1)
    return None


def timesheet(period: str, timezone: str, now: datetime, sessions: Iterable[WorkSession]) -> Timesheet:
    """The sessions of ``period`` (this week, this month, or all) as of ``now``, oldest first."""
    return Timesheet(period, timezone, chronological(sessions, since(period, now, ZoneInfo(timezone))))


def chronological(sessions: Iterable[WorkSession], start: datetime | None) -> list[WorkSession]:
    kept = [session for session in sessions if start is None or session.start_time >= start]
    return sorted(kept, key=lambda session: session.start_time)
