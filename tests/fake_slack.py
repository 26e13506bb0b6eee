"""A fake Slack for integration tests: the Web API on loopback, and a workspace that sends
signed requests to the app the way Slack does.

``FakeSlackApi`` plays the Web API methods the adapter uses (and response_url, and the
upload URLs of files_upload_v2), records every call, and can be told to fail or be slow.
``Workspace`` signs slash commands, Events API callbacks and button presses, and waits
for what the app sends back by polling the recorded calls.
"""
from __future__ import annotations

import asyncio
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import ClientResponse, ClientSession, web
from aiohttp.test_utils import TestServer

from domain.clock import FakeClock

BOT_TOKEN = "xoxb-test-0000-avanochi"
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
TEAM = "T0TEAM"
BOT_USER = "U0BOT"
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)  # a Wednesday morning: "today" never flips mid-test
# What the app sends to users: these calls are "replies".
OUTGOING = ("chat.postMessage", "chat.postEphemeral", "chat.update", "response_url",
            "files.completeUploadExternal")


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    ts: str | None = None  # the ts the fake gave a posted message

    @property
    def text(self) -> str:
        return str(self.body.get("text") or self.body.get("initial_comment") or "")

    def buttons(self) -> list[tuple[dict[str, Any], dict[str, Any]]]:
        """(block, button) pairs of this message or view, in order."""
        blocks = self.body.get("blocks") or (self.body.get("view") or {}).get("blocks") or []
        found = []
        for block in blocks:
            for element in block.get("elements", []) if block.get("type") == "actions" else []:
                found.append((block, element))
            if block.get("accessory", {}).get("type") == "button":
                found.append((block, block["accessory"]))
        return found

    def button(self, label: str) -> tuple[dict[str, Any], dict[str, Any]]:
        for block, button in self.buttons():
            if button["text"]["text"] == label:
                return block, button
        raise AssertionError(f"no button {label!r} in {[b['text']['text'] for _, b in self.buttons()]}")


@dataclass
class Fault:
    status: int = 200
    error: str | None = None
    retry_after: int | None = None
    delay: float = 0.0
    times: int = 1


