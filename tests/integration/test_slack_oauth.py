"""Avanochi installed into two Slack workspaces through OAuth v2 (the fake Slack plays the consent
page and oauth.v2.access): each workspace is answered with its own bot token, stored sealed;
uninstalling one deletes its token and keeps its users' data; a forged or replayed state
installs nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

import pytest
from aiohttp import ClientSession, CookieJar
from aiohttp.test_utils import TestServer
from cryptography.fernet import Fernet

from app import build_app
from bot.adapters.slack.notifier import SlackNotifier
from bot.messages import Reply
from bot.reminders.engine import Delivery
from domain.clock import FakeClock, SystemClock
from domain.entities import ChannelAddress
from persistence.port import DocumentMissing
from persistence.slack_installations import (
    INSTALLATION_ID,
    Installation,
    SlackInstallations,
    TokenCipher,
    workspace_partition,
)
from tests.fake_slack import NOW, OUTGOING, SIGNING_SECRET, FakeSlackApi, Workspace
from tests.integration.conftest import Api, make_settings, slack_oauth_settings

KEY = Fernet.generate_key().decode()
ALPHA, BETA = "T0ALPHA", "T0BETA"
ALPHA_TOKEN, BETA_TOKEN = "xoxb-alpha-0001-secret", "xoxb-beta-0002-secret"


@dataclass
class World:
    api: FakeSlackApi
    base: str
    browser: ClientSession  # keeps cookies, as a browser does
    rest: Api
    store: object

    def workspace(self, team: str) -> Workspace:
        return Workspace(self.browser, self.base + "/slack/events", self.api, team=team)

    async def start_install(self) -> str:
        """Press "Add to Slack": the state Slack's consent page is opened with."""
        async with self.browser.get(self.base + "/slack/install", allow_redirects=False) as response:
            assert response.status == 302, response.status
            location = urlsplit(response.headers["Location"])
        assert (location.netloc, location.path) == ("slack.com", "/oauth/v2/authorize")
        query = parse_qs(location.query)
        assert query["client_id"] == [self.api.client_id] and "chat:write" in query["scope"][0]
        return query["state"][0]

    async def come_back(self, state: str, code: str, browser: ClientSession | None = None) -> tuple[int, str]:
        """Slack's redirect back to the app, in this browser (or another one)."""
        url = self.base + "/slack/oauth_redirect"
        async with (browser or self.browser).get(url, params={"state": state, "code": code}) as response:
            return response.status, await response.text()

    async def install(self, team: str, name: str, token: str) -> str:
        state = await self.start_install()
        status, page = await self.come_back(state, self.api.grant(team, name, token))
        assert status == 200, page
        return page


@asynccontextmanager
async def oauth_world(store, **overrides: str) -> AsyncIterator[World]:
    fake = FakeSlackApi()
    await fake.start()
    fake.add_user("U1", "Ada Lovelace", "Europe/Madrid")
    settings = slack_oauth_settings(fake, KEY, **overrides)
    server = TestServer(build_app(settings, store=store, clock=FakeClock(NOW)), host="127.0.0.1")
    await server.start_server()
    base = str(server.make_url("")).rstrip("/")
    try:
        async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as browser:  # unsafe: cookies of 127.0.0.1
            yield World(fake, base, browser, Api(browser, base), store)
    finally:
        await server.close()
        await fake.close()


async def test_two_workspaces_install_and_each_is_answered_with_its_own_token(store):
    async with oauth_world(store) as world:
        page = await world.install(ALPHA, "Alpha & Co", ALPHA_TOKEN)
        assert "Alpha &amp; Co" in page  # the workspace's name, escaped
        await world.install(BETA, "Beta", BETA_TOKEN)

        alpha_replies = await world.workspace(ALPHA).say("add Alpha plan", count=2)
        beta_replies = await world.workspace(BETA).say("add Beta plan", count=2)

        assert {call.token for call in alpha_replies} == {ALPHA_TOKEN}
        assert {call.token for call in beta_replies} == {BETA_TOKEN}
        assert "Alpha plan" in alpha_replies[0].text and "Beta plan" in beta_replies[0].text
        tasks = await world.rest.json("GET", f"/api/tasks?user_id=slack:{BETA}:U1", 200)
        assert [task["title"] for task in tasks] == ["Beta plan"]


async def test_a_workspace_token_is_stored_sealed_not_in_the_clear(store):
    async with oauth_world(store) as world:
        await world.install(ALPHA, "Alpha", ALPHA_TOKEN)

        doc = await store.read(workspace_partition(ALPHA), INSTALLATION_ID)

        assert ALPHA_TOKEN not in str(doc) and "xoxb-" not in str(doc)
        assert TokenCipher(KEY).open(doc["bot_token"]) == ALPHA_TOKEN


async def test_an_uninstalled_workspace_loses_its_token_keeps_its_data_and_the_other_one_still_works(store):
    async with oauth_world(store) as world:
        await world.install(ALPHA, "Alpha", ALPHA_TOKEN)
        await world.install(BETA, "Beta", BETA_TOKEN)
        alpha, beta = world.workspace(ALPHA), world.workspace(BETA)
        await alpha.say("add Alpha plan", count=2)

        response = await alpha.event({"type": "app_uninstalled", "event_ts": "1.000001"})
        assert response.status == 200
        world.api.revoke(ALPHA_TOKEN)

        with pytest.raises(DocumentMissing):
            await store.read(workspace_partition(ALPHA), INSTALLATION_ID)
        since = len(world.api.calls)
        assert (await alpha.dm("tasks")).status == 200
        [beta_reply, _] = await beta.say("add Beta plan", count=2)
        assert beta_reply.token == BETA_TOKEN
        assert [call for call in world.api.calls[since:] if call.method in OUTGOING and call.token == ALPHA_TOKEN] == []
        kept = await world.rest.json("GET", f"/api/tasks?user_id=slack:{ALPHA}:U1", 200)
        assert [task["title"] for task in kept] == ["Alpha plan"]


