"""Channel latency under concurrent load: Avanochi against the bare frameworks, side by side.

    .venv/bin/python -m bench.channels                 # the full run, ~6.5 min on 2 CPUs
    .venv/bin/python -m bench.channels --profile       # ... plus cProfile of every server and a per-turn
                                                       # store-time breakdown: ~7.5 min (bench/CHANNELS.md)
    .venv/bin/python -m bench.channels --quick         # concurrency 1 and 10, 300 requests each, ~1 min
    git archive d178fd9 | tar -x -C /tmp/avanochi-botbuilder   # Avanochi before the move to the Agents SDK
    .venv/bin/python -m bench.channels --channels teams --requests 1200 --rounds 3 --warmup 150 \
        --compare-root /tmp/avanochi-botbuilder --compare-name avanochi-botbuilder \
        --profile --profile-requests 600 --profile-suffix=-move \
        --json bench/results/channels-teams-agents-sdk.json   # Teams before/after the move, ~4 min

Two channels, each served by real aiohttp servers on loopback, every server in its own process:

* Slack: correctly signed ``/avanochi tasks`` slash-command form posts to ``/slack/events``.
  ``ack`` is the time from sending the POST to having read the HTTP 200; ``e2e`` the time from
  sending it to the reply reaching the fake Slack (the request's ``response_url``).
  Systems: ``avanochi`` (``app.build_app`` with SLACK_* pointing at a ``FakeSlackApi``, SQLite
  in a temp dir, AVANOCHI_REMINDER_INTERVAL=0, logging configured as ``python app.py`` does),
  ``bolt-lazy`` (a bare Bolt ``AsyncApp`` echo with ``process_before_response=True``: an ack
  function plus a lazy listener that calls ``respond``: the same "ack, then work in a task"
  shape as Avanochi's adapter) and ``bolt-default`` (the textbook echo: one listener doing
  ``await ack(); await respond(text)`` with Bolt's default ``process_before_response=False``).
  Both bare apps are served by ``to_bolt_request``/``to_aiohttp_response``, with the same
  signing secret and the same fake Web API.
* Teams: Bot Framework message activities (``tests.fake_connector.TeamsChat`` shape) posted to
  ``/api/messages`` with ``serviceUrl`` = a ``FakeConnector``. ``http`` is the POST's response
  time, ``e2e`` the time until the reply (not the typing indicator) reaches the connector.
  Systems: ``avanochi`` (local unauthenticated mode, no MicrosoftAppId) and ``agents-sdk``
  (a bare Microsoft 365 Agents SDK echo bot: an ActivityHandler behind the SDK's own aiohttp
  route, CloudAdapter.process with jwt_authorization_middleware, anonymous as with no client id).

Load: closed loop. At concurrency c, c simulated users each send a command, wait for its reply
at the fake, and send the next one at once (no think time), so up to c turns are in flight.
Each user has its own Slack user id / Teams conversation. Before the levels, every user is
warmed up through the same channel (5 ``add`` commands: the Avanochi users are created, onboarded
and have 5 open tasks that ``tasks`` lists); each level starts with discarded warm-up requests.
Levels run interleaved: each level is split into rounds (5 by default), and in every round each
system runs in turn, a different one first each round, so that drift and other tenants' load hit
all systems alike; the rows pool the rounds, and the ratio of each round's pair is kept as well.
Before a round the generator waits (briefly, with a budget) while other processes use the machine,
and it records how many CPUs other processes used during each round ("others' CPUs").

Processes: one per server (Avanochi, each bare app), one for the fakes (Slack Web API +
response_url, Bot Connector), and this one, the load generator. With 2 or more CPUs the servers
are pinned to the last CPU and the fakes and load generator to CPU 0, so the server under test
has a core of its own; the CPU time each process used is recorded to show who was the bottleneck.
Timestamps are ``time.monotonic()`` (CLOCK_MONOTONIC, one clock for all processes on Linux): the
fakes stamp each reply on arrival and stream the stamps to the load generator over a websocket.

Avanochi's delivery de-duplication log keeps the last 300 delivery ids of a user; an established
user has a full one, so by default each bench user starts with 300 earlier ids (``--dedupe-history``).

Raw results: bench/results/channels.json (``--json`` to change). Written reading: bench/CHANNELS.md.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import importlib.metadata
import io
import itertools
import json
import math
import os
import platform
import pstats
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode

from aiohttp import ClientSession, ClientTimeout, TCPConnector, WSMsgType, web

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
TEAMS_TENANT = "tenant-bench"
SLACK_COMMAND_TEXT = "tasks"
TEAMS_TEXT = "tasks"
WARMUP_TASKS = (
    "Review the pull request due friday !high",
    "Write the weekly report due tomorrow 5pm",
    "Book flights for the offsite",
    "Call the dentist due in 2 hours !low",
    "Prepare the sprint demo due monday",
)
REPLY_TIMEOUT = 30.0
LIBRARIES = (
    "aiohttp",
    "slack_bolt",
    "slack_sdk",
    "microsoft-agents-activity",
    "microsoft-agents-hosting-core",
    "microsoft-agents-hosting-aiohttp",
    "microsoft-agents-authentication-msal",
    "pydantic",
    "PyJWT",
    "aiosqlite",
)


# =============================================================================================
# Server side: each role runs in its own process (python -m bench.channels --role ...)
# =============================================================================================


def pin(cpu: int | None) -> None:
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {cpu})


def write_ready(path: str, info: dict[str, Any]) -> None:
    temp = path + ".tmp"
    Path(temp).write_text(json.dumps(info))
    os.replace(temp, path)


async def serve_until_terminated(app: web.Application, ready: str, extra: dict[str, Any] | None = None) -> None:
    """Serve ``app`` on a free loopback port until SIGTERM; write the port to ``ready``."""
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    write_ready(ready, {"url": f"http://127.0.0.1:{port}", "pid": os.getpid(), **(extra or {})})
    await stop.wait()
    await runner.cleanup()


class ProfileControl:
    """Bench-only routes on a server: cProfile on/off, and (Avanochi) store counters and timings."""

    def __init__(self, store: Any = None) -> None:
        self.store = store
        self.profiler: cProfile.Profile | None = None
        self.timings: dict[str, list[float]] | None = None
        self._originals: dict[str, Any] = {}

    def register(self, app: web.Application) -> None:
        app.router.add_get("/bench/ops", self.ops)
        app.router.add_post("/bench/profile/start", self.start)
        app.router.add_post("/bench/profile/stop", self.stop)
        app.router.add_post("/bench/store-timing/start", self.timing_start)
        app.router.add_post("/bench/store-timing/stop", self.timing_stop)

    async def ops(self, request: web.Request) -> web.Response:
        if self.store is None:
            return web.json_response({})
        counter = self.store.operations
        return web.json_response({"total": counter.total, "by_kind": dict(counter.by_kind)})

    async def start(self, request: web.Request) -> web.Response:
        self.profiler = cProfile.Profile()
        self.profiler.enable()
        return web.json_response({"ok": True})

    async def stop(self, request: web.Request) -> web.Response:
        profiler, self.profiler = self.profiler, None
        if profiler is None:
            return web.json_response({"error": "not profiling"}, status=409)
        profiler.disable()
        out = request.query["out"]
        profiler.dump_stats(out)
        return web.json_response({"ok": True, "out": out})

    async def timing_start(self, request: web.Request) -> web.Response:
        """Wrap the store's methods to time every round trip (wall time awaited by the caller)."""
        self.timings = {}
        for name in ("read", "create", "replace", "upsert", "delete", "query", "count"):
            original = getattr(self.store, name)
            self._originals[name] = original
            setattr(self.store, name, self._timed(name, original))
        return web.json_response({"ok": True})

    def _timed(self, name: str, original: Callable[..., Awaitable[Any]]):
        timings = self.timings

        async def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return await original(*args, **kwargs)
            finally:
                timings.setdefault(name, []).append(time.perf_counter() - started)  # type: ignore[union-attr]

        return timed

    async def timing_stop(self, request: web.Request) -> web.Response:
        for name, original in self._originals.items():
            setattr(self.store, name, original)
        self._originals.clear()
        timings, self.timings = self.timings or {}, None
        return web.json_response(
            {name: {"count": len(values), "total_s": sum(values)} for name, values in timings.items()}
        )


