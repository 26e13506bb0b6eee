"""Proactive Slack messages for the reminder engine: conversations.open + chat.postMessage.

Rate limits are not retried here: a 429 goes back to the engine with its Retry-After, and
the engine keeps the nudge in the outbox until then instead of blocking a worker.
"""

from __future__ import annotations

import logging

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import AsyncConnectionErrorRetryHandler

from bot.adapters.slack.render import render_message
from bot.adapters.slack.workspaces import NotInstalled, SlackClients
from bot.messages import Reply
from bot.reminders.engine import Delivery, Outcome
from domain.entities import ChannelAddress
from persistence.slack_installations import SlackInstallations

log = logging.getLogger("avanochi.slack")

# Slack's answers that mean the bot cannot reach this user any more (uninstalled,
# deactivated, or removed from the conversation): retrying would never succeed.
UNREACHABLE = frozenset(
    {
        "account_inactive",
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "invalid_auth",
        "token_revoked",
        "missing_scope",
    }
)


class SlackNotifier:
    channel = "slack"
    min_interval = 1.0  # Slack allows about one message per second per channel

    def __init__(self, token: str | None, api_url: str, installations: SlackInstallations | None = None) -> None:
        self._clients = SlackClients(
            api_url, [AsyncConnectionErrorRetryHandler()], token=token, installations=installations
        )

    async def deliver(self, address: ChannelAddress, replies: list[Reply]) -> Outcome:
        try:
            client = await self._clients.client(str(address.data.get("team_id", "")))
            channel = address.data.get("channel")
            if not channel:
                opened = await client.conversations_open(users=address.data["user"])
                channel = opened["channel"]["id"]
            for reply in replies:
                await client.chat_postMessage(channel=channel, **render_message(reply))
        except NotInstalled:  # the workspace uninstalled the app: its nudges cannot go out
            log.info("slack user unreachable", extra={"reason": "not_installed"})
            return Outcome(Delivery.UNREACHABLE)
        except SlackApiError as error:
            response = error.response
            code = response.get("error", "") if response is not None else ""
            if response is not None and response.status_code == 429:
                retry_after = float(response.headers.get("Retry-After", response.headers.get("retry-after", 1)))
                return Outcome(Delivery.RETRY, retry_after=retry_after)
            if code in UNREACHABLE:
                log.info("slack user unreachable", extra={"reason": code})
                return Outcome(Delivery.UNREACHABLE)
            log.warning("slack delivery failed", extra={"reason": code or response.status_code})
            return Outcome(Delivery.RETRY)
        return Outcome(Delivery.SENT)