async def test_revoked_bot_tokens_are_deleted(store):
    async with oauth_world(store) as world:
        await world.install(ALPHA, "Alpha", ALPHA_TOKEN)

        event = {"type": "tokens_revoked", "tokens": {"bot": ["U0BOTPHA"]}, "event_ts": "1.000002"}
        assert (await world.workspace(ALPHA).event(event)).status == 200

        with pytest.raises(DocumentMissing):
            await store.read(workspace_partition(ALPHA), INSTALLATION_ID)


async def test_a_forged_state_installs_nothing_and_gets_a_4xx_page(store):
    async with oauth_world(store) as world:
        await world.start_install()  # a real state exists, but the attacker does not know it
        status, page = await world.come_back("forged-state-0123456789", world.api.grant(ALPHA, "Alpha", ALPHA_TOKEN))

        assert status == 400 and "no longer valid" in page and "<h1>" in page
        with pytest.raises(DocumentMissing):
            await store.read(workspace_partition(ALPHA), INSTALLATION_ID)
        assert world.api.calls_to("oauth.v2.access") == []


async def test_a_replayed_redirect_is_refused(store):
    async with oauth_world(store) as world:
        state = await world.start_install()
        code = world.api.grant(ALPHA, "Alpha", ALPHA_TOKEN)
        assert (await world.come_back(state, code))[0] == 200

        status, page = await world.come_back(state, world.api.grant(ALPHA, "Evil", "xoxb-evil-9999"))

        assert status == 400 and "no longer valid" in page
        installed = await SlackInstallations(store, TokenCipher(KEY), SystemClock()).find(ALPHA)
        assert installed is not None and installed.bot_token == ALPHA_TOKEN


async def test_a_redirect_opened_in_another_browser_is_refused(store):
    async with oauth_world(store) as world:
        state = await world.start_install()
        async with ClientSession(cookie_jar=CookieJar(unsafe=True)) as other_browser:
            status, _ = await world.come_back(state, world.api.grant(ALPHA, "Alpha", ALPHA_TOKEN), other_browser)
        assert status == 400
        assert world.api.calls_to("oauth.v2.access") == []


async def test_a_code_slack_refuses_gets_a_4xx_page_not_a_500(store):
    async with oauth_world(store) as world:
        state = await world.start_install()
        status, page = await world.come_back(state, "code-nobody-issued")
        assert status == 400 and "invalid_code" in page


async def test_reminders_go_out_with_the_token_of_the_users_workspace(store):
    installations = SlackInstallations(store, TokenCipher(KEY), SystemClock())
    await installations.save(Installation(ALPHA, "Alpha", ALPHA_TOKEN, "U0BOTA"))
    await installations.save(Installation(BETA, "Beta", BETA_TOKEN, "U0BOTB"))
    fake = FakeSlackApi()
    await fake.start()
    fake.tokens.update({ALPHA_TOKEN: ALPHA, BETA_TOKEN: BETA})
    try:
        notifier = SlackNotifier(None, fake.base_url, installations)
        beta_user = ChannelAddress(f"slack:{BETA}:U1", "slack", {"team_id": BETA, "user": "U1", "channel": "D1"}, NOW)
        outcome = await notifier.deliver(beta_user, [Reply("Time for a glass of water")])
        assert outcome.status is Delivery.SENT
        [sent] = fake.calls_to("chat.postMessage")
        assert sent.token == BETA_TOKEN

        await installations.delete(BETA)
        gone = await notifier.deliver(beta_user, [Reply("Time for a glass of water")])
        assert gone.status is Delivery.UNREACHABLE
    finally:
        await fake.close()


def test_oauth_without_a_secret_key_refuses_to_start():
    with pytest.raises(SystemExit, match="AVANOCHI_SECRET_KEY"):
        make_settings(SLACK_SIGNING_SECRET=SIGNING_SECRET, SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="s")
    with pytest.raises(SystemExit, match="Fernet key"):
        make_settings(SLACK_CLIENT_ID="1.2", SLACK_CLIENT_SECRET="s", AVANOCHI_SECRET_KEY="not-a-key")


async def test_a_voice_note_is_downloaded_with_the_token_of_the_workspace_it_was_shared_in(store):
    async with oauth_world(store) as world:
        await world.install(ALPHA, "Alpha", ALPHA_TOKEN)
        await world.install(BETA, "Beta", BETA_TOKEN)
        url = world.api.share_file("note.m4a", b"\0" * 4096)
        beta = world.workspace(BETA)
        event = beta.dm_event("", subtype="file_share")
        event["files"] = [{"id": "F0VOICE", "name": "note.m4a", "mimetype": "audio/mp4", "size": 4096,
                           "url_private_download": url}]  # fmt: skip

        assert (await beta.event(event)).status == 200

        [download] = await world.api.wait_for("download")
        assert download.body["auth"] == f"Bearer {BETA_TOKEN}"
