"""Writing ``EventHourlyCount`` rows from the bulk event writers (capture, the demo loader).

Both count the events they insert themselves and, for that insert only, switch off the per-row
counting trigger of migration 0002 with the transaction-local ``COUNTED_SETTING``; everything
else that inserts events is counted by that trigger. A bulk load of its own (a COPY of millions of
rows) must do the same, setting on and then one grouped ``add_counts`` afterwards, as
``bench/bench_elements.py`` does: row by row, the trigger would upsert the same few count rows
once per event.
"""

from __future__ import annotations

COUNTED_SETTING = "posthog.hourly_counted"
# ``set_config(name, 'on'|'off', is_local)`` with the value as the one parameter.
SET_COUNTED_LOCAL = f"SELECT set_config('{COUNTED_SETTING}', %s, true)"
SET_COUNTED_SESSION = f"SELECT set_config('{COUNTED_SETTING}', %s, false)"


def add_counts(rows: str) -> str:
    """``INSERT`` of ``rows`` (a SELECT of team_id, event, hour, shard, count) that adds each
    count to the stored one. Rows must come in key order: two writers sharing a row then lock
    in the same order and cannot deadlock."""
    return (
        f"INSERT INTO posthog_api_eventhourlycount (team_id, event, hour, shard, count) {rows}"
        " ON CONFLICT (team_id, event, hour, shard)"
        " DO UPDATE SET count = posthog_api_eventhourlycount.count + EXCLUDED.count"
    )
