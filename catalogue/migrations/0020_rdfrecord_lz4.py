from django.db import migrations

# The stored fragments (about 140 kB of text a record in four formats) are compressed by
# PostgreSQL when written: with its default, pglz, that was most of the database's time for
# a batch of records (about 1 s for 500), against a quarter of that with lz4 (PostgreSQL 14
# and later, when built with lz4; the table is about 8% larger). Reading them back (pages,
# dumps) is faster too. The text is the same: only how the database stores it changes, and
# values already stored keep their compression until rewritten.
FRAGMENT_COLUMNS = ("turtle", "ntriples", "jsonld", "rdfxml")


def _set_compression(apps, schema_editor, method):
    table = schema_editor.quote_name(apps.get_model("catalogue", "RdfRecord")._meta.db_table)
    columns = ", ".join(
        f"ALTER COLUMN {schema_editor.quote_name(c)} SET COMPRESSION {method}" for c in FRAGMENT_COLUMNS
    )
    schema_editor.execute(f"ALTER TABLE {table} {columns}")


def use_lz4(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 'lz4' = ANY(enumvals) FROM pg_settings WHERE name = 'default_toast_compression'")
        row = cursor.fetchone()
    if row and row[0]:  # a server built without lz4 keeps its default
        _set_compression(apps, schema_editor, "lz4")


def use_default(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        _set_compression(apps, schema_editor, "DEFAULT")


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0019_distribution_availability"),
    ]

    operations = [
        migrations.RunPython(use_lz4, use_default),
    ]
