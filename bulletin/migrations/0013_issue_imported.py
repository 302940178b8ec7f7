from django.db import migrations, models


def mark_back_issues(apps, schema_editor):
    """Issues recorded by publish_back_issue say so in their publish event."""
    Issue = apps.get_model("bulletin", "Issue")
    IssueEvent = apps.get_model("bulletin", "IssueEvent")
    ids = IssueEvent.objects.filter(action="published", comment__startswith="按原期号录入").values("issue_id")
    Issue.objects.filter(pk__in=ids).update(imported=True)


class Migration(migrations.Migration):

    dependencies = [
        ('bulletin', '0012_colophon_frozen_per_issue_and_internal_compliance'),
    ]

    operations = [
        migrations.AddField(
            model_name='issue',
            name='imported',
            field=models.BooleanField(default=False, editable=False, verbose_name='往期导入'),
        ),
        migrations.RunPython(mark_back_issues, migrations.RunPython.noop),
        migrations.AlterField(
            model_name='issue',
            name='status',
            field=models.CharField(choices=[('draft', '编排中'), ('submitted', '待签发'), ('signed_off', '已签发'), ('published', '已发布'), ('withdrawn', '已撤回'), ('replaced', '已被替换')], default='draft', max_length=20, verbose_name='状态'),
        ),
        migrations.AlterField(
            model_name='publication',
            name='first_serial_number',
            field=models.PositiveIntegerField(default=1, help_text='第一次在本系统发布的期的总期号（如 98）。导入的往期须早于它。在本系统发布第一期后不可更改。', verbose_name='起始总期号'),
        ),
    ]
