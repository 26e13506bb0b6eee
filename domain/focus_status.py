"""Focus status: what a user's chat platform shows while they focus (with their consent), and
the rules for putting back what it showed before.

Plain rules, no platform: the Slack and Graph clients (bot/status/) ask here what to show,
what to remember and what to put back when the focus ends, is cancelled or stopped early.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from domain.entities import FocusSession

FOCUS_EMOJI = ":tomato:"
FOCUS_TEXT = "Focusing until {end:%H:%M}"
# Slack's own limit on a status text; ours is far shorter, a previous one is kept as it was.
STATUS_TEXT_MAX = 100
# A snooze Slack reports may end this much later than the one we asked for (it rounds to minutes).
SNOOZE_SLACK = timedelta(minutes=2)
# A status whose planned end passed is put back by the reminder pass; one instance claims it for
# this long (the platform call may fail: the pass after the claim runs out tries again)...
RESTORE_LEASE = timedelta(minutes=5)
# ...until this long after the end: by then ours has long cleared itself, and what the user had
# before is more likely stale than missed, so the record is let go without a call.
RESTORE_GIVE_UP = timedelta(hours=12)


@dataclass(frozen=True)
class Profile:
    """A status as a platform shows it: text, emoji, and when it clears itself (None: never)."""

    text: str = ""
    emoji: str = ""
    expires_at: datetime | None = None

    @property
    def empty(self) -> bool:
        return not self.text and not self.emoji


CLEAR = Profile()


@dataclass(frozen=True)
class Shown:
    """What we put up for one focus session, and what was there before it."""

    session_id: str
    ends_at: datetime
    profile: Profile
    previous: Profile = CLEAR
    snoozed: bool = False  # we asked for a DND snooze (so only then do we end it early)
    # When the sweep may next try to put the previous status back (None: at ``ends_at``); an
    # instance moves it on when it claims the restore, so that another leaves it alone.
    retry_at: datetime | None = None

    @property
    def restore_due(self) -> datetime:
        return self.retry_at or self.ends_at


@dataclass
class FocusStatus:
    """A user's consent to a focus status, and what it shows right now (if anything)."""

    user_id: str
    on: bool = False
    shown: Shown | None = None
    # Platform credentials the user granted (a Slack user token, sealed by persistence).
    grant: dict[str, Any] = field(default_factory=dict, repr=False)
    # The stored version it was read at (None: never stored), for writes that must not cross another's.
    etag: str | None = field(default=None, repr=False, compare=False)

    id = "focus_status"


def planned_end(session: FocusSession) -> datetime:
    return session.started_at + timedelta(minutes=session.duration_minutes)


def focus_profile(session: FocusSession, timezone: str) -> Profile:
    """ ":tomato: Focusing until 15:25", in the user's own time, clearing itself at the end."""
    end = planned_end(session)
    return Profile(FOCUS_TEXT.format(end=end.astimezone(ZoneInfo(timezone))), FOCUS_EMOJI, end)


def is_ours(profile: Profile) -> bool:
    """A focus status we put up (one left behind by a restart, say), never worth putting back."""
    return profile.emoji == FOCUS_EMOJI and profile.text.startswith("Focusing until ")


def remembered(current: Profile) -> Profile:
    """What to put back later: the status before the focus, unless it was one of ours."""
    return CLEAR if is_ours(current) else current


def snooze_minutes(session: FocusSession, now: datetime) -> int:
    """Notifications paused for what is left of the session, at least a minute."""
    left = (planned_end(session) - now).total_seconds() / 60
    return max(1, round(left))


def restoration(shown: Shown, current: Profile, now: datetime) -> Profile | None:
    """What to set when the focus ends; None: leave the status alone.

    The user's own change during the focus wins (they set something else, or cleared it), so
    only our own status (or the blank it left when it expired) is replaced. A previous status
    whose time ran out meanwhile is not put back: it would have cleared itself by now."""
    ours_showing = (current.text, current.emoji) == (shown.profile.text, shown.profile.emoji)
    # Ours clears itself at the planned end: empty then is ours gone, not the user's choice.
    cleared_by_expiry = current.empty and now >= shown.ends_at - SNOOZE_SLACK
    if not (ours_showing or cleared_by_expiry):
        return None
    previous = shown.previous
    if previous.expires_at is not None and previous.expires_at <= now:
        return CLEAR
    return previous


def ends_snooze(shown: Shown, snoozing: bool, snooze_end: datetime | None) -> bool:
    """Whether to end the DND snooze now: only one we started, still on, and not stretched by the
    user beyond ours (then it is theirs to end)."""
    if not shown.snoozed or not snoozing:
        return False
    return snooze_end is None or snooze_end <= shown.ends_at + SNOOZE_SLACK
