"""The personal dashboard over plain HTTP: the link from a real Slack exchange signs in once,
the session cookie's flags, the security headers, CSRF on every form, and one user's cookie
never showing another's data."""

from __future__ import annotations

import re
from http.cookies import SimpleCookie

import pytest

from app import SERVICES_KEY
from persistence.port import DocumentMissing
from tests.fake_slack import OUTGOING
from web.credentials import digest

LINK = re.compile(r"(https?://[^\s>|]+)/me/signin\?token=([A-Za-z0-9_-]+)")


async def link_reply(slack, user: str = "U1", via: str = "dm"):
    """The reply carrying the sign-in link the chat's `dashboard` command answers."""
    since = len(slack.api.calls)
    response = await (slack.workspace.dm if via == "dm" else slack.workspace.mention)("dashboard", user)
    assert response.status == 200
    (reply,) = (await slack.api.wait_for(*OUTGOING, since=since, where=lambda call: "/me/signin" in call.text))[:1]
    return reply


async def link_for(slack, user: str = "U1") -> str:
    """The sign-in path (without the origin: the test server's port is its own)."""
    found = LINK.search((await link_reply(slack, user)).text)
    assert found
    return f"/me/signin?token={found.group(2)}"


async def spend(slack, path: str, **headers: str):
    """What the link page's button does: POST the link's token back."""
    token = path.split("token=", 1)[1]
    return await slack.rest.call(
        "POST", "/me/signin", token=False, data={"token": token}, headers=headers, allow_redirects=False
    )


async def sign_in(slack, user: str = "U1") -> tuple[str, str]:
    """(the session cookie's header value, the CSRF token of the page)."""
    response = await spend(slack, await link_for(slack, user))
    assert response.status == 303
    cookie = SimpleCookie(response.headers["Set-Cookie"])["avanochi_session"].value
    page = await slack.rest.call("GET", "/me", token=False, headers={"Cookie": f"avanochi_session={cookie}"})
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', await page.text())
    assert csrf
    return f"avanochi_session={cookie}", csrf.group(1)


async def test_dashboard_link_is_private_and_stored_only_as_a_digest(slack, store):
    reply = await link_reply(slack)
    found = LINK.search(reply.text)
    assert found
    token = found.group(2)
    assert reply.method in ("chat.postEphemeral", "chat.postMessage")
    stored = await store.read("system:web", digest(token))
    assert stored["purpose"] == "link" and token not in str(stored)
    since = len(slack.api.calls)
    await slack.workspace.mention("dashboard")
    refused = await slack.api.wait_for(*OUTGOING, since=since, where=lambda call: "direct message" in call.text)
    assert not any("/me/signin" in call.text for call in slack.api.calls[since:])
    assert refused


async def test_the_link_signs_in_once_with_a_strict_httponly_cookie(slack):
    path = await link_for(slack)
    first = await spend(slack, path)
    assert first.status == 303 and first.headers["Location"] == "/me"  # the token stays behind
    morsel = SimpleCookie(first.headers["Set-Cookie"])["avanochi_session"]
    assert morsel["httponly"] and morsel["samesite"] == "Strict" and morsel["path"] == "/me"
    assert 0 < int(morsel["max-age"]) <= 4 * 3600
    again = await spend(slack, path)
    assert again.status == 410 and "already used" in await again.text()
    assert "Set-Cookie" not in again.headers
    assert (await slack.rest.call("GET", path, token=False)).status == 410


async def test_opening_the_link_spends_nothing_so_a_link_preview_cannot_use_it_up(slack):
    path = await link_for(slack)
    for _ in range(2):  # a chat app's preview, then the person
        page = await slack.rest.call("GET", path, token=False)
        assert page.status == 200 and "Set-Cookie" not in page.headers
        assert "Sign in to your dashboard" in await page.text()
    assert (await spend(slack, path)).status == 303


async def test_another_site_cannot_sign_a_browser_in(slack):
    path = await link_for(slack)
    forged = await spend(slack, path, Origin="https://evil.example")
    assert forged.status == 403 and "Set-Cookie" not in forged.headers
    assert (await spend(slack, path, Origin=slack.rest.base)).status == 303


async def test_asking_again_clears_links_that_ran_out(slack, store):
    first = (await link_for(slack)).split("=", 1)[1]
    slack.app[SERVICES_KEY].clock.advance(minutes=11)
    second = (await link_for(slack)).split("=", 1)[1]
    assert await store.read("system:web", digest(second))
    with pytest.raises(DocumentMissing):
        await store.read("system:web", digest(first))


async def test_an_expired_link_is_refused(slack):
    path = await link_for(slack)
    slack.app[SERVICES_KEY].clock.advance(minutes=11)
    response = await slack.rest.call("GET", path, token=False)
    assert response.status == 410 and "expired" in await response.text()
    spent = await spend(slack, path)
    assert spent.status == 410 and "Set-Cookie" not in spent.headers


