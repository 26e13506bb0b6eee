"""Focus (pomodoro) flows: start with minutes and an optional task, stop, interrupted, cancel."""

from __future__ import annotations

import re
from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.dialogs.turn import Turn
from bot.language.arguments import parse_minutes
from bot.messages import Button, Reply
from domain.entities import FOCUS_DEFAULT_MINUTES, FocusSession, Task
from domain.errors import Conflict
from domain.reminders.policy import long_break_due
from domain.rollups import day_key
from domain.wording import plural

# Only the word and one space: the task is the rest of the text. A pattern with "\s*" before
# it and ".+$" after is retried from every start in a long run of whitespace (quadratic).
ON_TASK = re.compile(r"\bon\s", re.IGNORECASE)


def split_on_task(args: str) -> tuple[str, str | None]:
    """'25 on the report' -> ('25 ', 'the report'); no task named -> (args, None)."""
    match = ON_TASK.search(args)
    task = args[match.end() :].strip() if match else ""
    return (args[: match.start()], task) if match and task else (args, None)


def focus_buttons() -> list[Button]:
    """What a running focus session's card offers: end it, note an interruption, or cancel it."""
    return [
        Button("Done", {"command": "focus_stop"}, "primary"),
        Button("Interrupted", {"command": "interrupted"}),
        Button("Cancel", {"command": "focus_cancel"}, "danger"),
    ]


def already_focusing(turn: Turn, running: FocusSession) -> Reply:
    turn.outcome = "focus_refused"  # nothing started: the pet has nothing to say about it
    left = running.duration_minutes - (turn.now - running.started_at).total_seconds() / 60
    return Reply(
        f"You are already focusing ({max(0, round(left))} min left). One session at a time.",
        buttons=[Button("Stop focus", {"command": "focus_stop"})],
        kind="focus",
    )


class FocusDialog:
    async def start(self, turn: Turn, args: str, task: Task | None = None) -> list[Reply]:
        """``task``: the task a button named (by id), instead of one named in the words."""
        focus = turn.services.focus
        running = await focus.active(turn.user_id)
        if running:
            return [already_focusing(turn, running)]
        args, reference = split_on_task(args)
        if task is None and reference:
            task = await turn.find_task(reference)
        minutes = parse_minutes(args, FOCUS_DEFAULT_MINUTES)
        try:
            session = await focus.start(turn.user_id, minutes, task_id=task.id if task else None)
        except Conflict:
            # Another instance started one between our look and our start: its slot won.
            running = await focus.active(turn.user_id)
            if running is None:
                raise
            return [already_focusing(turn, running)]
        ends_local = (session.started_at + timedelta(minutes=minutes)).astimezone(ZoneInfo(turn.user.timezone))
        on = f" on *{task.title}*" if task else ""
        return [
            Reply(
                f"Focus{on} for {minutes} min, until {ends_local:%H:%M}. I'll keep quiet.",
                buttons=focus_buttons(),
                kind="focus",
            )
        ]

    async def stop(self, turn: Turn, args: str) -> list[Reply]:
        focus = turn.services.focus
        session = await focus.active_or_raise(turn.user_id)
        # Read before completing (the turn loaded the day's roll-up: no extra query).
        day = day_key(session.started_at, turn.user.timezone)
        done_before = (await turn.services.repos.rollups_between(turn.user_id, day, day)).get(day, {})
        # The service decides whether it counts (the same rule as the REST API's completion).
        session = await focus.complete(turn.user_id, session.session_id)
        minutes = round(((session.ended_at or turn.now) - session.started_at).total_seconds() / 60)
        if not session.completed:
            turn.outcome = "focus_cut_short"  # so the pet does not call it finished
            return [
                Reply(
                    f"Stopped after {minutes} of {session.duration_minutes} min: not counted as "
                    "a completed session. A shorter one next time? Try 'focus 15'.",
                    kind="focus",
                )
            ]
        extra = f" with {plural(session.interruptions, 'interruption')}" if session.interruptions else ""
        nth = int(done_before.get("focus_completed", 0)) + 1
        rest = (
            f"That's {plural(nth, 'session')} today: time for a long break, 15-30 minutes away from the screen."
            if long_break_due(turn.user, nth)
            else "Nice work — stretch a little?"
        )
        return [
            Reply(
                f"Focus session complete: {minutes} min{extra}. {rest}",
                buttons=[Button("Log a break", {"command": "break"})],
                kind="focus",
            )
        ]

    async def interrupted(self, turn: Turn, args: str) -> list[Reply]:
        focus = turn.services.focus
        session = await focus.active_or_raise(turn.user_id)
        session = await focus.interrupt(turn.user_id, session.session_id)
        so_far = plural(session.interruptions, "interruption")
        return [Reply(f"Noted: {so_far} so far. Back to it when you can.", kind="focus")]

    async def cancel(self, turn: Turn, args: str) -> list[Reply]:
        focus = turn.services.focus
        session = await focus.active_or_raise(turn.user_id)
        await focus.cancel(turn.user_id, session.session_id)
        return [Reply("Focus session cancelled. No worries.", kind="focus")]
