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
from domain.wording import listed, plural

TITLE_MAX = 200
NOTES_MAX = 2000
USER_ID_MAX = 200
# The longest IANA zone name has 32 characters; a name past 255 would reach the file system
# (zoneinfo opens it) and fail there with OSError instead of "not a time zone".
TIMEZONE_MAX = 64
YEAR_MIN, YEAR_MAX = 1970, 2100
EXAMPLE_INSTANT = "2026-03-02T17:00:00Z"


# Format characters that belong in ordinary text: the zero-width joiner and non-joiner
# build emoji (👩‍💻) and shape scripts; the rest of category Cf hides text (U+200B, bidi overrides).
ALLOWED_FORMAT_CHARACTERS = frozenset("\u200c\u200d")


def _is_control(ch: str) -> bool:
    return unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co") and ch not in ALLOWED_FORMAT_CHARACTERS


def _has_control_characters(text: str) -> bool:
    return any(_is_control(ch) for ch in text)


def without_control_characters(text: str) -> str:
    """The text with control and hidden format characters taken out (a bidi mark in a name)."""
    return "".join(ch for ch in text if not _is_control(ch))


# How a message names each field: in plain words, with the REST API's key where only an API
# caller can meet the field (a chat user never types a user_id or a due_at).
FIELD_NAMES = {
    "title": "a task title",
    "notes": "a task's notes",
    "name": "a name",
    "note": "a work session note",
    "priority": "a priority",
    "id": "an id",
    "user_id": "a user id (user_id)",
    "task_id": "a task id (task_id)",
    "step_id": "a step id (step_id)",
    "session_id": "a session id (session_id)",
    "duration_minutes": "a focus session's length (duration_minutes)",
    "interruptions": "the number of interruptions (interruptions)",
    "completed": "whether it was completed (completed)",
    "due_at": "a due date (due_at)",
    "due_before": "the latest due date to list (due_before)",
    "due_after": "the earliest due date to list (due_after)",
    "ended_at": "the end time (ended_at)",
    "now": "the current time (now)",
    "work_start": "the start of your working hours (work_start)",
    "work_end": "the end of your working hours (work_end)",
    "quiet_start": "the start of your quiet hours (quiet_start)",
    "quiet_end": "the end of your quiet hours (quiet_end)",
}


def field_name(what: str) -> str:
    """How a sentence names the field: "a task title", "a user id (user_id)"."""
    return FIELD_NAMES.get(what) or (f"{what.replace('_', ' ')} ({what})" if "_" in what else what)


def _sentence(what: str, rest: str) -> str:
    """A message about the field that starts a sentence: "A task title can be ..."."""
    name = field_name(what)
    return f"{name[:1].upper()}{name[1:]} {rest}"


def _kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    return "not text"


def clean_text(value: Any, what: str, max_length: int, *, required: bool = True) -> str | None:
    """Trimmed text, or ValidationError saying in plain words which rule it broke and what to do."""
    if value is None:
        if required:
            raise ValidationError(f"Please give {field_name(what)}: it can't be empty.")
        return None
    if not isinstance(value, str):
        raise ValidationError(_sentence(what, f"must be text (this is {_kind_of(value)})."))
    text = value.strip()
    if not text:
        if required:
            raise ValidationError(f"Please give {field_name(what)}: it can't be empty.")
        return None
    if _has_control_characters(text.replace("\n", "").replace("\t", "") if what == "notes" else text):
        raise ValidationError(_sentence(what, "can't contain invisible or control characters: please take them out."))
    if len(text) > max_length:
        raise ValidationError(
            _sentence(what, f"can be at most {plural(max_length, 'character')} (this one has {len(text)}).")
        )
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
            "A user id (user_id) must be a Slack one (slack:T…:U…) or a Teams one (msteams:<tenant id>:<user id>)."
        )
    return user_id


def clean_id(value: Any, what: str = "id") -> str:
    return clean_text(value, what, 200)  # type: ignore[return-value]


def clean_priority(value: Any) -> str:
    if value is None:
        return "normal"
    if not isinstance(value, str) or value.strip().lower() not in PRIORITIES:
        raise ValidationError(f"A priority must be {listed(list(PRIORITIES), 'or')}.")
    return value.strip().lower()


def clean_bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValidationError(_sentence(what, "must be true or false."))
    return value


def clean_int(value: Any, what: str, low: int, high: int) -> int:
    unit = " minutes" if what.endswith("_minutes") else ""
    # bool is an int in Python; JSON true is not a number here.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationError(_sentence(what, f"must be a whole number from {low} to {high}{unit}."))
    if not low <= value <= high:
        raise ValidationError(_sentence(what, f"must be from {low} to {high}{unit} (this is {value})."))
    return value


def clean_timestamp(value: Any, what: str, *, required: bool = False) -> datetime | None:
    """An ISO-8601 instant; one without an offset is read as UTC."""
    if value is None:
        if required:
            raise ValidationError(f"Please give {field_name(what)}: it can't be empty.")
        return None
    if not isinstance(value, str):
        raise ValidationError(_sentence(what, f"must be a date and time like {EXAMPLE_INSTANT} (ISO 8601)."))
    try:
        parsed = datetime.fromisoformat(value.strip())
        instant = parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
    except (ValueError, OverflowError):
        raise ValidationError(_sentence(what, f"must be a date and time like {EXAMPLE_INSTANT} (ISO 8601).")) from None
    return check_year(instant, what)


def check_year(instant: datetime, what: str) -> datetime:
    """Dates this far out are typos, and near the ends of the calendar local times overflow."""
    if not YEAR_MIN <= instant.year <= YEAR_MAX:
        raise ValidationError(_sentence(what, f"must fall between the years {YEAR_MIN} and {YEAR_MAX}."))
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
    raise ValidationError(_sentence(what, "must be a time like 09:00 or 17:30 (24-hour clock)."))
