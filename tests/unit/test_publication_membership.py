"""Several publications: an editor works in the publications they belong to (刊物成员); the
new-article form offers only those, with the chosen publication's sections, and remembers the
last choice; the services refuse a publication the user is not a member of."""

import json
import re

import pytest
from django.urls import reverse

from bulletin.models import Issue, Publication, Section
from bulletin.publishing import IssueError, create_issue
from editorial import workflow
from editorial.membership import publications_of
from editorial.models import Article, PublicationMembership

pytestmark = pytest.mark.django_db


@pytest.fixture
def second(publication):
    """A second publication added in the admin, with sections of its own."""
    pub = Publication.objects.create(name="测试区志鉴通讯", slug="test-zjtx")
    for index, name in enumerate(["工作动态", "志鉴研究"]):
        Section.objects.create(publication=pub, name=name, position=index + 1)
    return pub


def options(html: str, name: str) -> list[str]:
    """The visible labels of a <select name=…> (without the empty choice)."""
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S)
    assert select, f"no select {name}"
    return [label for value, label in re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select.group(1))
            if value]


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def test_existing_editors_keep_the_first_publication_when_a_second_is_added(editor, publication, second):
    # The editor existed before the second publication: they keep working in the first only.
    assert list(publications_of(editor)) == [publication]


def test_the_form_offers_only_my_publications_and_their_sections(client, editor, publication, second):
    PublicationMembership.objects.create(user=editor, publication=second)
    client.force_login(editor)
    html = client.get(reverse("desk:article_new")).content.decode()
    assert options(html, "publication") == ["测试区大事月报", "测试区志鉴通讯"]
    # The form opens on the first (no choice made yet): its sections only, not the other's.
    assert options(html, "section") == ["本期焦点", "时政要点", "创文看点", "经济热点", "文化亮点", "民生视点"]
    # The page carries every publication's sections for the script that swaps them.
    carried = json.loads(re.search(r'id="section-options" type="application/json">(.*?)</script>', html).group(1))
    assert [name for _pk, name in carried[str(second.pk)]] == ["工作动态", "志鉴研究"]

    # Choosing the other publication (a form sent back with an error) lists its sections only.
    response = client.post(reverse("desk:article_new"), {"publication": second.pk, "title": ""})
    assert options(response.content.decode(), "section") == ["工作动态", "志鉴研究"]


def test_a_publication_i_do_not_belong_to_is_not_offered_and_refused(client, editor, publication, second):
    client.force_login(editor)
    html = client.get(reverse("desk:article_new")).content.decode()
    assert "测试区志鉴通讯" not in html and "工作动态" not in html
    response = client.post(reverse("desk:article_new"), {
        "publication": second.pk, "section": second.sections.first().pk, "title": "不该保存的稿件",
    })
    assert response.status_code == 200
    assert "您不能在所选刊物中新建稿件" in response.content.decode()
    assert not Article.objects.exists()
    # The service refuses too, whoever calls it.
    with pytest.raises(workflow.WorkflowError, match="您不是《测试区志鉴通讯》的成员"):
        workflow.create_article(by=editor, publication=second, section=second.sections.first(), title="稿")


def test_a_section_of_another_publication_gets_a_chinese_error_and_saves_nothing(client, editor, publication, second):
    PublicationMembership.objects.create(user=editor, publication=second)
    client.force_login(editor)
    response = client.post(reverse("desk:article_new"), {
        "publication": second.pk, "section": publication.sections.get(name="时政要点").pk, "title": "错配的稿件",
    })
    assert response.status_code == 200
    assert "所选栏目“时政要点”不属于《测试区志鉴通讯》，请重新选择栏目。" in response.content.decode()
    assert not Article.objects.exists()