class FakeSlackApi:
    def __init__(self, token: str = BOT_TOKEN) -> None:
        self.token = token
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        self.shared: dict[str, bytes] = {}  # files users "shared" with the bot (voice notes)
        self.redirects: dict[str, str] = {}  # shared files whose download answers a redirect
        self._faults: dict[str, list[Fault]] = {}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.root = ""

    @property
    def base_url(self) -> str:
        return self.root + "/api/"

    def add_user(self, user: str, name: str = "Ada Lovelace", tz: str | None = "Europe/Madrid") -> None:
        self.users[user] = {"id": user, "team_id": TEAM, "name": name.split()[0].lower(), "real_name": name,
                            "tz": tz, "profile": {"real_name": name, "display_name": name.split()[0]},
                            "is_bot": False}

    def fail(self, method: str, *, status: int = 200, error: str | None = None,
             retry_after: int | None = None, delay: float = 0.0, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` answer ``status``/``error`` (after ``delay``)."""
        self._faults.setdefault(method, []).append(Fault(status, error, retry_after, delay, times))

    def slow(self, method: str, seconds: float, times: int = 1) -> None:
        self.fail(method, delay=seconds, times=times)

    def calls_to(self, *methods: str) -> list[Call]:
        return [call for call in self.calls if call.method in methods]

    def replies(self) -> list[Call]:
        return self.calls_to(*OUTGOING)

    async def wait_for(self, *methods: str, count: int = 1, since: int = 0, timeout: float = 15.0,
                       where: Callable[[Call], bool] = lambda call: True) -> list[Call]:
        """The calls to ``methods`` after the first ``since`` calls, once there are ``count``."""
        deadline = time.monotonic() + timeout
        while True:
            found = [call for call in self.calls[since:] if call.method in methods and where(call)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                seen = [(c.method, c.text[:60]) for c in self.calls[since:]]
                raise AssertionError(f"waited {timeout}s for {count} x {methods}; got {seen}")
            await asyncio.sleep(0.02)

    # -- server ----------------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_post("/response/{key}", self._response_url)
        app.router.add_get("/files-pri/{name}", self._download)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self.root = f"http://127.0.0.1:{port}"

    async def close(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    def response_url(self) -> str:
        return f"{self.root}/response/{next(self._ids)}"

    async def _fault(self, method: str) -> Fault | None:
        """The fault planned for this call of ``method``, after its delay; None: answer normally."""
        queue = self._faults.get(method)
        if not queue:
            return None
        fault = queue[0]
        fault.times -= 1
        if fault.times <= 0:
            queue.pop(0)
        if fault.delay:
            await asyncio.sleep(fault.delay)
        return None if fault.status == 200 and fault.error is None else fault

    @staticmethod
    async def _params(request: web.Request) -> dict[str, Any]:
        params: dict[str, Any] = dict(request.query)
        if request.content_type == "application/json":
            params.update(await request.json())
        elif request.can_read_body:
            params.update(await request.post())
        for key in ("blocks", "files", "view", "attachments"):  # form posts carry these as JSON
            if isinstance(params.get(key), str):
                params[key] = json.loads(params[key])
        return params

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        body = await self._params(request)
        call = Call(method, body)
        self.calls.append(call)
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.json_response({"ok": False, "error": "invalid_auth"})
        fault = await self._fault(method)
        if fault is not None:
            headers = {"Retry-After": str(fault.retry_after)} if fault.retry_after is not None else {}
            error = fault.error or ("ratelimited" if fault.status == 429 else "internal_error")
            return web.json_response({"ok": False, "error": error}, status=fault.status,
                                     headers=headers)
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return web.json_response({"ok": False, "error": "unknown_method"})
        return web.json_response({"ok": True, **handler(call)})

    def _ts(self) -> str:
        return f"{int(time.time())}.{next(self._ids):06d}"

    def _auth_test(self, call: Call) -> dict[str, Any]:
        return {"url": "https://avanochi-test.slack.com/", "team": "Avanochi Test", "user": "avanochi",
                "team_id": TEAM, "user_id": BOT_USER, "bot_id": "B0BOT", "is_enterprise_install": False}

    def _users_info(self, call: Call) -> dict[str, Any]:
        user = self.users.get(call.body.get("user", ""))
        return {"user": user} if user else {"ok": False, "error": "user_not_found"}

    def _conversations_open(self, call: Call) -> dict[str, Any]:
        return {"channel": {"id": "D" + str(call.body["users"]).lstrip("U")}}

    def _chat_postMessage(self, call: Call) -> dict[str, Any]:
        call.ts = self._ts()
        return {"channel": call.body["channel"], "ts": call.ts, "message": {"text": call.text, "ts": call.ts}}

    def _chat_postEphemeral(self, call: Call) -> dict[str, Any]:
        call.ts = self._ts()
        return {"message_ts": call.ts}

    def _chat_update(self, call: Call) -> dict[str, Any]:
        return {"channel": call.body["channel"], "ts": call.body["ts"], "text": call.text}

    def _views_publish(self, call: Call) -> dict[str, Any]:
        return {"view": {"id": f"V{next(self._ids)}", **(call.body.get("view") or {})}}

    def _files_getUploadURLExternal(self, call: Call) -> dict[str, Any]:
        file_id = f"F{next(self._ids):06d}"
        return {"file_id": file_id, "upload_url": f"{self.root}/upload/{file_id}"}

    def _files_completeUploadExternal(self, call: Call) -> dict[str, Any]:
        files = call.body.get("files") or []
        if any(f["id"] not in self.uploads for f in files):
            return {"ok": False, "error": "file_not_found"}
        return {"files": [{"id": f["id"], "title": f.get("title"), "size": len(self.uploads[f["id"]])}
                          for f in files]}

    def share_file(self, name: str, data: bytes) -> str:
        """Host a file the way Slack does (url_private_download, bot token required); its URL."""
        self.shared[name] = data
        return f"{self.root}/files-pri/{name}"

    async def _download(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        self.calls.append(Call("download", {"name": name, "auth": request.headers.get("Authorization")}))
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return web.Response(status=302, headers={"Location": "https://slack.com/signin"})
        if name in self.redirects:
            return web.Response(status=302, headers={"Location": self.redirects[name]})
        if name not in self.shared:
            return web.Response(status=404)
        # Like a real network: the body arrives in pieces, so a reader that takes only what has
        # arrived so far gets a truncated file.
        response = web.StreamResponse(headers={"Content-Type": "application/octet-stream"})
        response.enable_chunked_encoding()
        await response.prepare(request)
        data = self.shared[name]
        for start in range(0, len(data), 2048):
            await response.write(data[start:start + 2048])
            await asyncio.sleep(0.002)
        await response.write_eof()
        return response

    async def _upload(self, request: web.Request) -> web.Response:
        file_id = request.match_info["file_id"]
        self.uploads[file_id] = await request.read()
        self.calls.append(Call("upload", {"file_id": file_id, "size": len(self.uploads[file_id])}))
        return web.Response(text=f"OK - {len(self.uploads[file_id])}")

    async def _response_url(self, request: web.Request) -> web.Response:
        self.calls.append(Call("response_url", {**await request.json(), "url": str(request.url)}))
        fault = await self._fault("response_url")  # response_url answers errors as plain text
        return web.Response(status=fault.status, text=fault.error or "internal_error") if fault \
            else web.Response(text="ok")


def typed(text: str) -> str:
    """Text as Slack delivers what a user typed: &, < and > escaped."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def signature(secret: str, timestamp: str, body: bytes) -> str:
    base = b"v0:" + timestamp.encode() + b":" + body
    return "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()


@dataclass
class Workspace:
    """Slack's side of the app: signed requests to /slack/events, as Slack sends them."""

    session: ClientSession
    url: str  # the app's /slack/events
    api: FakeSlackApi
    secret: str = SIGNING_SECRET
    team: str = TEAM
    _ids: itertools.count = field(default_factory=lambda: itertools.count(1))

    def user_id(self, user: str) -> str:
        return f"slack:{self.team}:{user}"

    async def post(self, body: bytes, content_type: str, *, timestamp: int | None = None,
                   secret: str | None = None, headers: dict[str, str] | None = None) -> ClientResponse:
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signed = {"Content-Type": content_type, "X-Slack-Request-Timestamp": stamp,
                  "X-Slack-Signature": signature(secret or self.secret, stamp, body), **(headers or {})}
        async with self.session.post(self.url, data=body, headers=signed) as response:
            await response.read()
            return response

    async def post_json(self, payload: dict[str, Any], **options: Any) -> ClientResponse:
        return await self.post(json.dumps(payload).encode(), "application/json", **options)

    async def command(self, text: str, user: str = "U1", channel: str = "C0GENERAL",
                      **options: Any) -> ClientResponse:
        form = {"token": "legacy", "team_id": self.team, "team_domain": "avanochi-test",
                "channel_id": channel, "channel_name": "general", "user_id": user,
                "user_name": user.lower(), "command": "/avanochi", "text": typed(text), "api_app_id": "A0APP",
                "is_enterprise_install": "false", "response_url": self.api.response_url(),
                "trigger_id": f"{next(self._ids)}.1.trigger"}
        return await self.post(urlencode(form).encode(), "application/x-www-form-urlencoded", **options)

    def event_body(self, event: dict[str, Any], event_id: str | None = None) -> dict[str, Any]:
        return {"token": "legacy", "team_id": self.team, "api_app_id": "A0APP", "event": event,
                "type": "event_callback", "event_id": event_id or f"Ev{next(self._ids):08d}",
                "event_time": int(time.time()), "authorizations": [
                    {"team_id": self.team, "user_id": BOT_USER, "is_bot": True, "is_enterprise_install": False}]}

    async def event(self, event: dict[str, Any], event_id: str | None = None, **options: Any) -> ClientResponse:
        return await self.post_json(self.event_body(event, event_id), **options)

    def dm_event(self, text: str, user: str = "U1", **extra: Any) -> dict[str, Any]:
        ts = f"{int(time.time())}.{next(self._ids):06d}"
        return {"type": "message", "channel": "D" + user.lstrip("U"), "channel_type": "im", "user": user,
                "text": typed(text), "ts": ts, "event_ts": ts, "team": self.team, **extra}

    async def dm(self, text: str, user: str = "U1", **options: Any) -> ClientResponse:
        return await self.event(self.dm_event(text, user), **options)

    async def mention(self, text: str, user: str = "U1", channel: str = "C0GENERAL") -> ClientResponse:
        ts = f"{int(time.time())}.{next(self._ids):06d}"
        return await self.event({"type": "app_mention", "channel": channel, "user": user, "ts": ts,
                                 "text": f"<@{BOT_USER}> {typed(text)}", "event_ts": ts, "team": self.team})

    async def home_opened(self, user: str = "U1", tab: str = "home") -> ClientResponse:
        return await self.event({"type": "app_home_opened", "user": user, "channel": "D" + user.lstrip("U"),
                                 "tab": tab, "event_ts": f"{int(time.time())}.000100"})

    async def press(self, message: Call, label: str, user: str = "U1") -> ClientResponse:
        """Press the button ``label`` of a message (or App Home view) the app sent."""
        block, button = message.button(label)
        payload: dict[str, Any] = {
            "type": "block_actions", "user": {"id": user, "username": user.lower(), "team_id": self.team},
            "api_app_id": "A0APP", "token": "legacy", "team": {"id": self.team, "domain": "avanochi-test"},
            "trigger_id": f"{next(self._ids)}.1.trigger", "is_enterprise_install": False,
            "actions": [{"action_id": button["action_id"], "block_id": block.get("block_id"), "type": "button",
                         "text": button["text"], "value": button["value"],
                         "action_ts": f"{int(time.time())}.000200", **({"style": button["style"]}
                                                                        if "style" in button else {})}],
        }
        if message.method == "views.publish":
            payload.update(container={"type": "view", "view_id": "V1"}, view={"type": "home", "id": "V1"})
        elif message.method in ("response_url", "chat.postEphemeral"):
            channel = message.body.get("channel", "C0GENERAL")
            payload.update(container={"type": "message", "message_ts": message.ts or "1.1", "channel_id": channel,
                                      "is_ephemeral": True}, channel={"id": channel},
                           response_url=self.api.response_url())
        else:
            channel, ts = message.body["channel"], message.body.get("ts") or message.ts
            payload.update(container={"type": "message", "message_ts": ts, "channel_id": channel,
                                      "is_ephemeral": False}, channel={"id": channel},
                           message={"type": "message", "ts": ts, "text": message.text,
                                    **({"thread_ts": message.body["thread_ts"]}
                                       if message.body.get("thread_ts") else {})},
                           response_url=self.api.response_url())
        form = urlencode({"payload": json.dumps(payload)}).encode()
        return await self.post(form, "application/x-www-form-urlencoded")

    async def say(self, text: str, user: str = "U1", *, count: int = 1, via: str = "dm") -> list[Call]:
        """Send ``text`` (a DM, a slash command or a mention) and return the first
        ``count`` replies it causes."""
        since = len(self.api.calls)
        send = {"dm": self.dm, "command": self.command, "mention": self.mention}[via]
        response = await send(text, user)
        assert response.status == 200, response.status
        return (await self.api.wait_for(*OUTGOING, count=count, since=since))[:count]

    async def click(self, message: Call, label: str, user: str = "U1", *, count: int = 1) -> list[Call]:
        since = len(self.api.calls)
        response = await self.press(message, label, user)
        assert response.status == 200, response.status
        return (await self.api.wait_for(*OUTGOING, count=count, since=since))[:count]


# -- the whole app wired to the fake, on the store under test ------------------------------

@dataclass
class SlackHarness:
    workspace: Workspace
    api: FakeSlackApi
    rest: Any  # tests.integration.conftest.Api: the REST API with the admin token
    app: web.Application


@pytest.fixture
async def slack(store) -> AsyncIterator[SlackHarness]:
    """The app (on ``store``) with Slack enabled and its Web API pointed at a fake."""
    async with slack_world(store) as harness:
        yield harness


@asynccontextmanager
async def slack_world(store, *, speech=None, **settings_overrides: str) -> AsyncIterator[SlackHarness]:
    """The ``slack`` fixture's world, with a speech engine or settings of the test's choosing."""
    from app import build_app
    from tests.integration.conftest import Api, make_settings

    fake = FakeSlackApi()
    await fake.start()
    fake.add_user("U1", "Ada Lovelace", "Europe/Madrid")
    fake.add_user("U2", "Grace Hopper", "America/New_York")
    settings = make_settings(SLACK_BOT_TOKEN=BOT_TOKEN, SLACK_SIGNING_SECRET=SIGNING_SECRET,
                             SLACK_API_URL=fake.base_url, **settings_overrides)
    app = build_app(settings, store=store, clock=FakeClock(NOW), speech=speech)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    try:
        async with ClientSession() as session:
            yield SlackHarness(Workspace(session, base + "/slack/events", fake), fake, Api(session, base), app)
    finally:
        await server.close()
        await fake.close()
