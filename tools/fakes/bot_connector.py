"""A fake Bot Connector and Teams on loopback, for the tests and the benchmarks.

``FakeConnector`` plays the Bot Connector REST API the bot replies to (and the OneDrive upload URL of
file consent), records every activity, and can be told to fail. ``FakeIssuer`` is a local OpenID
issuer whose RS256 keys sign channel tokens the way the Bot Framework does (or, given Entra ID's
issuer template, the Teams tab's single sign-on tokens). ``TeamsChat`` posts
message activities shaped like the ones Teams sends."""
from __future__ import annotations

import itertools
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from aiohttp import ClientSession, web
from aiohttp.test_utils import TestServer
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm
from microsoft_agents.hosting.core import AccessTokenProviderBase, AgentAuthConfiguration

BOT_ID = "28:avanochi-bot-id"
CHANNEL_ISSUER = "https://api.botframework.com"


class FakeConnector:
    """The Bot Connector REST API (v3 conversations) on loopback."""

    def __init__(self) -> None:
        self.activities: list[dict[str, Any]] = []  # what the bot sent, in order, with _meta
        self.uploads: dict[str, bytes] = {}
        self.created: list[dict[str, Any]] = []  # POST /v3/conversations bodies
        # conversation id -> status to answer (403: bot blocked), or (status, headers) (429, Retry-After)
        self.refuse: dict[str, int | tuple[int, dict[str, str]]] = {}
        self.peers: set[tuple[str, int]] = set()  # the bot's connections (address, port) that posted
        # Teams id (29:...) -> the member as the roster answers for them (id, name, aadObjectId...)
        self.members: dict[str, dict[str, Any]] = {}
        self.member_lookups: list[tuple[str, str]] = []  # (conversation, member) asked for
        self._ids = itertools.count(1)
        app = web.Application()
        app.router.add_post("/v3/conversations", self._create)
        app.router.add_post("/v3/conversations/{conversation}/activities", self._post)
        app.router.add_post("/v3/conversations/{conversation}/activities/{activity}", self._post)
        app.router.add_put("/v3/conversations/{conversation}/activities/{activity}", self._post)
        app.router.add_delete("/v3/conversations/{conversation}/activities/{activity}", self._delete)
        app.router.add_get("/v3/conversations/{conversation}/members/{member}", self._member)
        app.router.add_put("/upload/{name}", self._upload)
        self._server = TestServer(app, host="127.0.0.1")

    async def start(self) -> None:
        await self._server.start_server()

    async def close(self) -> None:
        await self._server.close()

    @property
    def url(self) -> str:
        return str(self._server.make_url("")).rstrip("/") + "/"

    def messages(self, since: int = 0) -> list[dict[str, Any]]:
        """Sent activities that are not typing indicators."""
        return [a for a in self.activities[since:] if a.get("type") != "typing"]

    async def _post(self, request: web.Request) -> web.Response:
        conversation = request.match_info["conversation"]
        self.peers.add(request.transport.get_extra_info("peername")[:2] if request.transport else ("", 0))
        if conversation in self.refuse:
            refusal = self.refuse[conversation]
            status, headers = refusal if isinstance(refusal, tuple) else (refusal, {})
            return web.json_response({"error": {"code": "BotDisabledByAdmin", "message": "blocked"}},
                                     status=status, headers=headers)
        body = await request.json()
        body["_meta"] = {"method": request.method, "conversation": conversation,
                         "reply_to": request.match_info.get("activity"),
                         "authorization": request.headers.get("Authorization")}
        self.activities.append(body)
        return web.json_response({"id": f"sent-{next(self._ids)}"})

    async def _member(self, request: web.Request) -> web.Response:
        conversation, member = request.match_info["conversation"], request.match_info["member"]
        self.member_lookups.append((conversation, member))
        if member not in self.members:
            return web.json_response({"error": {"code": "MemberNotFoundInConversation"}}, status=404)
        return web.json_response(self.members[member])

    async def _delete(self, request: web.Request) -> web.Response:
        return web.Response(status=200)

    async def _create(self, request: web.Request) -> web.Response:
        self.created.append(await request.json())
        return web.json_response({"id": f"a:created-{next(self._ids)}", "serviceUrl": self.url})

    async def _upload(self, request: web.Request) -> web.Response:
        assert request.headers.get("Content-Range", "").startswith("bytes 0-")
        self.uploads[request.match_info["name"]] = await request.read()
        return web.json_response({"id": "drive-item-1", "name": request.match_info["name"]}, status=201)


ENTRA_ISSUER = "https://login.microsoftonline.com/{tenantid}/v2.0"  # Entra ID's multi-tenant metadata says so


