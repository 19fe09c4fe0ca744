from __future__ import annotations

import json
import threading
from http.server import BaseHTTPRequestHandler
from http.server import HTTPServer

import pytest

from insights.models import Insight
from tests.insights.factories import funnels_query
from tests.insights.factories import sql_query
from tests.insights.factories import trends_query

pytestmark = pytest.mark.django_db


def generate(client, team, query):
    return client.post(f"/api/projects/{team.id}/insights/generate_metadata/", {"query": query})


def test_trends_name_and_description_come_from_the_query(api_client, team):
    query = trends_query(
        "$pageview",
        dateRange={"date_from": "-30d"},
        interval="week",
        breakdownFilter={"breakdown": "$browser"},
    )
    query["source"]["series"][0]["math"] = "dau"
    response = generate(api_client, team, query)
    assert response.status_code == 200
    assert response.json() == {
        "name": "Unique users of Pageview by Browser",
        "description": "Trend of unique users of Pageview over the last 30 days, by week, broken down by Browser.",
    }
    assert not Insight.objects.exists()


def test_funnel_name_lists_steps(api_client, team):
    body = generate(api_client, team, funnels_query("$pageview", "signed_up", "purchase")).json()
    assert body["name"] == "Pageview → Signed up → Purchase conversion"
    assert body["description"].startswith(
        "Conversion through 3 steps (Pageview, Signed up, Purchase)"
    )


@pytest.mark.parametrize(
    ("query", "name"),
    [
        (sql_query("select count() from events"), "SQL query on events"),
        (
            {
                "kind": "InsightVizNode",
                "source": {
                    "kind": "RetentionQuery",
                    "retentionFilter": {
                        "targetEntity": {"id": "signed_up", "type": "events"},
                        "returningEntity": {"id": "$pageview", "type": "events"},
                    },
                },
            },
            "Retention: Signed up → Pageview",
        ),
        (
            {
                "kind": "InsightVizNode",
                "source": {
                    "kind": "LifecycleQuery",
                    "series": [{"kind": "EventsNode", "event": "$pageview"}],
                },
            },
            "Lifecycle of Pageview users",
        ),
        (
            {
                "kind": "InsightVizNode",
                "source": {"kind": "PathsQuery", "pathsFilter": {"startPoint": "/home"}},
            },
            "User paths starting at /home",
        ),
        (
            {
                "kind": "InsightVizNode",
                "source": {
                    "kind": "StickinessQuery",
                    "series": [{"kind": "EventsNode", "event": "$pageview"}],
                },
            },
            "Stickiness of Pageview",
        ),
        ({"kind": "EventsQuery", "select": ["*"], "event": "$pageview"}, "Pageview events"),
    ],
)
def test_every_kind_gets_a_name(api_client, team, query, name):
    response = generate(api_client, team, query)
    assert response.status_code == 200, response.json()
    assert response.json()["name"] == name
    assert response.json()["description"].endswith((".", "events"))


@pytest.mark.parametrize(
    ("body", "attr"),
    [({}, "query"), ({"query": {}}, "query"), ({"query": {"kind": "Nope"}}, "query")],
)
def test_missing_or_invalid_query_is_400(api_client, team, body, attr):
    response = api_client.post(f"/api/projects/{team.id}/insights/generate_metadata/", body)
    assert response.status_code == 400
    assert response.json()["attr"] == attr


def test_missing_query_message(api_client, team):
    response = api_client.post(f"/api/projects/{team.id}/insights/generate_metadata/", {})
    assert response.json()["detail"] == "Missing 'query' field in request body"


def test_needs_insight_write(api_client_for, owner, team):
    response = generate(api_client_for(owner, scopes=["insight:read"]), team, trends_query())
    assert response.status_code == 403
    assert (
        generate(api_client_for(owner, scopes=["insight:write"]), team, trends_query()).status_code
        == 200
    )


def test_outsider_gets_404(outsider_client, team):
    assert generate(outsider_client, team, trends_query()).status_code == 404


class _LLMHandler(BaseHTTPRequestHandler):
    status = 200
    answer: dict = {"name": "LLM name", "description": "LLM description."}
    seen: list = []

    def do_POST(self):
        length = int(self.headers["Content-Length"])
        type(self).seen.append(
            (self.path, self.headers["Authorization"], json.loads(self.rfile.read(length)))
        )
        payload = json.dumps(
            {"choices": [{"message": {"content": json.dumps(self.answer)}}]}
        ).encode()
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture
def llm_server(settings):
    handler = type("Handler", (_LLMHandler,), {"seen": []})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.LLM_API_URL = f"http://127.0.0.1:{server.server_port}/v1"
    settings.LLM_API_KEY = "test-key"
    yield handler
    server.shutdown()
    server.server_close()


def test_configured_llm_answers(api_client, team, llm_server):
    body = generate(api_client, team, trends_query()).json()
    assert body == {"name": "LLM name", "description": "LLM description."}
    path, auth, request = llm_server.seen[0]
    assert path == "/v1/chat/completions"
    assert auth == "Bearer test-key"
    assert "TrendsQuery" in request["messages"][1]["content"]


def test_llm_failure_falls_back_to_describer(api_client, team, llm_server):
    llm_server.status = 500
    body = generate(api_client, team, trends_query()).json()
    assert body["name"] == "Pageview"


def test_llm_garbage_falls_back_to_describer(api_client, team, llm_server):
    llm_server.answer = {"title": "wrong keys"}
    response = generate(api_client, team, trends_query())
    assert response.status_code == 200
    assert response.json()["name"] == "Pageview"


def test_unreachable_llm_falls_back(api_client, team, settings):
    settings.LLM_API_URL = "http://127.0.0.1:9/v1"
    settings.LLM_API_KEY = "k"
    assert generate(api_client, team, trends_query()).json()["name"] == "Pageview"
