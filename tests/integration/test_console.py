"""What only the terminal chat does (the rest of its conversation is in tests/conformance): buttons
pressed by typing their number, pictures saved to a folder readable by the user alone with their
path printed and opened on request, reminders and focus ends printed while it waits for a line,
and the OS account's name."""

from __future__ import annotations

import asyncio
import io
import os
import re
import stat
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.adapters.console.notifier import ConsoleNotifier
from bot.adapters.console.terminal import os_user
from bot.reminders.engine import ReminderEngine
from domain.clock import FakeClock
from domain.services import Services
from persistence.repositories import Repositories
from persistence.sqlite_store import SqliteDocumentStore
from tests.conformance.drivers import FlakyStore, console_driver
from tests.fake_slack import NOW
from tests.reminder_doubles import RecordingNotifier

PNG = b"\x89PNG\r\n\x1a\n"
SAVED = re.compile(r"\(saved (\S+\.png); type open to view it\)")


@pytest.fixture
def store_kind() -> str:
    return "sqlite"


async def met(console) -> None:
    """A user who has been through onboarding (its questions skipped)."""
    await console.say("hello")
    await console.say("skip")
    await console.say("skip")


async def test_typing_a_shown_buttons_number_alone_presses_it(store, tmp_path: Path):
    async with console_driver(FlakyStore(store), tmp_path / "files") as console:
        await met(console)
        await console.say("add Buy milk")
        await console.say("add Call mum")
        start = len(console.screen.text)
        [listed] = await console.say("tasks")
        shown = dict(re.findall(r"• \d\. (.+?)  \[(\d)\] Done", console.screen.text[start:]))
        assert sorted(shown.values()) == ["1", "2"]  # one numbered Done button per task
        [done] = await console.say(shown["Buy milk"])
        assert "(pressed Done)" in console.screen.text and "Done: Buy milk" in done.text
        titles = [task.title for task in await console.services.tasks.list_tasks(console.user_id, "done")]
        assert titles == ["Buy milk"]


async def test_a_number_typed_with_no_button_of_that_number_is_an_ordinary_message(store, tmp_path: Path):
    async with console_driver(FlakyStore(store), tmp_path / "files") as console:
        await met(console)
        await console.say("add Buy milk")
        [listed] = await console.say("tasks")
        assert listed.buttons == ["Done"]
        [answer] = await console.say("done 1")  # a command with a number, not a press
        assert "Done: Buy milk" in answer.text
        [shown] = await console.say("stats today")
        assert not shown.buttons
        [answer] = await console.say("1")  # nothing to press: the bot reads it
        assert "didn't catch" in answer.text or "Did you mean" in answer.text, answer.text
        assert "(pressed" not in console.screen.text
        [help_] = await console.say("help")
        assert "type a button's number alone to press it" in help_.text
        assert "with no buttons shown, a number is an ordinary message" in help_.text


