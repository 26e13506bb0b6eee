"""Reminders users ask for: "remind me to ... in 20 minutes", the list and cancelling them,
the nudge before a task's due time (`remind due 30m|off`) and its Snooze and Tomorrow buttons."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from bot.dialogs.settings import SettingsDialog
from bot.dialogs.turn import Turn, yes_no
from bot.language.arguments import parse_minutes, read_when, task_number
from bot.messages import Button, ListItem, Reply
from domain.errors import DomainError, ValidationError
from domain.reminders.items import OneOff
from domain.reminders.one_offs import AGAIN_MINUTES, clean_text
from domain.reminders.policy import setting

# Words that may start the time of a reminder said after its text ("stretch in 20 minutes").
WHEN_WORDS = frozenset(
    "in at on by tomorrow today tonight next this monday tuesday wednesday thursday friday saturday sunday".split()
)
SPLITS_TRIED = 4  # each try may ask the date reader: a few, from the left
LEAD_MAX = 24 * 60
PAST_REMINDER = "confirm_past_reminder"  # the question "that time is past, tomorrow instead?"
HOW = "Try 'remind me to stretch in 20 minutes' or 'remind me to call Sam tomorrow 9am'."


def shown(at: datetime, timezone: str, now: datetime) -> str:
    local, today = at.astimezone(ZoneInfo(timezone)), now.astimezone(ZoneInfo(timezone)).date()
    if local.date() == today:
        return f"today at {local:%H:%M}"
    if local.date() == today + timedelta(days=1):
        return f"tomorrow at {local:%H:%M}"
    return f"{local:%a %d %b %H:%M}"


class RemindersDialog:
    def __init__(self, settings: SettingsDialog) -> None:
        self._settings = settings

    async def _when(self, turn: Turn, phrase: str) -> datetime | None:
        try:
            return await read_when(phrase, turn.user.timezone, turn.now, turn.user.work_start, turn.locale)
        except DomainError:
            return None

    async def _split(self, turn: Turn, args: str) -> tuple[str, datetime] | None:
        """'stretch in 20 minutes' or 'in 20 minutes to stretch' -> ('stretch', its time)."""
        words = args.split()
        lowered = [word.lower() for word in words]
        if "to" in lowered[1:-1]:  # "in 20 minutes to stretch"
            at = lowered.index("to", 1)
            when = await self._when(turn, " ".join(words[:at]))
            if when is not None:
                return " ".join(words[at + 1 :]), when
        starts = [i for i, word in enumerate(lowered) if i > 0 and word in WHEN_WORDS][:SPLITS_TRIED]
        for start in starts:
            when = await self._when(turn, " ".join(words[start:]))
            if when is not None:
                return " ".join(words[:start]), when
        return None

    async def remind_me(self, turn: Turn, args: str) -> list[Reply]:
        text = args.strip()
        if text.lower().startswith("to "):
            text = text[3:]
        found = await self._split(turn, text)
        if found is None and text and await self._when(turn, text) is not None:
            raise ValidationError(f"What should I remind you of? {HOW}")
        if found is None:
            raise ValidationError(f"When should I remind you? {HOW}")
        what, at = found
        what = clean_text(what)
        if at <= turn.now:
            local = at.astimezone(ZoneInfo(turn.user.timezone))
            asked = turn.ask(PAST_REMINDER, text=what, at=at.isoformat())
            text = f"{local:%a %d %b %H:%M} is already past. Remind you at {local:%H:%M} tomorrow instead?"
            return [yes_no(asked, text)]
        return await self._keep(turn, what, at)

    async def _keep(self, turn: Turn, what: str, at: datetime, task_id: str | None = None) -> list[Reply]:
        one_off = await turn.services.reminders.add_one_off(turn.user_id, what, at, task_id)
        return [
            Reply(
                f"OK, I'll remind you {shown(one_off.at, turn.user.timezone, turn.now)}: {one_off.text}",
                buttons=[Button("Cancel", {"command": "cancel_reminder", "args": str(one_off.number)})],
            )
        ]

    async def confirm_past(self, turn: Turn, yes: bool) -> list[Reply]:
        question = turn.question or {}
        turn.forget_question()
        if not yes:
            return [Reply(f"OK, no reminder set. {HOW}")]
        zone = ZoneInfo(turn.user.timezone)
        said = datetime.fromisoformat(str(question["at"])).astimezone(zone)
        at = datetime.combine(turn.now.astimezone(zone).date(), said.time(), zone)
        while at <= turn.now:
            at = datetime.combine(at.date() + timedelta(days=1), said.time(), zone)
        return await self._keep(turn, str(question.get("text", "")), at)

    async def remind_again(self, turn: Turn, args: str) -> list[Reply]:
        """A nudge's Snooze: the same reminder again a little later."""
        action = turn.message.action or {}
        at = turn.now + timedelta(minutes=AGAIN_MINUTES)
        task_id = str(action["task_id"]) if action.get("task_id") else None
        if task_id is not None:
            task = await turn.services.tasks.get_task(turn.user_id, task_id)
            kept = await turn.services.reminders.add_one_off(turn.user_id, task.title, at, task.id, again=True)
            return [Reply(f"OK, I'll remind you about *{task.title}* {shown(kept.at, turn.user.timezone, turn.now)}.")]
        text = str(action.get("text") or args).strip()
        if not text:
            return await self._settings.snooze(turn, args)
        kept = await turn.services.reminders.add_one_off(turn.user_id, text, at, again=True)
        return [Reply(f"OK, I'll remind you again {shown(kept.at, turn.user.timezone, turn.now)}.")]

    async def due_tomorrow(self, turn: Turn, args: str) -> list[Reply]:
        """A due-date nudge's Tomorrow: the same time of day, one day later (DST-proof)."""
        action = turn.message.action or {}
        if not action.get("task_id"):
            raise ValidationError("Which task? Try 'due 2 tomorrow'.")
        services, zone = turn.services, ZoneInfo(turn.user.timezone)
        task = await services.tasks.get_task(turn.user_id, str(action["task_id"]))
        if task.due_at is None:
            raise ValidationError(f"*{task.title}* has no due date now. Try 'due {task.title} tomorrow'.")
        local = task.due_at.astimezone(zone)
        moved = datetime.combine(local.date() + timedelta(days=1), local.time(), zone)
        task = await services.tasks.edit_task(turn.user_id, task.id, due_at=moved)
        return [
            Reply(
                f"*{task.title}* is now due {shown(moved, turn.user.timezone, turn.now)}.",
                buttons=[Button("Undo", {"command": "undo"})],
                kind="task",
            )
        ]

    async def cancel(self, turn: Turn, args: str) -> list[Reply]:
        number = task_number(args)
        if number is None:
            raise ValidationError("Which one? Say 'reminders' to see their numbers, then 'cancel reminder 2'.")
        cancelled = await turn.services.reminders.cancel_one_off(turn.user_id, number)
        return [Reply(f"Cancelled reminder {number}: {cancelled.text}")]

    async def remind(self, turn: Turn, args: str) -> list[Reply]:
        """`remind due 30m|on|off` here; the other kinds are the settings dialog's."""
        words = args.split()
        if not words or words[0].lower() not in ("due", "deadline", "deadlines"):
            return await self._settings.remind(turn, args)
        rest = " ".join(words[1:]).lower().removeprefix("every ").removeprefix("before ").strip()
        users = turn.services.users
        if rest in ("on", "off"):
            await users.update_user(turn.user_id, reminder=("due", {"on": rest == "on"}))
            if rest == "off":
                return [Reply("No more nudges before due dates. 'remind due on' brings them back.")]
            lead = setting(turn.user, "due", "before")
            return [Reply(f"I'll nudge you {lead} min before a task is due.")]
        minutes = parse_minutes(rest)
        if not minutes or minutes > LEAD_MAX:
            raise ValidationError("How long before? Try 'remind due 30m' (up to a day), or 'remind due off'.")
        await users.update_user(turn.user_id, reminder=("due", {"on": True, "before": minutes}))
        return [Reply(f"I'll nudge you {minutes} min before a task is due.")]

    async def reminders(self, turn: Turn, args: str) -> list[Reply]:
        """The reminder settings, and the one-off reminders waiting."""
        replies = await self._settings.reminders(turn, args)
        if args.strip():
            return replies
        pending = await turn.services.reminders.pending_one_offs(turn.user_id)
        return replies + [self._listing(turn, pending)]

    def _listing(self, turn: Turn, pending: list[OneOff]) -> Reply:
        user = turn.user
        lead = (
            f"Before a due date: {setting(user, 'due', 'before')} min ahead."
            if setting(user, "due", "on")
            else "Before a due date: off."
        )
        if not pending:
            return Reply(f"No reminders waiting. {HOW}\n{lead}", kind="reminders")
        if not user.reminders_on:  # held, not lost: say so rather than let them wonder
            lead += " Reminders are off: these wait until you say 'reminders on'."
        items = [
            ListItem(
                text=f"{one_off.number}. {one_off.text}",
                detail=shown(one_off.at, user.timezone, turn.now),
                button=Button("Cancel", {"command": "cancel_reminder", "args": str(one_off.number)}),
            )
            for one_off in pending
        ]
        return Reply(
            f"Your reminders (cancel one with 'cancel reminder 2'). {lead}",
            title="Reminders",
            items=items,
            kind="reminders",
        )
