"""A back issue imported from a file records only the 版记 its file printed.

Imports used to fill the rest from the publication's settings at import time. The file format
has no 准印证号, 印刷单位, 印数 or 免费交流 line (bulletin.importing.parser.COLOPHON_KEYS), so on
an issue imported from a file those four values were always the publication's: clear them. The
demo's back issues (published in Bulletin by load_demo, no 往期导入 revisions) keep theirs.
"""

from django.db import migrations

NOT_IN_FILES = ("permit_number", "printer", "print_run", "free_notice")
IMPORT_NOTE = "往期导入"  # bulletin.importing.service.IMPORT_NOTE


def forwards(apps, schema_editor):
    Issue = apps.get_model("bulletin", "Issue")
    Revision = apps.get_model("editorial", "Revision")
    imported_articles = Revision.objects.filter(note=IMPORT_NOTE).values("article_id")
    issues = Issue.objects.filter(imported=True, placements__article_id__in=imported_articles).distinct()
    for issue in issues.only("pk", "colophon"):
        colophon = dict(issue.colophon or {})
        if not any(colophon.get(key) for key in NOT_IN_FILES):
            continue
        colophon.update({key: "" for key in NOT_IN_FILES})
        Issue.objects.filter(pk=issue.pk).update(colophon=colophon)


class Migration(migrations.Migration):
    dependencies = [
        ("bulletin", "0025_job_publication"),
        ("editorial", "0009_articletransition_action_labels"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
