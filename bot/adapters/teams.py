"""Microsoft Teams through the Bot Framework (botbuilder CloudAdapter) at POST /api/messages.

The only module that imports botbuilder/botframework (the SDK is out of support: moving to the
Microsoft 365 Agents SDK must stay a one-module change). It only translates: a Teams activity
becomes a neutral IncomingMessage, the dialogs' Replies become Teams activities through
bot/render/adaptive_card.py.

With MicrosoftAppId set, only requests with a valid Bot Framework JWT are served (anything else
is a 401 JSON answer); without it the endpoint runs unauthenticated for the Bot Framework Emulator.

Files (the data export): bots can push files in Teams only through the file consent flow, and
only in personal chat. The bot sends a FileConsentCard; when the user accepts, Teams sends a
fileConsent/invoke with a OneDrive upload URL, and the bot re-runs the command that produced
the file (nothing is kept in memory between the two, as any instance may get the invoke),
uploads the bytes and posts a FileInfoCard. Other channels (the Emulator) get a data URI.
"""
from __future__ import annotations

import asyncio
import contextlib
import base64
import logging
import re
from dataclasses import replace
from typing import Any

import aiohttp
from aiohttp import web
from botbuilder.core import CardFactory, TurnContext, serializer_helper
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.schema import Activity, ActivityTypes, Attachment as BfAttachment, ConversationReference
from botbuilder.schema.teams import FileConsentCard, FileConsentCardResponse, FileInfoCard
from botbuilder.schema.teams.additional_properties import ContentType
from botframework.connector.auth import AuthenticationConstants, BotFrameworkAuthentication
from msrest.exceptions import ClientRequestError, HttpOperationError
from msrest.universal_http.requests import ClientRetryPolicy

from bot.messages import Attachment, FileOut, IncomingMessage, Reply
from bot.reminders.engine import Delivery, Outcome
from bot.voice.decode import MAX_BYTES
from bot.render.adaptive_card import CARD_CONTENT_TYPE, render

log = logging.getLogger("avanochi.teams")
TYPING_AFTER = 0.3  # seconds a turn may take before the user sees "Avanochi is typing"

# Every Bot Connector client msrest builds computes its retry codes as
# [i for i in range(999) if i not in safe_codes] with safe_codes a 501-item list: ~4 ms of CPU,
# twice per Teams turn (bench/CHANNELS.md). As a set the same test is instant; the codes are unchanged.
ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)

CHANNEL = "msteams"
# Leading "<at ...>Name</at>" tags are read one at a time (see strip_leading_mentions), each
# pattern matched from one place: a lazy ".*?" inside a repeated group backtracks on crafted text.
MENTION_OPEN = re.compile(r"<at[^>]*>", re.IGNORECASE)
MENTION_CLOSE = re.compile(r"</at>", re.IGNORECASE)
SPACES = re.compile(r"\s*")
# Teams sends one mention entity per person mentioned; more than this many of the bot is not a message.
MENTIONS_MAX = 10
PERSONAL_ONLY = Reply("That one is personal, so I only answer it in our 1:1 chat. "
                      "Open a chat with me (Avanochi) and ask there.", kind="text")
# Teams copies every message as a text/html attachment; only real files matter here.
SKIPPED_ATTACHMENTS = ("text/html", CARD_CONTENT_TYPE, "application/vnd.microsoft.card.")
UPLOAD_TIMEOUT = aiohttp.ClientTimeout(total=60)


class _SdkConfiguration:
    """Settings under the attribute names ConfigurationBotFrameworkAuthentication reads."""

    def __init__(self, settings, endpoints: dict[str, str]) -> None:
        self.APP_ID = settings.microsoft_app_id or ""
        self.APP_PASSWORD = settings.microsoft_app_password or ""
        self.APP_TYPE = settings.microsoft_app_type or "MultiTenant"
        self.APP_TENANTID = settings.microsoft_app_tenant_id
        for name, value in endpoints.items():
            setattr(self, name, value)


