"""Checks before submit (提交前检查): set per publication, shown as a checklist, enforced by the server.

A required check refuses an article's submit and an issue's 提交签发 and lists what is missing,
whatever the request says; an optional one only warns; a check that is off is not shown.
"""

import datetime

import pytest
from django.urls import reverse

from bulletin import publishing
from bulletin.models import Issue
from common.checks import CheckLevel
from editorial import workflow
from editorial.checks import article_checks
from editorial.models import Article

pytestmark = pytest.mark.django_db

APPROVED = Article.Status.APPROVED


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def checklist(response) -> dict:
    """The checklist as the page shows it: label → state label (已满足 / 缺少 / 提醒)."""
    return {c.label: c.state_label for c in response.context["checks"]}


def configure(publication, **levels):
    for name, value in levels.items():
        setattr(publication, name, value)
    publication.save()


# --- articles --------------------------------------------------------------------------------


def test_defaults_require_an_event_date_and_only_warn_about_the_rest(publication, make_article):
    article = make_article(title="没有日期的稿件", event_date=None, body="<p>短。</p>")
    states = {c.key: (c.level, c.state) for c in article_checks(article)}
    assert states["event_date"] == (CheckLevel.REQUIRED, "missing")
    assert states["body_length"] == (CheckLevel.WARN, "warning")
    assert states["title_length"] == (CheckLevel.WARN, "met")
    assert states["image_alt"] == (CheckLevel.WARN, "met")


def test_a_forged_post_cannot_submit_an_article_without_an_event_date(client, make_article, editor):
    article = make_article(title="没有日期的稿件", event_date=None)
    client.force_login(editor)
    response = client.post(
        reverse("desk:article_transition", args=[article.pk]),
        {"action": "submit", "version": article.version}, follow=True,
    )
    shown = messages_of(response)
    assert "稿件还不能提交审核，请先处理以下问题：" in shown
    assert "缺少事件日期（刊物中显示为“9月17日”）。" in shown
    article.refresh_from_db()
    assert article.status == Article.Status.DRAFT
    assert not article.transitions.exists()


def test_save_and_submit_saves_but_does_not_submit_past_a_required_check(client, make_article, editor):
    article = make_article(title="草稿", event_date=None)
    client.force_login(editor)
    response = client.post(reverse("desk:article_edit", args=[article.pk]), {
        "title": "补了正文但没有日期", "event_date": "", "section": article.section_id,
        "body": "<p>9月17日，正文。</p>", "version": article.version, "then": "submit",
    }, follow=True)
    shown = messages_of(response)
    assert "已保存，但未能提交审核：稿件还不能提交审核，请先处理以下问题：" in shown
    assert "缺少事件日期（刊物中显示为“9月17日”）。" in shown
    article.refresh_from_db()
    assert article.title == "补了正文但没有日期" and article.status == Article.Status.DRAFT


def test_optional_checks_warn_but_allow_the_submit(client, publication, make_article, editor):
    configure(publication, body_min_chars=100, title_max_chars=10)
    article = make_article(
        title="一个超过十个字的很长很长的标题",
        body='<p>9月17日，正文很短。</p><p><img src="/media/images/web/a.jpg" alt=""></p>',
    )
    client.force_login(editor)
    response = client.post(
        reverse("desk:article_transition", args=[article.pk]),
        {"action": "submit", "version": article.version}, follow=True,
    )
    shown = messages_of(response)
    assert "已提交审核。" in shown
    assert "提醒：标题有15字，超过10字，请精简。" in shown
    assert "提醒：正文只有8字，少于100字。" in shown
    assert any(m.startswith("提醒：正文中有1张图片没有说明文字") for m in shown)
    article.refresh_from_db()
    assert article.status == Article.Status.SUBMITTED


def test_a_required_check_set_in_the_admin_refuses(publication, make_article, editor):
    configure(publication, check_body_length=CheckLevel.REQUIRED, body_min_chars=100,
              check_image_alt=CheckLevel.REQUIRED)
    article = make_article(body='<p>9月17日，正文很短。</p><p><img src="/media/a.jpg"></p>')
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.submit(article, by=editor)
    assert refused.value.problems == [
        "正文只有8字，少于100字。",
        "正文中有1张图片没有说明文字（替代文本），请在编辑器中选中图片，点图片工具栏的“更改替换文本”填写。",
    ]
    workflow.save_article(
        article, by=editor, version=article.version,
        body="<p>" + "九月十七日区里召开会议。" * 10 + '</p><p><img src="/media/a.jpg" alt="会场"></p>',
    )
    workflow.submit(article, by=editor)
    assert article.status == Article.Status.SUBMITTED


