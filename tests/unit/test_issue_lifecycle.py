"""The issue lifecycle: assembly rules, sign-off and its voiding, numbering, freeze, withdrawal, errata."""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from bulletin import publishing
from bulletin.models import Issue, IssueEvent
from bulletin.publishing import IssueError, PublishError
from bulletin.rendering import issue_layout
from editorial.models import Article

pytestmark = pytest.mark.django_db

APPROVED = Article.Status.APPROVED


@pytest.fixture
def issue(publication, editor):
    return publishing.create_issue(publication, year=2020, month=10, by=editor)


def ready_issue(issue, make_article, editor):
    """Place a focus article and a second one: the issue is ready for sign-off."""
    focus = make_article(title="焦点稿件", section="本期焦点", status=APPROVED)
    other = make_article(title="时政稿件", section="时政要点", status=APPROVED)
    publishing.add_article(issue, focus, by=editor)
    publishing.add_article(issue, other, by=editor)
    publishing.set_focus(issue, focus.pk, by=editor)
    return focus, other


def signed(issue, make_article, editor, head):
    articles = ready_issue(issue, make_article, editor)
    publishing.submit_for_sign_off(issue, by=editor)
    publishing.sign_off(issue, by=head)
    return articles


def actions(issue):
    return list(issue.events.order_by("pk").values_list("action", flat=True))


# --- assembly -------------------------------------------------------------------------------


def test_one_issue_per_publication_and_month(publication, issue, editor):
    with pytest.raises(IssueError, match="已有一期"):
        publishing.create_issue(publication, year=2020, month=10, by=editor)
    with pytest.raises(IssueError, match="月份"):
        publishing.create_issue(publication, year=2020, month=13, by=editor)


def test_only_approved_articles_can_be_placed(issue, make_article, editor):
    draft = make_article(title="草稿", status=Article.Status.DRAFT)
    with pytest.raises(IssueError, match="尚未审核通过"):
        publishing.add_article(issue, draft, by=editor)
    assert issue.placements.count() == 0


def test_article_cannot_be_in_two_issues(publication, issue, make_article, editor):
    article = make_article(status=APPROVED)
    publishing.add_article(issue, article, by=editor)
    november = publishing.create_issue(publication, year=2020, month=11, by=editor)
    assert article not in publishing.addable_articles(november)
    with pytest.raises(IssueError, match="已编入 2020年10月"):
        publishing.add_article(november, article, by=editor)


def test_submit_lists_everything_missing(issue, make_article, editor):
    returned = make_article(title="被退回的稿件", status=APPROVED)
    publishing.add_article(issue, returned, by=editor)
    Article.objects.filter(pk=returned.pk).update(status=Article.Status.RETURNED)
    with pytest.raises(IssueError) as refused:
        publishing.submit_for_sign_off(issue, by=editor)
    problems = refused.value.problems
    assert "《被退回的稿件》尚未审核通过（当前状态：退回）。" in problems
    assert "必备栏目“本期焦点”还没有稿件。" in problems
    assert "还没有指定本期焦点文章。" in problems
    issue.refresh_from_db()
    assert issue.status == Issue.Status.DRAFT


def test_ready_issue_can_be_submitted(issue, make_article, editor):
    ready_issue(issue, make_article, editor)
    assert publishing.assembly_problems(issue) == []
    publishing.submit_for_sign_off(issue, by=editor)
    assert issue.status == Issue.Status.SUBMITTED
    assert actions(issue) == ["created", "submitted"]


def test_order_of_articles_and_sections_is_what_readers_see(issue, make_article, editor):
    focus, first = ready_issue(issue, make_article, editor)
    second = make_article(title="第二篇时政", section="时政要点", status=APPROVED)
    publishing.add_article(issue, second, by=editor)
    publishing.move_article(issue, second.pk, "up", by=editor)
    section = issue.publication.sections.get(name="时政要点")
    publishing.move_section(issue, section.pk, "up", by=editor)
    layout = issue_layout(issue)
    assert [s["name"] for s in layout["sections"]] == ["时政要点", "本期焦点"]
    assert [e["title"] for e in layout["sections"][0]["entries"]] == ["第二篇时政", "时政稿件"]
    # Drag and drop sends the whole order of one section.
    publishing.reorder_section(issue, section.pk, [first.pk, second.pk], by=editor)
    layout = issue_layout(issue)
    assert [e["title"] for e in layout["sections"][0]["entries"]] == ["时政稿件", "第二篇时政"]
    with pytest.raises(IssueError, match="刷新"):
        publishing.reorder_section(issue, section.pk, [first.pk], by=editor)


