"""The personal dashboard at /me: server-rendered pages over the same dialogs the chat runs, so
the numbers on the page are the chat's numbers, and its settings form goes through the chat's
own parsing and validation.

Why a package of its own (not api/): the REST API is JSON for programs with bearer tokens;
this is HTML for a person's browser, signed in with a cookie, with its own security headers
(CSP, framing only by Teams for the personal tab) and CSRF tokens on every form.

In Teams the same page is the app's personal tab, signed in by Teams itself: the sign-in page
there runs two scripts, both served from here (the Microsoft Teams JavaScript client library and
tab.js), which ask Teams for the user's token and post it to /me/teams-sso.
"""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import jinja2
from aiohttp import web

from bot.dialogs.turn import Turn
from bot.messages import IncomingMessage
from domain.errors import DomainError, NotFound
from web.credentials import LinkRefused, WebPasses, csrf_token

if TYPE_CHECKING:
    from app import Container

HERE = Path(__file__).resolve().parent
COOKIE = "avanochi_session"
# Teams shows the page as the app's personal tab: only Teams may frame it.
TEAMS_FRAMERS = "https://teams.microsoft.com https://*.teams.microsoft.com https://*.cloud.microsoft"
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; object-src 'none'; "
    f"base-uri 'none'; form-action 'self'; frame-ancestors 'self' {TEAMS_FRAMERS}"
)
# The tab's sign-in page runs our own scripts, and only those (no inline script, no other site).
TAB_CSP = CSP.replace("script-src 'none'", "script-src 'self'")
SETTING_FIELDS = ("timezone", "hours", "quiet", "reminders")
# The files the pages load, by path; the Teams library is put in static/ by the build (Makefile,
# Dockerfile) from its npm package, and the tab falls back to the link sign-in without it.
STATIC = {
    "/me/style.css": "dashboard.css",
    "/me/tab.js": "tab.js",
    "/me/teams.js": "teams-js/MicrosoftTeams.min.js",
}

_templates = jinja2.Environment(
    loader=jinja2.FileSystemLoader(HERE / "templates"),
    autoescape=True,  # every value is escaped unless a template says otherwise (none does)
    undefined=jinja2.StrictUndefined,
)


def _plain(text: str) -> str:
    """Chat markdown (*bold*, `code`) as plain words: the page styles by structure, not by markup."""
    return text.replace("*", "").replace("`", "")


def _data_url(png: bytes) -> str:
    return "data:image/png;base64," + base64.b64encode(png).decode("ascii")


_templates.filters["plain"] = _plain
_templates.filters["data_url"] = _data_url


def render(template: str, status: int = 200, **values: Any) -> web.Response:
    body = _templates.get_template(template).render(**values)
    return web.Response(text=body, status=status, content_type="text/html", charset="utf-8")


def notice(status: int, title: str, message: str, *, sign_in_hint: bool = True) -> web.Response:
    return render("notice.html", status, title=title, message=message, sign_in_hint=sign_in_hint)


class TabSignIn(Protocol):
    """Who a Teams tab's single sign-on token names."""

    async def user_id(self, token: str) -> str:
        """The user id; a DomainError (with a short ``reason`` code) for a token it refuses."""
        ...


def json_refusal(status: int, reason: str, message: str) -> web.Response:
    return web.json_response({"error": message, "reason": reason}, status=status)


@dataclass(frozen=True)
class Visitor:
    user_id: str
    session: str  # the session secret, from the cookie

    @property
    def csrf(self) -> str:
        return csrf_token(self.session)


def signed_in(
    handler: Callable[[Dashboard, web.Request, Visitor], Awaitable[web.StreamResponse]],
) -> Callable[[Dashboard, web.Request], Awaitable[web.StreamResponse]]:
    """A page for a signed-in visitor; anyone else is asked to sign in (401)."""

    async def guarded(self: Dashboard, request: web.Request) -> web.StreamResponse:
        visitor = await self.visitor(request)
        if visitor is None:
            return notice(401, "Please sign in", "Your session has ended or you have not signed in yet.")
        return await handler(self, request, visitor)

    return guarded


