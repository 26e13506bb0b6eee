"""Focus status: while a user focuses, and only with their consent, their Slack status and Do Not
Disturb (slack.py) or their Teams presence through Microsoft Graph (graph.py) say so; service.py
follows the focus sessions and puts back what was there before. The rules are domain/focus_status.py."""

from __future__ import annotations

from bot.status.providers import StatusProvider
from bot.status.service import Consent, FocusStatusService
from domain.clock import Clock
from persistence.focus_status import FocusStatusRecords
from persistence.port import DocumentStore
from persistence.slack_installations import TokenCipher

CONSENT_PATH = "/slack/install?for=focus-status"

__all__ = ["Consent", "FocusStatusService", "build_focus_status"]


def build_focus_status(settings, store: DocumentStore, clock: Clock) -> FocusStatusService:
    """The platforms the settings allow: Slack when it installs through OAuth (user tokens come
    from that flow), Teams when Microsoft Graph credentials are given. Each is imported only
    when used, so the terminal chat loads neither."""
    providers: list[StatusProvider] = []
    if settings.slack_enabled and settings.slack_oauth and settings.secret_key:
        from bot.status.slack import SlackStatus

        providers.append(SlackStatus(settings.slack_api_url, settings.public_url + CONSENT_PATH))
    if settings.graph_enabled:
        from bot.status.graph import GraphPresence

        providers.append(
            GraphPresence(
                settings.graph_tenant_id,
                settings.graph_client_id,
                settings.graph_client_secret,
                settings.graph_authority_url,
                settings.graph_api_url,
            )
        )
    cipher = TokenCipher(settings.secret_key) if settings.secret_key else None
    return FocusStatusService(FocusStatusRecords(store, cipher), providers, clock)
