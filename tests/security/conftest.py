"""Security regressions drive the real HTTP endpoints: the same harnesses as the integration tests."""

from tests.fake_slack import slack  # noqa: F401
from tests.integration.conftest import api  # noqa: F401