class FakeIssuer:
    """A Bot Framework-like token issuer: OpenID metadata and JWKS over HTTP, RS256 tokens."""

    def __init__(self, endorsements: tuple[str, ...] = ("msteams",), issuer_name: str = CHANNEL_ISSUER) -> None:
        self.key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.kid = "test-key-1"
        jwk = json.loads(RSAAlgorithm.to_jwk(self.key.public_key()))
        jwk.update(kid=self.kid, use="sig", alg="RS256", endorsements=list(endorsements))
        self.key_fetches = 0  # how often the signing keys were asked for
        self.issuer = issuer_name  # what the metadata says; Entra ID's holds a {tenantid} placeholder
        issuer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if self.path == "/.well-known/openid-configuration":
                    body = {"issuer": issuer.issuer, "jwks_uri": issuer.base + "/keys",
                            "id_token_signing_alg_values_supported": ["RS256"]}
                elif self.path == "/keys":
                    issuer.key_fetches += 1
                    body = {"keys": [jwk]}
                else:
                    self.send_error(404)
                    return
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.base = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def metadata_url(self) -> str:
        return self.base + "/.well-known/openid-configuration"

    def start(self) -> None:
        self._thread.start()

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def token(self, app_id: str, service_url: str, *, key: Any = None, kid: str | None = None,
              issuer: str = CHANNEL_ISSUER, lifetime: int = 3600, **claims: Any) -> str:
        """A channel-to-bot token as the Bot Framework issues it (aud = the bot's app id)."""
        now = int(time.time())
        payload = {"iss": issuer, "aud": app_id, "serviceurl": service_url,
                   "nbf": now - 10, "iat": now - 10, "exp": now + lifetime, **claims}
        return self.sign(payload, key=key, kid=kid)

    def sign(self, payload: dict[str, Any], *, key: Any = None, kid: str | None = None) -> str:
        return jwt.encode(payload, key or self.key, algorithm="RS256", headers={"kid": kid or self.kid})


class StaticTokenProvider(AccessTokenProviderBase):
    """The bot's outbound token, fixed instead of asked of Azure AD (MSAL only talks https to a
    real authority): the Agents SDK's own provider interface, not a patch."""

    def __init__(self, token: str) -> None:
        self._token = token
        self.calls = 0

    @property
    def configuration(self) -> AgentAuthConfiguration:
        return AgentAuthConfiguration()

    async def get_access_token(self, resource_url: str, scopes: list[str], force_refresh: bool = False) -> str:
        self.calls += 1
        return self._token

    def get_token_credential(self):
        raise NotImplementedError("only Graph and Teams API clients use this")

    # Flows the bot never uses (on-behalf-of and agentic identities): nothing to fake.
    async def acquire_token_on_behalf_of(self, *args: Any, **kwargs: Any) -> str:
        raise NotImplementedError("the bot asks for no on-behalf-of token")

    async def get_agentic_application_token(self, *args: Any, **kwargs: Any) -> str | None:
        raise NotImplementedError("the bot has no agentic identity")

    async def get_agentic_instance_token(self, *args: Any, **kwargs: Any) -> tuple[str, str]:
        raise NotImplementedError("the bot has no agentic identity")

    async def get_agentic_user_token(self, *args: Any, **kwargs: Any) -> str | None:
        raise NotImplementedError("the bot has no agentic identity")


@dataclass
class TeamsChat:
    """One Teams user talking to the bot through the running app."""

    session: ClientSession
    base: str  # the app's URL
    connector: FakeConnector
    tenant: str = "tenant-1"
    aad: str = "aad-ada"
    name: str = "Ada Lovelace"
    conversation_id: str = "a:personal-ada"
    conversation_type: str = "personal"
    timezone: str | None = "Europe/Madrid"
    locale: str = "en-US"
    authorization: str | None = None
    _ids: Any = field(default_factory=lambda: itertools.count(1))

    @property
    def user_id(self) -> str:
        return f"msteams:{self.tenant}:{self.aad}"

    def activity(self, text: str | None = None, *, value: dict | None = None, **extra: Any) -> dict[str, Any]:
        """A message activity shaped like the ones Teams posts."""
        body: dict[str, Any] = {
            "type": "message",
            "id": f"1700000000{next(self._ids):03d}-{uuid.uuid4().hex[:6]}",
            "timestamp": "2026-03-02T09:00:00.000Z",
            "localTimestamp": "2026-03-02T10:00:00.000+01:00",
            "serviceUrl": self.connector.url,
            "channelId": "msteams",
            "from": {"id": f"29:{self.aad}-id", "name": self.name, "aadObjectId": self.aad},
            "conversation": {"id": self.conversation_id, "conversationType": self.conversation_type,
                             "tenantId": self.tenant, "isGroup": self.conversation_type != "personal"},
            "recipient": {"id": BOT_ID, "name": "Avanochi"},
            "entities": [{"type": "clientInfo", "locale": self.locale, "country": "ES", "platform": "Web",
                          "timezone": self.timezone}],
            "channelData": {"tenant": {"id": self.tenant}},
            "locale": self.locale,
        }
        if self.timezone:
            body["localTimezone"] = self.timezone
        if text is not None:
            body["text"] = text
            body["textFormat"] = "plain"
        if value is not None:
            body["value"] = value
        body.update(extra)
        return body

    async def post(self, activity: dict[str, Any], *, headers: dict[str, str] | None = None) -> tuple[int, Any]:
        sent = dict(headers or {})
        if self.authorization and "Authorization" not in sent:
            sent["Authorization"] = self.authorization
        async with self.session.post(self.base + "/api/messages", json=activity, headers=sent) as response:
            return response.status, await response.json(content_type=None)

    async def say(self, text: str | None = None, *, value: dict | None = None, expect: int = 200,
                  **extra: Any) -> list[dict[str, Any]]:
        """Send a message; return what the bot sent back (typing indicators left out)."""
        before = len(self.connector.activities)
        status, body = await self.post(self.activity(text, value=value, **extra))
        assert status == expect, (status, body)
        return self.connector.messages(before)

    async def press(self, value: dict[str, Any]) -> list[dict[str, Any]]:
        """Press an Action.Submit button: Teams posts a message with the data as value and no text."""
        return await self.say(None, value=value)
