"""The terminal around the chat: who is at it (the OS account), and how lines are read, with line
editing and a history file on a real terminal, plain reads from a pipe or a test's keyboard."""

from __future__ import annotations

import asyncio
import contextlib
import getpass
import os
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from bot.adapters.console.channel import Screen, make_private_folder


@dataclass(frozen=True)
class OsUser:
    login: str  # the account name
    name: str  # what to call them: the account's full name, else its login

    @property
    def user_id(self) -> str:
        return f"console:{self.login}"


def os_user() -> OsUser:
    """The person logged in: the full name of their account (the first field of its GECOS
    entry) where the system keeps one, else the login name."""
    login = getpass.getuser()
    full = ""
    try:
        import pwd  # POSIX only

        full = pwd.getpwnam(login).pw_gecos.split(",")[0].strip()
    except (ImportError, KeyError):
        pass
    return OsUser(login, full or login)


class Keyboard(Protocol):
    def readline(self) -> str: ...


class LineReader(Protocol):
    async def read(self, prompt: str) -> str | None:
        """The next line typed, without its newline; None once input has ended."""

    def printing(self) -> contextlib.AbstractContextManager[None]:
        """While open, what is printed goes above the line being typed, never into it."""


class PipedLines:
    """Lines from a pipe, a file or a test's keyboard: no editing, the prompt written as is."""

    def __init__(self, keyboard: Keyboard, screen: Screen) -> None:
        self._keyboard = keyboard
        self._screen = screen

    async def read(self, prompt: str) -> str | None:
        self._screen.write(prompt)
        self._screen.flush()
        # A blocking read, in a thread: reminders keep printing while the user thinks.
        line = await asyncio.get_running_loop().run_in_executor(None, self._keyboard.readline)
        return line.removesuffix("\n") if line else None

    def printing(self) -> contextlib.AbstractContextManager[None]:
        return contextlib.nullcontext()


class EditedLines:
    """A real terminal: arrow keys, Ctrl-R search and a history kept between sessions."""

    def __init__(self, history: Path | None) -> None:
        from prompt_toolkit import PromptSession  # only a real terminal needs it
        from prompt_toolkit.history import FileHistory, History, InMemoryHistory

        kept: History = InMemoryHistory()
        if history is not None:
            make_private_folder(history.parent)
            # What was typed is the user's alone: create the file before the library opens it.
            os.close(os.open(history, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
            kept = FileHistory(history)
        self._session: PromptSession[str] = PromptSession(history=kept)

    async def read(self, prompt: str) -> str | None:
        try:
            return await self._session.prompt_async(prompt)
        except KeyboardInterrupt:  # Ctrl-C drops the line being typed, as in a shell
            return ""
        except EOFError:  # Ctrl-D
            return None

    @contextlib.contextmanager
    def printing(self) -> Iterator[None]:
        from prompt_toolkit.patch_stdout import patch_stdout

        with patch_stdout():
            yield


class Stdout:
    """sys.stdout as it is at each write: inside ``printing`` that is the proxy that keeps the prompt."""

    def write(self, text: str, /) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def terminal(history: Path | None) -> tuple[LineReader, Screen]:
    """Line editing where both ends are a terminal; plain lines otherwise (pipes, CI, scripts)."""
    screen = Stdout()
    if sys.stdin.isatty() and sys.stdout.isatty():
        return EditedLines(history), screen
    return PipedLines(sys.stdin, screen), screen
