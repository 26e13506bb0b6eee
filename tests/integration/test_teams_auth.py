"""Bot Framework authentication of POST /api/messages when MicrosoftAppId is set: only requests with a
valid channel JWT are served; missing, forged or misdirected tokens get a 401 JSON answer with nothing
written and nothing sent. Both stores.

Two set-ups: the production configuration (public Azure cloud), for what can be refused without
fetching Microsoft's signing keys; and the same check pointed (through its configuration switches)
at a local OpenID issuer, so that real RS256 signature checks run offline.
"""

from __future__ import annotations

import time
from datetime import timedelta

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from microsoft_agents.hosting.core import AuthTypes

from app import ENGINE_KEY, build_app
from bot.adapters.teams.adapter import TEAMS_ENDPOINT
from bot.adapters.teams.auth import TeamsSettingsError, bot_framework_authentication
from tests.fake_connector import START, FakeIssuer, StaticTokenProvider, assert_cards_valid, teams_world
from tests.integration.conftest import Api, make_settings

APP_ID = "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b"
OUTBOUND_TOKEN = "outbound-token-for-the-connector"


def secured_settings():
    return make_settings(MicrosoftAppId=APP_ID, MicrosoftAppPassword="app-password")


@pytest.fixture
async def secured(store):
    """The app as configured in production: public cloud Bot Framework authentication."""
    async with teams_world(secured_settings(), store) as world:
        yield world


@pytest.fixture
def issuer():
    issuer = FakeIssuer()
    issuer.start()
    yield issuer
    issuer.close()


@pytest.fixture
async def issued(store, issuer):
    """The app checking tokens against the local issuer's keys."""
    async with teams_world(secured_settings(), store) as world:
        world.app[TEAMS_ENDPOINT].use_authentication(
            bot_framework_authentication(
                secured_settings(),
                channel_openid_metadata_url=issuer.metadata_url,
                token_provider=StaticTokenProvider(OUTBOUND_TOKEN),
            )
        )
        yield world
        assert_cards_valid(world.connector)


async def assert_refused(world, authorization: str | None) -> None:
    chat = world.chat
    headers = {"Authorization": authorization} if authorization is not None else {}
    status, body = await chat.post(chat.activity("add Sneaky task"), headers=headers)
    assert status == 401, body
    assert body == {"error": "Unauthorized: a valid Bot Framework token is required"}
    assert world.connector.activities == []
    api = Api(world.session, world.base)
    assert await api.json("GET", f"/api/tasks?user_id={chat.user_id}", 200) == []


def unsigned_token(**claims) -> str:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = int(time.time())
    payload = {"iss": "https://api.botframework.com", "aud": APP_ID, "nbf": now, "exp": now + 600, **claims}
    payload = {name: value for name, value in payload.items() if value is not None}
    return jwt.encode(payload, key, algorithm="RS256", headers={"kid": "made-up"})


async def test_missing_token_is_401(secured):
    await assert_refused(secured, None)


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer not-a-jwt",
        "Bearer ",
        "Basic dXNlcjpwYXNzd29yZA==",
        "Bearer a.b.c",
        "Bearer eyJhbGciOiJub25lIn0.eyJhdWQiOiJ4In0.",
    ],
)
async def test_garbage_tokens_are_401(secured, authorization):
    await assert_refused(secured, authorization)


async def test_token_from_an_unknown_issuer_is_401(secured):
    token = unsigned_token(iss="https://login.evil.example/", serviceurl="http://127.0.0.1/")
    await assert_refused(secured, f"Bearer {token}")


async def test_a_token_without_issuer_is_401(secured):
    await assert_refused(secured, "Bearer " + unsigned_token(iss=None))


async def test_a_valid_token_is_served_and_replies_carry_the_bot_token(issued, issuer):
    chat = issued.chat
    chat.authorization = "Bearer " + issuer.token(APP_ID, issued.connector.url)
    replies = await chat.say("add Signed task")
    assert replies and all(a["_meta"]["authorization"] == f"Bearer {OUTBOUND_TOKEN}" for a in replies)
    api = Api(issued.session, issued.base)
    tasks = await api.json("GET", f"/api/tasks?user_id={chat.user_id}", 200)
    assert [task["title"] for task in tasks] == ["Signed task"]


async def test_token_signed_by_an_unknown_key_is_401(issued, issuer):
    forged_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    token = issuer.token(APP_ID, issued.connector.url, key=forged_key)  # same kid, wrong key
    await assert_refused(issued, f"Bearer {token}")


async def test_token_with_an_unknown_key_id_is_401(issued, issuer):
    forged_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    await assert_refused(
        issued, "Bearer " + issuer.token(APP_ID, issued.connector.url, key=forged_key, kid="someone-elses-key")
    )


