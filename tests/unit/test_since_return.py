"""退回后的修改: an approver who returned an article sees, when it comes back, their comment and
what the editor changed since, with the compare page's diff and a link to it."""

import datetime

import pytest
from django.urls import reverse

from editorial import workflow
from editorial.resubmission import changes_since_return

pytestmark = pytest.mark.django_db

BODY = "<p>9月17日，区政务服务中心新大厅启用。</p><p>启用仪式由王主任主持。</p>"


def save(article, user, **changes):
    article.refresh_from_db()
    fields = dict(title=article.title, event_date=article.event_date, section=article.section, body=article.body)
    fields.update(changes)
    return workflow.save_article(article, by=user, version=article.version, **fields)


def step(action, article, user, comment=""):
    article.refresh_from_db()
    return workflow.perform(action, article, by=user, comment=comment, version=article.version)


def box(client, article):
    """The 退回后的修改 box of the review page, or "" if the page has none."""
    html = client.get(reverse("desk:article_detail", args=[article.pk])).content.decode()
    start = html.find('id="since-return"')
    return "" if start < 0 else html[start:html.index("</section>", start)]


def returned_once(make_article, editor, approver, title="新大厅启用"):
    article = make_article(title=title, body=BODY)
    step(workflow.SUBMIT, article, editor)
    step(workflow.RETURN, article, approver, "请核实主持人的姓名。")
    return article


def test_resubmitted_article_shows_the_return_and_the_changed_sentence(client, make_article, editor, approver):
    article = returned_once(make_article, editor, approver)
    save(article, editor, body=BODY.replace("王主任", "李主任"))
    step(workflow.SUBMIT, article, editor)

    client.force_login(approver)
    html = box(client, article)
    assert "退回后的修改" in html
    assert "赵审核" in html and "退回" in html and "请核实主持人的姓名。" in html
    # The changed sentence, the old wording struck and the new one inserted; the unchanged
    # first paragraph is not repeated in the box.
    assert "启用仪式由<del>王</del>主任主持。" in html
    assert "启用仪式由<ins>李</ins>主任主持。" in html
    assert "区政务服务中心新大厅启用" not in html
    assert "修改了正文" in html and "退回时（第1版）" in html and "现在（第2版）" in html
    compare_url = reverse("desk:article_compare", args=[article.pk]) + "?a=1&amp;b=2"
    assert f'href="{compare_url}"' in html
    assert "退回后未作修改" not in html


def test_title_date_and_section_changes_are_named_and_diffed(make_article, editor, approver):
    article = returned_once(make_article, editor, approver)
    other = article.publication.sections.exclude(pk=article.section_id).first()
    save(article, editor, title="新大厅正式启用", event_date=datetime.date(2020, 9, 18), section=other)
    step(workflow.SUBMIT, article, editor)

    changes = changes_since_return(article)
    assert changes.changed and changes.what == ["标题", "日期", "栏目"]
    changed = [(row.left, row.right) for row in changes.changed_rows]
    assert changed[0] == ("标题：新大厅启用", "标题：新大厅<ins>正式</ins>启用")
    assert "1<del>7</del>日" in changed[1][0] and "1<ins>8</ins>日" in changed[1][1]
    assert changed[2][0].startswith("栏目：<del>") and changed[2][1].startswith("栏目：<ins>")
    assert len(changed) == 3  # the body did not change


def test_resubmitted_without_edits_says_so(client, make_article, editor, approver):
    article = returned_once(make_article, editor, approver)
    step(workflow.SUBMIT, article, editor)

    client.force_login(approver)
    html = box(client, article)
    assert "退回后的修改" in html and "请核实主持人的姓名。" in html
    assert "退回后未作修改" in html and "第1版" in html
    assert 'class="diff"' not in html and "article_compare" not in html and "/compare/" not in html


def test_edited_and_changed_back_counts_as_unchanged(client, make_article, editor, approver):
    article = returned_once(make_article, editor, approver)
    save(article, editor, body=BODY.replace("王主任", "李主任"))
    save(article, editor, body=BODY)
    step(workflow.SUBMIT, article, editor)

    client.force_login(approver)
    html = box(client, article)
    assert "退回后未作修改" in html and 'class="diff"' not in html
    assert "?a=1&amp;b=3" in html  # the versions in between stay one click away


def test_never_returned_article_has_no_box(client, make_article, editor, approver):
    article = make_article(title="一次送审", body=BODY)
    step(workflow.SUBMIT, article, editor)
    client.force_login(approver)
    response = client.get(reverse("desk:article_detail", args=[article.pk]))
    assert response.context["since_return"] is None
    assert "退回后的修改" not in response.content.decode()


def test_box_only_while_back_under_review(client, make_article, editor, approver):
    """Returned but not yet resubmitted: the editor's banner, not the box; approved since the
    return: the return is history and the box goes."""
    article = returned_once(make_article, editor, approver)
    client.force_login(approver)
    assert box(client, article) == ""
    save(article, editor, body=BODY.replace("王主任", "李主任"))
    assert box(client, article) == ""
    step(workflow.SUBMIT, article, editor)
    assert "退回后的修改" in box(client, article)
    step(workflow.APPROVE, article, approver)
    assert box(client, article) == ""
    # Edited after approval, back in review: a new round, not a return.
    save(article, editor, body=BODY.replace("王主任", "张主任"))
    article.refresh_from_db()
    assert article.status == article.Status.SUBMITTED
    assert box(client, article) == ""
