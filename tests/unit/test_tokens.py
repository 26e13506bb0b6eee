"""TokenService: personal REST tokens, stored only as a digest."""

from __future__ import annotations

import hashlib
import json

from domain.entities import ApiToken
from domain.services import Services
from domain.services.tokens import digest
from tests.fakes import InMemoryDocumentStore
from tests.unit.conftest import OTHER, START, USER


async def test_issue_gives_a_token_that_resolves_to_its_owner(services: Services) -> None:
    token = await services.tokens.issue(USER)
    assert token.startswith("avn_")
    assert len(token) >= 4 + 43  # 32 random bytes, base64url
    assert await services.tokens.owner_of(token) == USER


async def test_each_token_is_different(services: Services) -> None:
    tokens = {await services.tokens.issue(user) for user in (USER, OTHER)}
    assert len(tokens) == 2
    assert {await services.tokens.owner_of(t) for t in tokens} == {USER, OTHER}


async def test_a_new_token_revokes_the_old_one(services: Services) -> None:
    old = await services.tokens.issue(USER)
    new = await services.tokens.issue(USER)
    assert new != old
    assert await services.tokens.owner_of(old) is None
    assert await services.tokens.owner_of(new) == USER


async def test_issuing_for_one_user_leaves_other_users_tokens_alone(services: Services) -> None:
    theirs = await services.tokens.issue(OTHER)
    await services.tokens.issue(USER)
    await services.tokens.issue(USER)
    assert await services.tokens.owner_of(theirs) == OTHER


async def test_unknown_and_forged_tokens_resolve_to_nobody(services: Services) -> None:
    token = await services.tokens.issue(USER)
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    for candidate in ("", "avn_", "avn_" + "x" * 43, forged, token[4:], token.upper(), " " + token):
        assert await services.tokens.owner_of(candidate) is None, candidate


async def test_the_digest_itself_is_not_a_token(services: Services) -> None:
    token = await services.tokens.issue(USER)
    assert await services.tokens.owner_of(digest(token)) is None
    assert await services.tokens.owner_of("avn_" + digest(token)) is None


async def test_revoke_all_ends_every_token_of_the_user(services: Services) -> None:
    token = await services.tokens.issue(USER)
    await services.tokens.revoke_all(USER)
    assert await services.tokens.owner_of(token) is None


async def test_the_store_holds_only_the_digest(services: Services, store: InMemoryDocumentStore) -> None:
    token = await services.tokens.issue(USER)
    expected = hashlib.sha256(token.encode()).hexdigest()
    doc = await store.read(ApiToken.PARTITION, expected)
    assert (doc["owner"], doc["type"], doc["created_at"]) == (USER, "api_token", START.isoformat())
    everything = json.dumps([body for body, _ in store.documents.values()])
    assert token not in everything
    assert token[4:] not in everything  # not even without its prefix
