"""Every desk action that locks rows, through the real pages, on PostgreSQL with real commits.

A test wrapped in a transaction cannot see a missing `atomic`: `select_for_update` outside a
transaction only fails in autocommit (TransactionManagementError, a 500 on the desk). These
tests run with transaction=True, so each request commits as in production.
"""

import pytest
from django.db import connection
from django.urls import reverse

from bulletin import publishing
from bulletin.models import Erratum, Issue, IssueEvent, Visibility
from editorial.models import Article, SupersededAutosave
from tests.conftest import form_data

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def post(client, name, *args, data=None):
    response = client.post(reverse(name, args=args), data or {})
    assert response.status_code in (200, 302), (name, response.status_code)
    return response


def test_visibility_change_on_the_desk_commits_and_voids_the_sign_off(client, signed_off_issue, editor):
    assert connection.vendor == "postgresql" and connection.get_autocommit()
    issue = signed_off_issue(visibility=Visibility.PUBLIC)
    client.force_login(editor)
    response = client.post(
        reverse("desk:issue_assemble", args=[issue.pk]), {"op": "visibility", "visibility": "internal"},
        follow=True,
    )
    assert response.status_code == 200
    assert "可见范围已改为“内部资料" in response.content.decode()
    issue.refresh_from_db()
    assert issue.visibility == Visibility.INTERNAL and issue.status == Issue.Status.DRAFT
    assert issue.sign_offs.get().voided_at is not None


def test_a_month_on_the_desk_commits_each_step(client, publication, make_article, editor, approver, head):
    # The article: written, submitted, returned, revised, approved.
    client.force_login(editor)
    section = publication.sections.get(name="本期焦点")
    post(client, "desk:article_new", data={
        "publication": publication.pk, "section": section.pk, "title": "区里召开年度工作会",
        "event_date": "2020-09-17", "body": "<p>9月17日，区里召开年度工作会。</p>",
    })
    article = Article.objects.get(title="区里召开年度工作会")
    post(client, "desk:article_edit", article.pk, data={
        "publication": publication.pk, "section": section.pk, "title": "区里召开年度工作会议",
        "event_date": "2020-09-17", "body": "<p>9月17日，区里召开年度工作会议。</p>",
        "version": article.version,
    })
    article.refresh_from_db()
    assert article.title == "区里召开年度工作会议" and article.version == 2
    post(client, "desk:article_transition", article.pk, data={"action": "submit", "version": article.version})
    client.force_login(approver)
    article.refresh_from_db()
    post(client, "desk:article_transition", article.pk,
         data={"action": "return", "comment": "请补充参会单位。", "version": article.version})
    article.refresh_from_db()
    assert article.status == Article.Status.RETURNED
    client.force_login(editor)
    post(client, "desk:article_transition", article.pk, data={"action": "submit", "version": article.version})
    client.force_login(approver)
    article.refresh_from_db()
    post(client, "desk:article_transition", article.pk, data={"action": "approve", "version": article.version})
    article.refresh_from_db()
    assert article.status == Article.Status.APPROVED

    # The issue: assembled, reordered, focus and visibility set, submitted, returned, signed off.
    second = make_article(title="第二篇稿件", status=Article.Status.APPROVED)
    third = make_article(title="第三篇稿件", status=Article.Status.APPROVED)
    client.force_login(editor)
    post(client, "desk:issue_list", data={"publication": publication.pk, "year": 2020, "month": 10})
    issue = Issue.objects.get(publication=publication, year=2020, month=10)
    for op in (f"add:{article.pk}", f"add:{second.pk}", f"add:{third.pk}", f"down:{second.pk}",
               f"up:{second.pk}", f"focus:{article.pk}", f"section_down:{section.pk}"):
        post(client, "desk:issue_assemble", issue.pk, data={"op": op})
    other = publication.sections.get(name="民生视点")
    post(client, "desk:issue_assemble", issue.pk,
         data={"op": f"section:{third.pk}", f"section-{third.pk}": other.pk})
    time_section = second.section_id
    post(client, "desk:issue_assemble", issue.pk,
         data={"op": f"reorder:{time_section}", "order": f"{second.pk}"})
    post(client, "desk:issue_assemble", issue.pk, data={"op": "visibility", "visibility": "public"})
    post(client, "desk:issue_assemble", issue.pk, data={"op": f"remove:{third.pk}"})
    issue.refresh_from_db()
    assert issue.focus_article_id == article.pk and issue.placements.count() == 2
    post(client, "desk:issue_submit", issue.pk)
    client.force_login(head)
    post(client, "desk:issue_signoff", issue.pk, data={"action": "return", "comment": "顺序再斟酌。"})
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT
    client.force_login(editor)
    post(client, "desk:issue_submit", issue.pk)
    client.force_login(head)
    shown = client.get(reverse("desk:issue_signoff", args=[issue.pk])).context["fingerprint"]
    post(client, "desk:issue_signoff", issue.pk, data={"action": "sign_off", "fingerprint": shown})
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SIGNED_OFF

    # Published, corrected, withdrawn.
    post(client, "desk:issue_publish", issue.pk, data={"sign_off": issue.sign_offs.get(voided_at=None).pk, "confirm": "yes"})
    issue.refresh_from_db()
    assert issue.status == Issue.Status.PUBLISHED and issue.serial_number == 97
    client.force_login(editor)
    post(client, "desk:erratum_propose", issue.pk, data={"text": "第2页“工作会”应为“工作会议”。"})
    erratum = Erratum.objects.get(issue=issue)
    client.force_login(head)
    post(client, "desk:erratum_approve", issue.pk, erratum.pk)
    erratum.refresh_from_db()
    assert erratum.published_at is not None
    post(client, "desk:issue_withdraw", issue.pk, data={"reason": "内容需要复核。", "confirm": "yes"})
    issue.refresh_from_db()
    assert issue.status == Issue.Status.WITHDRAWN
    actions = list(issue.events.values_list("action", flat=True))
    for action in ("created", "submitted", "returned", "signed_off", "published", "erratum", "withdrawn"):
        assert action in actions, action
    assert IssueEvent.objects.filter(issue=issue).count() == len(actions)


