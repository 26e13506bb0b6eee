"""Focus status: while a user focuses, and only with their consent, their Slack status and Do Not
Disturb (bot/adapters/slack/status.py) or their Teams presence through Microsoft Graph
(bot/adapters/teams/presence.py) say so; service.py follows the focus sessions and puts back
what was there before. The rules are domain/focus_status.py."""

from __future__ import annotations

from bot.status.providers import ConsentLost, StatusProvider
from bot.status.service import Consent, FocusStatusService

__all__ = ["Consent", "ConsentLost", "FocusStatusService", "StatusProvider"]
