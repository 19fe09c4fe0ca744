"""FunnelsQuery (posthog-queries.md §3) and the actors behind a funnel step.

``query_builder.py`` (the one-statement SQL over the PL/pgSQL path functions), ``shaper.py``
(rows -> PostHog's steps, bins and trends shapes), ``runner.py`` (``FunnelsQueryRunner``) and
``actors.py`` (``ActorsQueryRunner`` over a ``FunnelsActorsQuery``).
"""

from insights.queries.runners.funnels.actors import ActorsQueryRunner
from insights.queries.runners.funnels.runner import FunnelsQueryRunner

__all__ = ["ActorsQueryRunner", "FunnelsQueryRunner"]
