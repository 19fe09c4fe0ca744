from __future__ import annotations

from drf_spectacular.generators import SchemaGenerator


def test_insight_query_is_described_by_the_query_models():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    components = schema["components"]["schemas"]
    query = components["Insight"]["properties"]["query"]
    refs = {option["$ref"] for option in query["oneOf"]}
    assert "#/components/schemas/InsightVizNode" in refs
    assert "#/components/schemas/DataVisualizationNode" in refs
    assert "TrendsQuery" in components
    assert "/api/projects/{team_id}/insights/activity/" in schema["paths"]
    assert "/api/environments/{team_id}/insights/{id}/activity/" in schema["paths"]


def _schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def _ok_schema(operation):
    return operation["responses"]["200"]["content"]["application/json"]["schema"]


def test_activity_endpoints_are_documented_as_pages():
    paths = _schema()["paths"]
    for path in (
        "/api/projects/{team_id}/activity_log/",
        "/api/projects/{team_id}/insights/activity/",
        "/api/projects/{team_id}/insights/{id}/activity/",
    ):
        operation = paths[path]["get"]
        assert _ok_schema(operation) == {"$ref": "#/components/schemas/PaginatedActivityLogList"}
        assert {"limit", "page"} <= {p["name"] for p in operation["parameters"]}


def test_activity_page_component_has_the_answered_keys():
    page = _schema()["components"]["schemas"]["PaginatedActivityLogList"]
    assert set(page["required"]) == {"results", "next", "previous", "total_count"}


def test_my_last_viewed_is_documented_as_a_plain_list():
    operation = _schema()["paths"]["/api/projects/{team_id}/insights/my_last_viewed/"]["get"]
    schema = _ok_schema(operation)
    assert schema["type"] == "array"
    assert schema["items"] == {"$ref": "#/components/schemas/InsightBasic"}


def test_every_operation_declares_its_error_responses_with_the_error_body():
    schema = _schema()
    error = schema["components"]["schemas"]["ErrorResponse"]
    assert set(error["required"]) == {"type", "code", "detail", "attr"}
    ref = {"$ref": "#/components/schemas/ErrorResponse"}
    operations = [
        op
        for item in schema["paths"].values()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) > 50
    for operation in operations:
        for status in ("401", "403", "404", "429"):
            assert operation["responses"][status]["content"]["application/json"]["schema"] == ref
    insights_list = schema["paths"]["/api/projects/{team_id}/insights/"]["get"]
    assert insights_list["responses"]["400"]["content"]["application/json"]["schema"] == ref


def test_current_user_documents_a_user_without_a_current_project():
    me = _schema()["components"]["schemas"]["Me"]["properties"]
    assert me["organization"]["nullable"] is True
    assert me["team"].get("nullable") is True
