"""Hourly event counts (``EventHourlyCount``), kept exact whatever writes the events.

The writers that insert in bulk count their own rows in the same statement or transaction
(capture's ``INSERT ... RETURNING`` feeds a grouped upsert, the demo COPY adds the hours it
wrote) and say so with the transaction-local setting ``posthog.hourly_counted = on``. Any other
insert (the ORM, the admin, psql) is counted by a row trigger that this setting switches off.
UPDATEs of ``event``/``timestamp`` move a row's count, and deletes and TRUNCATE subtract, by
triggers. Statement-level INSERT triggers with transition tables were measured and dropped: they
cost ~2.5 ms of PostgreSQL CPU per 100-event capture batch, more than half the insert itself.
Counts are upserted into the shard of the current backend (no lock wait between concurrent
writers) and in key order (no deadlock between two backends sharing a shard). Existing events
are counted once, after the triggers exist and while they hold the table lock.
"""

from django.db import migrations
from django.db import models

TABLE = "posthog_api_eventhourlycount"
HOUR = "date_trunc('hour', {row}.\"timestamp\", 'UTC')"

UPSERT_GROUPED = f"""
    INSERT INTO {TABLE} (team_id, event, hour, shard, count)
    SELECT team_id, event, date_trunc('hour', "timestamp", 'UTC'), pg_backend_pid() % 16, -count(*)
    FROM old_events GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (team_id, event, hour, shard)
    DO UPDATE SET count = {TABLE}.count + EXCLUDED.count;
"""


def upsert_row(row: str, sign: str) -> str:
    return f"""
    INSERT INTO {TABLE} (team_id, event, hour, shard, count)
    VALUES ({row}.team_id, {row}.event, {HOUR.format(row=row)}, pg_backend_pid() % 16, {sign}1)
    ON CONFLICT (team_id, event, hour, shard)
    DO UPDATE SET count = {TABLE}.count + EXCLUDED.count;
"""


CREATE = f"""
CREATE FUNCTION posthog_api_event_hourly_count_row() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        {upsert_row("OLD", "-")}
    END IF;
    {upsert_row("NEW", "")}
    RETURN NULL;
END
$$;
CREATE FUNCTION posthog_api_event_hourly_count_removed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        DELETE FROM {TABLE};
    ELSE
        {UPSERT_GROUPED}
    END IF;
    RETURN NULL;
END
$$;
CREATE TRIGGER event_hourly_count_insert AFTER INSERT ON posthog_api_event FOR EACH ROW
    WHEN (current_setting('posthog.hourly_counted', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION posthog_api_event_hourly_count_row();
CREATE TRIGGER event_hourly_count_update AFTER UPDATE OF event, "timestamp" ON posthog_api_event
    FOR EACH ROW
    WHEN (OLD.event IS DISTINCT FROM NEW.event OR OLD."timestamp" IS DISTINCT FROM NEW."timestamp")
    EXECUTE FUNCTION posthog_api_event_hourly_count_row();
CREATE TRIGGER event_hourly_count_delete AFTER DELETE ON posthog_api_event
    REFERENCING OLD TABLE AS old_events
    FOR EACH STATEMENT EXECUTE FUNCTION posthog_api_event_hourly_count_removed();
CREATE TRIGGER event_hourly_count_truncate AFTER TRUNCATE ON posthog_api_event
    FOR EACH STATEMENT EXECUTE FUNCTION posthog_api_event_hourly_count_removed();
INSERT INTO {TABLE} (team_id, event, hour, shard, count)
SELECT team_id, event, date_trunc('hour', "timestamp", 'UTC'), 0, count(*)
FROM posthog_api_event GROUP BY 1, 2, 3;
"""

DROP = """
DROP TRIGGER IF EXISTS event_hourly_count_insert ON posthog_api_event;
DROP TRIGGER IF EXISTS event_hourly_count_update ON posthog_api_event;
DROP TRIGGER IF EXISTS event_hourly_count_delete ON posthog_api_event;
DROP TRIGGER IF EXISTS event_hourly_count_truncate ON posthog_api_event;
DROP FUNCTION IF EXISTS posthog_api_event_hourly_count_row();
DROP FUNCTION IF EXISTS posthog_api_event_hourly_count_removed();
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
