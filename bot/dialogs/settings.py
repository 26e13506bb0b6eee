"""Settings flows: time zone, working hours, quiet hours, reminder preferences."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.dialogs.turn import Turn
from bot.language.arguments import (
    parse_duration,
    parse_midday_time,
    parse_minutes,
    parse_time_range,
    parse_weekdays,
    read_when,
)
from bot.messages import Button, Fact, Reply
from domain.entities import User
from domain.errors import ValidationError
from domain.reminders.policy import setting
from domain.services.users import REMINDER_KINDS
from domain.wording import plural

KIND_NAMES = {
    "water": "water",
    "hydrate": "water",
    "break": "break",
    "breaks": "break",
    "lunch": "lunch",
    "wrap up": "wrap_up",
    "wrap-up": "wrap_up",
    "wrap_up": "wrap_up",
    "end of day": "wrap_up",
    "long session": "long_session",
    "long_session": "long_session",
    "overtime": "long_session",
    "weekly report": "weekly_report",
    "weekly_report": "weekly_report",
    "report": "weekly_report",
    "risk alert": "risk_alert",
    "risk_alert": "risk_alert",
    "burnout": "risk_alert",
    "checkin": "checkin",
    "check-in": "checkin",
    "mood": "checkin",
    "plan": "plan",
    "morning plan": "plan",
    "daily plan": "plan",
    "long break": "long_break",
    "longbreak": "long_break",
    "long_break": "long_break",
    "long breaks": "long_break",
}
SWITCH_LABELS = {"plan": "Morning plan", "long_break": "Long break suggestions"}
LONG_BREAK_AFTER = (2, 12)  # focus sessions: a long break after every one is no rhythm


@dataclass(frozen=True)
class ReminderRequest:
    kind: str  # as typed, lower case: "wrap up"
    every: str | None = None  # "90m"
    switch: str | None = None  # "on" or "off"
    after: str | None = None  # "4": long break after every 4th focus session


def reminder_request(args: str) -> ReminderRequest | None:
    """'water every 90m', 'wrap up every 2h', 'lunch off', 'longbreak after 4'; None when it is
    neither form.
    Read word by word: a pattern with a lazy kind followed by whitespace backtracks quadratically
    over a long run of spaces."""
    words = args.split()
    lowered = [word.lower() for word in words]
    if "every" in lowered[1:-1]:
        at = lowered.index("every", 1)
        return ReminderRequest(" ".join(lowered[:at]), every=" ".join(words[at + 1 :]))
    if "after" in lowered[1:-1]:
        at = lowered.index("after", 1)
        return ReminderRequest(" ".join(lowered[:at]), after=" ".join(lowered[at + 1 :]))
    if len(words) > 1 and lowered[-1] in ("on", "off"):
        return ReminderRequest(" ".join(lowered[:-1]), switch=lowered[-1])
    return None


class SettingsDialog:
    async def show(self, turn: Turn, args: str = "") -> list[Reply]:
        user = turn.user
        reminders = "on" if user.reminders_on else "off"
        if user.paused_until and user.paused_until > turn.now:
            reminders = f"paused until {user.paused_until.astimezone(ZoneInfo(user.timezone)):%a %d %b}"
        days = " ".join("Mon Tue Wed Thu Fri Sat Sun".split()[d] for d in user.work_days)
        return [
            Reply(
                "Your settings:",
                title="Settings",
                facts=[
                    Fact("Time zone", user.timezone),
                    Fact("Working hours", f"{user.work_start}-{user.work_end} ({days})"),
                    Fact("Quiet hours", f"{user.quiet_start}-{user.quiet_end}"),
                    Fact("Reminders", reminders),
                    Fact("Lunch nudge", lunch_setting(user)),
                    Fact("Morning plan", "on" if setting(user, "plan", "on") else "off"),
                    Fact("Long break", long_break_setting(user)),
                ],
                kind="settings",
            )
        ]

    async def timezone(self, turn: Turn, args: str) -> list[Reply]:
        if not args.strip():
            return [Reply(f"Your time zone is {turn.user.timezone}. Change it with 'timezone Europe/Madrid'.")]
        turn.user = await turn.services.users.update_user(turn.user_id, timezone=args.strip())
        local = turn.now.astimezone(ZoneInfo(turn.user.timezone))
        return [Reply(f"Time zone set to {turn.user.timezone} (it is {local:%H:%M} there).", kind="settings")]

    async def hours(self, turn: Turn, args: str) -> list[Reply]:
        if not args.strip():
            return [Reply(f"You work {turn.user.work_start}-{turn.user.work_end}. Change it with 'hours 09:00-17:30'.")]
        start, end = parse_time_range(args, overnight=False)
        turn.user = await turn.services.users.update_user(turn.user_id, work_start=start, work_end=end)
        shift = " (overnight)" if end < start else ""
        return [Reply(f"Working hours set to {start}-{end}{shift}.", kind="settings")]

    async def days(self, turn: Turn, args: str) -> list[Reply]:
        names = "Mon Tue Wed Thu Fri Sat Sun".split()
        if not args.strip():
            listed = " ".join(names[d] for d in turn.user.work_days)
            return [Reply(f"You work on {listed}. Change it with 'days mon-fri' or 'days sun-thu'.")]
        days = parse_weekdays(args)
        turn.user = await turn.services.users.update_user(turn.user_id, work_days=days)
        return [
            Reply(
                f"Working days set to {' '.join(names[d] for d in days)}: no nudges, "
                "and no broken streaks, on the others.",
                kind="settings",
            )
        ]

    async def quiet(self, turn: Turn, args: str) -> list[Reply]:
        if not args.strip():
            return [
                Reply(
                    f"Quiet hours are {turn.user.quiet_start}-{turn.user.quiet_end}. "
                    "Change them with 'quiet 18:00-08:00'."
                )
            ]
        start, end = parse_time_range(args)
        turn.user = await turn.services.users.update_user(turn.user_id, quiet_start=start, quiet_end=end)
        return [Reply(f"Quiet hours set to {start}-{end}: no nudges then.", kind="settings")]

    async def remind(self, turn: Turn, args: str) -> list[Reply]:
        request = reminder_request(args)
        kind = KIND_NAMES.get(request.kind) if request else None
        if request is None or kind not in REMINDER_KINDS:
            raise ValidationError("Try 'remind water every 90m', 'remind break every 50m' or 'remind lunch off'.")
        if request.after is not None:
            return await self._long_break_after(turn, kind, request.after)
        if request.switch:
            on = request.switch == "on"
            await turn.services.users.update_user(turn.user_id, reminder=(kind, {"on": on}))
            label = SWITCH_LABELS.get(kind, f"{kind.replace('_', ' ').capitalize()} reminders")
            return [Reply(f"{label} {'on' if on else 'off'}.")]
        minutes = parse_minutes(request.every or "")
        if not minutes or not 10 <= minutes <= 480:
            raise ValidationError("Pick an interval between 10 minutes and 8 hours, like 'every 90m'.")
        await turn.services.users.update_user(turn.user_id, reminder=(kind, {"on": True, "every": minutes}))
        return [Reply(f"I'll remind you about {kind.replace('_', ' ')} every {minutes} minutes.")]

    async def _long_break_after(self, turn: Turn, kind: str, after: str) -> list[Reply]:
        low, high = LONG_BREAK_AFTER
        count = int(after.split()[0]) if after.split() and after.split()[0].isdigit() else None
        if kind != "long_break" or count is None or not low <= count <= high:
            raise ValidationError(f"Try 'remind longbreak after 4' (after {low} to {high} focus sessions).")
        await turn.services.users.update_user(turn.user_id, reminder=(kind, {"on": True, "after": count}))
        return [Reply(f"I'll suggest a long break (15-30 min) after every {count} focus sessions of a day.")]

    async def lunch_time(self, turn: Turn, args: str) -> list[Reply]:
        """'lunch at 12:30': the lunch nudge comes then on working days (unless lunch is logged)."""
        if not args.strip():
            return [Reply(f"Lunch nudge: {lunch_setting(turn.user)}. Change it with 'lunch at 12:30'.")]
        at = parse_midday_time(args)
        if not "10:00" <= at <= "16:00":
            raise ValidationError("Pick a lunch time between 10:00 and 16:00, like 'lunch at 12:30'.")
        turn.user = await turn.services.users.update_user(turn.user_id, reminder=("lunch", {"on": True, "at": at}))
        return [Reply(f"Lunch time set to {at}: I'll nudge you then on working days.", kind="settings")]

    async def reminders(self, turn: Turn, args: str) -> list[Reply]:
        switch = args.strip().lower()
        if switch not in ("on", "off"):
            return await self.show(turn)
        await turn.services.users.update_user(turn.user_id, reminders_on=switch == "on", paused_until=None)
        return [
            Reply(
                "Reminders on. I'll nudge you during working hours."
                if switch == "on"
                else "Reminders off. Say 'reminders on' to bring them back."
            )
        ]

    async def snooze(self, turn: Turn, args: str, minutes: int | None = None) -> list[Reply]:
        length = parse_duration(args or "15m") if minutes is None else parse_duration(f"{minutes}m")
        until = turn.now + length
        await turn.services.users.update_user(turn.user_id, snoozed_until=until)
        return [Reply(f"Snoozed for {plural(int(length.total_seconds() // 60), 'minute')}.")]

    async def pause(self, turn: Turn, args: str) -> list[Reply]:
        text = re.sub(r"^(?:until|till|for)\s+", "", args.strip(), flags=re.IGNORECASE)
        if not text:
            raise ValidationError("Until when? Try 'pause until monday'.")
        until = await read_when(text, turn.user.timezone, turn.now, "00:00", turn.locale)
        if until <= turn.now:
            raise ValidationError("That's already past. Try 'pause until monday'.")
        if until > turn.now + timedelta(days=366):
            raise ValidationError("I can pause reminders for up to a year; 'reminders off' stops them for good.")
        await turn.services.users.update_user(turn.user_id, paused_until=until)
        await turn.services.progress.snapshot(turn.user_id)  # notes the pause: its days won't break the streak
        shown = f"{until:%A %d %B}" + (f" {until:%Y}" if until.year != turn.now.year else "")
        return [
            Reply(
                f"Reminders paused until {shown}. Rest well!",
                buttons=[Button("Resume now", {"command": "reminders", "args": "on"})],
            )
        ]


def lunch_setting(user: User) -> str:
    if not setting(user, "lunch", "on"):
        return "off"
    own = setting(user, "lunch", "at")
    if own:
        return f"at {own}"
    start, _ = setting(user, "lunch", "window")
    hour, minute = divmod(int(start[:2]) * 60 + int(start[3:]) + int(setting(user, "lunch", "after")), 60)
    return f"at {hour:02d}:{minute:02d} (the default; 'lunch at 12:30' sets your own)"


def long_break_setting(user: User) -> str:
    if not setting(user, "long_break", "on"):
        return "off"
    return f"after every {setting(user, 'long_break', 'after')} focus sessions"
