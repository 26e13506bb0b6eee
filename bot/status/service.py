"""The focus-status service: follows focus sessions (it is the focus service's watcher) and puts a
status up on the user's platform while they focus, and back down afterwards, for users who
said 'focus status on'.

Best effort and off the turn's path: the watcher only schedules the work, which runs in the
background one user at a time (so a quick start-then-stop is done in order); a failure is
logged and the focus goes on. A consent the platform no longer honours is forgotten, and the
user is told once, in plain words.
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import replace
from datetime import datetime
from enum import Enum
from typing import Any

from bot.background import BackgroundWork
from bot.messages import Reply
from bot.status.providers import ConsentLost, StatusProvider
from domain.clock import Clock
from domain.entities import FocusSession
from domain.errors import StaleEntity
from domain.focus_status import RESTORE_GIVE_UP, RESTORE_LEASE, FocusStatus
from persistence.focus_status import FocusStatusRecords

log = logging.getLogger("avanochi.status")

MAX_PENDING = 1000  # status jobs waiting at once; past it new ones are dropped (best effort)
SWEEP_PAGE = 500  # statuses put back per reminder pass at most; the next pass finds the rest
LOST = (
    "I can no longer change your status: the permission you gave me was withdrawn. Your focus "
    "sessions work as before. Say 'focus status on' to allow it again."
)

# Sends one message to a user, on the channel they use (the reminder notifiers, wired in app.py).
Teller = Callable[[str, Reply], Awaitable[None]]


class Consent(Enum):
    ON = "on"
    LINK = "link"  # the user must grant access first, at the link
    UNSUPPORTED = "unsupported"  # nothing to show a status on for this user (the terminal, no setup)


class FocusStatusService:
    def __init__(self, records: FocusStatusRecords, providers: list[StatusProvider], clock: Clock) -> None:
        self._records = records
        self._providers = providers
        self._clock = clock
        # Best effort, off the focus's path: a status never breaks a focus.
        self._background = BackgroundWork(log, "focus status", MAX_PENDING)
        self._locks: weakref.WeakValueDictionary[str, asyncio.Lock] = weakref.WeakValueDictionary()
        self.tell: Teller | None = None

    def provider(self, user_id: str) -> StatusProvider | None:
        return next((p for p in self._providers if p.serves(user_id)), None)

    def offers(self, channel: str) -> bool:
        return any(p.channel == channel for p in self._providers)

    # -- the focus service's watcher: schedule only ----------------------------------------

    def started(self, session: FocusSession, timezone: str) -> None:
        if self.provider(session.user_id) is not None:
            self._later(session.user_id, self._show(session, timezone))

    def ended(self, session: FocusSession) -> None:
        if self.provider(session.user_id) is not None:
            self._later(session.user_id, self._restore(session.user_id, session.session_id))

    # -- the reminder pass: statuses whose planned end passed ------------------------------

    async def sweep(self, now: datetime) -> None:
        """Every status still shown whose planned end passed goes back, whether or not the focus
        still runs and whether or not its user gets a focus-end nudge: one indexed query, then
        each restore in the background (one claim per record: of two instances, one does it)."""
        if not self._providers:
            return  # no platform set up: not even the query
        for user_id in await self._records.due(now, SWEEP_PAGE):
            if self.provider(user_id) is not None:
                self._later(user_id, self._expire(user_id, now))

    async def _expire(self, user_id: str, now: datetime) -> None:
        provider = self.provider(user_id)
        record = await self._records.get(user_id)
        shown = record.shown
        if provider is None or shown is None or shown.restore_due > now:
            return  # put back meanwhile, or claimed by another instance
        if now - shown.ends_at < RESTORE_GIVE_UP:
            record.shown = replace(shown, retry_at=now + RESTORE_LEASE)
            try:
                await self._records.save(record, unchanged=True)  # the claim
            except StaleEntity:
                return  # another instance claimed it, or a new focus replaced it
            try:
                await provider.restore(record, shown, now)
            except ConsentLost:
                await self._lost(record)
                return
            # Any other failure (an outage) leaves the claim: the pass after it runs out tries again.
        record.shown = None
        try:
            await self._records.save(record, unchanged=True)
        except StaleEntity:
            pass  # a new focus put its own status up meanwhile: that one stays

    def forget(self, user_id: str) -> None:
        """The platform says the user withdrew their grant (Slack's tokens_revoked)."""
        if self.provider(user_id) is not None:
            self._later(user_id, self._forget(user_id))

    async def _forget(self, user_id: str) -> None:
        record = await self._records.get(user_id)
        if record.grant:
            await self._lost(record)

    async def drain(self) -> None:
        """Wait for the status work scheduled so far (at shutdown, and in tests)."""
        await self._background.drain()

    async def close(self) -> None:
        await self.drain()
        for provider in self._providers:
            close = getattr(provider, "close", None)
            if close is not None:
                await close()

    def _later(self, user_id: str, work: Coroutine[Any, Any, None]) -> None:
        # One user's status work in order: a quick start-then-stop must not finish the other way round.
        self._background.later(work, self._lock(user_id))

    def _lock(self, user_id: str) -> asyncio.Lock:
        lock = self._locks.get(user_id)
        if lock is None:
            lock = self._locks[user_id] = asyncio.Lock()
        return lock

    async def _show(self, session: FocusSession, timezone: str) -> None:
        provider = self.provider(session.user_id)
        record = await self._records.get(session.user_id)
        if provider is None or not record.on or (provider.needs_grant and not record.grant):
            return
        try:
            shown = await provider.show(record, session, timezone, self._clock.now())
        except ConsentLost:
            await self._lost(record)
            return
        if record.shown is not None and record.shown.session_id != session.session_id:
            # A status left up from an earlier session: what was there before it is still the one to put back.
            shown = replace(shown, previous=record.shown.previous)
        record.shown = shown
        await self._records.save(record)

    async def _restore(self, user_id: str, session_id: str | None) -> None:
        provider = self.provider(user_id)
        record = await self._records.get(user_id)
        shown = record.shown
        if provider is None or shown is None or (session_id is not None and shown.session_id != session_id):
            return
        try:
            await provider.restore(record, shown, self._clock.now())
        except ConsentLost:
            await self._lost(record)
            return
        # Only once it is down: after a failure (an outage), the planned end or the next
        # focus tries again, and a status left up clears itself at its end meanwhile.
        record.shown = None
        await self._records.save(record)

    async def _lost(self, record: FocusStatus) -> None:
        log.info("focus status consent withdrawn: forgotten", extra={"channel": record.user_id.split(":")[0]})
        had = record.on
        record.on, record.grant, record.shown = False, {}, None
        await self._records.save(record)
        if had and self.tell is not None:
            await self.tell(record.user_id, Reply(LOST, kind="focus_status"))

    # -- the user's choices (the 'focus status' command) -------------------------------------

    async def turn_on(self, user_id: str) -> tuple[Consent, str | None]:
        provider = self.provider(user_id)
        if provider is None:
            return Consent.UNSUPPORTED, None
        async with self._lock(user_id):
            record = await self._records.get(user_id)
            if provider.needs_grant and not record.grant:
                return (Consent.LINK, provider.consent_link) if provider.consent_link else (Consent.UNSUPPORTED, None)
            record.on = True
            await self._records.save(record)
        return Consent.ON, None

    async def granted(self, user_id: str, token: str, scope: str) -> None:
        """The user approved the user scopes in Slack: keep the token and turn the status on."""
        async with self._lock(user_id):
            record = await self._records.get(user_id)
            record.grant, record.on = {"token": token, "scope": scope}, True
            await self._records.save(record)

    async def turn_off(self, user_id: str) -> bool:
        """Stop (putting back whatever is up now); True when a grant is kept that could be revoked."""
        if self.provider(user_id) is None:
            return False
        async with self._lock(user_id):
            record = await self._records.get(user_id)
            record.on = False
            await self._records.save(record)
        self._later(user_id, self._restore(user_id, None))
        return bool(record.grant)

    async def revoke(self, user_id: str) -> None:
        provider = self.provider(user_id)
        if provider is None:
            return
        async with self._lock(user_id):
            record = await self._records.get(user_id)
            await self._give_back(provider, record)
            record.on, record.grant, record.shown = False, {}, None
            await self._records.save(record)

    async def erasing(self, user_id: str) -> None:
        """The user erases their data: put back a status still shown and give the platform its
        token back first, for the record with the token is about to go. Best effort: nothing
        here stops the erase."""
        provider = self.provider(user_id)
        if provider is None:
            return
        try:
            async with self._lock(user_id):
                record = await self._records.get(user_id)
                if record.grant or record.shown is not None:
                    await self._give_back(provider, record)
        except Exception as error:
            log.warning("focus status not given back before erasing", extra={"error": type(error).__name__})

    async def _give_back(self, provider: StatusProvider, record: FocusStatus) -> None:
        if record.shown is not None:
            try:
                await provider.restore(record, record.shown, self._clock.now())
            except Exception as error:
                log.warning("focus status not restored before revoking", extra={"error": type(error).__name__})
        try:
            await provider.revoke(record)
        except Exception as error:  # the token is forgotten here either way
            log.warning("focus status token not revoked", extra={"error": type(error).__name__})
