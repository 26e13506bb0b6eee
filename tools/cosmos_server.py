"""Runs the Cosmos DB test server (npm ``@vercel/cosmosdb-server``) on loopback for the tests.

The server keeps everything in memory, speaks HTTPS with a self-signed certificate and accepts
the public emulator key. Each test gets its own database on one shared server process.
"""
from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent / "cosmos-test-server"
BINARY = ROOT / "node_modules" / ".bin" / "cosmosdb-server"
# The patch in tools/cosmos-test-server/patches/ (applied by npm's postinstall) makes a point read of a
# missing id answer 404 instead of crashing with a 500.
PATCHED_FILE = ROOT / "node_modules" / "@vercel" / "cosmosdb-server" / "lib" / "handler" / "read-document.js"
# The well-known key of the Cosmos DB emulator: public, and the test server accepts any key.
EMULATOR_KEY = "C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw=="
HOST = "127.0.0.1"
PR_SET_PDEATHSIG = 1


class CosmosServerMissing(RuntimeError):
    """node or the npm package is not installed."""


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return sock.getsockname()[1]


def _die_with_parent() -> None:
    # Runs in the child before exec: on Linux, ask for SIGTERM when the test process dies, so a
    # killed pytest run leaves no server behind.
    try:
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        pass


def _accepts(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.2):
            return True
    except OSError:
        return False


@dataclass
class CosmosServer:
    """One ``cosmosdb-server`` subprocess; ``start()`` returns once it accepts connections."""

    ssl: bool = True
    port: int = 0
    process: subprocess.Popen[bytes] | None = None

    @property
    def uri(self) -> str:
        return f"{'https' if self.ssl else 'http'}://{HOST}:{self.port}/"

    key = EMULATOR_KEY

    def start(self, timeout: float = 20.0) -> CosmosServer:
        if shutil.which("node") is None or not BINARY.exists():
            raise CosmosServerMissing(
                "the Cosmos DB test server is not installed (node and tools/cosmos-test-server/node_modules "
                "are needed): run `make test`, which runs `npm ci` first"
            )
        if "if (!data)" not in PATCHED_FILE.read_text():
            raise CosmosServerMissing(
                "tools/cosmos-test-server/node_modules is installed without its patch "
                "(tools/cosmos-test-server/patches/): run `make test`, which runs `npm ci` there"
            )
        # A port set beforehand is kept (a test that starts the server late gave its address out
        # already). Free ports can be taken between the check and the bind; try a few.
        requested = self.port
        for _ in range(1 if requested else 3):
            self.port = requested or _free_port()
            args = [str(BINARY), "-p", str(self.port), "--host", HOST]
            if not self.ssl:
                args.append("--no-ssl")
            # Output goes to a file, not a pipe, so a chatty server can never block on a full pipe.
            self._log = tempfile.TemporaryFile()
            self.process = subprocess.Popen(
                args, cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                env={**os.environ, "NODE_NO_WARNINGS": "1"},
                preexec_fn=_die_with_parent if sys.platform == "linux" else None,
            )
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline and self.process.poll() is None:
                if _accepts(self.port):
                    return self
                time.sleep(0.05)
            output = self.output()
            self.stop()
            if "EADDRINUSE" not in output:
                raise RuntimeError(f"cosmosdb-server did not start on port {self.port}:\n{output}")
        raise RuntimeError("cosmosdb-server found no free port")

    def output(self) -> str:
        log = getattr(self, "_log", None)
        if log is None or log.closed:
            return ""
        log.seek(0)
        return log.read().decode(errors="replace")[-4000:]

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        log = getattr(self, "_log", None)
        if log is not None and not log.closed:
            log.close()

    def __enter__(self) -> CosmosServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
