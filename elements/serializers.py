"""Element shapes: the CRUD serializer, the stats/values query parameters and their responses."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.utils import timezone
from rest_framework import serializers

from elements.dates import end_of_day
from elements.dates import parse_date
from elements.dates import start_of_day
from elements.models import Element
from elements.property_filters import PARAM as PROPERTIES_PARAM
from elements.property_filters import Filters
from elements.property_filters import compile_property_filters
from elements.property_filters import parse_property_filters
from posthog_api.api.model_serializer import ModelSerializer
from posthog_api.json_values import check_storable
from posthog_api.query_params import QueryParamsSerializer

STATS_EVENT_TYPES = ("$autocapture", "$rageclick", "$dead_click")
STATS_DEFAULT_LIMIT = 50_000
STATS_MAX_LIMIT = 999_999
# PostgreSQL's OFFSET is a bigint; anything near it is past every possible row anyway.
STATS_MAX_OFFSET = 2**62
VALUES_KEYS = ("attr_id", "href", "tag_name", "text")
# Keys the UI offers whose values are computed, not stored in a chain: always no values.
VALUES_UNLISTABLE_KEYS = ("selector",)


class ElementSerializer(ModelSerializer[Element]):
    """The seed's nine fields plus ``id`` (PostHog hides it, which makes rows unaddressable)."""

    attr_class = serializers.ListField(
        child=serializers.CharField(max_length=200, allow_blank=True),
        allow_null=True,
        required=False,
    )

    class Meta:
        model = Element
        fields = [
            "id",
            "text",
            "tag_name",
            "attr_class",
            "href",
            "attr_id",
            "nth_child",
            "nth_of_type",
            "attributes",
            "order",
        ]
        read_only_fields = ["id"]

    def validate_attributes(self, value: Any) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise serializers.ValidationError("attributes must be a JSON object.")
        return value


