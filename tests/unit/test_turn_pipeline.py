"""The turn pipeline's own rules, below any channel: where each reply may go for what a channel
can do, one user's turns in order with bounded waiting, and typing only for slow turns."""

from __future__ import annotations

import asyncio

from bot.dialogs.router import Dialogs
from bot.messages import Button, FileOut, Image, IncomingMessage, ListItem, Reply
from bot.runtime import ChannelCapabilities, TurnPipeline, Where
from bot.runtime.ordering import UserQueues
from bot.runtime.privacy import ASK_IN_PRIVATE, NO_FILES, SENT_TO_DM, place
from domain.clock import FakeClock
from domain.services import Services
from persistence.repositories import Repositories
from tests.conformance.echo_channel import EchoChannel
from tests.fake_slack import NOW
from tests.fakes import InMemoryDocumentStore

SLACK_LIKE = ChannelCapabilities(ephemeral=True, files=True, buttons=True, dm=True)
TEAMS_LIKE = ChannelCapabilities(files=True, typing=True, buttons=True)
PLAIN = ChannelCapabilities()

SECRET = Reply("your token", private=True, ephemeral=True)
PERSONAL = Reply("personal", private=True)
EXPORT = Reply("your data", file=FileOut("export.json", b"{}"), private=True)
CHART = Reply("your week", image=Image(b"png", "chart"))
HELLO = Reply(
    "hello",
    buttons=[Button("Help", {"command": "help"})],
    items=[ListItem("a task", button=Button("Done", {"command": "done"}))],
)


def message(private: bool) -> IncomingMessage:
    return IncomingMessage("u:1", "test", "c1", "token", private=private)


def placed(
    replies: list[Reply],
    capabilities: ChannelCapabilities,
    *,
    private: bool,
    lasting: bool = True,
    dm_known: bool = False,
) -> list[tuple[str, Where]]:
    found = place(replies, message(private), capabilities, lasting=lasting, dm_known=dm_known)
    return [(p.reply.text, p.where) for p in found]


def test_personal_replies_in_a_group_show_to_the_user_alone_where_the_platform_can():
    assert placed([HELLO, PERSONAL], SLACK_LIKE, private=False) == [
        ("hello", Where.HERE),
        ("personal", Where.USER_ONLY),
    ]


def test_personal_replies_in_a_group_become_one_pointer_to_the_private_chat_elsewhere():
    assert placed([PERSONAL, HELLO, SECRET], TEAMS_LIKE, private=False) == [
        ("hello", Where.HERE),
        (ASK_IN_PRIVATE.text, Where.HERE),
    ]


def test_personal_replies_in_a_group_go_to_a_private_chat_the_channel_knows_else_take_their_group_words():
    teams_like = ChannelCapabilities(files=True, typing=True, buttons=True, known_dm=True)
    choice = Reply("You're in", private=True, in_group="You're in")
    private_chart = Reply("your mood", image=Image(b"png", "chart"), private=True)
    assert placed([PERSONAL, choice], teams_like, private=False, dm_known=True) == [
        ("personal", Where.DM),
        ("You're in", Where.DM),
        (SENT_TO_DM.text, Where.HERE),
    ]
    assert placed([PERSONAL, choice], teams_like, private=False) == [
        ("You're in", Where.HERE),
        (ASK_IN_PRIVATE.text, Where.HERE),
    ]
    # A known private chat is reached by a proactive message: no file or chart goes that way.
    assert placed([EXPORT, private_chart], teams_like, private=False, dm_known=True) == [
        (ASK_IN_PRIVATE.text, Where.HERE)
    ]
    assert placed([choice], SLACK_LIKE, private=False) == [("You're in", Where.USER_ONLY)]


def test_a_file_asked_for_in_a_group_goes_to_the_dm_with_a_note_only_the_user_sees():
    assert placed([EXPORT], SLACK_LIKE, private=False) == [("your data", Where.DM), (SENT_TO_DM.text, Where.USER_ONLY)]
    assert placed([EXPORT], TEAMS_LIKE, private=False) == [(ASK_IN_PRIVATE.text, Where.HERE)]


def test_files_and_images_go_to_the_dm_when_this_conversation_keeps_no_messages():
    assert placed([CHART, EXPORT], SLACK_LIKE, private=True, lasting=False) == [
        ("your week", Where.DM),
        ("your data", Where.DM),
        (SENT_TO_DM.text, Where.HERE),
    ]
    assert placed([CHART], SLACK_LIKE, private=False) == [("your week", Where.HERE)]  # nothing personal


def test_a_secret_leaves_no_lasting_message_where_the_platform_allows():
    assert placed([SECRET], SLACK_LIKE, private=True) == [("your token", Where.USER_ONLY)]
    assert placed([SECRET], TEAMS_LIKE, private=True) == [("your token", Where.HERE)]


def test_a_channel_without_files_or_buttons_gets_neither():
    [(reply, where)] = [(p.reply, p.where) for p in place([HELLO], message(True), PLAIN)]
    assert where is Where.HERE and reply.buttons == [] and reply.items[0].button is None
    assert placed([EXPORT], PLAIN, private=True) == [(NO_FILES.text, Where.HERE)]


async def test_one_users_turns_run_one_at_a_time_in_order_while_others_run_alongside():
    queues = UserQueues()
    log: list[str] = []
    gate = asyncio.Event()

    def work(name: str, wait: bool = False):
        async def run() -> None:
            log.append(f"{name} starts")
            if wait:
                await gate.wait()
            log.append(f"{name} ends")

        return run

    first = queues.submit("ada", work("ada 1", wait=True))
    second = queues.submit("ada", work("ada 2"))
    other = queues.submit("bob", work("bob 1"))
    assert first is not None and second is not None and other is not None  # all three were queued
    await other
    assert log == ["ada 1 starts", "bob 1 starts", "bob 1 ends"]
    gate.set()
    await asyncio.gather(first, second)
    assert log[3:] == ["ada 1 ends", "ada 2 starts", "ada 2 ends"]
    await queues.drain()
    assert queues.waiting() == 0


async def test_a_flood_past_the_waiting_room_is_dropped_before_any_work():
    queues = UserQueues(max_waiting=3)
    ran: list[int] = []
    gate = asyncio.Event()

    def work(number: int):
        async def run() -> None:
            await gate.wait()
            ran.append(number)

        return run

    accepted = [queues.submit("ada", work(number)) for number in range(5)]
    assert [future is not None for future in accepted] == [True, True, True, False, False]
    gate.set()
    await queues.drain()
    assert ran == [0, 1, 2]


class SlowStore(InMemoryDocumentStore):
    """Every read waits on the event loop, as a real store's do."""

    async def read(self, user_id: str, doc_id: str):
        await asyncio.sleep(0.001)
        return await super().read(user_id, doc_id)


def pipeline(typing_after: float) -> tuple[TurnPipeline, EchoChannel]:
    services = Services.build(Repositories(SlowStore()), FakeClock(NOW))
    turns = TurnPipeline(Dialogs(services), services, typing_after=typing_after)
    return turns, EchoChannel(turns)


async def test_a_slow_turn_shows_typing_before_its_replies_and_a_fast_one_does_not():
    turns, echo = pipeline(typing_after=0.0)  # every turn counts as slow
    await echo.post("ada", "help")
    assert [shown.typing for shown in echo.shown][:2] == [True, False]
    turns, echo = pipeline(typing_after=30.0)
    await echo.post("ada", "help")
    assert echo.shown and not any(shown.typing for shown in echo.shown)
