"""The turn pipeline: what every channel needs around a dialog turn, written once.

A channel hands over an ``Arrival``; in that user's order (``UserQueues``) the pipeline
- keeps to the user's pace: a flood costs a counter, not a store call per message;
- opens the turn's unit of work on the store (``Services.turn``): what the turn reads of the
  user is read once, and the conversation document, which remembers recent delivery ids, is
  written no later than the turn's first other write;
- drops a redelivery: one seen before, or one another instance is handling at the same time
  (its write of the conversation loses the race: ``DuplicateDelivery``), without a reply;
- refuses text over the cap unread;
- gets to know the user: the platform's profile while onboarding is new (cached for a few
  minutes), and the address for reminders, from private chats only;
- runs the dialogs, downloading attachments through the channel's file source under the size cap,
  with a typing indicator when the turn is slow;
- forgets the user after they erased their data;
- answers a domain error with its friendly text and anything else with an apology;
- places each reply (bot/runtime/privacy.py) and hands them to the channel to render and send.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Mapping
from dataclasses import replace
from typing import Any

from bot.dialogs.router import Dialogs, TurnResult, error_reply
from bot.dialogs.voice import Fetch
from bot.language.parser import MessageTooLong, refuse_long
from bot.messages import Attachment, IncomingMessage, Reply
from bot.runtime.acquaintances import Acquaintance, Acquaintances
from bot.runtime.channel import Arrival, Channel, Profile
from bot.runtime.ordering import UserQueues, Work
from bot.runtime.pace import ChatPace, Pace
from bot.runtime.privacy import place
from bot.runtime.telemetry import Telemetry
from bot.voice.decode import MAX_BYTES
from domain.errors import DomainError, DuplicateDelivery, NotFound
from domain.services import Services
from domain.wording import plural

log = logging.getLogger("avanochi.turns")

SORRY = Reply("Sorry, something went wrong on my side. Please try again in a moment.", kind="error")
TYPING_AFTER = 0.3  # seconds a turn may take before the user sees "Avanochi is typing"


class TurnPipeline:
    def __init__(
        self,
        dialogs: Dialogs,
        services: Services,
        pace: ChatPace | None = None,
        *,
        queues: UserQueues | None = None,
        acquaintances: Acquaintances | None = None,
        typing_after: float = TYPING_AFTER,
        telemetry: Telemetry | None = None,
    ) -> None:
        self._dialogs = dialogs
        self._telemetry = telemetry
        self._services = services
        self._pace = pace
        self._queues = queues or UserQueues()
        self._known = acquaintances or Acquaintances()
        self._typing_after = typing_after

    # -- what channels call ----------------------------------------------------------------

    def turn(self, channel: Channel, arrival: Arrival) -> Awaitable[None]:
        """Take a message or a button press, behind the user's earlier ones. Await it to wait
        until its replies are sent; a channel that must answer its platform first need not."""
        return self._in_order(arrival.message.user_id, lambda: self._turn(channel, arrival))

    def greet(self, channel: Channel, arrival: Arrival) -> Awaitable[None]:
        """Say welcome to someone the bot has not met yet, once (an install, a first visit)."""
        return self._in_order(arrival.message.user_id, lambda: self._greeting(channel, arrival))

    def later(self, user_id: str, work: Work) -> Awaitable[None]:
        """Channel work that must not overtake the user's turns (Slack refreshing its App Home)."""
        return self._in_order(user_id, work)

    async def answer(self, message: IncomingMessage) -> list[Reply]:
        """The replies to one message, in the user's order and under the pace, dedupe, size cap
        and apology, for a channel that uses them rather than shows them (Teams runs the command
        behind an accepted file again, to upload its file). Nothing is placed, sent or learnt
        about the user: the caller delivers what it needs of the replies."""
        replies: list[Reply] = []

        async def work() -> None:
            replies.extend(await self._replies(message, None))

        await self._in_order(message.user_id, work)
        return replies

    def waiting(self) -> int:
        """Turns taken and not yet finished, every user's together (the one running included)."""
        return self._queues.waiting()

    async def drain(self, *_: Any, timeout: float = 15.0) -> None:  # noqa: ASYNC109 (a grace period)
        """Let the turns already taken finish (before the store closes, and in tests)."""
        await self._queues.drain(timeout)

    def _in_order(self, user_id: str, work: Work) -> Awaitable[None]:
        done = self._queues.submit(user_id, work)
        if done is None:  # the user has a flood waiting already: this one is dropped
            done = asyncio.get_running_loop().create_future()
            done.set_result(None)
        return done

    # -- one turn --------------------------------------------------------------------------

    async def _turn(self, channel: Channel, arrival: Arrival) -> None:
        replies = await self._replies(arrival.message, self._fetcher(channel), channel, arrival)
        await self._deliver(channel, arrival, replies)

    async def _replies(
        self,
        message: IncomingMessage,
        fetch: Fetch | None,
        channel: Channel | None = None,
        arrival: Arrival | None = None,
    ) -> list[Reply]:
        if self._telemetry is None:
            return await self._unmeasured_replies(message, fetch, channel, arrival)
        with self._telemetry.turn(message) as outcome:
            replies = await self._unmeasured_replies(message, fetch, channel, arrival)
            outcome.value = turn_outcome(replies)
            return replies

    async def _unmeasured_replies(
        self,
        message: IncomingMessage,
        fetch: Fetch | None,
        channel: Channel | None = None,
        arrival: Arrival | None = None,
    ) -> list[Reply]:
        try:
            if self._pace is not None:
                pace, wait = await self._pace.check(message.user_id)
                if pace is not Pace.OK:
                    log.info("turn over the user's pace", extra={"channel": message.channel, "pace": pace.value})
                    slow_down = f"You're going fast: give me {plural(wait, 'second')}, then carry on."
                    return [] if pace is Pace.DROP else [Reply(slow_down, kind="error")]
            async with self._services.turn(message.user_id) as services:
                # The delivery id is noted in the conversation, not written on its own: it reaches
                # the store with the turn's first write (or at its end).
                if not await services.conversations.first_delivery(message.user_id, message.delivery_id):
                    log.info("duplicate delivery dropped", extra={"channel": message.channel})
                    return []
                try:
                    refuse_long(longest_text(message))
                except MessageTooLong as error:
                    return [error_reply(error)]  # the turn still ends, so a retry of it is dropped
                if channel is not None and arrival is not None:
                    message = await self._get_to_know(channel, arrival, services)
                result = await self._respond(message, fetch, channel, arrival, services)
            if result.erased:
                self._known.forget(message.user_id)  # their profile and address are gone too
            return result.replies
        except DuplicateDelivery:
            # Another instance has this very delivery (a platform's retry) and noted it first; this
            # turn lost the race for the conversation before it changed anything, or kept it unsaid.
            log.info("duplicate delivery dropped", extra={"channel": message.channel})
            return []
        except DomainError as error:
            return [error_reply(error)]
        except Exception:
            log.exception("turn failed", extra={"channel": message.channel})
            return [SORRY]

    async def _respond(
        self,
        message: IncomingMessage,
        fetch: Fetch | None,
        channel: Channel | None,
        arrival: Arrival | None,
        services: Services,
    ) -> TurnResult:
        if channel is None or arrival is None or not channel.capabilities.typing:
            return await self._dialogs.respond(message, fetch, services)
        # Typing goes out only when the turn is slow (a voice note, a chart): a fast turn's reply
        # is its own signal. Once started, it is awaited so that it never lands after the replies.
        typing = asyncio.create_task(self._typing(channel, arrival.route))
        try:
            return await self._dialogs.respond(message, fetch, services)
        finally:
            typing.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await typing

    async def _typing(self, channel: Channel, route: Any) -> None:
        await asyncio.sleep(self._typing_after)
        try:
            await channel.typing(route)
        except Exception:  # a lost typing indicator is no reason to lose the answer
            log.warning("typing indicator not sent", extra={"channel": channel.name}, exc_info=True)

    @staticmethod
    def _fetcher(channel: Channel) -> Fetch | None:
        files = channel.files
        if files is None:
            return None

        async def fetch(attachment: Attachment) -> bytes:
            # Only from the channel's own file hosts, never more than the voice pipeline takes.
            return await files.fetch(attachment, MAX_BYTES)

        return fetch

    async def _deliver(self, channel: Channel, arrival: Arrival, replies: list[Reply]) -> None:
        if not replies:
            return
        dm_known = False
        message = arrival.message
        if channel.capabilities.known_dm and not message.private and any(reply.private for reply in replies):
            try:  # a channel that cannot open a DM reaches the user's 1:1 chat only if it knows it
                dm_known = await self._direct_address(channel, arrival) is not None
            except Exception:  # then the replies take the words allowed in the group instead
                log.warning("private chat not looked up", extra={"channel": channel.name}, exc_info=True)
        placed = place(replies, message, channel.capabilities, lasting=arrival.lasting, dm_known=dm_known)
        try:
            await channel.send(arrival.route, placed, lambda: self._direct_address(channel, arrival))
        except Exception:
            log.exception("replies not delivered", extra={"channel": channel.name})

    # -- greeting --------------------------------------------------------------------------

    async def _greeting(self, channel: Channel, arrival: Arrival) -> None:
        user_id = arrival.message.user_id
        try:
            if await self._met(user_id):
                return
            if not await self._services.conversations.first_delivery(user_id, f"{channel.name}:welcome"):
                return  # the platform told us twice
            message = await self._get_to_know(channel, arrival, self._services)
            replies = await self._dialogs.welcome(message)
        except Exception:  # nobody asked for it: no apology either
            log.exception("greeting failed", extra={"channel": channel.name})
            return
        await self._deliver(channel, arrival, replies)

    async def _met(self, user_id: str) -> bool:
        try:
            await self._services.users.get_user(user_id)
        except NotFound:
            return False
        return True

    # -- who the user is, and where to reach them -----------------------------------------------

    async def _get_to_know(self, channel: Channel, arrival: Arrival, services: Services) -> IncomingMessage:
        """The message with the platform's name and time zone for the user, asked for only
        while onboarding is new (the dialogs read them then), and the proactive address kept.
        ``services``: the turn's, or the application's outside a turn (a greeting)."""
        message = arrival.message
        known = self._known.get(message.user_id)
        if known is None:
            profile = None
            if (
                channel.capabilities.profiles
                and (await services.conversations.state(message.user_id)).onboarding == "new"
            ):
                profile = await self._profile(channel, arrival)
            known = Acquaintance(profile or Profile())
            self._known.put(message.user_id, known)
        await self._capture_address(channel, arrival, known, services)
        return replace(
            message,
            user_name=known.profile.name or message.user_name,
            timezone_hint=message.timezone_hint or known.profile.timezone,
            locale_hint=message.locale_hint or known.profile.locale,
        )

    @staticmethod
    async def _profile(channel: Channel, arrival: Arrival) -> Profile | None:
        try:
            return await channel.profile(arrival.route)
        except Exception:  # onboarding just asks for the time zone instead
            log.warning("profile lookup failed", extra={"channel": channel.name}, exc_info=True)
            return None

    async def _capture_address(
        self, channel: Channel, arrival: Arrival, known: Acquaintance, services: Services
    ) -> None:
        """Keep where to reach the user for reminders: their private chat only, never a group
        (a hydration nudge has no place in a team channel). The store is asked only when the
        address is not the one stored last (a few minutes' cache), so a turn pays nothing for it."""
        if not arrival.message.private:
            return
        try:
            if arrival.address is not None:
                if known.address != arrival.address:
                    await services.conversations.remember_address(
                        arrival.message.user_id, channel.name, dict(arrival.address)
                    )
                    known.address = arrival.address
            elif channel.capabilities.dm and known.address is None:
                await self._direct_address(channel, arrival, services)  # opened and stored once
        except DuplicateDelivery:
            raise  # its write of the conversation lost to another instance's: the turn is theirs
        except Exception:  # the dialogs will meet the same store trouble and apologise
            log.warning("proactive address not stored", extra={"channel": channel.name}, exc_info=True)

    async def _direct_address(
        self, channel: Channel, arrival: Arrival, services: Services | None = None
    ) -> Mapping[str, Any] | None:
        """The user's private chat on this channel: known already, stored, or opened (and stored)."""
        services = services or self._services
        message = arrival.message
        known = self._known.get(message.user_id)
        if known is not None and known.address is not None:
            return known.address
        if message.private and arrival.address is not None:
            return arrival.address
        stored = await services.conversations.address(message.user_id, channel.name)
        address: Mapping[str, Any] | None = stored.data if stored else None
        if address is None and channel.capabilities.dm:
            address = await channel.open_dm(arrival.route)
            if address is not None:
                await services.conversations.remember_address(message.user_id, channel.name, dict(address))
        if known is not None and address is not None:
            known.address = address
        return address


def turn_outcome(replies: list[Reply]) -> str:
    """How a turn ended, for telemetry: answered, refused with a friendly error, failed with the
    apology, or dropped without a reply (a redelivery, a flood)."""
    if not replies:
        return "dropped"
    if any(reply is SORRY for reply in replies):
        return "failed"
    return "error" if any(reply.kind == "error" for reply in replies) else "ok"


def longest_text(message: IncomingMessage) -> str:
    """The longest text of a message that the dialogs read: its words, or the text and the
    arguments a button carries (a crafted card payload can carry anything)."""
    action = message.action or {}
    return max(message.text, str(action.get("text", "")), str(action.get("args", "")), key=len)