class Dashboard:
    def __init__(self, container: Container, teams_tab: TabSignIn | None = None) -> None:
        self._teams_tab = teams_tab  # None when Teams is not set up: the tab then uses the link too
        self._services = container.services
        self._dialogs = container.dialogs
        self._passes: WebPasses = container.web_passes
        self._secure_default = container.settings.public_url.startswith("https://")
        self._public_host = urlsplit(container.settings.public_url).netloc

    # --- signing in and out -------------------------------------------------------------

    async def sign_in_page(self, request: web.Request) -> web.Response:
        """The link's page: a button that signs in. Opening the link spends nothing, so a chat
        app's link preview or a mail scanner that fetches it leaves it working for its person."""
        token = request.query.get("token", "")
        try:
            await self._passes.check_link(token)
        except LinkRefused as refused:
            return notice(410, "This link no longer works", str(refused))
        return render("sign_in.html", token=token)

    async def sign_in(self, request: web.Request) -> web.Response:
        if not same_origin(request, self._public_host):  # nobody signs a browser in from another site
            return notice(403, "Sign-in refused", "That sign-in did not come from this site.")
        form = await request.post()
        try:
            _, session = await self._passes.redeem(str(form.get("token", "")))
        except LinkRefused as refused:
            return notice(410, "This link no longer works", str(refused))
        # On to /me, the token left behind; the form was posted from this site, so the redirected
        # request is same-site and carries the SameSite=Strict cookie.
        response = web.Response(status=303, headers={"Location": "/me"})
        self._set_session_cookie(response, request, session, in_teams=False)
        return response

    async def teams_sign_in(self, request: web.Request) -> web.Response:
        """The tab's single sign-on: Teams' token for the user in, a session cookie out. JSON from
        our own page only: a browser names the page in Origin, and another site's page can neither
        send JSON here without asking first (CORS) nor fake its Origin."""
        if self._teams_tab is None:
            return json_refusal(404, "not_configured", "Teams sign-in is not set up on this server.")
        if request.headers.get("Origin") is None or not same_origin(request, self._public_host):
            return json_refusal(403, "cross_site", "That sign-in did not come from this site.")
        if request.content_type != "application/json":
            return json_refusal(415, "not_json", 'Send {"token": "..."} as application/json.')
        try:  # the app's body limit caps what is read
            body = await request.json()
        except ValueError:
            return json_refusal(400, "not_json", 'Send {"token": "..."} as application/json.')
        token = body.get("token") if isinstance(body, dict) else None
        if not isinstance(token, str):
            return json_refusal(400, "no_token", 'Send {"token": "..."} with the token Teams gave the tab.')
        try:
            user_id = await self._teams_tab.user_id(token)
        except DomainError as refused:
            return json_refusal(401, getattr(refused, "reason", "refused"), str(refused))
        try:  # a dashboard shows what the chat knows: nobody is made up here
            await self._services.users.get_user(user_id)
        except NotFound:
            return json_refusal(
                403,
                "unknown_user",
                "Avanochi does not know you yet: say hello to it in a chat in Teams, then open this tab again.",
            )
        session = await self._passes.open_session(user_id)
        response = web.json_response({"signed_in": True, "next": "/me"})
        self._set_session_cookie(response, request, session, in_teams=True)
        return response

    def _set_session_cookie(
        self, response: web.Response, request: web.Request, session: str, *, in_teams: bool
    ) -> None:
        secure = self._secure_default or request.secure
        # In Teams the page is a frame of Teams' site, where a browser sends only a SameSite=None
        # cookie, which it takes only when Secure; Partitioned (CHIPS) keeps it working where
        # third-party cookies are blocked, kept for Teams' site alone. Every form still needs the
        # session's CSRF token, and only Teams may frame the page.
        framed = in_teams and secure
        response.set_cookie(
            COOKIE,
            session,
            max_age=int(self._passes.session_lifetime.total_seconds()),
            path="/me",
            httponly=True,
            secure=secure,
            samesite="None" if framed else "Strict",
        )
        if framed:  # written out by hand: this Python's cookie module knows no Partitioned attribute
            morsel = response.cookies.pop(COOKIE)
            response.headers.add("Set-Cookie", morsel.OutputString() + "; Partitioned")

    async def sign_out(self, request: web.Request) -> web.Response:
        visitor = await self.visitor(request)
        if visitor is None:
            return notice(401, "Not signed in", "You are not signed in.")
        form = await request.post()
        if not self._form_is_ours(visitor, form):
            return notice(403, "Form expired", "That form came from an old page; reload the page and try again.")
        await self._passes.end_session(visitor.session)
        response = notice(200, "Signed out", "You are signed out.")
        response.del_cookie(COOKIE, path="/me")
        return response

    async def visitor(self, request: web.Request) -> Visitor | None:
        session = request.cookies.get(COOKIE, "")
        owner = await self._passes.session_owner(session) if session else None
        return Visitor(owner, session) if owner else None

    @staticmethod
    def _form_is_ours(visitor: Visitor, form: Any) -> bool:
        sent = str(form.get("csrf", ""))
        return bool(sent) and hmac.compare_digest(sent.encode(), visitor.csrf.encode())

    # --- the page -----------------------------------------------------------------------

    @asynccontextmanager
    async def _turn(self, user_id: str):
        """A turn of the user's, as the chat runs one (one unit of work), that remembers nothing
        of the conversation: the page asks no questions and numbers no lists."""
        async with self._services.turn(user_id) as services:
            user = await services.users.get_user(user_id)
            state = await services.conversations.state(user_id)
            message = IncomingMessage(user_id, "web", f"web:{user_id}")
            yield Turn(message, user, state, services)

    async def page(self, request: web.Request) -> web.Response:
        visitor = await self.visitor(request)
        if visitor is None:
            return self._welcome()
        return await self._page(request, visitor)

    def _welcome(self) -> web.Response:
        """The page for someone not signed in: the link from the chat signs in; as the Teams tab,
        its scripts sign the Teams user in."""
        teams = self._teams_tab is not None
        response = render("welcome.html", 401, teams_sign_in=teams)
        if teams:
            response.headers["Content-Security-Policy"] = TAB_CSP
        return response

    async def _page(
        self, request: web.Request, visitor: Visitor, errors: list[str] | None = None, saved: list[str] | None = None
    ) -> web.Response:
        errors, saved = errors or [], saved or []
        try:
            async with self._turn(visitor.user_id) as turn:
                sections = await self._sections(turn)
                user = turn.user
        except NotFound:  # erased from the chat meanwhile: nothing to show, nobody to sign in
            await self._passes.end_all(visitor.user_id)
            return notice(401, "Please sign in", "There is no data for you here any more.")
        return render(
            "dashboard.html",
            400 if errors else 200,
            csrf=visitor.csrf,
            user=user,
            sections=sections,
            errors=errors,
            saved=saved or (["Settings saved."] if request.query.get("saved") else []),
        )

    async def _sections(self, turn: Turn) -> dict[str, Any]:
        dialogs = self._dialogs
        zone = ZoneInfo(turn.user.timezone)
        open_tasks = await turn.services.tasks.list_tasks(turn.user_id, "open")
        dated = sorted((t for t in open_tasks if t.due_at is not None), key=lambda t: t.due_at)  # type: ignore[arg-type,return-value]
        return {
            "today": (await dialogs.everyday.glance(turn, ""))[0],
            "week": (await dialogs.stats.stats(turn, "week"))[0],
            "tasks": [
                {
                    "title": task.title,
                    "due": task.due_at.astimezone(zone).strftime("%a %d %b %H:%M"),  # type: ignore[union-attr]
                    "overdue": task.due_at <= turn.now,  # type: ignore[operator]
                    "priority": task.priority,
                }
                for task in dated
            ],
            "pet": (await dialogs.companion.pet(turn, ""))[0],
            "achievements": (await dialogs.companion.achievements(turn, ""))[0],
            "insights": (await dialogs.companion.insights(turn, ""))[0],
        }

    # --- settings -------------------------------------------------------------------------

    @signed_in
    async def save_settings(self, request: web.Request, visitor: Visitor) -> web.StreamResponse:
        form = await request.post()
        if not self._form_is_ours(visitor, form):
            return notice(403, "Form expired", "That form came from an old page; reload the page and try again.")
        errors: list[str] = []
        saved: list[str] = []
        handlers = {
            "timezone": self._dialogs.settings.timezone,
            "hours": self._dialogs.settings.hours,
            "quiet": self._dialogs.settings.quiet,
            "reminders": self._dialogs.settings.reminders,
        }
        async with self._turn(visitor.user_id) as turn:
            current = {
                "timezone": turn.user.timezone,
                "hours": f"{turn.user.work_start}-{turn.user.work_end}",
                "quiet": f"{turn.user.quiet_start}-{turn.user.quiet_end}",
                "reminders": "on" if turn.user.reminders_on else "off",
            }
            for name in SETTING_FIELDS:
                value = str(form.get(name, "")).strip()[:100]
                if not value or value == current[name]:
                    continue
                if name == "reminders" and value not in ("on", "off"):
                    errors.append("Reminders are either on or off.")
                    continue
                try:  # the chat's own words for it: same parsing, same validation, same answer
                    saved += [_plain(r.text) for r in await handlers[name](turn, value)]
                except DomainError as error:
                    errors.append(f"{name.capitalize()}: {error}")
        if errors:
            return await self._page(request, visitor, errors, saved)
        raise web.HTTPSeeOther("/me?saved=1")

    # --- export and erase -----------------------------------------------------------------

    @signed_in
    async def export(self, request: web.Request, visitor: Visitor) -> web.Response:
        data = await self._services.account.export(visitor.user_id)  # what 'export my data' sends
        return web.Response(
            body=json.dumps(data, indent=2, ensure_ascii=False).encode("utf-8"),
            content_type="application/json",
            headers={"Content-Disposition": 'attachment; filename="avanochi-export.json"'},
        )

    @signed_in
    async def confirm_erase(self, request: web.Request, visitor: Visitor) -> web.Response:
        return render("erase.html", csrf=visitor.csrf)

    @signed_in
    async def erase(self, request: web.Request, visitor: Visitor) -> web.Response:
        form = await request.post()
        if not self._form_is_ours(visitor, form):
            return notice(403, "Form expired", "That form came from an old page; reload the page and try again.")
        if form.get("confirm") != "erase":
            return render("erase.html", 400, csrf=visitor.csrf, error="Tick the box to confirm, or go back.")
        removed = await self._services.account.erase(visitor.user_id)
        await self._passes.end_all(visitor.user_id)
        response = notice(
            200,
            "Everything deleted",
            f"{removed} records deleted. If you talk to me again, I'll start afresh.",
            sign_in_hint=False,
        )
        response.del_cookie(COOKIE, path="/me")
        return response

    async def static(self, request: web.Request) -> web.StreamResponse:
        path = HERE / "static" / STATIC[request.path]
        if not path.is_file():  # the Teams library was not built: the tab signs in with the link
            return web.Response(status=404, text="Not here.")
        return web.FileResponse(path, headers={"Cache-Control": "max-age=3600"})


