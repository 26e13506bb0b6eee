"""Unit-test fixtures: the services over the in-memory store, with a clock that moves only when told."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.clock import FakeClock
from domain.services import Services
from persistence.repositories import Repositories
from tests.fakes import InMemoryDocumentStore

START = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning
USER = "slack:T1:U1"
OTHER = "msteams:tenant:other"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(START)


@pytest.fixture
def store() -> InMemoryDocumentStore:
    # Overrides the SQLite/Cosmos `store` of tests/conftest.py: unit tests never touch either.
    return InMemoryDocumentStore()


@pytest.fixture
def repos(store: InMemoryDocumentStore) -> Repositories:
    return Repositories(store)


@pytest.fixture
def services(repos: Repositories, clock: FakeClock) -> Services:
    return Services.build(repos, clock)
