"""Logs stay quiet and private: LOG_LEVEL=DEBUG never prints what a user typed (Slack, Teams), and
junk posted to /slack/events is refused with a 4xx and at most a warning line a minute, never a
traceback."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator

import pytest

from app import configure_logging
from tests.conftest import opened_store
from tests.fake_connector import teams_world, visible_text
from tests.integration.conftest import make_settings

U1 = "slack:T0TEAM:U1"
TYPED_IN_CHAT = "Zebra-Secret-4711"
SENT_TO_REST = "Okapi-Secret-0815"
REPLAYED_LATE = "Lynx-Secret-2222"


class Capture(logging.Handler):
    """Every record any logger lets through, as a line could show it (message, fields, traceback)."""

    def __init__(self) -> None:
        super().__init__(logging.NOTSET)
        self.records: list[logging.LogRecord] = []
        self._format = logging.Formatter("%(levelname)s %(name)s %(message)s")

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        return "\n".join(self._format.format(record) + " " + repr(record.__dict__) for record in self.records)


@pytest.fixture
def logged() -> Iterator[Capture]:
    """LOG_LEVEL=DEBUG as ``python app.py`` sets it up, before the app is built, with a handler on
    the root that sees whatever any logger emits. Logging is put back as it was afterwards."""
    root = logging.getLogger()
    loggers = [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]
    levels = {logger: logger.level for logger in loggers if isinstance(logger, logging.Logger)}
    handlers, root_level = root.handlers[:], root.level
    configure_logging("DEBUG")
    capture = Capture()
    root.addHandler(capture)
    try:
        yield capture
    finally:
        root.handlers[:] = handlers
        root.setLevel(root_level)
        for logger in [logging.getLogger(name) for name in list(logging.root.manager.loggerDict)]:
            if isinstance(logger, logging.Logger):
                logger.setLevel(levels.get(logger, logging.NOTSET))


async def test_debug_logging_never_prints_what_a_user_typed(logged, slack):
    workspace = slack.workspace
    await workspace.say(f"add {TYPED_IN_CHAT} plan", count=2)  # the reply and the first-contact question
    await slack.rest.json("POST", "/api/tasks", 201, json={"user_id": U1, "title": f"{SENT_TO_REST} plan"})
    # A real message of the user that arrives too late is refused, and its body not logged either.
    assert (await workspace.dm(f"add {REPLAYED_LATE}", timestamp=int(time.time()) - 6 * 60)).status == 401
    titles = [task["title"] for task in await slack.rest.json("GET", f"/api/tasks?user_id={U1}", 200)]
    assert sorted(titles) == sorted([f"{TYPED_IN_CHAT} plan", f"{SENT_TO_REST} plan"])

    assert any(record.name == "avanochi.access" for record in logged.records)  # the capture works
    everything = logged.text().lower()
    for secret in (TYPED_IN_CHAT, SENT_TO_REST, REPLAYED_LATE):
        assert secret.lower() not in everything


async def test_junk_posted_to_slack_events_gets_4xx_and_one_quiet_warning(logged, slack):
    workspace = slack.workspace
    url = workspace.url
    logged.records.clear()  # what building the app said is not the junk's doing
    stamp = str(int(time.time()))
    unsigned = [
        (b"garbage", {}),
        (b"{not json", {"Content-Type": "application/json"}),
        (bytes(range(256)) * 4, {"Content-Type": "application/octet-stream"}),
        (
            b"payload=%7Bbad",
            {
                "Content-Type": "application/x-www-form-urlencoded",
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": "v0=00",
            },
        ),
        (
            b"{}",
            {
                "Content-Type": "application/json",
                "X-Slack-Request-Timestamp": "not-a-number",
                "X-Slack-Signature": "v0=00",
            },
        ),
    ]
    statuses = []
    for n in range(50):
        body, headers = unsigned[n % len(unsigned)]
        async with workspace.session.post(url, data=body, headers=headers) as response:
            statuses.append(response.status)
            assert "error" in await response.json()
    assert set(statuses) == {401}

    # Signed with the real secret, yet not what Slack sends: only a broken client does that.
    signed_junk = [
        (b"{not json", "application/json"),
        (b"payload=%7Bbad", "application/x-www-form-urlencoded"),
        (b"[1, 2]", "application/json"),
        (b'"a string"', "application/json"),
    ]
    for body, content_type in signed_junk * 3:
        response = await workspace.post(body, content_type)
        assert response.status == 400, body
    # A body that is not UTF-8 cannot even be checked against its signature (Slack signs text).
    assert (await workspace.post(bytes(range(256)), "application/octet-stream")).status == 401

    everything = logged.text()
    assert "Traceback" not in everything
    assert not [record for record in logged.records if record.levelno >= logging.ERROR]
    warnings = [record for record in logged.records if record.levelno == logging.WARNING]
    assert len(warnings) <= 2, [record.getMessage() for record in warnings]


async def test_debug_logging_never_prints_what_a_teams_user_typed(logged, tmp_path):
    async with opened_store("sqlite", tmp_path) as store, teams_world(make_settings(), store) as world:
        chat = world.chat
        replies = await chat.say(f"add {TYPED_IN_CHAT} plan")
        assert TYPED_IN_CHAT in visible_text(replies[0])
        # An activity the SDK's models refuse (a mention of someone who is a string, not an
        # account) is a 400; the SDK itself would log it at ERROR with the refused value.
        status, body = await chat.post(
            chat.activity(
                f"add {REPLAYED_LATE}", entities=[{"type": "mention", "text": "<at>x</at>", "mentioned": REPLAYED_LATE}]
            )
        )
        assert status == 400 and "error" in body

    assert any(record.name == "avanochi.access" for record in logged.records)  # the capture works
    everything = logged.text().lower()
    for secret in (TYPED_IN_CHAT, REPLAYED_LATE):
        assert secret.lower() not in everything
