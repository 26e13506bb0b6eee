"""Slack through Bolt (AsyncApp) at POST /slack/events and, with an app-level token, over
Socket Mode (socket_mode.py): slash commands, DM and mention events, emoji reactions to the
bot's messages, button presses and the App Home, translated into the turn pipeline's Arrivals.

Bolt verifies signatures and timestamps and answers ``url_verification``. Each listener
only acknowledges and hands the turn to the pipeline, which runs it in the background, so
Slack gets its answer well within 3 s whatever the store or the Web API are doing; the
replies then go out through bot/adapters/slack/channel.py. Redeliveries are acknowledged
again and dropped by the pipeline, which remembers delivery ids in the store.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier

from api.shutdown import SHUTDOWN_KEY
from bot.adapters.slack.channel import Route, SlackChannel
from bot.adapters.slack.emoji import character, with_characters
from bot.adapters.slack.home import SlackHome
from bot.adapters.slack.notifier import SlackNotifier
from bot.adapters.slack.oauth import SlackOAuth
from bot.adapters.slack.refusals import RefusalLog
from bot.adapters.slack.render import ACTION_PREFIX, kind_of, payload_of
from bot.adapters.slack.socket_mode import SlackSocketMode
from bot.adapters.slack.workspaces import SlackClients, SlackFiles, by_workspace
from bot.downloads import FileSource, Origin
from bot.messages import Attachment, IncomingMessage
from bot.runtime import Arrival, TurnPipeline
from bot.status import FocusStatusService
from persistence.slack_installations import SlackInstallations, TokenCipher

log = logging.getLogger("avanochi.slack")
MANIFEST = Path(__file__).with_name("manifest.json")  # the bot scopes an installation asks for

# Buttons of these replies answer one question: the first answer replaces the question.
ONE_SHOT_KINDS = frozenset({"confirm", "question", "suggestion"})
SLACK_MARKUP = re.compile(r"<([^<>]*)>")


def words(text: str | None, bot_user_id: str | None = None) -> str:
    """What the user typed, from Slack's markup: the bot's own mention dropped, links and
    mentions as their labels, and the &amp; &lt; &gt; escapes undone."""

    def unwrap(match: re.Match[str]) -> str:
        target, _, label = match.group(1).partition("|")
        if target.startswith("@"):
            return "" if target[1:] == bot_user_id else "@" + (label or target[1:])
        if target.startswith("#"):
            return "#" + (label or target[1:])
        if target.startswith("!"):
            return "@" + (label or target[1:].split("^")[0])
        return label or target

    text = with_characters(SLACK_MARKUP.sub(unwrap, text or ""))
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def attachments_of(event: dict[str, Any]) -> tuple[Attachment, ...]:
    """Shared files (voice notes); their URLs need the bot token to download. A remote file
    (``is_external``) lives outside Slack: it keeps no URL, so it is never fetched."""
    return tuple(
        Attachment(
            url=""
            if f.get("is_external") or f.get("mode") == "external"
            else f.get("url_private_download") or f.get("url_private") or "",
            content_type=f.get("mimetype"),
            name=f.get("name"),
            size=f.get("size"),
        )
        for f in event.get("files") or []
        if isinstance(f, dict)
    )


def slack_files(token: str | None, api_url: str) -> FileSource:
    """Slack's file host, and the Web API's own origin (a local fake in tests): the only places
    the bot token is sent."""
    origins = {Origin("https", "files.slack.com", 443)}
    api = Origin.of(api_url)
    if api is not None:
        origins.add(api)
    return FileSource(frozenset(origins), headers={"Authorization": f"Bearer {token}"} if token else {})


def room_of(team: str, channel: str | None) -> dict[str, str] | None:
    """A channel's address for the notifier; a DM (D...) is no shared room."""
    return {"team_id": team, "channel": channel} if channel and not channel.startswith("D") else None