async def test_tokens_with_made_up_key_ids_do_not_make_the_bot_fetch_the_keys_again(issued, issuer):
    chat = issued.chat
    chat.authorization = "Bearer " + issuer.token(APP_ID, issued.connector.url)
    assert await chat.say("help")
    assert issuer.key_fetches == 1
    forged_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for n in range(5):
        token = issuer.token(APP_ID, issued.connector.url, key=forged_key, kid=f"made-up-{n}")
        status, _ = await chat.post(chat.activity("help"), headers={"Authorization": f"Bearer {token}"})
        assert status == 401
    assert issuer.key_fetches == 1  # an unknown key id refetches at most hourly


async def test_expired_token_is_401(issued, issuer):
    token = issuer.token(APP_ID, issued.connector.url, lifetime=-3600)
    await assert_refused(issued, f"Bearer {token}")


async def test_token_for_another_bot_is_401(issued, issuer):
    token = issuer.token("00000000-0000-0000-0000-000000000000", issued.connector.url)
    await assert_refused(issued, f"Bearer {token}")


async def test_token_for_another_service_url_is_401(issued, issuer):
    token = issuer.token(APP_ID, "https://smba.evil.example/")
    await assert_refused(issued, f"Bearer {token}")


async def test_token_from_another_issuer_with_a_known_key_is_401(issued, issuer):
    token = issuer.token(APP_ID, issued.connector.url, issuer="https://sts.evil.example/")
    await assert_refused(issued, f"Bearer {token}")


async def test_key_not_endorsed_for_teams_is_401(store):
    slack_only = FakeIssuer(endorsements=("slack",))
    slack_only.start()
    try:
        async with teams_world(secured_settings(), store) as world:
            world.app[TEAMS_ENDPOINT].use_authentication(
                bot_framework_authentication(
                    secured_settings(),
                    channel_openid_metadata_url=slack_only.metadata_url,
                    token_provider=StaticTokenProvider(OUTBOUND_TOKEN),
                )
            )
            await assert_refused(world, "Bearer " + slack_only.token(APP_ID, world.connector.url))
    finally:
        slack_only.close()


async def test_without_app_id_the_emulator_needs_no_token(store):
    async with teams_world(make_settings(), store) as world:
        assert await world.chat.say("help")


async def test_a_reminder_goes_out_with_the_bot_token(issued, issuer):
    chat = issued.chat
    chat.authorization = "Bearer " + issuer.token(APP_ID, issued.connector.url)
    await chat.say("start")
    await chat.say("skip")  # clocked in: a break nudge is due after 50 minutes
    before = len(issued.connector.activities)
    summary = await issued.app[ENGINE_KEY].run(START + timedelta(minutes=50))
    assert summary.sent == 1
    [nudge] = issued.connector.messages(before)
    assert nudge["_meta"]["authorization"] == f"Bearer {OUTBOUND_TOKEN}" and nudge["_meta"]["reply_to"] is None


@pytest.mark.parametrize(
    "app_type, tenant, authority",
    [
        (None, None, "botframework.com"),  # MultiTenant, the default: the Bot Framework's own tenant
        ("MultiTenant", "contoso.onmicrosoft.com", "botframework.com"),
        ("SingleTenant", "contoso.onmicrosoft.com", "contoso.onmicrosoft.com"),
        ("singletenant", "contoso.onmicrosoft.com", "contoso.onmicrosoft.com"),
    ],
)
def test_the_bot_token_is_asked_of_the_tenant_the_app_type_names(app_type, tenant, authority):
    settings = make_settings(
        MicrosoftAppId=APP_ID,
        MicrosoftAppPassword="app-password",
        **({"MicrosoftAppType": app_type} if app_type else {}),
        **({"MicrosoftAppTenantId": tenant} if tenant else {}),
    )
    tokens = bot_framework_authentication(settings).tokens
    assert tokens is not None
    configuration = tokens.configuration
    assert (configuration.CLIENT_ID, configuration.CLIENT_SECRET) == (APP_ID, "app-password")
    assert configuration.TENANT_ID == authority and configuration.AUTH_TYPE == AuthTypes.client_secret


def test_a_managed_identity_needs_no_password():
    settings = make_settings(
        MicrosoftAppId=APP_ID, MicrosoftAppType="UserAssignedMSI", MicrosoftAppTenantId="contoso.onmicrosoft.com"
    )
    tokens = bot_framework_authentication(settings).tokens
    assert tokens is not None
    configuration = tokens.configuration
    assert configuration.AUTH_TYPE == AuthTypes.user_managed_identity and configuration.CLIENT_ID == APP_ID


@pytest.mark.parametrize(
    "settings",
    [
        {"MicrosoftAppType": "SingleTenant", "MicrosoftAppPassword": "app-password"},
        {"MicrosoftAppType": "SingleTenant", "MicrosoftAppTenantId": "contoso.onmicrosoft.com"},
        {"MicrosoftAppType": "UserAssignedMSI"},
    ],
)
def test_an_app_type_without_the_settings_it_needs_stops_the_start(tmp_path, settings):
    with pytest.raises(TeamsSettingsError, match="MicrosoftApp"):
        build_app(make_settings(MicrosoftAppId=APP_ID, AVANOCHI_DB_PATH=str(tmp_path / "db.sqlite3"), **settings))