def test_approving_a_back_issue_replacement_on_the_desk_commits(client, publication, editor, head):
    """The replacement request is locked (select_for_update) while the head approves it."""
    from bulletin.models import BackIssueReplacement
    from tests.conftest import make_user
    from tests.security.test_back_issue_record import ask, import_text, issue_text

    old = import_text(publication, editor, issue_text(90, title="原来的标题"))
    request = ask(publication, editor, issue_text(90, title="新的标题"))
    client.force_login(head)
    post(client, "desk:import_replacement_approve", request.pk, data={"confirm": "1"})
    request = BackIssueReplacement.objects.get(pk=request.pk)
    assert not request.is_pending
    old.refresh_from_db()
    assert old.status != Issue.Status.PUBLISHED  # kept, as replaced
    new = Issue.objects.get(publication=publication, serial_number=90, status=Issue.Status.PUBLISHED)
    assert new.placements.get().article.title == "新的标题"

    # A refusal of another request commits too.
    second = ask(publication, make_user("editor3", "editor"), issue_text(90, title="第三个标题"))
    post(client, "desk:import_replacement_refuse", second.pk, data={"comment": "不是定稿。"})
    assert not BackIssueReplacement.objects.get(pk=second.pk).is_pending


def test_a_proofreading_fix_on_the_desk_commits(client, editor, make_article):
    """校对改正 locks the article while it saves the fix as a new revision."""
    article = make_article(body="<p>9月17日,区政府召开会议。</p>")
    client.force_login(editor)
    edit_page = client.get(reverse("desk:article_edit", args=[article.pk]))
    finding = next(f for f in edit_page.context["proof_findings"] if f.fix is not None)
    post(client, "desk:article_proofread", article.pk, data={"op": "fix", "key": finding.key, "version": article.version})
    article.refresh_from_db()
    assert article.body == "<p>9月17日，区政府召开会议。</p>" and article.version == 2


def test_new_desk_actions_of_this_release_commit(client, publication, make_article, editor):
    """The first autosave that creates an article and the autosaves of its sitting; 设为焦点 and a
    dragged section on the assembly page: each locks rows, each request commits on its own."""
    assert connection.get_autocommit()
    client.force_login(editor)
    answer = client.post(reverse("desk:article_autosave_new"), {
        "publication": publication.pk, "title": "", "section": publication.sections.get(name="时政要点").pk,
        "event_date": "", "body": "<p>第一句。</p>", "version": "",
    })
    assert answer.status_code == 200, answer.content
    article = Article.objects.get()
    for n in range(2, 5):
        article.refresh_from_db()
        answer = client.post(reverse("desk:article_autosave", args=[article.pk]),
                             form_data(article, body=f"<p>第{n}句。</p>"))
        assert answer.status_code == 200, answer.content
    article.refresh_from_db()
    assert article.version == 4 and article.body == "<p>第4句。</p>"
    assert SupersededAutosave.objects.filter(revision__article=article).count() == 2

    issue = publishing.create_issue(publication, year=2020, month=10, by=editor)
    placed = make_article(title="区长调研重点项目", section="时政要点", status=Article.Status.APPROVED)
    assembly = reverse("desk:issue_assemble", args=[issue.pk])
    post(client, "desk:issue_assemble", issue.pk, data={"op": f"add:{placed.pk}"})
    post(client, "desk:issue_assemble", issue.pk, data={"op": f"focus:{placed.pk}"})
    issue.refresh_from_db()
    assert issue.focus_article_id == placed.pk
    assert issue.placements.get(article=placed).section.name == "本期焦点"
    order = [s.pk for s in publishing.effective_section_order(issue)]
    wanted = order[-1:] + order[:-1]
    response = client.post(assembly, {"op": "section_order", "order": ",".join(map(str, wanted))})
    assert response.status_code == 302
    issue.refresh_from_db()
    assert [s.pk for s in publishing.effective_section_order(issue)] == wanted