async def prefill_dedupe(db_path: str, users: list[str], history: int, id_of: Callable[[int], str]) -> None:
    """Give each bench user a conversation with ``history`` earlier delivery ids, as an
    established user has (it keeps the last ConversationState.DELIVERIES_KEPT ids)."""
    if history <= 0:
        return
    from domain.entities import ConversationState
    from persistence.repositories import Repositories
    from persistence.sqlite_store import SqliteDocumentStore

    store = SqliteDocumentStore(db_path)
    await store.open()
    try:
        repos = Repositories(store)
        for user in users:
            recent = [id_of(n) for n in range(history)][-ConversationState.DELIVERIES_KEPT :]
            await repos.conversation_states.add(ConversationState(user, deliveries=recent))
    finally:
        await store.close()


def slack_trigger_id(n: int, salt: str) -> str:
    """Shaped like a real trigger_id ("13345224609.738474920.8088930838d88f008e0")."""
    return f"{10_000_000_000 + n}.738474920.{salt}"


def teams_activity_id(n: int) -> str:
    """Shaped like a Teams personal-chat message id (a millisecond timestamp)."""
    return str(1_700_000_000_000 + n)


async def role_avanochi(args: argparse.Namespace) -> None:
    from app import STORE_KEY, build_app, configure_logging
    from settings import CredentialManager, Settings
    from tools.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, TEAM

    db = str(Path(args.workdir) / "avanochi.sqlite3")
    # Loopback (the Teams Emulator mode), no reminder loop, and budgets no benchmark client reaches:
    # the chat pace and address budgets would otherwise throttle the load generator itself.
    settings = Settings.load(
        CredentialManager(
            {
                "HOST": "127.0.0.1",
                "LOG_LEVEL": "INFO",
                "AVANOCHI_REMINDER_INTERVAL": "0",
                "AVANOCHI_ADMIN_TOKEN": "bench-admin-token-0123456789abcdef",
                "AVANOCHI_RATE_LIMIT_USER": "1000000/minute",
                "AVANOCHI_RATE_LIMIT_IP": "1000000/minute",
                "AVANOCHI_RATE_LIMIT_CHAT": "1000000/minute",
                "SLACK_BOT_TOKEN": BOT_TOKEN,
                "SLACK_SIGNING_SECRET": SIGNING_SECRET,
                "SLACK_API_URL": args.slack_api,
                "AVANOCHI_DB_PATH": db,
            },
            env_file=None,
        )
    )
    configure_logging(settings.log_level)  # as `python app.py` does: JSON lines on stdout (a file here)
    salt = uuid.uuid4().hex[:22]
    if args.channel == "slack":
        users = [f"slack:{TEAM}:U{i}" for i in range(args.users)]
        await prefill_dedupe(db, users, args.dedupe_history, lambda n: slack_trigger_id(n, salt))
    else:
        users = [f"msteams:{TEAMS_TENANT}:aad-{i}" for i in range(args.users)]
        await prefill_dedupe(db, users, args.dedupe_history, lambda n: teams_activity_id(10**9 + n))
    app = build_app(settings)
    ProfileControl(app[STORE_KEY]).register(app)
    await serve_until_terminated(app, args.ready)


