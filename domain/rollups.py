"""Roll-ups: per-user running totals that stats read instead of the whole history.

A service that changes a task or a session describes what the change adds to the
totals as ``RollupChanges``; the repository applies them exactly once, even if the
process dies half-way (see persistence/rollup_ledger.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

TOTALS = "totals"

# Counters kept in the totals roll-up, with what they count.
COUNTERS = {
    "tasks_total": "tasks that exist",
    "tasks_completed": "tasks that exist and are completed",
    "sessions_total": "finished work sessions",
    "hours_total": "hours in finished work sessions",
    "focus_total": "focus sessions started",
    "focus_completed": "focus sessions completed",
    "focus_cancelled": "focus sessions cancelled or cut short",
    "focus_minutes": "planned minutes of focus sessions running or completed (not cancelled or cut short)",
}

# Day counters that are the user's alone (how they said they felt): figures shown or sent
# anywhere but to the user themself leave them out.
PRIVATE_COUNTERS = frozenset({"mood_sum", "mood_count"})


def day_key(instant: datetime, timezone: str) -> str:
    """The roll-up that holds one local calendar day of the user."""
    return "day:" + instant.astimezone(ZoneInfo(timezone)).date().isoformat()


@dataclass
class RollupChanges:
    """Increments to apply to named roll-ups ("totals", "day:2026-11-22"), once."""

    # 64 random bits: unique enough among the few hundred ids a roll-up remembers, and
    # half the size of a full uuid in documents that are read on every stats request.
    op_id: str = field(default_factory=lambda: uuid.uuid4().hex[:16])
    increments: dict[str, dict[str, float]] = field(default_factory=dict)
    then_delete: bool = False  # the entity goes away once the increments are in

    def add(self, rollup: str, counter: str, amount: float) -> RollupChanges:
        if amount:
            bucket = self.increments.setdefault(rollup, {})
            bucket[counter] = bucket.get(counter, 0) + amount
        return self

    def add_both(self, day: str, counter: str, amount: float) -> RollupChanges:
        """Count in the all-time totals and in the day's roll-up."""
        return self.add(TOTALS, counter, amount).add(day, counter, amount)

    def merge(self, other: RollupChanges) -> RollupChanges:
        for rollup, counters in other.increments.items():
            for counter, amount in counters.items():
                self.add(rollup, counter, amount)
        return self

    def __bool__(self) -> bool:
        return bool(self.increments) or self.then_delete
