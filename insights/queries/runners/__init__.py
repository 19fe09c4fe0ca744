"""Query runners; importing the package registers every supported kind."""

from insights.queries.runners import lifecycle as lifecycle
from insights.queries.runners import stickiness as stickiness
from insights.queries.runners import trends as trends
from insights.queries.runners.funnels import actors as funnel_actors  # noqa: F401
from insights.queries.runners.funnels import runner as funnels  # noqa: F401
