"""One driver per channel: the same few moves (say, press, send a file, ...) made through each
channel's own wire fake, and what the user then sees, in the same neutral shape.

- Slack: signed requests to /slack/events, replies read at the fake Web API (tests/fake_slack.py).
- Teams: Bot Framework activities to /api/messages, replies at the fake Bot Connector
  (tests/fake_connector.py).
- Console: lines on its stdin, replies parsed from its stdout.
- Echo: the test-only channel of echo_channel.py, registered in the app like a real one.
"""

from __future__ import annotations

import asyncio
import itertools
import queue
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from app import CONTAINER_KEY, SERVICES_KEY, bootstrap, build_app
from bot.adapters.console.adapter import PROMPT, Reminders, chat
from bot.adapters.console.channel import ConsoleChannel
from bot.adapters.console.notifier import ConsoleNotifier
from bot.adapters.console.terminal import OsUser, PipedLines
from bot.adapters.console.viewer import SystemViewer
from bot.messages import Attachment
from bot.reminders.engine import ReminderEngine
from bot.runtime import Profile
from domain.clock import FakeClock
from domain.services import Services
from persistence.port import Query
from tests.conformance.echo_channel import ECHO, EchoChannel, Shown
from tests.fake_slack import NOW, OUTGOING, Call, slack_world
from tests.integration.conftest import make_settings

ZONE = "Europe/Madrid"  # what every platform that knows it says about the user
SHARED = "C0GENERAL"


@dataclass
class Seen:
    """One reply as the user meets it."""

    text: str  # the words, without markup
    buttons: list[str]
    private: bool  # only this user can see it: their 1:1 chat with the bot, or shown to them alone
    file: str | None = None  # the name of a file it hands over
    ref: Any = None  # the driver's own handle on it, to press its buttons


def readable(text: str) -> str:
    return text.replace("*", "").replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


class FlakyStore:
    """The store under test, whose queries fail while ``failing`` is set: a fault no dialog expects."""

    def __init__(self, inner) -> None:
        self._inner = inner
        self.failing = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    async def query(self, query: Query):
        if self.failing:
            raise RuntimeError("the store broke in a way nobody planned for")
        return await self._inner.query(query)


class FileHost:
    """Files users share, served on loopback (where the echo channel and the Teams Emulator fetch)."""

    def __init__(self) -> None:
        self.files: dict[str, bytes] = {}
        app = web.Application()
        app.router.add_get("/files/{name}", self._serve)
        self._server = TestServer(app, host="127.0.0.1")

    async def _serve(self, request: web.Request) -> web.Response:
        return web.Response(body=self.files[request.match_info["name"]])

    def share(self, name: str, data: bytes) -> str:
        self.files[name] = data
        return str(self._server.make_url(f"/files/{name}"))

    async def __aenter__(self) -> FileHost:
        await self._server.start_server()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._server.close()


@dataclass
class Driver:
    name: str
    user_id: str
    services: Services
    store: FlakyStore
    zone: str | None = ZONE
    cannot: dict[str, str] = field(default_factory=dict)  # a move this channel lacks -> why
    reminders: bool = True  # reminders can reach the user here (the store keeps an address)
    container: Any = None  # the app's parts, where the channel runs the whole app

    @property
    def channel_name(self) -> str:
        """The channel's name in user ids and stored addresses."""
        return self.user_id.split(":")[0]

    def needs(self, *moves: str) -> None:
        for move in moves:
            if move in self.cannot:
                pytest.skip(f"{self.name}: {self.cannot[move]}")

    async def say(self, text: str, *, shared: bool = False) -> list[Seen]:
        raise NotImplementedError

    async def press(self, seen: Seen, label: str) -> list[Seen]:
        raise NotImplementedError

    async def send_file(self, data: bytes, name: str, content_type: str) -> list[Seen]:
        """Share a file (a voice note) in the private chat."""
        raise NotImplementedError

    async def say_twice(self, text: str) -> list[Seen]:
        """The platform delivers one message twice (a retry)."""
        raise NotImplementedError

    async def say_at_once(self, texts: list[str]) -> list[Seen]:
        """Several messages sent without waiting for answers."""
        raise NotImplementedError

    async def open(self) -> list[Seen]:
        """The user installs or opens the bot."""
        raise NotImplementedError

    def others_saw(self) -> list[Seen]:
        """Everything anyone else in the shared conversation could read or download."""
        raise NotImplementedError