def test_removing_the_focus_article_clears_the_focus(issue, make_article, editor):
    focus, _ = ready_issue(issue, make_article, editor)
    publishing.remove_article(issue, focus.pk, by=editor)
    assert issue.focus_article_id is None
    assert "还没有指定本期焦点文章。" in publishing.assembly_problems(issue)


def test_roles_are_checked_by_the_services(issue, make_article, editor, approver, head, reader):
    article = make_article(status=APPROVED)
    with pytest.raises(IssueError, match="权限"):
        publishing.add_article(issue, article, by=reader)
    ready_issue(issue, make_article, editor)
    publishing.submit_for_sign_off(issue, by=editor)
    for user in (editor, approver):
        with pytest.raises(IssueError, match="权限"):
            publishing.sign_off(issue, by=user)
    with pytest.raises(IssueError, match="权限"):
        publishing.return_issue(issue, by=editor, comment="不行")
    publishing.sign_off(issue, by=head)
    with pytest.raises(IssueError, match="权限"):
        publishing.publish_issue(issue, by=approver)


# --- sign-off ---------------------------------------------------------------------------------


def test_head_returns_with_a_comment(issue, make_article, editor, head):
    ready_issue(issue, make_article, editor)
    publishing.submit_for_sign_off(issue, by=editor)
    with pytest.raises(IssueError, match="退回意见"):
        publishing.return_issue(issue, by=head, comment="  ")
    publishing.return_issue(issue, by=head, comment="焦点换成时政稿件")
    assert issue.status == Issue.Status.DRAFT
    event = issue.events.get(action=IssueEvent.Action.RETURNED)
    assert (event.actor, event.comment) == (head, "焦点换成时政稿件")


def test_a_returned_issue_is_badged_returned_on_every_desk_page(client, issue, make_article, editor, head):
    from django.urls import reverse

    ready_issue(issue, make_article, editor)
    publishing.submit_for_sign_off(issue, by=editor)
    publishing.return_issue(issue, by=head, comment="焦点换成时政稿件")
    client.force_login(editor)
    badge = '<span class="status-badge status-returned">退回修改</span>'
    for name in ("desk:issue_detail", "desk:issue_signoff"):
        page = client.get(reverse(name, args=[issue.pk])).content.decode()
        assert badge in page and ">编排中</span>" not in page, name
    assert badge in client.get(reverse("desk:issue_list")).content.decode()
    # submitted again: the badge follows the status
    publishing.submit_for_sign_off(issue, by=editor)
    page = client.get(reverse("desk:issue_detail", args=[issue.pk])).content.decode()
    assert '<span class="status-badge status-submitted">待签发</span>' in page


def test_sign_off_records_who_and_the_exact_content(issue, make_article, editor, head):
    from bulletin.publishing import issue_fingerprint

    signed(issue, make_article, editor, head)
    record = issue.sign_offs.get()
    assert record.signed_by == head and record.is_valid
    assert record.content_hash == issue_fingerprint(issue)
    assert issue.status == Issue.Status.SIGNED_OFF
    assert actions(issue)[-1] == "signed_off"


def test_sign_off_refused_if_content_changed_since_the_head_looked(issue, make_article, editor, head):
    from bulletin.publishing import issue_fingerprint

    ready_issue(issue, make_article, editor)
    publishing.submit_for_sign_off(issue, by=editor)
    seen = issue_fingerprint(issue)
    article = Article.objects.get(title="时政稿件")
    article.body = "<p>提交后又改了正文。</p>"
    article.save()
    with pytest.raises(IssueError, match="重新查看"):
        publishing.sign_off(issue, by=head, fingerprint=seen)
    assert not issue.sign_offs.exists()


