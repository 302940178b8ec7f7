"""Create the four role groups. Their names are stable codenames used by the code."""

from django.db import migrations

ROLES = ["editor", "approver", "head", "reader"]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Group.objects.filter(name__in=ROLES).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("bulletin", "0002_initial"),
        ("editorial", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
