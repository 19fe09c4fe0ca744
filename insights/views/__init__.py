from insights.views.dashboards import DashboardViewSet
from insights.views.insights import InsightViewSet

__all__ = ["DashboardViewSet", "InsightViewSet"]
