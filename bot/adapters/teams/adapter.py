"""Microsoft Teams through the Microsoft 365 Agents SDK at POST /api/messages.

This package is the only code that imports the Agents SDK (``microsoft_agents``). It only
translates: a Teams activity becomes a neutral IncomingMessage, the dialogs' Replies become Teams
activities through render.py. The SDK runs each turn (its CloudAdapter and an ActivityHandler);
the request is checked here first, as the SDK's own route answers a malformed body or a failing
Bot Connector with a 500.

With MicrosoftAppId set, only requests with a valid Bot Framework JWT from Teams are served (a
missing or bad token is a 401 JSON answer, another channel a 403; auth.py checks the token);
without it the endpoint runs unauthenticated for the Bot Framework Emulator only on loopback or
by explicit choice, and is a 404 anywhere else (access.py says why). Files go out through the
file consent flow (files.py), reminders through the stored conversation reference (notifier.py).
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
from dataclasses import replace
from http import HTTPStatus
from typing import Any

import aiohttp
from aiohttp import web
from microsoft_agents.activity import Activity, ActivityTypes, ChannelId, InvokeResponse
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import ActivityHandler, TurnContext

from bot.adapters.teams.access import (NOT_CONFIGURED, Refused, TeamsMode, check_conversation, is_loopback_host,
                                       teams_mode)
from bot.adapters.teams.access import TEAMS_CHANNEL as CHANNEL
from bot.adapters.teams.activities import (BadActivity, channel_of, incoming_message, parse_activity,
                                           reply_activities, stored_reference, teams_files)
from bot.adapters.teams.auth import BotFrameworkAuthentication, Unauthorized, bot_framework_authentication
from bot.adapters.teams.connector import PooledConnectorFactory, is_connector_failure
from bot.adapters.teams.files import (FILE_CONSENT_INVOKE, BadConsent, Consent, file_info_attachment, read_consent,
                                      upload)
from bot.adapters.teams.notifier import TeamsNotifier
from bot.downloads import FileSource
from bot.messages import Attachment, IncomingMessage, Reply
from bot.voice.decode import MAX_BYTES

log = logging.getLogger("avanochi.teams")
TYPING_AFTER = 0.3  # seconds a turn may take before the user sees "Avanochi is typing"
# What the bot acts on. Teams sends more (reactions, edits, installationUpdate...): those are
# acknowledged without running the SDK's handlers.
HANDLED_TYPES = (ActivityTypes.message, ActivityTypes.conversation_update, ActivityTypes.invoke)


class AvanochiTeamsBot(ActivityHandler):
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
            consent = read_consent(activity.value)
        except BadConsent as error:
            return _invoke_error(HTTPStatus.BAD_REQUEST, str(error))
        if consent.accepted:
            await self._file_accepted(turn_context, consent)
        else:
            await turn_context.send_activity(Activity(type=ActivityTypes.message, text="OK, I won't send the file."))
        return InvokeResponse(status=int(HTTPStatus.OK))

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
                reply_activities(replies, message, channel_of(turn_context.activity)))

    async def on_conversation_update_activity(self, turn_context: TurnContext) -> None:
        # Greets only when the bot itself was added (Teams also reports other members joining).
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if not any(member.id == bot_id for member in activity.members_added or []):
            return
        message = incoming_message(activity)
        await self._remember(message, activity)
        if not await self._services.conversations.first_delivery(message.user_id, message.delivery_id):
            return  # Teams retried the install event: greet once
        replies = await self._dialogs.welcome(message)
        await turn_context.send_activities(reply_activities(replies, message, channel_of(activity)))

    async def _file_accepted(self, turn_context: TurnContext, consent: Consent) -> None:
        context = consent.context
        message = replace(incoming_message(turn_context.activity), text=str(context.get("text") or ""),
                          action=context.get("action") if isinstance(context.get("action"), dict) else None)
        if not message.private or consent.upload is None:
            return
        replies = await self._dialogs.handle(message)
        if not replies:
            return  # a retried invoke: the first one did the upload
        file = next((reply.file for reply in replies if reply.file and reply.file.name == context.get("file")), None)
        info = consent.upload
        if file is None or not await upload(info.upload_url, file.content):
            await turn_context.send_activity(Activity(
                type=ActivityTypes.message, text="Sorry, I couldn't deliver that file. Please ask again."))
            return
        await turn_context.send_activity(Activity(
            type=ActivityTypes.message, text_format="markdown", text=f"Your file **{info.name}** is ready.",
            attachments=[file_info_attachment(info)]))

    async def _fetch(self, attachment: Attachment) -> bytes:
        return await self._files.fetch(attachment, MAX_BYTES)

    async def _remember(self, message: IncomingMessage, activity: Activity) -> None:
        """Keep where to reach the user for reminders: their personal chat only, never a
        group (a hydration nudge has no place in a team channel). The shape is the one the Bot
        Framework SDK stored, so addresses stored before and after the move read the same."""
        if not message.private:
            return
        data = activity.get_conversation_reference().model_dump(mode="json", by_alias=True, exclude_none=True)
        data.pop("activityId", None)  # proactive messages start a new message, not a reply
        if activity.channel_id:
            data["channelId"] = channel_of(activity)
        tenant = message.user_id.split(":")[1]
        if tenant != "local" and isinstance(data.get("conversation"), dict):
            data["conversation"]["tenantId"] = tenant  # channelData's tenant, when the conversation has none
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


class TeamsEndpoint:
    """POST /api/messages: checks the request, authenticates it, runs the bot."""

    def __init__(self, dialogs, services, settings) -> None:
        self.mode = teams_mode(settings)
        self._bot = AvanochiTeamsBot(dialogs, services, teams_files(emulator=self.mode is TeamsMode.EMULATOR))
        self._connectors: list[PooledConnectorFactory] = []
        self.use_authentication(bot_framework_authentication(settings))

    def use_authentication(self, authentication: BotFrameworkAuthentication) -> None:
        self._authentication = authentication
        connectors = PooledConnectorFactory(authentication.tokens, authentication.app_id)
        self._connectors.append(connectors)
        self._adapter = CloudAdapter(channel_service_client_factory=connectors)
        # The SDK's default error handler sends "Exception caught : <the error>" to the user; without
        # one the error reaches the caller here, as with the Bot Framework SDK.
        self._adapter.on_turn_error = None

    async def close(self) -> None:
        """Close the connections to the Bot Connector (at app shutdown)."""
        for connectors in self._connectors:
            await connectors.close()

    async def handle(self, request: web.Request) -> web.Response:
        if self.mode is TeamsMode.OFF:
            return _error(404, NOT_CONFIGURED)  # before reading a byte: nothing to act on
        if request.content_type != "application/json":
            return _error(415, "Bot Framework activities are JSON")
        try:
            activity, channel = parse_activity(await request.text())
        except BadActivity as error:
            return _error(400, str(error))
        try:
            identity = await self._authentication.identify(
                request.headers.get("Authorization"), channel, activity.service_url)
        except Unauthorized as error:
            log.warning("Bot Framework request refused", extra={"reason": str(error)})
            response = _error(401, "Unauthorized: a valid Bot Framework token is required")
            response.headers["WWW-Authenticate"] = "Bearer"
            return response
        try:
            check_conversation(self.mode, channel_of(activity), activity.service_url)
        except Refused as refusal:
            log.warning("Teams activity refused", extra={"mode": self.mode.value, "status": refusal.status})
            return _error(refusal.status, refusal.reason)
        try:
            invoke = await self._adapter.process_activity(identity, activity, self._bot.on_turn)
        except Exception as error:
            if not is_connector_failure(error):
                raise
            log.error("Bot Connector call failed", extra={"reason": type(error).__name__,
                                                          "status": getattr(error, "status", None)})
            return _error(502, "Could not reach the Bot Connector")
        if invoke:
            # An invoke's answer, or an expectReplies turn's replies: already plain JSON.
            return web.json_response(invoke.body, status=int(invoke.status))
        return web.json_response({}, status=200)

    async def send_proactive(self, address: dict[str, Any], replies: list[Reply]) -> bool:
        """Send replies to a stored conversation reference (reminders). False when Teams says the
        conversation is gone (bot blocked or uninstalled: 403/404), so the caller can pause.
        Raises Refused for an address this mode may not send to, or cannot read."""
        try:
            reference = stored_reference(address)
        except ValueError:
            raise Refused(400, "The stored conversation reference cannot be read") from None
        channel = ChannelId.get_channel(reference.channel_id)
        check_conversation(self.mode, channel, reference.service_url)
        message = IncomingMessage(user_id="", channel=CHANNEL, conversation_id=reference.conversation.id)
        continuation = reference.get_continuation_activity()
        # The SDK gives its continuation event a random id, which would make every reminder a
        # "reply" to a message that never existed.
        continuation.id = None

        async def send(turn_context: TurnContext) -> None:
            await turn_context.send_activities(reply_activities(replies, message, channel))

        try:
            await self._adapter.continue_conversation_with_claims(
                self._authentication.proactive_identity(), continuation, send)
        except aiohttp.ClientResponseError as error:
            if error.status in (403, 404):
                return False
            raise
        return True


def _error(status: int, message: str) -> web.Response:
    return web.json_response({"error": message}, status=status)


def _invoke_error(status: HTTPStatus, message: str) -> InvokeResponse:
    return InvokeResponse(status=int(status), body={"error": message})


TEAMS_ENDPOINT = web.AppKey("teams_endpoint", TeamsEndpoint)


def register(app: web.Application, dialogs, services, settings) -> TeamsNotifier | None:
    """Serve /api/messages; returns the notifier that sends this channel's reminders (none when
    Teams is off)."""
    endpoint = TeamsEndpoint(dialogs, services, settings)
    app[TEAMS_ENDPOINT] = endpoint
    app.router.add_post("/api/messages", endpoint.handle)

    async def close(_: web.Application) -> None:
        await endpoint.close()

    app.on_cleanup.append(close)
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
