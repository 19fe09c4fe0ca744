"""A bounded set of ``query`` values for the fuzzer to pick from.

The query models expand to a schema so large that schemathesis' coverage phase needs more than
2 GB to enumerate it. The fuzzer instead picks from these examples: each insight kind bare and
wrapped in an InsightVizNode, plus invalid ones the API must refuse with a 400.
"""

from __future__ import annotations

from typing import Any

_SERIES = [{"kind": "EventsNode", "event": "$pageview", "math": "total"}]
_DATES = {"date_from": "-7d", "date_to": None}
_FUNNEL_STEPS = [
    {"kind": "EventsNode", "event": "$pageview"},
    {"kind": "EventsNode", "event": "signup"},
]


def _sources() -> list[dict[str, Any]]:
    return [
        {"kind": "TrendsQuery", "series": _SERIES},
        {
            "kind": "TrendsQuery",
            "series": [*_SERIES, {"kind": "EventsNode", "event": "signup", "math": "dau"}],
            "interval": "day",
            "dateRange": _DATES,
            "breakdownFilter": {"breakdown": "$browser", "breakdown_type": "event"},
        },
        {"kind": "StickinessQuery", "series": _SERIES, "dateRange": _DATES},
        {"kind": "LifecycleQuery", "series": _SERIES, "interval": "week"},
        {"kind": "FunnelsQuery", "series": _FUNNEL_STEPS, "dateRange": _DATES},
        {
            "kind": "FunnelsQuery",
            "series": _FUNNEL_STEPS,
            "funnelsFilter": {"funnelOrderType": "strict", "funnelVizType": "time_to_convert"},
            "breakdownFilter": {"breakdown": "$browser", "breakdown_type": "event"},
        },
    ]


VALID_QUERIES: list[dict[str, Any]] = [
    *_sources(),
    *({"kind": "InsightVizNode", "source": source} for source in _sources()),
]

INVALID_QUERIES: list[Any] = [
    {"kind": "NoSuchQuery"},
    {"kind": "TrendsQuery"},
    {"kind": "TrendsQuery", "series": "not a list"},
    {"kind": "TrendsQuery", "series": _SERIES, "interval": "fortnight"},
    {"kind": "LifecycleQuery", "series": [{"kind": "EventsNode", "event": "a\u0000b"}]},
    {"kind": "StickinessQuery", "series": _SERIES, "dateRange": {"date_from": "-99999999999999d"}},
    {"kind": "InsightVizNode", "source": {"kind": "TrendsQuery", "series": [{"kind": 1}]}},
    {"kind": "InsightVizNode"},
    {"kind": "FunnelsQuery", "series": _FUNNEL_STEPS[:1]},
    {"kind": "FunnelsQuery", "series": _FUNNEL_STEPS, "funnelsFilter": {"funnelToStep": 7}},
    {"source": {"kind": "TrendsQuery", "series": _SERIES}},
    [],
    "TrendsQuery",
]


def bounded_query_schema() -> dict[str, Any]:
    """What the fuzzer generates for a ``query`` field: one of the examples, or null."""
    return {"enum": [*VALID_QUERIES, *INVALID_QUERIES], "nullable": True}