def bot_framework_authentication(
    settings,
    *,
    channel_openid_metadata_url: str | None = None,
    channel_token_issuer: str | None = None,
    credentials_factory: Any = None,
) -> BotFrameworkAuthentication:
    """The SDK's authentication built from the settings: the public Azure cloud by default. The
    keyword arguments are the SDK's own switches for private clouds (and for tests, which point
    the token check at a local OpenID issuer and fake the outbound credentials)."""
    endpoints: dict[str, str] = {}
    if channel_openid_metadata_url or channel_token_issuer:
        endpoints = {
            "TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL":
                channel_openid_metadata_url or AuthenticationConstants.TO_BOT_FROM_CHANNEL_OPENID_METADATA_URL,
            "TO_BOT_FROM_CHANNEL_TOKEN_ISSUER":
                channel_token_issuer or AuthenticationConstants.TO_BOT_FROM_CHANNEL_TOKEN_ISSUER,
            "TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL":
                AuthenticationConstants.TO_BOT_FROM_EMULATOR_OPENID_METADATA_URL,
            "TO_CHANNEL_FROM_BOT_LOGIN_URL": AuthenticationConstants.TO_CHANNEL_FROM_BOT_LOGIN_URL,
            "TO_CHANNEL_FROM_BOT_OAUTH_SCOPE": AuthenticationConstants.TO_CHANNEL_FROM_BOT_OAUTH_SCOPE,
        }
    return ConfigurationBotFrameworkAuthentication(
        _SdkConfiguration(settings, endpoints), credentials_factory=credentials_factory)


def teams_user_id(activity: Activity) -> str:
    """msteams:{tenant}:{aad object id}, as DESIGN.md section 4 fixes it."""
    channel_data = activity.channel_data if isinstance(activity.channel_data, dict) else {}
    tenant = (channel_data.get("tenant") or {}).get("id") if isinstance(channel_data.get("tenant"), dict) else None
    tenant = tenant or _conversation_tenant(activity) or "local"
    sender = activity.from_property
    person = (sender.aad_object_id or sender.id) if sender else "unknown"
    return f"msteams:{tenant}:{person}"


def _conversation_tenant(activity: Activity) -> str | None:
    conversation = activity.conversation
    if conversation is None:
        return None
    # The SDK maps tenant_id to "tenantID" while Teams sends "tenantId", which then lands in
    # additional_properties.
    extra = conversation.additional_properties or {}
    return conversation.tenant_id or extra.get("tenantId")


def message_text(activity: Activity) -> str:
    """The words without the bot's @mention (Teams puts <at>Bot</at> in channel messages)."""
    text = activity.text or ""
    bot_id = activity.recipient.id if activity.recipient else None
    names: dict[str, None] = {}  # in the order Teams listed them, once each
    for entity in activity.entities or []:
        props = entity.additional_properties or {}
        mentioned = props.get("mentioned") if isinstance(props.get("mentioned"), dict) else {}
        if (entity.type or "").lower() == "mention" and mentioned.get("id") == bot_id \
                and isinstance(props.get("text"), str) and props["text"]:
            names[props["text"]] = None
    for name in list(names)[:MENTIONS_MAX]:  # each is a pass over the text: a few at most
        text = text.replace(name, " ")
    text = strip_leading_mentions(text)  # when Teams sent no mention entity
    return " ".join(text.replace("&nbsp;", " ").split())


def strip_leading_mentions(text: str) -> str:
    """The text after any "<at>Name</at>" tags it starts with. Each tag is found by a search
    that starts where the last one ended, so the work is one pass over the text."""
    position = SPACES.match(text).end()  # type: ignore[union-attr]
    while (opening := MENTION_OPEN.match(text, position)) and \
            (closing := MENTION_CLOSE.search(text, opening.end())):
        position = SPACES.match(text, closing.end()).end()  # type: ignore[union-attr]
    return text[position:]


def incoming_message(activity: Activity) -> IncomingMessage:
    conversation = activity.conversation
    kind = conversation.conversation_type if conversation else None
    # The Emulator sends no conversationType: a conversation that isn't a group is personal.
    private = kind == "personal" if kind else not (conversation and conversation.is_group)
    return IncomingMessage(
        user_id=teams_user_id(activity),
        channel=CHANNEL,
        conversation_id=conversation.id if conversation else "",
        text=message_text(activity),
        action=activity.value if isinstance(activity.value, dict) and activity.value else None,
        user_name=activity.from_property.name if activity.from_property else None,
        timezone_hint=activity.local_timezone,
        delivery_id=activity.id,
        attachments=tuple(_attachments(activity)),
        private=bool(private),
    )


