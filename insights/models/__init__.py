from insights.models.dashboard import Dashboard
from insights.models.dashboard import DashboardTile
from insights.models.insight import Insight
from insights.models.tag import Tag
from insights.models.tag import TaggedItem
from insights.models.viewed import InsightViewed

__all__ = ["Dashboard", "DashboardTile", "Insight", "InsightViewed", "Tag", "TaggedItem"]