async def role_bolt(args: argparse.Namespace) -> None:
    """A bare Bolt echo app, served the way slack_bolt's own aiohttp server serves it."""
    from slack_bolt.adapter.aiohttp import to_aiohttp_response, to_bolt_request
    from slack_bolt.async_app import AsyncApp
    from slack_sdk.web.async_client import AsyncWebClient

    from tools.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET

    client = AsyncWebClient(token=BOT_TOKEN, base_url=args.slack_api.rstrip("/") + "/")
    if args.bolt_mode == "lazy":
        bolt = AsyncApp(client=client, signing_secret=SIGNING_SECRET, process_before_response=True)

        async def acknowledge(ack) -> None:
            await ack()

        async def echo(respond, command) -> None:
            await respond(command["text"])

        bolt.command("/avanochi")(ack=acknowledge, lazy=[echo])
    else:
        bolt = AsyncApp(client=client, signing_secret=SIGNING_SECRET)

        @bolt.command("/avanochi")
        async def echo_default(ack, respond, command) -> None:
            await ack()
            await respond(command["text"])

    async def events(request: web.Request) -> web.Response:
        return await to_aiohttp_response(await bolt.async_dispatch(await to_bolt_request(request)))

    app = web.Application()
    app.router.add_post("/slack/events", events)
    ProfileControl().register(app)
    await serve_until_terminated(app, args.ready)


async def role_agents(args: argparse.Namespace) -> None:
    """A bare echo bot on the Microsoft 365 Agents SDK, on the SDK's own aiohttp route: an
    ActivityHandler, CloudAdapter.process behind jwt_authorization_middleware, and an MSAL
    connection manager with no client id (anonymous, as the Emulator runs). Every default kept."""
    from microsoft_agents.activity import TurnContextProtocol
    from microsoft_agents.authentication.msal import MsalConnectionManager
    from microsoft_agents.hosting.aiohttp import CloudAdapter, jwt_authorization_middleware
    from microsoft_agents.hosting.core import ActivityHandler, AgentAuthConfiguration, MessageFactory

    configuration = AgentAuthConfiguration(anonymous_allowed=True)
    adapter = CloudAdapter(
        connection_manager=MsalConnectionManager(connections_configurations={"SERVICE_CONNECTION": configuration})
    )

    class EchoBot(ActivityHandler):
        async def on_message_activity(self, turn_context: TurnContextProtocol) -> None:
            await turn_context.send_activity(MessageFactory.text(f"Echo: {turn_context.activity.text}"))

    bot = EchoBot()

    async def messages(request: web.Request) -> web.Response:
        return await adapter.process(request, bot) or web.Response(status=202)

    app = web.Application(middlewares=[jwt_authorization_middleware])
    app["agent_configuration"] = configuration
    app.router.add_post("/api/messages", messages)
    ProfileControl().register(app)
    await serve_until_terminated(app, args.ready)


