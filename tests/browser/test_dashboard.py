"""The personal dashboard in a real headless Chromium (Debian's package, driven by Playwright):
signed in with the link a real Slack exchange answers, it shows the chat's numbers, its settings
change what the chat says, every control is reachable from the keyboard, and nothing is fetched
from anywhere but the app. One browser serves the whole session; each test has its own context
(cookies) and its own app."""

from __future__ import annotations

import os
import re
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import pytest_asyncio
from playwright.async_api import Browser, Page, async_playwright

from tests.conftest import opened_store
from tests.fake_slack import OUTGOING, SlackHarness, slack_world

CHROMIUM = os.environ.get("AVANOCHI_CHROMIUM", "/usr/bin/chromium")
pytestmark = pytest.mark.asyncio(loop_scope="session")


@pytest_asyncio.fixture(scope="session", loop_scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"no Chromium at {CHROMIUM}: `make test` installs Debian's chromium package")
    async with async_playwright() as playwright:
        launched = await playwright.chromium.launch(executable_path=CHROMIUM)
        yield launched
        await launched.close()


# The app on SQLite (the stores' parity is tested elsewhere), in the session's event loop.
@pytest_asyncio.fixture(loop_scope="session")
async def slack(tmp_path: Path) -> AsyncIterator[SlackHarness]:
    async with opened_store("sqlite", tmp_path) as store, slack_world(store) as harness:
        yield harness


class Visit:
    """A browser context on the app, recording every request the page makes."""

    def __init__(self, page: Page, base: str) -> None:
        self.page = page
        self.base = base
        self.requests: list[str] = []
        page.on("request", lambda request: self.requests.append(request.url))


@pytest_asyncio.fixture(loop_scope="session")
async def visit(browser: Browser, slack: SlackHarness) -> AsyncIterator[Visit]:
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    yield Visit(page, slack.rest.base)
    await context.close()


async def chat(slack: SlackHarness, text: str, *, expect: str) -> str:
    """Say ``text`` in the DM; the text and blocks of the reply that contains ``expect``."""
    since = len(slack.api.calls)
    assert (await slack.workspace.dm(text)).status == 200
    found = await slack.api.wait_for(*OUTGOING, since=since, where=lambda call: expect in str(call.body))
    return str(found[0].body)


async def signin_path(slack: SlackHarness) -> str:
    body = await chat(slack, "dashboard", expect="/me/signin")
    token = re.search(r"/me/signin\?token=([A-Za-z0-9_-]+)", body)
    assert token
    return f"/me/signin?token={token.group(1)}"


async def sign_in(slack: SlackHarness, visit: Visit, path: str | None = None) -> None:
    await visit.page.goto(visit.base + (path or await signin_path(slack)))
    await visit.page.get_by_role("button", name="Sign in to your dashboard").click()
    await visit.page.wait_for_url(visit.base + "/me")  # the token is gone from the address


async def test_signing_in_with_the_chats_link_shows_the_numbers_the_chat_shows(slack, visit):
    await chat(slack, "add Send the invoice due friday 5pm", expect="invoice")
    await chat(slack, "water 500ml", expect="500")
    await chat(slack, "break", expect="reak")
    glance = await chat(slack, "how am I doing", expect="Today at a glance")
    await sign_in(slack, visit)
    page = visit.page
    assert await page.title() == "Your dashboard · Avanochi"
    today = page.locator("#today")
    labels = await today.locator("dt").all_inner_texts()
    values = await today.locator("dd").all_inner_texts()
    assert {"Tasks", "Worked", "Focus", "Water", "Breaks"} <= set(labels)
    for label, value in zip(labels, values, strict=True):
        assert f"*{label}*\\n{value}" in glance, (label, value)
    assert "500 ml" in values
    assert "Send the invoice" in await page.locator("#tasks").inner_text()
    chart = page.locator("#week img")
    assert (await chart.get_attribute("alt") or "").strip()
    assert await chart.evaluate("image => image.naturalWidth") > 0  # the chart was drawn, not broken
    for section in ("#pet", "#achievements", "#insights"):
        assert (await page.locator(section).inner_text()).strip()


async def test_a_setting_changed_on_the_page_is_the_one_the_chat_uses(slack, visit):
    await sign_in(slack, visit)
    page = visit.page
    await page.get_by_label("Time zone").fill("Asia/Tokyo")
    await page.get_by_label("Quiet hours").fill("21:00-07:00")
    await page.get_by_role("button", name="Save settings").click()
    await page.wait_for_url(re.compile(r"/me\?saved=1$"))
    assert "Settings saved" in await page.get_by_role("status").inner_text()
    settings = await chat(slack, "settings", expect="Quiet hours")
    assert "Asia/Tokyo" in settings and "21:00-07:00" in settings

    await page.get_by_label("Working hours").fill("nine to five-ish")
    await page.get_by_role("button", name="Save settings").click()
    alert = await page.get_by_role("alert").inner_text()
    assert "Hours:" in alert and "Traceback" not in alert
    assert "09:00" in await chat(slack, "settings", expect="Working hours")  # unchanged


