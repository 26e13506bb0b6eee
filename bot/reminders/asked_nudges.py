"""What the nudges users asked for say: a task coming due, a one-off reminder."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.messages import Button, Reply
from domain.errors import NotFound
from domain.reminders.asked import DUE_KIND, SLOT_PREFIX
from domain.reminders.one_offs import AGAIN_MINUTES
from domain.reminders.schedule import OutboxEntry
from domain.services import Services


def due_buttons(task_id: str) -> list[Button]:
    return [
        Button("Done", {"command": "done", "task_id": task_id}, "primary"),
        Button(f"Snooze {AGAIN_MINUTES} min", {"command": "remind_again", "task_id": task_id}),
        Button("Tomorrow", {"command": "due_tomorrow", "task_id": task_id}),
    ]


async def compose_asked(entry: OutboxEntry, user_id: str, services: Services) -> Reply | None:
    """None when it no longer applies: the task was done, deleted or moved meanwhile."""
    if entry.ref:
        try:
            task = await services.tasks.get_task(user_id, entry.ref)
        except NotFound:
            return None
        if task.completed or task.due_at is None:
            return None
        if entry.kind == DUE_KIND and entry.key != f"{SLOT_PREFIX}{task.id}:{task.due_at.isoformat()}":
            return None  # its due time changed after the claim: the new one has its own nudge
        zone = ZoneInfo(await services.users.timezone(user_id))
        due = task.due_at.astimezone(zone)
        now = services.clock.now().astimezone(zone)
        when = f"{due:%H:%M}" if due.date() == now.date() else f"{due:%a %d %b %H:%M}"
        verb = "was due" if due <= now else "is due"
        return Reply(f"⏰ *{task.title}* {verb} at {when}.", buttons=due_buttons(task.id), kind="nudge")
    text = entry.note or ""
    return Reply(
        f"⏰ Reminder: {text}",
        buttons=[Button(f"Snooze {AGAIN_MINUTES} min", {"command": "remind_again", "text": text})],
        kind="nudge",
    )
