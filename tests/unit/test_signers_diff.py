"""The signer's diff: the sign-off page names what changed since the version the head last saw.

Also: every change after a submission goes into 本期记录, and 发布本期 / 撤回 need an explicit
confirmation.
"""

import pytest
from django.urls import reverse

from bulletin import publishing
from bulletin.models import Issue, IssueEvent, Visibility
from editorial import workflow
from editorial.models import Article

pytestmark = pytest.mark.django_db

APPROVED = Article.Status.APPROVED


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def issue(publication, editor):
    return publishing.create_issue(publication, year=2020, month=10, by=editor)


@pytest.fixture
def articles(issue, make_article, editor):
    """An assembled issue: a focus article and three in 时政要点, one in 民生视点."""
    made = {
        "focus": make_article(title="政务服务中心启用新大厅", section="本期焦点", status=APPROVED),
        "a": make_article(title="区委常委会召开会议", section="时政要点", status=APPROVED),
        "b": make_article(title="区长调研重点项目", section="时政要点", status=APPROVED),
        "c": make_article(title="人大视察老旧小区改造", section="时政要点", status=APPROVED),
        "d": make_article(title="社区食堂试点运营", section="民生视点", status=APPROVED),
    }
    for article in made.values():
        publishing.add_article(issue, article, by=editor)
    publishing.set_focus(issue, made["focus"].pk, by=editor)
    return made


def test_a_first_sign_off_shows_the_whole_issue_in_reading_order(client, issue, articles, editor, head):
    publishing.submit_for_sign_off(issue, by=editor)
    client.force_login(head)
    page = client.get(reverse("desk:issue_signoff", args=[issue.pk]))
    changes = page.context["changes"]
    assert changes.first_sign_off and not changes.has_changes
    html = page.content.decode()
    assert "首次签发：请通读本期全部内容" in html
    assert "本期全文（按阅读顺序）" in html
    reading = html[html.index('id="whole-issue"'):html.index('class="signoff-summary')]
    order = ["政务服务中心启用新大厅", "区委常委会召开会议", "区长调研重点项目", "人大视察老旧小区改造",
             "社区食堂试点运营"]
    assert [reading.index(f"<h4>{t}") for t in order] == sorted(reading.index(f"<h4>{t}") for t in order)
    assert "9月17日，区委常委会召开会议的正文。" in reading  # the text itself, not only titles


def test_the_head_reads_in_words_what_changed_since_the_return(
    client, publication, issue, articles, make_article, editor, head
):
    publishing.submit_for_sign_off(issue, by=editor)
    publishing.return_issue(issue, by=head, comment="请调整。")
    # The editors change the issue in every way the head must hear about.
    added = make_article(title="新增的文化稿件", section="文化亮点", status=APPROVED)
    publishing.add_article(issue, added, by=editor)
    publishing.remove_article(issue, articles["d"].pk, by=editor)  # removed
    # 设为焦点 on a 时政要点 article places it first in 本期焦点: a section move and a new focus.
    publishing.set_focus(issue, articles["c"].pk, by=editor)
    publishing.move_article(issue, articles["b"].pk, "up", by=editor)  # reordered in 时政要点
    culture = publication.sections.get(name="文化亮点")
    publishing.move_section(issue, culture.pk, "up", by=editor)  # section order
    publishing.set_visibility(issue, Visibility.INTERNAL, by=editor)
    edited = articles["focus"]
    workflow.save_article(edited, by=editor, version=edited.version,
                          body="<p>9月17日，新大厅正式启用，设窗口48个。</p>")
    Article.objects.filter(pk=edited.pk).update(status=APPROVED)  # approved again
    publishing.submit_for_sign_off(issue, by=editor)

    client.force_login(head)
    page = client.get(reverse("desk:issue_signoff", args=[issue.pk]))
    changes = page.context["changes"]
    assert not changes.first_sign_off
    assert changes.baseline.action == IssueEvent.Action.RETURNED
    assert changes.sentences == [
        "栏目顺序调整为：本期焦点、时政要点、创文看点、文化亮点、经济热点、民生视点"
        "（原为：本期焦点、时政要点、创文看点、经济热点、文化亮点、民生视点）。",
        "新增《新增的文化稿件》（文化亮点）。",
        "移出《社区食堂试点运营》（原在民生视点）。",
        "《人大视察老旧小区改造》从“时政要点”移至“本期焦点”。",
        "“时政要点”栏目内顺序调整为：《区长调研重点项目》《区委常委会召开会议》"
        "（原为：《区委常委会召开会议》《区长调研重点项目》）。",
        "本期焦点由《政务服务中心启用新大厅》改为《人大视察老旧小区改造》。",
        "可见范围由“公开”改为“内部资料（仅限授权读者）”。",
        "《政务服务中心启用新大厅》修改了正文。",
    ]
    html = page.content.decode()
    assert "自上次查看以来的变动" in html
    for sentence in changes.sentences:
        assert sentence in html
    # The edited article's text diff: the old line struck out, the new one inserted.
    [diff] = changes.edited
    assert diff.title == "政务服务中心启用新大厅" and diff.what == ["正文"]
    [changed] = [row for row in diff.rows if row.kind == "changed"]
    assert "<del>政务服务中心启用</del>" in changed.left  # compared by character (Chinese)
    assert "<ins>式启用，设窗口48个</ins>" in changed.right
    assert "<ins>式启用，设窗口48个</ins>" in html
    assert "首次签发" not in html and 'id="whole-issue"' not in html


