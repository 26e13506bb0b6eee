"""An optional narrative for insights from Azure OpenAI (chat completions over its REST API).

Template text is the default; with AZURE_OPENAI_ENDPOINT, AZURE_OPENAI_API_KEY and
AZURE_OPENAI_DEPLOYMENT set, the score and its factors are retold in a few warm sentences.
Any failure falls back to the template: the insight itself never depends on the model.
"""

from __future__ import annotations

import logging

import aiohttp

from domain.insights import Insight

log = logging.getLogger("avanochi.narrator")

API_VERSION = "2024-10-21"
INSTRUCTIONS = (
    "You are Avanochi, a kind workplace well-being companion. In at most three short sentences, "
    "tell the user what their burnout-risk score means and what to try first. Use only the facts "
    "given; no medical advice; plain text, no lists."
)


class AzureOpenAINarrator:
    def __init__(self, endpoint: str, api_key: str, deployment: str, timeout: float = 8.0) -> None:
        self._url = f"{endpoint.rstrip('/')}/openai/deployments/{deployment}/chat/completions?api-version={API_VERSION}"
        self._key = api_key
        self._timeout = aiohttp.ClientTimeout(total=timeout)

    async def narrate(self, insight: Insight) -> str | None:
        """A few sentences, or None when the service can't be used right now."""
        facts = "\n".join(insight.explain() + [f"Recommendation: {tip}" for tip in insight.recommendations])
        body = {
            "messages": [{"role": "system", "content": INSTRUCTIONS}, {"role": "user", "content": facts}],
            "max_tokens": 180,
            "temperature": 0.4,
        }
        try:
            async with aiohttp.ClientSession(timeout=self._timeout) as session:
                async with session.post(self._url, json=body, headers={"api-key": self._key}) as response:
                    if response.status != 200:
                        log.warning("narrative unavailable", extra={"status": response.status})
                        return None
                    data = await response.json()
            text = data["choices"][0]["message"]["content"].strip()
            return text or None
        except (aiohttp.ClientError, TimeoutError, KeyError, IndexError, TypeError, ValueError):
            log.warning("narrative unavailable", exc_info=True)
            return None


def build_narrator(endpoint: str | None, api_key: str | None, deployment: str | None) -> AzureOpenAINarrator | None:
    if endpoint and api_key and deployment:
        return AzureOpenAINarrator(endpoint, api_key, deployment)
    return None