# -- Slack -----------------------------------------------------------------------------------


class SlackDriver(Driver):
    def __init__(self, harness, store: FlakyStore) -> None:
        super().__init__("slack", "slack:T0TEAM:U1", harness.app[SERVICES_KEY], store)
        self.container = harness.app[CONTAINER_KEY]
        self._workspace, self._api = harness.workspace, harness.api
        self._pipeline = harness.app[CONTAINER_KEY].pipeline

    async def _after(self, since: int) -> list[Seen]:
        await self._pipeline.drain()
        return [self._seen(call) for call in self._api.calls[since:] if call.method in OUTGOING]

    @staticmethod
    def _seen(call: Call) -> Seen:
        where = str(call.body.get("channel") or call.body.get("channel_id") or "")
        private = call.method in ("chat.postEphemeral", "response_url") or where.startswith("D")
        files = call.body.get("files") if call.method == "files.completeUploadExternal" else None
        return Seen(
            readable(call.text),
            [button["text"]["text"] for _, button in call.buttons()],
            private,
            files[0].get("title") if files else None,
            call,
        )

    async def say(self, text: str, *, shared: bool = False) -> list[Seen]:
        since = len(self._api.calls)
        response = await (self._workspace.mention(text, channel=SHARED) if shared else self._workspace.dm(text))
        assert response.status == 200
        return await self._after(since)

    async def press(self, seen: Seen, label: str) -> list[Seen]:
        since = len(self._api.calls)
        assert (await self._workspace.press(seen.ref, label)).status == 200
        return await self._after(since)

    async def send_file(self, data: bytes, name: str, content_type: str) -> list[Seen]:
        url = self._api.share_file(name, data)
        event = self._workspace.dm_event("", subtype="file_share")
        event["files"] = [
            {
                "id": "F0FILE",
                "name": name,
                "mimetype": content_type,
                "size": len(data),
                "url_private": url,
                "url_private_download": url,
            }
        ]
        since = len(self._api.calls)
        assert (await self._workspace.event(event)).status == 200
        return await self._after(since)

    async def say_twice(self, text: str) -> list[Seen]:
        body = self._workspace.event_body(self._workspace.dm_event(text))
        since = len(self._api.calls)
        assert (await self._workspace.post_json(body)).status == 200
        retry = {"X-Slack-Retry-Num": "1", "X-Slack-Retry-Reason": "http_timeout"}
        assert (await self._workspace.post_json(body, headers=retry)).status == 200
        return await self._after(since)

    async def say_at_once(self, texts: list[str]) -> list[Seen]:
        since = len(self._api.calls)
        for text in texts:  # each is acknowledged at once; the turns run after
            assert (await self._workspace.dm(text)).status == 200
        return await self._after(since)

    async def open(self) -> list[Seen]:
        since = len(self._api.calls)
        assert (await self._workspace.home_opened(tab="messages")).status == 200
        return await self._after(since)

    def others_saw(self) -> list[Seen]:
        lasting = ("chat.postMessage", "chat.update", "files.completeUploadExternal")
        return [
            self._seen(call)
            for call in self._api.calls
            if call.method in lasting and (call.body.get("channel") or call.body.get("channel_id")) == SHARED
        ]


@asynccontextmanager
async def slack_driver(store: FlakyStore) -> AsyncIterator[Driver]:
    async with slack_world(store) as harness:
        yield SlackDriver(harness, store)


# -- Teams -------------------------------------------------------------------------------------------


