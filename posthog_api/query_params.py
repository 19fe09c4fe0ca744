"""The base of every query-parameter serializer: parsed values must be storable by PostgreSQL.

As ``posthog_api/filters.py`` does for FilterSets: an integer past bigint (``?from_dashboard=``),
or a NUL or lone surrogate inside a JSON-valued parameter (``?filters_override=``), is a 400
naming the parameter instead of a database error.
"""

from __future__ import annotations

from typing import Any

from rest_framework import serializers

from posthog_api.json_values import check_storable_params


class QueryParamsSerializer(serializers.Serializer[Any]):
    def to_internal_value(self, data: Any) -> Any:
        validated = super().to_internal_value(data)
        check_storable_params(validated)
        return validated