def test_restoring_an_old_revision_on_the_desk_commits(client, editor, make_article):
    """恢复此版本 saves the old text as a new revision, under the article's row lock."""
    from django.db import transaction

    from editorial import workflow

    article = make_article(title="区里召开年度工作会", body="<p>9月17日，第一稿。</p>")
    with transaction.atomic():  # set-up: only the restore below goes through the desk
        workflow.save_article(article, by=editor, version=1, title="改过的标题", body="<p>9月17日，第二稿。</p>")
    client.force_login(editor)
    response = post(client, "desk:article_restore", article.pk, 1, data={"version": 2})
    assert response["Location"] == reverse("desk:article_edit", args=[article.pk])
    article.refresh_from_db()
    assert (article.title, article.body, article.version) == ("区里召开年度工作会", "<p>9月17日，第一稿。</p>", 3)
    assert article.latest_revision().note == "恢复自第1版"


def test_a_word_file_imported_into_an_article_on_the_desk_commits(client, editor, make_article):
    """导入 Word into an existing article replaces its body as a new version (row lock)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from docx import Document

    document = Document()
    document.add_paragraph("9月18日，区图书馆新馆开放。")
    document.add_paragraph("新馆藏书二十万册。")
    buffer = io.BytesIO()
    document.save(buffer)
    article = make_article(body="<p>原有正文。</p>")
    client.force_login(editor)
    post(client, "desk:article_import", article.pk,
         data={"docx": SimpleUploadedFile("新馆.docx", buffer.getvalue()), "version": article.version})
    article.refresh_from_db()
    assert article.body == "<p>9月18日，区图书馆新馆开放。</p><p>新馆藏书二十万册。</p>" and article.version == 2
    assert article.title == "测试稿件" and article.latest_revision().note == "从 Word 导入"
    assert article.revisions.filter(body="<p>原有正文。</p>").exists()


def test_dismissing_a_proofreading_finding_on_the_desk_commits(client, editor, make_article):
    """校对 忽略 locks the article while it records the dismissal."""
    from editorial.models import ProofreadingDismissal

    article = make_article(body="<p>9月17日,区政府召开会议。</p>")
    client.force_login(editor)
    edit_page = reverse("desk:article_edit", args=[article.pk])
    finding = client.get(edit_page).context["proof_findings"][0]
    post(client, "desk:article_proofread", article.pk, data={"op": "dismiss", "key": finding.key})
    dismissal = ProofreadingDismissal.objects.get(article=article)
    assert (dismissal.key, dismissal.dismissed_by) == (finding.key, editor)
    assert finding.key not in [f.key for f in client.get(edit_page).context["proof_findings"]]
    article.refresh_from_db()
    assert article.version == 1  # dismissing changes no text


def test_changing_an_issues_deadlines_on_the_desk_commits(client, publication, editor):
    """调整截止日期 goes through changing_issue (the issue's row lock)."""
    import datetime

    issue = publishing.create_issue(publication, year=2020, month=10, by=editor)
    dates = {"draft_due": "2020-09-28", "review_due": "2020-10-02", "signoff_due": "2020-10-08",
             "publish_due": "2020-10-15"}
    client.force_login(editor)
    post(client, "desk:issue_deadlines", issue.pk, data=dates)
    issue.refresh_from_db()
    assert {due: getattr(issue, due) for due in dates} == {
        due: datetime.date.fromisoformat(value) for due, value in dates.items()
    }
    event = issue.events.get(action=IssueEvent.Action.DEADLINES)
    assert "截稿" in event.comment and "9月28日" in event.comment and event.actor == editor


def test_scheduling_and_cancelling_publication_on_the_desk_commits(client, signed_off_issue, head):
    """定时发布 and 取消定时发布: each locks the issue (changing_issue); the task is queued on commit."""
    import datetime

    from django.utils import timezone
    from django_tasks_db.models import DBTaskResult

    issue = signed_off_issue()
    when = timezone.localtime() + datetime.timedelta(days=2)
    client.force_login(head)
    post(client, "desk:issue_schedule", issue.pk, data={"when": when.strftime("%Y-%m-%dT%H:%M")})
    issue.refresh_from_db()
    assert issue.scheduled_by == head and issue.status == Issue.Status.SIGNED_OFF
    assert timezone.localtime(issue.scheduled_publish_at).strftime("%Y-%m-%d %H:%M") == when.strftime("%Y-%m-%d %H:%M")
    assert issue.events.filter(action=IssueEvent.Action.SCHEDULED).count() == 1
    assert DBTaskResult.objects.filter(task_path__endswith="publish_scheduled_issue").count() == 1

    post(client, "desk:issue_schedule", issue.pk, data={"action": "unschedule"})
    issue.refresh_from_db()
    assert issue.scheduled_publish_at is None and issue.scheduled_by is None
    assert issue.status == Issue.Status.SIGNED_OFF
    assert issue.events.filter(action=IssueEvent.Action.UNSCHEDULED).count() == 1


def test_issuing_and_resetting_the_calendar_address_on_the_desk_commits(client, editor):
    """生成/重置订阅地址: issue_token locks the user's feed row (select_for_update)."""
    from office.models import CalendarFeed

    client.force_login(editor)
    post(client, "desk:calendar_address")
    first = CalendarFeed.objects.get(user=editor).token
    feed_url = reverse("desk:calendar_feed", args=[first])
    assert client.get(feed_url).status_code == 200
    post(client, "desk:calendar_address")
    second = CalendarFeed.objects.get(user=editor).token
    assert second != first and CalendarFeed.objects.count() == 1
    assert client.get(feed_url).status_code == 404  # the old address stops working
    assert client.get(reverse("desk:calendar_feed", args=[second])).status_code == 200


def test_retrying_a_failed_job_and_starting_a_reindex_on_the_desk_commit(client, head, settings):
    """重试 locks the failed job's row; 重建检索索引 writes the job and queues its task on commit."""
    from bulletin import jobs
    from bulletin.models import BackgroundJob
    from tests import job_handlers
    from tests.unit.test_jobs import run_worker

    settings.BULLETIN_JOB_KINDS = job_handlers.KINDS
    job = jobs.start_job("test.crash", {}, by=head)
    run_worker()
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.FAILED
    failed_task = job.task_id
    # The cause is fixed: the same kind now counts.
    settings.BULLETIN_JOB_KINDS = {**job_handlers.KINDS, "test.crash": {**job_handlers.KINDS["test.count"]}}
    client.force_login(head)
    response = post(client, "desk:job_retry", job.pk)
    assert response["Location"] == reverse("desk:job_detail", args=[job.pk])
    job.refresh_from_db()
    assert job.status == BackgroundJob.Status.QUEUED and job.failure == ""
    assert job.task_id and job.task_id != failed_task  # queued again when the request committed
    run_worker()
    job.refresh_from_db()
    assert (job.status, job.attempts, job.result["counted"]) == (BackgroundJob.Status.DONE, 2, 3)

    response = post(client, "desk:job_reindex")
    reindex = BackgroundJob.objects.get(kind="search_reindex")
    assert response["Location"] == reverse("desk:job_detail", args=[reindex.pk])
    assert reindex.status == BackgroundJob.Status.QUEUED and reindex.task_id
    run_worker()
    reindex.refresh_from_db()
    assert reindex.status == BackgroundJob.Status.DONE, reindex.failure


def test_email_settings_on_the_desk_commit(client, editor):
    """邮件提醒设置 deletes and creates the user's opt-outs in one transaction."""
    from office.models import EmailOptOut, Notification

    client.force_login(editor)
    kept = [Notification.Kind.ARTICLE_RETURNED, Notification.Kind.DEADLINE]
    post(client, "desk:notification_settings", data={"email": kept})
    assert set(EmailOptOut.objects.filter(user=editor).values_list("kind", flat=True)) == (
        set(Notification.Kind.values) - set(kept)
    )
    post(client, "desk:notification_settings", data={"email": Notification.Kind.values})
    assert not EmailOptOut.objects.filter(user=editor).exists()
