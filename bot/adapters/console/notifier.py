"""Reminders in the terminal: the reminder engine's nudges (a focus session's end among them)
printed while the chat runs, above the line being typed."""

from __future__ import annotations

from bot.adapters.console.channel import ConsoleChannel
from bot.messages import Reply
from bot.reminders.engine import Delivery, Outcome
from domain.entities import ChannelAddress


class ConsoleNotifier:
    channel = "console"
    min_interval = 0.0  # a terminal has no rate limit

    def __init__(self, console: ConsoleChannel) -> None:
        self._console = console

    async def deliver(self, address: ChannelAddress, replies: list[Reply]) -> Outcome:
        # The engine runs inside the chat it delivers to: that terminal is the address.
        self._console.show(replies)
        return Outcome(Delivery.SENT)
