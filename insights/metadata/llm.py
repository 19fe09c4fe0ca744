"""Asking an OpenAI-compatible chat endpoint for a name and description (``LLM_API_URL``).

Any failure (network, status, timeout, malformed answer) raises ``LLMUnavailable``; the caller
falls back to the deterministic describer.
"""

from __future__ import annotations

import json
import urllib.request
from typing import Any

from django.conf import settings

SYSTEM_PROMPT = (
    "You name product-analytics insights. Given a query definition and a draft, reply with a JSON "
    'object {"name": ..., "description": ...}: a short, specific name (at most 60 characters, '
    "no quotes) and one plain sentence describing what the insight shows."
)


class LLMUnavailable(Exception):
    pass


def llm_configured() -> bool:
    return bool(getattr(settings, "LLM_API_URL", None) and getattr(settings, "LLM_API_KEY", None))


def _endpoint() -> str:
    base = str(settings.LLM_API_URL).rstrip("/")
    return base if base.endswith("/chat/completions") else f"{base}/chat/completions"


def ask_llm(query: dict[str, Any], draft: tuple[str, str]) -> tuple[str, str]:
    body = {
        "model": settings.LLM_MODEL,
        "temperature": 0,
        "response_format": {"type": "json_object"},
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {
                "role": "user",
                "content": json.dumps(
                    {"query": query, "draft": {"name": draft[0], "description": draft[1]}}
                ),
            },
        ],
    }
    request = urllib.request.Request(  # noqa: S310 - the URL is operator configuration
        _endpoint(),
        data=json.dumps(body).encode(),
        headers={
            "Content-Type": "application/json",
            "Authorization": f"Bearer {settings.LLM_API_KEY}",
        },
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=settings.LLM_TIMEOUT_SECONDS) as response:  # noqa: S310
            payload = json.loads(response.read())
        content = payload["choices"][0]["message"]["content"]
        answer = json.loads(content) if isinstance(content, str) else content
        name, description = answer["name"], answer["description"]
    except Exception as exc:  # every failure mode means "use the describer"
        raise LLMUnavailable(str(exc)) from exc
    if (
        not isinstance(name, str)
        or not isinstance(description, str)
        or not name.strip()
        or not description.strip()
    ):
        raise LLMUnavailable("The model returned an empty name or description.")
    return name.strip()[:400], description.strip()[:400]