def test_the_form_remembers_my_last_publication(client, editor, publication, second):
    PublicationMembership.objects.create(user=editor, publication=second)
    client.force_login(editor)
    response = client.post(reverse("desk:article_new"), {
        "publication": second.pk, "section": second.sections.get(name="志鉴研究").pk, "title": "新志书出版",
    })
    article = Article.objects.get()
    assert response.status_code == 302 and article.publication == second
    # Another day, another login: the form opens on 测试区志鉴通讯 with its sections.
    client.logout()
    client.force_login(editor)
    html = client.get(reverse("desk:article_new")).content.decode()
    chosen = re.search(r'<select name="publication".*?<option value="(\d+)" selected>', html, re.S)
    assert chosen and int(chosen.group(1)) == second.pk
    assert options(html, "section") == ["工作动态", "志鉴研究"]


def test_editing_and_assembling_in_a_publication_i_left(client, editor, head, publication, second, make_article):
    PublicationMembership.objects.filter(user=editor).delete()
    PublicationMembership.objects.create(user=editor, publication=second)
    article = make_article(author=editor)
    client.force_login(editor)
    response = client.post(reverse("desk:article_edit", args=[article.pk]), {
        "title": "改过的标题", "section": article.section_id, "version": article.version, "body": "",
    })
    assert response.status_code == 302
    article.refresh_from_db()
    assert article.title == "测试稿件"
    # The head belongs to the first publication only: no issue of the second.
    with pytest.raises(IssueError, match="不是《测试区志鉴通讯》的成员"):
        create_issue(second, year=2020, month=10, by=head)
    assert not Issue.objects.exists()
    client.force_login(head)
    html = client.get(reverse("desk:issue_list")).content.decode()
    assert "测试区志鉴通讯" not in html


def test_one_publication_needs_no_memberships(client, publication):
    # A small office never sets memberships up: its users work in its only publication.
    from tests.conftest import make_user

    newcomer = make_user("newcomer", "editor")
    client.force_login(newcomer)
    response = client.post(reverse("desk:article_new"), {
        "publication": publication.pk, "section": publication.sections.get(name="时政要点").pk, "title": "一篇稿件",
    })
    assert response.status_code == 302
    assert Article.objects.get().publication == publication


def test_the_back_issue_upload_offers_only_my_publications(client, editor, publication, second):
    client.force_login(editor)
    html = client.get(reverse("desk:import_upload")).content.decode()
    assert "测试区志鉴通讯" not in html
    PublicationMembership.objects.create(user=editor, publication=second)
    html = client.get(reverse("desk:import_upload")).content.decode()
    assert options(html, "publication") == ["测试区大事月报", "测试区志鉴通讯"]


def test_todo_and_the_review_queue_hold_only_my_publications(client, editor, editor2, approver, head, publication, second):
    # The approver and the head work in the first publication only; editor2 also writes in the second.
    from office import todo

    PublicationMembership.objects.create(user=editor2, publication=second)

    def submitted(pub, section, title):
        return Article.objects.create(
            publication=pub, section=section, title=title, body=f"<p>{title}。</p>", author=editor2,
            last_edited_by=editor2, status=Article.Status.SUBMITTED, review_level=1,
        )

    submitted(publication, publication.sections.get(name="时政要点"), "本刊待审稿件")
    submitted(second, second.sections.first(), "别刊待审稿件")
    for pub in (publication, second):
        Issue.objects.create(publication=pub, year=2020, month=10, status=Issue.Status.SUBMITTED)

    review = {t.key: t for t in todo.for_user(approver).lists}["review"]
    assert [item.title for item in review.items] == ["本刊待审稿件"] and review.count == 1
    client.force_login(approver)
    queue = client.get(reverse("desk:review_queue")).content.decode()
    assert "本刊待审稿件" in queue and "别刊待审稿件" not in queue

    signoff = {t.key: t for t in todo.for_user(head).lists}["signoff"]
    assert [item.title for item in signoff.items] == ["测试区大事月报 2020年10月"]
    client.force_login(head)
    page = client.get(reverse("desk:dashboard")).content.decode()
    assert "测试区志鉴通讯" not in page


