"""The weekly team pulse, posted in each team's channel by the reminder engine's pass: a team
document due now is claimed once (an ETag write moving it a week on), then posted."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from bot.dialogs.team import pulse_reply
from domain.entities import ChannelAddress
from domain.errors import DomainError
from domain.services import Services

log = logging.getLogger("avanochi.reminders")

# Pulses are weekly: looking for due teams every quarter of an hour is prompt enough, and keeps
# the engine's frequent idle passes at their one query.
LOOK_EVERY = timedelta(minutes=15)


class TeamPosts:
    def __init__(self, services: Services, notifiers: Mapping[str, Any]) -> None:
        self._services = services
        self._notifiers = notifiers  # the engine's, by channel name
        self._next_look: datetime | None = None

    async def run(self, now: datetime) -> int:
        """Post every pulse due at ``now`` on the channels this instance serves; how many went."""
        if self._next_look is not None and now < self._next_look:
            return 0
        self._next_look = now + LOOK_EVERY
        teams = self._services.teams
        posted = 0
        for team in await teams.due(now):
            notifier = self._notifiers.get(team.platform)
            if notifier is None or not await teams.claim(team, now):
                continue  # another instance serves that platform, or got here first
            try:
                reply = pulse_reply(await teams.pulse(team.id, now))
                # The channel's address stands where a user's would: the notifier posts there.
                address = ChannelAddress(team.id, team.platform, team.address, now)
                outcome = await notifier.deliver(address, [reply])
            except DomainError as error:
                log.warning("team pulse failed", extra={"error": str(error)})
                continue
            except Exception:  # one team's trouble must not stop the others; next week tries again
                log.exception("team pulse failed")
                continue
            posted += outcome.status.value == "sent"
        return posted
