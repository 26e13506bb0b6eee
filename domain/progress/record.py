"""The per-user progress document: what XP and streaks cannot derive from today's roll-ups.

One small document per user (id ``progress``, in the user's partition). It holds:

- a checkpoint of the XP and streak folded over the days older than the live window
  (``folded_through``), so a snapshot reads two weeks of day roll-ups, not the history;
- the achievements earned, with the local date, so each is announced once;
- the last level announced, so a level-up is announced once (and not again after an
  undo took the level back and it is reached a second time);
- the paused stretches seen (vacation, sick days), which must not break the streak
  later, when ``paused_until`` has long been cleared;
- whether the history from before the day roll-ups counted early tasks has been looked
  at (once, on the first announcement since).

It is written with the store's ETag like every entity: two instances checking the same
user's achievements at once cannot both announce one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

PAUSES_KEPT = 24  # a couple of years of vacations; older ones are folded already


@dataclass
class ProgressRecord:
    user_id: str
    folded_through: date | None = None  # last local day in the checkpoint
    folded_xp: int = 0
    folded_streak: int = 0  # the streak as of the end of folded_through
    best_streak: int = 0  # over the folded days
    achievements: dict[str, str] = field(default_factory=dict)  # id -> local ISO date earned
    announced_level: int = 1
    pauses: list[tuple[date, date]] = field(default_factory=list)  # first, last paused day
    history_checked: bool = False
    version: str | None = field(default=None, compare=False, repr=False)

    id = "progress"

    def note_pause(self, first: date, last: date) -> bool:
        """Remember a paused stretch (merged with one it overlaps); True if that changed anything."""
        if last < first:
            return False
        for index, (begin, end) in enumerate(self.pauses):
            if begin <= last and first <= end:  # overlaps: widen it
                merged = (min(begin, first), max(end, last))
                if merged == (begin, end):
                    return False
                self.pauses[index] = merged
                return True
        self.pauses = sorted(self.pauses + [(first, last)])[-PAUSES_KEPT:]
        return True

    def end_pauses_after(self, day: date) -> bool:
        """Reminders were resumed early: no stretch is paused beyond ``day`` any more."""
        trimmed = [(begin, min(end, day)) for begin, end in self.pauses if begin <= day]
        changed = trimmed != self.pauses
        self.pauses = trimmed
        return changed
