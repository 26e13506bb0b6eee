"""'focus status on|off|revoke': the user's consent to show colleagues they are focusing (their
Slack status and Do Not Disturb, or their Teams presence) during focus sessions."""

from __future__ import annotations

from typing import Protocol

from bot.dialogs.turn import Turn
from bot.messages import Button, Reply


class StatusConsent(Protocol):
    """The focus-status service, as the dialog sees it (bot/status/service.py)."""

    async def turn_on(self, user_id: str) -> tuple[object, str | None]: ...

    async def turn_off(self, user_id: str) -> bool: ...

    async def revoke(self, user_id: str) -> None: ...


UNSUPPORTED = (
    "I can't show a focus status here. In Slack (when Avanochi is installed through its install page) "
    "or in Teams (when your admin set up Microsoft Graph), 'focus status on' tells colleagues you're "
    "focusing and holds notifications until you're done."
)


class FocusStatusDialog:
    def __init__(self, consent: StatusConsent | None = None) -> None:
        self._consent = consent

    async def status(self, turn: Turn, args: str) -> list[Reply]:
        word = args.strip().lower().rstrip(".!")
        if self._consent is None:
            return [Reply(UNSUPPORTED, kind="focus_status")]
        if word in ("on", "yes", ""):
            return await self._on(turn)
        if word in ("off", "no", "stop"):
            return await self._off(turn)
        if word == "revoke":
            await self._consent.revoke(turn.user_id)
            return [Reply("Done: I no longer have any access to your status.", kind="focus_status", private=True)]
        return [Reply("Say 'focus status on' or 'focus status off'.", kind="focus_status")]

    async def _on(self, turn: Turn) -> list[Reply]:
        assert self._consent is not None
        outcome, link = await self._consent.turn_on(turn.user_id)
        outcome = getattr(outcome, "value", outcome)
        if outcome == "link":
            return [
                Reply(
                    "To set your status and pause your notifications while you focus, I need your OK in "
                    f"Slack: open {link} and press Allow. I only ever change your status and Do Not "
                    "Disturb during a focus session, and put back what was there afterwards.",
                    title="Focus status",
                    kind="focus_status",
                    private=True,
                )
            ]
        if outcome != "on":
            return [Reply(UNSUPPORTED, kind="focus_status")]
        return [
            Reply(
                "Focus status on: during a focus session your status says you're focusing until its "
                "end and notifications wait; afterwards I put back what was there. 'focus status off' stops it.",
                kind="focus_status",
            )
        ]

    async def _off(self, turn: Turn) -> list[Reply]:
        assert self._consent is not None
        has_grant = await self._consent.turn_off(turn.user_id)
        if not has_grant:
            return [Reply("Focus status off: I won't touch your status.", kind="focus_status")]
        return [
            Reply(
                "Focus status off: I won't touch your status. I still hold the permission you gave me; "
                "shall I give it back too?",
                buttons=[Button("Revoke access", {"command": "focus_status", "args": "revoke"}, "danger")],
                kind="focus_status",
            )
        ]
