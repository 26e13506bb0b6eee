"""The neutral messages that cross the line between channel adapters and dialogs.

An adapter turns a platform payload into an ``IncomingMessage`` and sends back the
``Reply`` objects a dialog returns, through its renderer. Nothing here knows Slack
or Teams, so a flow written once works in both, in the console and in tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Attachment:
    """A file the user sent (a voice note, say): where to fetch it and what it claims to be."""

    url: str
    content_type: str | None = None
    name: str | None = None
    size: int | None = None


@dataclass(frozen=True)
class Mention:
    """Someone named the platform's own way (a Teams @mention): who it is, the name shown, and
    the platform's handle to name them back with. In an ``IncomingMessage``, ``text`` is the
    mention as it stands in the message's text; in a ``Reply``, the reply's text names them as
    "@" + ``name`` and the renderer turns that into the platform's mention."""

    user_id: str  # our id for them (slack:..., msteams:{tenant}:{aad object id})
    name: str
    handle: str  # the platform's id to mention them with (Teams' mentioned.id)
    text: str = ""

    @property
    def label(self) -> str:
        return "@" + self.name


@dataclass(frozen=True)
class IncomingMessage:
    user_id: str  # slack:{team}:{user} or msteams:{tenant}:{aad object id}
    channel: str  # "slack", "msteams", "console"
    conversation_id: str
    text: str = ""
    # A button press: the payload the bot put on the button (see Button.payload).
    action: dict[str, Any] | None = None
    user_name: str | None = None
    # The platform's idea of the user's time zone (Slack users.info tz, Teams localTimezone).
    timezone_hint: str | None = None
    # The platform's language tag (Slack users.info locale, Teams activity locale): date order.
    locale_hint: str | None = None
    delivery_id: str | None = None
    attachments: tuple[Attachment, ...] = ()
    # False in a shared channel or group chat: personal things (tokens) must not go there.
    private: bool = True
    # An emoji reaction to one of the bot's messages (``text`` is the emoji), not typed words.
    reaction: bool = False
    # How to post in this shared conversation later (a team channel's weekly pulse), in the
    # form the channel's notifier reads; None in a private chat or where the bot cannot post.
    room: dict[str, Any] | None = None
    # People the text mentions the platform's way (not the bot), when the platform marks them.
    mentions: tuple[Mention, ...] = ()


@dataclass(frozen=True)
class Button:
    label: str
    payload: dict[str, Any]  # comes back as IncomingMessage.action when pressed
    style: str | None = None  # "primary" | "danger" | None


@dataclass(frozen=True)
class Fact:
    label: str
    value: str


@dataclass(frozen=True)
class ListItem:
    """One line of a list (a task), optionally with its own button."""

    text: str
    detail: str | None = None
    button: Button | None = None
    done: bool = False


@dataclass(frozen=True)
class FileOut:
    """A file for the user to download (their data export)."""

    name: str
    content: bytes
    content_type: str = "application/json"


@dataclass(frozen=True)
class Image:
    png: bytes
    alt: str


@dataclass
class Reply:
    text: str
    title: str | None = None
    facts: list[Fact] = field(default_factory=list)
    items: list[ListItem] = field(default_factory=list)
    buttons: list[Button] = field(default_factory=list)
    image: Image | None = None
    file: FileOut | None = None
    # What the reply shows, so renderers may lay it out differently: "text",
    # "tasks", "session", "focus", "stats", "confirm", "error", "help", "welcome".
    kind: str = "text"
    # Only the user may see it (a token): Slack sends it ephemeral or in the DM.
    private: bool = False
    # It must not stay in the conversation's history where the platform can avoid that (a
    # secret): Slack shows it ephemeral even in the DM. Platforms without such messages
    # (Teams) send it as usual, so it goes with ``private`` (personal chats only).
    ephemeral: bool = False
    # People the text names as "@" + name, rendered as the platform's mention where it has one.
    mentions: list[Mention] = field(default_factory=list)
    # Words that may stand for this private reply in a shared conversation, where the channel
    # can reach the user neither alone nor in their 1:1 chat (they name no one else and say
    # nothing the user did not say there themselves); None: a pointer to the 1:1 chat instead.
    in_group: str | None = None

    def plain(self) -> str:
        """The reply as plain text: the console, notifications, logs of tests."""
        lines = [f"*{self.title}*"] if self.title else []
        lines.append(self.text)
        lines += [f"{fact.label}: {fact.value}" for fact in self.facts]
        lines += [
            ("✓ " if item.done else "• ") + item.text + (f" ({item.detail})" if item.detail else "")
            for item in self.items
        ]
        if self.buttons:
            lines.append(" ".join(f"[{button.label}]" for button in self.buttons))
        return "\n".join(line for line in lines if line)
