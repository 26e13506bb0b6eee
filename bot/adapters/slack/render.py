"""Neutral replies -> Slack Block Kit messages and App Home views, within Slack's limits.

Slack rejects a whole message (``invalid_blocks``) when one limit is broken, so every
string is cut to its limit here, lists that do not fit end with a "...and N more" line,
and a button whose payload cannot fit its ``value`` is left out rather than sent broken.
"""

from __future__ import annotations

import json
import logging
from dataclasses import replace
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from bot.dialogs.stats import focus_count
from bot.dialogs.tasks import describe_due
from bot.dialogs.work import hours_and_minutes
from bot.messages import Button, Fact, ListItem, Reply
from domain.entities import Task, WorkSession
from domain.wording import plural

log = logging.getLogger("avanochi.slack")

MAX_MESSAGE_BLOCKS = 50
MAX_VIEW_BLOCKS = 100
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_FIELDS = 10
MAX_FIELD_TEXT = 2000
MAX_BUTTON_TEXT = 75
MAX_BUTTON_VALUE = 2000
MAX_BUTTONS = 25
MAX_FALLBACK_TEXT = 3000
HOME_TASKS = 20  # open tasks the App Home lists

ACTION_PREFIX = "avanochi"  # every button's action_id starts with it; the adapter listens for it


