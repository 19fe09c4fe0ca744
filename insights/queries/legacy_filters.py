"""Legacy insight ``filters`` dicts converted to queries (PostHog's ``query_from_filters``).

Usage::

    query = filters_to_query({"insight": "TRENDS", "events": [{"id": "$pageview"}]})
    # {"kind": "InsightVizNode", "source": {"kind": "TrendsQuery", ...}, "full": True} or None

The mapping follows PostHog's legacy-compatibility converter: ``insight`` picks the query kind
(``shown_as: "Stickiness"``/``"Lifecycle"`` win, ``SESSIONS`` reads as TRENDS, missing means
TRENDS); ``events``/``actions`` become series ordered by ``order``; maths are kept for trends,
mapped to ``dau`` for stickiness when not an actor math, only ``first_time_for_user`` survives in
funnels, none in lifecycle; a flat ``properties`` list becomes an AND group; ``compare`` goes to
``compareFilter`` (trends, stickiness); ``breakdown*`` to ``breakdownFilter`` (trends, funnels).

Differences from PostHog: keys whose value is null are left out (PostHog dumps every schema
default), and the result is run through ``validate_query`` so it is exactly what a client could
have saved. Anything that does not convert or validate gives ``None`` and a log line saying why.
"""

from __future__ import annotations

import copy
import json
import logging
import re
from typing import Any
from typing import get_args

from rest_framework.exceptions import ValidationError

from insights.queries.schema import ChartDisplayType
from insights.queries.schema import validate_query
from posthog_api.booleans import is_truthy

logger = logging.getLogger(__name__)

QUERY_KINDS = {
    "TRENDS": "TrendsQuery",
    "FUNNELS": "FunnelsQuery",
    "RETENTION": "RetentionQuery",
    "PATHS": "PathsQuery",
    "LIFECYCLE": "LifecycleQuery",
    "STICKINESS": "StickinessQuery",
}
# Insight filters the schema requires, kept even when empty.
REQUIRED_FILTERS = frozenset({"pathsFilter", "retentionFilter"})
SHOWN_AS = {"Stickiness": "STICKINESS", "Lifecycle": "LIFECYCLE"}
# Stickiness counts actors; any other math becomes unique users.
ACTOR_MATHS = frozenset({"dau", "weekly_active", "monthly_active", "unique_group", "hogql"})
FUNNEL_MATHS = frozenset({"first_time_for_user"})
# Legacy filters could not hold the two-dimensional heatmap; every other display converts as is.
DISPLAYS = frozenset(get_args(ChartDisplayType)) - {"TwoDimensionalHeatmap"}


class Unconvertible(Exception):
    """The filters cannot be expressed as a query; the message says why."""


def filters_to_query(filters: Any) -> dict[str, Any] | None:
    """``{"kind": "InsightVizNode", "source": <query>, "full": True}``, or None (logged)."""
    if not isinstance(filters, dict) or not filters:
        return None
    try:
        source = _source(copy.deepcopy(filters))
        return validate_query({"kind": "InsightVizNode", "source": source, "full": True})
    except Unconvertible as exc:
        reason: Any = str(exc)
    except ValidationError as exc:
        reason = json.dumps(exc.detail)
    except (ValueError, TypeError, KeyError, AttributeError) as exc:
        reason = f"{type(exc).__name__}: {exc}"
    # INFO, not WARNING: a stored insight that cannot convert is shown on every list page.
    logger.info("Legacy insight filters not converted to a query: %s", reason)
    return None


def insight_query(query: Any, filters: Any) -> dict[str, Any] | None:
    """The query an insight is shown and computed with: its own, else its converted filters."""
    return query or filters_to_query(filters)


# --- the source query -----------------------------------------------------------------------------


def insight_type(filters: dict[str, Any]) -> str:
    shown_as = filters.get("shown_as")
    if shown_as in SHOWN_AS:
        return SHOWN_AS[shown_as]
    value = filters.get("insight") or "TRENDS"
    if value == "SESSIONS":
        return "TRENDS"
    if value not in QUERY_KINDS:
        raise Unconvertible(f"Unknown insight type {value!r}.")
    return str(value)


