"""Bounded work for every caller: a guessable admin token refused at start-up."""
from __future__ import annotations

import pytest

from persistence.credentials import CredentialManager, Settings
from tests.integration.conftest import ADMIN_TOKEN


# -- settings --------------------------------------------------------------------------------

def load(**values: str) -> Settings:
    return Settings.load(CredentialManager(values, env_file=None))


def test_an_admin_token_shorter_than_32_characters_is_refused_at_start_up():
    with pytest.raises(SystemExit, match="at least 32 characters"):
        load(AVANOCHI_ADMIN_TOKEN="test-admin-token-0123456789")
    assert len(ADMIN_TOKEN) >= 32 and load(AVANOCHI_ADMIN_TOKEN=ADMIN_TOKEN).admin_token == ADMIN_TOKEN
