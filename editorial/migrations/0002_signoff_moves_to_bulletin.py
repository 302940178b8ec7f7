"""SignOff now belongs to bulletin (bulletin.0007 takes over the same table): state only."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("editorial", "0001_initial"),
        ("bulletin", "0007_signoff_moves_to_bulletin"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="SignOff")],
            database_operations=[],
        ),
    ]
