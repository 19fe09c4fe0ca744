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
