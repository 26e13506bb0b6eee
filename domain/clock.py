"""Where "now" comes from, so that tests can move time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol, overload


class Clock(Protocol):
    def now(self) -> datetime:
        """The current instant, timezone-aware, in UTC."""


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FakeClock:
    """A clock that only moves when told to."""

    def __init__(self, start: datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("FakeClock needs an aware datetime")
        self._now = start.astimezone(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> datetime:
        self._now += timedelta(**delta)
        return self._now

    def set(self, instant: datetime) -> None:
        self._now = instant.astimezone(UTC)


def to_iso(instant: datetime | None) -> str | None:
    """ISO-8601 in UTC, the form every timestamp takes in documents and the API."""
    if instant is None:
        return None
    return instant.astimezone(UTC).isoformat()


@overload
def from_iso(text: str) -> datetime: ...


@overload
def from_iso(text: None) -> None: ...


@overload
def from_iso(text: str | None) -> datetime | None: ...


def from_iso(text: str | None) -> datetime | None:
    if text is None:
        return None
    parsed = datetime.fromisoformat(text)
    # The seed stored naive UTC timestamps; read them as UTC.
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)
