"""Slack through Bolt (AsyncApp) at POST /slack/events: slash commands, DM and mention
events, button presses and the App Home, translated to and from the neutral messages.

Bolt verifies signatures and timestamps and answers ``url_verification``. Each listener
only acknowledges and hands the turn to a background task, so Slack gets its answer
well within 3 s whatever the store or the Web API are doing; the replies then go out
through the Web API or the request's ``response_url``. Redeliveries are acknowledged
again and dropped by the dialog router, which remembers delivery ids in the store.
"""
from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import OrderedDict
from collections.abc import Coroutine
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
from slack_bolt.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
)
from slack_sdk.signature import SignatureVerifier
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack.refusals import RefusalLog
from bot.adapters.slack.notifier import SlackNotifier
from bot.language.parser import Command, parse
from bot.downloads import FileSource, Origin
from bot.messages import Attachment, IncomingMessage, Reply
from bot.voice.decode import MAX_BYTES
from bot.adapters.slack.render import (
    ACTION_PREFIX,
    HOME_TASKS,
    home_view,
    kind_of,
    payload_of,
    render_message,
    render_text_only,
)
from domain.errors import NotFound

log = logging.getLogger("avanochi.slack")

# Buttons of these replies answer one question: the first answer replaces the question.
ONE_SHOT_KINDS = frozenset({"confirm", "question", "suggestion"})
BLOCK_ERRORS = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_too_long", "invalid_attachments"})
KNOWN_FOR_SECONDS = 600.0
KNOWN_MAX_USERS = 10_000
SLACK_MARKUP = re.compile(r"<([^<>]*)>")
SORRY = Reply("Sorry, something went wrong on my side. Please try again in a moment.", kind="error")
SENT_TO_DM = Reply("I sent it to you in our direct messages. 📬", private=True)


@dataclass
class Route:
    """Where the answers to one Slack request go."""

    team: str
    user: str
    channel: str | None = None  # a conversation the bot may post in
    is_dm: bool = False  # ... and it is the bot's DM with the user
    thread_ts: str | None = None
    response_url: str | None = None  # slash commands and ephemeral messages answer through it
    replace_ts: str | None = None  # a question the first answer replaces (chat.update)
    replace_ephemeral: bool = False  # ... the same for an ephemeral question (response_url)
    home: bool = False  # pressed in the App Home: refresh it afterwards

    @property
    def user_id(self) -> str:
        return f"slack:{self.team}:{self.user}"


