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
