"""The offline speech worker never outlives the bot: after ``kill -9`` of the bot's process, its
worker process is gone within seconds instead of holding its models' memory forever."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BOT = """
import asyncio
from bot.voice.offline import PocketsphinxEngine

async def main():
    engine = PocketsphinxEngine()
    await engine.warm_up()
    print(*engine.worker_pids(), flush=True)
    await asyncio.sleep(120)

asyncio.run(main())
"""


def is_running(pid: int) -> bool:
    """Alive and not a zombie (an exited orphan waits for a reaper that may be slow)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


def test_the_speech_worker_dies_when_the_bot_is_killed(tmp_path: Path):
    # The bot's stderr goes to a file: its resource tracker reports the semaphores the kill leaked.
    errors = tmp_path / "stderr.txt"
    with errors.open("w") as stderr:
        bot = subprocess.Popen(
            [sys.executable, "-c", BOT],
            cwd=REPO,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
    workers: list[int] = []
    assert bot.stdout is not None  # a pipe was asked for
    try:
        workers = [int(pid) for pid in bot.stdout.readline().split()]
        assert workers and all(is_running(pid) for pid in workers), errors.read_text()
        bot.send_signal(signal.SIGKILL)
        bot.wait(timeout=10)
        deadline = time.monotonic() + 5
        while any(is_running(pid) for pid in workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [pid for pid in workers if is_running(pid)]
    finally:
        bot.kill()
        bot.wait()
        for pid in workers:  # never leave an orphan behind, even when the test fails
            if is_running(pid):
                os.kill(pid, signal.SIGKILL)
