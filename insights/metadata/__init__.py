"""``generate_metadata``: a name and a one-sentence description for a query."""

from insights.metadata.generate import generate_insight_metadata

__all__ = ["generate_insight_metadata"]
