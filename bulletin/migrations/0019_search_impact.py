"""Search at 100,000 articles (issue #15): on PostgreSQL, impact lexemes ("word#B" for a word
found at least B times in a row) in a GIN-indexed tsvector kept by a trigger, so a word found
in every article is ranked over a bounded set of rows (bulletin.search.backend, query)."""

from django.db import migrations


def forwards(apps, schema_editor):
    from bulletin.search.backend import create_impact

    create_impact(schema_editor)


def backwards(apps, schema_editor):
    from bulletin.search.backend import drop_impact

    drop_impact(schema_editor)


class Migration(migrations.Migration):
    dependencies = [
        ("bulletin", "0018_publication_fonts"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