def _source(filters: dict[str, Any]) -> dict[str, Any]:
    kind = insight_type(filters)
    source: dict[str, Any] = {"kind": QUERY_KINDS[kind]}
    source.update(_date_range(filters))
    if kind not in ("RETENTION", "PATHS"):
        interval = filters.get("interval")
        # PostHog's converter reads the retired minute interval as hour.
        source["interval"] = "hour" if interval == "minute" else interval
        source["series"] = _series(filters, kind)
    source["samplingFactor"] = _sampling_factor(filters.get("sampling_factor"))
    source["filterTestAccounts"] = filters.get("filter_test_accounts")
    source["properties"] = _global_properties(filters.get("properties"))
    if kind in ("TRENDS", "FUNNELS"):
        source["breakdownFilter"] = _breakdown_filter(filters, kind)
    if kind in ("TRENDS", "STICKINESS"):
        source["compareFilter"] = _without_nulls(
            {"compare": filters.get("compare"), "compare_to": filters.get("compare_to")}
        )
    if kind not in ("STICKINESS", "LIFECYCLE"):
        source["aggregation_group_type_index"] = filters.get("aggregation_group_type_index")
    source.update(_insight_filter(filters, kind))
    return {
        key: value
        for key, value in source.items()
        if value is not None and (value != {} or key in REQUIRED_FILTERS)
    }


def _sampling_factor(value: Any) -> Any:
    """A numeric string is read as a number; an unreadable one is dropped, as PostHog does."""
    if not isinstance(value, str):
        return value
    try:
        return float(value)
    except ValueError:
        return None


def _without_nulls(values: dict[str, Any]) -> dict[str, Any] | None:
    kept = {key: value for key, value in values.items() if value is not None}
    return kept or None


def _date_range(filters: dict[str, Any]) -> dict[str, Any]:
    explicit = filters.get("explicit_date")
    date_range = _without_nulls(
        {
            "date_from": filters.get("date_from"),
            "date_to": filters.get("date_to"),
            "explicitDate": is_truthy(explicit) if explicit else None,
        }
    )
    return {"dateRange": date_range} if date_range else {}


# --- series ---------------------------------------------------------------------------------------


def _json_list(value: Any, name: str) -> list[Any]:
    if isinstance(value, str):
        value = json.loads(value)
    if value is None:
        return []
    if not isinstance(value, list):
        raise Unconvertible(f"{name!r} must be a list.")
    return value


def _entities(filters: dict[str, Any]) -> list[dict[str, Any]]:
    """Actions, then events, then warehouse tables, stably sorted by ``order``."""
    entities: list[dict[str, Any]] = []
    for key, entity_type in (
        ("actions", "actions"),
        ("events", "events"),
        ("data_warehouse", "data_warehouse"),
    ):
        for entity in _json_list(filters.get(key), key):
            # Bare strings are unfilled template variables: PostHog drops them.
            if isinstance(entity, dict):
                entities.append({**entity, "type": entity_type})
    entities.sort(key=lambda entity: entity.get("order") or -1)
    return entities


