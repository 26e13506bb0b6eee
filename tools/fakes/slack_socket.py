"""A fake of Slack's Socket Mode side, served by the fake Web API (tools/fakes/slack_api.py):
``apps.connections.open`` checks the app-level token and hands out a one-time ``ws://`` URL; the
websocket says ``hello``, carries envelopes (events_api, slash_commands, interactive) that the
app must acknowledge by ``envelope_id``, and can be told to send ``disconnect`` or to drop."""

from __future__ import annotations

import asyncio
import itertools
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

APP_TOKEN = "xapp-1-A0APP-0000-avanochi"


@dataclass
class Envelope:
    envelope_id: str
    type: str
    payload: dict[str, Any]
    acked: asyncio.Event = field(default_factory=asyncio.Event)
    ack: dict[str, Any] | None = None  # what the app answered (with its optional payload)


class FakeSocketMode:
    def __init__(self, app_token: str = APP_TOKEN) -> None:
        self.app_token = app_token
        self.root = ""  # the fake Web API's http://host:port, set when it starts
        self.connections = 0  # websockets that got their hello
        self.envelopes: dict[str, Envelope] = {}
        self._tickets: set[str] = set()
        self._sockets: list[tuple[web.Request, web.WebSocketResponse]] = []
        self._ids = itertools.count(1)
        self._connected = asyncio.Condition()

    def add_routes(self, app: web.Application) -> None:
        app.router.add_get("/socket/{ticket}", self._socket)

    def open_connection(self, authorization: str | None) -> dict[str, Any]:
        """apps.connections.open: a fresh URL for the app-level token, Slack's errors otherwise."""
        if not authorization or not authorization.startswith("Bearer "):
            return {"ok": False, "error": "not_authed"}
        token = authorization.removeprefix("Bearer ")
        if token.startswith("xoxb-"):
            return {"ok": False, "error": "not_allowed_token_type"}
        if token != self.app_token:
            return {"ok": False, "error": "invalid_auth"}
        ticket = secrets.token_urlsafe(12)
        self._tickets.add(ticket)
        return {"ok": True, "url": self.root.replace("http://", "ws://") + f"/socket/{ticket}"}

    async def _socket(self, request: web.Request) -> web.StreamResponse:
        ticket = request.match_info["ticket"]
        if ticket not in self._tickets:  # each URL works once, as Slack's do
            return web.Response(status=401)
        self._tickets.discard(ticket)
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        await ws.send_json(
            {
                "type": "hello",
                "num_connections": len(self._sockets) + 1,
                "debug_info": {"host": "fake-socket-mode", "approximate_connection_time": 18060},
                "connection_info": {"app_id": "A0APP"},
            }
        )
        self._sockets.append((request, ws))
        async with self._connected:
            self.connections += 1
            self._connected.notify_all()
        try:
            async for message in ws:
                if message.type == WSMsgType.TEXT:
                    self._acked(json.loads(message.data))
        finally:
            if (request, ws) in self._sockets:
                self._sockets.remove((request, ws))
        return ws

    def _acked(self, data: dict[str, Any]) -> None:
        envelope = self.envelopes.get(str(data.get("envelope_id")))
        if envelope is not None:
            envelope.ack = data
            envelope.acked.set()

    async def wait_connected(self, count: int = 1, timeout: float = 15.0) -> None:  # noqa: ASYNC109
        """Until ``count`` websockets in all have said hello (and one is open now)."""
        async with self._connected:
            await asyncio.wait_for(
                self._connected.wait_for(lambda: self.connections >= count and bool(self._sockets)), timeout
            )

    async def send(self, type_: str, payload: dict[str, Any], *, accepts_response_payload: bool = False) -> Envelope:
        """One envelope over the newest open websocket."""
        if not self._sockets:
            raise AssertionError("no Socket Mode connection is open")
        envelope = Envelope(f"env-{next(self._ids)}-{int(time.time())}", type_, payload)
        self.envelopes[envelope.envelope_id] = envelope
        await self._sockets[-1][1].send_json(
            {
                "envelope_id": envelope.envelope_id,
                "type": type_,
                "payload": payload,
                "accepts_response_payload": accepts_response_payload,
                **({"retry_attempt": 0, "retry_reason": ""} if type_ == "events_api" else {}),
            }
        )
        return envelope

    async def disconnect(self, reason: str = "refresh_requested") -> None:
        """What Slack sends before it closes a connection (``warning``: a few seconds ahead)."""
        for _, ws in list(self._sockets):
            await ws.send_json({"type": "disconnect", "reason": reason, "debug_info": {"host": "fake-socket-mode"}})

    def drop(self) -> None:
        """Cut every open websocket without a close frame, like a network that goes away."""
        for request, _ in list(self._sockets):
            if request.transport is not None:
                request.transport.abort()
        self._sockets.clear()

    async def close(self) -> None:
        for _, ws in list(self._sockets):
            await ws.close()
        self._sockets.clear()
