from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('bulletin', '0020_search_content_hash'),
        ('editorial', '0008_publication_membership'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='issue',
            name='one_issue_per_month',
        ),
        migrations.AddField(
            model_name='issue',
            name='frequency',
            field=models.CharField(choices=[('monthly', '月刊'), ('bimonthly', '双月刊'), ('quarterly', '季刊'), ('irregular', '不定期（专刊、增刊）')], default='monthly', editable=False, max_length=10, verbose_name='出版周期'),
        ),
        migrations.AddField(
            model_name='issue',
            name='title',
            field=models.CharField(blank=True, help_text='不定期刊物的一期的名称，如“专刊（抗洪抢险）”“增刊”；定期出版的期不填。', max_length=50, verbose_name='专刊名称'),
        ),
        migrations.AddField(
            model_name='publication',
            name='frequency',
            field=models.CharField(choices=[('monthly', '月刊'), ('bimonthly', '双月刊'), ('quarterly', '季刊'), ('irregular', '不定期（专刊、增刊）')], default='monthly', help_text='月刊每月一期，双月刊每两个月一期（1–2月、3–4月……），季刊每季度一期；不定期的刊物（专刊、增刊）随时出版，同一个月可以有几期，每期有自己的名称。第N期按年计数，总第N期连续计数。修改后只影响以后新建的期，已有的期不变。', max_length=10, verbose_name='出版周期'),
        ),
        migrations.AddConstraint(
            model_name='issue',
            constraint=models.UniqueConstraint(condition=models.Q(models.Q(('status', 'replaced'), _negated=True), models.Q(('frequency', 'irregular'), _negated=True)), fields=('publication', 'year', 'month'), name='one_issue_per_period'),
        ),
    ]