def _series(filters: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [
        _entity_node(entity, kind)
        for entity in _entities(filters)
        if not (entity["type"] == "actions" and entity.get("id") is None)
    ]


def _entity_node(entity: dict[str, Any], kind: str) -> dict[str, Any]:
    node: dict[str, Any] = {
        "name": entity.get("name"),
        "custom_name": entity.get("custom_name"),
        "properties": _entity_properties(entity.get("properties")),
    }
    node.update(_math(entity, kind))
    if entity["type"] == "actions":
        node = {"kind": "ActionsNode", "id": entity.get("id"), **node}
    elif entity["type"] == "data_warehouse":
        node = {
            "kind": "DataWarehouseNode",
            "id": entity.get("id"),
            "table_name": entity.get("table_name"),
            "timestamp_field": entity.get("timestamp_field"),
            "id_field": entity.get("id_field"),
            "distinct_id_field": entity.get("distinct_id_field"),
            **node,
        }
    else:
        node = {"kind": "EventsNode", "event": entity.get("id"), **node}
    return {key: value for key, value in node.items() if value is not None}


def _math(entity: dict[str, Any], kind: str) -> dict[str, Any]:
    math = entity.get("math")
    if kind == "LIFECYCLE":
        return {}
    if kind == "FUNNELS":
        return {"math": math} if math in FUNNEL_MATHS else {}
    if kind == "STICKINESS" and math is not None and math not in ACTOR_MATHS:
        return {"math": "dau"}
    return {
        "math": math,
        "math_property": entity.get("math_property"),
        "math_hogql": entity.get("math_hogql"),
        "math_group_type_index": entity.get("math_group_type_index"),
    }


# --- properties -----------------------------------------------------------------------------------


def _is_group(value: Any) -> bool:
    return isinstance(value, dict) and value.get("type") in ("AND", "OR")


def _is_old_style(properties: Any) -> bool:
    """``{"utm_medium__icontains": "email"}``: one key, operator after a double underscore."""
    return isinstance(properties, dict) and len(properties) == 1 and not _is_group(properties)


def _old_style(properties: dict[str, Any]) -> list[dict[str, Any]]:
    ((key, value),) = properties.items()
    name, _, operator = key.partition("__")
    return [{"key": name, "value": value, "operator": operator or "exact", "type": "event"}]


def _clean_property(prop: Any) -> Any:
    if not isinstance(prop, dict):
        raise Unconvertible("A property filter must be an object.")
    if _is_group(prop):
        return {"type": prop["type"], "values": [_clean_property(p) for p in prop["values"]]}
    cleaned = dict(prop)
    if cleaned.get("type") == "events":
        cleaned["type"] = "event"
    if cleaned.get("values") is not None and cleaned.get("value") is None:
        cleaned["value"] = cleaned.pop("values")
    if cleaned.get("type") in ("precalculated-cohort", "static-cohort"):
        cleaned["type"] = "cohort"
    if cleaned.get("type") == "cohort":
        cleaned["key"] = "id"
    with_operator = cleaned.get("type") not in ("cohort", "hogql")
    if with_operator and cleaned.get("operator") is None:
        cleaned["operator"] = "exact"
    if not with_operator:
        cleaned.pop("operator", None)
    if isinstance(cleaned.get("value"), list):
        cleaned["value"] = [v for v in cleaned["value"] if v is not None]
    return {key: value for key, value in cleaned.items() if value is not None}


def _entity_properties(properties: Any) -> list[dict[str, Any]] | None:
    if not properties:
        return None
    if _is_old_style(properties):
        return _old_style(properties)
    if isinstance(properties, list):
        return [_clean_property(p) for p in properties]
    if _is_group(properties) and not any(_is_group(p) for p in properties["values"]):
        return [_clean_property(p) for p in properties["values"]]
    raise Unconvertible("Series properties must be a list of filters.")


def _global_properties(properties: Any) -> dict[str, Any] | None:
    """Always a two-level property group, as PostHog's converter emits."""
    if not properties:
        return None
    if _is_old_style(properties):
        properties = _old_style(properties)
    if isinstance(properties, list):
        return {"type": "AND", "values": [{"type": "AND", "values": _clean_all(properties)}]}
    if not _is_group(properties):
        raise Unconvertible("Properties must be a list of filters or a property group.")
    if not any(_is_group(p) for p in properties["values"]):
        return {"type": "AND", "values": [_clean_property(properties)]}
    return {
        "type": properties["type"],
        "values": [
            _clean_property(p if _is_group(p) else {"type": "AND", "values": [p]})
            for p in properties["values"]
        ],
    }


def _clean_all(properties: list[Any]) -> list[Any]:
    return [_clean_property(p) for p in properties]


# --- breakdown ------------------------------------------------------------------------------------


def _breakdown_filter(filters: dict[str, Any], kind: str) -> dict[str, Any] | None:
    breakdown = filters.get("breakdown")
    breakdown_type = filters.get("breakdown_type")
    if breakdown_type == "undefined" and not isinstance(breakdown, str):
        return None
    if breakdown_type == "events":
        breakdown_type = "event"
    result: dict[str, Any] = {
        "breakdown_normalize_url": filters.get("breakdown_normalize_url"),
        "breakdown_group_type_index": filters.get("breakdown_group_type_index"),
        "breakdown_hide_other_aggregation": filters.get("breakdown_hide_other_aggregation"),
        "breakdown_histogram_bin_count": (
            filters.get("breakdown_histogram_bin_count") if kind == "TRENDS" else None
        ),
        "breakdown_limit": filters.get("breakdown_limit"),
    }
    breakdowns = filters.get("breakdowns")
    if breakdowns is not None:
        if kind == "TRENDS":
            items = [
                _without_nulls(
                    {
                        "type": item.get("type", "event"),
                        "property": item.get("property"),
                        "normalize_url": item.get("normalize_url"),
                        "histogram_bin_count": item.get("histogram_bin_count"),
                        "group_type_index": item.get("group_type_index"),
                    }
                )
                for item in _json_list(breakdowns, "breakdowns")
                if isinstance(item, dict) and "property" in item
            ]
            if items:
                result["breakdowns"] = items[:3]
        elif isinstance(breakdowns, list) and len(breakdowns) == 1:
            breakdown_type = breakdowns[0].get("type")
            breakdown = breakdowns[0].get("property")
        else:
            raise Unconvertible("A funnel can break down by one property only.")
    if breakdown is not None and breakdown_type is None:
        breakdown_type = "event"
    if isinstance(breakdown, list):
        breakdown = [value for value in breakdown if value is not None]
    result["breakdown"] = breakdown
    result["breakdown_type"] = breakdown_type
    return _without_nulls(result)


# --- per-kind filters -----------------------------------------------------------------------------


def _hidden_indexes(hidden_legend_keys: Any) -> list[int] | None:
    """``{1: true, 2: false}`` -> ``[1]`` (trends and stickiness legends)."""
    if not isinstance(hidden_legend_keys, dict) or not hidden_legend_keys:
        return None
    return [
        int(key)
        for key, value in hidden_legend_keys.items()
        if re.fullmatch(r"\d+", str(key)) and value is True
    ]


def _hidden_breakdowns(hidden_legend_keys: Any) -> list[str] | None:
    """``{"Chrome": true}`` -> ``["Chrome"]``; pre-2022 keys ``events/$pageview/0/Chrome`` too."""
    if not isinstance(hidden_legend_keys, dict) or not hidden_legend_keys:
        return None
    keys: dict[str, Any] = {}
    for key, value in hidden_legend_keys.items():
        parts = str(key).split("/", 3)
        if len(parts) == 4 and parts[2].isdigit():
            keys.setdefault(parts[3], value)
        else:
            keys[str(key)] = value
    return [key for key, value in keys.items() if not re.fullmatch(r"\d+", key) and value is True]


def _entity_dict(entity: Any) -> dict[str, Any] | None:
    if entity is None:
        return None
    if not isinstance(entity, dict):
        raise Unconvertible("A retention entity must be an object.")
    return _without_nulls(
        {key: entity.get(key) for key in ("type", "id", "name", "custom_name", "order")}
    )


def _exclusion(entity: Any) -> dict[str, Any]:
    if not isinstance(entity, dict):
        raise Unconvertible("A funnel exclusion must be an object.")
    node: dict[str, Any] = (
        {"kind": "ActionsNode", "id": entity.get("id")}
        if entity.get("type") == "actions"
        else {"kind": "EventsNode", "event": entity.get("id")}
    )
    node.update(
        name=entity.get("name"),
        custom_name=entity.get("custom_name"),
        funnelFromStep=entity.get("funnel_from_step"),
        funnelToStep=entity.get("funnel_to_step"),
    )
    return {key: value for key, value in node.items() if value is not None}


def _mean_retention(filters: dict[str, Any]) -> str:
    if filters.get("mean_retention_calculation"):
        return str(filters["mean_retention_calculation"])
    return "none" if filters.get("show_mean") is False else "simple"


def _insight_filter(filters: dict[str, Any], kind: str) -> dict[str, Any]:
    get = filters.get
    if kind == "TRENDS":
        display = get("display")
        return {
            "trendsFilter": _without_nulls(
                {
                    "smoothingIntervals": get("smoothing_intervals"),
                    "showLegend": get("show_legend"),
                    "showAlertThresholdLines": get("show_alert_threshold_lines"),
                    "hiddenLegendIndexes": _hidden_indexes(get("hidden_legend_keys")),
                    "aggregationAxisFormat": get("aggregation_axis_format"),
                    "aggregationAxisPrefix": get("aggregation_axis_prefix"),
                    "aggregationAxisPostfix": get("aggregation_axis_postfix"),
                    "decimalPlaces": get("decimal_places"),
                    "formula": get("formula"),
                    "display": display if display in DISPLAYS else None,
                    "showValuesOnSeries": get("show_values_on_series"),
                    "showPercentStackView": get("show_percent_stack_view"),
                    "showLabelsOnSeries": get("show_label_on_series"),
                    "yAxisScaleType": get("y_axis_scale_type"),
                    "showMultipleYAxes": get("show_multiple_y_axes"),
                }
            )
        }
    if kind == "FUNNELS":
        viz_type = get("funnel_viz_type")
        # Before funnel_viz_type existed, a line-graph display meant funnel trends.
        if viz_type is None and get("display") == "ActionsLineGraph":
            viz_type = "trends"
        exclusions = [_exclusion(e) for e in _json_list(get("exclusions"), "exclusions")]
        return {
            "funnelsFilter": _without_nulls(
                {
                    "funnelVizType": viz_type,
                    "funnelOrderType": get("funnel_order_type"),
                    "funnelFromStep": get("funnel_from_step"),
                    "funnelToStep": get("funnel_to_step"),
                    "funnelWindowIntervalUnit": get("funnel_window_interval_unit"),
                    "funnelWindowInterval": get("funnel_window_interval"),
                    "funnelStepReference": get("funnel_step_reference"),
                    "breakdownAttributionType": get("breakdown_attribution_type"),
                    "breakdownAttributionValue": get("breakdown_attribution_value"),
                    "binCount": get("bin_count"),
                    "exclusions": exclusions or None,
                    "layout": get("layout"),
                    "hiddenLegendBreakdowns": _hidden_breakdowns(get("hidden_legend_keys")),
                    "funnelAggregateByHogQL": get("funnel_aggregate_by_hogql"),
                }
            )
        }
    if kind == "RETENTION":
        # Never empty: the mean calculation always has a value.
        return {
            "retentionFilter": _without_nulls(
                {
                    "retentionType": get("retention_type"),
                    "retentionReference": get("retention_reference"),
                    "totalIntervals": get("total_intervals"),
                    "returningEntity": _entity_dict(get("returning_entity")),
                    "targetEntity": _entity_dict(get("target_entity")),
                    "period": get("period"),
                    "meanRetentionCalculation": _mean_retention(filters),
                    "cumulative": get("cumulative"),
                }
            )
        }
    if kind == "PATHS":
        return {
            "pathsFilter": _without_nulls(
                {
                    "pathsHogQLExpression": get("paths_hogql_expression"),
                    "includeEventTypes": get("include_event_types"),
                    "startPoint": get("start_point"),
                    "endPoint": get("end_point"),
                    "pathGroupings": get("path_groupings"),
                    "excludeEvents": get("exclude_events"),
                    "stepLimit": get("step_limit"),
                    "pathReplacements": get("path_replacements"),
                    "localPathCleaningFilters": get("local_path_cleaning_filters"),
                    "edgeLimit": get("edge_limit"),
                    "minEdgeWeight": get("min_edge_weight"),
                    "maxEdgeWeight": get("max_edge_weight"),
                }
            )
            or {},
            "funnelPathsFilter": _funnel_paths(filters),
        }
    if kind == "LIFECYCLE":
        return {
            "lifecycleFilter": _without_nulls(
                {
                    "toggledLifecycles": get("toggledLifecycles"),
                    "showLegend": get("show_legend"),
                    "showValuesOnSeries": get("show_values_on_series"),
                }
            )
        }
    return {
        "stickinessFilter": _without_nulls(
            {
                "showLegend": get("show_legend"),
                "hiddenLegendIndexes": _hidden_indexes(get("hidden_legend_keys")),
                "showValuesOnSeries": get("show_values_on_series"),
            }
        )
    }


def _funnel_paths(filters: dict[str, Any]) -> dict[str, Any] | None:
    funnel_paths = filters.get("funnel_paths")
    funnel_filter = filters.get("funnel_filter")
    if funnel_paths is None or funnel_filter is None:
        return None
    if not isinstance(funnel_filter, dict) or insight_type(funnel_filter) != "FUNNELS":
        raise Unconvertible("funnel_filter must be a funnel's filters.")
    return {
        "funnelPathType": funnel_paths,
        "funnelSource": _source(copy.deepcopy(funnel_filter)),
        "funnelStep": funnel_filter.get("funnel_step"),
    }