class TeamsDriver(Driver):
    def __init__(self, world, store: FlakyStore, files: FileHost) -> None:
        super().__init__("teams", world.chat.user_id, world.app[SERVICES_KEY], store)
        self.container = world.app[CONTAINER_KEY]
        from tests.fake_connector import cards, submit_actions, visible_text

        self._cards, self._actions, self._visible = cards, submit_actions, visible_text
        self._world, self._files = world, files
        self._pipeline = world.app[CONTAINER_KEY].pipeline
        self._chat = world.chat
        self._group = world.chat_as(conversation_id="19:group-chat@thread.v2", conversation_type="groupChat")
        self._installs = itertools.count(1)

    def _seen(self, activity: dict[str, Any], chat) -> Seen:
        buttons = [action["title"] for card in self._cards([activity]) for action in self._actions(card)]
        files = [
            a.get("name")
            for a in activity.get("attachments") or []
            if a.get("contentType") in ("application/vnd.microsoft.teams.card.file.consent", "application/json")
        ]
        return Seen(
            readable(self._visible(activity)),
            buttons,
            # In the user's 1:1 chat, whichever conversation it was asked for in.
            activity["_meta"]["conversation"] == self._chat.conversation_id,
            files[0] if files else None,
            (chat, activity),
        )

    async def _post(self, chat, text: str | None = None, **extra: Any) -> list[Seen]:
        return [self._seen(activity, chat) for activity in await chat.say(text, **extra)]

    async def say(self, text: str, *, shared: bool = False) -> list[Seen]:
        return await self._post(self._group if shared else self._chat, text)

    async def press(self, seen: Seen, label: str) -> list[Seen]:
        chat, activity = seen.ref
        [action] = [a for card in self._cards([activity]) for a in self._actions(card) if a["title"] == label]
        return await self._post(chat, None, value=action["data"])

    async def send_file(self, data: bytes, name: str, content_type: str) -> list[Seen]:
        attachment = {
            "contentType": "application/vnd.microsoft.teams.file.download.info",
            "name": name,
            "content": {
                "downloadUrl": self._files.share(name, data),
                "uniqueId": "1",
                "fileType": name.rsplit(".", 1)[-1],
            },
        }
        return await self._post(self._chat, None, attachments=[attachment])

    async def say_twice(self, text: str) -> list[Seen]:
        activity = self._chat.activity(text)
        before = len(self._world.connector.activities)
        for _ in range(2):
            assert (await self._chat.post(activity))[0] == 200
        return [self._seen(sent, self._chat) for sent in self._world.connector.messages(before)]

    async def say_at_once(self, texts: list[str]) -> list[Seen]:
        """Each message in a request of its own, all open at once. Teams gives no order between
        concurrent requests, so each is sent once the one before has reached the bot; an earlier
        slow turn (held here) keeps them all waiting, as a voice note would."""
        held = asyncio.Event()
        ahead = self._pipeline.later(self.user_id, held.wait)
        before = len(self._world.connector.activities)
        requests = []
        for text in texts:
            requests.append(asyncio.create_task(self._chat.post(self._chat.activity(text))))
            for _ in range(3000):
                if self._pipeline.waiting() > len(requests):  # the held turn and the ones sent so far
                    break
                await asyncio.sleep(0.01)
            else:
                raise AssertionError("a message never reached the bot")
        held.set()
        await ahead
        assert [status for status, _ in await asyncio.gather(*requests)] == [200] * len(texts)
        return [self._seen(sent, self._chat) for sent in self._world.connector.messages(before)]

    async def open(self) -> list[Seen]:
        chat = self._chat
        activity = chat.activity(
            None,
            type="conversationUpdate",
            id=f"f:install-{next(self._installs)}",
            membersAdded=[{"id": "28:avanochi-bot-id"}],
        )
        before = len(self._world.connector.activities)
        assert (await chat.post(activity))[0] == 200
        return [self._seen(sent, chat) for sent in self._world.connector.messages(before)]

    def others_saw(self) -> list[Seen]:
        return [
            self._seen(a, self._group)
            for a in self._world.connector.activities
            if a["_meta"]["conversation"] == self._group.conversation_id
        ]


@asynccontextmanager
async def teams_driver(store: FlakyStore) -> AsyncIterator[Driver]:
    from tests.fake_connector import teams_world

    async with FileHost() as files, teams_world(make_settings(), store, start=NOW) as world:
        yield TeamsDriver(world, store, files)


