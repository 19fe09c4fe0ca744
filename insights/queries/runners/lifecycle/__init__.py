"""LifecycleQuery (posthog-queries.md §5): new / returning / resurrecting / dormant actors.

``query_builder.py`` (SQL -> counts per bucket and status), ``shaper.py`` (counts -> the four
status series), ``runner.py`` (``LifecycleQueryRunner``).
"""

from insights.queries.runners.lifecycle.runner import LifecycleQueryRunner

__all__ = ["LifecycleQueryRunner"]
