"""Users: the seed's CRUD plus the preferences other services read (time zone, hours)."""

from __future__ import annotations

import uuid
from typing import Any

from domain.clock import Clock
from domain.concurrency import retry_stale
from domain.entities import User
from domain.errors import NotFound, StaleEntity, ValidationError
from domain.ports import ActivityHook, RepositorySet, ignore_activity
from domain.validation import (
    clean_clock_time,
    clean_locale,
    clean_text,
    clean_timezone,
    clean_user_id,
    without_control_characters,
)
from domain.wording import listed, noun_for

NAME_MAX = 100
REMINDER_KINDS = (
    "water",
    "break",
    "lunch",
    "wrap_up",
    "long_session",
    "weekly_report",
    "risk_alert",
    "checkin",
    "due",
    "plan",
    "long_break",
)
CLOCK_TIMES = ("work_start", "work_end", "quiet_start", "quiet_end")
UPDATABLE = frozenset(
    {
        "name",
        "timezone",
        "work_start",
        "work_end",
        "work_days",
        "quiet_start",
        "quiet_end",
        "reminders_on",
        "reminder",
        "snoozed_until",
        "paused_until",
    }
)


def clean_work_days(days: Any) -> list[int]:
    """Weekday numbers, Monday 0 to Sunday 6 (Python's weekday())."""
    if (
        not isinstance(days, (list, tuple))
        or not days
        or not all(isinstance(d, int) and not isinstance(d, bool) and 0 <= d <= 6 for d in days)
    ):
        raise ValidationError("Working days are numbers from 0 (Monday) to 6 (Sunday).")
    return sorted(set(days))


class UserService:
    def __init__(self, repos: RepositorySet, clock: Clock, on_activity: ActivityHook | None = None) -> None:
        self._users = repos.users
        self._clock = clock
        self._on_activity = on_activity or ignore_activity

    async def create_user(self, name: Any, user_id: Any = None, timezone: Any = None, locale: Any = None) -> User:
        user = User(
            id=clean_user_id(user_id) if user_id is not None else str(uuid.uuid4()),
            name=clean_text(name, "name", NAME_MAX),  # type: ignore[arg-type]
            timezone=clean_timezone(timezone) if timezone is not None else "UTC",
            locale=clean_locale(locale),
            created_at=self._clock.now(),
        )
        return await self._users.add(user)

    async def get_user(self, user_id: str) -> User:
        return await self._users.get(user_id, user_id)

    async def ensure(self, user_id: str, name: str | None = None, locale: str | None = None) -> User:
        """The user, created on first contact (chat users exist once they speak), with the
        platform's locale when it tells one."""
        try:
            return await self.get_user(user_id)
        except NotFound:
            pass
        try:
            user = await self.create_user(self._usable_name(name) or user_id, user_id=user_id, locale=locale)
        except StaleEntity:  # created by a concurrent first message
            return await self.get_user(user_id)
        await self._on_activity(user_id)  # a new user gets a reminder schedule
        return user

    @staticmethod
    def _usable_name(name: str | None) -> str | None:
        """The platform's name for the user, made to fit the rules for a name: a bidi mark or a
        name past NAME_MAX must not stop them from talking to us (the user is created with it)."""
        if not isinstance(name, str):
            return None
        return " ".join(without_control_characters(name).split())[:NAME_MAX].strip() or None

    async def timezone(self, user_id: str) -> str:
        try:
            return (await self.get_user(user_id)).timezone
        except NotFound:
            return "UTC"

    async def update_user(self, user_id: str, **changes: Any) -> User:
        """Change the name, time zone, working and quiet hours, or reminder preferences.
        ``reminder`` is a (kind, {"on": bool, "every": minutes}) pair."""
        unknown = set(changes) - UPDATABLE
        if unknown:
            raise ValidationError(f"A user has no {noun_for(len(unknown), 'setting')} {listed(sorted(unknown))}.")

        async def attempt() -> User:
            user = await self.ensure(user_id)
            if "name" in changes:
                user.name = clean_text(changes["name"], "name", NAME_MAX)  # type: ignore[assignment]
            if "timezone" in changes:
                user.timezone = clean_timezone(changes["timezone"])
            for field_name in CLOCK_TIMES:
                if field_name in changes:
                    setattr(user, field_name, clean_clock_time(changes[field_name], field_name))
            if "work_days" in changes:
                user.work_days = clean_work_days(changes["work_days"])
            if "reminders_on" in changes:
                user.reminders_on = bool(changes["reminders_on"])
            if "reminder" in changes:
                kind, setting = changes["reminder"]
                if kind not in REMINDER_KINDS:
                    raise ValidationError(
                        f"I can remind you about {listed([k.replace('_', ' ') for k in REMINDER_KINDS], 'or')}."
                    )
                if "at" in setting:  # a nudge at a time of day the user picked (the mood check-in)
                    setting = {**setting, "at": clean_clock_time(setting["at"], "the time")}
                user.reminder_settings = {
                    **user.reminder_settings,
                    kind: {**user.reminder_settings.get(kind, {}), **setting},
                }
            if "snoozed_until" in changes:
                user.snoozed_until = changes["snoozed_until"]
            if "paused_until" in changes:
                user.paused_until = changes["paused_until"]
            user.updated_at = self._clock.now()
            return await self._users.save(user)

        user = await retry_stale(attempt)
        await self._on_activity(user_id)  # preferences move nudges: look at them again
        return user

    async def delete_user(self, user_id: str) -> None:
        user = await self.get_user(user_id)
        await self._users.remove(user)
