"""Autosave from the first keystroke, and one entry in 版本记录 per sitting.

A new article is created by its first autosave (the page then goes on as its editor); one
user's consecutive autosaves show as one revision in 版本记录, while a manual save, another
person's save or a workflow step starts a new sitting. Revisions stay append-only: the
replaced autosaves are still stored, only marked (SupersededAutosave).
"""


import pytest
from django.urls import reverse

from editorial import workflow
from editorial.models import Article, Revision, SupersededAutosave
from tests.conftest import form_data

pytestmark = pytest.mark.django_db


def autosave(client, article, body):
    article.refresh_from_db()
    response = client.post(reverse("desk:article_autosave", args=[article.pk]), form_data(article, body=body))
    assert response.status_code == 200, response.content
    return response.json()


def history(client, article):
    """The 版本记录 entries of the article page, as notes."""
    page = client.get(reverse("desk:article_detail", args=[article.pk]))
    return [r.note for r in page.context["revisions"]]


def test_the_first_autosave_of_a_new_article_creates_it(client, editor, publication):
    client.force_login(editor)
    section = publication.sections.get(name="时政要点")
    answer = client.post(reverse("desk:article_autosave_new"), {
        "publication": publication.pk, "title": "", "section": section.pk, "event_date": "",
        "body": "<p>刚打的第一句。</p>", "version": "",
    })
    assert answer.status_code == 200, answer.content
    data = answer.json()
    article = Article.objects.get()
    assert data["created"] and data["version"] == article.version == 1
    assert data["edit_url"] == reverse("desk:article_edit", args=[article.pk])
    assert data["autosave_url"] == reverse("desk:article_autosave", args=[article.pk])
    assert article.body == "<p>刚打的第一句。</p>" and article.section == section
    assert article.title == "无标题稿件" and article.author == editor and article.status == Article.Status.DRAFT
    # The page goes on with the answer's version; the title typed later replaces the placeholder.
    answer = client.post(data["autosave_url"], form_data(article, title="后来填的标题", body="<p>第二句。</p>"))
    article.refresh_from_db()
    assert answer.json()["version"] == 2 and article.title == "后来填的标题"
    # A stale version is still a conflict (the optimistic lock holds for autosaves).
    stale = client.post(data["autosave_url"], form_data(article, version=1, body="<p>旧页面</p>"))
    assert stale.status_code == 409


def test_an_empty_new_page_saves_nothing_and_readers_cannot_create(client, editor, approver, publication):
    client.force_login(editor)
    answer = client.post(reverse("desk:article_autosave_new"), {"publication": publication.pk, "title": " ",
                                                                 "body": "<p></p>", "version": ""})
    assert answer.status_code == 400 and "未自动保存" in answer.json()["message"]
    client.force_login(approver)
    answer = client.post(reverse("desk:article_autosave_new"), {"publication": publication.pk, "title": "x",
                                                                 "body": "<p>x</p>", "version": ""})
    assert answer.status_code in (302, 403)
    assert not Article.objects.exists()


def test_autosaves_of_one_sitting_are_one_entry_in_the_history(client, editor, make_article):
    article = make_article(body="<p>原文。</p>")
    client.force_login(editor)
    for n in range(1, 5):
        autosave(client, article, f"<p>原文。第{n}句。</p>")
    article.refresh_from_db()
    assert article.version == 5
    assert history(client, article) == ["自动保存", ""]  # newest first: the sitting, then creation
    listed = client.get(reverse("desk:article_detail", args=[article.pk])).context["revisions"][0]
    assert listed.body == "<p>原文。第4句。</p>" and listed.number == 5
    # Nothing was rewritten: every autosave is stored, the replaced ones are marked.
    assert Revision.objects.filter(article=article).count() == 5
    assert SupersededAutosave.objects.filter(revision__article=article).count() == 3
    # The compare page offers the same entries and compares the sitting against the creation.
    compare = client.get(reverse("desk:article_compare", args=[article.pk])).context
    assert [r.number for r in compare["revisions"]] == [5, 1]
    assert (compare["old"].number, compare["new"].number) == (1, 5)


def test_a_manual_save_or_another_editor_closes_the_sitting(client, editor, editor2, make_article):
    article = make_article(body="<p>原文。</p>")
    client.force_login(editor)
    autosave(client, article, "<p>甲自动一。</p>")
    autosave(client, article, "<p>甲自动二。</p>")
    article.refresh_from_db()
    workflow.save_article(article, by=editor, version=article.version, body="<p>甲手动保存。</p>")
    autosave(client, article, "<p>甲自动三。</p>")  # a new sitting after the manual save
    client.force_login(editor2)
    autosave(client, article, "<p>乙自动一。</p>")  # someone else: their own entry
    client.force_login(editor)
    autosave(client, article, "<p>甲自动四。</p>")  # after 乙: a new sitting again
    bodies = [r.body for r in client.get(reverse("desk:article_detail", args=[article.pk])).context["revisions"]]
    assert bodies == ["<p>甲自动四。</p>", "<p>乙自动一。</p>", "<p>甲自动三。</p>", "<p>甲手动保存。</p>",
                      "<p>甲自动二。</p>", "<p>原文。</p>"]


def test_a_workflow_step_or_a_long_pause_closes_the_sitting(client, editor, approver, make_article, settings):
    article = make_article(body="<p>原文，足够长的正文，写满三十个字以便能够提交审核，不再提醒字数过少。</p>")
    client.force_login(editor)
    autosave(client, article, "<p>第一次自动保存，足够长的正文，写满三十个字以便能够提交审核，不再提醒。</p>")
    autosave(client, article, "<p>第二次自动保存，足够长的正文，写满三十个字以便能够提交审核，不再提醒。</p>")
    article.refresh_from_db()
    workflow.submit(article, by=editor, version=article.version)
    workflow.return_to_author(article, by=approver, comment="请补充。", version=article.version)
    # Back to the returned draft: two autosaves, one new entry (the implicit 修改 step of the
    # returned article is the sitting's own and does not split it).
    autosave(client, article, "<p>退回后第一次，足够长的正文，写满三十个字以便能够提交审核，不再提醒。</p>")
    autosave(client, article, "<p>退回后第二次，足够长的正文，写满三十个字以便能够提交审核，不再提醒。</p>")
    assert history(client, article) == ["自动保存", "自动保存", ""]
    # The editor went away longer than a sitting lasts (here: no time at all) and came back.
    settings.BULLETIN_AUTOSAVE_SITTING_MINUTES = 0
    autosave(client, article, "<p>回来后，足够长的正文，写满三十个字以便能够提交审核，不再提醒字数过少。</p>")
    assert history(client, article) == ["自动保存", "自动保存", "自动保存", ""]