def test_a_check_that_is_off_is_not_listed_nor_enforced(publication, make_article, editor):
    configure(publication, check_event_date=CheckLevel.OFF)
    article = make_article(event_date=None)
    assert "event_date" not in {c.key for c in article_checks(article)}
    workflow.submit(article, by=editor)
    assert article.status == Article.Status.SUBMITTED


def test_the_editor_sees_the_checklist_while_writing(client, publication, make_article, editor, settings):
    article = make_article(title="写作中的稿件", event_date=None, body="<p>开头。</p>")
    client.force_login(editor)
    page = client.get(reverse("desk:article_edit", args=[article.pk]))
    assert checklist(page) == {
        "已填写事件日期": "缺少", "标题不超过40字": "已满足", "正文不少于30字": "提醒",
        "图片都有说明文字（本稿无图片）": "已满足",
    }
    html = page.content.decode()
    assert "提交审核前检查" in html and "缺少事件日期" in html
    # The autosave answers with the checklist of what it saved; the page redraws it.
    answer = client.post(reverse("desk:article_autosave", args=[article.pk]), {
        "title": article.title, "event_date": "2020-09-17", "section": article.section_id,
        "body": "<p>开头。</p>", "version": article.version,
    }).json()
    assert {c["label"]: c["state_label"] for c in answer["checks"]}["已填写事件日期"] == "已满足"
    # A new article's page shows what will be checked.
    assert checklist(client.get(reverse("desk:article_new")))["已填写事件日期"] == "缺少"


def test_the_review_page_greys_out_submit_with_the_reason(client, make_article, editor):
    article = make_article(title="没有日期的稿件", event_date=None)
    client.force_login(editor)
    page = client.get(reverse("desk:article_detail", args=[article.pk]))
    assert page.context["actions"]["submit"]["refusal"].startswith("稿件还不能提交审核")
    assert "缺少事件日期" in page.context["actions"]["submit"]["refusal"]
    assert checklist(page)["已填写事件日期"] == "缺少"


# --- issues ----------------------------------------------------------------------------------


@pytest.fixture
def issue(publication, editor):
    return publishing.create_issue(publication, year=2020, month=10, by=editor)


def test_a_forged_post_cannot_submit_an_issue_with_empty_required_sections(client, issue, make_article, editor):
    other = make_article(title="时政稿件", section="时政要点", status=APPROVED)
    publishing.add_article(issue, other, by=editor)  # (设为焦点 would place it in 本期焦点)
    client.force_login(editor)
    response = client.post(reverse("desk:issue_submit", args=[issue.pk]), follow=True)
    shown = messages_of(response)
    assert "本期还不能提交签发，请先处理以下问题：" in shown
    assert "必备栏目“本期焦点”还没有稿件。" in shown
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT
    assert not issue.events.filter(action="submitted").exists()


def test_the_assembly_page_shows_the_checklist(client, issue, make_article, editor):
    make_article(title="还在审核的稿件", status=Article.Status.SUBMITTED)
    other = make_article(title="时政稿件", section="时政要点", status=APPROVED)
    publishing.add_article(issue, other, by=editor)
    client.force_login(editor)
    page = client.get(reverse("desk:issue_detail", args=[issue.pk]))
    assert checklist(page) == {
        "本期已编入稿件": "已满足",
        "本期稿件都已审核通过": "已满足",
        "必备栏目都有稿件（本期焦点）": "缺少",
        "其他栏目都有稿件": "提醒",
        "已指定本期焦点文章": "缺少",
        "每篇稿件满足提交前检查的必须项": "已满足",
        "每篇稿件满足提交前检查的提醒项": "提醒",
        "本刊没有仍在审核中的稿件": "提醒",
    }
    html = page.content.decode()
    assert "提交签发前检查" in html
    assert "栏目“创文看点”、“经济热点”、“文化亮点”、“民生视点”本期没有稿件。" in html
    assert "《还在审核的稿件》还在审核中，审核通过后才能编入本期。" in html


