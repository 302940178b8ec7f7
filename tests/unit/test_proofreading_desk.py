"""校对 on the desk: the panel beside the editor, a fix in one click (a new revision of the version
the page showed), a recorded dismissal, the publication's standard wordings from the admin, and
the open findings of every article on the sign-off page."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from bulletin.models import Issue, IssueArticle, StandardWording
from bulletin.proofreading import context_for, issue_findings
from editorial import proofing, workflow
from editorial.models import Article, ProofreadingDismissal
from editorial.proofreading import HALFWIDTH_PUNCT, INTERNAL_WORDING, STANDARD_WORDING, STRAY_SPACE
from tests.conftest import drop_sign_offs

pytestmark = pytest.mark.django_db

BODY = "<p>9月17日，区政府召开会议,研究部署工作。</p><p>区委 书记出席。</p>"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def messages_of(response):
    return [str(m) for m in response.context["messages"]]


def panel(client, article):
    response = client.get(reverse("desk:article_edit", args=[article.pk]))
    assert response.status_code == 200
    return response.context["proof_findings"], response.content.decode()


def test_the_editor_shows_the_findings_with_their_place(client, editor, make_article):
    article = make_article(body=BODY)
    client.force_login(editor)
    findings, page = panel(client, article)
    assert [(f.kind, f.paragraph, f.offset, f.text, f.fix) for f in findings] == [
        (HALFWIDTH_PUNCT, 0, 13, ",", "，"),
        (STRAY_SPACE, 1, 2, " ", ""),
    ]
    assert 'id="proofreading"' in page
    assert "…月17日，区政府召开会议<mark>,</mark>研究部署工作。<" in page
    assert 'data-paragraph="1" data-offset="2"' in page
    assert "改正为“，”" in page and "改正（删去）" in page and "忽略" in page


def test_fix_in_one_click_is_a_new_revision(client, editor, make_article):
    article = make_article(body=BODY)
    client.force_login(editor)
    findings, _page = panel(client, article)
    comma = findings[0]
    url = reverse("desk:article_proofread", args=[article.pk])
    response = client.post(url, {"op": "fix", "key": comma.key, "version": article.version}, follow=True)
    assert response.redirect_chain[-1][0] == reverse("desk:article_edit", args=[article.pk]) + "#proofreading"
    assert "已改正：“,”改为“，”（第2版）。" in messages_of(response)
    article.refresh_from_db()
    assert article.body == "<p>9月17日，区政府召开会议，研究部署工作。</p><p>区委 书记出席。</p>"
    assert article.version == 2 and article.last_edited_by == editor
    assert article.latest_revision().note == "校对改正：, → ，"
    assert [f.kind for f in response.context["proof_findings"]] == [STRAY_SPACE]
    # The stray space: deleted.
    space = response.context["proof_findings"][0]
    client.post(url, {"op": "fix", "key": space.key, "version": article.version})
    article.refresh_from_db()
    assert article.body.endswith("<p>区委书记出席。</p>") and article.version == 3


def test_fix_with_a_stale_version_changes_nothing(client, editor, editor2, make_article):
    article = make_article(body=BODY)
    client.force_login(editor)
    findings, _page = panel(client, article)
    seen = article.version
    workflow.save_article(article, by=editor2, version=seen, title="别人改了标题")
    response = client.post(
        reverse("desk:article_proofread", args=[article.pk]),
        {"op": "fix", "key": findings[0].key, "version": seen}, follow=True,
    )
    assert any(m.startswith("保存冲突") for m in messages_of(response))
    article.refresh_from_db()
    assert "会议,研究" in article.body and article.version == seen + 1
    # Without a certain fix, or for a finding that is gone: a message, never an error page.
    response = client.post(reverse("desk:article_proofread", args=[article.pk]),
                           {"op": "fix", "key": "nope", "version": article.version}, follow=True)
    assert "这条校对提示已不存在（正文可能已经改过），请查看最新的校对结果。" in messages_of(response)
    response = client.post(reverse("desk:article_proofread", args=[article.pk]),
                           {"op": "fix", "key": findings[0].key, "version": "x"}, follow=True)
    assert "缺少版本号，无法确认您看到的是最新内容，请刷新页面。" in messages_of(response)


def test_dismissal_is_recorded_and_holds_while_the_place_reads_the_same(client, approver, editor, make_article):
    article = make_article(body=BODY)
    client.force_login(approver)
    findings, _page = panel(client, article)
    space = findings[1]
    response = client.post(reverse("desk:article_proofread", args=[article.pk]),
                           {"op": "dismiss", "key": space.key}, follow=True)
    assert "已忽略校对提示：“空格”。" in messages_of(response)
    row = ProofreadingDismissal.objects.get(article=article)
    assert (row.key, row.kind, row.text, row.dismissed_by) == (space.key, STRAY_SPACE, " ", approver)
    assert [f.kind for f in response.context["proof_findings"]] == [HALFWIDTH_PUNCT]
    article.refresh_from_db()
    assert article.version == 1  # a dismissal changes no text
    # An edit elsewhere keeps it hidden; an edit at the place brings it back.
    workflow.save_article(article, by=editor, version=article.version,
                          body=BODY.replace("部署工作", "部署下一步工作"))
    assert [f.kind for f in proofing.open_findings(article, context_for(article))] == [HALFWIDTH_PUNCT]
    workflow.save_article(article, by=editor, version=article.version,
                          body=article.body.replace("书记出席", "书记出席并讲话"))
    assert [f.kind for f in proofing.open_findings(article, context_for(article))] == [HALFWIDTH_PUNCT, STRAY_SPACE]


def test_autosave_redraws_the_panel(client, editor, make_article):
    article = make_article(body="<p>9月17日，召开会议。</p>")
    client.force_login(editor)
    data = {"title": article.title, "event_date": "2020-09-17", "section": article.section_id,
            "body": "<p>9月17日，召开会议,研究工作。</p>", "version": article.version}
    answer = client.post(reverse("desk:article_autosave", args=[article.pk]), data).json()
    assert answer["ok"] and 'id="proofreading"' in answer["proofreading"]
    assert "会议<mark>,</mark>研究" in answer["proofreading"]
    assert f'name="version" value="{answer["version"]}"' in answer["proofreading"]


def test_standard_wordings_from_the_admin_and_internal_wording(client, publication, editor, make_article):
    admin = get_user_model().objects.create_superuser("root", password="pw-root")
    client.force_login(admin)
    page = client.get(reverse("admin:bulletin_publication_change", args=[publication.pk])).content.decode()
    assert "规范表述（校对时提示）" in page and "不规范或过时的写法" in page
    StandardWording.objects.create(publication=publication, wrong="中原区委", right="中共中原区委", note="全称")
    publication.default_visibility = "internal"
    publication.save()
    article = make_article(body="<p>9月17日，中原区委召开会议，本刊记者王小明报道。</p>")
    client.force_login(editor)
    findings, page = panel(client, article)
    assert [(f.kind, f.text, f.fix) for f in findings] == [
        (STANDARD_WORDING, "中原区委", "中共中原区委"),
        (INTERNAL_WORDING, "本刊", None),
        (INTERNAL_WORDING, "记者王小明", None),
    ]
    assert "规范表述为“中共中原区委”，不用“中原区委”（全称）。" in page
    client.post(reverse("desk:article_proofread", args=[article.pk]),
                {"op": "fix", "key": findings[0].key, "version": article.version})
    article.refresh_from_db()
    assert "中共中原区委召开会议" in article.body


def test_the_issue_month_decides_late_dates(publication, editor, make_article):
    article = make_article(body="<p>11月3日，召开会议。</p>")
    assert context_for(article).month is None  # no issue yet: no month to compare with
    issue = Issue.objects.create(publication=publication, year=2020, month=10)
    assert (context_for(article).year, context_for(article).month) == (2020, 10)
    assert [f.kind for f in proofing.open_findings(article, context_for(article))] == ["late_date"]
    IssueArticle.objects.create(issue=issue, article=article, section=article.section)
    assert context_for(article).month == 10


def test_the_sign_off_page_shows_the_open_findings_of_every_article(client, signed_off_issue, head, editor):
    issue = signed_off_issue()
    drop_sign_offs(issue)
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SUBMITTED)
    first, second = [p.article for p in issue.placements.order_by("position")]
    Article.objects.filter(pk=first.pk).update(body="<p>9月17日，召开会议。</p>")
    Article.objects.filter(pk=second.pk).update(body="<p>9月17日，召开会议,研究工作。</p><p>共有１２个项目。</p>")
    client.force_login(head)
    response = client.get(reverse("desk:issue_signoff", args=[issue.pk]))
    page = response.content.decode()
    entries = response.context["proofreading"]
    assert [(e.article.pk, e.count) for e in entries] == [(first.pk, 0), (second.pk, 2)]
    assert "校对：2 处待看" in page
    assert "会议<mark>,</mark>研究" in page and "<mark>１２</mark>" in page
    # A dismissal hides it there too.
    second.refresh_from_db()
    key = issue_findings(issue)[1].findings[0].key
    proofing.dismiss(second, key=key, context=context_for(second), by=editor)
    assert "校对：1 处待看" in client.get(reverse("desk:issue_signoff", args=[issue.pk])).content.decode()


def test_outsiders_cannot_fix_or_dismiss(client, reader, make_article):
    article = make_article(body=BODY)
    client.force_login(reader)
    url = reverse("desk:article_proofread", args=[article.pk])
    assert client.post(url, {"op": "dismiss", "key": "x"}).status_code == 403
    with pytest.raises(proofing.ProofreadingError):
        proofing.dismiss(article, key="x", context=context_for(article), by=reader)
    assert not ProofreadingDismissal.objects.exists()


# --- the title, and the review page ------------------------------------------------------------


def test_a_finding_in_the_title_says_so_points_at_it_and_is_fixed_in_the_title(client, editor, make_article):
    article = make_article(title="区政府召开会议,研究部署工作", body=BODY)
    client.force_login(editor)
    findings, page = panel(client, article)
    assert [(f.field, f.kind, f.offset, f.text) for f in findings] == [
        ("title", HALFWIDTH_PUNCT, 7, ","), ("body", HALFWIDTH_PUNCT, 13, ","), ("body", STRAY_SPACE, 2, " "),
    ]
    first = page.index('data-field="title"')
    assert 'data-offset="7"' in page[first:first + 300]
    assert '<span class="proof-where">标题</span>' in page and 'title="在标题中选中这处"' in page
    assert page.count('class="proof-where"') == 1  # the body's findings carry no label

    response = client.post(reverse("desk:article_proofread", args=[article.pk]),
                           {"op": "fix", "key": findings[0].key, "version": article.version}, follow=True)
    assert "已改正：“,”改为“，”（第2版）。" in messages_of(response)
    article.refresh_from_db()
    assert article.title == "区政府召开会议，研究部署工作"
    assert article.body == BODY  # the body's own comma is still there
    assert article.revisions.order_by("-number").first().note == "校对改正（标题）：, → ，"
    # Dismissing a title finding is recorded like any other.
    article = make_article(title="凝心聚力 谋發展", body="<p>9月17日，召开会议。</p>")
    finding = proofing.open_findings(article, context_for(article))[0]
    assert (finding.field, finding.text) == ("title", "發")  # the space of a two-phrase title is no finding
    proofing.dismiss(article, key=finding.key, context=context_for(article), by=editor)
    assert proofing.open_findings(article, context_for(article)) == []


def test_the_review_page_shows_the_open_findings_read_only(client, editor, approver, make_article):
    article = make_article(title="区政府召开会议,研究部署工作", body=BODY)
    workflow.submit(article, by=editor, version=article.version)
    article.refresh_from_db()
    assert article.status == Article.Status.SUBMITTED
    client.force_login(approver)
    response = client.get(reverse("desk:article_detail", args=[article.pk]))
    page = response.content.decode()
    assert [f.field for f in response.context["proof_findings"]] == ["title", "body", "body"]
    panel_html = page[page.index('id="proofreading"'):]
    panel_html = panel_html[:panel_html.index("</section>")]
    assert '<span class="count" id="proof-count">3</span>' in panel_html
    assert '<span class="proof-where">标题</span>' in panel_html
    assert "区政府召开会议<mark>,</mark>研究部署工作" in panel_html and "区委<mark>␣</mark>书记出席" in panel_html
    assert "中文里用了半角“,”，应为全角“，”。" in panel_html
    # Read-only: no fix, no dismissal, no form; the approver is told where fixing happens.
    assert "<form" not in panel_html and "proof-fix" not in panel_html and "忽略</button>" not in panel_html
    assert "只读" in panel_html
    # A published article's page shows no 校对.
    Article.objects.filter(pk=article.pk).update(status=Article.Status.PUBLISHED)
    assert 'id="proofreading"' not in client.get(reverse("desk:article_detail", args=[article.pk])).content.decode()


def test_the_sign_off_page_names_findings_in_a_title(client, signed_off_issue, head):
    issue = signed_off_issue()
    drop_sign_offs(issue)
    Issue.objects.filter(pk=issue.pk).update(status=Issue.Status.SUBMITTED)
    first = issue.placements.order_by("position").first().article
    Article.objects.filter(pk=first.pk).update(title="召开会议,研究工作", body="<p>9月17日，召开会议。</p>")
    client.force_login(head)
    page = client.get(reverse("desk:issue_signoff", args=[issue.pk])).content.decode()
    assert '<span class="proof-where">标题</span><span class="proof-kind">半角标点</span>' in page
    assert "召开会议<mark>,</mark>研究工作" in page
