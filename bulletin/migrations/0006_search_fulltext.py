"""Full-text structures for the search index: a GIN-indexed tsvector column on PostgreSQL,
an FTS5 table with triggers on SQLite. Nothing on other databases (search then falls back
to substring matching)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from bulletin.search.backend import create_structures

    create_structures(schema_editor)


def backwards(apps, schema_editor):
    from bulletin.search.backend import drop_structures

    drop_structures(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("bulletin", "0005_search_index"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
