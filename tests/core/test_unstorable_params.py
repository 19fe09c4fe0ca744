"""Every list filter and query parameter refuses what PostgreSQL cannot store or compare (a NUL,
a lone surrogate, an integer past bigint) with a 400 naming the parameter, never a 500."""

from __future__ import annotations

import pytest

from tests.insights.factories import make_dashboard
from tests.insights.factories import make_insight

pytestmark = pytest.mark.django_db

HUGE = "99999999999999999999"

CASES = [
    ("insights/", "tags", '["a\\u0000b"]'),
    ("insights/", "tags", '["a\\ud800b"]'),
    ("insights/", "events", '["a\\u0000b"]'),
    ("insights/", "events", '["\\udfff"]'),
    ("insights/", "created_by", f"[{HUGE}]"),
    ("insights/", "dashboards", f"[{HUGE}]"),
    ("insights/", "offset", HUGE),
    ("insights/", "limit", HUGE),
    ("insights/", "short_id", "a\x00b"),
    ("insights/{insight}/", "from_dashboard", HUGE),
    ("insights/{insight}/", "filters_override", '{"date_from": "a\\u0000"}'),
    ("insights/{insight}/", "variables_override", '{"a": "\\ud800"}'),
    ("insights/{insight}/activity/", "page", HUGE),
    ("insights/activity/", "limit", HUGE),
    ("dashboards/", "offset", HUGE),
    ("activity_log/", "item_id", "a\x00b"),
    ("activity_log/", "scope", "a\x00b"),
    ("activity_log/", "page", HUGE),
    ("elements/", "tag_name", "a\x00b"),
    ("elements/", "offset", HUGE),
    ("elements/stats/", "properties", '[{"key": "a\\u0000", "value": "b"}]'),
    ("elements/values/", "key", "a\x00b"),
]
# Parameters that only count next to another one.
ALONGSIDE = {("elements/values/", "value"): {"key": "tag_name"}}
CASES.append(("elements/values/", "value", "a\x00b"))


@pytest.mark.parametrize(("path", "param", "value"), CASES)
def test_unstorable_query_parameter_is_400_naming_it(api_client, team, owner, path, param, value):
    insight = make_insight(team=team, user=owner)
    make_dashboard(team=team, user=owner)
    url = f"/api/projects/{team.id}/{path.format(insight=insight.id)}"
    response = api_client.get(url, {**ALONGSIDE.get((path, param), {}), param: value})
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["type"] == "validation_error"
    assert body["attr"] == param or body["attr"].startswith(f"{param}__"), body


def test_every_filterset_checks_what_it_parses():
    """The check lives in the shared base class: a new FilterSet that skipped it would 500."""
    import django_filters

    import posthog_api.api_router  # noqa: F401 - imports every view, so every FilterSet is defined
    from posthog_api.filters import StorableFilterSet

    def project_subclasses(cls):
        for sub in cls.__subclasses__():
            if sub.__module__.split(".")[0] in {"insights", "activity", "elements", "posthog_api"}:
                yield sub
            yield from project_subclasses(sub)

    found = set(project_subclasses(django_filters.FilterSet))
    assert len(found) >= 3
    assert all(issubclass(cls, StorableFilterSet) for cls in found)