async def fetch_attachment(attachment: Attachment) -> bytes:
    """A file sent in personal chat: Teams' downloadUrl is pre-authenticated (short-lived).
    Reads one byte past the voice limit so that the caller can tell "too large"."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as session:
        async with session.get(attachment.url) as response:
            response.raise_for_status()
            return await response.content.read(MAX_BYTES + 1)


def _attachments(activity: Activity):
    for item in activity.attachments or []:
        content_type = item.content_type or ""
        if content_type.startswith(SKIPPED_ATTACHMENTS):
            continue
        if content_type == ContentType.FILE_DOWNLOAD_INFO and isinstance(item.content, dict):
            yield Attachment(url=item.content.get("downloadUrl") or item.content_url or "",
                             content_type=item.content.get("fileType"), name=item.name)
        elif item.content_url:
            yield Attachment(url=item.content_url, content_type=content_type or None, name=item.name)


def reply_activities(replies: list[Reply], message: IncomingMessage, channel_id: str | None) -> list[Activity]:
    """The Teams activities for the dialogs' replies. Personal replies never go to a group."""
    if not message.private and any(reply.private for reply in replies):
        replies = [reply for reply in replies if not reply.private] + [PERSONAL_ONLY]
    return [_activity(reply, message, channel_id) for reply in replies]


def _activity(reply: Reply, message: IncomingMessage, channel_id: str | None) -> Activity:
    rendered = render(reply)
    attachments = [CardFactory.adaptive_card(rendered.card)] if rendered.card is not None else []
    text = rendered.text
    if reply.file:
        attachment = _file_attachment(reply.file, message, channel_id)
        if attachment is None:
            text = (text or "") + "\n\nI can only send files in our 1:1 chat."
        else:
            attachments.append(attachment)
    return Activity(type=ActivityTypes.message, text=text, text_format="markdown" if text else None,
                    attachments=attachments or None)


def _file_attachment(file: FileOut, message: IncomingMessage, channel_id: str | None) -> BfAttachment | None:
    if channel_id != CHANNEL:  # the Emulator downloads data URIs
        encoded = base64.b64encode(file.content).decode("ascii")
        return BfAttachment(content_type=file.content_type, name=file.name,
                            content_url=f"data:{file.content_type};base64,{encoded}")
    if not message.private:
        return None  # Teams has file consent only in personal chat
    # What to run again when the user accepts: the file is rebuilt then, on whichever instance.
    context = {"file": file.name, "text": message.text, "action": message.action}
    card = FileConsentCard(description=f"{file.name} ({_size(len(file.content))})",
                           size_in_bytes=len(file.content), accept_context=context, decline_context=context)
    return BfAttachment(content=card.serialize(), content_type=ContentType.FILE_CONSENT_CARD, name=file.name)


def _size(count: int) -> str:
    return f"{count} bytes" if count < 1024 else f"{count / 1024:.1f} KB"


