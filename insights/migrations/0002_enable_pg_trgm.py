"""Turn on pg_trgm where the server ships it; search falls back to Python where it does not."""

from django.db import migrations
from django.db import transaction


def enable_pg_trgm(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")
        if cursor.fetchone() is None:
            return
    try:
        # A savepoint, so a server that refuses (no privilege) leaves the migration intact.
        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except Exception:  # noqa: S110 - the Python fallback covers a server without the extension
        pass


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_initial")]

    operations = [migrations.RunPython(enable_pg_trgm, migrations.RunPython.noop)]