async def test_a_chart_is_saved_with_its_path_printed_and_open_shows_it_in_the_viewer(
    store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # The system's viewer, as a program on PATH that notes what it was asked to open.
    opened = tmp_path / "opened.txt"
    viewer = tmp_path / "bin" / "xdg-open"
    viewer.parent.mkdir()
    viewer.write_text(f'#!/bin/sh\nprintf "%s\\n" "$@" >> {opened}\n')
    viewer.chmod(0o755)
    monkeypatch.setenv("PATH", f"{viewer.parent}{os.pathsep}{os.environ['PATH']}")
    folder = tmp_path / "home" / ".avanochi" / "files"
    async with console_driver(FlakyStore(store), folder) as console:
        await met(console)
        start = len(console.screen.text)
        await console.say("open")
        assert "No picture to open yet" in console.screen.text[start:]
        start = len(console.screen.text)
        await console.say("stats week")
        [path] = SAVED.findall(console.screen.text[start:])
        chart = Path(path)
        assert chart.parent == folder.resolve() and chart.read_bytes().startswith(PNG)
        assert stat.S_IMODE(chart.stat().st_mode) == 0o600
        for private in (folder, folder.parent):  # ~/.avanochi too, when the console made it
            assert stat.S_IMODE(private.stat().st_mode) == 0o700
        await console.say("open /etc/passwd")  # no path typed is ever opened
        await console.say("open")
        await console.printed(lambda _: opened.exists() and opened.read_text().strip())
        assert opened.read_text().splitlines() == [str(chart)]


async def test_the_pet_is_saved_as_an_image_and_its_path_printed(store, tmp_path: Path):
    folder = tmp_path / "files"
    async with console_driver(FlakyStore(store), folder) as console:
        await console.say("hello")
        replies = await console.say("pet")
        [image] = [reply for reply in replies if reply.file]
        assert image.file is not None
        saved = folder / image.file
        assert saved.read_bytes().startswith(PNG)
        assert stat.S_IMODE(saved.stat().st_mode) == 0o600
        assert stat.S_IMODE(folder.stat().st_mode) == 0o700


async def test_a_reminder_due_is_printed_while_the_console_waits_and_its_button_works(store, tmp_path: Path):
    clock = FakeClock(NOW)
    async with console_driver(FlakyStore(store), tmp_path / "files", clock=clock, reminders_every=0.02) as console:
        await met(console)
        [clocked_in] = await console.say("start")  # clocked in: water reminders are due every 90 minutes
        assert clocked_in.ref == {"Clock out": "1"}
        start = len(console.screen.text)
        clock.set(NOW + timedelta(hours=2))
        # Nothing typed: the nudge arrives on its own.
        await console.printed(lambda text: "Time for some water" in text, start)
        [*_, nudge] = [seen for seen in console.seen(start) if "Time for some water" in seen.text]
        # Numbered after the card above, whose [1] still means what it said there.
        assert nudge.ref["I drank a glass"] == "2"
        assert console.console is not None
        still = console.console.button("1")
        assert still is not None and still.label == "Clock out"
        await console.press(nudge, "I drank a glass")
        today = await console.services.habits.today(console.user_id)
        assert today["water_ml"] > 0


async def test_a_focus_session_ends_and_the_console_says_so(store, tmp_path: Path):
    clock = FakeClock(NOW)
    async with console_driver(FlakyStore(store), tmp_path / "files", clock=clock, reminders_every=0.02) as console:
        await met(console)
        await console.say("focus 25")
        start = len(console.screen.text)
        clock.set(NOW + timedelta(minutes=26))
        await console.printed(lambda text: "Focus time is up" in text, start)
        [nudge] = [seen for seen in console.seen(start) if "Focus time is up" in seen.text]
        assert nudge.buttons[:2] == ["Done", "I was interrupted"]
        [ended, *_] = await console.press(nudge, "Done")
        assert "Focus session complete" in ended.text
        assert await console.services.focus.active(console.user_id) is None


async def test_a_server_on_the_same_store_leaves_the_console_users_reminders_to_the_console(store, tmp_path: Path):
    clock = FakeClock(NOW)
    async with console_driver(FlakyStore(store), tmp_path / "files", clock=clock) as console:
        await met(console)
        await console.say("focus 25")
        clock.set(NOW + timedelta(minutes=26))
        server = ReminderEngine(console.services, {"slack": RecordingNotifier("slack")})  # python app.py
        summary = await server.run()
        assert (summary.claimed, summary.dropped) == (0, 0)
        assert console.console is not None
        terminal = ReminderEngine(console.services, {"console": ConsoleNotifier(console.console)})
        assert (await terminal.run_for(console.user_id)).sent == 1
        assert "Focus time is up" in console.screen.text


async def test_the_console_calls_the_user_by_their_os_account_name_not_their_user_id(store, tmp_path: Path):
    async with console_driver(FlakyStore(store), tmp_path / "files") as console:
        [welcome] = await console.start()
        assert "Hi Ada, I'm Avanochi" in welcome.text
        await console.say("delete my data")
        await console.say("yes")
        # Met afresh after erasing everything: still Ada, never console:ada.
        [hello, *_] = await console.say("hello")
        assert "Ada!" in hello.text.split(".")[0]
        assert "console:" not in console.screen.text
        user = await console.services.users.get_user(console.user_id)
        assert user.name == "Ada Lovelace"


def test_the_os_user_is_the_accounts_full_name_else_its_login():
    pwd = pytest.importorskip("pwd")
    me = os_user()
    account = pwd.getpwnam(me.login)
    assert me.name == (account.pw_gecos.split(",")[0].strip() or account.pw_name)
    assert ":" not in me.name


# -- at a real terminal ------------------------------------------------------------------------

ROOT = Path(__file__).resolve().parents[2]
UP = "\x1b[A"  # what the ↑ key sends


async def start_focus_that_just_ended(db: Path, user_id: str) -> None:
    """A 25-minute focus session begun 25 minutes ago, written to the store the chat uses."""
    store = SqliteDocumentStore(str(db))
    await store.open()
    try:
        clock = FakeClock(datetime.now(UTC) - timedelta(minutes=25))
        await Services.build(Repositories(store), clock).focus.start(user_id, 25)
    finally:
        await store.close()


def test_at_a_terminal_arrow_keys_recall_lines_and_a_reminder_never_breaks_the_line_being_typed(tmp_path: Path):
    pexpect = pytest.importorskip("pexpect")
    me = os_user()
    db = tmp_path / "avanochi.sqlite3"
    env = {
        **os.environ,
        "HOME": str(tmp_path),
        "AVANOCHI_DB_PATH": str(db),
        "AVANOCHI_REMINDER_INTERVAL": "0.1",
        "LOG_LEVEL": "WARNING",
        "TERM": "xterm",
        "PROMPT_TOOLKIT_NO_CPR": "1",  # the test answers no cursor position requests
    }
    shown = io.StringIO()
    chat = pexpect.spawn(
        sys.executable, ["app.py", "chat"], cwd=ROOT, env=env, encoding="utf-8", timeout=60, dimensions=(40, 160)
    )
    chat.logfile_read = shown
    try:
        chat.expect_exact(f"Hi {me.name.split(' ')[0]}, I'm Avanochi")
        chat.expect_exact("you>")
        chat.send("tasks\r")
        chat.expect_exact("which time zone are you in")
        chat.expect_exact("you>")
        chat.send("add Buy")  # half a line typed when the reminder comes
        chat.expect_exact("add Buy")
        asyncio.run(start_focus_that_just_ended(db, me.user_id))
        chat.expect_exact("Focus time is up")
        chat.send(" milk\r")
        chat.expect_exact("Added Buy milk")
        chat.expect_exact("you>")
        chat.send(UP + UP + "\r")  # two lines back: "tasks"
        chat.expect_exact("Open tasks")
        chat.expect_exact("Buy milk")
        chat.expect_exact("you>")
        chat.send("quit\r")
        chat.expect(pexpect.EOF)
    finally:
        chat.close(force=True)
    assert "^[[A" not in shown.getvalue()
    history = tmp_path / ".avanochi" / "history"
    assert "+add Buy milk" in history.read_text() and stat.S_IMODE(history.stat().st_mode) == 0o600
