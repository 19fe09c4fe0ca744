"""Helpers for engine tests: run a query source directly through its runner."""

from __future__ import annotations

from typing import Any

from insights.queries.execution import prepare
from posthog_api.models import Team


def trends(**source: Any) -> dict[str, Any]:
    return {"kind": "TrendsQuery", **source}


def pageviews(**fields: Any) -> dict[str, Any]:
    return {"kind": "EventsNode", "event": "$pageview", **fields}


def calculate(team: Team, source: dict[str, Any]) -> dict[str, Any]:
    """The runner's response for ``source`` (no cache involved)."""
    return prepare(team=team, query=source).runner.calculate()


def results(team: Team, source: dict[str, Any]) -> list[dict[str, Any]]:
    return calculate(team, source)["results"]


def compact(items: list[dict[str, Any]], *keys: str) -> list[dict[str, Any]]:
    """The named keys of each result item, for whole-object comparisons without the echo noise."""
    return [{key: item.get(key) for key in keys} for item in items]