def _int_field(name: str, **kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(
        required=False,
        error_messages={
            "invalid": f"{name} must be an integer",
            "max_string_length": f"{name} must be an integer",
        },
        **kwargs,
    )


def _parse_date_param(name: str, raw: str, *, tz: ZoneInfo, now: datetime) -> tuple[datetime, bool]:
    try:
        return parse_date(raw, tz=tz, now=now)
    except (ValueError, OverflowError):
        raise serializers.ValidationError(
            {name: [f"{name} must be a date (2024-01-31), a datetime or a relative date like -7d"]}
        ) from None


class ElementStatsQuerySerializer(QueryParamsSerializer):
    """``elements/stats/`` parameters, with PostHog's messages for bad values."""

    include = serializers.ListField(
        child=serializers.CharField(allow_blank=True),
        required=False,
        default=list,
        help_text="Event types ($autocapture, $rageclick, $dead_click; default all): repeated, "
        "a JSON array or a comma list.",
    )
    date_from = serializers.CharField(
        required=False,
        default="-7d",
        help_text="Start day (2024-01-31, a datetime or -7d); always from 00:00 in the team timezone.",
    )
    date_to = serializers.CharField(
        required=False,
        allow_null=True,
        default=None,
        help_text="End (default now); a bare date means the end of that day.",
    )
    properties = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="JSON list (or AND/OR group) of event, person, event_metadata or element "
        "property filters.",
    )
    filter_test_accounts = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="The lowercase string true adds the project's test-account filters.",
    )
    limit = _int_field(
        "limit", default=STATS_DEFAULT_LIMIT, help_text=f"Rows per page, 1 to {STATS_MAX_LIMIT}."
    )
    offset = _int_field("offset", default=0, help_text="Rows to skip.")
    sampling_factor = serializers.CharField(
        required=False,
        default="1",
        help_text="Fraction of persons sampled, in (0, 1]; counts are scaled back up.",
    )
    data_attributes = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="Comma list of attribute names (data-* wildcards; first 50): keep only those "
        "attr__ keys in each element's attributes.",
    )
    max_element_chain_depth = _int_field(
        "max_element_chain_depth",
        allow_null=True,
        default=None,
        help_text="Keep only the clicked element and its nearest ancestors, this many in all.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        """Resolve the dates in the team's timezone: from midnight of date_from to date_to."""
        tz = ZoneInfo(self.context["team"].timezone)
        now = timezone.now()
        date_from, _ = _parse_date_param("date_from", attrs["date_from"], tz=tz, now=now)
        attrs["date_from"] = start_of_day(date_from, tz)
        if attrs["date_to"] in (None, ""):
            attrs["date_to"] = now
        else:
            date_to, whole_day = _parse_date_param("date_to", attrs["date_to"], tz=tz, now=now)
            attrs["date_to"] = end_of_day(date_to, tz) if whole_day else date_to
        return attrs

    def validate_include(self, raw_values: list[str]) -> list[str]:
        # Accepted forms: repeated params (the toolbar), one JSON array string (MCP clients) or
        # a comma list (people typing "$rageclick, $autocapture").
        names: set[str] = set()
        for raw in raw_values:
            if raw.startswith("["):
                try:
                    parsed = json.loads(raw)
                except json.JSONDecodeError:
                    raise serializers.ValidationError(
                        "include must be a valid JSON array when passed as one"
                    ) from None
                if not isinstance(parsed, list) or not all(isinstance(i, str) for i in parsed):
                    raise serializers.ValidationError("include must be a JSON array of event names")
                names.update(parsed)
            else:
                names.update(part.strip() for part in raw.split(",") if part.strip())
        if not names:
            return list(STATS_EVENT_TYPES)
        if not names <= set(STATS_EVENT_TYPES):
            raise serializers.ValidationError(
                "Only $autocapture, $rageclick, and $dead_click are supported."
            )
        return [name for name in STATS_EVENT_TYPES if name in names]

    def validate_limit(self, value: int) -> int:
        if not 1 <= value <= STATS_MAX_LIMIT:
            raise serializers.ValidationError(f"limit must be between 1 and {STATS_MAX_LIMIT}")
        return value

    def validate_offset(self, value: int) -> int:
        if value < 0:
            raise serializers.ValidationError("offset must be zero or greater")
        if value > STATS_MAX_OFFSET:
            raise serializers.ValidationError(f"offset must be at most {STATS_MAX_OFFSET}")
        return value

    def validate_properties(self, raw: str) -> Filters:
        """The JSON filters parsed with the query engine's schema (None when there are none)."""
        if not raw:
            return None
        try:
            parsed = json.loads(raw)
        except (json.JSONDecodeError, RecursionError):
            raise serializers.ValidationError("properties must be valid JSON.") from None
        check_storable(parsed)
        try:
            filters = parse_property_filters(parsed)
            # Compiled once here so that a filter the engine cannot compute is a 400 up front.
            compile_property_filters(filters, team=self.context["team"])
        except serializers.ValidationError as error:
            raise serializers.ValidationError(error.detail[PROPERTIES_PARAM]) from None  # type: ignore[call-overload]
        return filters

    def validate_filter_test_accounts(self, raw: str) -> bool:
        # Only the lowercase string "true" turns it on, as in PostHog.
        return raw == "true"

    def validate_sampling_factor(self, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise serializers.ValidationError("sampling_factor must be a float") from None
        if not 0 < value <= 1:  # also false for NaN
            raise serializers.ValidationError(
                "sampling_factor must be greater than 0 and at most 1"
            )
        return value

    def validate_data_attributes(self, raw: str) -> list[str]:
        return raw.split(",")

    def validate_max_element_chain_depth(self, value: int | None) -> int | None:
        if value is not None and value < 1:
            raise serializers.ValidationError("max_element_chain_depth must be greater than zero")
        return value


class ElementValuesQuerySerializer(QueryParamsSerializer):
    key = serializers.CharField(required=False, allow_blank=True, default="")
    value = serializers.CharField(
        required=False, allow_blank=True, default="", trim_whitespace=False
    )

    def validate_key(self, key: str) -> str:
        if key not in VALUES_KEYS and key not in VALUES_UNLISTABLE_KEYS:
            raise serializers.ValidationError(f"key must be one of {', '.join(VALUES_KEYS)}")
        return key


class ChainElementSerializer(serializers.Serializer[dict[str, Any]]):
    """One element parsed from a chain (the CRUD shape without ``id``); documents the schema."""

    text = serializers.CharField(allow_null=True)
    tag_name = serializers.CharField(allow_null=True)
    attr_class = serializers.ListField(child=serializers.CharField(), allow_null=True)
    href = serializers.CharField(allow_null=True)
    attr_id = serializers.CharField(allow_null=True)
    nth_child = serializers.IntegerField(allow_null=True)
    nth_of_type = serializers.IntegerField(allow_null=True)
    attributes = serializers.DictField(child=serializers.CharField())
    order = serializers.IntegerField()


class ElementStatsRowSerializer(serializers.Serializer[dict[str, Any]]):
    count = serializers.IntegerField(help_text="Events on this chain (scaled by 1/sampling_factor)")
    hash = serializers.CharField(help_text="64-bit hash of the raw chain, lower-case hex")
    type = serializers.CharField(help_text="$autocapture, $rageclick or $dead_click")
    elements = ChainElementSerializer(many=True, help_text="The chain's elements, clicked first")


class ElementStatsResponseSerializer(serializers.Serializer[dict[str, Any]]):
    results = ElementStatsRowSerializer(many=True)
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)


class ElementValueSerializer(serializers.Serializer[dict[str, Any]]):
    name = serializers.CharField()
