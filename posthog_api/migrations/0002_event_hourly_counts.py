"""Hourly event counts (``EventHourlyCount``), kept exact by statement-level triggers.

The triggers see each statement's inserted/deleted rows as a transition table, so a 100-event
capture batch costs one grouped upsert, not 100 row triggers, and COPY, the ORM and raw SQL all
keep the counts right. Rows are upserted in key order (no deadlock between two backends that
share a shard) into the shard of the current backend (no lock wait between concurrent batches).
Existing events are counted once, after the triggers exist and while they hold the table lock.
"""

from django.db import migrations
from django.db import models

TABLE = "posthog_api_eventhourlycount"

UPSERT = f"""
    INSERT INTO {TABLE} (team_id, event, hour, shard, count)
    SELECT team_id, event, date_trunc('hour', "timestamp", 'UTC'), pg_backend_pid() % 16, {{sign}}count(*)
    FROM {{rows}} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (team_id, event, hour, shard)
    DO UPDATE SET count = {TABLE}.count + EXCLUDED.count;
"""

CREATE = f"""
CREATE FUNCTION posthog_api_event_hourly_count_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM {TABLE};
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        {UPSERT.format(sign="-", rows="old_events")}
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        {UPSERT.format(sign="", rows="new_events")}
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER event_hourly_count_insert AFTER INSERT ON posthog_api_event
    REFERENCING NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION posthog_api_event_hourly_count_sync();
CREATE TRIGGER event_hourly_count_update AFTER UPDATE ON posthog_api_event
    REFERENCING OLD TABLE AS old_events NEW TABLE AS new_events
    FOR EACH STATEMENT EXECUTE FUNCTION posthog_api_event_hourly_count_sync();
CREATE TRIGGER event_hourly_count_delete AFTER DELETE ON posthog_api_event
    REFERENCING OLD TABLE AS old_events
    FOR EACH STATEMENT EXECUTE FUNCTION posthog_api_event_hourly_count_sync();
CREATE TRIGGER event_hourly_count_truncate AFTER TRUNCATE ON posthog_api_event
    FOR EACH STATEMENT EXECUTE FUNCTION posthog_api_event_hourly_count_sync();
INSERT INTO {TABLE} (team_id, event, hour, shard, count)
SELECT team_id, event, date_trunc('hour', "timestamp", 'UTC'), 0, count(*)
FROM posthog_api_event GROUP BY 1, 2, 3;
"""

DROP = """
DROP TRIGGER IF EXISTS event_hourly_count_insert ON posthog_api_event;
DROP TRIGGER IF EXISTS event_hourly_count_update ON posthog_api_event;
DROP TRIGGER IF EXISTS event_hourly_count_delete ON posthog_api_event;
DROP TRIGGER IF EXISTS event_hourly_count_truncate ON posthog_api_event;
DROP FUNCTION IF EXISTS posthog_api_event_hourly_count_sync();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("posthog_api", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="EventHourlyCount",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("team_id", models.BigIntegerField()),
                ("event", models.CharField(max_length=400)),
                ("hour", models.DateTimeField()),
                ("shard", models.SmallIntegerField()),
                ("count", models.BigIntegerField()),
            ],
            options={
                "constraints": [
                    models.UniqueConstraint(
                        fields=("team_id", "event", "hour", "shard"),
                        name="unique_event_hourly_count",
                    )
                ],
            },
        ),
        migrations.RunSQL(CREATE, DROP),
    ]
