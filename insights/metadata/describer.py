"""A deterministic describer: a human name and one-sentence description from the query itself.

``describe({"kind": "InsightVizNode", "source": {"kind": "TrendsQuery", "series": [...]}})``
gives e.g. ``("Unique users of Pageview by Browser", "Unique users who did Pageview over the
last 30 days, by day, broken down by Browser.")``.
"""

from __future__ import annotations

from typing import Any

from insights.queries.schema import source_of

MATH_LABELS = {
    "total": "Count of",
    "dau": "Unique users of",
    "weekly_active": "Weekly active users of",
    "monthly_active": "Monthly active users of",
    "unique_session": "Unique sessions of",
    "first_time_for_user": "First-time users of",
    "first_matching_event_for_user": "First matching event for users of",
    "unique_group": "Unique groups of",
    "sum": "Sum of",
    "avg": "Average",
    "min": "Minimum",
    "max": "Maximum",
    "median": "Median",
    "p75": "75th percentile of",
    "p90": "90th percentile of",
    "p95": "95th percentile of",
    "p99": "99th percentile of",
    "avg_count_per_actor": "Average count per user of",
    "min_count_per_actor": "Minimum count per user of",
    "max_count_per_actor": "Maximum count per user of",
    "median_count_per_actor": "Median count per user of",
    "hogql": "Custom aggregation of",
}
PROPERTY_MATHS = frozenset({"sum", "avg", "min", "max", "median", "p75", "p90", "p95", "p99"})
_UNITS = {
    "h": "hour",
    "d": "day",
    "w": "week",
    "m": "month",
    "q": "quarter",
    "y": "year",
    "M": "minute",
}


def humanize(name: str | None) -> str:
    """``$pageview`` -> ``Pageview``, ``signed_up`` -> ``Signed up``; None -> ``All events``."""
    if not name:
        return "All events"
    text = name.lstrip("$").replace("_", " ").strip()
    return text[:1].upper() + text[1:] if text else name


def series_label(series: dict[str, Any]) -> str:
    if series.get("custom_name"):
        return str(series["custom_name"])
    if series.get("kind") == "ActionsNode":
        return str(series.get("name") or f"Action {series.get('id')}")
    return humanize(series.get("event"))


def _series_phrase(series: dict[str, Any]) -> str:
    label = series_label(series)
    math = series.get("math") or "total"
    prefix = MATH_LABELS.get(math, "Count of")
    if math in PROPERTY_MATHS and series.get("math_property"):
        return f"{prefix} {humanize(series['math_property']).lower()} of {label}"
    if math == "total":
        return label
    return f"{prefix} {label}"


def date_phrase(date_range: dict[str, Any] | None) -> str:
    date_from = (date_range or {}).get("date_from") or "-7d"
    date_to = (date_range or {}).get("date_to")
    if date_from == "all":
        return "over all time"
    text = str(date_from)
    if text.startswith("-") and text[1:-1].isdigit() and text[-1] in _UNITS:
        count, unit = int(text[1:-1]), _UNITS[text[-1]]
        return f"over the last {count} {unit}{'s' if count != 1 else ''}"
    if text.endswith("Start") and len(text) >= 6:
        return f"since the start of the {_UNITS.get(text[-6], 'period')}"
    return f"from {text} to {date_to}" if date_to else f"since {text}"


def _breakdown_phrase(source: dict[str, Any]) -> str:
    breakdown = (source.get("breakdownFilter") or {}).get("breakdown")
    if not breakdown:
        return ""
    values = breakdown if isinstance(breakdown, list) else [breakdown]
    return ", ".join(humanize(str(v)) for v in values)


def _join(labels: list[str]) -> str:
    if len(labels) <= 2:
        return " and ".join(labels)
    return ", ".join(labels[:-1]) + f" and {labels[-1]}"


def _trends(source: dict[str, Any], kind_noun: str) -> tuple[str, str]:
    series = [s for s in source.get("series") or [] if isinstance(s, dict)]
    phrases = [_series_phrase(s) for s in series] or ["All events"]
    breakdown = _breakdown_phrase(source)
    name = _join(phrases) + (f" by {breakdown}" if breakdown else "")
    interval = source.get("interval") or "day"
    description = f"{kind_noun} of {_join([p[:1].lower() + p[1:] for p in phrases])} {date_phrase(source.get('dateRange'))}, by {interval}"
    if breakdown:
        description += f", broken down by {breakdown}"
    return name, description + "."


