"""Teams as a channel of the turn pipeline: the placed replies rendered as activities and sent back
through the turn context of the request they answer; the user's name and time zone read from the
activity itself.

Teams wants a turn's replies while its request is open: posted to the Bot Connector before the
HTTP answer, or, with deliveryMode expectReplies, inside it (the Agents SDK buffers them). So the
adapter awaits each turn inside its request, and this channel sends through that request's turn
context. A Bot Connector that fails is noted on the route rather than only logged, so that the
request can answer 502 as before.
"""

from __future__ import annotations

from dataclasses import dataclass

from microsoft_agents.activity import Activity, ActivityTypes, TurnContextProtocol

from bot.adapters.teams.access import TEAMS_CHANNEL
from bot.adapters.teams.activities import channel_of, reply_activities
from bot.adapters.teams.connector import is_connector_failure
from bot.downloads import FileSource
from bot.messages import IncomingMessage
from bot.runtime.channel import ChannelBase, ChannelCapabilities, DirectAddress, Placed, Profile


@dataclass
class TeamsRoute:
    """Where the answers to one Teams activity go: its request's turn context."""

    context: TurnContextProtocol
    message: IncomingMessage  # as the activity said it (a file consent card carries its command)
    failure: Exception | None = None  # the Bot Connector call that failed, for the request's answer


class TeamsChannel(ChannelBase):
    name = TEAMS_CHANNEL
    # No ephemeral messages, and no private chat the bot can open from a group on its own: a
    # personal reply asked for in a group gets the pipeline's pointer to the 1:1 chat. Files go
    # through file consent, which Teams offers in the personal chat only (and the pipeline sends
    # files nowhere else). The name and time zone come with every activity.
    capabilities = ChannelCapabilities(files=True, typing=True, buttons=True, profiles=True)

    def __init__(self, files: FileSource) -> None:
        self.files = files

    async def send(self, route: TeamsRoute, replies: list[Placed], dm: DirectAddress) -> None:
        activities = reply_activities(
            [placed.reply for placed in replies], route.message, channel_of(route.context.activity)
        )
        try:
            await route.context.send_activities(activities)
        except Exception as error:
            if not is_connector_failure(error):
                raise
            route.failure = error

    async def typing(self, route: TeamsRoute) -> None:
        # A failure here is only logged by the pipeline: the replies are still worth trying.
        await route.context.send_activity(Activity(type=ActivityTypes.typing))

    async def profile(self, route: TeamsRoute) -> Profile | None:
        activity = route.context.activity
        sender = activity.from_property
        return Profile(sender.name if sender else None, activity.local_timezone, activity.locale)