# -- the console -------------------------------------------------------------------------------


class Keyboard:
    """The console's stdin: lines the test types, read one at a time in the console's thread."""

    def __init__(self) -> None:
        self._lines: queue.Queue[str] = queue.Queue()

    def type(self, line: str) -> None:
        self._lines.put(line + "\n")

    def readline(self) -> str:
        return self._lines.get()


class Screen:
    """The console's stdout."""

    def __init__(self) -> None:
        self.text = ""

    def write(self, text: str) -> int:
        self.text += text
        return len(text)

    def flush(self) -> None:
        pass


ADA = OsUser("ada", "Ada Lovelace")  # the account the console runs under
BUTTON = re.compile(r"\[(\d+)\] (.+?)(?=  \[\d+\] |$)")
SAVED = re.compile(r"\s+\(saved (.+?)(?:; type open to view it)?\)")


class ConsoleDriver(Driver):
    def __init__(self, container, store: FlakyStore, folder: Path, user: OsUser, reminders_every: float = 0) -> None:
        super().__init__(
            "console",
            user.user_id,
            container.services,
            store,
            zone=None,
            cannot={
                "shared": "a terminal is a private chat",
                "redelivery": "a typed line arrives once",
                "files": "a terminal sends no attachments",
                "older_cards": "a typed number presses a button of the last reply only",
                "locale": "a terminal does not tell which way its user writes dates",
            },
        )
        self._pipeline, self._folder, self._user = container.pipeline, folder, user
        self._reminders_every = reminders_every  # seconds between the console's reminder passes; 0: none
        self._keyboard, self.screen = Keyboard(), Screen()
        self.console: ConsoleChannel | None = None
        self._session: asyncio.Task | None = None

    async def start(self) -> list[Seen]:
        """A chat session in the terminal: what it shows before the first prompt."""
        await self.stop()
        self._keyboard, self.screen = Keyboard(), Screen()
        self.console = ConsoleChannel(self.screen, self._folder, self._user.name)
        reminders = None
        if self._reminders_every:  # the console's own engine, delivering to this terminal
            engine = ReminderEngine(self.services, {"console": ConsoleNotifier(self.console)})
            reminders = Reminders(engine, self._reminders_every)
        self._session = asyncio.create_task(
            chat(
                self._pipeline,
                PipedLines(self._keyboard, self.screen),
                self.console,
                self._user,
                reminders=reminders,
                viewer=SystemViewer(),
            )
        )
        return await self._shown(0, prompts=1)

    async def stop(self) -> None:
        if self._session is not None:
            self._keyboard.type("quit")
            await asyncio.wait_for(self._session, timeout=30)
            self._session = None

    async def _shown(self, since: int, prompts: int) -> list[Seen]:
        """The replies printed after ``since`` once ``prompts`` more prompts are shown."""
        await self.printed(lambda text: text.count(PROMPT) >= prompts, since)
        return self.seen(since)

    async def printed(self, done, since: int = 0) -> str:
        """What the console printed after ``since``, once ``done`` says it is all there."""
        for _ in range(3000):
            if done(self.screen.text[since:]):
                return self.screen.text[since:]
            assert self._session is not None and not self._session.done(), self.screen.text
            await asyncio.sleep(0.01)
        raise AssertionError(f"the console stopped answering: {self.screen.text[since:]!r}")

    def seen(self, since: int = 0) -> list[Seen]:
        """The replies on the screen after ``since``, read back the way the user reads them."""
        seen: list[Seen] = []
        for line in self.screen.text[since:].replace(PROMPT, "\n").splitlines():
            if line.startswith("avanochi> "):
                seen.append(Seen("", [], True, ref={}))
            elif not seen or not line.startswith(" "):
                continue
            saved = SAVED.fullmatch(line)
            if saved:
                seen[-1].file = Path(saved.group(1)).name
                continue
            seen[-1].text += readable(line.removeprefix("avanochi> ").strip()) + "\n"
            for number, label in BUTTON.findall(line):
                seen[-1].buttons.append(label)
                seen[-1].ref[label] = number
        return seen

    async def say(self, text: str, *, shared: bool = False) -> list[Seen]:
        return await self.say_at_once([text])

    async def say_at_once(self, texts: list[str]) -> list[Seen]:
        if self._session is None:
            await self.start()
        since = len(self.screen.text)
        for text in texts:
            self._keyboard.type(text)
        return await self._shown(since, prompts=len(texts))

    async def press(self, seen: Seen, label: str) -> list[Seen]:
        return await self.say(seen.ref[label])

    async def open(self) -> list[Seen]:
        return await self.start()


