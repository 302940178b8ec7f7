
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

DESK_ROLES = ("editor", "approver", "head")


def every_desk_user_in_every_publication(apps, schema_editor):
    """Nothing changes for an existing office: each desk user works in every publication."""
    User = apps.get_model(*settings.AUTH_USER_MODEL.split("."))
    Publication = apps.get_model("bulletin", "Publication")
    Membership = apps.get_model("editorial", "PublicationMembership")
    users = User.objects.filter(groups__name__in=DESK_ROLES).distinct()
    Membership.objects.bulk_create(
        [Membership(user=user, publication=publication) for user in users for publication in Publication.objects.all()]
    )


class Migration(migrations.Migration):

    dependencies = [
        ('bulletin', '0017_history_append_only'),
        ('editorial', '0007_autosave_sittings'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name='PublicationMembership',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('last_chosen_at', models.DateTimeField(blank=True, editable=False, null=True, verbose_name='最近一次选用')),
                ('publication', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='memberships', to='bulletin.publication', verbose_name='刊物')),
                ('user', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='publication_memberships', to=settings.AUTH_USER_MODEL, verbose_name='用户')),
            ],
            options={
                'verbose_name': '刊物成员',
                'verbose_name_plural': '刊物成员',
                'ordering': ['publication', 'user__username'],
                'constraints': [models.UniqueConstraint(fields=('publication', 'user'), name='one_membership_per_user_and_publication')],
            },
        ),
        migrations.RunPython(every_desk_user_in_every_publication, migrations.RunPython.noop),
    ]