@pytest.mark.parametrize("change", ["order", "focus", "remove", "section", "article_edit", "article_status"])
def test_any_change_after_sign_off_voids_it(change, issue, make_article, editor, head):
    focus, other = signed(issue, make_article, editor, head)
    extra = make_article(title="第三篇", section="时政要点", status=APPROVED)
    if change == "order":
        # Placed after sign-off through the model (not the service): the safety net catches it.
        from bulletin.models import IssueArticle

        IssueArticle.objects.create(issue=issue, article=extra, section=extra.section, position=5)
    elif change == "focus":
        publishing.set_focus(issue, other.pk, by=editor)
    elif change == "remove":
        publishing.remove_article(issue, other.pk, by=editor)
    elif change == "section":
        publishing.change_section(issue, other.pk, issue.publication.sections.get(name="民生视点").pk, by=editor)
    elif change == "article_edit":
        other.title = "签发后改了标题"
        other.save()
    elif change == "article_status":
        other.status = Article.Status.RETURNED
        other.save()
    issue.refresh_from_db()
    record = issue.sign_offs.get()
    assert record.voided_at is not None and record.void_reason.startswith("签发后")
    assert issue.status == Issue.Status.DRAFT
    assert IssueEvent.Action.SIGN_OFF_VOIDED in actions(issue)
    with pytest.raises(PublishError, match="签发"):
        publishing.publish_issue(issue, by=head)


def test_voided_sign_off_names_the_editor_whose_edit_voided_it(client, issue, make_article, editor, editor2, head):
    from editorial import workflow

    focus, other = signed(issue, make_article, editor, head)
    workflow.save_article(other, by=editor2, version=other.version, title="签发后由王编辑改了标题")
    event = issue.events.get(action=IssueEvent.Action.SIGN_OFF_VOIDED)
    assert event.actor == editor2
    client.force_login(head)
    history = client.get(f"/desk/issues/{issue.pk}/").content.decode().split('id="history"')[1]
    assert "签发失效" in history and "王编辑" in history


def test_a_no_op_keeps_the_sign_off(issue, make_article, editor, head):
    focus, other = signed(issue, make_article, editor, head)
    publishing.move_article(issue, focus.pk, "up", by=editor)  # already first
    publishing.set_focus(issue, focus.pk, by=editor)  # already the focus
    other.save()  # saved without a change
    issue.refresh_from_db()
    assert issue.status == Issue.Status.SIGNED_OFF
    assert issue.sign_offs.get().is_valid


def test_change_while_submitted_sends_back_to_draft(issue, make_article, editor):
    focus, other = ready_issue(issue, make_article, editor)
    publishing.submit_for_sign_off(issue, by=editor)
    publishing.set_focus(issue, other.pk, by=editor)
    assert issue.status == Issue.Status.DRAFT
    assert actions(issue)[-1] == "reopened"


# --- publishing, numbering and freezing -------------------------------------------------------


def test_numbers_consecutive_across_years(publication, signed_off_issue, head):
    published = []
    for year, month in [(2020, 11), (2020, 12), (2021, 1), (2021, 2), (2022, 1)]:
        published.append(publishing.publish_issue(signed_off_issue(year=year, month=month), by=head))
    assert [(i.year, i.year_number, i.serial_number) for i in published] == [
        (2020, 1, 97), (2020, 2, 98), (2021, 1, 99), (2021, 2, 100), (2022, 1, 101),
    ]
    publication.refresh_from_db()
    assert publication.last_serial_number == 101


