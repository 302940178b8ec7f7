"""SignOff moves from editorial to bulletin (the issue lifecycle in one app); the table stays.

State only: the model appears here with db_table "editorial_signoff" and leaves editorial in
editorial.0002. The content type is renamed so admin history and permissions follow it.
"""

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def rename_content_type(apps, schema_editor, old="editorial", new="bulletin"):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label=new, model="signoff").exists():
        ContentType.objects.filter(app_label=old, model="signoff").update(app_label=new)


def rename_back(apps, schema_editor):
    rename_content_type(apps, schema_editor, old="bulletin", new="editorial")


class Migration(migrations.Migration):
    dependencies = [
        ("bulletin", "0006_search_fulltext"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("editorial", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="SignOff",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("signed_at", models.DateTimeField(default=django.utils.timezone.now, verbose_name="签发时间")),
                        ("content_hash", models.CharField(max_length=64, verbose_name="内容指纹")),
                        ("comment", models.TextField(blank=True, verbose_name="签发意见")),
                        ("voided_at", models.DateTimeField(blank=True, null=True, verbose_name="失效时间")),
                        ("void_reason", models.CharField(blank=True, max_length=200, verbose_name="失效原因")),
                        ("issue", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="sign_offs", to="bulletin.issue", verbose_name="期刊")),
                        ("signed_by", models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name="+", to=settings.AUTH_USER_MODEL, verbose_name="签发人")),
                    ],
                    options={
                        "verbose_name": "签发",
                        "verbose_name_plural": "签发",
                        "ordering": ["-signed_at"],
                        "db_table": "editorial_signoff",
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(rename_content_type, rename_back),
    ]
