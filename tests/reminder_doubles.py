"""A recording notifier for reminder tests: answers what the test scripts, records what was sent."""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.messages import Reply
from bot.reminders.engine import Delivery, Outcome
from domain.entities import ChannelAddress


class Crash(BaseException):
    """Stands for the process dying mid-send (not an Exception: nothing may catch it)."""


@dataclass
class RecordingNotifier:
    channel: str = "slack"
    min_interval: float = 0.0
    script: list[Outcome | BaseException] = field(default_factory=list)  # consumed first, then SENT
    sent: list[tuple[str, Reply]] = field(default_factory=list)
    attempts: int = 0

    async def deliver(self, address: ChannelAddress, replies: list[Reply]) -> Outcome:
        self.attempts += 1
        outcome = self.script.pop(0) if self.script else Outcome(Delivery.SENT)
        if isinstance(outcome, BaseException):
            raise outcome
        if outcome.status is Delivery.SENT:
            self.sent.extend((address.user_id, reply) for reply in replies)
        return outcome

    def texts(self) -> list[str]:
        return [reply.text for _, reply in self.sent]
