"""``make fuzz`` reads a bounded copy of the schema: its query examples must mean what they say."""

from __future__ import annotations

import pytest
import yaml
from django.conf import settings
from rest_framework.exceptions import ValidationError

from fuzz.queries import INVALID_QUERIES
from fuzz.queries import VALID_QUERIES
from fuzz.schema import bounded_schema
from insights.queries.schema import validate_query


@pytest.mark.parametrize("query", VALID_QUERIES, ids=lambda q: str(q.get("kind")))
def test_valid_examples_are_accepted(query):
    validate_query(query)


@pytest.mark.parametrize("query", INVALID_QUERIES, ids=str)
def test_invalid_examples_are_refused(query):
    with pytest.raises(ValidationError):
        validate_query(query)


def test_every_request_query_field_is_bounded_and_responses_keep_the_models():
    schema = yaml.safe_load((settings.BASE_DIR / "openapi.yaml").read_text())
    bounded, count = bounded_schema(schema)
    components = bounded["components"]["schemas"]
    assert count >= 2
    assert "enum" in components["InsightRequest"]["properties"]["query"]
    assert "enum" in components["PatchedInsightRequest"]["properties"]["query"]
    assert "oneOf" in components["Insight"]["properties"]["query"]
