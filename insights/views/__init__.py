from insights.views.dashboards import DashboardViewSet
from insights.views.insights import InsightViewSet
from insights.views.query import QueryViewSet

__all__ = ["DashboardViewSet", "InsightViewSet", "QueryViewSet"]
