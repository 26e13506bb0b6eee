"""Teams activities to and from the neutral messages: who sent an activity, what it says, the room
it was said in and who it mentions; the Teams activities for the replies (people they name as
Teams mentions), and the conversation references kept for reminders and for a room's posts.
Nothing here talks to the network."""

from __future__ import annotations

import json
import re
from typing import Any

from microsoft_agents.activity import (
    Activity,
    ActivityTypes,
    Attachment,
    ChannelAccount,
    ChannelId,
    ConversationReference,
)
from microsoft_agents.activity import Mention as TeamsMention
from pydantic import ValidationError

from bot.adapters.teams.access import TEAMS_CHANNEL as CHANNEL
from bot.adapters.teams.files import FILE_DOWNLOAD_INFO, file_attachment
from bot.adapters.teams.render import CARD_CONTENT_TYPE, render
from bot.downloads import FileSource
from bot.messages import Attachment as FileIn
from bot.messages import IncomingMessage, Mention, Reply

# Leading "<at ...>Name</at>" tags are read one at a time (see strip_leading_mentions), each
# pattern matched from one place: a lazy ".*?" inside a repeated group backtracks on crafted text.
MENTION_OPEN = re.compile(r"<at[^>]*>", re.IGNORECASE)
MENTION_CLOSE = re.compile(r"</at>", re.IGNORECASE)
SPACES = re.compile(r"\s*")
# Teams sends one mention entity per person mentioned; more than this many of the bot is not a message.
MENTIONS_MAX = 10
NOT_IN_A_NAME = re.compile(r"[<>*_`\[\]]")  # markup a name would bring into a reply's text
PEOPLE_MAX = 5  # other people a message mentions that the bot reads (a kudos names one)
# Teams copies every message as a text/html attachment; only real files matter here.
SKIPPED_ATTACHMENTS = ("text/html", CARD_CONTENT_TYPE, "application/vnd.microsoft.card.")
SHAREPOINT_HOSTS = (".sharepoint.com", ".sharepoint.us", ".sharepoint-mil.us", ".sharepoint.de", ".sharepoint.cn")
# The SDK puts a conversation id into the Bot Connector's URL path as it is: these would send
# the reply to another path (the Bot Framework's own SDKs escaped them; Teams ids never hold them).
NOT_IN_A_PATH = re.compile(r"[/\\?#\s]")


def channel_of(activity: Activity) -> str | None:
    """The activity's channel without a sub-channel (the SDK appends one from a productInfo entity)."""
    return ChannelId.get_channel(activity.channel_id)


def tenant_of(activity: Activity) -> str:
    """The tenant from channelData, else the conversation's."""
    tenant = _channel_data(activity, "tenant").get("id")
    return tenant or (activity.conversation.tenant_id if activity.conversation else None) or "local"


def teams_user_id(activity: Activity) -> str:
    """The user id: msteams:{tenant}:{aad object id} (the tenant from channelData, else the conversation;
    the sender's id when there is no AAD object id)."""
    sender = activity.from_property
    if sender is None:
        return member_user_id(tenant_of(activity), None, "unknown")
    return member_user_id(tenant_of(activity), sender.aad_object_id, sender.id)


def member_user_id(tenant: str, aad_object_id: str | None, teams_id: str) -> str:
    """A member's user id: by the AAD object id, else (no AAD id given) the Teams id."""
    return teams_user_key(tenant, aad_object_id or teams_id)


def teams_user_key(tenant: str, person: str) -> str:
    """One Teams person's user id; the tab's single sign-on names them with the same two ids
    (the token's tid and oid are the activity's tenant and from.aadObjectId)."""
    return f"msteams:{tenant}:{person}"


def room_id(activity: Activity) -> str:
    """The conversation, the same for every message in it. In a channel, conversation.id also
    names the reply chain a message is in (";messageid=..."): each thread would be a room of
    its own, and a room's weekly post would go into one old thread. channelData.channel.id is
    the channel itself; elsewhere (personal and group chats) conversation.id is the chat."""
    conversation = activity.conversation
    conversation_id = conversation.id if conversation else ""
    if conversation is not None and conversation.conversation_type == "channel":
        channel = _channel_data(activity, "channel").get("id")
        if isinstance(channel, str) and channel and not NOT_IN_A_PATH.search(channel):
            return channel
    return conversation_id.split(";messageid=", 1)[0]


def _channel_data(activity: Activity, key: str) -> dict[str, Any]:
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    value = channel_data.get(key)
    return value if isinstance(value, dict) else {}