class AvanochiTeamsBot(TeamsActivityHandler):
    """Translates turns for the dialogs: messages, card presses, install greetings, file consent."""

    def __init__(self, dialogs, services) -> None:
        self._dialogs = dialogs
        self._services = services

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        message = incoming_message(turn_context.activity)
        await self._remember(message, turn_context.activity)
        # Typing goes out only when the turn is slow (a voice note, a chart): a fast turn's reply
        # is its own signal, and one outbound call fewer per message. Once started, it is
        # awaited before the replies so that it never lands after them.
        typing = asyncio.create_task(self._typing(turn_context, after=TYPING_AFTER))
        try:
            replies = await self._dialogs.handle(message, fetch=fetch_attachment)
        finally:
            typing.cancel()  # no effect once it has been sent
            with contextlib.suppress(asyncio.CancelledError):
                await typing
        if replies:
            await turn_context.send_activities(
                reply_activities(replies, message, turn_context.activity.channel_id))

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        # Replaces the SDK's Teams dispatch, which looks every added member up on the connector.
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if not any(member.id == bot_id for member in activity.members_added or []):
            return
        message = incoming_message(activity)
        await self._remember(message, activity)
        if not await self._services.conversations.first_delivery(message.user_id, message.delivery_id):
            return  # Teams retried the install event: greet once
        replies = await self._dialogs.welcome(message)
        await turn_context.send_activities(reply_activities(replies, message, activity.channel_id))

    async def on_teams_file_consent_accept(self, turn_context: TurnContext,
                                           file_consent_card_response: FileConsentCardResponse) -> None:
        response, activity = file_consent_card_response, turn_context.activity
        context = response.context if isinstance(response.context, dict) else {}
        message = replace(incoming_message(activity), text=str(context.get("text") or ""),
                          action=context.get("action") if isinstance(context.get("action"), dict) else None)
        if not message.private or not response.upload_info:
            return
        replies = await self._dialogs.handle(message)
        if not replies:
            return  # a retried invoke: the first one did the upload
        file = next((reply.file for reply in replies if reply.file and reply.file.name == context.get("file")), None)
        info = response.upload_info
        if file is None or not await self._upload(info.upload_url, file.content):
            await turn_context.send_activity(Activity(
                type=ActivityTypes.message, text="Sorry, I couldn't deliver that file. Please ask again."))
            return
        card = FileInfoCard(unique_id=info.unique_id, file_type=info.file_type)
        await turn_context.send_activity(Activity(
            type=ActivityTypes.message, text_format="markdown", text=f"Your file **{info.name}** is ready.",
            attachments=[BfAttachment(content=card.serialize(), content_type=ContentType.FILE_INFO_CARD,
                                      name=info.name, content_url=info.content_url)]))

    async def on_teams_file_consent_decline(self, turn_context: TurnContext,
                                            file_consent_card_response: FileConsentCardResponse) -> None:
        await turn_context.send_activity(Activity(type=ActivityTypes.message,
                                                  text="OK, I won't send the file."))

    async def _remember(self, message: IncomingMessage, activity: Activity) -> None:
        """Keep where to reach the user for reminders: their personal chat only, never a
        group (a hydration nudge has no place in a team channel)."""
        if not message.private:
            return
        reference = TurnContext.get_conversation_reference(activity)
        reference.activity_id = None  # proactive messages start a new message, not a reply
        data = reference.serialize()
        tenant = message.user_id.split(":")[1]
        if tenant != "local" and isinstance(data.get("conversation"), dict):
            data["conversation"]["tenantId"] = tenant  # the SDK serializes it as "tenantID" or not at all
        try:
            await self._services.conversations.remember_address(message.user_id, CHANNEL, data)
        except Exception:  # the dialogs will meet the same store trouble and apologise
            log.warning("conversation reference not stored", exc_info=True)

    @staticmethod
    async def _typing(turn_context: TurnContext, after: float = 0.0) -> None:
        await asyncio.sleep(after)
        try:
            await turn_context.send_activity(Activity(type=ActivityTypes.typing))
        except Exception:  # a lost typing indicator is no reason to lose the answer
            log.warning("typing indicator not sent", exc_info=True)

    @staticmethod
    async def _upload(url: str | None, content: bytes) -> bool:
        """PUT the bytes to the OneDrive upload session Teams handed over (pre-authorised URL)."""
        if not url or not content:
            return False
        headers = {"Content-Range": f"bytes 0-{len(content) - 1}/{len(content)}"}
        try:
            async with aiohttp.ClientSession(timeout=UPLOAD_TIMEOUT) as session:
                async with session.put(url, data=content, headers=headers) as answer:
                    if answer.status in (200, 201):
                        return True
                    log.warning("file upload refused", extra={"status": answer.status})
        except (aiohttp.ClientError, asyncio.TimeoutError):
            log.warning("file upload failed", exc_info=True)
        return False


