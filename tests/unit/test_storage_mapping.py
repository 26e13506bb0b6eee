"""Stored documents keep their shape: every entity is written under the field names earlier
versions wrote, and documents those versions left in a store (also ones from before a field
existed) still load."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.entities import (
    ActiveSlot,
    ApiToken,
    ChannelAddress,
    ConversationState,
    FocusSession,
    FocusSlot,
    HabitLog,
    MoodLog,
    Task,
    TokenSlot,
    UndoEntry,
    User,
    WorkSession,
)
from domain.progress.record import ProgressRecord
from domain.reminders.policy import Sent
from domain.reminders.schedule import OutboxEntry, ReminderSchedule
from domain.reminders.shards import shard_of
from domain.rollups import RollupChanges
from persistence.repositories import Repositories
from tests.fakes import InMemoryDocumentStore

T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
U = "slack:T1:U1"
DIGEST = "d" * 64
TASK = Task(
    "t1",
    U,
    "Write report",
    T,
    notes="draft",
    due_at=T + timedelta(days=1),
    priority="high",
    completed=True,
    completed_at=T + timedelta(hours=2),
    updated_at=T + timedelta(hours=2),
)
TASK_FIELDS = {
    "id": "t1",
    "user_id": U,
    "title": "Write report",
    "notes": "draft",
    "due_at": "2026-03-03T09:00:00+00:00",
    "priority": "high",
    "completed": True,
    "completed_at": "2026-03-02T11:00:00+00:00",
    "created_at": "2026-03-02T09:00:00+00:00",
    "updated_at": "2026-03-02T11:00:00+00:00",
}

# (repository, entity, the document as earlier versions stored it, minus "type" and "rollup_pending")
DOCUMENTS: list[tuple[str, Any, dict[str, Any]]] = [
    ("tasks", TASK, TASK_FIELDS),
    (
        "work_sessions",
        WorkSession("w1", U, T, T + timedelta(hours=1, minutes=30), 1.5, "deep work"),
        {
            "id": "w1",
            "user_id": U,
            "start_time": "2026-03-02T09:00:00+00:00",
            "end_time": "2026-03-02T10:30:00+00:00",
            "duration": 1.5,
            "note": "deep work",
        },
    ),
    (
        "focus_sessions",
        FocusSession("f1", U, T, T, 30, "s1", "t1", T + timedelta(minutes=30), True, 2),
        {
            "session_id": "f1",
            "user_id": U,
            "step_id": "s1",
            "task_id": "t1",
            "started_at": "2026-03-02T09:00:00+00:00",
            "ended_at": "2026-03-02T09:30:00+00:00",
            "duration_minutes": 30,
            "completed": True,
            "interruptions": 2,
            "created_at": "2026-03-02T09:00:00+00:00",
            "id": "f1",
        },
    ),
    (
        "users",
        User(
            U,
            "Ada",
            T,
            "Europe/Paris",
            "08:30",
            "17:00",
            [0, 1, 2, 3],
            "21:00",
            "07:00",
            False,
            {"water": {"on": True, "every": 90}},
            T + timedelta(hours=1),
            T + timedelta(days=3),
            T + timedelta(minutes=5),
            locale="fr-FR",
        ),
        {
            "id": U,
            "name": "Ada",
            "timezone": "Europe/Paris",
            "locale": "fr-FR",
            "working_hours": {"start": "08:30", "end": "17:00", "days": [0, 1, 2, 3]},
            "quiet_hours": {"start": "21:00", "end": "07:00"},
            "reminders": {
                "on": False,
                "settings": {"water": {"on": True, "every": 90}},
                "snoozed_until": "2026-03-02T10:00:00+00:00",
                "paused_until": "2026-03-05T09:00:00+00:00",
            },
            "created_at": "2026-03-02T09:00:00+00:00",
            "updated_at": "2026-03-02T09:05:00+00:00",
            "user_id": U,
        },
    ),
    (
        "api_tokens",
        ApiToken(DIGEST, U, T, T + timedelta(days=90), "tok1", T + timedelta(days=1)),
        {
            "id": DIGEST,
            "user_id": "system:tokens",
            "owner": U,
            "token_id": "tok1",
            "created_at": "2026-03-02T09:00:00+00:00",
            "expires_at": "2026-05-31T09:00:00+00:00",
            "last_used_at": "2026-03-03T09:00:00+00:00",
        },
    ),
    (
        "token_slots",
        TokenSlot(U, DIGEST, "tok1"),
        {"id": "slot:api_token", "user_id": U, "digest": DIGEST, "token_id": "tok1"},
    ),
    (
        "active_slots",
        ActiveSlot(U, "w1", T),
        {"id": "slot:work_session", "user_id": U, "session_id": "w1", "started_at": "2026-03-02T09:00:00+00:00"},
    ),
    (
        "focus_slots",
        FocusSlot(U, "f1"),
        {"id": "slot:focus_session", "user_id": U, "session_id": "f1"},
    ),
    (
        "habit_logs",
        HabitLog("h1", U, "water", 250, T),
        {"id": "h1", "user_id": U, "kind": "water", "amount": 250, "at": "2026-03-02T09:00:00+00:00"},
    ),
    (
        "mood_logs",
        MoodLog("m1", U, 2, T, "tired"),
        {"id": "m1", "user_id": U, "value": 2, "word": "tired", "at": "2026-03-02T09:00:00+00:00"},
    ),
    (
        "conversation_states",
        ConversationState(
            U,
            [{"id": "q1", "kind": "suggestion", "slot": "suggestion", "expires_at": "2026-03-03T09:00:00+00:00"}],
            ["t1", "t2"],
            "asked_hours",
            UndoEntry(U, "completed", TASK, T),
            ["Ev1", "Ev2"],
        ),
        {
            "id": "state:conversation",
            "user_id": U,
            "questions": [
                {"id": "q1", "kind": "suggestion", "slot": "suggestion", "expires_at": "2026-03-03T09:00:00+00:00"}
            ],
            "last_list": ["t1", "t2"],
            "onboarding": "asked_hours",
            "undo": {
                "id": "undo:tasks",
                "user_id": U,
                "action": "completed",
                "task": TASK_FIELDS,
                "at": "2026-03-02T09:00:00+00:00",
            },
            "deliveries": ["Ev1", "Ev2"],
        },
    ),
    (
        "channel_addresses",
        ChannelAddress(U, "slack", {"channel": "D1", "team": "T1"}, T),
        {
            "id": "address:slack",
            "user_id": U,
            "channel": "slack",
            "data": {"channel": "D1", "team": "T1"},
            "updated_at": "2026-03-02T09:00:00+00:00",
        },
    ),
    (
        "reminder_schedules",
        ReminderSchedule(
            U,
            T + timedelta(hours=1),
            Sent({"water": T}, {"water": "water:2026-03-02T09"}),
            [OutboxEntry("water:2026-03-02T09", "water", T, T + timedelta(seconds=5), 1, T + timedelta(seconds=95))],
        ),
        {
            "id": "reminder_schedule",
            "user_id": U,
            "next_due": "2026-03-02T10:00:00+00:00",
            "shard": shard_of(U),
            "sent": {"at": {"water": "2026-03-02T09:00:00+00:00"}, "keys": {"water": "water:2026-03-02T09"}},
            "outbox": [
                {
                    "key": "water:2026-03-02T09",
                    "kind": "water",
                    "due_at": "2026-03-02T09:00:00+00:00",
                    "not_before": "2026-03-02T09:00:05+00:00",
                    "attempts": 1,
                    "leased_until": "2026-03-02T09:01:35+00:00",
                }
            ],
        },
    ),
    (
        "progress_records",
        ProgressRecord(
            U, date(2026, 2, 28), 420, 3, 5, {"first_task": "2026-02-20"}, 3, [(date(2026, 2, 10), date(2026, 2, 14))]
        ),
        {
            "id": "progress",
            "user_id": U,
            "folded_through": "2026-02-28",
            "folded_xp": 420,
            "folded_streak": 3,
            "best_streak": 5,
            "achievements": {"first_task": "2026-02-20"},
            "announced_level": 3,
            "pauses": [["2026-02-10", "2026-02-14"]],
            "history_checked": False,
        },
    ),
]
IDS = [name for name, _, _ in DOCUMENTS]


@pytest.fixture
def store() -> InMemoryDocumentStore:
    return InMemoryDocumentStore()


@pytest.fixture
def repos(store: InMemoryDocumentStore) -> Repositories:
    return Repositories(store)


def stored(store: InMemoryDocumentStore, doc: dict[str, Any]) -> dict[str, Any]:
    body, _etag = store.documents[(doc["user_id"], doc["id"])]
    return body


@pytest.mark.parametrize(("repository", "entity", "document"), DOCUMENTS, ids=IDS)
async def test_entities_are_stored_under_the_field_names_earlier_versions_wrote(
    repos: Repositories, store: InMemoryDocumentStore, repository: str, entity: Any, document: dict[str, Any]
) -> None:
    repo = getattr(repos, repository)
    await repo.add(entity)
    assert stored(store, document) == {**document, "type": repo.doc_type, "rollup_pending": None}


@pytest.mark.parametrize(("repository", "entity", "document"), DOCUMENTS, ids=IDS)
async def test_documents_earlier_versions_wrote_still_load(
    repos: Repositories, store: InMemoryDocumentStore, repository: str, entity: Any, document: dict[str, Any]
) -> None:
    repo = getattr(repos, repository)
    await store.create({**document, "type": repo.doc_type, "rollup_pending": None})
    loaded = await repo.get(document["user_id"], document["id"])
    assert loaded == entity
    assert loaded.version is not None  # the ETag, for the next conditional write


async def test_roll_up_marker_keeps_its_fields_until_settled(repos: Repositories, store: InMemoryDocumentStore) -> None:
    # A crash between the entity write and the ledger write leaves this marker for the next reader.
    marker = {"op": "op1", "increments": {"totals": {"tasks_total": 1}}, "then_delete": False}
    await store.create({**TASK_FIELDS, "type": "task", "rollup_pending": marker})
    assert await repos.tasks.get(U, "t1") == TASK
    assert await repos.rollup(U, "totals") == {"tasks_total": 1}
    assert stored(store, TASK_FIELDS)["rollup_pending"] is None
    changes = RollupChanges(op_id="op2").add("totals", "tasks_total", 1)
    await store.create({**TASK_FIELDS, "id": "t2", "type": "task", "rollup_pending": None})
    task = await repos.tasks.get(U, "t2")
    await repos.tasks.save(task, changes)
    assert await repos.rollup(U, "totals") == {"tasks_total": 2}


async def test_documents_from_before_later_fields_load_with_their_defaults(
    repos: Repositories, store: InMemoryDocumentStore
) -> None:
    created = "2026-03-02T09:00:00"  # the seed stored naive UTC
    await store.create({"id": U, "user_id": U, "type": "user", "name": "Ada", "created_at": created})
    await store.create({"id": "t9", "user_id": U, "type": "task", "title": "Old", "created_at": created})
    await store.create(
        {
            "session_id": "f9",
            "id": "f9",
            "user_id": U,
            "type": "focus_session",
            "started_at": created,
            "duration_minutes": 25,
            "created_at": created,
        }
    )
    await store.create(
        {"id": DIGEST, "user_id": "system:tokens", "type": "api_token", "owner": U, "created_at": created}
    )

    user = await repos.users.get(U, U)
    assert (user.timezone, user.work_start, user.work_end, user.work_days) == ("UTC", "09:00", "17:30", [0, 1, 2, 3, 4])
    assert (user.quiet_start, user.quiet_end, user.reminders_on, user.reminder_settings) == ("20:00", "08:00", True, {})
    assert user.created_at == T
    assert user.locale is None  # kept since dates follow the platform's locale; read as month first
    task = await repos.tasks.get(U, "t9")
    assert (task.priority, task.completed, task.due_at) == ("normal", False, None)
    assert (await repos.focus_sessions.get(U, "f9")).interruptions == 0
    # A token from before tokens expired reads as expired, not as valid for an arbitrary while.
    token = await repos.api_tokens.get("system:tokens", DIGEST)
    assert token.expired(T) and token.token_id is None


async def test_slots_conversations_and_progress_from_before_the_unit_of_work_load(
    repos: Repositories, store: InMemoryDocumentStore
) -> None:
    await store.create({"id": "slot:work_session", "user_id": U, "type": "active_slot", "session_id": "w1"})
    await store.create(
        {
            "id": "state:conversation",
            "user_id": U,
            "type": "conversation_state",
            "question": None,
            "last_list": [],
            "onboarding": "done",
        }
    )
    await store.create({"id": "progress", "user_id": U, "type": "progress", "folded_through": None})
    assert (await repos.active_slots.get(U, "slot:work_session")).started_at is None
    state = await repos.conversation_states.get(U, "state:conversation")
    assert (state.undo, state.deliveries, state.onboarding, state.questions) == (None, [], "done", [])
    assert (await repos.progress_records.get(U, "progress")).history_checked is False


async def test_the_one_question_earlier_versions_kept_still_waits(
    repos: Repositories, store: InMemoryDocumentStore
) -> None:
    question = {"kind": "confirm_delete_task", "task_id": "t1"}
    await store.create({"id": "state:conversation", "user_id": U, "type": "conversation_state", "question": question})
    state = await repos.conversation_states.get(U, "state:conversation")
    assert state.questions == [question]
    # It gets an id and a day to wait from the first time it is seen again.
    [waiting] = state.waiting(T)
    assert waiting["kind"] == "confirm_delete_task" and waiting["id"]
    assert state.waiting(T + timedelta(hours=23)) == [waiting]
    assert state.waiting(T + timedelta(days=1, seconds=1)) == []
