"""Personal tokens have a lifecycle, over real HTTP on both stores: they expire, show when
they were last used, can be listed (never their secret) and revoked, a new one replaces
the old even when many are asked for at once, only real chat user ids get one, and in
Slack the token never stays in the conversation's history."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from domain.clock import FakeClock
from domain.entities import ApiToken
from domain.services import Services
from domain.services.tokens import digest
from persistence.port import Condition
from persistence.repositories import Repositories
from tests.integration.conftest import Api, serving

ADA = "slack:T0TEAM:U1"  # the fake Slack workspace's first user
BOB = "slack:T0TEAM:U2"
NOW = datetime(2026, 3, 4, 10, 0, tzinfo=UTC)
TOKEN_IN_TEXT = re.compile(r"`(avn_[^`\s]+)`")


async def issue(api: Api, user: str = ADA) -> dict:
    return await api.json("POST", "/api/tokens", 201, json={"user_id": user})


async def status_with(api: Api, token: str) -> int:
    return (await api.call("GET", "/api/tasks", token=token)).status


# -- expiry -----------------------------------------------------------------------------------


async def test_a_token_is_refused_as_expired_after_90_days(store):
    clock = FakeClock(NOW)
    async with serving(store, clock=clock) as api:
        issued = await issue(api)
        assert issued["expires_at"] == (NOW + timedelta(days=90)).isoformat()
        clock.advance(days=89, hours=23)
        assert await status_with(api, issued["token"]) == 200
        clock.advance(hours=1)
        response = await api.call("GET", "/api/tasks", token=issued["token"])
        assert response.status == 401 and await response.json() == {"error": "Token expired"}
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
        # A token that never existed still says so, not "expired".
        assert (await api.json("GET", "/api/tasks", 401, token="avn_" + "x" * 43)) == {"error": "Invalid token"}


async def test_the_token_lifetime_setting_shortens_it(store):
    clock = FakeClock(NOW)
    async with serving(store, clock=clock, AVANOCHI_TOKEN_DAYS="7") as api:
        issued = await issue(api)
        assert issued["expires_at"] == (NOW + timedelta(days=7)).isoformat()
        clock.advance(days=7)
        assert await api.json("GET", "/api/tasks", 401, token=issued["token"]) == {"error": "Token expired"}


# -- last use, list, revoke ------------------------------------------------------------------


async def test_the_list_shows_dates_and_last_use_but_no_secret(store):
    clock = FakeClock(NOW)
    async with serving(store, clock=clock) as api:
        issued = await issue(api)
        token = issued["token"]
        [listed] = await api.json("GET", "/api/tokens", 200, token=token)
        assert listed == {
            "id": issued["id"],
            "created_at": NOW.isoformat(),
            "expires_at": (NOW + timedelta(days=90)).isoformat(),
            "last_used_at": NOW.isoformat(),
        }  # this very request used it
        assert token not in str(listed) and digest(token) not in str(listed) and token[4:] not in str(listed)
        # The admin names the user; without one it is a 400, and another user has none.
        assert await api.json("GET", f"/api/tokens?user_id={ADA}", 200) == [listed]
        await api.json("GET", "/api/tokens", 400)
        assert await api.json("GET", f"/api/tokens?user_id={BOB}", 200) == []
        await api.json("GET", f"/api/tokens?user_id={BOB}", 403, token=token)


async def test_last_use_is_written_at_most_once_an_hour(store):
    clock = FakeClock(NOW)
    async with serving(store, clock=clock) as api:
        token = (await issue(api))["token"]
        assert await status_with(api, token) == 200  # first use: noted
        replaces = store.operations.by_kind.get("replace", 0)
        for minutes in (5, 30, 59):
            clock.set(NOW + timedelta(minutes=minutes))
            assert await status_with(api, token) == 200
        assert store.operations.by_kind.get("replace", 0) == replaces  # reads only
        [listed] = await api.json("GET", "/api/tokens", 200, token=token)
        assert listed["last_used_at"] == NOW.isoformat()
        clock.set(NOW + timedelta(minutes=61))
        [listed] = await api.json("GET", "/api/tokens", 200, token=token)
        assert listed["last_used_at"] == (NOW + timedelta(minutes=61)).isoformat()


async def test_a_user_revokes_their_token_by_id_and_not_someone_elses(api):
    ada, bob = await issue(api, ADA), await issue(api, BOB)
    # Bob's id is "not found" to Ada, whatever it is; so is an id that never was.
    await api.json("DELETE", f"/api/tokens/{bob['id']}", 404, token=ada["token"])
    await api.json("DELETE", "/api/tokens/nothing-like-it", 404, token=ada["token"])
    await api.json("DELETE", f"/api/tokens/{bob['id']}?user_id={BOB}", 403, token=ada["token"])
    assert await status_with(api, bob["token"]) == 200
    response = await api.call("DELETE", f"/api/tokens/{ada['id']}", token=ada["token"])
    assert response.status == 204
    assert await status_with(api, ada["token"]) == 401
    # The admin revokes by naming the user.
    await api.json("DELETE", f"/api/tokens/{bob['id']}", 400)
    assert (await api.call("DELETE", f"/api/tokens/{bob['id']}?user_id={BOB}")).status == 204
    assert await status_with(api, bob["token"]) == 401
    assert await api.json("GET", f"/api/tokens?user_id={BOB}", 200) == []


async def test_openapi_describes_listing_and_revoking_tokens(api):
    spec = await api.json("GET", "/api/openapi.json", 200, token=None)
    assert {"get", "post"} <= set(spec["paths"]["/api/tokens"])
    assert "delete" in spec["paths"]["/api/tokens/{id}"]
    assert set(spec["components"]["schemas"]["TokenInfo"]["properties"]) == {
        "id",
        "created_at",
        "expires_at",
        "last_used_at",
    }


# -- one token per user, however many are asked for at once ------------------------------------


async def working(api: Api, tokens: list[str]) -> list[str]:
    statuses = await asyncio.gather(*(status_with(api, token) for token in tokens))
    assert set(statuses) <= {200, 401}
    return [token for token, status in zip(tokens, statuses, strict=True) if status == 200]


async def test_ten_concurrent_issues_over_http_leave_exactly_one_working_token(api):
    old = (await issue(api))["token"]
    issued = await asyncio.gather(*(issue(api) for _ in range(10)))
    tokens = [body["token"] for body in issued]
    assert len(set(tokens)) == 10
    [survivor] = await working(api, tokens + [old])
    [listed] = await api.json("GET", "/api/tokens", 200, token=survivor)
    assert listed["id"] == next(body["id"] for body in issued if body["token"] == survivor)


async def test_ten_concurrent_issues_on_the_store_leave_one_token_and_nothing_else(store):
    services = Services.build(Repositories(store), FakeClock(NOW))
    tokens = await asyncio.gather(*(services.tokens.issue(ADA) for _ in range(10)))
    owners = [await services.tokens.owner_of(token) for token in tokens]
    assert owners.count(ADA) == 1 and owners.count(None) == 9
    # The losers cleaned up after themselves: one token document is left, the one listed.
    stored = await Repositories(store).api_tokens.find(ApiToken.PARTITION, [Condition("owner", "=", ADA)])
    assert [record.digest for record in stored] == [digest(tokens[owners.index(ADA)])]


async def test_tokens_asked_for_in_chat_and_over_rest_at_once_leave_one_working_none_lasting(slack):
    """Both ways in share the one atomic issue. (Chat turns of a user run one at a time, so
    the overlap here is chat against REST; the two tests above pin the race down.)"""
    since = len(slack.api.calls)
    results = await asyncio.gather(
        *(issue(slack.rest) for _ in range(5)), *(slack.workspace.dm("token") for _ in range(5))
    )
    from_rest = [body["token"] for body in results[:5]]
    said = await slack.api.wait_for("chat.postEphemeral", count=5, since=since, where=lambda call: "avn_" in call.text)
    from_chat = tokens_in(said)
    assert len(set(from_rest + from_chat)) == 10
    assert len(await working(slack.rest, from_rest + from_chat)) == 1
    assert not tokens_in(slack.api.calls_to("chat.postMessage", "chat.update"))


# -- who may get one --------------------------------------------------------------------------

GUID = "72f988bf-86f1-41af-91ab-2d7cd011db47"


async def test_the_admin_cannot_mint_tokens_for_malformed_user_ids(api):
    for user_id in (
        "alice",
        "u-log",
        "slack:T1:ALICE",
        "slack:t0team:u1",
        "slack:T0TEAM",
        "SLACK:T0TEAM:U1",
        "slack:T0TEAM:U1:more",
        "msteams:tenant-1:aad-1",
        f"msteams:{GUID}:bob",
        42,
        None,
        "",
    ):
        body = await api.json("POST", "/api/tokens", 400, json={"user_id": user_id})
        assert "user_id" in body["error"]
    for user_id in ("slack:E0ORG:W0ADA", f"msteams:{GUID}:{GUID}", f"msteams:{GUID}:29:1AbC-dEf"):
        assert (await issue(api, user_id))["user_id"] == user_id


# -- chat -------------------------------------------------------------------------------------


def tokens_in(calls, where: Callable = lambda call: True) -> list[str]:
    return [match.group(1) for call in calls if where(call) for match in [TOKEN_IN_TEXT.search(call.text)] if match]


async def test_a_token_asked_for_in_the_slack_dm_is_ephemeral(slack):
    await slack.workspace.say("token", count=2)
    [shown] = [call for call in slack.api.calls_to("chat.postEphemeral") if "avn_" in call.text]
    assert shown.body["channel"] == "D1" and shown.body["user"] == "U1"
    assert not [call for call in slack.api.calls if call.method != "chat.postEphemeral" and "avn_" in str(call.body)]
    [token] = tokens_in([shown])
    assert await status_with(slack.rest, token) == 200


@pytest.mark.parametrize("words", ["token revoke", "revoke my token"])
async def test_token_revoke_in_chat_ends_the_token_with_a_confirmation(slack, words):
    await slack.workspace.say("token", count=2)
    [token] = tokens_in(slack.api.calls_to("chat.postEphemeral"))
    since = len(slack.api.calls)
    [confirmation] = await slack.workspace.say(words)
    assert "no longer works" in confirmation.text and "avn_" not in confirmation.text
    assert await status_with(slack.rest, token) == 401
    assert not tokens_in(slack.api.calls[since:])  # no new token came with it
    [again] = await slack.workspace.say(words)
    assert "nothing to revoke" in again.text


async def test_token_with_words_it_does_not_know_hands_out_no_secret(slack):
    [hint, _] = await slack.workspace.say("token for my script please", count=2)
    assert "token revoke" in hint.text
    assert not tokens_in(slack.api.calls)