def same_origin(request: web.Request, public_host: str) -> bool:
    """A browser's POST names the page it came from in Origin; a missing one (older browsers,
    other clients) is let through: the form's secret is what signs in."""
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    return urlsplit(origin).netloc in (request.host, public_host)


async def security_headers(request: web.Request, response: web.StreamResponse) -> None:
    if request.path != "/me" and not request.path.startswith("/me/"):
        return
    response.headers.setdefault("Content-Security-Policy", CSP)  # a page that runs scripts set its own
    if request.path != "/me":  # the page Teams frames is guarded by frame-ancestors alone
        response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # A sign-in link never leaks to another site; "no-referrer" would also blank the Origin of
    # our own forms, which the sign-in checks.
    response.headers["Referrer-Policy"] = "same-origin"
    if request.path not in STATIC:
        response.headers["Cache-Control"] = "no-store"


def register(app: web.Application, container: Container, teams_tab: TabSignIn | None = None) -> None:
    dashboard = Dashboard(container, teams_tab)
    app.router.add_get("/me", dashboard.page)
    app.router.add_get("/me/signin", dashboard.sign_in_page)
    app.router.add_post("/me/signin", dashboard.sign_in)
    app.router.add_post("/me/teams-sso", dashboard.teams_sign_in)
    app.router.add_post("/me/signout", dashboard.sign_out)
    app.router.add_post("/me/settings", dashboard.save_settings)
    app.router.add_get("/me/export.json", dashboard.export)
    app.router.add_get("/me/erase", dashboard.confirm_erase)
    app.router.add_post("/me/erase", dashboard.erase)
    for path in STATIC:
        app.router.add_get(path, dashboard.static)
    app.on_response_prepare.append(security_headers)