async def test_the_keyboard_reaches_every_control_and_every_chart_has_alt_text(slack, visit):
    await sign_in(slack, visit)
    page = visit.page
    controls = await page.evaluate(
        """() => Array.from(document.querySelectorAll('a[href], button, input:not([type=hidden])'))
               .map((element, index) => { element.dataset.control = index; return index; })"""
    )
    reached = set()
    for _ in range(len(controls) + 5):
        await page.keyboard.press("Tab")
        focused = await page.evaluate("() => document.activeElement && document.activeElement.dataset.control")
        if focused is not None:
            reached.add(int(focused))
    # Radio buttons of one group take a single Tab stop; the arrow keys move between them.
    radios = set(
        await page.evaluate("() => Array.from(document.querySelectorAll('[type=radio]')).map(r => +r.dataset.control)")
    )
    assert set(controls) - radios <= reached and reached & radios
    unlabelled = await page.evaluate(
        """() => Array.from(document.querySelectorAll('input:not([type=hidden])'))
               .filter(input => !input.labels.length).map(input => input.name)"""
    )
    assert unlabelled == []
    assert await page.evaluate("() => Array.from(document.images).every(image => image.alt.trim())")
    for landmark in ("banner", "main", "navigation", "contentinfo"):
        assert await page.get_by_role(landmark).count() >= 1


async def test_a_narrow_screen_gets_one_column_without_sideways_scrolling(slack, visit):
    await visit.page.set_viewport_size({"width": 360, "height": 800})
    await sign_in(slack, visit)
    width = await visit.page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360
    boxes = [await visit.page.locator(s).bounding_box() for s in ("#today", "#week")]
    assert boxes[0] and boxes[1] and boxes[1]["y"] > boxes[0]["y"]  # stacked, not side by side


async def test_no_request_leaves_the_apps_origin(slack, visit):
    await sign_in(slack, visit)
    await visit.page.get_by_role("link", name="Delete all my data…").click()
    await visit.page.go_back()
    origin = urlsplit(visit.base).netloc
    assert visit.requests
    assert [url for url in visit.requests if urlsplit(url).netloc != origin and not url.startswith("data:")] == []


async def test_a_reused_link_is_refused_with_a_clear_page(slack, visit):
    path = await signin_path(slack)
    await sign_in(slack, visit, path)
    other = await visit.page.context.browser.new_context()
    try:
        stranger = await other.new_page()
        response = await stranger.goto(visit.base + path)
        assert response and response.status == 410
        assert "already used" in await stranger.get_by_role("main").inner_text()
        assert (await stranger.goto(visit.base + "/me")).status == 401
    finally:
        await other.close()


async def test_an_expired_link_is_refused_with_a_clear_page(slack, visit):
    from app import SERVICES_KEY

    path = await signin_path(slack)
    slack.app[SERVICES_KEY].clock.advance(minutes=11)
    response = await visit.page.goto(visit.base + path)
    assert response and response.status == 410
    assert "expired" in await visit.page.get_by_role("main").inner_text()
    assert await visit.page.context.cookies() == []


async def test_outside_teams_the_tab_page_loads_teams_js_from_the_app_and_falls_back_to_the_link(
    browser: Browser, tmp_path: Path
):
    teams = {"MicrosoftAppId": "6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b", "MicrosoftAppPassword": "app-password"}
    if not (Path(__file__).resolve().parents[2] / "web" / "static" / "teams-js" / "MicrosoftTeams.min.js").exists():
        pytest.fail("the Teams JavaScript library is not built: `make test` builds it (npm)")
    async with opened_store("sqlite", tmp_path) as store, slack_world(store, **teams) as slack:
        context = await browser.new_context()
        try:
            visit = Visit(await context.new_page(), slack.rest.base)
            loaded: list[str] = []
            visit.page.on("response", lambda response: loaded.append(f"{response.status} {response.url}"))
            console: list[str] = []
            visit.page.on("console", lambda message: console.append(message.text))
            response = await visit.page.goto(visit.base + "/me")
            assert response and response.status == 401
            status = visit.page.locator("#teams-sign-in")
            # Not framed by Teams: the library finds no host, so no token, and the page stays as it was.
            await visit.page.wait_for_selector("#teams-sign-in[data-state=outside-teams]", state="attached")
            assert await status.is_hidden()
            assert await visit.page.evaluate("() => typeof window.microsoftTeams.authentication.getAuthToken")
            assert f"200 {visit.base}/me/teams.js" in loaded and f"200 {visit.base}/me/tab.js" in loaded
            assert "dashboard" in await visit.page.get_by_role("main").inner_text()
            # The library asks a Microsoft CDN for Teams' origins when it loads; the page's CSP
            # refuses that (it then uses the list it carries), so nothing leaves the app's origin.
            assert all("Content Security Policy" in line for line in console if "https://" in line)
            await sign_in(slack, visit)  # the link from the chat still signs in
            assert await visit.page.title() == "Your dashboard · Avanochi"
            assert not any("/me/teams-sso" in url for url in visit.requests)
            origin = urlsplit(visit.base).netloc
            assert [url for url in visit.requests if urlsplit(url).netloc != origin] == []
        finally:
            await context.close()