def escape(text: str) -> str:
    """Slack reads &, < and > as markup: a task titled <!channel> must not ping anyone."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def mrkdwn(text: str, limit: int = MAX_SECTION_TEXT) -> str:
    """Escaped text of at most ``limit`` characters; cut on the raw text so that no
    entity (&amp;) is ever cut in half."""
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    size = 0
    for end, char in enumerate(text):
        size += len(escape(char))
        if size > limit - 1:
            return escape(text[:end]) + "…"
    return escaped


def plain(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def chunks(text: str, limit: int = MAX_SECTION_TEXT) -> list[str]:
    """Long text split on line ends into pieces that each fit one section."""
    pieces: list[str] = []
    current = ""
    for line in text.split("\n"):
        candidate = f"{current}\n{line}" if current else line
        if len(escape(candidate)) <= limit:
            current = candidate
            continue
        if current:
            pieces.append(current)
        current = line
    if current:
        pieces.append(current)
    return [mrkdwn(piece, limit) for piece in pieces]


def button_element(button: Button, action_id: str) -> dict[str, Any] | None:
    value = json.dumps(button.payload, separators=(",", ":"), ensure_ascii=False)
    if len(value) > MAX_BUTTON_VALUE:
        log.warning("button payload too long for Slack; button left out", extra={"label": button.label})
        return None
    element: dict[str, Any] = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": plain(button.label or "OK", MAX_BUTTON_TEXT), "emoji": True},
        "value": value,
    }
    if button.style in ("primary", "danger"):
        element["style"] = button.style
    return element


def block_id(kind: str, number: int) -> str:
    """Carries the reply's kind, so that a press on a question's button can tell it was one."""
    return f"{ACTION_PREFIX}:{kind}:{number}"


def kind_of(block_id_value: str | None) -> str | None:
    parts = (block_id_value or "").split(":")
    return parts[1] if len(parts) == 3 and parts[0] == ACTION_PREFIX else None


def fact_sections(facts: list[Fact]) -> list[dict[str, Any]]:
    fields = [{"type": "mrkdwn", "text": mrkdwn(f"*{fact.label}*\n{fact.value}", MAX_FIELD_TEXT)} for fact in facts]
    return [
        {"type": "section", "fields": fields[start : start + MAX_FIELDS]} for start in range(0, len(fields), MAX_FIELDS)
    ]


def item_section(item: ListItem, kind: str, number: int) -> dict[str, Any]:
    line = ("✓ " if item.done else "") + item.text
    text = mrkdwn(line, MAX_SECTION_TEXT - 200) + (f"\n_{mrkdwn(item.detail, 190)}_" if item.detail else "")
    section: dict[str, Any] = {
        "type": "section",
        "block_id": block_id(kind, number),
        "text": {"type": "mrkdwn", "text": text},
    }
    if item.button:
        element = button_element(item.button, f"{ACTION_PREFIX}-item-{number}")
        if element:
            section["accessory"] = element
    return section


def reply_blocks(reply: Reply, budget: int, start: int = 0) -> list[dict[str, Any]]:
    """The blocks of one reply in at most ``budget`` blocks; ``start`` numbers the
    block ids so that several replies can share one view."""
    head: list[dict[str, Any]] = []
    if reply.title:
        head.append(
            {
                "type": "header",
                "text": {"type": "plain_text", "text": plain(reply.title, MAX_HEADER_TEXT), "emoji": True},
            }
        )
    head += [{"type": "section", "text": {"type": "mrkdwn", "text": piece}} for piece in chunks(reply.text)]
    head += fact_sections(reply.facts)
    elements = [
        element
        for index, button in enumerate(reply.buttons[:MAX_BUTTONS])
        if (element := button_element(button, f"{ACTION_PREFIX}-{start}-{index}"))
    ]
    tail = [{"type": "actions", "block_id": block_id(reply.kind, start), "elements": elements}] if elements else []
    head = head[: max(0, budget - len(tail) - (1 if reply.items else 0))]
    room = budget - len(head) - len(tail)
    items = reply.items
    if len(items) > room:
        shown = max(0, room - 1)  # keep one block to say how many were left out
        more = len(items) - shown
        body = [item_section(item, reply.kind, start + n + 1) for n, item in enumerate(items[:shown])]
        body.append({"type": "context", "elements": [{"type": "mrkdwn", "text": f"…and {more} more."}]})
    else:
        body = [item_section(item, reply.kind, start + n + 1) for n, item in enumerate(items)]
    return head + body[: max(0, room)] + tail


def fallback_text(reply: Reply) -> str:
    """The plain text of a reply for notifications and screen readers; button labels
    would only be noise there."""
    return mrkdwn(replace(reply, buttons=[]).plain(), MAX_FALLBACK_TEXT)


def render_message(reply: Reply) -> dict[str, Any]:
    """``text`` (the notification and screen-reader fallback) and ``blocks`` of one message."""
    return {"text": fallback_text(reply), "blocks": reply_blocks(reply, MAX_MESSAGE_BLOCKS)}


def render_text_only(reply: Reply) -> dict[str, Any]:
    """The same message without blocks: the fallback when Slack refuses the blocks."""
    return {"text": fallback_text(reply)}


def render_view(replies: list[Reply]) -> dict[str, Any]:
    """An App Home view: the replies one after the other, with dividers between them."""
    blocks: list[dict[str, Any]] = []
    for number, reply in enumerate(replies):
        if blocks:
            blocks.append({"type": "divider"})
        room = MAX_VIEW_BLOCKS - len(blocks)
        if room <= 0:
            break
        blocks += reply_blocks(reply, room, start=number * 1000)
    return {"type": "home", "blocks": blocks[:MAX_VIEW_BLOCKS]}


def home_view(
    session: WorkSession | None,
    tasks: list[Task],
    today: dict[str, Any],
    zone: str,
    now: datetime,
    pet: Reply | None = None,
) -> dict[str, Any]:
    """The App Home: the running work session, the open tasks with Done buttons (the first
    HOME_TASKS of ``tasks``), today's numbers (StatsService.period) and the pet."""
    local = ZoneInfo(zone)
    if session:
        worked = hours_and_minutes((now - session.start_time).total_seconds() / 3600)
        work = Reply(
            f"Clocked in since {session.start_time.astimezone(local):%H:%M} ({worked}).",
            title="Avanochi",
            buttons=[Button("Clock out", {"command": "stop"}, "danger")],
            kind="session",
        )
    else:
        work = Reply(
            "Not clocked in.",
            title="Avanochi",
            buttons=[Button("Clock in", {"command": "start"}, "primary")],
            kind="session",
        )
    items = [
        ListItem(
            task.title + (" ❗" if task.priority == "high" else ""),
            detail=describe_due(task, zone),
            button=Button("Done", {"command": "done", "task_id": task.id}, "primary"),
        )
        for task in tasks[:HOME_TASKS]
    ]
    shown = (
        f"Here are the first {HOME_TASKS}: say 'tasks' in our DM for all."
        if len(tasks) > HOME_TASKS
        else f"{plural(len(items), 'open task')}."
    )
    open_tasks = Reply(
        shown if items else "Nothing open. Say 'add <title>' in our DM.",
        title="Open tasks",
        items=items,
        kind="tasks",
    )
    stats = Reply(
        f"Updated at {now.astimezone(local):%H:%M} ({zone}).",
        title="Today",
        kind="stats",
        facts=[
            Fact("Tasks done", str(today["tasks_completed"])),
            Fact("Hours worked", hours_and_minutes(today["hours"])),
            Fact("Focus", focus_count(today["focus_completed"], today["focus_sessions"])),
            Fact("Water", f"{today['water_ml']} ml"),
            Fact("Breaks", str(today["breaks"])),
        ],
    )
    return render_view([work, open_tasks, stats] + ([pet] if pet else []))


def payload_of(action: dict[str, Any]) -> dict[str, Any] | None:
    """The Button.payload a pressed button carried, or None when it is not one of ours."""
    try:
        payload = json.loads(action.get("value") or "")
    except (TypeError, ValueError):
        return None
    return payload if isinstance(payload, dict) else None