def test_after_a_voided_sign_off_the_diff_starts_at_the_sign_off(issue, articles, editor, head):
    publishing.submit_for_sign_off(issue, by=editor)
    publishing.sign_off(issue, by=head)
    assert not publishing.changes_since_last_seen(issue).has_changes
    article = articles["b"]
    workflow.save_article(article, by=editor, version=article.version, title="区长调研全区重点项目")
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT  # the edit voided the sign-off
    changes = publishing.changes_since_last_seen(issue)
    assert changes.baseline.action == IssueEvent.Action.SIGNED_OFF
    assert changes.sentences == ["《区长调研全区重点项目》（原题《区长调研重点项目》）修改了标题。"]


def test_changes_after_the_first_submission_are_named_before_the_first_sign_off(issue, articles, editor):
    publishing.submit_for_sign_off(issue, by=editor)
    publishing.remove_article(issue, articles["c"].pk, by=editor)  # reopens the issue
    publishing.submit_for_sign_off(issue, by=editor)
    changes = publishing.changes_since_last_seen(issue)
    assert changes.first_sign_off
    assert changes.baseline.action == IssueEvent.Action.SUBMITTED
    assert changes.sentences == ["移出《人大视察老旧小区改造》（原在时政要点）。"]


def test_submit_return_and_sign_off_store_what_the_head_saw(issue, articles, editor, head):
    publishing.submit_for_sign_off(issue, by=editor)
    publishing.return_issue(issue, by=head, comment="请调整。")
    publishing.submit_for_sign_off(issue, by=editor)
    publishing.sign_off(issue, by=head)
    stored = issue.events.exclude(snapshot=None).order_by("pk")
    assert [e.action for e in stored] == ["submitted", "returned", "submitted", "signed_off"]
    snapshot = stored.last().snapshot
    assert snapshot["focus"] == articles["focus"].pk
    assert [s["name"] for s in snapshot["sections"]][:2] == ["本期焦点", "时政要点"]
    assert [a["title"] for a in snapshot["sections"][1]["articles"]] == [
        "区委常委会召开会议", "区长调研重点项目", "人大视察老旧小区改造"]


