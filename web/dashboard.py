"""The personal dashboard at /me: server-rendered pages over the same dialogs the chat runs, so
the numbers on the page are the chat's numbers, and its settings form goes through the chat's
own parsing and validation.

Why a package of its own (not api/): the REST API is JSON for programs with bearer tokens;
this is HTML for a person's browser, signed in with a cookie, with its own security headers
(CSP, framing only by Teams for the personal tab) and CSRF tokens on every form.
"""

from __future__ import annotations

import base64
import hmac
import json
from collections.abc import Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any
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
SETTING_FIELDS = ("timezone", "hours", "quiet", "reminders")

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
    def __init__(self, container: Container) -> None:
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
        response.set_cookie(
            COOKIE,
            session,
            max_age=int(self._passes.session_lifetime.total_seconds()),
            path="/me",
            httponly=True,
            secure=self._secure_default or request.secure,
            samesite="Strict",
        )
        return response

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

    @signed_in
    async def page(self, request: web.Request, visitor: Visitor) -> web.Response:
        return await self._page(request, visitor)

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

    async def stylesheet(self, request: web.Request) -> web.FileResponse:
        return web.FileResponse(HERE / "static" / "dashboard.css", headers={"Cache-Control": "max-age=3600"})


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
    response.headers["Content-Security-Policy"] = CSP
    if request.path != "/me":  # the page Teams frames is guarded by frame-ancestors alone
        response.headers["X-Frame-Options"] = "DENY"
    response.headers["X-Content-Type-Options"] = "nosniff"
    # A sign-in link never leaks to another site; "no-referrer" would also blank the Origin of
    # our own forms, which the sign-in checks.
    response.headers["Referrer-Policy"] = "same-origin"
    if request.path != "/me/style.css":
        response.headers["Cache-Control"] = "no-store"


def register(app: web.Application, container: Container) -> None:
    dashboard = Dashboard(container)
    app.router.add_get("/me", dashboard.page)
    app.router.add_get("/me/signin", dashboard.sign_in_page)
    app.router.add_post("/me/signin", dashboard.sign_in)
    app.router.add_post("/me/signout", dashboard.sign_out)
    app.router.add_post("/me/settings", dashboard.save_settings)
    app.router.add_get("/me/export.json", dashboard.export)
    app.router.add_get("/me/erase", dashboard.confirm_erase)
    app.router.add_post("/me/erase", dashboard.erase)
    app.router.add_get("/me/style.css", dashboard.stylesheet)
    app.on_response_prepare.append(security_headers)
