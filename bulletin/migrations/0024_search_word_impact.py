"""Search at 100,000 articles (issue #15): impact lexemes from word scores. For each word of a
row, "word#n" when the row's rank for a query of that word (the word and its characters) is at
least that of a row holding each of them n times, instead of "token#n" per word and character
by its own count: a word found in every article (会议) is ranked over 40 rows instead of 2,557
(bulletin.search.backend). The trigger function is replaced and every row's lexemes recomputed
(through the same trigger, as indexing does); backwards restores migration 0019's."""

from django.db import migrations

TABLE = "bulletin_articleindex"
# Migration 0019's function: "token#B" for every lexeme found at least B times.
PREVIOUS_FUNCTION = f"""CREATE OR REPLACE FUNCTION {TABLE}_impact() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            NEW.impact := coalesce((
                SELECT array_to_tsvector(array_agg(u.lexeme || '#' || b))
                FROM unnest(to_tsvector('simple', coalesce(NEW.segmented, ''))) AS u,
                     unnest(ARRAY[2, 3, 4, 6, 8, 10, 12, 14, 16, 18, 20, 24, 28, 32, 48, 64]) AS b
                WHERE array_length(u.positions, 1) >= b
            ), ''::tsvector);
            RETURN NEW;
        END $$"""


def forwards(apps, schema_editor):
    from bulletin.search.backend import create_impact

    create_impact(schema_editor)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(PREVIOUS_FUNCTION)
    schema_editor.execute(f"UPDATE {TABLE} SET segmented = segmented")


class Migration(migrations.Migration):
    dependencies = [
        ("bulletin", "0023_background_job"),
    ]

    operations = [
        migrations.RunPython(forwards, backwards),
    ]
