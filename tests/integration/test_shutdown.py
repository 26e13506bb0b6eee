"""SIGTERM on a real ``python app.py``: new turns and REST calls get 503 with Retry-After while
the turn under way finishes, then the process exits 0; a turn that outlasts the grace period
does not keep the process alive; a reminder pass under way finishes before the app closes."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

from aiohttp import ClientSession

from api.shutdown import SHUTDOWN_KEY
from app import SERVICES_KEY
from tests.fake_slack import BOT_TOKEN, OUTGOING, SIGNING_SECRET, FakeSlackApi, Workspace, slack_world
from tests.integration.conftest import ADMIN_TOKEN
from tools.cosmos_server import _free_port

APP = Path(__file__).resolve().parents[2] / "app.py"


class HeldSlackApi(FakeSlackApi):
    """The fake Slack, holding every call of ``method`` until ``release`` is set: the turn that
    makes the call stays under way for as long as the test needs."""

    def __init__(self, method: str) -> None:
        super().__init__()
        self.method = method
        self.held = asyncio.Event()
        self.release = asyncio.Event()

    async def _fault(self, method: str):
        if method == self.method:
            self.held.set()
            await self.release.wait()
        return await super()._fault(method)


@dataclass
class Running:
    process: asyncio.subprocess.Process
    base: str
    session: ClientSession
    workspace: Workspace
    log: Path

    async def get(self, path: str, **headers: str) -> tuple[int, dict[str, str], str]:
        async with self.session.get(self.base + path, headers=headers) as response:
            return response.status, dict(response.headers), await response.text()

    async def wait_for_status(self, path: str, status: int, within: float) -> None:
        deadline = time.monotonic() + within
        while True:
            assert self.process.returncode is None, f"the app exited:\n{self.log.read_text()[-3000:]}"
            try:
                if (await self.get(path))[0] == status:
                    return
            except OSError:
                pass  # not listening yet
            assert time.monotonic() < deadline, f"no {status} from {path}:\n{self.log.read_text()[-3000:]}"
            await asyncio.sleep(0.1)


@asynccontextmanager
async def app_process(tmp_path: Path, fake: FakeSlackApi, **settings: str) -> AsyncIterator[Running]:
    """``python app.py`` on a free loopback port, with Slack pointed at ``fake``."""
    port = _free_port()
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(tmp_path),
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "AVANOCHI_DB_PATH": str(tmp_path / "avanochi.sqlite3"),
        "AVANOCHI_ADMIN_TOKEN": ADMIN_TOKEN,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": fake.base_url,
        **settings,
    }
    log = tmp_path / "app.log"
    with log.open("wb") as output:
        # cwd: the temporary folder, so no .env of the developer's is read.
        process = await asyncio.create_subprocess_exec(
            sys.executable, str(APP), cwd=tmp_path, env=env, stdout=output, stderr=output
        )
    try:
        async with ClientSession() as session:
            base = f"http://127.0.0.1:{port}"
            running = Running(process, base, session, Workspace(session, base + "/slack/events", fake), log)
            await running.wait_for_status("/livez", 200, within=90)
            yield running
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_sigterm_refuses_new_turns_finishes_the_running_one_and_exits_0(tmp_path) -> None:
    fake = HeldSlackApi("users.info")  # a new user's first turn looks their profile up
    await fake.start()
    fake.add_user("U1", "Ada Lovelace", "Europe/Madrid")
    try:
        async with app_process(tmp_path, fake) as app:
            assert (await app.workspace.dm("add buy milk")).status == 200
            await asyncio.wait_for(fake.held.wait(), timeout=30)  # the turn is under way

            app.process.send_signal(signal.SIGTERM)
            await app.wait_for_status("/readyz", 503, within=10)
            status, _, body = await app.get("/readyz")
            assert "draining" in body

            refused = await app.workspace.dm("add call the bank", user="U2")
            assert refused.status == 503 and int(refused.headers["Retry-After"]) >= 1
            status, headers, _ = await app.get("/api/tasks?user_id=slack:T1:U1", Authorization=f"Bearer {ADMIN_TOKEN}")
            assert status == 503 and int(headers["Retry-After"]) >= 1
            assert (await app.get("/livez"))[0] == 200  # still serving: not a process to restart
            assert app.process.returncode is None  # waiting for the turn

            fake.release.set()
            assert await asyncio.wait_for(app.process.wait(), timeout=60) == 0, app.log.read_text()[-3000:]
        replies = fake.calls_to(*OUTGOING)
        assert any("buy milk" in call.text for call in replies), [call.text for call in replies]
        assert not any("call the bank" in call.text for call in replies)
    finally:
        fake.release.set()
        await fake.close()


async def test_a_turn_that_outlasts_the_grace_period_does_not_keep_the_process_alive(tmp_path) -> None:
    fake = HeldSlackApi("users.info")
    await fake.start()
    fake.add_user("U1", "Ada Lovelace", "Europe/Madrid")
    try:
        async with app_process(tmp_path, fake, AVANOCHI_SHUTDOWN_GRACE_SECONDS="1") as app:
            assert (await app.workspace.dm("add buy milk")).status == 200
            await asyncio.wait_for(fake.held.wait(), timeout=30)
            app.process.send_signal(signal.SIGTERM)
            # One second of grace, then the stop itself: well inside this bound, never the turn's end.
            assert await asyncio.wait_for(app.process.wait(), timeout=20) == 0, app.log.read_text()[-3000:]
            assert "grace period over" in app.log.read_text()
    finally:
        fake.release.set()
        await fake.close()


async def test_a_reminder_pass_under_way_at_shutdown_finishes_and_delivers(store) -> None:
    async with slack_world(store, AVANOCHI_REMINDER_INTERVAL="0.05") as slack:
        await slack.workspace.say("start", count=2)  # clocked in: a break nudge is due in 50 minutes
        await slack.workspace.say("skip")
        held, release = asyncio.Event(), asyncio.Event()
        answer = slack.api._fault

        async def hold_nudges(method: str):
            if method == "chat.postMessage":
                held.set()
                await release.wait()
            return await answer(method)

        slack.api._fault = hold_nudges  # type: ignore[method-assign]
        slack.app[SERVICES_KEY].clock.advance(minutes=50)  # type: ignore[attr-defined]
        await asyncio.wait_for(held.wait(), timeout=15)  # the in-process pass is sending the nudge

        drained = asyncio.create_task(slack.app[SHUTDOWN_KEY].drain())
        for _ in range(50):  # every other wait of the drain resolves within a few loop turns
            await asyncio.sleep(0)
        assert not drained.done()  # it waits for the pass
        release.set()
        assert await asyncio.wait_for(drained, timeout=15) is True
        nudges = [c for c in slack.api.calls_to("chat.postMessage") if c.ts and "Stand up" in c.text]
        assert len(nudges) == 1