def test_withdrawn_issue_keeps_its_numbers_and_is_hidden(client, signed_off_issue, head, editor):
    first = publishing.publish_issue(signed_off_issue(month=10), by=head)
    url = f"/test-dsyb/{first.serial_number}/"
    assert client.get(url).status_code == 200
    with pytest.raises(IssueError, match="权限"):
        publishing.withdraw_issue(first, by=editor, reason="错误")
    with pytest.raises(IssueError, match="撤回原因"):
        publishing.withdraw_issue(first, by=head, reason="")
    publishing.withdraw_issue(first, by=head, reason="内容涉密，撤回")
    assert client.get(url).status_code == 404
    assert "2020年10月" not in client.get("/test-dsyb/").content.decode()
    second = publishing.publish_issue(signed_off_issue(month=11), by=head)
    assert (second.year_number, second.serial_number) == (2, 98)  # no reuse of 第1期 / 总第97期
    with pytest.raises(PublishError, match="已撤回"):
        publishing.publish_issue(first, by=head)
    assert actions(first)[-1] == "withdrawn"


def test_publishing_twice_gives_one_number(signed_off_issue, head):
    issue = signed_off_issue()
    stale = Issue.objects.get(pk=issue.pk)
    publishing.publish_issue(issue, by=head)
    with pytest.raises(PublishError, match="已经发布"):
        publishing.publish_issue(stale, by=head)
    assert Issue.objects.filter(serial_number__isnull=False).count() == 1
    assert issue.events.filter(action="published").count() == 1


def test_freeze_holds_after_the_article_is_edited(client, issue, make_article, editor, head):
    focus, other = signed(issue, make_article, editor, head)
    publishing.publish_issue(issue, by=head)
    assert Article.objects.get(pk=other.pk).status == Article.Status.PUBLISHED
    other.refresh_from_db()
    other.title = "发布后改的标题"
    other.body = "<p>发布后改的正文。</p>"
    other.save()
    html = client.get(f"/test-dsyb/{issue.serial_number}/").content.decode()
    assert "时政稿件" in html and "时政稿件的正文" in html
    assert "发布后改" not in html


def test_published_issue_is_immutable(issue, make_article, editor, head):
    from bulletin.models import IssueArticle

    focus, other = signed(issue, make_article, editor, head)
    publishing.publish_issue(issue, by=head)
    extra = make_article(title="迟到的稿件", status=APPROVED)
    with pytest.raises(IssueError, match="已发布"):
        publishing.add_article(issue, extra, by=editor)
    with pytest.raises(IssueError, match="已发布"):
        publishing.set_focus(issue, other.pk, by=editor)
    # Model-level safety net (the admin or a shell going around the services).
    with pytest.raises(IssueError, match="已发布"), transaction.atomic():
        IssueArticle.objects.filter(issue=issue).first().delete()
    issue.month = 11
    with pytest.raises(IssueError, match="已发布"), transaction.atomic():
        issue.save()
    assert issue.placements.count() == 2


def test_publish_issue_command(signed_off_issue, head, reader):
    issue = signed_off_issue()
    with pytest.raises(CommandError, match="权限"):
        call_command("publish_issue", str(issue.pk), "--as", "reader")
    with pytest.raises(CommandError, match="没有用户"):
        call_command("publish_issue", str(issue.pk), "--as", "nobody")
    out = io.StringIO()
    call_command("publish_issue", str(issue.pk), "--as", "head", stdout=out)
    assert out.getvalue().count("总第97期") == 1, out.getvalue()
    assert "2020年10月 第1期（总第97期）" in out.getvalue()
    issue.refresh_from_db()
    assert (issue.status, issue.serial_number) == (Issue.Status.PUBLISHED, 97)
    with pytest.raises(CommandError, match="已经发布"):
        call_command("publish_issue", str(issue.pk), "--as", "head")


def test_publish_issue_command_leaves_the_pdf_ready(signed_off_issue, head, settings,
                                                    django_capture_on_commit_callbacks):
    # From cron the process exits right after publishing: the PDF must not be left to a thread.
    from bulletin.pdf.store import pdf_path

    settings.BULLETIN_PDF_ON_PUBLISH = "task"  # the default: the command renders itself all the same
    issue = signed_off_issue()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("publish_issue", str(issue.pk), "--as", "head", stdout=io.StringIO())
    issue.refresh_from_db()
    assert pdf_path(issue).is_file()


# --- errata -----------------------------------------------------------------------------------


