"""Who may use the Teams endpoint: its mode, decided once from the settings, and the rule each mode
applies to a conversation (an incoming activity, or a stored address a reminder goes to).

Without MicrosoftAppId nothing proves who sent an activity, so the endpoint then serves the Bot
Framework Emulator only where no one else can reach it (HOST on a loopback address), or where the
operator said so explicitly (AVANOCHI_TEAMS_EMULATOR=1); even then it replies only to this machine,
or anyone could make the bot post to a URL of their choosing. Anywhere else it stays off.
"""

from __future__ import annotations

from enum import Enum

from bot.downloads import Origin, is_loopback_host

TEAMS_CHANNEL = "msteams"
NOT_CONFIGURED = (
    "Teams is not configured on this server: set MicrosoftAppId and MicrosoftAppPassword "
    "(for the Bot Framework Emulator, bind HOST to 127.0.0.1 or set AVANOCHI_TEAMS_EMULATOR=1)"
)


class TeamsMode(Enum):
    AUTHENTICATED = "authenticated"  # MicrosoftAppId: Bot Framework tokens, Teams activities only
    EMULATOR = "emulator"  # no app id: anyone who reaches the server, replies to this machine only
    OFF = "off"  # no app id on an address others can reach: 404


class Refused(Exception):
    """A conversation this mode does not serve; ``status`` is the HTTP answer to an activity."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def teams_mode(settings) -> TeamsMode:
    if settings.microsoft_app_id:
        return TeamsMode.AUTHENTICATED
    if settings.teams_emulator or is_loopback_host(settings.host):
        return TeamsMode.EMULATOR
    return TeamsMode.OFF


def check_conversation(mode: TeamsMode, channel_id: str | None, service_url: str | None) -> None:
    """Raises Refused unless the bot may act in this conversation and send to its serviceUrl."""
    if mode is TeamsMode.OFF:
        raise Refused(404, NOT_CONFIGURED)
    if mode is TeamsMode.AUTHENTICATED and channel_id != TEAMS_CHANNEL:
        # Web Chat, Direct Line and the other channels of the same bot resource get valid tokens
        # too, but the user ids they send are theirs to choose: only Teams vouches for the
        # msteams: ids that every task and reminder is keyed by.
        raise Refused(403, "Only Microsoft Teams activities (channelId msteams) are served here")
    if mode is TeamsMode.EMULATOR and not is_loopback_url(service_url):
        raise Refused(
            403,
            "In Emulator mode the bot only replies to a serviceUrl on this machine "
            "(http://localhost, 127.0.0.1 or [::1])",
        )


def is_loopback_url(url: str | None) -> bool:
    """An http(s) URL on this machine (bot.downloads.Origin refuses ambiguous URLs)."""
    origin = Origin.of(url)
    return origin is not None and origin.is_loopback
