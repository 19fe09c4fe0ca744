"""The describer's answer, improved by the configured LLM when there is one."""

from __future__ import annotations

import logging
from typing import Any

from insights.metadata.describer import describe
from insights.metadata.llm import LLMUnavailable
from insights.metadata.llm import ask_llm
from insights.metadata.llm import llm_configured

logger = logging.getLogger(__name__)


def generate_insight_metadata(query: dict[str, Any]) -> dict[str, str]:
    """``{"name", "description"}`` for a validated query; never raises for a valid query."""
    try:
        draft = describe(query)
    except Exception:
        # The describer reads optional, loosely typed keys; a surprise there must not be a 500.
        logger.exception("Describer failed for a valid query")
        draft = ("Untitled insight", "An insight built from a saved query.")
    if llm_configured():
        try:
            name, description = ask_llm(query, draft)
            return {"name": name, "description": description}
        except LLMUnavailable as exc:
            logger.warning("LLM metadata failed, using the describer: %s", exc)
    return {"name": draft[0], "description": draft[1]}
