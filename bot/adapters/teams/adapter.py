"""Microsoft Teams through the Bot Framework (botbuilder CloudAdapter) at POST /api/messages.

The only module that imports botbuilder/botframework (the SDK is out of support: moving to the
Microsoft 365 Agents SDK must stay a one-module change). It only translates: a Teams activity
becomes a neutral IncomingMessage, the dialogs' Replies become Teams activities through
bot/adapters/teams/render.py.

With MicrosoftAppId set, only requests with a valid Bot Framework JWT from Teams are served (a
missing or bad token is a 401 JSON answer, another channel a 403); without it the endpoint runs
unauthenticated for the Bot Framework Emulator only on loopback or by explicit choice, and is a
404 anywhere else (bot/adapters/teams_access.py says why).

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
import json
import logging
import re
from dataclasses import replace
from http import HTTPStatus
from typing import Any

import aiohttp
from aiohttp import web
from botbuilder.core import CardFactory, InvokeResponse, TurnContext, serializer_helper
from botbuilder.core.teams import TeamsActivityHandler
from botbuilder.integration.aiohttp import CloudAdapter, ConfigurationBotFrameworkAuthentication
from botbuilder.core.serializer_helper import deserializer_helper
from botbuilder.schema import Activity, ActivityTypes, Attachment as BfAttachment, ConversationReference
from botbuilder.schema.teams import FileConsentCard, FileConsentCardResponse, FileInfoCard
from botbuilder.schema.teams.additional_properties import ContentType
from botframework.connector.auth import AuthenticationConstants, BotFrameworkAuthentication
from msrest.exceptions import ClientRequestError, DeserializationError, HttpOperationError
from msrest.serialization import Model
from msrest.universal_http.requests import ClientRetryPolicy

from bot.adapters.teams.access import (NOT_CONFIGURED, Refused, TeamsMode, check_conversation, is_loopback_host,
                                       teams_mode)
from bot.downloads import FileSource
from bot.messages import Attachment, FileOut, IncomingMessage, Reply
from bot.reminders.engine import Delivery, Outcome
from bot.voice.decode import MAX_BYTES
from bot.adapters.teams.render import CARD_CONTENT_TYPE, render

log = logging.getLogger("avanochi.teams")
TYPING_AFTER = 0.3  # seconds a turn may take before the user sees "Avanochi is typing"

# Every Bot Connector client msrest builds computes its retry codes as
# [i for i in range(999) if i not in safe_codes] with safe_codes a 501-item list: ~4 ms of CPU,
# twice per Teams turn (bench/CHANNELS.md). As a set the same test is instant; the codes are unchanged.
ClientRetryPolicy.safe_codes = frozenset(ClientRetryPolicy.safe_codes)

CHANNEL = "msteams"
# What the bot acts on. Teams sends more (reactions, edits, installationUpdate...): those are
# acknowledged without running the SDK's handlers, which parse channelData the bot never uses.
HANDLED_TYPES = (ActivityTypes.message, ActivityTypes.conversation_update, ActivityTypes.invoke)
FILE_CONSENT_INVOKE = "fileConsent/invoke"
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
SHAREPOINT_HOSTS = (".sharepoint.com", ".sharepoint.us", ".sharepoint-mil.us", ".sharepoint.de", ".sharepoint.cn")


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

    def __init__(self, dialogs, services, files: FileSource) -> None:
        self._dialogs = dialogs
        self._services = services
        self._files = files

    async def on_turn(self, turn_context: TurnContext) -> None:
        if turn_context.activity.type in HANDLED_TYPES:
            await super().on_turn(turn_context)

    async def on_invoke_activity(self, turn_context: TurnContext) -> InvokeResponse:
        # Only the file consent flow is the bot's; the SDK's other invoke handlers serve
        # features the manifest does not declare (messaging extensions, task modules...).
        activity = turn_context.activity
        if activity.name != FILE_CONSENT_INVOKE:
            return _invoke_error(HTTPStatus.BAD_REQUEST, "Avanochi does not handle this invoke")
        try:
            response = (deserializer_helper(FileConsentCardResponse, activity.value)
                        if isinstance(activity.value, dict) else None)
        except (DeserializationError, AttributeError, TypeError, ValueError):
            response = None
        if response is None or response.action not in ("accept", "decline"):
            return _invoke_error(HTTPStatus.BAD_REQUEST, "A fileConsent/invoke needs a file consent response "
                                                         "(accept or decline)")
        return await super().on_invoke_activity(turn_context)

    async def on_message_activity(self, turn_context: TurnContext) -> None:
        message = incoming_message(turn_context.activity)
        await self._remember(message, turn_context.activity)
        # Typing goes out only when the turn is slow (a voice note, a chart): a fast turn's reply
        # is its own signal, and one outbound call fewer per message. Once started, it is
        # awaited before the replies so that it never lands after them.
        typing = asyncio.create_task(self._typing(turn_context, after=TYPING_AFTER))
        try:
            replies = await self._dialogs.handle(message, fetch=self._fetch)
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

    async def _fetch(self, attachment: Attachment) -> bytes:
        return await self._files.fetch(attachment, MAX_BYTES)

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


class BadActivity(ValueError):
    """A request body that is not a Bot Framework activity the bot can act on (a 400)."""


class TeamsEndpoint:
    """POST /api/messages: checks the request, authenticates it, runs the bot."""

    def __init__(self, dialogs, services, settings) -> None:
        self._settings = settings
        self.mode = teams_mode(settings)
        self._bot = AvanochiTeamsBot(dialogs, services, teams_files(emulator=self.mode is TeamsMode.EMULATOR))
        self.use_authentication(bot_framework_authentication(settings))

    def use_authentication(self, authentication: BotFrameworkAuthentication) -> None:
        self._authentication = authentication
        self._adapter = CloudAdapter(authentication)

    async def handle(self, request: web.Request) -> web.Response:
        if self.mode is TeamsMode.OFF:
            return _error(404, NOT_CONFIGURED)  # before reading a byte: nothing to act on
        if request.content_type != "application/json":
            return _error(415, "Bot Framework activities are JSON")
        try:
            activity = await _read_activity(request)
        except BadActivity as error:
            return _error(400, str(error))
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
            check_conversation(self.mode, activity.channel_id, activity.service_url)
        except Refused as refusal:
            log.warning("Teams activity refused", extra={"mode": self.mode.value, "status": refusal.status})
            return _error(refusal.status, refusal.reason)
        try:
            invoke = await self._adapter.process_activity(auth, activity, self._bot.on_turn)
        except (HttpOperationError, ClientRequestError, DeserializationError) as error:
            # DeserializationError: what answered at the serviceUrl was not a Bot Connector.
            log.error("Bot Connector call failed", extra={"reason": type(error).__name__})
            return _error(502, "Could not reach the Bot Connector")
        if invoke:
            # An expectReplies turn answers with the replies, already serialized by the SDK.
            body = serializer_helper(invoke.body) if isinstance(invoke.body, Model) else invoke.body
            return web.json_response(body, status=int(invoke.status))
        return web.json_response({}, status=200)

    async def send_proactive(self, address: dict[str, Any], replies: list[Reply]) -> bool:
        """Send replies to a stored conversation reference (reminders). False when Teams says the
        conversation is gone (bot blocked or uninstalled: 403/404), so the caller can pause.
        Raises Refused for an address this mode may not send to."""
        reference = ConversationReference().deserialize(address)
        check_conversation(self.mode, reference.channel_id, reference.service_url)
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


async def _read_activity(request: web.Request) -> Activity:
    try:
        body = json.loads(await request.text())
    except Exception:  # bad JSON, bad UTF-8, nesting too deep
        raise BadActivity("Expected a Bot Framework activity (JSON)") from None
    try:
        # Lone surrogates ("\ud800") parse but can be neither stored nor sent on: refused here,
        # wherever they are, rather than failing halfway through a turn.
        json.dumps(body, ensure_ascii=False).encode("utf-8")
    except (ValueError, RecursionError):  # UnicodeEncodeError is a ValueError
        raise BadActivity("The activity is not valid Unicode text") from None
    try:
        activity = Activity().deserialize(body) if isinstance(body, dict) else None
    except Exception:  # a shape msrest cannot read
        activity = None
    if activity is None or not activity.type:
        raise BadActivity("Expected a Bot Framework activity (JSON)")
    sender, conversation = activity.from_property, activity.conversation
    if not (sender and sender.id and conversation and conversation.id and activity.service_url):
        raise BadActivity("A Bot Framework activity needs from, conversation (with its id) and serviceUrl")
    if activity.channel_data is not None and not isinstance(activity.channel_data, dict):
        raise BadActivity("channelData must be a JSON object")
    return activity


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _invoke_error(status: HTTPStatus, message: str) -> InvokeResponse:
    return InvokeResponse(status=int(status), body={"error": message})


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
        except Refused:
            # Stored by another mode (an Emulator conversation, say): not for this one to use.
            log.warning("stored Teams address not used in this mode", extra={"mode": self._endpoint.mode.value})
            return Outcome(Delivery.NOWHERE)
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


def register(app: web.Application, dialogs, services, settings) -> TeamsNotifier | None:
    """Serve /api/messages; returns the notifier that sends this channel's reminders (none when
    Teams is off)."""
    endpoint = TeamsEndpoint(dialogs, services, settings)
    app[TEAMS_ENDPOINT] = endpoint
    app.router.add_post("/api/messages", endpoint.handle)
    _announce(endpoint.mode, settings)
    return None if endpoint.mode is TeamsMode.OFF else TeamsNotifier(endpoint)


def _announce(mode: TeamsMode, settings) -> None:
    """Say at start-up how Teams is served, loudly when anyone could use the bot unauthenticated."""
    where = {"host": settings.host}
    if mode is TeamsMode.OFF:
        log.warning("Teams is off: no MicrosoftAppId and HOST is not a loopback address, so /api/messages "
                    "answers 404 (set AVANOCHI_TEAMS_EMULATOR=1 to use the Bot Framework Emulator here)",
                    extra=where)
    elif mode is TeamsMode.EMULATOR and is_loopback_host(settings.host):
        log.warning("Teams runs unauthenticated for the Bot Framework Emulator (no MicrosoftAppId), "
                    "reachable from this machine only", extra=where)
    elif mode is TeamsMode.EMULATOR:
        log.warning("AVANOCHI_TEAMS_EMULATOR=1 with no MicrosoftAppId: /api/messages accepts UNAUTHENTICATED "
                    "activities from anyone who can reach this server and lets them act as any Teams user. "
                    "Replies go only to loopback serviceUrls. Never run this in production", extra=where)
    elif settings.teams_emulator:
        log.warning("AVANOCHI_TEAMS_EMULATOR is ignored: MicrosoftAppId is set, so every activity needs a "
                    "Bot Framework token")
