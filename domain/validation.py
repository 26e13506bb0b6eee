"""Input rules shared by every way in (REST, chat, voice): what a title, a note or an id may be."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from domain.entities import PRIORITIES
from domain.errors import ValidationError
from domain.timezones import resolve_timezone

TITLE_MAX = 200
NOTES_MAX = 2000
USER_ID_MAX = 200
# The longest IANA zone name has 32 characters; a name past 255 would reach the file system
# (zoneinfo opens it) and fail there with OSError instead of "not a time zone".
TIMEZONE_MAX = 64
YEAR_MIN, YEAR_MAX = 1970, 2100


# Format characters that belong in ordinary text: the zero-width joiner and non-joiner
# build emoji (👩‍💻) and shape scripts; the rest of category Cf hides text (U+200B, bidi overrides).
ALLOWED_FORMAT_CHARACTERS = frozenset("\u200c\u200d")


def _has_control_characters(text: str) -> bool:
    return any(
        unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and ch not in ALLOWED_FORMAT_CHARACTERS for ch in text
    )


def clean_text(value: Any, what: str, max_length: int, *, required: bool = True) -> str | None:
    """Trimmed text, or ValidationError naming the field and the rule it broke."""
    if value is None:
        if required:
            raise ValidationError(f"Field '{what}' is required")
        return None
    if not isinstance(value, str):
        raise ValidationError(f"Field '{what}' must be a string")
    text = value.strip()
    if not text:
        if required:
            raise ValidationError(f"Field '{what}' is required")
        return None
    if _has_control_characters(text.replace("\n", "").replace("\t", "") if what == "notes" else text):
        raise ValidationError(f"Field '{what}' contains control characters")
    if len(text) > max_length:
        raise ValidationError(f"Field '{what}' is longer than {max_length} characters")
    return text


def clean_title(value: Any) -> str:
    return clean_text(value, "title", TITLE_MAX)  # type: ignore[return-value]


def clean_notes(value: Any) -> str | None:
    return clean_text(value, "notes", NOTES_MAX, required=False)


def clean_user_id(value: Any) -> str:
    return clean_text(value, "user_id", USER_ID_MAX)  # type: ignore[return-value]


# User ids are slack:{team}:{user} or msteams:{tenant}:{aad object id}. Slack: team T... (E... on an
# Enterprise Grid org), user U... or W...; always uppercase letters and digits. Teams: the
# tenant GUID, or "local" when the Bot Framework Emulator sends none; the user's AAD object
# id (a GUID), or their Bot Framework id (29:...) when the activity carries no AAD id.
_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
PLATFORM_USER_ID = re.compile(
    r"slack:[TE][A-Z0-9]{1,31}:[UW][A-Z0-9]{1,31}"
    rf"|msteams:(?:{_GUID}|local):(?:{_GUID}|29:[A-Za-z0-9_.=+-]{{1,160}})"
)


def clean_platform_user_id(value: Any) -> str:
    """A user id as Slack or Teams gives it: only these get personal tokens, so that the
    admin cannot mint one for a misspelt id that no one will ever sign in as."""
    user_id = clean_user_id(value)
    if not PLATFORM_USER_ID.fullmatch(user_id):
        raise ValidationError(
            "Field 'user_id' must be a Slack (slack:T…:U…) or Teams (msteams:<tenant id>:<user id>) user id"
        )
    return user_id


def clean_id(value: Any, what: str = "id") -> str:
    return clean_text(value, what, 200)  # type: ignore[return-value]


def clean_priority(value: Any) -> str:
    if value is None:
        return "normal"
    if not isinstance(value, str) or value.strip().lower() not in PRIORITIES:
        raise ValidationError(f"Field 'priority' must be one of {', '.join(PRIORITIES)}")
    return value.strip().lower()


def clean_bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(f"Field '{what}' must be true or false")
    return value


def clean_int(value: Any, what: str, low: int, high: int) -> int:
    # bool is an int in Python; JSON true is not a number here.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(f"Field '{what}' must be an integer")
    if not low <= value <= high:
        raise ValidationError(f"Field '{what}' must be between {low} and {high}")
    return value


def clean_timestamp(value: Any, what: str, *, required: bool = False) -> datetime | None:
    """An ISO-8601 instant; one without an offset is read as UTC."""
    if value is None:
        if required:
            raise ValidationError(f"Field '{what}' is required")
        return None
    if not isinstance(value, str):
        raise ValidationError(f"Field '{what}' must be an ISO-8601 date-time string")
    try:
        parsed = datetime.fromisoformat(value.strip())
        instant = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValidationError(f"Field '{what}' must be an ISO-8601 date-time string") from None
    return check_year(instant, what)


def check_year(instant: datetime, what: str) -> datetime:
    """Dates this far out are typos, and near the ends of the calendar local times overflow."""
    if not YEAR_MIN <= instant.year <= YEAR_MAX:
        raise ValidationError(f"Field '{what}' must be between {YEAR_MIN} and {YEAR_MAX}")
    return instant


def clean_timezone(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ValidationError("A time zone looks like Europe/Madrid or America/New_York.")
    name = value.strip()
    if len(name) > TIMEZONE_MAX:
        raise ValidationError("That is not a time zone I know: they look like Europe/Madrid or America/New_York.")
    known = resolve_timezone(name)
    if known is None:
        raise ValidationError(f"'{name}' is not a time zone I know (try a city like London, or Europe/Madrid).")
    try:
        ZoneInfo(known)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValidationError(f"'{name}' is not a time zone I know (try Europe/Madrid).") from None
    return known


LOCALE_TAG = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}")


def clean_locale(value: Any) -> str | None:
    """A platform's language tag ("en-US", "fr-fr"), or None when it isn't one: it comes from
    Slack or Teams, never typed, so a bad one is dropped rather than refused."""
    if isinstance(value, str) and LOCALE_TAG.fullmatch(value.strip()):
        return value.strip()
    return None


def clean_clock_time(value: Any, what: str) -> str:
    """'HH:MM' on a 24-hour clock."""
    if isinstance(value, str):
        try:
            return datetime.strptime(value.strip(), "%H:%M").strftime("%H:%M")
        except ValueError:
            pass
    raise ValidationError(f"Field '{what}' must be a time like 09:00")
