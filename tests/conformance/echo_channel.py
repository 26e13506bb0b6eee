"""A fourth chat channel, for tests only: conversations kept in memory. It is registered the way
a real one is (``build_app(..., channels=[register])``), implements only the translation, and
passes the same conformance suite as Slack and the console: everything else is the pipeline's.

Like Teams it has no ephemeral messages and cannot open a DM; it shows typing, buttons and
files, knows its users' names and time zones, and fetches attachments from this machine.
"""

from __future__ import annotations

from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from bot.downloads import FileSource
from bot.messages import Attachment, IncomingMessage, Reply
from bot.reminders.engine import Delivery, Outcome
from bot.runtime import Arrival, ChannelBase, ChannelCapabilities, Placed, Profile, TurnPipeline
from bot.runtime.channel import DirectAddress


@dataclass
class Shown:
    conversation: str  # "dm:<user>" is the user's private chat with the bot
    reply: Reply
    typing: bool = False


@dataclass
class EchoChannel(ChannelBase):
    pipeline: TurnPipeline
    profiles: dict[str, Profile] = field(default_factory=dict)
    shown: list[Shown] = field(default_factory=list)
    name = "echo"
    capabilities = ChannelCapabilities(files=True, typing=True, buttons=True, profiles=True)
    files = FileSource(loopback=True)  # the tests serve attachments on 127.0.0.1

    def post(
        self,
        user: str,
        text: str = "",
        *,
        conversation: str | None = None,
        action: dict | None = None,
        delivery_id: str | None = None,
        attachments: tuple[Attachment, ...] = (),
    ) -> Awaitable[None]:
        """A user writes (or presses a button) in their private chat, or in a shared ``conversation``."""
        here = conversation or f"dm:{user}"
        message = IncomingMessage(
            f"echo:{user}",
            self.name,
            here,
            text,
            action,
            delivery_id=delivery_id,
            attachments=attachments,
            private=conversation is None,
        )
        address = {"conversation": here} if conversation is None else None
        return self.pipeline.turn(self, Arrival(message, (here, user), address=address))

    def install(self, user: str) -> Awaitable[None]:
        message = IncomingMessage(f"echo:{user}", self.name, f"dm:{user}")
        return self.pipeline.greet(self, Arrival(message, (f"dm:{user}", user), address={"conversation": f"dm:{user}"}))

    # The route is (conversation, user): where replies go, and who asked.
    async def send(self, route: Any, replies: list[Placed], dm: DirectAddress) -> None:
        self.shown += [Shown(route[0], placed.reply) for placed in replies]

    async def profile(self, route: Any) -> Profile | None:
        return self.profiles.get(route[1])

    async def typing(self, route: Any) -> None:
        self.shown.append(Shown(route[0], Reply(""), typing=True))


class EchoNotifier:
    channel = "echo"
    min_interval = 0.0

    def __init__(self, echo: EchoChannel) -> None:
        self._echo = echo

    async def deliver(self, address, replies: list[Reply]) -> Outcome:
        self._echo.shown += [Shown(address.data["conversation"], reply) for reply in replies]
        return Outcome(Delivery.SENT)


ECHO = web.AppKey("echo_channel", EchoChannel)


def register(app: web.Application, container) -> EchoNotifier:
    app[ECHO] = echo = EchoChannel(container.pipeline)
    return EchoNotifier(echo)
