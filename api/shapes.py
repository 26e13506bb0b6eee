"""The JSON bodies the REST API answers with: the seed API's field names, in its order.

These are a public contract, independent of how the same things are stored: clients
of the seed API read them, so a field is never renamed or dropped here.
"""

from __future__ import annotations

from typing import Any

from domain.clock import to_iso
from domain.entities import FocusSession, Task, WorkSession
from domain.insights import Factor, Insight
from domain.progress import EarnedAchievement, Progress
from domain.recurrence import Recurrence, describe
from domain.services.tokens import TokenInfo

Body = dict[str, Any]


def task_body(task: Task) -> Body:
    return {
        "id": task.id,
        "user_id": task.user_id,
        "title": task.title,
        "notes": task.notes,
        "due_at": to_iso(task.due_at),
        "priority": task.priority,
        "completed": task.completed,
        "completed_at": to_iso(task.completed_at),
        "created_at": to_iso(task.created_at),
        "updated_at": to_iso(task.updated_at),
        "recurrence": recurrence_body(task.recurrence),
    }


def recurrence_body(recurrence: Recurrence | None) -> Body | None:
    """How a task repeats (null when it doesn't): the RFC 5545 rule, read in ``timezone`` from
    the series' first occurrence ``start`` (wall time), and the same in words."""
    if recurrence is None:
        return None
    return {
        "rule": "RRULE:" + recurrence.rule,
        "start": recurrence.start.isoformat(),
        "timezone": recurrence.timezone,
        "words": describe(recurrence.rule),
        "series": recurrence.series,
        "occurrence": recurrence.number,
    }


def work_session_body(session: WorkSession) -> Body:
    return {
        "id": session.id,
        "user_id": session.user_id,
        "start_time": to_iso(session.start_time),
        "end_time": to_iso(session.end_time),
        "duration": session.duration,
        "note": session.note,
    }


def focus_session_body(session: FocusSession) -> Body:
    """Seed 001's focus session: ``session_id``, not ``id``."""
    return {
        "session_id": session.session_id,
        "user_id": session.user_id,
        "step_id": session.step_id,
        "task_id": session.task_id,
        "started_at": to_iso(session.started_at),
        "ended_at": to_iso(session.ended_at),
        "duration_minutes": session.duration_minutes,
        "completed": session.completed,
        "interruptions": session.interruptions,
        "created_at": to_iso(session.created_at),
    }


def progress_fields(progress: Progress) -> Body:
    """The fields /api/stats adds to the seed's summary."""
    return {
        "xp": progress.xp,
        "level": progress.level,
        "level_xp": progress.level_xp,
        "next_level_xp": progress.next_level_xp,
        "streak_days": progress.streak_days,
        "best_streak": progress.best_streak,
        "xp_today": progress.today.total,
        "achievements": [earned_achievement_body(earned) for earned in progress.achievements],
    }


def earned_achievement_body(earned: EarnedAchievement) -> Body:
    achievement = earned.achievement
    return {
        "id": achievement.id,
        "name": achievement.name,
        "description": achievement.description,
        "icon": achievement.icon,
        "warning": achievement.warning,
        "earned_on": earned.earned_on,
    }


def insight_body(insight: Insight) -> Body:
    return {
        "score": insight.score,
        "band": insight.band,
        "period_days": insight.period_days,
        "factors": [factor_body(factor) for factor in insight.factors],
        "recommendations": list(insight.recommendations),
    }


def factor_body(factor: Factor) -> Body:
    return {
        "key": factor.key,
        "weight": factor.weight,
        "points": round(factor.points, 1),
        "explanation": factor.sentence,
    }


def token_body(info: TokenInfo) -> Body:
    """What a token list shows: never the secret, nor its digest."""
    return {
        "id": info.id,
        "created_at": to_iso(info.created_at),
        "expires_at": to_iso(info.expires_at),
        "last_used_at": to_iso(info.last_used_at),
    }
