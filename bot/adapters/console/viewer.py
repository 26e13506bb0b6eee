"""Opening a picture the console saved with the system's own viewer (xdg-open, open, or the
Windows file association). Only ever a path the console wrote: nothing typed reaches here."""

from __future__ import annotations

import asyncio
import logging
import os
import shutil
import sys
from pathlib import Path
from typing import Protocol

log = logging.getLogger("avanochi.console")


class Viewer(Protocol):
    async def open(self, path: Path) -> str | None:
        """Show the picture; what to tell the user when it cannot."""


class SystemViewer:
    def __init__(self) -> None:
        self._launchers: set[asyncio.Task[None]] = set()

    async def open(self, path: Path) -> str | None:
        if sys.platform == "win32":
            os.startfile(path)  # type: ignore[attr-defined]  # Windows only
            return None
        command = "open" if sys.platform == "darwin" else "xdg-open"
        program = shutil.which(command)
        if program is None:
            return f"I found no picture viewer here ({command} is missing)."
        process = await asyncio.create_subprocess_exec(
            program,
            str(path),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
            start_new_session=True,  # Ctrl-C in the chat must not close the viewer
        )
        # Some launchers stay while the viewer is open: wait for them off the chat's way.
        task = asyncio.create_task(self._reap(process))
        self._launchers.add(task)
        task.add_done_callback(self._launchers.discard)
        return None

    @staticmethod
    async def _reap(process: asyncio.subprocess.Process) -> None:
        code = await process.wait()
        if code != 0:
            log.info("picture viewer failed", extra={"code": code})
