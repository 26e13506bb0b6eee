"""Personal tokens over their life: they expire, note their last use sparingly, list without
secrets, revoke by id, and only Slack or Teams user ids get one from the admin."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from api.shapes import token_body
from bot.language.parser import Command, parse
from domain.clock import FakeClock
from domain.entities import ApiToken
from domain.errors import NotFound, ValidationError
from domain.services import Services
from domain.services.tokens import TokenRejected, TokenService, digest
from domain.validation import clean_platform_user_id
from persistence.repositories import Repositories
from settings import CredentialManager, Settings
from tests.fakes import InMemoryDocumentStore
from tests.unit.conftest import OTHER, START, USER


def settings_with(**values: str) -> Settings:
    return Settings.load(CredentialManager(values, env_file=None))


def test_tokens_last_90_days_unless_told_otherwise() -> None:
    assert settings_with().token_days == 90
    assert settings_with(AVANOCHI_TOKEN_DAYS="7").token_days == 7


@pytest.mark.parametrize("days", ["0", "-3", "never", "1.5", "3651"])
def test_a_token_lifetime_of_zero_or_nonsense_stops_the_start(days: str) -> None:
    with pytest.raises(SystemExit, match="AVANOCHI_TOKEN_DAYS"):
        settings_with(AVANOCHI_TOKEN_DAYS=days)


def test_the_service_refuses_tokens_that_never_expire(repos: Repositories, clock: FakeClock) -> None:
    with pytest.raises(ValueError):
        TokenService(repos, clock, timedelta(0))


async def test_a_token_works_until_its_last_second_then_is_expired(services: Services, clock: FakeClock) -> None:
    token = await services.tokens.issue(USER)
    clock.advance(days=90, seconds=-1)
    assert (await services.tokens.authenticate(token)).owner == USER
    clock.advance(seconds=1)
    with pytest.raises(TokenRejected, match="^Token expired$"):
        await services.tokens.authenticate(token)
    assert await services.tokens.owner_of(token) is None


async def test_the_lifetime_comes_from_the_setting(repos: Repositories, clock: FakeClock) -> None:
    tokens = Services.build(repos, clock, token_lifetime=timedelta(days=7)).tokens
    issued = await tokens.grant(USER)
    assert issued.info.expires_at == START + timedelta(days=7)
    clock.advance(days=7)
    with pytest.raises(TokenRejected, match="expired"):
        await tokens.authenticate(issued.secret)


async def test_unknown_tokens_are_invalid_not_expired(services: Services) -> None:
    with pytest.raises(TokenRejected, match="^Invalid token$"):
        await services.tokens.authenticate("avn_" + "x" * 43)


async def test_tokens_from_before_expiry_existed_count_as_expired(
    services: Services, store: InMemoryDocumentStore
) -> None:
    token = "avn_" + "L" * 43
    await store.create(
        {
            "id": digest(token),
            "user_id": ApiToken.PARTITION,
            "type": "api_token",
            "owner": USER,
            "created_at": START.isoformat(),
            "rollup_pending": None,
        }
    )
    with pytest.raises(TokenRejected, match="expired"):
        await services.tokens.authenticate(token)
    assert await services.tokens.revoke_all(USER) is False  # no current token, but the old one goes
    with pytest.raises(TokenRejected, match="Invalid"):
        await services.tokens.authenticate(token)


async def test_authenticating_is_one_read_and_notes_the_use_once_an_hour(
    services: Services, store: InMemoryDocumentStore, clock: FakeClock
) -> None:
    token = await services.tokens.issue(USER)
    store.operations.reset()
    await services.tokens.authenticate(token)
    assert (store.operations.reads, store.operations.writes) == (1, 1)  # first use noted
    [info] = await services.tokens.list_tokens(USER)
    assert info.last_used_at == START
    for minutes in (1, 30, 59):
        clock.set(START + timedelta(minutes=minutes))
        store.operations.reset()
        await services.tokens.authenticate(token)
        assert (store.operations.reads, store.operations.writes, store.operations.queries) == (1, 0, 0)
    clock.set(START + timedelta(minutes=61))
    await services.tokens.authenticate(token)
    [info] = await services.tokens.list_tokens(USER)
    assert info.last_used_at == START + timedelta(minutes=61)


async def test_the_list_names_the_token_without_its_secret_or_digest(services: Services) -> None:
    assert await services.tokens.list_tokens(USER) == []
    issued = await services.tokens.grant(USER)
    [info] = await services.tokens.list_tokens(USER)
    assert info == issued.info
    assert (info.created_at, info.expires_at, info.last_used_at) == (START, START + timedelta(days=90), None)
    shown = json.dumps(token_body(info))
    assert issued.secret not in shown and issued.secret[4:] not in shown and digest(issued.secret) not in shown
    assert await services.tokens.list_tokens(OTHER) == []


async def test_revoking_by_id_ends_the_token_and_only_for_its_user(services: Services) -> None:
    issued = await services.tokens.grant(USER)
    with pytest.raises(NotFound):
        await services.tokens.revoke(OTHER, issued.info.id)
    with pytest.raises(NotFound):
        await services.tokens.revoke(USER, "no-such-id")
    assert await services.tokens.owner_of(issued.secret) == USER
    await services.tokens.revoke(USER, issued.info.id)
    assert await services.tokens.owner_of(issued.secret) is None
    assert await services.tokens.list_tokens(USER) == []
    with pytest.raises(NotFound):
        await services.tokens.revoke(USER, issued.info.id)


async def test_revoke_all_says_whether_there_was_a_token(services: Services) -> None:
    assert await services.tokens.revoke_all(USER) is False
    token = await services.tokens.issue(USER)
    assert await services.tokens.revoke_all(USER) is True
    assert await services.tokens.owner_of(token) is None
    assert await services.tokens.owner_of(await services.tokens.issue(USER)) == USER  # and anew


GUID = "72f988bf-86f1-41af-91ab-2d7cd011db47"


@pytest.mark.parametrize(
    "user_id",
    [
        "slack:T0TEAM:U1",
        "slack:E0ORG:W0123ABC",
        f"msteams:{GUID}:{GUID}",
        f"msteams:{GUID}:29:1AbC-d_Ef.g=",
        f"msteams:local:{GUID}",
    ],
)
def test_slack_and_teams_user_ids_may_get_tokens(user_id: str) -> None:
    assert clean_platform_user_id(user_id) == user_id


@pytest.mark.parametrize(
    "user_id",
    [
        None,
        7,
        "",
        "alice",
        "u-log",
        "slack:T1:ALICE",
        "slack:t1:u1",
        "slack:T1",
        "slack:U1:T1",
        "slack:T1:U1:extra",
        "SLACK:T1:U1",
        "slack:T1:U1\u200b",
        "msteams:tenant-1:aad-1",
        f"msteams:{GUID}:bob",
        "msteams:local:bob",
        "msteams:local:29:",
        f"msteams:{GUID}",
        "teams:x:y",
        "slack:T" + "1" * 40 + ":U1",
    ],
)
def test_anything_else_is_refused_for_a_token(user_id: object) -> None:
    with pytest.raises(ValidationError, match="user_id"):
        clean_platform_user_id(user_id)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("token revoke", Command("token", "revoke")),
        ("revoke my token", Command("token_revoke")),
        ("revoke token", Command("token_revoke")),
        ("Revoke API token.", Command("token_revoke")),
    ],
)
def test_revoking_in_chat_is_understood(text: str, expected: Command) -> None:
    assert parse(text) == expected
