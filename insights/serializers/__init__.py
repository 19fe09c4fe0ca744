"""Input and output shapes of the insight, dashboard and helper endpoints."""

from insights.serializers.actions import CancelSerializer
from insights.serializers.actions import GenerateMetadataSerializer
from insights.serializers.actions import InsightMetadataSerializer
from insights.serializers.actions import ViewedSerializer
from insights.serializers.dashboards import DashboardSerializer
from insights.serializers.insights import InsightBasicSerializer
from insights.serializers.insights import InsightSerializer
from insights.serializers.insights import TrendingInsightSerializer

__all__ = [
    "CancelSerializer",
    "DashboardSerializer",
    "GenerateMetadataSerializer",
    "InsightBasicSerializer",
    "InsightMetadataSerializer",
    "InsightSerializer",
    "TrendingInsightSerializer",
    "ViewedSerializer",
]
