"""Focus status: with the user's consent, a focus session shows in their Slack status (and holds
their notifications) or in their Teams presence, and what was there before comes back when it
ends. Driven over real HTTP against the fake Slack Web API (OAuth with user scopes, users.profile,
dnd, auth.revoke) and a fake of Microsoft Graph's token and presence endpoints."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import ClientSession, CookieJar
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet

from app import CONTAINER_KEY, build_app, build_focus_status
from bot.adapters.slack.adapter import MANIFEST
from domain.clock import FakeClock
from persistence.port import DocumentMissing
from persistence.slack_installations import TokenCipher
from tests.conformance.drivers import FlakyStore, console_driver
from tests.fake_connector import teams_world, visible_text
from tests.fake_slack import NOW, TEAM, Call, FakeSlackApi, Workspace
from tests.integration.conftest import Api, make_settings, slack_oauth_settings
from tools.fakes.graph import TENANT, FakeGraph

KEY = Fernet.generate_key().decode()
BOT = "xoxb-team-0001-secret"
PERSONAL = "xoxp-ada-0001-secret"
ADA = f"slack:{TEAM}:U1"
STATUS_CALLS = ("users.profile.get", "users.profile.set", "dnd.setSnooze", "dnd.endSnooze", "dnd.info", "auth.revoke")
USER_SCOPES = "dnd:read,dnd:write,users.profile:read,users.profile:write"
ADA_AAD = "0a0a0a0a-1111-2222-3333-444444444444"


@dataclass
class SlackWorld:
    fake: FakeSlackApi
    base: str
    browser: ClientSession
    rest: Api
    clock: FakeClock
    app: object
    workspace: Workspace  # one, so its event ids never repeat (a repeat is dropped as a redelivery)

    async def settle(self) -> None:
        """The status work the last turns scheduled (it runs off the turn's path) is done."""
        await self.app[CONTAINER_KEY].focus_status.drain()  # type: ignore[index]

    async def say(self, text: str, count: int = 1) -> list[Call]:
        return await self.workspace.say(text, count=count)

    async def install(self, code: str, path: str = "/slack/install") -> tuple[dict[str, list[str]], int, str]:
        """Press the install link, approve on Slack's page (``code``), come back."""
        async with self.browser.get(self.base + path, allow_redirects=False) as response:
            assert response.status == 302, response.status
            query = parse_qs(urlsplit(response.headers["Location"]).query)
        back = self.base + "/slack/oauth_redirect"
        async with self.browser.get(back, params={"state": query["state"][0], "code": code}) as response:
            return query, response.status, await response.text()

    async def consent(self) -> None:
        """Ada says 'focus status on' and approves the user scopes at the link she is given."""
        [reply] = await self.say("focus status on")
        link = next(word for word in reply.text.split() if "/slack/install" in word)
        code = self.fake.grant(TEAM, "Team", BOT, "U1", user_token=PERSONAL, user_scope=USER_SCOPES)
        _, status, page = await self.install(code, urlsplit(link).path + "?" + urlsplit(link).query)
        assert status == 200 and "Focus status is on" in page, page

    async def focusing(self, previous: tuple[str, str] | None = None) -> None:
        """A 25-minute focus from 10:00 with consent given, over the status ``previous``
        (text, emoji) when one is given; its status is up when this returns."""
        if previous is not None:
            self.fake.status_of("U1").update(status_text=previous[0], status_emoji=previous[1])
        await self.say("focus 25")
        await self.settle()
        assert self.fake.status_of("U1")["status_text"] == "Focusing until 10:25"

    def status_calls(self, since: int = 0) -> list[Call]:
        return [call for call in self.fake.calls[since:] if call.method in STATUS_CALLS]


@asynccontextmanager
async def slack_oauth_world(store) -> AsyncIterator[SlackWorld]:
    fake = FakeSlackApi()
    await fake.start()
    fake.add_user("U1", "Ada Lovelace", "Europe/Madrid")
    clock = FakeClock(NOW)
    fake.now = lambda: clock.now().timestamp()
    settings = slack_oauth_settings(fake, KEY)
    app = build_app(settings, store=store, clock=clock)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    try:
        async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as browser:
            workspace = Workspace(browser, base + "/slack/events", fake)
            world = SlackWorld(fake, base, browser, Api(browser, base), clock, app, workspace)
            _, status, page = await world.install(fake.grant(TEAM, "Team", BOT, "U1"))  # the workspace's admin
            assert status == 200, page
            yield world
    finally:
        await server.close()
        await fake.close()


async def test_focus_status_on_asks_for_the_user_scopes_in_slacks_consent_and_keeps_the_token_sealed(store):
    async with slack_oauth_world(store) as world:
        [reply] = await world.say("focus status on")
        link = next(word for word in reply.text.split() if "/slack/install" in word)
        code = world.fake.grant(TEAM, "Team", BOT, "U1", user_token=PERSONAL, user_scope=USER_SCOPES)

        query, status, page = await world.install(code, urlsplit(link).path + "?" + urlsplit(link).query)

        assert status == 200 and "Focus status is on" in page
        assert sorted(query["user_scope"][0].split(",")) == USER_SCOPES.split(",")
        assert "chat:write" in query["scope"][0]
        doc = await store.read(ADA, "focus_status")
        assert PERSONAL not in str(doc) and "xoxp-" not in str(doc)
        assert TokenCipher(KEY).open(doc["grant"]["token"]) == PERSONAL
        # The plain install page asks for no user scopes: nobody grants them by accident.
        async with world.browser.get(world.base + "/slack/install", allow_redirects=False) as response:
            assert "user_scope" not in parse_qs(urlsplit(response.headers["Location"]).query)


async def test_a_focus_sets_the_status_until_its_end_snoozes_notifications_and_focus_stop_puts_them_back(store):
    async with slack_oauth_world(store) as world:
        await world.consent()
        world.fake.status_of("U1").update(status_text="Commuting", status_emoji=":train:")
        since = len(world.fake.calls)

        [started] = await world.say("focus 25")
        assert "until 10:25" in started.text  # the user's time (UTC until they say)
        await world.settle()

        [shown] = world.fake.calls_to("users.profile.set")
        end = int((NOW + timedelta(minutes=25)).timestamp())
        assert shown.body["profile"] == {
            "status_text": "Focusing until 10:25",
            "status_emoji": ":tomato:",
            "status_expiration": end,
        }
        [snooze] = world.fake.calls_to("dnd.setSnooze")
        assert snooze.body["num_minutes"] == "25"
        assert {call.token for call in world.status_calls(since)} == {PERSONAL}

        world.clock.advance(minutes=10)
        [stopped] = await world.say("focus stop")  # stopped early: the status goes all the same
        assert "Stopped after 10 of 25 min" in stopped.text
        await world.settle()

        assert world.fake.status_of("U1") == {
            "status_text": "Commuting",
            "status_emoji": ":train:",
            "status_expiration": 0,
        }
        assert len(world.fake.calls_to("dnd.endSnooze")) == 1 and "U1" not in world.fake.snoozes


async def test_the_previous_status_comes_back_at_the_planned_end_through_the_reminder_run(store):
    async with slack_oauth_world(store) as world:
        await world.consent()
        await world.focusing(("In Lisbon", ":palm_tree:"))

        at = world.clock.advance(minutes=26)
        await world.rest.json("POST", "/api/reminders/run", 200, json={"now": at.isoformat()})
        await world.settle()

        assert world.fake.status_of("U1")["status_text"] == "In Lisbon"
        assert world.fake.status_of("U1")["status_emoji"] == ":palm_tree:"
        # The snooze ran out by itself: nothing of the user's is ended.
        assert world.fake.calls_to("dnd.endSnooze") == []


async def test_with_reminders_off_the_previous_status_still_comes_back_when_the_focus_runs_out(store):
    async with slack_oauth_world(store) as world:
        await world.consent()
        [off] = await world.say("reminders off")  # no focus-end nudge comes now
        assert "off" in off.text.lower()
        await world.focusing(("In Lisbon", ":palm_tree:"))

        said = len(world.fake.replies())
        at = world.clock.advance(minutes=26)  # nobody says 'focus stop'
        await world.rest.json("POST", "/api/reminders/run", 200, json={"now": at.isoformat()})
        await world.settle()

        assert len(world.fake.replies()) == said  # no focus-end nudge came
        assert world.fake.status_of("U1")["status_text"] == "In Lisbon"
        assert world.fake.status_of("U1")["status_emoji"] == ":palm_tree:"
        sets = len(world.fake.calls_to("users.profile.set"))
        assert sets == 2  # ours, then theirs back
        # Done once: later passes (and the focus stopped late) change nothing more.
        later = world.clock.advance(minutes=5)
        await world.rest.json("POST", "/api/reminders/run", 200, json={"now": later.isoformat()})
        await world.say("focus stop")
        await world.settle()
        assert len(world.fake.calls_to("users.profile.set")) == sets
        assert (await store.read(ADA, "focus_status"))["shown"] is None


async def test_two_instances_at_the_planned_end_put_the_status_back_once(store):
    async with slack_oauth_world(store) as world:
        await world.consent()
        await world.focusing(("Commuting", ":train:"))
        container = world.app[CONTAINER_KEY]  # type: ignore[index]
        other = build_focus_status(container.settings, store, world.clock)  # a second instance, same store
        since = len(world.fake.calls)

        at = world.clock.advance(minutes=26)
        await asyncio.gather(container.focus_status.sweep(at), other.sweep(at))
        await asyncio.gather(container.focus_status.drain(), other.drain())
        await other.close()

        assert len(world.fake.calls_to("users.profile.set")[1:]) == 1
        assert len([call for call in world.fake.calls[since:] if call.method == "users.profile.get"]) == 1
        assert world.fake.status_of("U1")["status_text"] == "Commuting"


async def test_deleting_my_data_during_a_focus_gives_slack_the_token_back_and_puts_the_status_back(store):
    async with slack_oauth_world(store) as world:
        await world.consent()
        await world.focusing(("Commuting", ":train:"))

        [question] = await world.say("delete my data")
        [gone] = await world.workspace.click(question, "Delete everything")

        assert "deleted" in gone.text
        [revoke] = world.fake.calls_to("auth.revoke")
        assert revoke.token == PERSONAL and PERSONAL not in world.fake.tokens
        assert world.fake.status_of("U1")["status_text"] == "Commuting"
        with pytest.raises(DocumentMissing):
            await store.read(ADA, "focus_status")


async def test_deleting_my_data_goes_through_when_slack_fails_to_revoke_the_token(store):
    async with slack_oauth_world(store) as world:
        await world.consent()
        await world.focusing()
        world.fake.fail("auth.revoke", status=500, times=5)
        world.fake.fail("users.profile.get", status=500, times=5)

        [question] = await world.say("delete my data")
        [gone] = await world.workspace.click(question, "Delete everything")

        assert "deleted" in gone.text
        assert {call.token for call in world.fake.calls_to("auth.revoke")} == {PERSONAL}  # tried, at least
        with pytest.raises(DocumentMissing):
            await store.read(ADA, "focus_status")


async def test_the_focus_reply_does_not_wait_for_slack_and_a_failing_slack_breaks_nothing(store):
    async with slack_oauth_world(store) as world:
        await world.consent()
        world.fake.slow("users.profile.get", 3)  # Slack having a slow moment

        [started] = await world.say("focus 25")

        assert "Focus for 25 min" in started.text
        assert world.fake.calls_to("users.profile.set") == []  # the reply came first
        await world.settle()
        assert len(world.fake.calls_to("users.profile.set")) == 1

        world.fake.fail("users.profile.get", status=500, times=5)
        [stopped] = await world.say("focus stop")
        await world.settle()
        assert "Stopped after" in stopped.text
        doc = await store.read(ADA, "focus_status")
        assert doc["on"] is True and doc["grant"]  # an outage is no withdrawn consent
        assert not [call for call in world.fake.replies() if "can no longer" in call.text]


async def test_a_status_the_user_changed_during_the_focus_is_left_alone(store):
    async with slack_oauth_world(store) as world:
        await world.consent()
        await world.focusing()
        world.fake.status_of("U1").update(status_text="Lunch", status_emoji=":sandwich:")

        await world.say("focus cancel")
        await world.settle()

        assert world.fake.status_of("U1")["status_text"] == "Lunch"
        assert len(world.fake.calls_to("users.profile.set")) == 1  # ours, at the start only


async def test_a_revoked_token_is_forgotten_quietly_and_the_user_is_told_once(store):
    async with slack_oauth_world(store) as world:
        await world.consent()
        world.fake.withdraw(PERSONAL)

        [started] = await world.say("focus 25")
        assert "Focus for 25 min" in started.text
        await world.settle()

        notices = [call for call in world.fake.replies() if "can no longer change your status" in call.text]
        assert len(notices) == 1 and notices[0].token == BOT
        doc = await store.read(ADA, "focus_status")
        assert doc["grant"] == {} and doc["on"] is False
        since = len(world.fake.calls)
        await world.say("focus stop")
        await world.say("focus 15")
        await world.settle()
        assert world.status_calls(since) == []
        assert len([call for call in world.fake.replies() if "can no longer change your status" in call.text]) == 1


async def test_focus_status_off_puts_the_status_back_and_offers_to_revoke_the_token(store):
    async with slack_oauth_world(store) as world:
        await world.consent()
        await world.focusing()

        [off] = await world.say("focus status off")
        await world.settle()
        assert world.fake.status_of("U1")["status_text"] == ""
        [revoked] = await world.workspace.click(off, "Revoke access")

        assert "no longer have any access" in revoked.text
        [revoke] = world.fake.calls_to("auth.revoke")
        assert revoke.token == PERSONAL and PERSONAL not in world.fake.tokens
        assert (await store.read(ADA, "focus_status"))["grant"] == {}
        since = len(world.fake.calls)
        await world.say("focus stop")
        await world.say("focus 25")
        await world.settle()
        assert world.status_calls(since) == []


async def test_without_consent_a_focus_makes_no_status_calls_at_all(store):
    async with slack_oauth_world(store) as world:
        await world.say("focus 25")
        world.clock.advance(minutes=26)
        await world.say("focus stop")
        await world.settle()

        assert world.status_calls() == []


def test_both_slack_manifests_ask_for_the_same_user_scopes():
    import json

    over_http = json.loads(MANIFEST.read_text(encoding="utf-8"))["oauth_config"]["scopes"]
    socket = json.loads(MANIFEST.with_name("manifest.socket-mode.json").read_text(encoding="utf-8"))
    assert sorted(over_http["user"]) == USER_SCOPES.split(",")
    assert sorted(socket["oauth_config"]["scopes"]["user"]) == sorted(over_http["user"])


# -- Teams: presence through Microsoft Graph -------------------------------------------------


@asynccontextmanager
async def graph_world(store):
    graph = FakeGraph()
    await graph.start()
    try:
        async with teams_world(make_settings(**graph.settings()), store) as world:
            yield world, graph, world.chat_as(tenant=TENANT, aad=ADA_AAD)
    finally:
        await graph.close()


def said(activities: list[dict]) -> str:
    return "\n".join(visible_text(activity) for activity in activities)


def test_graph_settings_go_together_and_its_urls_must_be_http():
    graph = FakeGraph()
    graph.root = "http://127.0.0.1:1"  # not started: only its settings are read
    assert make_settings(**graph.settings()).graph_enabled
    with pytest.raises(SystemExit, match="go together"):
        make_settings(GRAPH_TENANT_ID=TENANT, GRAPH_CLIENT_ID=graph.client_id)
    with pytest.raises(SystemExit, match="GRAPH_AUTHORITY_URL"):
        make_settings(GRAPH_AUTHORITY_URL="login.microsoftonline.com")
    assert not make_settings().graph_enabled


async def test_teams_presence_shows_focusing_through_graph_and_is_cleared_when_the_focus_ends(store):
    async with graph_world(store) as (world, graph, chat):
        assert "Focus status on" in said(await chat.say("focus status on"))
        await chat.say("focus 25")
        await world.app[CONTAINER_KEY].focus_status.drain()

        [token] = graph.calls_to("token")
        assert token.body["grant_type"] == "client_credentials" and token.body["client_id"] == graph.client_id
        [shown] = graph.calls_to("setPresence")
        assert shown.user == ADA_AAD
        assert shown.body == {
            "sessionId": graph.client_id,
            "availability": "DoNotDisturb",
            "activity": "Presenting",
            "expirationDuration": "PT25M",
        }

        world.clock.advance(minutes=20)
        await chat.say("focus stop")
        await world.app[CONTAINER_KEY].focus_status.drain()

        [cleared] = graph.calls_to("clearPresence")
        assert cleared.user == ADA_AAD and cleared.body == {"sessionId": graph.client_id}
        assert graph.presence[ADA_AAD] == {}


async def test_teams_without_consent_or_with_a_withdrawn_permission_costs_no_more_graph_calls(store):
    async with graph_world(store) as (world, graph, chat):
        await chat.say("focus 25")
        await chat.say("focus cancel")
        await world.app[CONTAINER_KEY].focus_status.drain()
        assert graph.calls == []  # not even a token

        await chat.say("focus status on")
        graph.refusing = 403  # the tenant's admin took the app's permission back
        [started] = await chat.say("focus 25") or [{}]
        await world.app[CONTAINER_KEY].focus_status.drain()

        assert "Focus for 25 min" in visible_text(started)
        told = [a for a in world.connector.activities if "can no longer change your status" in visible_text(a)]
        assert len(told) == 1
        before = len(graph.calls)
        await chat.say("focus stop")
        await chat.say("focus 15")
        await world.app[CONTAINER_KEY].focus_status.drain()
        assert len(graph.calls) == before


async def test_the_terminal_chat_says_it_has_no_focus_status_and_help_says_so(store, tmp_path):
    async with console_driver(FlakyStore(store), tmp_path / "files") as console:
        [reply, *_] = await console.say("focus status on")
        assert "can't show a focus status here" in reply.text
        [help_reply, *_] = await console.say("help focus")
        assert "focus status on|off" in help_reply.text and "not in the terminal" in help_reply.text
