"""Slack as a channel of the turn pipeline: the placed replies rendered as Block Kit and sent
through the Web API or a request's response_url; users.info for the profile, conversations.open
for the DM."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.webhook.async_client import AsyncWebhookClient

from bot.adapters.slack.render import render_message, render_text_only
from bot.adapters.slack.workspaces import NotInstalled, SlackClients
from bot.messages import Reply
from bot.runtime.channel import ChannelBase, ChannelCapabilities, DirectAddress, Files, Placed, Profile, Where

log = logging.getLogger("avanochi.slack")

BLOCK_ERRORS = frozenset({"invalid_blocks", "invalid_blocks_format", "msg_too_long", "invalid_attachments"})


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

    def address(self) -> dict[str, str] | None:
        """Where reminders reach the user, when this is their DM with the bot."""
        return (
            {"team_id": self.team, "user": self.user, "channel": self.channel} if self.is_dm and self.channel else None
        )


class DeliveryFailed(Exception):
    """A response_url post that Slack refused; ``code`` is its error body (invalid_blocks...)."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


class SlackChannel(ChannelBase):
    name = "slack"
    capabilities = ChannelCapabilities(ephemeral=True, files=True, buttons=True, dm=True, profiles=True)

    def __init__(
        self,
        clients: SlackClients,
        files: Files,
        retry: list[AsyncRetryHandler],
        after_home_press: Callable[[Route], Awaitable[None]] | None = None,
    ) -> None:
        self.clients = clients  # each workspace's bot token
        self.files = files
        self._retry = retry
        self._after_home_press = after_home_press

    async def send(self, route: Route, replies: list[Placed], dm: DirectAddress) -> None:
        for placed in replies:
            reply = placed.reply
            try:
                if reply.file or reply.image:
                    await self._upload(route, placed, dm)
                else:
                    await self._post(route, placed, dm)
            except NotInstalled:  # uninstalled while the turn ran: nobody to answer
                log.warning("slack reply dropped: the workspace has no installation", extra={"kind": reply.kind})
                return
            except (SlackApiError, DeliveryFailed) as error:  # Slack said no: nothing to trace
                log.warning("slack refused a reply", extra={"kind": reply.kind, "error": str(error)[:300]})
            except Exception:
                log.exception("slack reply failed", extra={"kind": reply.kind})
            route.replace_ts, route.replace_ephemeral = None, False  # only the first answer replaces
        if route.home and self._after_home_press is not None:
            await self._after_home_press(route)

    async def profile(self, route: Route) -> Profile | None:
        try:
            client = await self.clients.client(route.team)
            found = (await client.users_info(user=route.user, include_locale=True))["user"]
        except Exception as error:  # onboarding just asks for the zone instead
            log.warning("users.info failed", extra={"error": str(error)})
            return None
        names = found.get("profile") or {}
        # The name the person goes by; never the handle ("name"), which is a login, not a name.
        name = found.get("real_name") or names.get("real_name") or names.get("display_name")
        return Profile(name or None, found.get("tz"), found.get("locale"))

    async def open_dm(self, route: Route) -> Mapping[str, Any] | None:
        try:
            client = await self.clients.client(route.team)
            channel = (await client.conversations_open(users=route.user))["channel"]["id"]
        except Exception as error:
            log.warning("conversations.open failed", extra={"error": str(error)})
            return None
        return {"team_id": route.team, "user": route.user, "channel": channel}

    # -- rendering and the Web API ---------------------------------------------------------------

    async def _post(self, route: Route, placed: Placed, dm: DirectAddress) -> None:
        try:
            await self._send(route, placed, render_message(placed.reply), dm)
        except (SlackApiError, DeliveryFailed) as error:
            code = error.code if isinstance(error, DeliveryFailed) else error.response.get("error")
            if code not in BLOCK_ERRORS:
                raise
            log.warning("slack refused the blocks; sending text only", extra={"error": code})
            await self._send(route, placed, render_text_only(placed.reply), dm)

    async def _send(self, route: Route, placed: Placed, content: dict[str, Any], dm: DirectAddress) -> None:
        user_only = placed.where is Where.USER_ONLY
        client = await self.clients.client(route.team)
        if placed.where is Where.DM:
            if channel := await self._dm_channel(route, dm):
                await client.chat_postMessage(channel=channel, **content)
        elif route.response_url:  # a slash command or an ephemeral message: only the user sees it
            await self._respond(route.response_url, content, replace=route.replace_ephemeral)
        elif route.channel and user_only:
            await client.chat_postEphemeral(
                channel=route.channel, user=route.user, thread_ts=route.thread_ts, **content
            )
        elif route.channel and route.replace_ts:
            await client.chat_update(channel=route.channel, ts=route.replace_ts, **content)
        elif route.channel:
            await client.chat_postMessage(channel=route.channel, thread_ts=route.thread_ts, **content)
        elif channel := await self._dm_channel(route, dm):  # the App Home is no conversation: the DM
            if user_only:
                await client.chat_postEphemeral(channel=channel, user=route.user, **content)
            else:
                await client.chat_postMessage(channel=channel, **content)

    async def _respond(self, url: str, content: dict[str, Any], *, replace: bool = False) -> None:
        response = await AsyncWebhookClient(url, retry_handlers=self._retry).send(
            response_type="ephemeral", replace_original=replace, **content
        )
        if response.status_code != 200:
            raise DeliveryFailed(response.body or str(response.status_code))

    async def _upload(self, route: Route, placed: Placed, dm: DirectAddress) -> None:
        """Files (the data export) and images go up with files_upload_v2, here or in the DM."""
        reply: Reply = placed.reply
        here = route.channel if placed.where is Where.HERE else None
        target = here or await self._dm_channel(route, dm)
        if reply.file:
            data, name, title = reply.file.content, reply.file.name, reply.file.name
        else:
            data, name, title = reply.image.png, "avanochi.png", reply.image.alt  # type: ignore[union-attr]
        client = await self.clients.client(route.team)
        await client.files_upload_v2(
            channel=target,
            file=data,
            filename=name,
            title=title,
            initial_comment=render_text_only(reply)["text"],
            thread_ts=route.thread_ts if here else None,
        )

    @staticmethod
    async def _dm_channel(route: Route, dm: DirectAddress) -> str | None:
        if route.is_dm and route.channel:
            return route.channel
        address = await dm()
        return str(address["channel"]) if address and address.get("channel") else None
