"""Which requests the middleware coalesces, decided from the URLconf."""

from __future__ import annotations

import pytest
from django.test import RequestFactory

from coalescing.routes import coalescing_team_id

pytestmark = pytest.mark.urls("tests.coalescing.probe")


@pytest.mark.parametrize(
    ("method", "path", "expected"),
    [
        ("GET", "/api/projects/12/probes/3/", "12"),
        ("GET", "/api/environments/12/probes/3/", "12"),
        ("GET", "/api/projects/12/probes/3", "12"),
        ("POST", "/api/projects/12/probes/compute/", "12"),
        ("GET", "/api/projects/@current/probes/3/", None),
        ("PATCH", "/api/projects/12/probes/3/", None),
        ("DELETE", "/api/projects/12/probes/3/", None),
        ("GET", "/api/projects/12/probes/compute/", None),
        ("GET", "/api/projects/12/nothing-here/", None),
        ("GET", "/metrics", None),
    ],
)
def test_only_listed_actions_of_coalescing_viewsets_with_a_numeric_team_qualify(
    method, path, expected
):
    request = RequestFactory().generic(method, path)
    assert coalescing_team_id(request) == expected
