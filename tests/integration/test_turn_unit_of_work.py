"""A chat turn is one unit of work on the store, and stays correct where turns meet: two
instances handling one delivery, two messages of one user at once, an erase, and the pet and
progress judging a running session from what the turn read (SQLite and Cosmos DB)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime

from bot.dialogs.router import Dialogs
from bot.messages import IncomingMessage, Reply
from domain.clock import FakeClock
from domain.entities import ActiveSlot, WorkSession
from domain.history import running_since
from domain.services import Services
from persistence.port import DocumentStore, Query
from persistence.repositories import Repositories

USER = "slack:T1:U1"
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


def instance(store: DocumentStore, clock: FakeClock) -> Dialogs:
    """One server process of the bot: its own services over the shared store."""
    return Dialogs(Services.build(Repositories(store), clock))


def message(text: str, delivery: str) -> IncomingMessage:
    return IncomingMessage(USER, "slack", "D1", text=text, user_name="Ada", delivery_id=delivery)


async def onboarded(store: DocumentStore) -> tuple[Dialogs, Dialogs, FakeClock]:
    clock = FakeClock(MONDAY)
    first, second = instance(store, clock), instance(store, clock)
    for number, text in enumerate(("hello", "skip", "skip")):
        await first.handle(message(text, f"warm-{number}"))
    return first, second, clock


async def titles(store: DocumentStore) -> list[str]:
    return sorted(doc["title"] for doc in await store.query(Query("task", USER)))


def answered(replies: Sequence[list[Reply]]) -> list[list[Reply]]:
    return [r for r in replies if r]


async def test_one_delivery_handled_by_two_instances_at_once_adds_one_task(store: DocumentStore) -> None:
    first, second, _ = await onboarded(store)
    replies = await asyncio.gather(
        first.handle(message("add Pay rent", "Ev1")), second.handle(message("add Pay rent", "Ev1"))
    )
    assert len(answered(replies)) == 1 and answered(replies)[0][0].text.startswith("Added *Pay rent*")
    assert await titles(store) == ["Pay rent"]
    assert await first.handle(message("add Pay rent", "Ev1")) == []  # and a later retry too


async def test_a_list_delivered_twice_at_once_is_answered_once(store: DocumentStore) -> None:
    first, second, _ = await onboarded(store)
    await first.handle(message("add Pay rent", "Ev1"))
    replies = await asyncio.gather(first.handle(message("tasks", "Ev2")), second.handle(message("tasks", "Ev2")))
    assert [r[0].title for r in answered(replies)] == ["Open tasks"]


async def test_two_messages_at_once_both_count_and_both_are_remembered(store: DocumentStore) -> None:
    first, second, _ = await onboarded(store)
    replies = await asyncio.gather(
        first.handle(message("add Pay rent", "Ev1")), second.handle(message("add Call mum", "Ev2"))
    )
    assert len(answered(replies)) == 2
    assert await titles(store) == ["Call mum", "Pay rent"]
    # Each instance's delivery id survived the other's write of the conversation.
    assert await first.handle(message("add Pay rent", "Ev1")) == []
    assert await second.handle(message("add Call mum", "Ev2")) == []
    [undone] = await first.handle(message("undo", "Ev3"))
    assert undone.text.startswith("Removed the task you added")
    assert len(await titles(store)) == 1


async def test_a_turn_outlives_another_instance_writing_the_conversation_in_its_middle(
    store: DocumentStore,
) -> None:
    # A user's next message can land on another instance while this one still works on theirs:
    # the conversation it stored first (with this delivery's id) changes under it. Its next write
    # of the conversation must take that in and go on, not take its own id for someone else's.
    first, second, clock = await onboarded(store)
    services = Services.build(Repositories(store), clock)
    async with services.turn(USER) as turn:
        assert await turn.conversations.first_delivery(USER, "Ev1")
        task = await turn.tasks.create_task(USER, "Pay rent")  # the conversation, with Ev1, goes first
        [listed] = await second.handle(message("tasks", "Ev2"))
        assert listed.items
        await turn.tasks.complete_task(USER, task.id)  # its undo entry changes the conversation again
    assert (await services.tasks.get_task(USER, task.id)).completed
    state = await services.conversations.state(USER)
    assert {"Ev1", "Ev2"} <= set(state.deliveries)
    assert state.undo is not None and state.undo.action == "completed"
    assert await first.handle(message("add Pay rent", "Ev1")) == []  # and Ev1 stays handled


async def test_one_task_finished_from_two_instances_at_once_counts_once(store: DocumentStore) -> None:
    first, second, _ = await onboarded(store)
    await first.handle(message("add Pay rent", "Ev1"))
    await first.handle(message("tasks", "Ev2"))
    await asyncio.gather(first.handle(message("done 1", "Ev3")), second.handle(message("done 1", "Ev4")))
    # Each turn read the task and the totals once; the turn whose write lost the ETag race
    # read them afresh from the store, found the task done and counted nothing.
    summary = await Services.build(Repositories(store), FakeClock(MONDAY)).stats.summary(USER)
    assert (summary["total_tasks"], summary["completed_tasks"]) == (1, 1)


async def test_a_turn_that_erases_the_user_leaves_nothing_behind(store: DocumentStore) -> None:
    first, _, _ = await onboarded(store)
    await first.handle(message("add Secret plan", "Ev1"))
    await first.handle(message("delete my data", "Ev2"))
    [gone] = await first.handle(message("yes", "Ev3"))
    assert "deleted" in gone.text
    assert await store.count(Query(None, USER)) == 0  # not even the conversation comes back


async def test_a_session_running_since_the_evening_earns_no_trophy_and_reads_no_sessions(
    store: DocumentStore,
) -> None:
    first, _, clock = await onboarded(store)
    clock.set(datetime(2026, 3, 2, 21, 0, tzinfo=UTC))
    await first.handle(message("start", "Ev1"))
    clock.set(datetime(2026, 3, 2, 23, 0, tzinfo=UTC))
    store.operations.reset()
    [reply] = [r for r in await first.handle(message("water 250", "Ev2")) if r.text.startswith("Logged")]
    assert "Night owl" not in reply.text  # working late is nothing to celebrate
    assert not [op for op in store.operations.trail if "work_session" in op]


async def test_a_slot_from_before_it_kept_its_start_is_read_through_its_session(store: DocumentStore) -> None:
    clock = FakeClock(datetime(2026, 3, 2, 23, 0, tzinfo=UTC))
    repos = Repositories(store)
    services = Services.build(repos, clock)
    await services.users.ensure(USER)
    session = WorkSession("s1", USER, datetime(2026, 3, 2, 21, 0, tzinfo=UTC))
    await repos.work_sessions.add(session)
    await repos.active_slots.add(ActiveSlot(USER, session.id))  # no started_at: an older slot
    assert await running_since(repos, USER, clock.now()) == session.start_time
