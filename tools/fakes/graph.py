"""A fake Microsoft identity platform token endpoint and Microsoft Graph presence endpoints on
loopback: it hands app-only tokens to the one client it knows, plays setPresence and
clearPresence (recording each call and the presence each session set), and can be told to
refuse (403: the admin withdrew the app's permission)."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tools.fakes.loopback import serve

TENANT = "11111111-2222-3333-4444-555555555555"
CLIENT_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"
CLIENT_SECRET = "test-graph-secret-0123456789"


# What Graph's setPresence accepts for an application's presence session, as its reference lists
# them; anything else is a 400 there, so it is one here. Durations run from PT5M to PT4H.
SESSION_STATES = {
    ("Available", "Available"),
    ("Busy", "InACall"),
    ("Busy", "InAConferenceCall"),
    ("Away", "Away"),
    ("DoNotDisturb", "Presenting"),
}
EXPIRATION = re.compile(r"PT(?:[5-9]|[1-9]\d|1\d\d|2[0-3]\d|240)M|PT[1-4]H")


@dataclass
class GraphCall:
    action: str  # "token", "setPresence", "clearPresence"
    user: str | None
    body: dict[str, Any]
    token: str | None = None


class FakeGraph:
    def __init__(self, tenant: str = TENANT, client_id: str = CLIENT_ID, secret: str = CLIENT_SECRET) -> None:
        self.tenant, self.client_id, self.secret = tenant, client_id, secret
        self.calls: list[GraphCall] = []
        self.presence: dict[str, dict[str, dict[str, Any]]] = {}  # user -> session id -> what it set
        self.refusing: int | None = None  # answer presence calls with this status
        self._tokens: set[str] = set()
        self._ids = itertools.count(1)
        self._runner: web.AppRunner | None = None
        self.root = ""

    @property
    def authority_url(self) -> str:
        return self.root + "/login"

    @property
    def graph_url(self) -> str:
        return self.root + "/v1.0/"

    def settings(self) -> dict[str, str]:
        """The app's settings that point it here."""
        return {
            "GRAPH_TENANT_ID": self.tenant,
            "GRAPH_CLIENT_ID": self.client_id,
            "GRAPH_CLIENT_SECRET": self.secret,
            "GRAPH_AUTHORITY_URL": self.authority_url,
            "GRAPH_API_URL": self.graph_url,
        }

    def calls_to(self, *actions: str) -> list[GraphCall]:
        return [call for call in self.calls if call.action in actions]

    async def wait_for(self, action: str, count: int = 1, timeout: float = 15.0) -> list[GraphCall]:  # noqa: ASYNC109
        deadline = time.monotonic() + timeout
        while len(self.calls_to(action)) < count:
            if time.monotonic() > deadline:
                raise AssertionError(f"waited {timeout}s for {count} x {action}; got {[c.action for c in self.calls]}")
            await asyncio.sleep(0.02)
        return self.calls_to(action)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/login/{tenant}/oauth2/v2.0/token", self._token)
        app.router.add_post("/v1.0/users/{user}/presence/{action}", self._presence)
        self._runner, self.root = await serve(app)

    async def close(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    async def _token(self, request: web.Request) -> web.Response:
        form = dict(await request.post())
        self.calls.append(GraphCall("token", None, {k: v for k, v in form.items() if k != "client_secret"}))
        known = (request.match_info["tenant"], form.get("client_id"), form.get("client_secret")) == (
            self.tenant,
            self.client_id,
            self.secret,
        )
        if not known or form.get("grant_type") != "client_credentials":
            return web.json_response({"error": "invalid_client"}, status=401)
        token = f"graph-app-token-{next(self._ids)}"
        self._tokens.add(token)
        return web.json_response({"token_type": "Bearer", "expires_in": 3599, "access_token": token})

    async def _presence(self, request: web.Request) -> web.Response:
        user, action = request.match_info["user"], request.match_info["action"]
        body = await request.json()
        token = (request.headers.get("Authorization") or "").removeprefix("Bearer ")
        self.calls.append(GraphCall(action, user, body, token))
        if token not in self._tokens:
            return web.json_response({"error": {"code": "InvalidAuthenticationToken"}}, status=401)
        if self.refusing is not None:
            return web.json_response({"error": {"code": "Forbidden"}}, status=self.refusing)
        sessions = self.presence.setdefault(user, {})
        if action == "setPresence":
            pair = (body.get("availability"), body.get("activity"))
            if pair not in SESSION_STATES or not EXPIRATION.fullmatch(str(body.get("expirationDuration", "PT5M"))):
                return web.json_response(
                    {"error": {"code": "BadRequest", "message": "unsupported presence"}}, status=400
                )
            sessions[body["sessionId"]] = body
        elif action == "clearPresence":
            sessions.pop(body.get("sessionId", ""), None)
        else:
            return web.json_response({"error": {"code": "BadRequest"}}, status=400)
        return web.Response(status=200)
