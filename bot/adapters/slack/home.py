"""The App Home tab: the running session, open tasks, today's numbers and the pet, published
with views.publish when the user opens it and after a button pressed there."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable

from bot.adapters.slack.render import HOME_TASKS, home_view
from bot.adapters.slack.workspaces import SlackClients
from bot.messages import Reply
from domain.services import Services

log = logging.getLogger("avanochi.slack")


class SlackHome:
    def __init__(
        self, clients: SlackClients, services: Services, pet: Callable[[str], Awaitable[Reply | None]]
    ) -> None:
        self._clients = clients
        self._services = services
        self._pet = pet

    async def publish(self, team: str, user: str) -> None:
        services, user_id = self._services, f"slack:{team}:{user}"
        try:
            view = home_view(
                await services.work_sessions.get_active_session(user_id),
                await services.tasks.list_tasks(user_id, "open", limit=HOME_TASKS + 1),
                await services.stats.period(user_id, "today"),
                await services.users.timezone(user_id),
                services.clock.now(),
                await self._pet(user_id),
            )
            client = await self._clients.client(team)
            await client.views_publish(user_id=user, view=view)
        except Exception:
            log.exception("views.publish failed")
