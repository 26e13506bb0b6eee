"""Teams presence "Do not disturb" during a focus session, through Microsoft Graph with the app's own
credentials (client credentials grant; application permission Presence.ReadWrite.All, which a
tenant admin consents to): setPresence under the app's session, clearPresence afterwards.

Teams' own "Focusing" activity cannot be set by an app: an application's presence session takes
only five availability/activity pairs, and DoNotDisturb/Presenting is the one that holds back
notifications (Teams shows it as Do not disturb, presenting). Expirations run from 5 minutes to 4 hours.

Only the users of the one tenant whose credentials are given, and only those Teams named by
their Entra object id (a GUID) are reached. The token endpoint's base is a setting, so tests
(and sovereign clouds) can point it elsewhere; the token is sent to the Graph base URL only.
"""

from __future__ import annotations

import logging
import re
import time
from datetime import datetime

import aiohttp

from bot.status.providers import ConsentLost
from domain.entities import FocusSession
from domain.focus_status import FocusStatus, Shown, focus_profile, planned_end

log = logging.getLogger("avanochi.status")

AVAILABILITY, ACTIVITY = "DoNotDisturb", "Presenting"
OBJECT_ID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")
TIMEOUT = aiohttp.ClientTimeout(total=10)
MAX_PRESENCE_MINUTES = 240  # Graph's longest expirationDuration


class GraphUnavailable(Exception):
    """Graph or its token endpoint answered something else than success (logged, not retried)."""


class GraphPresence:
    channel = "msteams"
    needs_grant = False  # the tenant's admin consented for everyone; each user still opts in
    consent_link: str | None = None

    def __init__(self, tenant_id: str, client_id: str, client_secret: str, authority_url: str, graph_url: str) -> None:
        self._tenant = tenant_id
        self._client_id = client_id
        self._secret = client_secret
        self._token_url = f"{authority_url.rstrip('/')}/{tenant_id}/oauth2/v2.0/token"
        self._graph = graph_url.rstrip("/") + "/"
        self._token: tuple[str, float] | None = None
        self._session: aiohttp.ClientSession | None = None

    def serves(self, user_id: str) -> bool:
        prefix, _, rest = user_id.partition(":")
        tenant, _, object_id = rest.partition(":")
        return prefix == "msteams" and tenant == self._tenant and bool(OBJECT_ID.match(object_id))

    async def show(self, record: FocusStatus, session: FocusSession, timezone: str, now: datetime) -> Shown:
        minutes = min(MAX_PRESENCE_MINUTES, max(5, round((planned_end(session) - now).total_seconds() / 60)))
        await self._post(
            record.user_id,
            "setPresence",
            {
                "sessionId": self._client_id,
                "availability": AVAILABILITY,
                "activity": ACTIVITY,
                "expirationDuration": f"PT{minutes}M",
            },
        )
        return Shown(session.session_id, planned_end(session), focus_profile(session, timezone))

    async def restore(self, record: FocusStatus, shown: Shown, now: datetime) -> None:
        # Presence set under our session only adds to the user's own: clearing it leaves theirs.
        await self._post(record.user_id, "clearPresence", {"sessionId": self._client_id})

    async def revoke(self, record: FocusStatus) -> None:
        return None  # the app's own credentials: nothing of the user's to give back

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()

    def _http(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(timeout=TIMEOUT)
        return self._session

    async def _access_token(self) -> str:
        if self._token is not None and self._token[1] > time.monotonic():
            return self._token[0]
        form = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": self._secret,
            "scope": "https://graph.microsoft.com/.default",
        }
        async with self._http().post(self._token_url, data=form) as response:
            body = await response.json(content_type=None)
            if response.status in (400, 401) and isinstance(body, dict) and body.get("error") == "invalid_client":
                raise GraphUnavailable("the Graph client id or secret was refused")
            if response.status != 200 or not isinstance(body, dict) or not body.get("access_token"):
                raise GraphUnavailable(f"token endpoint answered {response.status}")
        lifetime = float(body.get("expires_in") or 300)
        self._token = (str(body["access_token"]), time.monotonic() + max(0.0, lifetime - 60))
        return self._token[0]

    async def _post(self, user_id: str, action: str, body: dict[str, str]) -> None:
        object_id = user_id.rsplit(":", 1)[1]
        url = f"{self._graph}users/{object_id}/presence/{action}"
        headers = {"Authorization": f"Bearer {await self._access_token()}"}
        async with self._http().post(url, json=body, headers=headers) as response:
            if response.status == 401:
                self._token = None  # a stale token: the next call fetches another
                raise GraphUnavailable("Graph refused the app's token")
            if response.status in (403, 404):
                # Consent withdrawn by the admin, or the user left the tenant.
                raise ConsentLost(str(response.status))
            if response.status >= 300:
                raise GraphUnavailable(f"Graph answered {response.status} to {action}")