@asynccontextmanager
async def console_driver(
    store: FlakyStore,
    folder: Path,
    *,
    user: OsUser = ADA,
    clock: FakeClock | None = None,
    reminders_every: float = 0,
) -> AsyncIterator[ConsoleDriver]:
    container = bootstrap(make_settings(), store=store, clock=clock or FakeClock(NOW))
    driver = ConsoleDriver(container, store, folder, user, reminders_every)
    try:
        yield driver
    finally:
        await driver.stop()
        await container.close()


# -- the test-only echo channel ------------------------------------------------------------------


class EchoDriver(Driver):
    def __init__(self, app: web.Application, store: FlakyStore, files: FileHost) -> None:
        super().__init__("echo", "echo:ada", app[SERVICES_KEY], store)
        self._echo: EchoChannel = app[ECHO]
        self._echo.profiles["ada"] = Profile("Ada Lovelace", ZONE)
        self._files = files
        self._deliveries = itertools.count(1)

    def _since(self, since: int) -> list[Seen]:
        return [self._seen(shown) for shown in self._echo.shown[since:] if not shown.typing]

    @staticmethod
    def _seen(shown: Shown) -> Seen:
        reply = shown.reply
        buttons = reply.buttons + [item.button for item in reply.items if item.button]
        return Seen(
            readable(reply.plain()),
            [button.label for button in buttons],
            shown.conversation.startswith("dm:"),
            reply.file.name if reply.file else None,
            shown,
        )

    async def _post(self, text: str = "", **options: Any) -> list[Seen]:
        since = len(self._echo.shown)
        await self._echo.post("ada", text, delivery_id=f"d{next(self._deliveries)}", **options)
        return self._since(since)

    async def say(self, text: str, *, shared: bool = False) -> list[Seen]:
        return await self._post(text, conversation="room" if shared else None)

    async def press(self, seen: Seen, label: str) -> list[Seen]:
        reply, conversation = seen.ref.reply, seen.ref.conversation
        [button] = [b for b in reply.buttons + [i.button for i in reply.items if i.button] if b.label == label]
        shared = None if conversation.startswith("dm:") else conversation
        return await self._post(action=button.payload, conversation=shared)

    async def send_file(self, data: bytes, name: str, content_type: str) -> list[Seen]:
        attachment = Attachment(self._files.share(name, data), content_type, name, len(data))
        return await self._post(attachments=(attachment,))

    async def say_twice(self, text: str) -> list[Seen]:
        since = len(self._echo.shown)
        await asyncio.gather(*(self._echo.post("ada", text, delivery_id="twice") for _ in range(2)))
        return self._since(since)

    async def say_at_once(self, texts: list[str]) -> list[Seen]:
        since = len(self._echo.shown)
        await asyncio.gather(*(self._echo.post("ada", text) for text in texts))
        return self._since(since)

    async def open(self) -> list[Seen]:
        since = len(self._echo.shown)
        await self._echo.install("ada")
        return self._since(since)

    def others_saw(self) -> list[Seen]:
        return [self._seen(shown) for shown in self._echo.shown if shown.conversation == "room"]


@asynccontextmanager
async def echo_driver(store: FlakyStore) -> AsyncIterator[Driver]:
    from tests.conformance import echo_channel

    app = build_app(make_settings(), store=store, clock=FakeClock(NOW), channels=[echo_channel.register])
    server = TestServer(app, host="127.0.0.1")  # started for the app's start-up and clean-up work
    await server.start_server()
    try:
        async with FileHost() as files:
            yield EchoDriver(app, store, files)
    finally:
        await server.close()
