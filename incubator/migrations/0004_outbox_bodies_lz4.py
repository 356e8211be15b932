"""Outbox bodies compressed with lz4 instead of PostgreSQL's default pglz.

A reminder run writes 100,000 rows of a few kilobytes of Thai text each; pglz compression of
those bodies was the largest single cost of planning (about 20 times slower than lz4 here).
PostgreSQL 14+ built with lz4 only; elsewhere (SQLite, older or other builds) nothing changes.
"""

from django.db import migrations

COLUMNS = ("body_text", "body_html")


def _set_compression(apps, schema_editor, method: str) -> None:
    connection = schema_editor.connection
    if connection.vendor != "postgresql" or connection.pg_version < 140000:
        return
    table = schema_editor.quote_name("incubator_outboundemail")
    changes = ", ".join(
        f"ALTER COLUMN {schema_editor.quote_name(column)} SET COMPRESSION {method}" for column in COLUMNS
    )
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND %s = ANY(enumvals)", [method]
        )
        if cursor.fetchone() is None:
            return  # this server was built without it
        cursor.execute(f"ALTER TABLE {table} {changes}")


def to_lz4(apps, schema_editor) -> None:
    _set_compression(apps, schema_editor, "lz4")


def to_pglz(apps, schema_editor) -> None:
    _set_compression(apps, schema_editor, "pglz")


class Migration(migrations.Migration):
    dependencies = [("incubator", "0003_outbox_channel")]

    operations = [migrations.RunPython(to_lz4, to_pglz, elidable=True)]