def test_erratum_proposed_by_editor_published_by_head(client, signed_off_issue, head, editor):
    issue = publishing.publish_issue(signed_off_issue(), by=head)
    erratum = publishing.propose_erratum(issue, text="稿件1中“9月17日”应为“9月18日”。", by=editor)
    url = f"/test-dsyb/{issue.serial_number}/"
    assert "应为“9月18日”" not in client.get(url).content.decode()
    with pytest.raises(IssueError, match="权限"):
        publishing.approve_erratum(erratum, by=editor)
    publishing.approve_erratum(erratum, by=head)
    html = client.get(url).content.decode()
    assert html.index("应为“9月18日”") < html.index('class="toc"')  # at the top of the issue
    assert issue_layout(issue)["errata"][0]["text"].startswith("稿件1中")
    assert actions(issue)[-2:] == ["erratum_proposed", "erratum"]
    with pytest.raises(IssueError, match="已经发布"):
        publishing.approve_erratum(erratum, by=head)


def test_no_erratum_on_an_unpublished_issue(issue, editor):
    with pytest.raises(IssueError, match="已发布"):
        publishing.propose_erratum(issue, text="更正", by=editor)


def test_visibility_changed_in_the_admin_voids_the_sign_off(client, signed_off_issue, django_user_model):
    """Who may read is part of what the head signs: no route around it, the admin included."""
    from django.urls import reverse

    from bulletin.models import Visibility

    issue = signed_off_issue(visibility=Visibility.INTERNAL)
    admin = django_user_model.objects.create_superuser("root", password="pw-root-123")
    client.force_login(admin)
    url = reverse("admin:bulletin_issue_change", args=[issue.pk])
    form = client.get(url).context["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    data.update({"visibility": Visibility.PUBLIC, "_save": "1"})
    for prefix in ("errata", "events"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    issue.refresh_from_db()
    assert issue.visibility == Visibility.PUBLIC
    assert issue.status == Issue.Status.DRAFT
    assert issue.sign_offs.get().voided_at is not None
    assert issue.events.filter(action=IssueEvent.Action.SIGN_OFF_VOIDED).exists()


def test_the_admin_cannot_add_or_edit_a_sign_off(client, signed_off_issue, django_user_model):
    from django.urls import reverse

    issue = signed_off_issue()
    admin = django_user_model.objects.create_superuser("root", password="pw-root-123")
    client.force_login(admin)
    assert client.get(reverse("admin:bulletin_signoff_add")).status_code == 403
    record = issue.sign_offs.get()
    page = client.get(reverse("admin:bulletin_signoff_change", args=[record.pk]))
    assert page.status_code == 200 and 'name="comment"' not in page.content.decode()
    client.post(reverse("admin:bulletin_signoff_change", args=[record.pk]), {"comment": "改过的意见"})
    record.refresh_from_db()
    assert record.comment == ""


def test_only_a_numbered_issue_links_to_the_reader_site(client, issue, django_user_model):
    """The model knows the reader's page only; the desk's pages are the desk's business."""
    from django.urls import reverse

    assert issue.get_absolute_url() is None
    admin = django_user_model.objects.create_superuser("root", password="pw-root-123")
    client.force_login(admin)
    page = client.get(reverse("admin:bulletin_issue_change", args=[issue.pk])).content.decode()
    assert "viewsitelink" not in page
    issue.serial_number, issue.year_number = 97, 10
    assert issue.get_absolute_url() == "/test-dsyb/97/"


# --- the focus (本期焦点) is one idea: the first article of the 本期焦点 section ----------------


def _badges(client, issue):
    """The desk's assembly page: (section, title) of every article wearing the 本期焦点 badge."""
    import re

    page = client.get(f"/desk/issues/{issue.pk}/").content.decode()
    found = []
    for section in re.findall(r'<section class="asm-section".*?</section>', page, re.S):
        name = re.search(r'aria-label="([^"]+)"', section).group(1)
        for item in re.findall(r'<li class="asm-item[^"]*".*?</li>', section, re.S):
            if '<span class="tag focus">本期焦点</span>' in item:
                found.append((name, re.search(r'<span class="asm-title">([^<]+)</span>', item).group(1)))
    return found


def test_focus_set_on_an_article_of_another_section_moves_it_where_the_focus_prints(
        client, issue, make_article, editor):
    """The reported confusion: 设为焦点 on a 时政要点 article took the badge from the article in
    the 本期焦点 section, while cover and TOC disagreed. Now the chosen article goes to the top
    of 本期焦点; desk badge, reader box, cover line and TOC all name it."""
    focus, other = ready_issue(issue, make_article, editor)
    client.force_login(editor)
    assert _badges(client, issue) == [("本期焦点", "焦点稿件")]

    publishing.submit_for_sign_off(issue, by=editor)  # so that 本期记录 names each change
    client.post(f"/desk/issues/{issue.pk}/assemble/", {"op": f"focus:{other.pk}"})
    issue.refresh_from_db()
    assert issue.focus_article == other
    assert _badges(client, issue) == [("本期焦点", "时政稿件")]
    layout = issue_layout(issue)
    focus_section = next(s for s in layout["sections"] if s["name"] == "本期焦点")
    # The focus line (cover, reader box) is the first entry of the 本期焦点 section in the TOC;
    # the article that was the focus stays in the section, second.
    assert layout["focus"]["title"] == "时政稿件" == focus_section["entries"][0]["title"]
    assert [e["title"] for e in focus_section["entries"]] == ["时政稿件", "焦点稿件"]
    assert not any(e["title"] == "时政稿件" for s in layout["sections"] if s["name"] != "本期焦点"
                   for e in s["entries"])
    assert "由“时政要点”移至“本期焦点”栏目首篇" in issue.events.order_by("pk").last().comment


def test_the_focus_follows_the_first_article_of_the_focus_section(issue, make_article, editor):
    focus, other = ready_issue(issue, make_article, editor)
    publishing.submit_for_sign_off(issue, by=editor)  # so that 本期记录 names each change
    second = make_article(title="焦点二", section="本期焦点", status=APPROVED)
    publishing.add_article(issue, second, by=editor)
    issue.refresh_from_db()
    assert issue.focus_article == focus  # added below: the focus stays
    publishing.move_article(issue, second.pk, "up", by=editor)
    issue.refresh_from_db()
    assert issue.focus_article == second
    assert issue.events.order_by("pk").last().comment == "本期焦点随之改为《焦点二》"
    # Moved out of the section: the next one there becomes the focus.
    publishing.change_section(issue, second.pk, issue.publication.sections.get(name="时政要点").pk, by=editor)
    issue.refresh_from_db()
    assert issue.focus_article == focus
    # Removed: the section is empty, there is no focus, and the checklist says so.
    publishing.remove_article(issue, focus.pk, by=editor)
    issue.refresh_from_db()
    assert issue.focus_article_id is None
    assert "还没有指定本期焦点文章。" in publishing.assembly_problems(issue)
    # An article placed into the empty 本期焦点 section is the focus at once.
    publishing.change_section(issue, other.pk, issue.publication.sections.get(name="本期焦点").pk, by=editor)
    issue.refresh_from_db()
    assert issue.focus_article == other


def test_a_focus_that_is_not_first_in_its_section_is_not_submitted(issue, make_article, editor):
    """Placements changed outside the desk (the admin's inline) cannot leave the badge on one
    article and the cover on another: the checklist refuses until 设为焦点 is used again."""
    from bulletin.models import IssueArticle

    focus, _ = ready_issue(issue, make_article, editor)
    newcomer = make_article(title="后台放入的焦点稿", section="本期焦点", status=APPROVED)
    IssueArticle.objects.create(issue=issue, article=newcomer, section=newcomer.section, position=0)
    IssueArticle.objects.filter(issue=issue, article=focus).update(position=1)
    assert "本期焦点应是“本期焦点”栏目的第一篇，请在编排页重新“设为焦点”。" in publishing.assembly_problems(issue)
    publishing.set_focus(issue, focus.pk, by=editor)
    issue.refresh_from_db()
    assert issue.focus_article == focus and not publishing.assembly_problems(issue)
