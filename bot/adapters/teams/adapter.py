"""Microsoft Teams through the Microsoft 365 Agents SDK at POST /api/messages.

This package is the only code that imports the Agents SDK (``microsoft_agents``). It only
translates: a Teams activity becomes an Arrival for the turn pipeline (bot/runtime/), which
owns order, dedupe, privacy, downloads, greetings and apologies, and hands the placed replies
to the Teams channel (channel.py) to render as activities. The SDK runs each turn (its
CloudAdapter and an ActivityHandler); the request is checked here first, as the SDK's own route
answers a malformed body or a failing Bot Connector with a 500.

Teams wants a turn's replies within its request, so each request awaits its turn in the
pipeline, behind the same user's earlier ones: one user's concurrent requests are answered in
the order they arrived.

With MicrosoftAppId set, only requests with a valid Bot Framework JWT from Teams are served (a
missing or bad token is a 401 JSON answer, another channel a 403; auth.py checks the token);
without it the endpoint runs unauthenticated for the Bot Framework Emulator only on loopback or
by explicit choice, and is a 404 anywhere else (access.py says why). Files go out through the
file consent flow (files.py), reminders through the stored conversation reference (notifier.py).
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import replace
from http import HTTPStatus
from typing import Any

import aiohttp
from aiohttp import web
from microsoft_agents.activity import Activity, ActivityTypes, ChannelId, InvokeResponse, TurnContextProtocol
from microsoft_agents.hosting.aiohttp import CloudAdapter
from microsoft_agents.hosting.core import ActivityHandler, TurnContext

from bot.adapters.teams.access import (
    NOT_CONFIGURED,
    Refused,
    TeamsMode,
    check_conversation,
    is_loopback_host,
    teams_mode,
)
from bot.adapters.teams.access import TEAMS_CHANNEL as CHANNEL
from bot.adapters.teams.activities import (
    BadActivity,
    channel_of,
    conversation_reference,
    incoming_message,
    parse_activity,
    reply_activities,
    stored_reference,
    teams_files,
)
from bot.adapters.teams.auth import BotFrameworkAuthentication, Unauthorized, bot_framework_authentication
from bot.adapters.teams.channel import TeamsChannel, TeamsRoute
from bot.adapters.teams.connector import PooledConnectorFactory, is_connector_failure
from bot.adapters.teams.files import (
    FILE_CONSENT_INVOKE,
    BadConsent,
    Consent,
    file_info_attachment,
    read_consent,
    upload,
)
from bot.adapters.teams.members import with_members
from bot.adapters.teams.notifier import TeamsNotifier
from bot.messages import IncomingMessage, Reply
from bot.runtime import Arrival, Channel, TurnPipeline

log = logging.getLogger("avanochi.teams")
# What the bot acts on. Teams sends more (edits, installationUpdate...): those are
# acknowledged without running the SDK's handlers.
HANDLED_TYPES = (
    ActivityTypes.message,
    ActivityTypes.message_reaction,
    ActivityTypes.conversation_update,
    ActivityTypes.invoke,
)
# Teams' reactions to the bot's messages, as the emoji they show.
REACTIONS = {"like": "👍", "heart": "❤️", "laugh": "😆", "surprised": "😮", "sad": "😢", "angry": "😠"}

Step = Callable[[Channel, Arrival], Awaitable[None]]  # TurnPipeline.turn or .greet


class AvanochiTeamsBot(ActivityHandler):
    """Hands messages, card presses and install greetings to the pipeline; answers file consent."""

    def __init__(self, pipeline: TurnPipeline, channel: TeamsChannel) -> None:
        self._pipeline = pipeline
        self._channel = channel

    async def on_turn(self, turn_context: TurnContextProtocol) -> None:
        if turn_context.activity.type in HANDLED_TYPES:
            await super().on_turn(turn_context)

    async def on_message_activity(self, turn_context: TurnContextProtocol) -> None:
        await self._take(turn_context, self._pipeline.turn)

    async def on_reactions_added(self, message_reactions: list[Any], turn_context: TurnContextProtocol) -> None:
        """A reaction to one of the bot's messages, handed over as that emoji said alone; the
        dialogs decide whether it deserves an answer."""
        kind = next((str(reaction.type) for reaction in message_reactions if reaction.type), "")
        message = replace(incoming_message(turn_context.activity), text=REACTIONS.get(kind, ""), reaction=True)
        if message.text:
            await self._take(turn_context, self._pipeline.turn, message)

    async def on_conversation_update_activity(self, turn_context: TurnContextProtocol) -> None:
        # Greets only when the bot itself was added (Teams also reports other members joining).
        activity = turn_context.activity
        bot_id = activity.recipient.id if activity.recipient else None
        if any(member.id == bot_id for member in activity.members_added or []):
            await self._take(turn_context, self._pipeline.greet)

    async def _take(
        self, turn_context: TurnContextProtocol, step: Step, message: IncomingMessage | None = None
    ) -> None:
        """Run the turn in the user's order and wait for its replies to be sent in this request."""
        activity = turn_context.activity
        message = message or await with_members(turn_context, incoming_message(activity))
        route = TeamsRoute(turn_context, message)
        # The personal chat is the one to reach the user in later (the pipeline keeps it from
        # private conversations only).
        address = conversation_reference(activity, message.user_id) if message.private else None
        await step(self._channel, Arrival(message, route, address=address))
        if route.failure is not None:
            raise route.failure  # the request answers 502

    async def on_invoke_activity(self, turn_context: TurnContextProtocol) -> InvokeResponse:
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

    async def _file_accepted(self, turn_context: TurnContextProtocol, consent: Consent) -> None:
        """Upload the file the user accepted. Nothing was kept since the card was sent (any
        instance may get this invoke): the command that produced it runs again, in the user's
        order and under the pipeline's dedupe, and its file is uploaded rather than shown."""
        context = consent.context
        message = replace(
            incoming_message(turn_context.activity),
            text=str(context.get("text") or ""),
            action=context.get("action") if isinstance(context.get("action"), dict) else None,
        )
        if not message.private or consent.upload is None:
            return
        replies = await self._pipeline.answer(message)
        if not replies:
            return  # a retried invoke: the first one did the upload
        file = next((reply.file for reply in replies if reply.file and reply.file.name == context.get("file")), None)
        info = consent.upload
        if file is None or not await upload(info.upload_url, file.content):
            await turn_context.send_activity(
                Activity(type=ActivityTypes.message, text="Sorry, I couldn't deliver that file. Please ask again.")
            )
            return
        await turn_context.send_activity(
            Activity(
                type=ActivityTypes.message,
                text_format="markdown",
                text=f"Your file **{info.name}** is ready.",
                attachments=[file_info_attachment(info)],
            )
        )