async def test_cookie_is_secure_when_the_public_url_is_https(store):
    from tests.fake_slack import slack_world

    async with slack_world(store, AVANOCHI_PUBLIC_URL="https://avanochi.example.com") as slack:
        reply = await link_reply(slack)
        assert "https://avanochi.example.com/me/signin?token=" in reply.text
        response = await spend(slack, await link_for(slack))
        assert SimpleCookie(response.headers["Set-Cookie"])["avanochi_session"]["secure"]


async def test_pages_carry_a_strict_content_security_policy_and_frame_only_in_teams(slack):
    cookie, _ = await sign_in(slack)
    page = await slack.rest.call("GET", "/me", token=False, headers={"Cookie": cookie})
    csp = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'self' https://teams.microsoft.com" in csp
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    assert page.headers["Referrer-Policy"] == "same-origin" and page.headers["Cache-Control"] == "no-store"
    signin = await slack.rest.call("GET", "/me/signin?token=nope", token=False)
    assert signin.headers["X-Frame-Options"] == "DENY"
    body = await page.text()
    assert "<script" not in body and "http://" not in body.replace('="http', "")


async def test_without_a_session_the_page_asks_to_sign_in(slack):
    response = await slack.rest.call("GET", "/me", token=False, headers={"Cookie": "avanochi_session=forged"})
    assert response.status == 401 and "dashboard" in await response.text()
    assert (await slack.rest.call("GET", "/me/export.json", token=False)).status == 401


async def test_settings_need_the_forms_csrf_token(slack):
    cookie, csrf = await sign_in(slack)
    forged = await slack.rest.call(
        "POST", "/me/settings", token=False, headers={"Cookie": cookie}, data={"timezone": "Asia/Tokyo"}
    )
    assert forged.status == 403
    other_cookie, other_csrf = await sign_in(slack, "U2")
    crossed = await slack.rest.call(
        "POST",
        "/me/settings",
        token=False,
        headers={"Cookie": cookie},
        data={"timezone": "Asia/Tokyo", "csrf": other_csrf},
    )
    assert crossed.status == 403
    (settings,) = await slack.workspace.say("settings")
    assert "Asia/Tokyo" not in settings.text and "Asia/Tokyo" not in str(settings.body)


async def test_a_bad_setting_is_explained_in_plain_words(slack):
    cookie, csrf = await sign_in(slack)
    response = await slack.rest.call(
        "POST", "/me/settings", token=False, headers={"Cookie": cookie}, data={"csrf": csrf, "hours": "banana"}
    )
    assert response.status == 400
    body = await response.text()
    assert 'role="alert"' in body and "Hours:" in body


async def test_a_users_cookie_only_ever_shows_their_own_data(slack):
    await slack.workspace.say("add Ada's secret plan due friday", "U1")
    await slack.workspace.say("add Grace's compiler due friday", "U2")
    ada, _ = await sign_in(slack, "U1")
    grace, _ = await sign_in(slack, "U2")
    ada_page = await (await slack.rest.call("GET", "/me", token=False, headers={"Cookie": ada})).text()
    grace_page = await (await slack.rest.call("GET", "/me", token=False, headers={"Cookie": grace})).text()
    assert "secret plan" in ada_page and "compiler" not in ada_page
    assert "compiler" in grace_page and "secret plan" not in grace_page
    export = await slack.rest.call("GET", "/me/export.json?user_id=slack:T1:U1", token=False, headers={"Cookie": grace})
    assert "compiler" in await export.text() and "secret plan" not in await export.text()


async def test_signing_out_ends_the_session(slack):
    cookie, csrf = await sign_in(slack)
    out = await slack.rest.call("POST", "/me/signout", token=False, headers={"Cookie": cookie}, data={"csrf": csrf})
    assert out.status == 200
    assert (await slack.rest.call("GET", "/me", token=False, headers={"Cookie": cookie})).status == 401


async def test_erase_asks_first_then_deletes_everything_and_signs_out(slack):
    await slack.workspace.say("add Water the plants due friday", "U1")
    cookie, csrf = await sign_in(slack)
    unconfirmed = await slack.rest.call(
        "POST", "/me/erase", token=False, headers={"Cookie": cookie}, data={"csrf": csrf}
    )
    assert unconfirmed.status == 400
    assert (
        "Water the plants"
        in await (await slack.rest.call("GET", "/me", token=False, headers={"Cookie": cookie})).text()
    )
    done = await slack.rest.call(
        "POST", "/me/erase", token=False, headers={"Cookie": cookie}, data={"csrf": csrf, "confirm": "erase"}
    )
    assert done.status == 200 and "deleted" in await done.text()
    assert (await slack.rest.call("GET", "/me", token=False, headers={"Cookie": cookie})).status == 401
    tasks = await slack.rest.json("GET", "/api/tasks?user_id=" + slack.workspace.user_id("U1"), 200)
    assert tasks == []


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
