"""Progress: XP, levels, streaks and achievements, derived from the day roll-ups.

``rules`` has the XP table, the level curve and the streak rule; ``achievements`` the
catalogue; ``record`` the small per-user document; ``service`` the ProgressService.
"""

from domain.progress.achievements import CATALOGUE, Achievement, Facts
from domain.progress.record import ProgressRecord
from domain.progress.rules import (
    FOCUS_COMPLETED_MINUTES,
    TASKS_COMPLETED_HIGH,
    TASKS_COMPLETED_LOW,
    focus_completion_counters,
    level_for,
    level_start_xp,
    task_completion_counters,
)
from domain.progress.service import Announcement, EarnedAchievement, Progress, ProgressService

__all__ = [
    "CATALOGUE",
    "FOCUS_COMPLETED_MINUTES",
    "TASKS_COMPLETED_HIGH",
    "TASKS_COMPLETED_LOW",
    "Achievement",
    "Announcement",
    "EarnedAchievement",
    "Facts",
    "Progress",
    "ProgressRecord",
    "ProgressService",
    "focus_completion_counters",
    "level_for",
    "level_start_xp",
    "task_completion_counters",
]