def test_the_article_overview_counts_and_lists_only_my_publications(client, editor, editor2, head, publication, second):
    # editor2 writes in both publications; the head works in the first only.
    from tests.conftest import make_user

    PublicationMembership.objects.create(user=editor2, publication=second)

    def article(pub, title, status):
        return Article.objects.create(
            publication=pub, section=pub.sections.first(), title=title, body=f"<p>{title}。</p>",
            author=editor2, last_edited_by=editor2, status=status, review_level=1,
        )

    article(publication, "本刊通过稿件", Article.Status.APPROVED)
    article(second, "别刊通过稿件一", Article.Status.APPROVED)
    article(second, "别刊通过稿件二", Article.Status.APPROVED)
    article(second, "别刊待审稿件", Article.Status.SUBMITTED)

    def overview(user):
        client.force_login(user)
        html = client.get(reverse("desk:article_list")).content.decode()
        counts = dict(
            (label, int(n)) for n, label in re.findall(
                r'<li class="status-\w+"><span class="n">(\d+)</span><span class="label">([^<]*)</span>', html
            )
        )
        recent = html.split('id="approved"', 1)[1]
        return counts, recent

    counts, recent = overview(head)
    assert counts["已通过"] == 1 and counts["待审"] == 0
    assert "本刊通过稿件" in recent and "别刊通过稿件" not in recent

    boss = make_user("boss", is_superuser=True, is_staff=True)
    counts, recent = overview(boss)
    assert counts["已通过"] == 3 and counts["待审"] == 1
    assert "本刊通过稿件" in recent and "别刊通过稿件一" in recent and "别刊通过稿件二" in recent


def test_background_jobs_of_another_publication_are_neither_seen_nor_retried(client, head, publication, second):
    from bulletin import jobs
    from bulletin.models import BackgroundJob

    theirs = jobs.start_job("issue_pdf", {"issue": 999}, by=None, publication=second)
    mine = jobs.start_job("issue_pdf", {"issue": 998}, by=None, publication=publication)
    reindex = jobs.start_job("search_reindex", {}, by=None)  # office-wide work: no publication
    BackgroundJob.objects.filter(pk=theirs.pk).update(status=BackgroundJob.Status.FAILED, failure="测试")
    theirs.refresh_from_db()

    # The head works in the first publication only (kept when the second was added).
    client.force_login(head)
    listed = client.get(reverse("desk:job_list")).content.decode()
    assert f"/desk/jobs/{mine.pk}/" in listed and f"/desk/jobs/{reindex.pk}/" in listed
    assert f"/desk/jobs/{theirs.pk}/" not in listed
    assert client.get(reverse("desk:job_detail", args=[theirs.pk])).status_code in (403, 404)
    with pytest.raises(jobs.JobError):
        jobs.retry_job(theirs, by=head)
    with pytest.raises(jobs.JobError, match="不在该刊物的成员中"):
        jobs.start_job("issue_pdf", {"issue": 997}, by=head, publication=second)

    # Made a member of the second publication, the head sees and retries its job.
    PublicationMembership.objects.create(user=head, publication=second)
    head = type(head).objects.get(pk=head.pk)  # publication_ids is read once per user object
    client.force_login(head)
    assert client.get(reverse("desk:job_detail", args=[theirs.pk])).status_code == 200
    assert jobs.retry_job(theirs, by=head).status == BackgroundJob.Status.QUEUED


def test_members_among_applies_the_same_rule_to_many_users_in_three_queries(
    django_assert_num_queries, django_user_model, editor, head, publication, second
):
    from editorial.membership import is_member, members_among

    boss = django_user_model.objects.create_superuser("boss", password="x")
    both = django_user_model.objects.create_user("both", password="x")
    PublicationMembership.objects.create(user=both, publication=publication)
    PublicationMembership.objects.create(user=both, publication=second)
    gone = django_user_model.objects.create_user("gone", password="x", is_active=False)
    ids = [editor.pk, head.pk, boss.pk, both.pk, gone.pk]
    for pub in (publication, second):
        with django_assert_num_queries(3):
            found = members_among(ids, pub)
        # Exactly what the one-user rule says, for each of them (an inactive user: nobody).
        assert found == {u.pk for u in (editor, head, boss, both) if is_member(u, pub)}
    assert members_among(ids, second) == {boss.pk, both.pk}