class TeamsEndpoint:
    """POST /api/messages: checks the request, authenticates it, runs the bot."""

    def __init__(self, pipeline: TurnPipeline, settings) -> None:
        self.mode = teams_mode(settings)
        channel = TeamsChannel(teams_files(emulator=self.mode is TeamsMode.EMULATOR), self.send_proactive)
        self._bot = AvanochiTeamsBot(pipeline, channel)
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
                request.headers.get("Authorization"), channel, activity.service_url
            )
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
            log.error(
                "Bot Connector call failed",
                extra={"reason": type(error).__name__, "status": getattr(error, "status", None)},
            )
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
                self._authentication.proactive_identity(), continuation, send
            )
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


def register(app: web.Application, container) -> TeamsNotifier | None:
    """Serve /api/messages; returns the notifier that sends this channel's reminders (none when
    Teams is off). /api/messages always exists: the settings decide whether it serves Teams, the
    Bot Framework Emulator or a 404."""
    settings = container.settings
    endpoint = TeamsEndpoint(container.pipeline, settings)
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
        log.warning(
            "Teams is off: no MicrosoftAppId and HOST is not a loopback address, so /api/messages "
            "answers 404 (set AVANOCHI_TEAMS_EMULATOR=1 to use the Bot Framework Emulator here)",
            extra=where,
        )
    elif mode is TeamsMode.EMULATOR and is_loopback_host(settings.host):
        log.warning(
            "Teams runs unauthenticated for the Bot Framework Emulator (no MicrosoftAppId), "
            "reachable from this machine only",
            extra=where,
        )
    elif mode is TeamsMode.EMULATOR:
        log.warning(
            "AVANOCHI_TEAMS_EMULATOR=1 with no MicrosoftAppId: /api/messages accepts UNAUTHENTICATED "
            "activities from anyone who can reach this server and lets them act as any Teams user. "
            "Replies go only to loopback serviceUrls. Never run this in production",
            extra=where,
        )
    elif settings.teams_emulator:
        log.warning(
            "AVANOCHI_TEAMS_EMULATOR is ignored: MicrosoftAppId is set, so every activity needs a Bot Framework token"
        )
