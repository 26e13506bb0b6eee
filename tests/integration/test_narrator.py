"""The optional Azure OpenAI narrative for insights, against a local server speaking its REST API."""

from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.dialogs.router import Dialogs
from bot.messages import IncomingMessage
from bot.narrator import build_narrator
from domain.clock import SystemClock
from domain.services import Services
from persistence.repositories import Repositories
from tests.integration.conftest import make_settings

STORY = "Your pace looks calm: keep your breaks and your evenings as they are."


async def fake_azure_openai(status: int = 200):
    seen: list[dict] = []

    async def completions(request: web.Request) -> web.Response:
        seen.append(
            {
                "path": request.path,
                "query": dict(request.query),
                "key": request.headers.get("api-key"),
                "body": await request.json(),
            }
        )
        if status != 200:
            return web.json_response({"error": {"code": "429"}}, status=status)
        return web.json_response({"choices": [{"index": 0, "message": {"role": "assistant", "content": STORY}}]})

    app = web.Application()
    app.router.add_post("/openai/deployments/{deployment}/chat/completions", completions)
    server = TestServer(app, host="127.0.0.1")
    await server.start_server()
    return server, seen


async def test_insights_carry_the_narrative_when_configured_and_the_template_otherwise(store):
    for status in (200, 429):
        server, seen = await fake_azure_openai(status)
        settings = make_settings(
            AZURE_OPENAI_ENDPOINT=str(server.make_url("/")),
            AZURE_OPENAI_API_KEY="k-123",
            AZURE_OPENAI_DEPLOYMENT="gpt-4o-mini",
        )
        narrator = build_narrator(
            settings.azure_openai_endpoint, settings.azure_openai_key, settings.azure_openai_deployment
        )
        dialogs = Dialogs(Services.build(Repositories(store), SystemClock()), narrator=narrator)
        [reply, *_] = await dialogs.handle(IncomingMessage("slack:T1:story", "slack", "D1", text="insights"))
        await server.close()
        assert seen and seen[0]["key"] == "k-123" and seen[0]["path"].endswith("/gpt-4o-mini/chat/completions")
        assert "Burnout risk" in seen[0]["body"]["messages"][1]["content"]
        assert (STORY in reply.text) == (status == 200)  # a failing service falls back to the template
        assert reply.private


def test_no_narrator_without_all_three_settings():
    assert build_narrator("https://x.openai.azure.com", "key", None) is None
    assert build_narrator(None, None, None) is None
