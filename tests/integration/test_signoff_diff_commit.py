"""Checks before submit and the signer's diff through the real pages, on PostgreSQL with commits.

Refusals happen inside the locked transaction of the service: a refused submit commits nothing;
the snapshots the head saw are stored as JSONB and read back for the diff.
"""

import pytest
from django.db import connection
from django.urls import reverse

from bulletin import publishing
from bulletin.models import Issue, IssueEvent
from editorial.models import Article

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

APPROVED = Article.Status.APPROVED


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_forged_submits_commit_nothing_while_a_required_check_fails(client, publication, make_article, editor):
    assert connection.vendor == "postgresql" and connection.get_autocommit()
    article = make_article(title="没有日期的稿件", event_date=None)
    issue = publishing.create_issue(publication, year=2020, month=10, by=editor)
    publishing.add_article(issue, make_article(title="时政稿件", status=APPROVED), by=editor)
    client.force_login(editor)

    response = client.post(reverse("desk:article_transition", args=[article.pk]),
                           {"action": "submit", "version": article.version}, follow=True)
    assert "缺少事件日期（刊物中显示为“9月17日”）。" in messages_of(response)
    response = client.post(reverse("desk:issue_submit", args=[issue.pk]), follow=True)
    assert "必备栏目“本期焦点”还没有稿件。" in messages_of(response)

    article.refresh_from_db()
    issue.refresh_from_db()
    assert article.status == Article.Status.DRAFT and not article.transitions.exists()
    assert issue.status == Issue.Status.DRAFT
    assert list(issue.events.values_list("action", flat=True)) == ["created"]


def test_the_head_reads_the_changes_since_the_return(client, publication, make_article, editor, head):
    issue = publishing.create_issue(publication, year=2020, month=10, by=editor)
    focus = make_article(title="政务服务中心启用新大厅", section="本期焦点", status=APPROVED)
    kept = make_article(title="区委常委会召开会议", status=APPROVED)
    dropped = make_article(title="区长调研重点项目", status=APPROVED)
    for article in (focus, kept, dropped):
        publishing.add_article(issue, article, by=editor)
    publishing.set_focus(issue, focus.pk, by=editor)
    client.force_login(editor)
    client.post(reverse("desk:issue_submit", args=[issue.pk]))
    client.force_login(head)
    client.post(reverse("desk:issue_signoff", args=[issue.pk]), {"action": "return", "comment": "撤下区长调研。"})

    client.force_login(editor)
    client.post(reverse("desk:issue_assemble", args=[issue.pk]), {"op": f"remove:{dropped.pk}"})
    client.post(reverse("desk:issue_submit", args=[issue.pk]))

    client.force_login(head)
    page = client.get(reverse("desk:issue_signoff", args=[issue.pk]))
    assert page.context["changes"].sentences == ["移出《区长调研重点项目》（原在时政要点）。"]
    assert page.context["changes"].baseline.action == IssueEvent.Action.RETURNED
    assert "移出《区长调研重点项目》（原在时政要点）。" in page.content.decode()
    history = list(issue.events.order_by("pk").values_list("action", "comment"))
    assert ("changed", "移出稿件《区长调研重点项目》") in history
