"""A fake Slack Web API on loopback, for the tests and the benchmarks: it plays the methods the
app uses (and response_url, the upload URLs of files_upload_v2 and a private file host; with a
user token, a person's status and Do Not Disturb), records every call, and can be told to fail,
be slow, or answer token_revoked. ``signature`` and ``typed`` shape requests the way
Slack sends them."""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import itertools
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tools.fakes.loopback import serve
from tools.fakes.slack_socket import FakeSocketMode

BOT_TOKEN = "xoxb-test-0000-avanochi"
SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
TEAM = "T0TEAM"
BOT_USER = "U0BOT"
# What the app sends to users: these calls are "replies".
OUTGOING = ("chat.postMessage", "chat.postEphemeral", "chat.update", "response_url",
            "files.completeUploadExternal")


@dataclass
class Call:
    method: str
    body: dict[str, Any]
    ts: str | None = None  # the ts the fake gave a posted message
    token: str | None = None  # the bearer token it came with

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
        self.tokens: dict[str, str] = {token: TEAM}  # every bot token Slack honours, and its team
        # OAuth v2: the app's credentials, and the codes Slack's consent page handed out.
        self.client_id, self.client_secret = "1111.2222", "test-client-secret-0123456789"
        self._codes: dict[str, dict[str, Any]] = {}
        self.calls: list[Call] = []
        self.users: dict[str, dict[str, Any]] = {}
        self.uploads: dict[str, bytes] = {}
        self.shared: dict[str, bytes] = {}  # files users "shared" with the bot (voice notes)
        self.redirects: dict[str, str] = {}  # shared files whose download answers a redirect
        self._faults: dict[str, list[Fault]] = {}
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.root = ""
        self.socket = FakeSocketMode()  # Socket Mode: apps.connections.open and its websockets
        # User tokens (xoxp-) and whose they are; a user's status and Do Not Disturb snooze.
        self.user_tokens: dict[str, str] = {}
        self.withdrawn: set[str] = set()  # user tokens the person revoked: token_revoked
        self.profiles: dict[str, dict[str, Any]] = {}
        self.snoozes: dict[str, float] = {}  # user -> when the snooze ends (epoch seconds)
        self.now: Callable[[], float] = time.time  # the tests' clock, for snooze ends

    @property
    def base_url(self) -> str:
        return self.root + "/api/"

    def add_user(self, user: str, name: str = "Ada Lovelace", tz: str | None = "Europe/Madrid",
                 locale: str = "en-US") -> None:
        self.users[user] = {"id": user, "team_id": TEAM, "name": name.split()[0].lower(), "real_name": name,
                            "tz": tz, "locale": locale,
                            "profile": {"real_name": name, "display_name": name.split()[0]}, "is_bot": False}

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

    async def wait_for(self, *methods: str, count: int = 1, since: int = 0, timeout: float = 15.0,  # noqa: ASYNC109
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
        self.socket.add_routes(app)
        self._runner, self.root = await serve(app)
        self.socket.root = self.root

    async def close(self) -> None:
        await self.socket.close()
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
        authorization = request.headers.get("Authorization") or ""
        call = Call(method, body, token=authorization.removeprefix("Bearer ") or None)
        self.calls.append(call)
        if method == "apps.connections.open":  # the one method that takes the app-level token
            return web.json_response(self.socket.open_connection(request.headers.get("Authorization")))
        if method == "oauth.v2.access":  # the app's id and secret (HTTP Basic), no token
            return web.json_response(self._oauth_v2_access(call, authorization))
        if call.token in self.withdrawn:
            return web.json_response({"ok": False, "error": "token_revoked"})
        if call.token not in self.tokens:
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

    def grant(self, team: str, team_name: str, token: str, installer: str = "U1",
              user_token: str | None = None, user_scope: str = "") -> str:
        """Someone approved the install of the app into ``team`` on Slack's consent page (and,
        with ``user_token``, the user scopes for themselves): the code Slack puts in the
        redirect back to the app."""
        code = f"code-{next(self._ids)}-{team}"
        authed_user: dict[str, Any] = {"id": installer}
        if user_token:
            authed_user.update(access_token=user_token, token_type="user", scope=user_scope)
        self._codes[code] = {
            "access_token": token,
            "token_type": "bot",
            "scope": "chat:write,commands,im:history",
            "bot_user_id": f"U0BOT{team[-3:]}",
            "app_id": "A0APP",
            "team": {"id": team, "name": team_name},
            "enterprise": None,
            "is_enterprise_install": False,
            "authed_user": authed_user,
        }
        return code

    def withdraw(self, user_token: str) -> None:
        """The person removed the app's access to their account: token_revoked from now on."""
        self.withdrawn.add(user_token)

    def revoke(self, token: str) -> None:
        self.tokens.pop(token, None)

    def _oauth_v2_access(self, call: Call, authorization: str) -> dict[str, Any]:
        credentials = (call.body.get("client_id"), call.body.get("client_secret"))
        if authorization.startswith("Basic "):
            credentials = tuple(base64.b64decode(authorization[6:]).decode().split(":", 1))  # type: ignore[assignment]
        if credentials != (self.client_id, self.client_secret):
            return {"ok": False, "error": "invalid_client_id"}
        granted = self._codes.pop(str(call.body.get("code")), None)  # a code works once
        if granted is None:
            return {"ok": False, "error": "invalid_code"}
        self.tokens[granted["access_token"]] = granted["team"]["id"]
        user = granted["authed_user"]
        if user.get("access_token"):
            self.tokens[user["access_token"]] = granted["team"]["id"]
            self.user_tokens[user["access_token"]] = user["id"]
        return {"ok": True, **granted}

    # -- a person's own account, through their user token --------------------------------------

    def _person(self, call: Call) -> str | None:
        return self.user_tokens.get(call.token or "")

    def status_of(self, user: str) -> dict[str, Any]:
        return self.profiles.setdefault(user, {"status_text": "", "status_emoji": "", "status_expiration": 0})

    def _users_profile_get(self, call: Call) -> dict[str, Any]:
        user = self._person(call)
        if user is None:
            return {"ok": False, "error": "not_allowed_token_type"}
        return {"profile": dict(self.status_of(user))}

    def _users_profile_set(self, call: Call) -> dict[str, Any]:
        user = self._person(call)
        if user is None:
            return {"ok": False, "error": "not_allowed_token_type"}
        profile = call.body.get("profile") or {}
        if isinstance(profile, str):
            profile = json.loads(profile)
        status = self.status_of(user)
        status.update({key: profile[key] for key in ("status_text", "status_emoji", "status_expiration")
                       if key in profile})
        return {"profile": dict(status)}

    def _dnd_setSnooze(self, call: Call) -> dict[str, Any]:
        user = self._person(call)
        if user is None:
            return {"ok": False, "error": "not_allowed_token_type"}
        self.snoozes[user] = self.now() + 60 * int(call.body.get("num_minutes") or 0)
        return {"snooze_enabled": True, "snooze_endtime": int(self.snoozes[user]), "snooze_remaining": 0}

    def _dnd_endSnooze(self, call: Call) -> dict[str, Any]:
        user = self._person(call)
        if user is None or self.snoozes.get(user, 0) <= self.now():
            return {"ok": False, "error": "snooze_not_active"}
        del self.snoozes[user]
        return {"dnd_enabled": False, "snooze_enabled": False}

    def _dnd_info(self, call: Call) -> dict[str, Any]:
        user = self._person(call) or str(call.body.get("user", ""))
        end = self.snoozes.get(user, 0)
        return {"dnd_enabled": False, "snooze_enabled": end > self.now(),
                **({"snooze_endtime": int(end)} if end > self.now() else {})}

    def _auth_revoke(self, call: Call) -> dict[str, Any]:
        self.tokens.pop(call.token or "", None)
        self.user_tokens.pop(call.token or "", None)
        return {"revoked": True}

    def _auth_test(self, call: Call) -> dict[str, Any]:
        return {"url": "https://avanochi-test.slack.com/", "team": "Avanochi Test", "user": "avanochi",
                "team_id": self.tokens.get(call.token or "", TEAM), "user_id": BOT_USER, "bot_id": "B0BOT", "is_enterprise_install": False}

    def _users_info(self, call: Call) -> dict[str, Any]:
        user = self.users.get(call.body.get("user", ""))
        if user and str(call.body.get("include_locale", "")).lower() not in ("1", "true"):
            user = {key: value for key, value in user.items() if key != "locale"}  # as Slack: asked for only
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

    async def _download(self, request: web.Request) -> web.StreamResponse:
        name = request.match_info["name"]
        self.calls.append(Call("download", {"name": name, "auth": request.headers.get("Authorization")}))
        if (request.headers.get("Authorization") or "").removeprefix("Bearer ") not in self.tokens:
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


