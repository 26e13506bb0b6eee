"""Renders a neutral Reply for Microsoft Teams: an Adaptive Card 1.5, or markdown text when plain words do.

Teams renders Adaptive Cards up to 1.5, and every card here must validate against the official
1.5 schema (tests check each kind of reply the dialogs produce). Nothing here imports the Agents SDK:
the Teams adapter wraps the card in an attachment.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from typing import Any

from bot.messages import Button, ListItem, Reply

CARD_VERSION = "1.5"
CARD_SCHEMA = "http://adaptivecards.io/schemas/adaptive-card.json"
CARD_CONTENT_TYPE = "application/vnd.microsoft.card.adaptive"

# Dialogs write Slack-style emphasis (*bold*); in Teams markdown a single star is italics.
SINGLE_STAR = re.compile(r"(?<![*\w])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![*\w])")
CODE_SPAN = re.compile(r"`([^`\n]+)`")
ONLY_CODE = re.compile(r"^\s*`([^`\n]+)`\s*$")
BUTTON_STYLES = {"primary": "positive", "danger": "destructive"}


@dataclass(frozen=True)
class TeamsMessage:
    """What one Reply becomes in Teams: markdown text, an Adaptive Card, or both (text above the card)."""

    text: str | None = None
    card: dict[str, Any] | None = None
    # The people the text mentions: (Teams id, name, "<at>name</at>" as it stands in the text).
    mentions: tuple[tuple[str, str, str], ...] = ()


def render(reply: Reply) -> TeamsMessage:
    """A card when the reply has structure (title, facts, list, buttons, image); plain markdown otherwise.
    The people a plain reply names ("@" + name) become Teams mentions (a card names them in words)."""
    if needs_card(reply):
        return TeamsMessage(card=to_card(reply))
    text = to_markdown(reply.text)
    mentions = []
    for mention in reply.mentions:
        tag = f"<at>{mention.name}</at>"
        if mention.label in text and tag not in text:
            text = text.replace(mention.label, tag, 1)  # Teams wants the tag and its entity to match
            mentions.append((mention.handle, mention.name, tag))
    return TeamsMessage(text=text, mentions=tuple(mentions))


def needs_card(reply: Reply) -> bool:
    return bool(reply.title or reply.facts or reply.items or reply.buttons or reply.image)


def to_markdown(text: str) -> str:
    """Teams message markdown: **bold**, and a blank line between lines, since Teams joins single
    newlines into one paragraph."""
    converted = SINGLE_STAR.sub(r"**\1**", text or "")
    return "\n\n".join(line for line in converted.split("\n") if line.strip()) or " "


def to_card(reply: Reply) -> dict[str, Any]:
    body: list[dict[str, Any]] = []
    if reply.title:
        body.append(
            {
                "type": "TextBlock",
                "text": _card_text(reply.title),
                "weight": "Bolder",
                "size": "Medium",
                "style": "heading",
                "wrap": True,
            }
        )
    body += _text_blocks(reply.text)
    if reply.facts:
        body.append(
            {
                "type": "FactSet",
                "facts": [{"title": fact.label, "value": _card_text(fact.value)} for fact in reply.facts],
            }
        )
    if reply.items:
        body.append(
            {
                "type": "Container",
                "separator": True,
                "spacing": "Medium",
                "items": [_list_item(item) for item in reply.items],
            }
        )
    if reply.image:
        encoded = base64.b64encode(reply.image.png).decode("ascii")
        body.append(
            {"type": "Image", "url": f"data:image/png;base64,{encoded}", "altText": reply.image.alt, "size": "Stretch"}
        )
    card: dict[str, Any] = {
        "type": "AdaptiveCard",
        "$schema": CARD_SCHEMA,
        "version": CARD_VERSION,
        "body": body,
        # Shown by clients that can't render the card, and used for notifications.
        "fallbackText": reply.plain(),
    }
    if reply.buttons:
        card["actions"] = [submit_action(button) for button in reply.buttons]
    return card


def submit_action(button: Button) -> dict[str, Any]:
    """An Action.Submit whose data is the button payload: Teams posts it back as activity.value."""
    action: dict[str, Any] = {"type": "Action.Submit", "title": button.label, "data": dict(button.payload)}
    style = BUTTON_STYLES.get(button.style or "")
    if style:
        action["style"] = style
    return action


def _list_item(item: ListItem) -> dict[str, Any]:
    texts: list[dict[str, Any]] = [
        {
            "type": "TextBlock",
            "text": ("✓ " if item.done else "") + _card_text(item.text),
            "wrap": True,
            "isSubtle": item.done,
        }
    ]
    if item.detail:
        texts.append(
            {
                "type": "TextBlock",
                "text": _card_text(item.detail),
                "wrap": True,
                "isSubtle": True,
                "size": "Small",
                "spacing": "None",
            }
        )
    columns: list[dict[str, Any]] = [
        {"type": "Column", "width": "stretch", "verticalContentAlignment": "Center", "items": texts}
    ]
    if item.button:
        columns.append(
            {
                "type": "Column",
                "width": "auto",
                "verticalContentAlignment": "Center",
                "items": [{"type": "ActionSet", "actions": [submit_action(item.button)]}],
            }
        )
    return {"type": "ColumnSet", "spacing": "Small", "columns": columns}


def _text_blocks(text: str) -> list[dict[str, Any]]:
    """One TextBlock per line, so help lists keep their shape. A line that is only a code span
    (a token, say) goes in monospace without the backticks, easy to copy."""
    blocks: list[dict[str, Any]] = []
    for line in (text or "").split("\n"):
        if not line.strip():
            continue
        code = ONLY_CODE.match(line)
        block: dict[str, Any] = {"type": "TextBlock", "wrap": True}
        if code:
            block.update(text=code.group(1), fontType="Monospace")
        else:
            block["text"] = _card_text(line)
        if blocks:
            block["spacing"] = "Small"
        blocks.append(block)
    return blocks


def _card_text(text: str) -> str:
    # Adaptive Card markdown has bold and italics but no inline code: keep the words, drop the ticks.
    return CODE_SPAN.sub(r"\1", SINGLE_STAR.sub(r"**\1**", text)) or " "
