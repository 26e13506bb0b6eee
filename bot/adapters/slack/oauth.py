"""Installing Avanochi into a Slack workspace with OAuth v2: GET /slack/install sends the browser
to Slack's consent page with a one-time state; GET /slack/oauth_redirect checks that state,
trades the code for the workspace's bot token (oauth.v2.access) and stores the installation.

The state is single-use, expires after ten minutes and is also kept in a cookie of the browser
that started, so a redirect link sent to someone else (or replayed) installs nothing. Every
refusal is a small HTML page with a 4xx status: the reader is a person in a browser.
"""

from __future__ import annotations

import html
import logging
from collections.abc import Awaitable, Callable
from urllib.parse import urlencode

from aiohttp import web
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from persistence.port import StoreError
from persistence.slack_installations import STATE_LIFETIME, Installation, SlackInstallations

log = logging.getLogger("avanochi.slack")

AUTHORIZE_URL = "https://slack.com/oauth/v2/authorize"
STATE_COOKIE = "avanochi-slack-state"
REDIRECT_PATH = "/slack/oauth_redirect"
FOCUS_STATUS = "focus-status"  # /slack/install?for=focus-status: also ask for the user scopes

# Keeps a user token a person granted: (team, user, token, scopes).
UserGrant = Callable[[str, str, str, str], Awaitable[None]]


def page(status: int, title: str, text: str) -> web.Response:
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width,initial-scale=1">'
        f"<title>{html.escape(title)}</title>"
        f'<body style="font-family:system-ui,sans-serif;max-width:36em;margin:3em auto">'
        f"<h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>"
    )
    return web.Response(
        status=status,
        text=body,
        content_type="text/html",
        headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
        },
    )


class SlackOAuth:
    def __init__(
        self,
        installations: SlackInstallations,
        client: AsyncWebClient,  # no token: oauth.v2.access takes the client id and secret
        client_id: str,
        client_secret: str,
        scopes: list[str],
        authorize_url: str = AUTHORIZE_URL,
        *,
        user_scopes: list[str] | None = None,
        user_granted: UserGrant | None = None,
    ) -> None:
        self._installations = installations
        self._client = client
        self._client_id = client_id
        self._client_secret = client_secret
        self._scopes = scopes
        self._authorize_url = authorize_url
        self._user_scopes = user_scopes or []
        self._user_granted = user_granted

    def register(self, app: web.Application) -> None:
        app.router.add_get("/slack/install", self.install)
        app.router.add_get(REDIRECT_PATH, self.redirect)

    async def install(self, request: web.Request) -> web.Response:
        try:
            state = await self._installations.issue_state()
        except StoreError:
            log.warning("slack install: the store is unavailable")
            return page(503, "Try again in a minute", "Avanochi cannot start the installation right now.")
        fields = {"client_id": self._client_id, "scope": ",".join(self._scopes), "state": state}
        if request.query.get("for") == FOCUS_STATUS and self._user_scopes and self._user_granted:
            # The person's own consent to their status and Do Not Disturb, beside the bot's scopes.
            fields["user_scope"] = ",".join(self._user_scopes)
        query = urlencode(fields)
        response = web.Response(status=302, headers={"Location": f"{self._authorize_url}?{query}"})
        response.set_cookie(
            STATE_COOKIE,
            state,
            max_age=int(STATE_LIFETIME.total_seconds()),
            path=REDIRECT_PATH,
            httponly=True,
            secure=request.secure,
            samesite="Lax",  # sent on Slack's top-level redirect back, not on cross-site requests
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    async def redirect(self, request: web.Request) -> web.StreamResponse:
        query = request.query
        state, code = query.get("state", ""), query.get("code", "")
        if query.get("error"):  # the person pressed Cancel on Slack's page (the state just expires)
            return self._done(page(400, "Not installed", "The installation was cancelled in Slack."))
        cookie = request.cookies.get(STATE_COOKIE, "")
        try:
            fresh = bool(state) and cookie == state and await self._installations.consume_state(state)
        except StoreError:
            return page(503, "Try again in a minute", "Avanochi cannot finish the installation right now.")
        if not fresh:
            log.warning("slack install refused: unknown, used or expired state")
            return self._done(
                page(
                    400,
                    "This installation link is no longer valid",
                    "It expired, was used already, or was started in another browser. "
                    "Start again from the install page.",
                )
            )
        if not code or len(code) > 500:
            return self._done(page(400, "Not installed", "Slack sent no authorization code."))
        try:
            granted = await self._client.oauth_v2_access(
                client_id=self._client_id, client_secret=self._client_secret, code=code
            )
        except SlackApiError as error:
            reason = str(error.response.get("error", "")) if error.response is not None else ""
            log.warning("slack install refused by oauth.v2.access", extra={"error": reason})
            return self._done(page(400, "Not installed", f"Slack refused the installation ({reason}). Start again."))
        team = granted.get("team") or {}
        token = granted.get("access_token") or ""
        if granted.get("token_type") != "bot" or not token.startswith("xoxb-") or not team.get("id"):
            log.warning("slack install: oauth.v2.access gave no bot token")
            return self._done(page(400, "Not installed", "Slack gave no bot token for this workspace."))
        installation = Installation(
            team_id=team["id"],
            team_name=team.get("name") or team["id"],
            bot_token=token,
            bot_user_id=granted.get("bot_user_id"),
            app_id=granted.get("app_id"),
            enterprise_id=(granted.get("enterprise") or {}).get("id"),
            installer=(granted.get("authed_user") or {}).get("id"),
            scope=granted.get("scope") or "",
        )
        try:
            await self._installations.save(installation)
        except StoreError:
            return page(503, "Try again in a minute", "Avanochi could not save the installation.")
        log.info("slack workspace installed", extra={"team": installation.team_id})
        user = granted.get("authed_user") or {}
        if self._user_granted is not None and user.get("access_token") and user.get("id"):
            user_token = str(user["access_token"])
            if user.get("token_type") != "user" or not user_token.startswith("xoxp-"):
                log.warning("slack install: the user token is no user token; not kept")
            else:
                try:
                    await self._user_granted(installation.team_id, str(user["id"]), user_token, user.get("scope") or "")
                except StoreError:
                    return page(503, "Try again in a minute", "Avanochi could not save your permission.")
                return self._done(
                    page(
                        200,
                        "Focus status is on",
                        "While you focus, Avanochi now sets your Slack status and pauses notifications, "
                        "and puts back what was there afterwards. Say 'focus status off' to stop.",
                    )
                )
        return self._done(
            page(
                200,
                "Avanochi is installed",
                f"Avanochi is now in {installation.team_name}. Open Slack and send it a direct message: try help.",
            )
        )

    @staticmethod
    def _done(response: web.Response) -> web.Response:
        response.del_cookie(STATE_COOKIE, path=REDIRECT_PATH)
        return response
