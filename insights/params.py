"""Query parameters of the insight actions that are not list filters (refresh, overrides, ...)."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.utils import html

from insights.queries.modes import DEFAULT_MODE
from insights.queries.modes import REFRESH_MODES
from insights.queries.modes import ExecutionMode
from insights.queries.modes import execution_mode
from posthog_api.booleans import is_truthy
from posthog_api.query_params import QueryParamsSerializer


@extend_schema_field({"type": "string", "enum": [*REFRESH_MODES, "true", "false"]})
class RefreshField(serializers.Field):  # type: ignore[type-arg]
    """``refresh`` through the one parser (``insights.queries.modes.execution_mode``)."""

    def get_value(self, dictionary: Any) -> Any:
        # DRF turns a blank optional query-string value into "absent"; a bare ``?refresh=`` is
        # true in PostHog, so the parser must see it.
        if html.is_html_input(dictionary) and dictionary.get(self.field_name) == "":
            return ""
        return super().get_value(dictionary)

    def to_internal_value(self, data: Any) -> ExecutionMode:
        try:
            return execution_mode(data)
        except ValidationError as exc:
            raise ValidationError(exc.detail["refresh"]) from None  # type: ignore[index, call-overload]

    def to_representation(self, value: Any) -> str:
        return str(value)


class JSONObjectParamField(serializers.CharField):
    """A JSON object passed as a query-string value."""

    def to_internal_value(self, data: Any) -> dict[str, Any] | None:  # type: ignore[override]
        text = super().to_internal_value(data)
        if not text:
            return None
        try:
            parsed = json.loads(text)
        except ValueError:
            raise serializers.ValidationError(
                f"Invalid JSON passed in {self.field_name} parameter"
            ) from None
        if not isinstance(parsed, dict):
            raise serializers.ValidationError(f"{self.field_name} must be a JSON object")
        return parsed


class InsightListParamsSerializer(QueryParamsSerializer):
    basic = serializers.CharField(
        required=False, allow_blank=True, help_text="Truthy: the basic shape, no results."
    )
    refresh = RefreshField(required=False, help_text="Execution mode for each insight's result.")

    def validate_basic(self, value: str) -> bool:
        return is_truthy(value)


class InsightRetrieveParamsSerializer(QueryParamsSerializer):
    refresh = RefreshField(required=False)
    from_dashboard = serializers.IntegerField(required=False, allow_null=True)
    filters_override = JSONObjectParamField(required=False, allow_blank=True)
    variables_override = JSONObjectParamField(required=False, allow_blank=True)
    client_query_id = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=200,
        help_text="Tags the query so that POST insights/cancel/ can cancel it.",
    )


class TrendingParamsSerializer(QueryParamsSerializer):
    # About a century either way: further would overflow the date arithmetic.
    days = serializers.IntegerField(required=False, default=7, min_value=-36500, max_value=36500)
    limit = serializers.IntegerField(required=False, default=10, min_value=1)
    offset = serializers.IntegerField(
        required=False, min_value=0, help_text="Ignored, as in PostHog."
    )

    def validate_limit(self, value: int) -> int:
        return min(value, 100)


class WriteParamsSerializer(QueryParamsSerializer):
    refresh = RefreshField(required=False, default=DEFAULT_MODE)


def refresh_source(request: Any) -> dict[str, Any]:
    """``refresh`` from the query string, else from a JSON body (PostHog reads both)."""
    if "refresh" in request.query_params:
        return {"refresh": request.query_params["refresh"]}
    body = request.data
    if isinstance(body, dict) and "refresh" in body:
        return {"refresh": body["refresh"]}
    return {}


def is_restore(body: Any) -> bool:
    """A write body that sets ``deleted`` to false: the only request that sees deleted rows."""
    if not isinstance(body, dict) or "deleted" not in body:
        return False
    value = body["deleted"]
    # An object or list is not a boolean (and not hashable): the serializer rejects it later.
    return isinstance(value, str | int | float) and value in serializers.BooleanField.FALSE_VALUES
