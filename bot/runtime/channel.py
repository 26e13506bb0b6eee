"""The contract between a chat platform's package and the turn pipeline: what a channel can do,
what it hands the pipeline for each thing a user does, and where each reply goes.

A channel only translates. It turns its platform's payload into an ``Arrival`` (a neutral
message, plus its own opaque ``route`` saying where answers go), and renders the ``Placed``
replies the pipeline gives back. Every policy (order, dedupe, privacy, downloads, greetings,
apologies) is the pipeline's, decided from the ``ChannelCapabilities`` declared here.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Protocol

from bot.messages import Attachment, IncomingMessage, Reply


@dataclass(frozen=True)
class ChannelCapabilities:
    # It can show a reply to the user alone inside a shared conversation, leaving no lasting
    # message (Slack's ephemeral messages). Without it, personal replies never go to a group.
    ephemeral: bool = False
    files: bool = False  # it can hand the user a file (the data export) in their private chat
    typing: bool = False  # it can show "Avanochi is typing" while a slow turn runs
    buttons: bool = False  # it shows Reply.buttons and sends a pressed one's payload back
    dm: bool = False  # it can reach the user's private chat with the bot from anywhere (opens a DM)
    # It can reach the user's private chat with the bot once it knows one (kept from an earlier
    # turn there), though it cannot open one itself (Teams, without the user's 1:1 chat yet).
    known_dm: bool = False
    profiles: bool = False  # it can tell the user's name and time zone (``Channel.profile``)


@dataclass(frozen=True)
class Profile:
    """What the platform knows about the user, for onboarding."""

    name: str | None = None
    timezone: str | None = None
    locale: str | None = None


@dataclass(frozen=True)
class Arrival:
    """One thing a user did on a channel, translated."""

    message: IncomingMessage
    route: Any = None  # the channel's own note of where the replies go; the pipeline never reads it
    # How to reach the user here later (reminders), when this is their private chat with the bot.
    address: Mapping[str, Any] | None = None
    # Replies stay here as messages. Slack's answers through a response_url do not (they are
    # ephemeral, and no file can go there): what must last goes to the user's DM instead.
    lasting: bool = True


class Where(Enum):
    HERE = "here"  # in the conversation the message came from, for everyone in it
    USER_ONLY = "user_only"  # here, seen by the user alone and not kept (needs ``ephemeral``)
    DM = "dm"  # in the user's private chat with the bot (needs ``dm``)


@dataclass(frozen=True)
class Placed:
    reply: Reply
    where: Where


# The user's private chat address on this channel (what ``Channel.open_dm`` returns), looked up
# only when a reply needs it: from the pipeline's memory, the store, or opened and stored once.
DirectAddress = Callable[[], Awaitable[Mapping[str, Any] | None]]


class Files(Protocol):
    """Where a channel's attachments are downloaded from (bot.downloads.FileSource)."""

    async def fetch(self, attachment: Attachment, limit: int) -> bytes: ...


class Channel(Protocol):
    name: str  # "slack", "msteams", "console": the IncomingMessage.channel and the address key
    capabilities: ChannelCapabilities

    @property
    def files(self) -> Files | None:
        """Where its attachments are fetched from; None: attachments are ignored."""

    async def send(self, route: Any, replies: list[Placed], dm: DirectAddress) -> None:
        """Render and deliver the replies; a reply that fails is logged, the rest still go."""

    async def profile(self, route: Any) -> Profile | None:
        """The user's name and time zone (called only with ``capabilities.profiles``)."""

    async def open_dm(self, route: Any) -> Mapping[str, Any] | None:
        """Open the user's private chat: its address (called only with ``capabilities.dm``)."""

    async def typing(self, route: Any) -> None:
        """Show that a reply is coming (called only with ``capabilities.typing``)."""


class ChannelBase:
    """Defaults for what a channel need not do: no profile, no DMs to open, no typing."""

    name = "channel"
    capabilities = ChannelCapabilities()
    files: Files | None = None

    async def send(self, route: Any, replies: list[Placed], dm: DirectAddress) -> None:
        raise NotImplementedError

    async def profile(self, route: Any) -> Profile | None:
        return None

    async def open_dm(self, route: Any) -> Mapping[str, Any] | None:
        return None

    async def typing(self, route: Any) -> None:
        return None