def mentions_of(activity: Activity) -> tuple[Mention, ...]:
    """The people the text @mentions, the bot left out, each once, a few at most. Teams marks
    a mention with the person's Teams id; its AAD object id, when given, makes their user id
    (else the Teams id does, as for a sender: members.py asks the roster for the AAD id)."""
    bot_id = activity.recipient.id if activity.recipient else None
    tenant = tenant_of(activity)
    found: dict[str, Mention] = {}
    for entity in activity.entities or []:
        if not (isinstance(entity, TeamsMention) and entity.mentioned and isinstance(entity.text, str)):
            continue
        person = entity.mentioned
        if not person.id or person.id == bot_id or not entity.text or entity.text in found:
            continue
        shown = MENTION_OPEN.sub("", MENTION_CLOSE.sub("", entity.text))
        name = " ".join(NOT_IN_A_NAME.sub("", shown or person.name or "").split()) or "someone"
        found[entity.text] = Mention(
            member_user_id(tenant, person.aad_object_id, person.id), name, person.id, entity.text
        )
        if len(found) == PEOPLE_MAX:
            break
    return tuple(found.values())


def message_text(activity: Activity) -> str:
    """The words without the bot's @mention (Teams puts <at>Bot</at> in channel messages)."""
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    names: dict[str, None] = {}  # in the order Teams listed them, once each
    for entity in activity.entities or []:
        if (
            isinstance(entity, TeamsMention)
            and entity.mentioned
            and entity.mentioned.id == bot_id
            and isinstance(entity.text, str)
            and entity.text
        ):
            names[entity.text] = None
    for name in list(names)[:MENTIONS_MAX]:  # each is a pass over the text: a few at most
        text = text.replace(name, " ")
    text = strip_leading_mentions(text)  # when Teams sent no mention entity
    return " ".join(text.replace("&nbsp;", " ").split())


def strip_leading_mentions(text: str) -> str:
    """The text after any "<at>Name</at>" tags it starts with. Each tag is found by a search
    that starts where the last one ended, so the work is one pass over the text."""
    position = SPACES.match(text).end()  # type: ignore[union-attr]
    while (opening := MENTION_OPEN.match(text, position)) and (closing := MENTION_CLOSE.search(text, opening.end())):
        position = SPACES.match(text, closing.end()).end()  # type: ignore[union-attr]
    return text[position:]


def incoming_message(activity: Activity) -> IncomingMessage:
    """What the user said or pressed. Their name and time zone are the channel's profile
    (bot/adapters/teams/channel.py), read by the pipeline while it gets to know them."""
    conversation = activity.conversation
    kind = conversation.conversation_type if conversation else None
    # The Emulator sends no conversationType: a conversation that isn't a group is personal.
    private = kind == "personal" if kind else not (conversation and conversation.is_group)
    user_id = teams_user_id(activity)
    room = room_id(activity)
    return IncomingMessage(
        user_id=user_id,
        channel=CHANNEL,
        conversation_id=room,
        text=message_text(activity),
        action=activity.value if isinstance(activity.value, dict) and activity.value else None,
        delivery_id=activity.id,
        locale_hint=activity.locale,  # on every activity: Teams follows the client's language
        attachments=tuple(_attachments(activity)),
        private=bool(private),
        room=None if private else room_reference(activity, user_id, room),
        mentions=() if private else mentions_of(activity),
    )


def teams_files(*, emulator: bool) -> FileSource:
    """Where files sent in a Teams personal chat live: the downloadUrl Teams hands over is a
    short-lived pre-authenticated link on the tenant's SharePoint / OneDrive for Business host
    (sovereign clouds included), so no token is sent. The Emulator serves files locally."""
    return FileSource(https_host_suffixes=SHAREPOINT_HOSTS, loopback=emulator)


def _attachments(activity: Activity):
    for item in activity.attachments or []:
        content_type = item.content_type or ""
        if content_type.startswith(SKIPPED_ATTACHMENTS):
            continue
        if content_type == FILE_DOWNLOAD_INFO and isinstance(item.content, dict):
            yield FileIn(
                url=item.content.get("downloadUrl") or item.content_url or "",
                content_type=item.content.get("fileType"),
                name=item.name,
            )
        elif item.content_url:
            yield FileIn(url=item.content_url, content_type=content_type or None, name=item.name)


def conversation_reference(activity: Activity, user_id: str) -> dict[str, Any]:
    """Where reminders reach the user: the activity's conversation reference, in the shape the
    Bot Framework SDK stored, so that addresses stored before and after the move read the same."""
    data = activity.get_conversation_reference().model_dump(mode="json", by_alias=True, exclude_none=True)
    data.pop("activityId", None)  # proactive messages start a new message, not a reply
    if activity.channel_id:
        data["channelId"] = channel_of(activity)
    tenant = user_id.split(":")[1]
    if tenant != "local" and isinstance(data.get("conversation"), dict):
        data["conversation"]["tenantId"] = tenant  # channelData's tenant, when the conversation has none
    return data