async def role_fakes(args: argparse.Namespace) -> None:
    """The fake Slack Web API (+ response_url) and the fake Bot Connector, stamping each reply
    on arrival and streaming ``channel key kind stamp`` lines to the load generator."""
    from tools.fakes.bot_connector import FakeConnector
    from tools.fakes.slack_api import FakeSlackApi

    sockets: set[web.WebSocketResponse] = set()
    counts: dict[str, int] = {}
    samples: dict[str, str] = {}  # the last reply of each kind, to show what was measured

    async def notify(line: str) -> None:
        for ws in list(sockets):
            with contextlib.suppress(ConnectionError, RuntimeError):
                await ws.send_str(line)

    class StampingSlackApi(FakeSlackApi):
        async def _response_url(self, request: web.Request) -> web.Response:  # noqa: D102
            stamp = time.monotonic()
            body = await request.json()
            counts["response_url"] = counts.get("response_url", 0) + 1
            samples["slack response_url"] = json.dumps(body)[:600]
            await notify(f"slack {request.match_info['key']} reply {stamp!r}")
            return web.Response(text="ok")

        async def _api(self, request: web.Request) -> web.Response:  # Web API methods: counted
            method = request.match_info["method"]
            counts[method] = counts.get(method, 0) + 1
            response = await super()._api(request)
            if len(self.calls) > 10_000:
                del self.calls[:5_000]
            return response

    class StampingConnector(FakeConnector):
        async def _post(self, request: web.Request) -> web.Response:  # noqa: D102
            stamp = time.monotonic()
            body = await request.json()
            kind = "typing" if body.get("type") == "typing" else "message"
            samples[f"teams {kind}"] = json.dumps(body)[:600]
            counts[f"connector.{kind}"] = counts.get(f"connector.{kind}", 0) + 1
            await notify(f"teams {request.match_info.get('activity')} {kind} {stamp!r}")
            return web.json_response({"id": f"sent-{next(self._ids)}"})

    slack = StampingSlackApi()
    for i in range(args.users):
        slack.add_user(f"U{i}", f"Bench User{i}", "Europe/Madrid")
    await slack.start()
    connector = StampingConnector()
    await connector.start()

    async def websocket(request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(max_msg_size=0)
        await ws.prepare(request)
        sockets.add(ws)
        try:
            async for _ in ws:
                pass
        finally:
            sockets.discard(ws)
        return ws

    async def get_counts(request: web.Request) -> web.Response:
        return web.json_response({"calls": counts, "last_replies": samples})

    control = web.Application()
    control.router.add_get("/ws", websocket)
    control.router.add_get("/counts", get_counts)
    try:
        await serve_until_terminated(
            control, args.ready, {"slack_api": slack.base_url, "slack_root": slack.root, "connector": connector.url}
        )
    finally:
        await connector.close()
        await slack.close()


ROLES = {"avanochi": role_avanochi, "bolt": role_bolt, "agents": role_agents, "fakes": role_fakes}


# =============================================================================================
# Load generator
# =============================================================================================


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads) so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Server:
    name: str
    process: subprocess.Popen
    info: dict[str, Any]
    log: Path

    @property
    def url(self) -> str:
        return self.info["url"]

    @property
    def pid(self) -> int:
        return self.process.pid

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(name: str, role: str, workdir: Path, cpu: int | None, *extra: str, root: Path = ROOT) -> Server:
    folder = workdir / name
    folder.mkdir(parents=True, exist_ok=True)
    ready = folder / "ready.json"
    log = folder / "server.log"
    command = [
        sys.executable,
        "-m",
        "bench.channels",
        "--role",
        role,
        "--ready",
        str(ready),
        "--workdir",
        str(folder),
        *extra,
    ]
    if cpu is not None:
        command += ["--cpu", str(cpu)]
    with open(log, "wb") as out:
        process = subprocess.Popen(command, cwd=root, stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + 60
    while not ready.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise SystemExit(f"{name} did not start:\n{log.read_text()[-3000:]}")
        time.sleep(0.05)
    return Server(name, process, json.loads(ready.read_text()), log)


class Replies:
    """Reply stamps streamed by the fakes; futures for the replies clients wait for."""

    def __init__(self) -> None:
        self._waiting: dict[tuple[str, str], asyncio.Future[float]] = {}
        self._seen: dict[tuple[str, str], float] = {}
        self.extra = 0  # further replies to a request already answered (onboarding follow-ups)

    def expect(self, key: str, kind: str) -> asyncio.Future[float]:
        future = asyncio.get_running_loop().create_future()
        self._waiting[(key, kind)] = future
        return future

    def watch(self, key: str, kind: str) -> None:
        self._seen.pop((key, kind), None)
        self._seen[(key, kind)] = math.nan  # a slot: record the first stamp of this kind

    def take(self, key: str, kind: str) -> float | None:
        value = self._seen.pop((key, kind), math.nan)
        return None if math.isnan(value) else value

    def forget(self, key: str, kind: str) -> None:
        self._waiting.pop((key, kind), None)

    def feed(self, line: str) -> None:
        _, key, kind, stamp_text = line.split(" ")
        stamp = float(stamp_text)
        future = self._waiting.pop((key, kind), None)
        if future is not None:
            if not future.done():
                future.set_result(stamp)
            return
        if (key, kind) in self._seen and math.isnan(self._seen[(key, kind)]):
            self._seen[(key, kind)] = stamp
            return
        self.extra += 1


@dataclass
class Sample:
    first_ms: float  # Slack: ack; Teams: HTTP response
    e2e_ms: float | None  # reply at the fake
    status: int
    typing_ms: float | None = None


class Target:
    """One system under test, driven through one channel."""

    channel: str
    name: str

    def __init__(
        self,
        name: str,
        server: Server,
        session: ClientSession,
        replies: Replies,
        fakes: dict[str, Any],
        ids: itertools.count,
    ) -> None:
        self.name = name
        self.server = server
        self.session = session
        self.replies = replies
        self.fakes = fakes
        self._ids = ids

    async def one(self, user: int, text: str) -> Sample:
        raise NotImplementedError

    async def ops(self) -> dict[str, Any]:
        async with self.session.get(self.server.url + "/bench/ops") as response:
            return await response.json()

    async def control(self, path: str, **params: str) -> Any:
        async with self.session.post(self.server.url + path, params=params) as response:
            return await response.json()


class SlackTarget(Target):
    channel = "slack"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._salt = uuid.uuid4().hex[:22]

    async def one(self, user: int, text: str) -> Sample:
        from tools.fakes.slack_api import SIGNING_SECRET, TEAM, signature, typed

        n = next(self._ids)
        key = str(n)
        # The form Slack posts for a slash command (the same fields as tests.fake_slack.Workspace.command).
        form = {
            "token": "legacy",
            "team_id": TEAM,
            "team_domain": "avanochi-test",
            "channel_id": "C0GENERAL",
            "channel_name": "general",
            "user_id": f"U{user}",
            "user_name": f"u{user}",
            "command": "/avanochi",
            "text": typed(text),
            "api_app_id": "A0APP",
            "is_enterprise_install": "false",
            "response_url": f"{self.fakes['slack_root']}/response/{key}",
            "trigger_id": slack_trigger_id(n, self._salt),
        }
        body = urlencode(form).encode()
        stamp = str(int(time.time()))
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": signature(SIGNING_SECRET, stamp, body),
        }
        reply = self.replies.expect(key, "reply")
        started = time.monotonic()
        async with self.session.post(self.server.url + "/slack/events", data=body, headers=headers) as response:
            await response.read()
            status = response.status
        acked = time.monotonic()
        try:
            arrived = await asyncio.wait_for(reply, REPLY_TIMEOUT)
        except TimeoutError:
            self.replies.forget(key, "reply")
            arrived = None
        return Sample((acked - started) * 1000, None if arrived is None else (arrived - started) * 1000, status)


class TeamsTarget(Target):
    channel = "teams"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        from tools.fakes.bot_connector import TeamsChat

        connector: Any = SimpleNamespace(url=self.fakes["connector"])  # TeamsChat reads only its url
        self._chats = [
            TeamsChat(
                self.session,
                self.server.url,
                connector,
                tenant=TEAMS_TENANT,
                aad=f"aad-{i}",
                name=f"Bench User{i}",
                conversation_id=f"a:bench-personal-{i}",
            )
            for i in range(512)
        ]

    async def one(self, user: int, text: str) -> Sample:
        n = next(self._ids)
        key = teams_activity_id(n)
        activity = json.dumps(self._chats[user].activity(text, id=key)).encode()
        reply = self.replies.expect(key, "message")
        self.replies.watch(key, "typing")
        started = time.monotonic()
        async with self.session.post(
            self.server.url + "/api/messages", data=activity, headers={"Content-Type": "application/json"}
        ) as response:
            await response.read()
            status = response.status
        answered = time.monotonic()
        try:
            arrived = await asyncio.wait_for(reply, REPLY_TIMEOUT)
        except TimeoutError:
            self.replies.forget(key, "message")
            arrived = None
        typing = self.replies.take(key, "typing")
        return Sample(
            (answered - started) * 1000,
            None if arrived is None else (arrived - started) * 1000,
            status,
            None if typing is None else (typing - started) * 1000,
        )