class SlackAdapter:
    def __init__(
        self,
        pipeline: TurnPipeline,
        channel: SlackChannel,
        home: SlackHome,
        files: SlackFiles,
        settings,
        focus_status: FocusStatusService | None = None,
    ) -> None:
        self._pipeline = pipeline
        self._focus_status = focus_status
        self._channel = channel
        self._home = home
        self._files = files
        clients = channel.clients
        # process_before_response: listeners run before the HTTP answer; each of them only acks
        # and hands the turn to the pipeline, which tracks it (Bolt's own futures are untracked).
        secret = settings.slack_signing_secret
        self.bolt = AsyncApp(
            client=clients.single,
            # Many workspaces: each request gets the token its workspace installed the app with.
            authorize=by_workspace(clients) if clients.multi_workspace else None,
            signing_secret=secret,
            # Only HTTP requests are signed; over Socket Mode (which may run without a secret)
            # Slack's requests come on a socket the app opened itself.
            request_verification_enabled=bool(secret),
            process_before_response=True,
            name="avanochi",
        )
        self._verifier = SignatureVerifier(secret) if secret else None
        self._refusals = RefusalLog(log)
        bolt = self.bolt
        bolt.command("/avanochi")(self.on_command)
        bolt.event("message")(self.on_message)
        bolt.event("app_mention")(self.on_mention)
        bolt.event("app_home_opened")(self.on_home_opened)
        bolt.event("reaction_added")(self.on_reaction)
        bolt.action(re.compile(f"^{ACTION_PREFIX}"))(self.on_action)
        bolt.event("app_uninstalled")(self.on_uninstalled)
        bolt.event("tokens_revoked")(self.on_tokens_revoked)
        # Anything else is acknowledged: an unanswered event is retried, then switched off.
        bolt.event(re.compile(".*"))(self.ignore)
        bolt.action(re.compile(".*"))(self.ignore)

    # -- HTTP ---------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        # The signature is checked before Bolt sees the request: Bolt parses the body first
        # (a traceback for every piece of junk posted here) and logs a refused request's whole
        # body, which may be someone's message replayed late.
        body = await request.read()
        if not self._signed(
            body, request.headers.get("X-Slack-Request-Timestamp"), request.headers.get("X-Slack-Signature")
        ):
            self._refusals.refused("slack request without a valid signature")
            return web.json_response({"error": "invalid request"}, status=401)
        try:
            bolt_request = await to_bolt_request(request)
        except (ValueError, AttributeError, TypeError):  # signed, yet no JSON object nor a form
            self._refusals.refused("slack request with an unreadable body")
            return web.json_response({"error": "unreadable body"}, status=400)
        try:
            response = await self.bolt.async_dispatch(bolt_request)
        except Exception:
            log.exception("slack request failed")
            return web.Response(status=200)
        if response.status >= 500:  # Slack would retry and eventually disable the app
            log.error("slack request failed", extra={"status": response.status})
            return web.Response(status=200)
        return await to_aiohttp_response(response)

    def _signed(self, body: bytes, timestamp: str | None, signature: str | None) -> bool:
        if self._verifier is None:  # no secret: /slack/events is not served at all
            return False
        try:
            return self._verifier.is_valid(body, timestamp, signature)
        except (ValueError, TypeError):  # a timestamp that is no number, a signature that is no ASCII
            return False

    async def drain(self, _: web.Application | None = None) -> None:
        """Let the turns already acknowledged finish."""
        await self._pipeline.drain()

    # -- listeners: acknowledge, translate, hand over ----------------------------------------

    async def ignore(self, ack) -> None:
        await ack()

    async def on_command(self, ack, command: dict[str, Any]) -> None:
        await ack()
        route = Route(command["team_id"], command["user_id"], response_url=command.get("response_url"))
        # Answers go back ephemeral through response_url: only the user sees them, and none lasts.
        self._take(
            route,
            lasting=False,
            text=words(command.get("text")),
            conversation_id=command.get("channel_id") or "",
            delivery_id=command.get("trigger_id"),
            private=True,
            user_name=command.get("user_name"),
            room=room_of(command["team_id"], command.get("channel_id")),
        )

    async def on_message(self, ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        await ack()
        if (
            event.get("channel_type") != "im"
            or event.get("bot_id")
            or not event.get("user")
            or event.get("subtype") not in (None, "file_share")
        ):
            return  # edits, deletions, joins, bots: not something the user said to us
        route = Route(
            body.get("team_id") or event.get("team", ""),
            event["user"],
            channel=event["channel"],
            is_dm=True,
            thread_ts=event.get("thread_ts"),
        )
        self._take(
            route,
            text=words(event.get("text")),
            conversation_id=event["channel"],
            delivery_id=body.get("event_id"),
            private=True,
            attachments=attachments_of(event),
        )

    async def on_mention(self, ack, body: dict[str, Any], event: dict[str, Any], context) -> None:
        await ack()
        if event.get("bot_id") or not event.get("user"):
            return
        route = Route(
            body.get("team_id") or event.get("team", ""),
            event["user"],
            channel=event["channel"],
            thread_ts=event.get("thread_ts") or event.get("ts"),
        )
        self._take(
            route,
            text=words(event.get("text"), context.bot_user_id),
            conversation_id=event["channel"],
            delivery_id=body.get("event_id"),
            private=False,
            attachments=attachments_of(event),
            room=room_of(route.team, event["channel"]),
        )

    async def on_reaction(self, ack, body: dict[str, Any], event: dict[str, Any], context) -> None:
        """An emoji on one of the bot's messages, handed over as that emoji said alone; the
        dialogs decide whether it deserves an answer."""
        await ack()
        item = event.get("item") or {}
        user = event.get("user")
        if (
            item.get("type") != "message"
            or not item.get("channel")
            or not user
            or user == context.bot_user_id
            or event.get("item_user") != context.bot_user_id
        ):
            return  # a reaction to someone else's message, or to a file: not said to us
        channel = str(item["channel"])
        is_dm = channel.startswith("D")
        emoji = character(str(event.get("reaction", "")))
        route = Route(
            body.get("team_id") or event.get("team", ""),
            user,
            channel=channel,
            is_dm=is_dm,
            thread_ts=None if is_dm else item.get("ts"),
        )
        self._take(
            route,
            text=emoji or f":{event.get('reaction', '')}:",
            conversation_id=channel,
            delivery_id=body.get("event_id"),
            private=is_dm,
            reaction=True,
        )

    async def on_home_opened(self, ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        await ack()
        route = Route(body.get("team_id", ""), event["user"], channel=event.get("channel"), is_dm=True)
        if event.get("tab") == "messages":  # the first visit to the Messages tab: say hello, once
            message = IncomingMessage(route.user_id, "slack", route.channel or "")
            self._pipeline.greet(self._channel, Arrival(message, route, address=route.address()))
        else:
            self._pipeline.later(route.user_id, lambda: self._home.publish(route.team, route.user))

    async def on_action(self, ack, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        payload = payload_of(action)
        if payload is None:
            return
        container = body.get("container") or {}
        user = body.get("user") or {}
        team = (body.get("team") or {}).get("id") or user.get("team_id", "")
        channel = (body.get("channel") or {}).get("id") or container.get("channel_id")
        home = container.get("type") == "view"
        ephemeral = bool(container.get("is_ephemeral"))
        one_shot = kind_of(action.get("block_id")) in ONE_SHOT_KINDS
        in_message = not home and not ephemeral and channel is not None
        route = Route(
            team,
            user["id"],
            channel=channel if in_message else None,
            is_dm=in_message and str(channel).startswith("D"),  # D...: a direct message with the bot
            thread_ts=(body.get("message") or {}).get("thread_ts"),
            response_url=body.get("response_url") if ephemeral else None,
            replace_ts=container.get("message_ts") if one_shot and in_message else None,
            replace_ephemeral=one_shot and ephemeral,
            home=home,
        )
        # A press in the App Home is answered in the DM, which keeps messages; an ephemeral one is not.
        self._take(
            route,
            lasting=not ephemeral,
            action=payload,
            conversation_id=channel or "home",
            delivery_id=body.get("trigger_id") or action.get("action_ts"),
            private=home or ephemeral or route.is_dm,
        )

    async def on_uninstalled(self, ack, body: dict[str, Any]) -> None:
        await ack()
        await self._forget(body.get("team_id", ""), "app_uninstalled")

    async def on_tokens_revoked(self, ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        await ack()
        tokens = event.get("tokens") or {}
        team = body.get("team_id", "")
        for user in (tokens.get("oauth") or [])[:100]:  # user tokens: a person's focus-status consent
            if isinstance(user, str) and self._focus_status is not None:
                self._focus_status.forget(f"slack:{team}:{user}")
        if tokens.get("bot"):
            await self._forget(team, "tokens_revoked")

    async def _forget(self, team: str, reason: str) -> None:
        # The token goes; the workspace's users keep their data (each may still export or erase
        # it through the REST API, and a reinstall finds it again).
        forgotten = await self._channel.clients.forget(team)
        log.info("slack workspace uninstalled", extra={"team": team, "reason": reason, "token_deleted": forgotten})

    def _take(self, route: Route, *, lasting: bool = True, **fields: Any) -> None:
        if fields.get("attachments"):
            self._files.shared_in(route.team, fields["attachments"])
        message = IncomingMessage(route.user_id, "slack", **fields)
        self._pipeline.turn(self._channel, Arrival(message, route, address=route.address(), lasting=lasting))


SLACK_ADAPTER = web.AppKey("slack_adapter", SlackAdapter)
SLACK_SOCKET_MODE = web.AppKey("slack_socket_mode", SlackSocketMode)


def register(app: web.Application, container) -> SlackNotifier | None:
    """Serve Slack when it is configured: /slack/events with a signing secret, Socket Mode with an
    app-level token, /slack/install and /slack/oauth_redirect with OAuth credentials. Returns the
    notifier for this channel's reminders."""
    settings, services = container.settings, container.services
    if not settings.slack_enabled:
        return None
    retry = [AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=2)]
    installations = None
    if settings.slack_oauth:
        cipher = TokenCipher(settings.secret_key)
        installations = SlackInstallations(container.store, cipher, services.clock)
    clients = SlackClients(settings.slack_api_url, retry, token=settings.slack_bot_token, installations=installations)
    home = SlackHome(clients, services, container.dialogs.home_pet)

    async def refresh_home(route: Route) -> None:
        await home.publish(route.team, route.user)

    files = SlackFiles(slack_files(None, settings.slack_api_url), clients)
    channel = SlackChannel(clients, files, retry, after_home_press=refresh_home)
    adapter = SlackAdapter(container.pipeline, channel, home, files, settings, container.focus_status)
    app[SLACK_ADAPTER] = adapter
    if settings.slack_signing_secret:
        app.router.add_post("/slack/events", adapter.handle)
    if settings.slack_socket_mode:
        socket = SlackSocketMode(adapter.bolt, settings.slack_app_token, clients.single, settings.slack_socket_ping)
        app[SLACK_SOCKET_MODE] = socket
        app.cleanup_ctx.append(socket.context)
        if SHUTDOWN_KEY in app:
            app[SHUTDOWN_KEY].when_draining(socket.stop_receiving)
    if installations is not None:
        scopes = json.loads(MANIFEST.read_text(encoding="utf-8"))["oauth_config"]["scopes"]
        status = container.focus_status

        async def user_granted(team: str, user: str, token: str, scope: str) -> None:
            await status.granted(f"slack:{team}:{user}", token, scope)

        oauth = SlackOAuth(
            installations,
            clients.anonymous,
            settings.slack_client_id,
            settings.slack_client_secret,
            scopes["bot"],
            user_scopes=scopes.get("user"),
            user_granted=user_granted if status.offers("slack") else None,
        )
        oauth.register(app)
    return SlackNotifier(settings.slack_bot_token, settings.slack_api_url, installations)
