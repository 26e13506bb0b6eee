"""The dashboard as the Teams personal tab, signed in by Teams single sign-on: the tab posts the
Entra ID token Teams gave it to POST /me/teams-sso, which starts the same session the chat's link
does, for the Teams user the chat knows by that token's tenant and object id. Both stores.

Entra ID is a local OpenID issuer (metadata + JWKS over HTTP) signing RS256 tokens with a test
key, reached through the setting that names Entra's metadata; the Teams user is created the real
way, by talking to the bot through the Bot Framework endpoint (channel tokens of a second issuer).
"""

from __future__ import annotations

import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from http.cookies import SimpleCookie
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import rsa

from app import SERVICES_KEY
from bot.adapters.teams.adapter import TEAMS_ENDPOINT
from bot.adapters.teams.auth import bot_framework_authentication
from domain.errors import NotFound
from tests.fake_connector import FakeIssuer, StaticTokenProvider, TeamsWorld, teams_world, visible_text
from tests.integration.conftest import make_settings
from tools.fakes.bot_connector import ENTRA_ISSUER

APP_ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
SITE = "https://avanochi.example.com"
APP_ID_URI = f"api://avanochi.example.com/{APP_ID}"
TENANT = "tenant-1"  # TeamsChat's tenant and user (aad-ada)
OTHER_TENANT = "tenant-2"
TEAMS_WEB_CLIENT = "5e3ce6c0-2b1f-4285-8d4b-75ee78787346"


@pytest.fixture
def entra():
    issuer = FakeIssuer(endorsements=(), issuer_name=ENTRA_ISSUER)
    issuer.start()
    yield issuer
    issuer.close()


@pytest.fixture
def channel():
    issuer = FakeIssuer()
    issuer.start()
    yield issuer
    issuer.close()


@asynccontextmanager
async def teams_tab_world(store, entra: FakeIssuer, channel: FakeIssuer, **settings: str) -> AsyncIterator[TeamsWorld]:
    values = {
        "MicrosoftAppId": APP_ID,
        "MicrosoftAppPassword": "app-password",
        "AVANOCHI_PUBLIC_URL": SITE,
        "AVANOCHI_TEAMS_SSO_METADATA_URL": entra.metadata_url,
        **settings,
    }
    async with teams_world(make_settings(**values), store) as world:
        world.app[TEAMS_ENDPOINT].use_authentication(
            bot_framework_authentication(
                make_settings(**values),
                channel_openid_metadata_url=channel.metadata_url,
                token_provider=StaticTokenProvider("outbound-token"),
            )
        )
        world.chat.authorization = "Bearer " + channel.token(APP_ID, world.connector.url)
        yield world


@pytest.fixture
async def world(store, entra, channel) -> AsyncIterator[TeamsWorld]:
    async with teams_tab_world(store, entra, channel) as world:
        yield world


def someone_else(world: TeamsWorld, **overrides: Any):
    """Another Teams user talking to the bot, with the same valid channel token."""
    return world.chat_as(authorization=world.chat.authorization, **overrides)


def tab_token(
    entra: FakeIssuer,
    *,
    aud: str = APP_ID_URI,
    tid: str = TENANT,
    oid: str = "aad-ada",
    scp: str | None = "access_as_user",
    iss: str | None = None,
    lifetime: int = 3600,
    key: Any = None,
) -> str:
    """An access token as Entra ID v2 issues one to Teams for the tab (getAuthToken)."""
    now = int(time.time())
    payload = {
        "aud": aud,
        "iss": iss or f"https://login.microsoftonline.com/{tid}/v2.0",
        "iat": now - 10,
        "nbf": now - 10,
        "exp": now + lifetime,
        "tid": tid,
        "oid": oid,
        "scp": scp,
        "azp": TEAMS_WEB_CLIENT,
        "ver": "2.0",
        "name": "Ada Lovelace",
    }
    return entra.sign({name: value for name, value in payload.items() if value is not None}, key=key)


async def post_token(world: TeamsWorld, token: Any, **headers: str):
    """What the tab's script does: POST {"token": ...} as JSON from the page's own origin."""
    sent = {"Origin": world.base, **headers}
    response = await world.session.post(world.base + "/me/teams-sso", json={"token": token}, headers=sent)
    return response, await response.json(content_type=None)