class TeamsEndpoint:
    """POST /api/messages: checks the request, authenticates it, runs the bot."""

    def __init__(self, dialogs, services, settings) -> None:
        self._settings = settings
        self._bot = AvanochiTeamsBot(dialogs, services)
        self.use_authentication(bot_framework_authentication(settings))

    def use_authentication(self, authentication: BotFrameworkAuthentication) -> None:
        self._authentication = authentication
        self._adapter = CloudAdapter(authentication)

    async def handle(self, request: web.Request) -> web.Response:
        if request.content_type != "application/json":
            return _error(415, "Bot Framework activities are JSON")
        try:
            body = await request.json()
            activity = Activity().deserialize(body) if isinstance(body, dict) else None
        except Exception:  # bad JSON or a shape msrest cannot read
            activity = None
        if activity is None or not activity.type:
            return _error(400, "Expected a Bot Framework activity")
        if activity.type == ActivityTypes.message and not (
            activity.from_property and activity.conversation and activity.service_url
        ):
            return _error(400, "A message activity needs from, conversation and serviceUrl")
        # Authenticated here rather than inside CloudAdapter.process: the SDK lets most bad
        # tokens escape as KeyError/DecodeError/IndexError (a 500), and only PermissionError as 401.
        try:
            auth = await self._authentication.authenticate_request(
                activity, request.headers.get("Authorization") or None)
        except Exception as error:
            log.warning("Bot Framework request refused", extra={"reason": type(error).__name__})
            response = _error(401, "Unauthorized: a valid Bot Framework token is required")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        try:
            invoke = await self._adapter.process_activity(auth, activity, self._bot.on_turn)
        except (HttpOperationError, ClientRequestError) as error:
            log.error("Bot Connector call failed", extra={"reason": type(error).__name__})
            return _error(502, "Could not reach the Bot Connector")
        if invoke:
            return web.json_response(serializer_helper(invoke.body), status=int(invoke.status))
        return web.json_response({}, status=200)

    async def send_proactive(self, address: dict[str, Any], replies: list[Reply]) -> bool:
        """Send replies to a stored conversation reference (reminders). False when Teams says the
        conversation is gone (bot blocked or uninstalled: 403/404), so the caller can pause."""
        reference = ConversationReference().deserialize(address)
        message = IncomingMessage(user_id="", channel=CHANNEL, conversation_id=reference.conversation.id)

        async def send(turn_context: TurnContext) -> None:
            # The SDK gives its continuation event a random id, which would make every reminder
            # a "reply" to a message that never existed.
            turn_context.activity.id = None
            await turn_context.send_activities(reply_activities(replies, message, reference.channel_id))

        try:
            await self._adapter.continue_conversation(reference, send, self._settings.microsoft_app_id)
        except HttpOperationError as error:
            if error.response is not None and error.response.status_code in (403, 404):
                return False
            raise
        return True


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


TEAMS_ENDPOINT = web.AppKey("teams_endpoint", TeamsEndpoint)


class TeamsNotifier:
    """Proactive Teams messages for the reminder engine, through the stored reference."""

    channel = CHANNEL
    min_interval = 1 / 7  # Teams allows 7 messages per second per conversation

    def __init__(self, endpoint: TeamsEndpoint) -> None:
        self._endpoint = endpoint

    async def deliver(self, address, replies: list[Reply]) -> Outcome:
        try:
            reached = await self._endpoint.send_proactive(address.data, replies)
        except HttpOperationError as error:
            response = error.response
            status = response.status_code if response is not None else None
            # 429, 412, 502, 504 (and other 5xx): try again; with no Retry-After the engine backs
            # off exponentially with jitter, as the Teams guidance asks.
            after = response.headers.get("Retry-After") if response is not None and status == 429 else None
            log.warning("teams delivery failed", extra={"status": status})
            return Outcome(Delivery.RETRY, retry_after=float(after) if after and after.isdigit() else None)
        except (aiohttp.ClientError, asyncio.TimeoutError, ClientRequestError):
            return Outcome(Delivery.RETRY)
        return Outcome(Delivery.SENT if reached else Delivery.UNREACHABLE)


def register(app: web.Application, dialogs, services, settings) -> TeamsNotifier:
    """Serve /api/messages; returns the notifier that sends this channel's reminders."""
    endpoint = TeamsEndpoint(dialogs, services, settings)
    app[TEAMS_ENDPOINT] = endpoint
    if not settings.microsoft_app_id:
        log.warning("Teams endpoint runs unauthenticated (no MicrosoftAppId): for the Bot Framework "
                    "Emulator on a local machine only")

    app.router.add_post("/api/messages", endpoint.handle)
    return TeamsNotifier(endpoint)
