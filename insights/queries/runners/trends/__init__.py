"""TrendsQuery (posthog-queries.md §2): per-series aggregates over interval buckets.

One SQL statement per series and period aggregates ``GROUP BY bucket, breakdown`` (a rolling
window join for weekly/monthly active, a first-bucket-per-actor pass for cumulative users);
Python densifies buckets, ranks breakdown values, and applies cumulative, smoothing, compare
and formulas, which only ever touch the small aggregated rows.

* ``options.py``: the query's options and their validation (display, interval, maths);
* ``query_builder.py``: builds and runs the SQL, returning aggregated rows;
* ``shaper.py``: turns aggregated rows into PostHog's result items (labels, cumulative,
  smoothing, formulas);
* ``runner.py``: ``TrendsQueryRunner``, which drives them per series and period.
"""

from insights.queries.runners.trends.runner import TrendsQueryRunner

__all__ = ["TrendsQueryRunner"]