def _funnel(source: dict[str, Any]) -> tuple[str, str]:
    steps = [series_label(s) for s in source.get("series") or [] if isinstance(s, dict)]
    name = " → ".join(steps) + " conversion" if steps else "Funnel"
    window = (source.get("funnelsFilter") or {}).get("funnelWindowInterval")
    unit = (source.get("funnelsFilter") or {}).get("funnelWindowIntervalUnit") or "day"
    description = f"Conversion through {len(steps)} step{'s' if len(steps) != 1 else ''} ({', '.join(steps)}) {date_phrase(source.get('dateRange'))}"
    if window:
        description += f", within {window} {unit}{'s' if window != 1 else ''}"
    breakdown = _breakdown_phrase(source)
    if breakdown:
        description += f", broken down by {breakdown}"
    return name, description + "."


def _retention(source: dict[str, Any]) -> tuple[str, str]:
    retention = source.get("retentionFilter") or {}
    target = humanize(
        (retention.get("targetEntity") or {}).get("id")
        or (retention.get("targetEntity") or {}).get("name")
    )
    returning = humanize(
        (retention.get("returningEntity") or {}).get("id")
        or (retention.get("returningEntity") or {}).get("name")
    )
    period = (retention.get("period") or "Day").lower()
    total = retention.get("totalIntervals") or 8
    name = f"Retention: {target} → {returning}"
    description = f"Share of users who did {target} and came back to do {returning}, per {period} over {total} {period}s."
    return name, description


def _paths(source: dict[str, Any]) -> tuple[str, str]:
    paths = source.get("pathsFilter") or {}
    start, end = paths.get("startPoint"), paths.get("endPoint")
    if start:
        name = f"User paths starting at {start}"
    elif end:
        name = f"User paths ending at {end}"
    else:
        name = "User paths"
    types = paths.get("includeEventTypes") or ["$pageview"]
    description = f"The most common sequences of {', '.join(humanize(t).lower() for t in types)} steps users take {date_phrase(source.get('dateRange'))}."
    return name, description


def _lifecycle(source: dict[str, Any]) -> tuple[str, str]:
    labels = [series_label(s) for s in source.get("series") or [] if isinstance(s, dict)] or [
        "All events"
    ]
    name = f"Lifecycle of {_join(labels)} users"
    description = f"New, returning, resurrecting and dormant users of {_join(labels)} {date_phrase(source.get('dateRange'))}, by {source.get('interval') or 'day'}."
    return name, description


def _hogql(source: dict[str, Any]) -> tuple[str, str]:
    sql = " ".join(str(source.get("query") or "").split())
    lowered = sql.lower()
    table = ""
    if " from " in lowered:
        table = sql[lowered.index(" from ") + 6 :].split(" ")[0].strip('`"()')
    name = f"SQL query on {table}" if table else "SQL query"
    snippet = sql if len(sql) <= 80 else sql[:77] + "..."
    return name, f"Custom SQL insight: {snippet}"


def _table(source: dict[str, Any]) -> tuple[str, str]:
    kind = source.get("kind") or "Query"
    if kind == "EventsQuery":
        event = source.get("event")
        name = f"{humanize(event)} events" if event else "Events"
        return name, f"A table of {name.lower()} {date_phrase({'date_from': source.get('after')})}."
    if kind == "ActorsQuery":
        return "Persons", "A list of persons matching the query's filters."
    if kind == "GroupsQuery":
        return "Groups", f"A list of groups of type {source.get('group_type_index', 0)}."
    readable = humanize(kind.removesuffix("Query").removesuffix("Node")) or "Query"
    return readable, f"A {readable.lower()} query."


def describe(query: dict[str, Any]) -> tuple[str, str]:
    """(name, description) for a validated query dict."""
    source = source_of(query)
    kind = source.get("kind")
    if kind == "TrendsQuery":
        return _trends(source, "Trend")
    if kind == "StickinessQuery":
        name, description = _trends(source, "Stickiness")
        return f"Stickiness of {name}", description
    if kind == "FunnelsQuery":
        return _funnel(source)
    if kind == "RetentionQuery":
        return _retention(source)
    if kind == "PathsQuery":
        return _paths(source)
    if kind == "LifecycleQuery":
        return _lifecycle(source)
    if kind == "HogQLQuery":
        return _hogql(source)
    return _table(source)
