"""What one chat turn costs the store: a returning user's `add`, `tasks` and `done` stay within
their budgets of store round trips on SQLite and on the Cosmos DB test server.

Each turn is a real one: a Slack-shaped message with a delivery id through ``Dialogs.handle``,
over the services the app builds, so redelivery dedupe, the user, the conversation state, the
roll-ups and the pet's and progress' word after the action are all paid for. The store's own
operation counter is read around the turn; on failure the message lists every operation.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.dialogs.router import Dialogs
from bot.messages import IncomingMessage, Reply
from domain.clock import FakeClock
from domain.services import Services
from persistence.port import DocumentStore
from persistence.repositories import Repositories

USER = "slack:T1:U1"
BUDGETS = {"add": 8, "tasks": 4, "done": 8}
MONDAY = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)


class Chat:
    """A user typing to the bot, one Slack-shaped message at a time."""

    def __init__(self, store: DocumentStore, clock: FakeClock) -> None:
        self.store, self.clock = store, clock
        self.dialogs = Dialogs(Services.build(Repositories(store), clock))
        self.sent = 0

    async def say(self, text: str) -> list[Reply]:
        self.sent += 1
        self.clock.advance(seconds=20)
        return await self.dialogs.handle(
            IncomingMessage(USER, "slack", "D1", text=text, user_name="Ada", delivery_id=f"Ev{self.sent:08d}")
        )

    async def cost(self, text: str) -> tuple[int, list[Reply], str]:
        """Store operations of one turn, its replies, and the operations by name (for failures)."""
        self.store.operations.reset()
        replies = await self.say(text)
        operations = self.store.operations
        return operations.total, replies, "\n".join(operations.trail)


async def returning_user(store: DocumentStore) -> Chat:
    """A user past onboarding who has added, listed and finished a task before."""
    chat = Chat(store, FakeClock(MONDAY))
    for text in ("add Buy milk", "skip", "skip", "add Call the bank", "tasks", "done 1", "tasks"):
        await chat.say(text)
    return chat


def within(command: str, cost: int, trail: str) -> None:
    assert cost <= BUDGETS[command], f"`{command}` took {cost} store operations:\n{trail}"


async def test_a_returning_users_add_tasks_and_done_stay_within_budget(store: DocumentStore) -> None:
    chat = await returning_user(store)

    cost, replies, trail = await chat.cost("add Write the report due friday 5pm")
    assert replies[0].text.startswith("Added *Write the report*, due Fri 06 Mar 17:00.")
    within("add", cost, trail)

    cost, replies, trail = await chat.cost("tasks")
    assert [item.text for item in replies[0].items] == ["1. Write the report", "2. Call the bank"]
    within("tasks", cost, trail)

    cost, replies, trail = await chat.cost("done 1")
    assert replies[0].text.startswith("Done: *Write the report*. 1 open task left.")
    assert "\n🐾 " in replies[0].text
    within("done", cost, trail)


async def test_a_done_that_earns_a_level_or_an_achievement_stays_within_budget(store: DocumentStore) -> None:
    chat = await returning_user(store)
    earned = []
    for number in range(5):  # 20 XP each: the fifth task finished reaches level 2
        await chat.say(f"add Task {number}")
        await chat.say("tasks")
        cost, replies, trail = await chat.cost("done 1")
        within("done", cost, trail)
        earned += [line for line in replies[0].text.splitlines() if line.startswith("⭐")]
    assert earned == ["⭐ Level 2! Your Avanochi is a baby now."]


async def test_the_first_turns_of_a_new_day_stay_within_budget(store: DocumentStore) -> None:
    chat = await returning_user(store)
    chat.clock.advance(days=1)  # the progress checkpoint moves on by a day
    cost, _, trail = await chat.cost("add Plan the week")
    within("add", cost, trail)
    chat.clock.advance(days=1)
    await chat.say("tasks")
    cost, _, trail = await chat.cost("done 1")
    within("done", cost, trail)


async def test_the_budgets_hold_for_a_slack_dm_through_the_whole_turn_pipeline(slack, store: DocumentStore) -> None:
    """The same turns over real HTTP: signature, acknowledgement, the pipeline's order, pace,
    profile and address capture, and the reply through the fake Web API, all in the count."""
    from app import CONTAINER_KEY

    pipeline = slack.app[CONTAINER_KEY].pipeline
    for text in ("add Buy milk", "skip", "skip", "add Call the bank", "tasks", "done 1", "tasks"):
        await slack.workspace.say(text)
    for command, text in (("add", "add Write the report due friday 5pm"), ("tasks", "tasks"), ("done", "done 1")):
        await pipeline.drain()
        store.operations.reset()
        await slack.workspace.say(text)
        await pipeline.drain()
        assert store.operations.total > 0  # the turn was counted, not skipped
        within(command, store.operations.total, "\n".join(store.operations.trail))


# A reminder wave: store operations per delivered nudge in one engine pass. A chunk of users
# (their profiles, addresses and activity) is read in one statement on SQLite, one query per
# thing per user on Cosmos DB (no union of queries there; concurrent), and the claims and the
# settles of a chunk are written together (one statement each on SQLite). The engine once made
# 12 sequential round trips a nudge, on both stores.
NUDGE_BUDGETS = {"sqlite": 0.3, "cosmos": 11.5}


async def test_a_reminder_waves_nudges_stay_within_their_store_budget(store: DocumentStore) -> None:
    from bot.reminders.engine import ReminderEngine
    from domain.reminders.shards import shard_of
    from tests.integration.test_reminder_scale import START, clocked_in_as
    from tests.reminder_doubles import RecordingNotifier

    clock = FakeClock(START)
    services = Services.build(Repositories(store), clock)
    # All in one delivery shard, so that the pass's fixed cost (lookups, the shard's lease) is
    # paid once: what is left is the cost of each nudge.
    ids = [f"slack:T1:U{n}" for n in range(2_000) if shard_of(f"slack:T1:U{n}") == 0][:40]
    await clocked_in_as(services, clock, ids)
    for user in ids:  # the break nudge alone (the morning plan's words read the user's days)
        await services.users.update_user(user, reminder=("plan", {"on": False}))
    clock.set(START.replace(minute=50))
    notifier = RecordingNotifier()
    engine = ReminderEngine(services, {"slack": notifier})
    store.operations.reset()
    summary = await engine.run()
    per_nudge = store.operations.total / summary.sent
    assert summary.by_kind == {"break": 40}
    assert per_nudge <= NUDGE_BUDGETS[store.name], "\n".join(store.operations.trail)