async def drive(target: Target, concurrency: int, total: int, text: str) -> tuple[list[Sample], float]:
    """``concurrency`` users in a closed loop until ``total`` requests are done; returns the samples
    and the wall time."""
    issued = itertools.count()
    samples: list[Sample] = []

    async def user(number: int) -> None:
        while next(issued) < total:
            samples.append(await target.one(number, text))

    started = time.monotonic()
    await asyncio.gather(*(user(i) for i in range(concurrency)))
    return samples, time.monotonic() - started


def percentile(ordered: list[float], q: float) -> float:
    """Nearest-rank percentile of an ascending list."""
    return ordered[max(0, min(len(ordered) - 1, math.ceil(q * len(ordered)) - 1))]


def summary(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "mean": round(sum(ordered) / len(ordered), 3),
        "p50": round(percentile(ordered, 0.50), 3),
        "p90": round(percentile(ordered, 0.90), 3),
        "p99": round(percentile(ordered, 0.99), 3),
        "max": round(ordered[-1], 3),
    }


def busy_cpu_seconds() -> float:
    """CPU seconds the whole machine has been busy (all CPUs), from /proc/stat."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = values[:8]
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def mine_cpu_seconds(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(OSError):
            total += cpu_seconds(pid)
    return total


def background_cpus(pids: list[int], seconds: float) -> float:
    """CPUs' worth of work by processes other than this benchmark's, over ``seconds``."""
    busy, mine = busy_cpu_seconds(), mine_cpu_seconds(pids)
    time.sleep(seconds)
    return max(0.0, (busy_cpu_seconds() - busy) - (mine_cpu_seconds(pids) - mine)) / seconds


@dataclass
class Round:
    samples: list[Sample]
    wall: float
    cpu: dict[str, float]  # CPU seconds per wall second, per process
    background: float  # other processes' CPUs during the round
    ops: dict[str, float] | None
    waited: float
    last_reply: str | None = None


@dataclass
class Patience:
    """How long to wait for other processes to quieten down: per round, and over the whole run."""

    quiet: float  # other processes' CPUs considered quiet
    per_round: float
    budget: float

    def wait(self, pids: list[int]) -> float:
        waited = 0.0
        while waited < self.per_round and self.budget > 0 and background_cpus(pids, 0.5) > self.quiet:
            waited += 0.5
            self.budget -= 0.5
        return waited


async def measure_round(
    target: Target,
    concurrency: int,
    total: int,
    warm: int,
    pids: dict[str, int],
    all_pids: list[int],
    patience: Patience,
) -> Round:
    waited = patience.wait(all_pids)  # someone else is using the machine: give them a moment to finish
    text = SLACK_COMMAND_TEXT if target.channel == "slack" else TEAMS_TEXT
    await drive(target, concurrency, warm, text)
    is_avanochi = target.name == "avanochi"
    ops_before = await target.ops() if is_avanochi else None
    cpu_before = {name: cpu_seconds(pid) for name, pid in pids.items()}
    busy_before, mine_before = busy_cpu_seconds(), mine_cpu_seconds(all_pids)
    samples, wall = await drive(target, concurrency, total, text)
    background = max(0.0, (busy_cpu_seconds() - busy_before) - (mine_cpu_seconds(all_pids) - mine_before)) / wall
    cpu = {name: (cpu_seconds(pid) - cpu_before[name]) / wall for name, pid in pids.items()}
    ops = None
    if is_avanochi:
        before, after = ops_before or {}, await target.ops()
        kinds = set(after["by_kind"]) | set(before["by_kind"])
        ops = {
            kind: (after["by_kind"].get(kind, 0) - before["by_kind"].get(kind, 0)) / len(samples)
            for kind in sorted(kinds)
        }
        ops["total"] = (after["total"] - before["total"]) / len(samples)
    async with target.session.get(target.fakes["url"] + "/counts") as response:
        last = (await response.json())["last_replies"]
    reply = last.get("slack response_url" if target.channel == "slack" else "teams message")
    return Round(samples, wall, cpu, background, ops, waited, reply)


def aggregate(target: Target, concurrency: int, rounds: list[Round], warm: int) -> dict[str, Any]:
    """One row: the samples of all rounds pooled; per-round p50/p99 kept to show the spread."""
    samples = [s for r in rounds for s in r.samples]
    wall = sum(r.wall for r in rounds)
    completed = [s for s in samples if s.e2e_ms is not None]
    first = "ack_ms" if target.channel == "slack" else "http_ms"
    result: dict[str, Any] = {
        "channel": target.channel,
        "system": target.name,
        "concurrency": concurrency,
        "requests": len(samples),
        "rounds": len(rounds),
        "warmup_requests_per_round": warm,
        "wall_s": round(wall, 3),
        "throughput_rps": round(len(completed) / wall, 1),
        "non_2xx": sum(1 for s in samples if not 200 <= s.status < 300),
        "lost_replies": len(samples) - len(completed),
        first: summary([s.first_ms for s in samples]),
        "e2e_ms": summary([s.e2e_ms for s in samples if s.e2e_ms is not None]),
        # CPU seconds per wall second while the measured requests ran (1.0 = one core busy)
        "cpu_utilisation": {name: round(sum(r.cpu[name] * r.wall for r in rounds) / wall, 3) for name in rounds[0].cpu},
        "background_cpus": round(sum(r.background * r.wall for r in rounds) / wall, 3),
        "background_cpus_max_round": round(max(r.background for r in rounds), 3),
        "waited_for_quiet_s": round(sum(r.waited for r in rounds), 1),
        "per_round": [
            {
                "requests": len(r.samples),
                "wall_s": round(r.wall, 3),
                f"{first[:-3]}_p50": round(percentile(sorted(s.first_ms for s in r.samples), 0.5), 3),
                "e2e_p50": round(percentile(sorted(s.e2e_ms for s in r.samples if s.e2e_ms is not None), 0.5), 3),
                "e2e_p99": round(percentile(sorted(s.e2e_ms for s in r.samples if s.e2e_ms is not None), 0.99), 3),
                "background_cpus": round(r.background, 3),
            }
            for r in rounds
        ],
    }
    typing = [s.typing_ms for s in samples if s.typing_ms is not None]
    if typing:
        result["typing_ms"] = summary(typing)
    result["sample_reply"] = rounds[-1].last_reply
    if rounds[0].ops is not None:
        per_round = [(r.ops or {}, len(r.samples)) for r in rounds]
        result["store_ops_per_request"] = {
            kind: round(sum(ops.get(kind, 0) * count for ops, count in per_round) / len(samples), 2)
            for kind in rounds[0].ops
        }
    return result


async def warm_up_users(target: Target, users: int) -> None:
    """Every user says the same five ``add`` commands (Avanochi: created, onboarded, 5 open tasks)."""

    async def user(number: int) -> None:
        for text in WARMUP_TASKS:
            sample = await target.one(number, "add " + text)
            if sample.e2e_ms is None or not 200 <= sample.status < 300:
                raise SystemExit(f"warm-up failed for {target.channel}/{target.name}: {sample}")

    await asyncio.gather(*(user(i) for i in range(users)))


async def listen(session: ClientSession, url: str, replies: Replies, connected: asyncio.Event) -> None:
    async with session.ws_connect(url, max_msg_size=0, heartbeat=None) as ws:
        connected.set()
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                replies.feed(message.data)
            elif message.type in (WSMsgType.CLOSED, WSMsgType.ERROR):
                break


async def profile_pass(target: Target, concurrency: int, total: int, workdir: Path, suffix: str = "") -> dict[str, Any]:
    """cProfile of the server during ``total`` requests, then a store-timing pass at concurrency 1."""
    text = SLACK_COMMAND_TEXT if target.channel == "slack" else TEAMS_TEXT
    out = workdir / f"profile-{target.channel}-{target.name}.pstats"
    await drive(target, concurrency, 50, text)
    await target.control("/bench/profile/start")
    _, wall = await drive(target, concurrency, total, text)
    await target.control("/bench/profile/stop", out=str(out))
    stream = io.StringIO()
    stats = pstats.Stats(str(out), stream=stream)
    stats.sort_stats("tottime").print_stats(30)
    stats.sort_stats("cumulative").print_stats(45)
    report = RESULTS / f"channels-profile-{target.channel}-{target.name}{suffix}.txt"
    header = (
        f"cProfile of the {target.name} server, {target.channel}, {total} requests at concurrency "
        f"{concurrency} ({wall:.1f} s wall, profiler overhead included)\n"
    )
    report.write_text(header + stream.getvalue().replace(str(ROOT) + "/", ""))
    result: dict[str, Any] = {"profile": str(report.relative_to(ROOT)), "profiled_requests": total}
    if target.name == "avanochi":
        await target.control("/bench/store-timing/start")
        samples, _ = await drive(target, 1, 400, text)
        timing = await target.control("/bench/store-timing/stop")
        count = sum(v["count"] for v in timing.values())
        seconds = sum(v["total_s"] for v in timing.values())
        e2e = [s.e2e_ms for s in samples if s.e2e_ms is not None]
        result["store_timing_c1"] = {
            "requests": len(samples),
            "store_calls_per_request": round(count / len(samples), 2),
            "store_ms_per_request": round(seconds * 1000 / len(samples), 3),
            "mean_e2e_ms": round(sum(e2e) / len(e2e), 3),
            "by_kind": {
                k: {
                    "calls_per_request": round(v["count"] / len(samples), 2),
                    "ms_per_call": round(v["total_s"] * 1000 / max(v["count"], 1), 3),
                }
                for k, v in sorted(timing.items())
            },
        }
    return result


def machine() -> dict[str, Any]:
    model = "unknown"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    versions = {}
    for name in LIBRARIES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            versions[name] = importlib.metadata.version(name)
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "libraries": versions,
    }


def markdown(results: list[dict[str, Any]]) -> str:
    """The tables of bench/CHANNELS.md."""
    lines: list[str] = []
    for channel, first in (("slack", "ack_ms"), ("teams", "http_ms")):
        rows = [r for r in results if r["channel"] == channel]
        if not rows:
            continue
        label = "ack" if channel == "slack" else "HTTP"
        lines += [
            f"### {channel.title()}",
            "",
            f"| system | c | req | {label} p50 | {label} p99 | {label} mean | e2e p50 | e2e p99 | e2e mean "
            "| req/s | server CPU | server CPU ms/req | others' CPUs |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in rows:
            a, e = r[first], r["e2e_ms"]
            lines.append(
                f"| {r['system']} | {r['concurrency']} | {r['requests']} | {a['p50']:.2f} | {a['p99']:.2f} "
                f"| {a['mean']:.2f} | {e['p50']:.2f} | {e['p99']:.2f} | {e['mean']:.2f} "
                f"| {r['throughput_rps']:.0f} | {r['cpu_utilisation']['server']:.0%} "
                f"| {r['cpu_utilisation']['server'] * 1000 / r['throughput_rps']:.2f} "
                f"| {r['background_cpus']:.2f} |"
            )
        lines += [
            "",
            f"Ratios Avanochi / bare ({channel}):",
            "",
            f"| baseline | c | {label} p50 | {label} p99 | {label} mean | e2e p50 | e2e p99 | e2e mean "
            "| throughput bare/Avanochi | e2e p50 ratio per round (min-max) |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for r in rows:
            if r["system"] == "avanochi":
                continue
            mine = next(x for x in rows if x["system"] == "avanochi" and x["concurrency"] == r["concurrency"])
            cells = [f"{mine[m][k] / r[m][k]:.2f}x" for m in (first, "e2e_ms") for k in ("p50", "p99", "mean")]
            lines.append(
                f"| {r['system']} | {r['concurrency']} | "
                + " | ".join(cells)
                + f" | {r['throughput_rps'] / mine['throughput_rps']:.2f}x | "
                + (
                    f"{min(r['paired_ratio_per_round']['e2e_p50']):.2f}-"
                    f"{max(r['paired_ratio_per_round']['e2e_p50']):.2f}x |"
                    if r.get("paired_ratio_per_round")
                    else "|"
                )
            )
        lines.append("")
    return "\n".join(lines)


async def run(args: argparse.Namespace) -> dict[str, Any]:
    cpus = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    pinned = not args.no_pin and len(cpus) >= 2
    server_cpu = cpus[-1] if pinned else None
    driver_cpu = cpus[0] if pinned else None
    pin(driver_cpu)
    levels = [int(c) for c in args.concurrency.split(",")]
    users = max(levels)
    channels = args.channels.split(",")
    results: list[dict[str, Any]] = []
    extras: dict[str, Any] = {}
    started = time.monotonic()
    ids = itertools.count(1)
    patience = Patience(args.quiet, args.max_wait, args.wait_budget)
    with tempfile.TemporaryDirectory(prefix="avanochi-bench-") as folder:
        workdir = Path(folder)
        fakes = start_server("fakes", "fakes", workdir, driver_cpu, "--users", str(users))
        servers: list[Server] = [fakes]
        try:
            replies = Replies()
            timeout = ClientTimeout(total=60)
            async with ClientSession(connector=TCPConnector(limit=0), timeout=timeout) as session:
                connected = asyncio.Event()
                listener = asyncio.create_task(listen(session, fakes.url + "/ws", replies, connected))
                await asyncio.wait_for(connected.wait(), 10)
                for channel in channels:
                    systems: list[tuple[str, str, tuple[str, ...]]] = (
                        [
                            ("avanochi", "avanochi", ("--channel", "slack")),
                            ("bolt-lazy", "bolt", ("--bolt-mode", "lazy")),
                            ("bolt-default", "bolt", ("--bolt-mode", "default")),
                        ]
                        if channel == "slack"
                        else [("avanochi", "avanochi", ("--channel", "teams")), ("agents-sdk", "agents", ())]
                    )
                    specs = [(name, role, extra, ROOT) for name, role, extra in systems]
                    if args.compare_root:  # Avanochi as another checkout has it, in the same rounds
                        specs.insert(
                            1,
                            (args.compare_name, "avanochi", ("--channel", channel), Path(args.compare_root).resolve()),
                        )
                    specs = [spec for spec in specs if not args.systems or spec[0] in args.systems.split(",")]
                    targets: list[Target] = []
                    for name, role, extra, root in specs:
                        server = start_server(
                            f"{channel}-{name}",
                            role,
                            workdir,
                            server_cpu,
                            "--slack-api",
                            fakes.info["slack_api"],
                            "--users",
                            str(users),
                            "--dedupe-history",
                            str(args.dedupe_history),
                            *extra,
                            root=root,
                        )
                        servers.append(server)
                        kind = SlackTarget if channel == "slack" else TeamsTarget
                        targets.append(kind(name, server, session, replies, fakes.info, ids))
                    for target in targets:
                        print(
                            f"[{time.monotonic() - started:6.1f}s] warm-up {channel}/{target.name}: "
                            f"{users} users x {len(WARMUP_TASKS)} commands",
                            flush=True,
                        )
                        await warm_up_users(target, users)
                    all_pids = [server.pid for server in servers] + [os.getpid()]
                    for concurrency in levels:
                        rounds: dict[str, list[Round]] = {target.name: [] for target in targets}
                        for number in range(args.rounds):
                            # A different system goes first in each round, to spread drift and order effects.
                            shift = number % len(targets)
                            for target in targets[shift:] + targets[:shift]:
                                pids = {"server": target.server.pid, "fakes": fakes.pid, "loadgen": os.getpid()}
                                rounds[target.name].append(
                                    await measure_round(
                                        target,
                                        concurrency,
                                        args.requests // args.rounds,
                                        args.warmup // args.rounds,
                                        pids,
                                        all_pids,
                                        patience,
                                    )
                                )
                        level: dict[str, dict[str, Any]] = {}
                        for target in targets:
                            level[target.name] = aggregate(
                                target, concurrency, rounds[target.name], args.warmup // args.rounds
                            )
                        for target in targets:
                            result = level[target.name]
                            if target.name != "avanochi" and "avanochi" in level:
                                # Avanochi / this system, round by round (each pair ran minutes apart at most)
                                mine = level["avanochi"]["per_round"]
                                first_key = "ack_p50" if channel == "slack" else "http_p50"
                                result["paired_ratio_per_round"] = {
                                    key: [
                                        round(a[key] / b[key], 3)
                                        for a, b in zip(mine, result["per_round"], strict=False)
                                    ]
                                    for key in (first_key, "e2e_p50", "e2e_p99")
                                }
                            results.append(result)
                            first = result["ack_ms" if channel == "slack" else "http_ms"]
                            cpu = result["cpu_utilisation"]
                            print(
                                f"[{time.monotonic() - started:6.1f}s] {channel:5} {target.name:12} "
                                f"c={concurrency:<3} "
                                f"first p50 {first['p50']:7.2f} p99 {first['p99']:7.2f} | e2e p50 "
                                f"{result['e2e_ms']['p50']:7.2f} p99 {result['e2e_ms']['p99']:7.2f} ms | "
                                f"{result['throughput_rps']:6.0f} req/s | CPU server {cpu['server']:.0%} "
                                f"loadgen {cpu['loadgen']:.0%} fakes {cpu['fakes']:.0%} "
                                f"others {result['background_cpus']:.2f}"
                                + (
                                    f" | errors {result['non_2xx']} lost {result['lost_replies']}"
                                    if result["non_2xx"] or result["lost_replies"]
                                    else ""
                                ),
                                flush=True,
                            )
                    if args.profile:
                        for target in targets:
                            print(f"[{time.monotonic() - started:6.1f}s] profiling {channel}/{target.name}", flush=True)
                            extras[f"{channel}/{target.name}"] = await profile_pass(
                                target, args.profile_concurrency, args.profile_requests, workdir, args.profile_suffix
                            )
                async with session.get(fakes.url + "/counts") as response:
                    extras["fakes"] = await response.json()
                listener.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await listener
        finally:
            for server in reversed(servers):
                server.stop()
        logs = {}
        for server in servers:
            text = server.log.read_text(errors="replace")
            logs[server.name] = {
                "lines": text.count("\n"),
                "error_lines": sum(
                    1 for line in text.splitlines() if '"levelname": "ERROR"' in line or "Traceback" in line
                ),
                "warning_lines": sum(1 for line in text.splitlines() if '"levelname": "WARNING"' in line),
            }
    return {
        "benchmark": "bench.channels",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "command": " ".join([".venv/bin/python", "-m", "bench.channels", *sys.argv[1:]]),
        "machine": machine(),
        "method": {
            "levels": levels,
            "requests_per_level": args.requests,
            "warmup_per_level": args.warmup,
            "users": users,
            "warmup_commands_per_user": len(WARMUP_TASKS),
            "dedupe_history": args.dedupe_history,
            "slack_command": f"/avanochi {SLACK_COMMAND_TEXT}",
            "teams_text": TEAMS_TEXT,
            "pinning": {"server_cpu": server_cpu, "fakes_and_loadgen_cpu": driver_cpu} if pinned else None,
            "rounds": args.rounds,
            "quiet_threshold_cpus": args.quiet,
            "max_wait_s": args.max_wait,
            "wait_budget_s": args.wait_budget,
            "compare": {"name": args.compare_name, "root": args.compare_root} if args.compare_root else None,
            "load": "closed loop: each simulated user waits for its reply before the next command",
        },
        "results": results,
        "extras": extras,
        "server_logs": logs,
        "wall_s": round(time.monotonic() - started, 1),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.channels", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="concurrency 1,10 with 300 requests each")
    parser.add_argument("--concurrency", default=None, help="comma-separated levels (default 1,10,50)")
    parser.add_argument("--requests", type=int, default=None, help="measured requests per level and system")
    parser.add_argument("--warmup", type=int, default=None, help="discarded requests before each level")
    parser.add_argument("--channels", default="slack,teams")
    parser.add_argument("--systems", default="", help="only these systems (avanochi,bolt-lazy,bolt-default,agents-sdk)")
    parser.add_argument(
        "--dedupe-history",
        type=int,
        default=300,
        help="earlier delivery ids in each Avanochi user's de-dup log (0: a new user)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=None,
        help="interleaved rounds per level (the requests are split over them; default 5, quick 1)",
    )
    parser.add_argument(
        "--quiet", type=float, default=0.5, help="before a round, wait while other processes use more CPUs than this"
    )
    parser.add_argument("--max-wait", type=float, default=5.0, help="... but at most this many seconds per round")
    parser.add_argument("--wait-budget", type=float, default=60.0, help="... and this many in the whole run")
    parser.add_argument(
        "--compare-root",
        default=None,
        help="also run Avanochi from this checkout (another commit, e.g. a `git archive` of it), "
        "interleaved with the others in every round",
    )
    parser.add_argument("--compare-name", default="avanochi-before", help="that system's name in the results")
    parser.add_argument("--no-pin", action="store_true", help="don't pin processes to CPUs")
    parser.add_argument("--profile", action="store_true", help="also profile each server (cProfile)")
    parser.add_argument("--profile-concurrency", type=int, default=10)
    parser.add_argument("--profile-requests", type=int, default=1000)
    parser.add_argument(
        "--profile-suffix",
        default="",
        help="appended to the profile reports' names (channels-profile-<channel>-<system><suffix>.txt)",
    )
    parser.add_argument("--json", default=str(RESULTS / "channels.json"))
    # internal: one server process
    parser.add_argument("--role", choices=sorted(ROLES), help=argparse.SUPPRESS)
    parser.add_argument("--ready", help=argparse.SUPPRESS)
    parser.add_argument("--workdir", help=argparse.SUPPRESS)
    parser.add_argument("--cpu", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--slack-api", help=argparse.SUPPRESS)
    parser.add_argument("--channel", default="slack", help=argparse.SUPPRESS)
    parser.add_argument("--bolt-mode", default="lazy", help=argparse.SUPPRESS)
    parser.add_argument("--users", type=int, default=50, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.role:
        pin(args.cpu)
        asyncio.run(ROLES[args.role](args))
        return

    args.concurrency = args.concurrency or ("1,10" if args.quick else "1,10,50")
    args.requests = args.requests or (300 if args.quick else 3000)
    args.warmup = args.warmup if args.warmup is not None else (50 if args.quick else 300)
    args.rounds = args.rounds or (1 if args.quick else 5)
    if args.quick:
        args.profile_requests = min(args.profile_requests, 300)
    report = asyncio.run(run(args))
    out = Path(args.json)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print()
    print(markdown(report["results"]))
    print(f"wrote {out} ({report['wall_s']} s)")


if __name__ == "__main__":
    main()
