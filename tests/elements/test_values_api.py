from __future__ import annotations

import pytest

from posthog_api.models import Event
from tests.elements.helpers import BUY
from tests.elements.helpers import DOCS
from tests.elements.helpers import SIGNUP
from tests.elements.helpers import add_events

pytestmark = pytest.mark.django_db


def values(client, team, **params):
    return client.get(f"/api/projects/{team.id}/elements/values/", params)


def test_tag_name_values_are_the_clicked_tags_by_count(api_client, team):
    add_events(team, SIGNUP, count=2)
    add_events(team, DOCS, count=1)
    add_events(team, BUY, count=4)
    response = values(api_client, team, key="tag_name")
    assert response.status_code == 200
    assert response.json() == [{"name": "button"}, {"name": "a"}]


def test_text_values_take_the_first_text_of_each_chain(api_client, team):
    add_events(team, SIGNUP, count=2)
    add_events(team, DOCS, count=3)
    add_events(team, BUY, count=1)
    assert values(api_client, team, key="text").json() == [
        {"name": "Docs"},
        {"name": "Sign up"},
        {"name": 'Buy "now"'},
    ]


def test_href_and_attr_id_values(api_client, team):
    add_events(team, SIGNUP, count=2)
    add_events(team, DOCS)
    add_events(team, BUY)
    assert values(api_client, team, key="href").json() == [{"name": "/signup"}, {"name": "/docs"}]
    assert values(api_client, team, key="attr_id").json() == [{"name": "buy"}]


def test_value_is_a_case_sensitive_literal_contains_filter(api_client, team):
    add_events(team, SIGNUP)
    add_events(team, DOCS)
    add_events(team, BUY)
    assert values(api_client, team, key="text", value="Do").json() == [{"name": "Docs"}]
    assert values(api_client, team, key="text", value="do").json() == []
    assert values(api_client, team, key="text", value='"now"').json() == [{"name": 'Buy "now"'}]
    # Regex metacharacters are literal text.
    assert values(api_client, team, key="text", value=".*").json() == []
    assert values(api_client, team, key="tag_name", value="utt").json() == [{"name": "button"}]


def test_only_autocapture_events_of_the_team_count(api_client, team, outsider):
    add_events(team, SIGNUP, event="$rageclick")
    add_events(outsider.current_team, DOCS)
    add_events(team, BUY)
    assert values(api_client, team, key="tag_name").json() == [{"name": "button"}]


def test_at_most_100_values(api_client, team):
    Event.objects.bulk_create(
        [
            Event(
                team=team,
                event="$autocapture",
                distinct_id="d",
                timestamp="2024-01-05T00:00:00Z",
                elements_chain=f'a:nth-child="1"text="link {i}"',
            )
            for i in range(105)
        ]
    )
    body = values(api_client, team, key="text").json()
    assert len(body) == 100


def test_selector_has_no_listable_values(api_client, team):
    add_events(team, SIGNUP)
    response = values(api_client, team, key="selector")
    assert response.status_code == 200
    assert response.json() == []


@pytest.mark.parametrize(
    "params", [{}, {"key": "attr_class"}, {"key": "nth_child"}, {"key": 'x"y'}]
)
def test_other_keys_are_400(api_client, team, params):
    response = values(api_client, team, **params)
    assert response.status_code == 400
    assert response.json() == {
        "type": "validation_error",
        "code": "invalid_input",
        "detail": "key must be one of attr_id, href, tag_name, text",
        "attr": "key",
    }


def test_outsider_gets_404(outsider_client, team):
    response = values(outsider_client, team, key="text")
    assert response.status_code == 404


def test_key_without_scope_gets_403(api_client_for, owner, team):
    response = values(api_client_for(owner, scopes=["insight:write"]), team, key="text")
    assert response.status_code == 403
    assert response.json()["detail"] == "API key missing required scope 'element:read'"
    assert (
        values(api_client_for(owner, scopes=["element:read"]), team, key="text").status_code == 200
    )