def test_optional_issue_checks_warn_but_allow(client, publication, issue, make_article, editor):
    configure(publication, check_required_sections=CheckLevel.WARN, check_focus=CheckLevel.WARN)
    make_article(title="还在审核的稿件", status=Article.Status.SUBMITTED)
    publishing.add_article(issue, make_article(title="时政稿件", status=APPROVED), by=editor)
    client.force_login(editor)
    response = client.post(reverse("desk:issue_submit", args=[issue.pk]), follow=True)
    shown = messages_of(response)
    assert "已提交主任签发。" in shown
    assert "提醒：必备栏目“本期焦点”还没有稿件。" in shown
    assert "提醒：还没有指定本期焦点文章。" in shown
    assert "提醒：《还在审核的稿件》还在审核中，审核通过后才能编入本期。" in shown
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SUBMITTED


def test_articles_in_the_issue_are_checked_again(issue, make_article, editor, head):
    """An article approved before its publication required an event date cannot reach the head."""
    focus = make_article(title="没有日期的焦点稿件", section="本期焦点", status=APPROVED, event_date=None)
    publishing.add_article(issue, focus, by=editor)
    publishing.set_focus(issue, focus.pk, by=editor)
    with pytest.raises(publishing.IssueError) as refused:
        publishing.submit_for_sign_off(issue, by=editor)
    assert refused.value.problems == ["《没有日期的焦点稿件》：缺少事件日期（刊物中显示为“9月17日”）。"]
    Article.objects.filter(pk=focus.pk).update(event_date=datetime.date(2020, 9, 17))
    publishing.submit_for_sign_off(issue, by=editor)


def test_articles_still_in_review_can_be_required_to_finish_first(publication, issue, make_article, editor, head):
    configure(publication, check_in_review=CheckLevel.REQUIRED)
    pending = make_article(title="还在审核的稿件", status=Article.Status.SUBMITTED)
    focus = make_article(title="焦点稿件", section="本期焦点", status=APPROVED)
    publishing.add_article(issue, focus, by=editor)
    publishing.set_focus(issue, focus.pk, by=editor)
    with pytest.raises(publishing.IssueError) as refused:
        publishing.submit_for_sign_off(issue, by=editor)
    assert refused.value.problems == ["《还在审核的稿件》还在审核中，审核通过后才能编入本期。"]
    Article.objects.filter(pk=pending.pk).update(status=APPROVED)
    publishing.submit_for_sign_off(issue, by=editor)
    # Another article going to review does not stop the head: that check gates 提交签发 only.
    make_article(title="下个月的稿件", status=Article.Status.SUBMITTED)
    publishing.sign_off(issue, by=head)
    assert issue.status == Issue.Status.SIGNED_OFF


def test_the_demo_passes_the_default_checks(db):
    """The demo's current issue can be submitted as it is; its drafts need only what a draft lacks."""
    from django.core.management import call_command

    call_command("load_demo")
    issue = Issue.objects.get(status=Issue.Status.DRAFT)
    assert publishing.assembly_problems(issue) == []
    for article in Article.objects.filter(publication=issue.publication):
        assert [c.label for c in article_checks(article) if c.blocking] == [], article.title
    from django.contrib.auth import get_user_model

    publishing.submit_for_sign_off(issue, by=get_user_model().objects.get(username="editor"))
    assert issue.status == Issue.Status.SUBMITTED


def test_the_admin_sets_the_checks_per_publication(client, publication):
    from tests.conftest import make_user

    admin = make_user("admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:bulletin_publication_change", args=[publication.pk])
    page = client.get(url)
    html = page.content.decode()
    assert "提交前检查" in html and "稿件须填写事件日期" in html and "必须满足" in html
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data.update({"check_event_date": "warn", "title_max_chars": 30})
    for inline in page.context["inline_admin_formsets"]:  # sections, standard wordings: none changed
        data.update({f"{inline.formset.prefix}-TOTAL_FORMS": 0, f"{inline.formset.prefix}-INITIAL_FORMS": 0})
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    publication.refresh_from_db()
    assert publication.check_event_date == CheckLevel.WARN and publication.title_max_chars == 30
