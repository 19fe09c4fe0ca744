"""Deterministic demo data: a realistic product story written straight into the events tables.

``generate_demo_data(team=team, events=20_000, seed=1)`` is the entry point used by ``make run``,
the ``generate_demo_data`` management command and the benchmarks of every other area.
"""

from posthog_api.demo.generator import generate_demo_data

__all__ = ["generate_demo_data"]
