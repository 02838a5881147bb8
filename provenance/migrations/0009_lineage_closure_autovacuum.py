"""The lineage closure gets its own autovacuum thresholds (PostgreSQL only; SQLite is untouched).

At the default scale factor (0.2) autovacuum waits for ~300,000 dead rows in a closure of 1.5
million pairs, while one new source above a hub adds (and its removal deletes) tens of thousands:
the table grew instead of reusing space. Here vacuum starts after ~1% of the rows have changed,
and runs faster than the global cost limit allows, so the space of removed pairs is free again
before the next big change needs it. Inserts also trigger it (visibility map for index-only scans).

No fillfactor: every update of the closure changes ``depth``, which is in two indexes, so no
update could be HOT and free space kept in the pages would only make the table bigger.
"""

from django.db import migrations

TABLE = "provenance_lineageedge"
SETTINGS = {
    "autovacuum_vacuum_scale_factor": "0.01",
    "autovacuum_vacuum_threshold": "1000",
    "autovacuum_vacuum_insert_scale_factor": "0.01",
    "autovacuum_vacuum_insert_threshold": "1000",
    "autovacuum_analyze_scale_factor": "0.02",
    "autovacuum_vacuum_cost_limit": "2000",
}


def set_autovacuum(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        options = ", ".join(f"{name} = {value}" for name, value in SETTINGS.items())
        schema_editor.execute(f"ALTER TABLE {TABLE} SET ({options})")


def reset_autovacuum(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"ALTER TABLE {TABLE} RESET ({', '.join(SETTINGS)})")


class Migration(migrations.Migration):
    dependencies = [("provenance", "0008_stub_and_activity_scope_existing_data")]

    operations = [migrations.RunPython(set_autovacuum, reset_autovacuum)]