def cookie_of(response):
    """The session cookie's morsel (Python's cookie parser knows no Partitioned attribute yet)."""
    header = response.headers["Set-Cookie"]
    return SimpleCookie(header.replace("; Partitioned", ""))["avanochi_session"]


def session_cookie(response) -> str:
    return cookie_of(response).value


async def dashboard(world: TeamsWorld, cookie: str | None):
    headers = {"Cookie": f"avanochi_session={cookie}"} if cookie else {}
    response = await world.session.get(world.base + "/me", headers=headers)
    return response.status, await response.text()


@pytest.mark.parametrize("audience", [APP_ID_URI, APP_ID], ids=["application-id-uri", "app-id"])
async def test_a_teams_user_opening_the_tab_is_signed_in_and_sees_their_own_numbers(world, entra, audience):
    chat = world.chat
    await chat.say("add Send the invoice due friday 5pm")
    await chat.say("water 500ml")
    glance = "\n".join(visible_text(a) for a in await chat.say("how am I doing"))
    assert "500 ml" in glance

    response, body = await post_token(world, tab_token(entra, aud=audience))
    assert response.status == 200, body
    assert body == {"signed_in": True, "next": "/me"}
    morsel = cookie_of(response)
    # Teams frames the tab: only a SameSite=None, Secure cookie comes back from inside its frame.
    assert morsel["samesite"] == "None" and morsel["secure"] and morsel["httponly"] and morsel["path"] == "/me"
    assert "Partitioned" in response.headers["Set-Cookie"]

    status, page = await dashboard(world, morsel.value)
    assert status == 200
    assert "Your dashboard" in page and "Send the invoice" in page and "500 ml" in page
    csrf = re.search(r'name="csrf" value="([0-9a-f]+)"', page)
    assert csrf  # the page's forms work as after the link sign-in


async def test_the_tab_signs_in_the_person_the_token_names_not_another(world, entra):
    await world.chat.say("add Ada secret plan due friday 5pm")
    grace = someone_else(world, aad="aad-grace", name="Grace Hopper", conversation_id="a:personal-grace")
    await grace.say("add Grace compiler notes due friday 5pm")
    response, _ = await post_token(world, tab_token(entra, oid="aad-grace"))
    status, page = await dashboard(world, session_cookie(response))
    assert status == 200 and "Grace compiler notes" in page and "Ada secret plan" not in page


async def test_signing_keys_are_fetched_once_and_reused(world, entra):
    await world.chat.say("help")
    for _ in range(3):
        response, _ = await post_token(world, tab_token(entra))
        assert response.status == 200
    assert entra.key_fetches == 1


REFUSED = [
    pytest.param(
        {"aud": f"api://avanochi.example.com/{'0' * 8}-1111-2222-3333-444444444444"},
        "wrong_audience",
        id="another-apps-token",
    ),
    pytest.param({"aud": "https://graph.microsoft.com"}, "wrong_audience", id="a-graph-token"),
    pytest.param({"iss": f"https://sts.windows.net/{TENANT}/"}, "wrong_issuer", id="a-v1-token"),
    pytest.param(
        {"iss": f"https://login.microsoftonline.com/{OTHER_TENANT}/v2.0"}, "wrong_issuer", id="issuer-of-another-tenant"
    ),
    pytest.param({"iss": "https://login.evil.example/tenant-1/v2.0"}, "wrong_issuer", id="another-issuer"),
    pytest.param({"lifetime": -3600}, "expired", id="expired"),
    pytest.param({"key": "forged"}, "bad_signature", id="signed-by-another-key"),
    pytest.param({"scp": "User.Read"}, "missing_scope", id="without-access_as_user"),
    pytest.param({"scp": None}, "missing_scope", id="an-app-only-token"),
]


@pytest.mark.parametrize(("claims", "reason"), REFUSED)
async def test_a_token_that_is_not_for_this_app_and_user_is_refused_with_a_clear_reason(world, entra, claims, reason):
    await world.chat.say("add Private task")
    if claims.get("key") == "forged":
        claims = {**claims, "key": rsa.generate_private_key(public_exponent=65537, key_size=2048)}
    response, body = await post_token(world, tab_token(entra, **claims))
    assert response.status == 401, body
    assert body["reason"] == reason and body["error"]
    assert "Set-Cookie" not in response.headers
    assert (await dashboard(world, None))[0] == 401


