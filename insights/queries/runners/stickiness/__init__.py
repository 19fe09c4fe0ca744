"""StickinessQuery (posthog-queries.md §7): how many actors were active in exactly k buckets.

``query_builder.py`` (SQL -> actors per count), ``shaper.py`` (counts -> PostHog's item),
``runner.py`` (``StickinessQueryRunner``).
"""

from insights.queries.runners.stickiness.runner import StickinessQueryRunner

__all__ = ["StickinessQueryRunner"]
