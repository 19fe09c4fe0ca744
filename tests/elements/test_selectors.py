from __future__ import annotations

import pytest
from django.db import DataError
from rest_framework.exceptions import ValidationError

from elements.selectors import QueryTimeout
from elements.selectors import _run

pytestmark = pytest.mark.django_db


def test_a_query_over_the_statement_timeout_is_a_504(settings):
    settings.QUERY_STATEMENT_TIMEOUT_MS = 10
    with pytest.raises(QueryTimeout) as raised:
        _run("SELECT pg_sleep(1)", [])
    assert raised.value.status_code == 504


def test_an_invalid_regex_is_a_validation_error():
    with pytest.raises(ValidationError) as raised:
        _run("SELECT 'abc' ~ %s", ["(unclosed"])
    assert "properties" in raised.value.detail


def test_other_data_errors_are_not_disguised_as_bad_input():
    with pytest.raises(DataError):
        _run("SELECT 1 / 0", [])