def test_every_change_after_a_submission_goes_into_the_issue_history(
    client, issue, articles, make_article, editor, head
):
    # Before the first submission, assembling is not history.
    before = issue.events.count()
    publishing.move_article(issue, articles["c"].pk, "up", by=editor)
    assert issue.events.count() == before

    publishing.submit_for_sign_off(issue, by=editor)
    publishing.return_issue(issue, by=head, comment="请调整。")
    publishing.move_article(issue, articles["c"].pk, "up", by=editor)
    publishing.set_visibility(issue, Visibility.INTERNAL, by=editor)
    article = articles["a"]
    workflow.save_article(article, by=editor, version=article.version, body="<p>9月17日，改过的正文。</p>")
    changes = list(issue.events.filter(action="changed").order_by("pk").values_list("comment", flat=True))
    assert changes == [
        "将《人大视察老旧小区改造》上移一位",
        "将可见范围改为“内部资料（仅限授权读者）”",
        "修改了稿件《区委常委会召开会议》（第2版）",
    ]
    client.force_login(head)
    html = client.get(reverse("desk:issue_detail", args=[issue.pk])).content.decode()
    assert "将《人大视察老旧小区改造》上移一位" in html
    # A workflow step (approve) is not an edit of the issue's content.
    Article.objects.filter(pk=article.pk).update(status=Article.Status.SUBMITTED, review_level=1)
    article.refresh_from_db()
    workflow.approve(article, by=make_user_approver())
    assert issue.events.filter(action="changed").count() == 3


def make_user_approver():
    from tests.conftest import make_user

    return make_user("approver2", "approver")


def test_publishing_and_withdrawing_need_an_explicit_confirmation(client, signed_off_issue, head):
    issue = signed_off_issue()
    client.force_login(head)
    publish = reverse("desk:issue_publish", args=[issue.pk])
    sign_off = issue.sign_offs.get().pk
    response = client.post(publish, {"sign_off": sign_off}, follow=True)
    assert "发布本期需要确认：请点按钮后在提示框中选择“确定”。" in messages_of(response)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SIGNED_OFF and issue.serial_number is None
    # The page's forms ask first and carry the field the server looks for.
    html = client.get(reverse("desk:issue_signoff", args=[issue.pk])).content.decode()
    assert 'data-confirm="确定发布 测试区大事月报 2020年10月 吗？' in html
    assert '<input type="hidden" name="confirm" value="">' in html

    client.post(publish, {"sign_off": sign_off, "confirm": "yes"})
    issue.refresh_from_db()
    assert issue.status == Issue.Status.PUBLISHED
    withdraw = reverse("desk:issue_withdraw", args=[issue.pk])
    html = client.get(reverse("desk:issue_detail", args=[issue.pk])).content.decode()
    assert 'data-confirm="确定撤回 测试区大事月报 2020年10月 吗？' in html
    response = client.post(withdraw, {"reason": "内容需要复核。"}, follow=True)
    assert "撤回本期需要确认：请点按钮后在提示框中选择“确定”。" in messages_of(response)
    issue.refresh_from_db()
    assert issue.status == Issue.Status.PUBLISHED
    client.post(withdraw, {"reason": "内容需要复核。", "confirm": "yes"})
    issue.refresh_from_db()
    assert issue.status == Issue.Status.WITHDRAWN


def _admin_post_data(page) -> dict:
    """The admin change form's current values, inlines included, as a browser would post them."""
    data = {}
    forms = [page.context["adminform"].form]
    for inline in page.context["inline_admin_formsets"]:
        formset = inline.formset
        forms += [formset.management_form, *formset.forms]
    for form in forms:
        for name, field in form.fields.items():
            value = form[name].value()
            if value is None or (field.disabled if hasattr(field, "disabled") else False):
                continue
            data[form.add_prefix(name)] = value.pk if hasattr(value, "pk") else value
    return data


def test_a_change_in_the_admin_after_a_submission_goes_into_the_history(
    client, issue, articles, editor, head
):
    from tests.conftest import make_user

    publishing.submit_for_sign_off(issue, by=editor)
    publishing.return_issue(issue, by=head, comment="请调整。")
    client.force_login(make_user("admin", is_staff=True, is_superuser=True))
    url = reverse("admin:bulletin_issue_change", args=[issue.pk])
    data = _admin_post_data(client.get(url))
    data["visibility"] = Visibility.INTERNAL
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert issue.events.filter(action="changed").last().comment == "在后台修改了可见范围"
