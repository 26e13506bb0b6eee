"""What the bot keeps about conversations: dialog state, where to reach each user,
and which deliveries it has already handled."""
from __future__ import annotations

from typing import Any

from domain.clock import Clock
from domain.concurrency import retry_stale
from domain.entities import ChannelAddress, ConversationState, DeliveryLog
from domain.errors import NotFound, StaleEntity
from domain.ports import RepositorySet


class ConversationService:
    def __init__(self, repos: RepositorySet, clock: Clock) -> None:
        self._states = repos.conversation_states
        self._addresses = repos.channel_addresses
        self._deliveries = repos.delivery_logs
        self._clock = clock

    async def state(self, user_id: str) -> ConversationState:
        try:
            return await self._states.get(user_id, ConversationState.id)
        except NotFound:
            return ConversationState(user_id)

    async def save_state(self, state: ConversationState) -> None:
        """Last writer wins: two messages of one user at once is a human racing themselves."""
        try:
            if state.version is None:
                await self._states.add(state)
            else:
                await self._states.save(state)
        except StaleEntity:
            current = await self.state(state.user_id)
            state.version = current.version
            await self._states.save(state)

    async def first_delivery(self, user_id: str, delivery_id: str | None) -> bool:
        """True the first time a delivery id is seen for this user (retries come back False)."""
        if not delivery_id:
            return True

        async def attempt() -> bool:
            try:
                log = await self._deliveries.get(user_id, DeliveryLog.id)
            except NotFound:
                log = DeliveryLog(user_id)
            if not log.first_time(delivery_id):
                return False
            if log.version is None:
                await self._deliveries.add(log)
            else:
                await self._deliveries.save(log)
            return True

        return await retry_stale(attempt)

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