def room_reference(activity: Activity, user_id: str, room: str) -> dict[str, Any]:
    """Where to post in a shared conversation later (the weekly team pulse): its conversation
    reference, to the room itself (a new post, not a reply in a thread), addressed to no one."""
    data = conversation_reference(activity, user_id)
    data.pop("user", None)
    if isinstance(data.get("conversation"), dict):
        data["conversation"]["id"] = room
    return data


def reply_activities(replies: list[Reply], message: IncomingMessage, channel_id: str | None) -> list[Activity]:
    """The Teams activities for replies already placed (the pipeline keeps personal ones out of groups)."""
    return [_activity(reply, message, channel_id) for reply in replies]


def _activity(reply: Reply, message: IncomingMessage, channel_id: str | None) -> Activity:
    rendered = render(reply)
    attachments = (
        [Attachment(content_type=CARD_CONTENT_TYPE, content=rendered.card)] if rendered.card is not None else []
    )
    text = rendered.text
    if reply.file:
        attachment = file_attachment(reply.file, message, channel_id)
        if attachment is None:
            text = (text or "") + "\n\nI can only send files in our 1:1 chat."
        else:
            attachments.append(attachment)
    fields: dict[str, Any] = {"type": ActivityTypes.message}
    if text:  # the SDK's models take no None for the fields they declare non-empty strings
        fields.update(text=text, text_format="markdown")
        if rendered.mentions:
            fields["entities"] = [
                TeamsMention(mentioned=ChannelAccount(id=handle, name=name), text=tag)
                for handle, name, tag in rendered.mentions
            ]
    if attachments:
        fields["attachments"] = attachments
    return Activity(**fields)


def stored_reference(data: dict[str, Any]) -> ConversationReference:
    """A stored conversation reference as the SDK reads it. References stored by the Bot
    Framework SDK have the same camelCase shape; what it allowed and the Agents SDK refuses is
    mapped: empty strings (the SDK's ids and locale must be non-empty), its "tenantID" spelling.
    The activity id is dropped: a reminder starts a new message, it is no reply. Raises
    ValueError (pydantic's ValidationError) for a reference without a conversation."""
    if not isinstance(data, dict):
        raise ValueError("a conversation reference is a JSON object")
    data = {key: value for key, value in data.items() if value not in ("", None) and key != "activityId"}
    for part in ("conversation", "user", "bot"):
        if isinstance(data.get(part), dict):
            data[part] = {key: value for key, value in data[part].items() if value not in ("", None)}
    conversation = data.get("conversation")
    if isinstance(conversation, dict) and "tenantID" in conversation:
        conversation.setdefault("tenantId", conversation.pop("tenantID"))
    return ConversationReference.model_validate(data)


class BadActivity(ValueError):
    """A request body that is not a Bot Framework activity the bot can act on (a 400)."""


def parse_activity(text: str) -> tuple[Activity, str | None]:
    """The activity in a request body, and its channelId as sent (what the channel's signing key
    must endorse); raises BadActivity."""
    try:
        body = json.loads(text)
    except Exception:  # bad JSON, bad UTF-8, nesting too deep
        raise BadActivity("Expected a Bot Framework activity (JSON)") from None
    try:
        # Lone surrogates ("\ud800") parse but can be neither stored nor sent on: refused here,
        # wherever they are, rather than failing halfway through a turn.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        raise BadActivity("The activity is not valid Unicode text") from None
    if not isinstance(body, dict) or not isinstance(body.get("type"), str) or not body["type"]:
        raise BadActivity("Expected a Bot Framework activity (JSON)")
    sender, conversation = body.get("from"), body.get("conversation")
    if not (
        isinstance(sender, dict)
        and sender.get("id")
        and isinstance(conversation, dict)
        and conversation.get("id")
        and body.get("serviceUrl")
        and isinstance(body.get("recipient"), dict)
    ):
        raise BadActivity("A Bot Framework activity needs from, recipient, conversation (with its id) and serviceUrl")
    if body.get("channelData") is not None and not isinstance(body["channelData"], dict):
        raise BadActivity("channelData must be a JSON object")
    if not isinstance(conversation["id"], str) or NOT_IN_A_PATH.search(conversation["id"]):
        raise BadActivity("conversation.id is not a Bot Framework conversation id")
    try:
        activity = Activity.model_validate(body)
    except (ValidationError, ValueError, TypeError):  # a field of a shape the SDK's models refuse
        raise BadActivity("Expected a Bot Framework activity (JSON)") from None
    channel = body.get("channelId")
    return activity, channel if isinstance(channel, str) else None