class DeliveryFailed(Exception):
    """A response_url post that Slack refused; ``code`` is its error body (invalid_blocks...)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


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

    text = SLACK_MARKUP.sub(unwrap, text or "")
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def attachments_of(event: dict[str, Any]) -> tuple[Attachment, ...]:
    """Shared files (voice notes); their URLs need the bot token to download. A remote file
    (``is_external``) lives outside Slack: it keeps no URL, so it is never fetched."""
    return tuple(
        Attachment(url="" if f.get("is_external") or f.get("mode") == "external"
                   else f.get("url_private_download") or f.get("url_private") or "",
                   content_type=f.get("mimetype"), name=f.get("name"), size=f.get("size"))
        for f in event.get("files") or [] if isinstance(f, dict)
    )


def slack_files(token: str | None, api_url: str) -> FileSource:
    """Slack's file host, and the Web API's own origin (a local fake in tests): the only places
    the bot token is sent."""
    origins = {Origin("https", "files.slack.com", 443)}
    api = Origin.of(api_url)
    if api is not None:
        origins.add(api)
    return FileSource(frozenset(origins), headers={"Authorization": f"Bearer {token}"})


def says_yes(message: IncomingMessage) -> bool:
    if message.action:
        return message.action.get("command") == "yes"
    command = parse(message.text)
    return isinstance(command, Command) and command.name == "yes"


class SlackAdapter:
    def __init__(self, dialogs, services, settings) -> None:
        self._dialogs = dialogs
        self._services = services
        self._files = slack_files(settings.slack_bot_token, settings.slack_api_url)
        self._retry = [AsyncConnectionErrorRetryHandler(), AsyncRateLimitErrorRetryHandler(max_retry_count=2)]
        base_url = settings.slack_api_url.rstrip("/") + "/"  # methods are joined onto it
        self.client = AsyncWebClient(token=settings.slack_bot_token, base_url=base_url, retry_handlers=self._retry)
        # process_before_response: listeners run before the HTTP answer, and each of them
        # only acks and starts a task we track, rather than Bolt's untracked futures.
        self.bolt = AsyncApp(client=self.client, signing_secret=settings.slack_signing_secret,
                             process_before_response=True, name="avanochi")
        self._tasks: set[asyncio.Task] = set()
        self._verifier = SignatureVerifier(settings.slack_signing_secret)
        self._refusals = RefusalLog(log)
        self._locks: dict[str, list[Any]] = {}  # user -> [lock, holders]: one turn at a time per user
        # Users met lately -> (expiry, DM channel, Slack time zone, name).
        # Only a cache: the store stays the truth, any instance may answer anyone.
        self._known: OrderedDict[str, tuple[float, str | None, str | None, str | None]] = OrderedDict()
        bolt = self.bolt
        bolt.command("/avanochi")(self.on_command)
        bolt.event("message")(self.on_message)
        bolt.event("app_mention")(self.on_mention)
        bolt.event("app_home_opened")(self.on_home_opened)
        bolt.action(re.compile(f"^{ACTION_PREFIX}"))(self.on_action)
        # Anything else is acknowledged: an unanswered event is retried, then switched off.
        bolt.event(re.compile(".*"))(self.ignore)
        bolt.action(re.compile(".*"))(self.ignore)

    # -- HTTP ---------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.Response:
        # The signature is checked before Bolt sees the request: Bolt parses the body first
        # (a traceback for every piece of junk posted here) and logs a refused request's whole
        # body, which may be someone's message replayed late.
        body = await request.read()
        if not self._signed(body, request.headers.get("X-Slack-Request-Timestamp"),
                            request.headers.get("X-Slack-Signature")):
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
        try:
            return self._verifier.is_valid(body, timestamp, signature)
        except (ValueError, TypeError):  # a timestamp that is no number, a signature that is no ASCII
            return False

    async def drain(self, _: web.Application | None = None) -> None:
        """Let the turns already acknowledged finish before the store closes."""
        if self._tasks:
            await asyncio.wait(set(self._tasks), timeout=15)

    # -- listeners: acknowledge, translate, hand over ----------------------------------------

    async def ignore(self, ack) -> None:
        await ack()

    async def on_command(self, ack, command: dict[str, Any]) -> None:
        await ack()
        route = Route(command["team_id"], command["user_id"], response_url=command.get("response_url"))
        # Answers go back ephemeral through response_url: only the user sees them.
        self._start(route, text=words(command.get("text")), conversation_id=command.get("channel_id") or "",
                    delivery_id=command.get("trigger_id"), private=True, user_name=command.get("user_name"))

    async def on_message(self, ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        await ack()
        if (event.get("channel_type") != "im" or event.get("bot_id") or not event.get("user")
                or event.get("subtype") not in (None, "file_share")):
            return  # edits, deletions, joins, bots: not something the user said to us
        route = Route(body.get("team_id") or event.get("team", ""), event["user"], channel=event["channel"],
                      is_dm=True, thread_ts=event.get("thread_ts"))
        self._start(route, text=words(event.get("text")), conversation_id=event["channel"],
                    delivery_id=body.get("event_id"), private=True, attachments=attachments_of(event))

    async def on_mention(self, ack, body: dict[str, Any], event: dict[str, Any], context) -> None:
        await ack()
        if event.get("bot_id") or not event.get("user"):
            return
        route = Route(body.get("team_id") or event.get("team", ""), event["user"], channel=event["channel"],
                      thread_ts=event.get("thread_ts") or event.get("ts"))
        self._start(route, text=words(event.get("text"), context.bot_user_id), conversation_id=event["channel"],
                    delivery_id=body.get("event_id"), private=False, attachments=attachments_of(event))

    async def on_home_opened(self, ack, body: dict[str, Any], event: dict[str, Any]) -> None:
        await ack()
        route = Route(body.get("team_id", ""), event["user"], channel=event.get("channel"), is_dm=True)
        self._spawn(route.user_id, self._home_opened(route, event.get("tab")))

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
            team, user["id"],
            channel=channel if in_message else None,
            is_dm=in_message and channel.startswith("D"),  # D...: a direct message with the bot
            thread_ts=(body.get("message") or {}).get("thread_ts"),
            response_url=body.get("response_url") if ephemeral else None,
            replace_ts=container.get("message_ts") if one_shot and in_message else None,
            replace_ephemeral=one_shot and ephemeral,
            home=home,
        )
        self._start(route, action=payload, conversation_id=channel or "home",
                    delivery_id=body.get("trigger_id") or action.get("action_ts"),
                    private=home or ephemeral or route.is_dm)

    # -- one turn, after the ack -------------------------------------------------------------

    def _start(self, route: Route, **fields: Any) -> None:
        self._spawn(route.user_id, self._converse(route, fields))

    def _spawn(self, user_id: str, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.create_task(self._one_at_a_time(user_id, work))
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _one_at_a_time(self, user_id: str, work: Coroutine[Any, Any, None]) -> None:
        """Turns of one user run in order (asyncio locks are FIFO), like a conversation."""
        entry = self._locks.setdefault(user_id, [asyncio.Lock(), 0])
        entry[1] += 1
        try:
            async with entry[0]:
                await work
        except Exception:
            log.exception("slack turn failed")
        finally:
            entry[1] -= 1
            if entry[1] == 0:
                self._locks.pop(user_id, None)

    async def _converse(self, route: Route, fields: dict[str, Any]) -> None:
        try:
            hint, name = await self._get_to_know(route)
            message = IncomingMessage(route.user_id, "slack", timezone_hint=hint,
                                      **{**fields, "user_name": name or fields.get("user_name")})
            replies = await self._dialogs.handle(message, fetch=self._fetch)
            if says_yes(message):
                # A yes may have erased the user's data (and their stored DM): meet them afresh.
                self._known.pop(route.user_id, None)
        except Exception:
            log.exception("slack turn failed")
            replies = [SORRY]
        await self._deliver(route, replies)
        if route.home:
            await self._publish_home(route)

    async def _fetch(self, attachment: Attachment) -> bytes:
        """A shared file's bytes (voice notes), from Slack's file host only."""
        return await self._files.fetch(attachment, MAX_BYTES)

    async def _get_to_know(self, route: Route) -> tuple[str | None, str | None]:
        """The time zone and name Slack knows, read (users.info) only while onboarding has
        not started, and the DM channel, stored once for proactive messages."""
        known = self._known.get(route.user_id)
        if known and known[0] > time.monotonic():
            return known[2], known[3]
        hint = name = None
        if (await self._services.conversations.state(route.user_id)).onboarding == "new":
            hint, name = await self._profile(route.user)
        channel = await self._dm(route, remember=True)
        # The hint is kept too: dialogs only read it while onboarding is new.
        self._known[route.user_id] = (time.monotonic() + KNOWN_FOR_SECONDS, channel, hint, name)
        self._known.move_to_end(route.user_id)
        while len(self._known) > KNOWN_MAX_USERS:
            self._known.popitem(last=False)
        return hint, name

    async def _profile(self, user: str) -> tuple[str | None, str | None]:
        try:
            found = (await self.client.users_info(user=user))["user"]
        except Exception as error:  # onboarding just asks for the zone instead
            log.warning("users.info failed", extra={"error": str(error)})
            return None, None
        profile = found.get("profile") or {}
        return found.get("tz"), found.get("real_name") or profile.get("real_name") or found.get("name")

    async def _dm(self, route: Route, *, remember: bool = False) -> str | None:
        """The bot's DM channel with the user: this conversation, the cache, the store, or a
        new one from conversations.open (stored, so it is opened only once)."""
        if route.is_dm and route.channel and not remember:
            return route.channel
        known = self._known.get(route.user_id)
        if known and known[1] and not remember:
            return known[1]
        address = await self._services.conversations.address(route.user_id, "slack")
        stored = address.data.get("channel") if address else None
        channel = route.channel if route.is_dm and route.channel else stored
        if not channel:
            try:
                channel = (await self.client.conversations_open(users=route.user))["channel"]["id"]
            except Exception as error:
                log.warning("conversations.open failed", extra={"error": str(error)})
                return None
        if remember and channel != stored:
            await self._services.conversations.remember_address(
                route.user_id, "slack", {"team_id": route.team, "user": route.user, "channel": channel})
        return channel

    # -- replies out -----------------------------------------------------------------------

    async def _deliver(self, route: Route, replies: list[Reply]) -> None:
        for reply in replies:
            try:
                if reply.file or reply.image:
                    await self._upload(route, reply)
                else:
                    await self._post(route, reply)
            except (SlackApiError, DeliveryFailed) as error:  # Slack said no: nothing to trace
                log.warning("slack refused a reply", extra={"kind": reply.kind, "error": str(error)[:300]})
            except Exception:
                log.exception("slack reply failed", extra={"kind": reply.kind})
            route.replace_ts, route.replace_ephemeral = None, False  # only the first answer replaces

    async def _post(self, route: Route, reply: Reply) -> None:
        try:
            await self._send(route, reply, render_message(reply))
        except (SlackApiError, DeliveryFailed) as error:
            code = error.code if isinstance(error, DeliveryFailed) else error.response.get("error")
            if code not in BLOCK_ERRORS:
                raise
            log.warning("slack refused the blocks; sending text only", extra={"error": code})
            await self._send(route, reply, render_text_only(reply))

    async def _send(self, route: Route, reply: Reply, content: dict[str, Any]) -> None:
        # An ephemeral reply (a token) never becomes a lasting message, not even in the DM.
        lasting_here = (route.is_dm or not reply.private) and not reply.ephemeral
        if route.replace_ephemeral and route.response_url:
            await self._respond(route.response_url, content, replace=True)
        elif route.replace_ts and route.channel and lasting_here:
            await self.client.chat_update(channel=route.channel, ts=route.replace_ts, **content)
        elif route.response_url:
            await self._respond(route.response_url, content)
        elif route.channel and lasting_here:
            await self.client.chat_postMessage(channel=route.channel, thread_ts=route.thread_ts, **content)
        elif route.channel:
            await self.client.chat_postEphemeral(channel=route.channel, user=route.user,
                                                 thread_ts=route.thread_ts, **content)
        else:  # the App Home is no conversation: answer in the DM
            channel = await self._dm(route)
            if channel and reply.ephemeral:
                await self.client.chat_postEphemeral(channel=channel, user=route.user, **content)
            elif channel:
                await self.client.chat_postMessage(channel=channel, **content)

    async def _respond(self, url: str, content: dict[str, Any], *, replace: bool = False) -> None:
        response = await AsyncWebhookClient(url, retry_handlers=self._retry).send(
            response_type="ephemeral", replace_original=replace, **content)
        if response.status_code != 200:
            raise DeliveryFailed(response.body or str(response.status_code))

    async def _upload(self, route: Route, reply: Reply) -> None:
        """Files (the data export) and images go up with files_upload_v2; private ones
        only ever to the DM, with a note where the user asked."""
        here = route.channel if route.channel and (route.is_dm or not reply.private) else None
        target = here or await self._dm(route)
        if reply.file:
            data, name, title = reply.file.content, reply.file.name, reply.file.name
        else:
            data, name, title = reply.image.png, "avanochi.png", reply.image.alt  # type: ignore[union-attr]
        await self.client.files_upload_v2(channel=target, file=data, filename=name, title=title,
                                          initial_comment=render_text_only(reply)["text"],
                                          thread_ts=route.thread_ts if here else None)
        if not here and (route.response_url or route.channel):
            await self._post(route, SENT_TO_DM)

    # -- App Home ------------------------------------------------------------------------------

    async def _home_opened(self, route: Route, tab: str | None) -> None:
        if tab != "messages":
            await self._publish_home(route)
            return
        try:  # first visit to the Messages tab: say hello, once
            await self._services.users.get_user(route.user_id)
            return
        except NotFound:
            pass
        if not await self._services.conversations.first_delivery(route.user_id, "slack:welcome"):
            return
        _, name = await self._get_to_know(route)
        message = IncomingMessage(route.user_id, "slack", route.channel or "", user_name=name)
        await self._deliver(route, await self._dialogs.welcome(message))

    async def _publish_home(self, route: Route) -> None:
        services, user_id = self._services, route.user_id
        try:
            view = home_view(
                await services.work_sessions.get_active_session(user_id),
                await services.tasks.list_tasks(user_id, "open", limit=HOME_TASKS + 1),
                await services.stats.period(user_id, "today"),
                await services.users.timezone(user_id),
                services.clock.now(),
                await self._dialogs.home_pet(user_id),
            )
            await self.client.views_publish(user_id=route.user, view=view)
        except Exception:
            log.exception("views.publish failed")


SLACK_ADAPTER = web.AppKey("slack_adapter", SlackAdapter)  # its Web API client serves proactive messages


def register(app: web.Application, dialogs, services, settings) -> SlackNotifier:
    """Serve /slack/events; returns the notifier that sends this channel's reminders."""
    adapter = SlackAdapter(dialogs, services, settings)
    app[SLACK_ADAPTER] = adapter
    app.router.add_post("/slack/events", adapter.handle)
    app.on_shutdown.append(adapter.drain)
    return SlackNotifier(settings.slack_bot_token, settings.slack_api_url)
