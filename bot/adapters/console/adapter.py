"""Local terminal chat (python app.py chat): the same dialogs, on the embedded store."""
from __future__ import annotations

import asyncio
import getpass
import sys
from pathlib import Path

from bot.dialogs.router import Dialogs
from bot.messages import IncomingMessage


async def chat(dialogs: Dialogs, user_id: str | None = None, stdin=sys.stdin, stdout=sys.stdout) -> None:
    user_id = user_id or f"console:{getpass.getuser()}"
    write = stdout.write
    for reply in await dialogs.welcome(IncomingMessage(user_id, "console", "console", user_name=user_id)):
        write(reply.plain() + "\n")
    loop = asyncio.get_running_loop()
    while True:
        write("you> ")
        stdout.flush()
        line = await loop.run_in_executor(None, stdin.readline)
        if not line or line.strip().lower() in ("quit", "exit"):
            write("bye!\n")
            return
        message = IncomingMessage(user_id, "console", "console", text=line.strip())
        for reply in await dialogs.handle(message):
            write("avanochi> " + reply.plain().replace("\n", "\n          ") + "\n")
            if reply.file:
                path = Path(reply.file.name).resolve()
                path.write_bytes(reply.file.content)
                write(f"          (saved {path})\n")
