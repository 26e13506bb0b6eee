"""The document-store contract of tests/integration, run on the in-memory fake the unit tests use."""

from __future__ import annotations

import pytest

from tests.fakes import InMemoryDocumentStore
from tests.integration.test_store_contract import *  # noqa: F403  (the contract's tests, collected here too)


@pytest.fixture
def store() -> InMemoryDocumentStore:
    return InMemoryDocumentStore()
