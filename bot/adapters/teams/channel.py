"""Teams as a channel of the turn pipeline: the placed replies rendered as activities and sent back
through the turn context of the request they answer; the user's name and time zone read from the
activity itself.

Teams wants a turn's replies while its request is open: posted to the Bot Connector before the
HTTP answer, or, with deliveryMode expectReplies, inside it (the Agents SDK buffers them). So the
adapter awaits each turn inside its request, and this channel sends through that request's turn
context. A Bot Connector that fails is noted on the route rather than only logged, so that the
request can answer 502 as before. A personal reply asked for in a group goes to the user's 1:1
chat the way a reminder does, through its stored conversation reference.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from microsoft_agents.activity import Activity, ActivityTypes, TurnContextProtocol

from bot.adapters.teams.access import TEAMS_CHANNEL, Refused
from bot.adapters.teams.activities import channel_of, reply_activities
from bot.adapters.teams.connector import is_connector_failure
from bot.downloads import FileSource
from bot.messages import IncomingMessage, Reply
from bot.runtime.channel import ChannelBase, ChannelCapabilities, DirectAddress, Placed, Profile, Where

log = logging.getLogger("avanochi.teams")


@dataclass
class TeamsRoute:
    """Where the answers to one Teams activity go: its request's turn context."""

    context: TurnContextProtocol
    message: IncomingMessage  # as the activity said it (a file consent card carries its command)
    failure: Exception | None = None  # the Bot Connector call that failed, for the request's answer


# Sends replies to a stored conversation reference (TeamsEndpoint.send_proactive): False when
# the conversation is gone.
Proactive = Callable[[dict[str, Any], list[Reply]], Awaitable[bool]]


class TeamsChannel(ChannelBase):
    name = TEAMS_CHANNEL
    # No ephemeral messages, and no private chat the bot opens from a group on its own: a personal
    # reply asked for in a group goes to the user's 1:1 chat when they have one with the bot (its
    # reference is kept for reminders), else the pipeline puts the words the reply allows in a
    # group, or its pointer to the 1:1 chat. Files go through file consent, which Teams offers
    # in the personal chat only (and the pipeline sends files nowhere else). The name and time
    # zone come with every activity.
    capabilities = ChannelCapabilities(files=True, typing=True, buttons=True, profiles=True, known_dm=True)

    def __init__(self, files: FileSource, proactive: Proactive) -> None:
        self.files = files
        self._proactive = proactive

    async def send(self, route: TeamsRoute, replies: list[Placed], dm: DirectAddress) -> None:
        private = [placed.reply for placed in replies if placed.where is Where.DM]
        if private:
            await self._send_to_dm(private, dm)
        here = [placed.reply for placed in replies if placed.where is not Where.DM]
        if not here:
            return
        activities = reply_activities(here, route.message, channel_of(route.context.activity))
        try:
            await route.context.send_activities(activities)
        except Exception as error:
            if not is_connector_failure(error):
                raise
            route.failure = error

    async def _send_to_dm(self, replies: list[Reply], dm: DirectAddress) -> None:
        """To the user's 1:1 chat, as a reminder goes. A failure loses these replies only: the
        group's answer still goes, and this request is not retried for them."""
        try:
            address = await dm()
            if address is None or not await self._proactive(dict(address), replies):
                log.warning("private replies not delivered: no 1:1 chat with the user")
        except Exception as error:
            if not (is_connector_failure(error) or isinstance(error, Refused)):
                raise
            log.warning("private replies not delivered", extra={"reason": type(error).__name__})

    async def typing(self, route: TeamsRoute) -> None:
        # A failure here is only logged by the pipeline: the replies are still worth trying.
        await route.context.send_activity(Activity(type=ActivityTypes.typing))

    async def profile(self, route: TeamsRoute) -> Profile | None:
        activity = route.context.activity
        sender = activity.from_property
        return Profile(sender.name if sender else None, activity.local_timezone, activity.locale)
