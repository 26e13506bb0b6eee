"""What the bot keeps about conversations: each user's conversation (dialog state, last task
change, recent deliveries) and where to reach them.

Outside a chat turn (the REST API recording an undo entry, a platform's install event) each
call reads and writes the conversation document. In a turn, ``TurnConversation`` holds it for
the whole turn and writes it once, no later than the turn's first other write.
"""

from __future__ import annotations

import copy
from typing import Any

from domain.clock import Clock
from domain.concurrency import MAX_ATTEMPTS, retry_stale
from domain.entities import ChannelAddress, ConversationState, UndoEntry
from domain.errors import Conflict, DuplicateDelivery, NotFound, StaleEntity
from domain.ports import RepositorySet, TurnRepositorySet


class ConversationService:
    def __init__(self, repos: RepositorySet, clock: Clock) -> None:
        self._states = repos.conversation_states
        self._addresses = repos.channel_addresses
        self._clock = clock

    async def state(self, user_id: str) -> ConversationState:
        try:
            return await self._states.get(user_id, ConversationState.id)
        except NotFound:
            return ConversationState(user_id)

    async def save_state(self, state: ConversationState) -> None:
        """Last writer wins: two messages of one user at once is a human racing themselves."""
        try:
            await self._store(state)
        except StaleEntity:
            current = await self.state(state.user_id)
            state.version = current.version
            await self._store(state)

    async def first_delivery(self, user_id: str, delivery_id: str | None) -> bool:
        """True the first time a delivery id is seen for this user (retries come back False)."""
        if not delivery_id:
            return True

        async def attempt() -> bool:
            state = await self.state(user_id)
            if not state.first_time(delivery_id):
                return False
            await self._store(state)
            return True

        return await retry_stale(attempt)

    async def note_change(self, user_id: str, entry: UndoEntry | None) -> UndoEntry | None:
        """Make ``entry`` the change ``undo`` reverses next (None: nothing to undo); returns
        the one it replaces."""

        async def attempt() -> UndoEntry | None:
            state = await self.state(user_id)
            previous, state.undo = state.undo, entry
            if entry != previous:
                await self._store(state)
            return previous

        return await retry_stale(attempt)

    async def last_change(self, user_id: str) -> UndoEntry | None:
        return (await self.state(user_id)).undo

    async def _store(self, state: ConversationState) -> None:
        if state.version is None:
            await self._states.add(state)
        else:
            await self._states.save(state)

    async def remember_address(self, user_id: str, channel: str, data: dict[str, Any]) -> None:
        """Keep the latest way to reach the user on this channel (for proactive messages)."""
        address = ChannelAddress(user_id, channel, data, self._clock.now())
        try:
            current = await self._addresses.get(user_id, address.id)
        except NotFound:
            try:
                await self._addresses.add(address)
                return
            except StaleEntity:
                current = await self._addresses.get(user_id, address.id)
        if current.data == data:
            return  # unchanged: save a write on every message
        address.version = current.version
        try:
            await self._addresses.save(address)
        except StaleEntity:
            pass  # a concurrent message stored an equally fresh address

    async def address(self, user_id: str, channel: str) -> ChannelAddress | None:
        try:
            return await self._addresses.get(user_id, f"address:{channel}")
        except NotFound:
            return None


class TurnConversation(ConversationService):
    """The conversation of the user whose chat turn it is, held for the turn.

    It is written when something else is about to be written and at the end of the turn,
    each time only if it changed. So the delivery id noted by ``first_delivery`` is in the
    store before the turn changes anything else: of two instances handling the same delivery
    at once, the one whose write of the conversation loses the ETag race finds the id there
    and drops its turn (``DuplicateDelivery``) before doing anything twice. A turn that
    changes nothing else (a list, a question) writes the conversation once, at the end.
    """

    def __init__(self, repos: TurnRepositorySet, clock: Clock, user_id: str) -> None:
        super().__init__(repos, clock)
        self._repos = repos
        self._user_id = user_id
        self._current: ConversationState | None = None
        self._stored: ConversationState | None = None  # as the store has it, for comparing
        self._delivery: str | None = None  # this turn's delivery, once noted
        self._claimed = False  # this turn's own write stored its delivery id
        self._writing = False
        repos.before_write(self.write)

    async def state(self, user_id: str) -> ConversationState:
        if user_id != self._user_id:
            return await super().state(user_id)
        if self._current is None:
            self._current = await super().state(user_id)
            self._stored = _copy(self._current)
        return self._current

    async def save_state(self, state: ConversationState) -> None:
        if state is not self._current:
            await super().save_state(state)
        # The turn's own conversation is written by write(), once.

    async def first_delivery(self, user_id: str, delivery_id: str | None) -> bool:
        if user_id != self._user_id or not delivery_id:
            return await super().first_delivery(user_id, delivery_id)
        if not (await self.state(user_id)).first_time(delivery_id):
            return False
        self._delivery = delivery_id
        return True

    async def note_change(self, user_id: str, entry: UndoEntry | None) -> UndoEntry | None:
        if user_id != self._user_id:
            return await super().note_change(user_id, entry)
        state = await self.state(user_id)
        previous, state.undo = state.undo, entry
        return previous

    async def write(self) -> None:
        """Store the conversation if it changed since the store last had it."""
        state = self._current
        if state is None or self._repos.erased or self._writing:
            return  # (its own write comes back here as a write of the turn)
        self._writing = True
        try:
            await self._write(state)
        finally:
            self._writing = False

    async def _write(self, state: ConversationState) -> None:
        for _ in range(MAX_ATTEMPTS):
            if state == self._stored:
                return
            try:
                await self._store(state)
                self._stored = _copy(state)
                self._claimed = self._claimed or self._delivery is not None
                return
            except StaleEntity:
                newer = await super().state(state.user_id)  # the failed write made it read afresh
                # The delivery id there is a duplicate only if another turn put it there: once
                # this turn's own write carried it, a lost race is some other change to rebase on.
                if not self._claimed and self._delivery is not None and self._delivery in newer.deliveries:
                    raise DuplicateDelivery(self._delivery) from None
                state.rebase(self._stored or ConversationState(state.user_id), newer)
                self._stored = _copy(newer)
        raise Conflict("Too many changes at once; please try again.")

    async def finish(self) -> None:
        """The end of the turn: the conversation as the turn leaves it."""
        await self.write()


def _copy(state: ConversationState) -> ConversationState:
    return copy.deepcopy(state)  # the version (ETag) comes along
