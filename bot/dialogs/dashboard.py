"""The personal dashboard's way in: a one-time sign-in link, sent privately."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from bot.dialogs.account import PRIVATE_ONLY
from bot.dialogs.turn import Turn
from bot.messages import Reply

# The user's id -> the link's URL (the web package issues and stores it).
LinkIssuer = Callable[[str], Awaitable[str]]


class DashboardDialog:
    def __init__(self, issue_link: LinkIssuer | None = None) -> None:
        self._issue_link = issue_link

    async def link(self, turn: Turn, args: str) -> list[Reply]:
        if not turn.message.private:
            return [PRIVATE_ONLY]
        if self._issue_link is None:  # the terminal chat serves no web pages
            return [Reply("The dashboard is served by the Avanochi web app; ask me there (Slack or Teams).")]
        url = await self._issue_link(turn.user_id)
        return [
            Reply(
                f"Your dashboard: {url}\nThe link works once, within 10 minutes; don't share it.",
                title="Dashboard",
                kind="dashboard",
                private=True,
                ephemeral=True,
            )
        ]