@pytest.mark.parametrize(
    "token", ["", "not-a-jwt", 42, None, "x" * 20_000], ids=["empty", "junk", "number", "null", "huge"]
)
async def test_a_malformed_token_is_a_clear_4xx_never_a_500(world, entra, token):
    response, body = await post_token(world, token)
    assert response.status in (400, 401), body
    assert body["error"] and "Set-Cookie" not in response.headers
    assert entra.key_fetches == 0  # junk costs no request to Entra ID


async def test_someone_who_never_talked_to_the_bot_is_told_so_and_no_account_is_made(world, entra):
    response, body = await post_token(world, tab_token(entra, oid="aad-stranger"))
    assert response.status == 403 and body["reason"] == "unknown_user"
    assert "say hello" in body["error"]
    assert "Set-Cookie" not in response.headers
    with pytest.raises(NotFound):
        await world.app[SERVICES_KEY].users.get_user(f"msteams:{TENANT}:aad-stranger")


async def test_another_site_cannot_post_a_token_to_sign_a_browser_in(world, entra):
    await world.chat.say("help")
    token = tab_token(entra)
    for origin in ({"Origin": "https://evil.example"}, {"Origin": "null"}):
        response, body = await post_token(world, token, **origin)
        assert response.status == 403 and body["reason"] == "cross_site"
    missing = await world.session.post(world.base + "/me/teams-sso", json={"token": token})
    assert missing.status == 403 and "Set-Cookie" not in missing.headers
    form = await world.session.post(world.base + "/me/teams-sso", data={"token": token}, headers={"Origin": world.base})
    assert form.status == 415 and "Set-Cookie" not in form.headers  # a cross-site form cannot send JSON


async def test_a_single_tenant_app_refuses_people_of_other_organisations(store, entra, channel):
    single = {"MicrosoftAppType": "SingleTenant", "MicrosoftAppTenantId": TENANT}
    async with teams_tab_world(store, entra, channel, **single) as world:
        await someone_else(world, tenant=OTHER_TENANT, conversation_id="a:personal-other").say("help")
        response, body = await post_token(world, tab_token(entra, tid=OTHER_TENANT))
        assert response.status == 401 and body["reason"] == "wrong_tenant"
        await world.chat.say("help")
        response, _ = await post_token(world, tab_token(entra))
        assert response.status == 200


async def test_the_tab_page_runs_only_scripts_served_by_the_app(world):
    status, page = await dashboard(world, None)
    assert status == 401 and "dashboard" in page  # the link sign-in is still offered
    scripts = re.findall(r"<script[^>]*>", page)
    assert scripts == ['<script src="/me/teams.js" defer>', '<script src="/me/tab.js" defer>']
    response = await world.session.get(world.base + "/me")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "connect-src" not in csp and "default-src 'self'" in csp
    script = await world.session.get(world.base + "/me/tab.js")
    assert script.status == 200 and "javascript" in script.content_type
    assert "/me/teams-sso" in await script.text()


async def test_without_teams_credentials_there_is_no_tab_sign_in(store):
    async with teams_world(make_settings(), store) as world:
        response = await world.session.post(
            world.base + "/me/teams-sso", json={"token": "x"}, headers={"Origin": world.base}
        )
        body = await response.json()
        assert response.status == 404 and body["reason"] == "not_configured"
        status, page = await dashboard(world, None)
        assert status == 401 and "<script" not in page


@pytest.mark.parametrize("url", ["http://login.example.com/metadata", "ftp://127.0.0.1/x", "not a url"])
def test_entra_metadata_must_come_over_https_except_from_this_machine(url):
    # Whoever serves the metadata decides whose tokens sign people in.
    with pytest.raises(SystemExit, match="AVANOCHI_TEAMS_SSO_METADATA_URL"):
        make_settings(AVANOCHI_TEAMS_SSO_METADATA_URL=url)
    assert make_settings().teams_sso_metadata_url.startswith("https://login.microsoftonline.com/")
