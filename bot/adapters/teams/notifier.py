"""Proactive Teams messages for the reminder engine, through the stored conversation reference,
with the Bot Connector's answers read as the Teams guidance asks: 429 waits for Retry-After, 412
and 5xx are retried with backoff, 403/404 (bot blocked or uninstalled) pause the user's reminders."""

from __future__ import annotations

import logging
from typing import Protocol

import aiohttp

from bot.adapters.teams.access import TEAMS_CHANNEL as CHANNEL
from bot.adapters.teams.access import Refused, TeamsMode
from bot.adapters.teams.connector import is_connector_failure
from bot.messages import Reply
from bot.reminders.engine import Delivery, Outcome

log = logging.getLogger("avanochi.teams")


class ProactiveSender(Protocol):
    mode: TeamsMode

    async def send_proactive(self, address: dict, replies: list[Reply]) -> bool: ...


class TeamsNotifier:
    """Delivers reminders to a user's stored Teams conversation."""

    channel = CHANNEL
    min_interval = 1 / 7  # Teams allows 7 messages per second per conversation

    def __init__(self, endpoint: ProactiveSender) -> None:
        self._endpoint = endpoint

    async def deliver(self, address, replies: list[Reply]) -> Outcome:
        try:
            reached = await self._endpoint.send_proactive(address.data, replies)
        except Refused:
            # Stored by another mode (an Emulator conversation, say), or unreadable: not for this one.
            log.warning("stored Teams address not used in this mode", extra={"mode": self._endpoint.mode.value})
            return Outcome(Delivery.NOWHERE)
        except aiohttp.ClientResponseError as error:
            # 429, 412, 502, 504 (and other 5xx): try again; with no Retry-After the engine backs
            # off exponentially with jitter.
            after = error.headers.get("Retry-After") if error.headers is not None and error.status == 429 else None
            log.warning("teams delivery failed", extra={"status": error.status})
            return Outcome(Delivery.RETRY, retry_after=float(after) if after and after.isdigit() else None)
        except Exception as error:
            if not is_connector_failure(error):
                raise
            # No connection, a timeout, no token, an answer that was no Bot Connector's: later.
            log.warning("teams delivery failed", extra={"reason": type(error).__name__})
            return Outcome(Delivery.RETRY)
        return Outcome(Delivery.SENT if reached else Delivery.UNREACHABLE)
