"""Who a Teams @mention names, as our user id. Teams marks a mention with the person's Teams id
(29:...) and often no AAD object id, while a Teams user id is by AAD object id (the sender's
activity carries it): the conversation's roster on the Bot Connector says which, one call per
person mentioned, a few at most, and only for mentions in shared conversations."""

from __future__ import annotations

import logging
from dataclasses import replace

from microsoft_agents.activity import TurnContextProtocol
from microsoft_agents.hosting.core.connector.teams import TeamsConnectorClient

from bot.adapters.teams.activities import member_user_id
from bot.messages import IncomingMessage, Mention

log = logging.getLogger("avanochi.teams")
LOOKUPS_MAX = 3  # roster calls one message may cost
# Where the SDK's adapter leaves the turn's Bot Connector client (what the protocol exposes).
CONNECTOR_CLIENT = "ConnectorClient"


async def with_members(turn_context: TurnContextProtocol, message: IncomingMessage) -> IncomingMessage:
    """The message with each mention known by its AAD object id where the roster gives it. A
    mention the roster does not answer for keeps its Teams-id user id: no one's consent was
    given under that id, so nothing is posted for them."""
    tenant = message.user_id.split(":")[1]
    unknown = [m for m in message.mentions if m.user_id == member_user_id(tenant, None, m.handle)]
    if not unknown:
        return message
    client = turn_context.turn_state.get(CONNECTOR_CLIENT)
    if not isinstance(client, TeamsConnectorClient):
        return message
    found: dict[str, Mention] = {}
    for mention in unknown[:LOOKUPS_MAX]:
        try:
            member = await client.get_conversation_member(message.conversation_id, mention.handle)
        except Exception as error:  # not a member, or the connector failed: left as it was
            log.warning("Teams member not looked up", extra={"reason": type(error).__name__})
            continue
        if member.aad_object_id:
            found[mention.handle] = replace(mention, user_id=member_user_id(tenant, member.aad_object_id, member.id))
    return replace(message, mentions=tuple(found.get(m.handle, m) for m in message.mentions))
