"""待办: each role's /desk/ lists exactly what waits for it, most urgent first, with counts and
badges; the deadlines' outstanding work agrees with it; it costs the same queries for any archive."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from bulletin import publishing
from bulletin.models import Issue
from editorial import workflow
from editorial.models import Article, ReviewLevel
from office import deadlines, todo
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

APPROVED = Article.Status.APPROVED
TODAY = datetime.date(2026, 10, 7)  # 截稿 10月5日 is past, 审核截止 10月8日 is tomorrow


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def superuser_factory():
    return lambda: make_user("admin", is_superuser=True)


def ready(issue, make_article, editor, title):
    focus = make_article(title=title, section="本期焦点", status=APPROVED)
    publishing.add_article(issue, focus, by=editor)
    publishing.set_focus(issue, focus.pk, by=editor)
    return focus


@pytest.fixture
def office(publication, make_article, editor, editor2, head, reader):
    """A month in the office: two review levels, articles in every state, four open issues and a
    published one with a proposed erratum."""
    first_group, _ = Group.objects.get_or_create(name="初审组")
    final_group, _ = Group.objects.get_or_create(name="终审组")
    ReviewLevel.objects.filter(publication=publication).update(group=first_group, name="初审")
    ReviewLevel.objects.create(publication=publication, level=2, name="终审", group=final_group)
    first = make_user("first", "approver", first_name="初审员")
    first.groups.add(first_group)
    final = make_user("final", "approver", first_name="终审员")
    final.groups.add(final_group)
    both = make_user("both", "approver", first_name="两级审核员")
    both.groups.add(first_group, final_group)

    # Issues: July published (an erratum waits), August signed off, September submitted,
    # October returned by the head; the current issue in 编排 is October.
    july = publishing.create_issue(publication, year=2026, month=7, by=editor)
    ready(july, make_article, editor, "七月焦点")
    publishing.submit_for_sign_off(july, by=editor)
    publishing.sign_off(july, by=head)
    publishing.publish_issue(july, by=head)
    publishing.propose_erratum(july, text="第2页“9月17日”应为“9月18日”。", by=editor2)
    august = publishing.create_issue(publication, year=2026, month=8, by=editor)
    ready(august, make_article, editor, "八月焦点")
    publishing.submit_for_sign_off(august, by=editor)
    publishing.sign_off(august, by=head)
    september = publishing.create_issue(publication, year=2026, month=9, by=editor)
    ready(september, make_article, editor, "九月焦点")
    publishing.submit_for_sign_off(september, by=editor)
    october = publishing.create_issue(publication, year=2026, month=10, by=editor)
    ready(october, make_article, editor, "十月焦点")
    publishing.submit_for_sign_off(october, by=editor)
    publishing.return_issue(october, by=head, comment="民生视点太少，请再补两篇。")

    # Articles (none placed: they are for October, the issue in 编排).
    draft = make_article(title="李编辑的草稿")
    make_article(title="王编辑的草稿", author=editor2)
    at_first = make_article(title="待初审的稿件")
    workflow.submit(at_first, by=editor)
    at_final = make_article(title="待终审的稿件", author=editor2)
    workflow.submit(at_final, by=editor2)
    workflow.approve(at_final, by=both)
    returned = make_article(title="被退回的稿件")
    workflow.submit(returned, by=editor)
    workflow.return_to_author(returned, by=first, comment="请核实第三段的数字")
    mine = make_article(title="初审员自己写的稿件", author=first)
    workflow.submit(mine, by=editor)  # last edited by first, submitted by an editor
    return {
        "first": first, "final": final, "both": both, "draft": draft,
        "issues": {"july": july, "august": august, "september": september, "october": october},
    }


def listed(user, today=TODAY):
    waiting = todo.for_user(user, today=today)
    return {lst.key: [item.title for item in lst.items] for lst in waiting.lists}, waiting


def test_each_role_sees_exactly_what_waits_for_it(office, editor, editor2, head, reader):
    lists, waiting = listed(editor)
    assert lists == {
        "returned": ["被退回的稿件"],
        "drafts": ["李编辑的草稿"],
        "issue_returned": ["测试区大事月报 2026年10月"],
        "issue_submit": [],
        "publish": ["测试区大事月报 2026年8月"],
    }
    assert waiting.total == 4 and waiting.review_count == 0 and waiting.issue_count == 2

    lists, _ = listed(editor2)
    assert lists == {
        "returned": [], "drafts": ["王编辑的草稿"], "issue_returned": ["测试区大事月报 2026年10月"],
        "issue_submit": [], "publish": ["测试区大事月报 2026年8月"],
    }

    # Level 1: not the article its reviewer wrote; level 2: what level 1 passed on.
    assert listed(office["first"])[0] == {"review": ["待初审的稿件"]}
    assert listed(office["final"])[0] == {"review": ["待终审的稿件"]}
    # In both groups, but approved 待终审的稿件 at level 1 in this round: only the level-1 article.
    assert listed(office["both"])[0] == {"review": ["待初审的稿件", "初审员自己写的稿件"]}

    lists, waiting = listed(head)
    assert lists == {
        "signoff": ["测试区大事月报 2026年9月"],
        "errata": ["测试区大事月报 2026年7月 第1期（总第97期） 勘误"],
        "replacements": [],
        "publish": ["测试区大事月报 2026年8月"],
    }
    assert waiting.issue_count == 3

    assert todo.for_user(reader, today=TODAY).lists == []


def test_the_badges_count_exactly_what_the_lists_count(office, editor, editor2, head, reader, superuser_factory):
    """The navigation's badges (todo.counts: the article lists counted in one aggregate query)
    agree with 待办's lists for every role, the four-eyes exclusions included."""
    users = [editor, editor2, head, reader, office["first"], office["final"], office["both"], superuser_factory()]
    for today in (TODAY, datetime.date(2026, 9, 1)):  # 截稿 near and not near
        for user in users:
            full, badges = todo.for_user(user, today=today), todo.counts(user, today=today)
            expected = [(lst.key, lst.count, lst.url) for lst in full.lists]
            assert [(lst.key, lst.count, lst.url) for lst in badges.lists] == expected, (user, today)
            assert (badges.total, badges.review_count, badges.issue_count) == (
                full.total, full.review_count, full.issue_count
            )


def test_most_urgent_first_with_the_comments(office, editor, head):
    waiting = todo.for_user(editor, today=TODAY)
    items = waiting.items
    # August's 出版 (8月15日) is the earliest deadline, then 截稿 10月5日 (the draft has waited
    # longer than the returned article), then October's 签发 10月12日.
    assert [(i.kind, i.due.label, i.due.is_late) for i in items] == [
        ("publish", "出版", True),
        ("drafts", "截稿", True),
        ("returned", "截稿", True),
        ("issue_returned", "签发截止", False),
    ]
    returned = items[2]
    assert (returned.note, returned.note_by) == ("请核实第三段的数字", "初审员")
    issue_item = items[3]
    assert (issue_item.note, issue_item.note_by) == ("民生视点太少，请再补两篇。", "陈主任")
    assert issue_item.due.text == "签发截止 10月12日（还有5天）"
    # The reviewer's item is due tomorrow (审核截止 10月8日).
    (review,) = todo.for_user(office["first"], today=TODAY).lists[0].items[:1]
    assert review.due.text == "审核截止 10月8日（还有1天）" and review.due.state == "near"


def test_drafts_and_the_issue_show_only_when_their_deadline_is_near(office, editor, publication):
    early = datetime.date(2026, 9, 20)  # October's 截稿 is 15 days away
    lists, _ = listed(editor, today=early)
    assert lists["drafts"] == []
    # An issue in 编排 (never returned) shows once its 签发截止 is within the reminder window.
    november = publishing.create_issue(publication, year=2026, month=11, by=editor)
    assert listed(editor, today=datetime.date(2026, 11, 9))[0]["issue_submit"] == []
    lists, _ = listed(editor, today=datetime.date(2026, 11, 10))
    assert lists["issue_submit"] == ["测试区大事月报 2026年11月"]
    assert november.signoff_due == datetime.date(2026, 11, 12)


def test_pending_work_names_the_same_people(office, editor, editor2, head):
    work = deadlines.pending_work()
    by_user = {}
    for entry in work:
        by_user.setdefault((entry.issue.month, entry.field, entry.user_id), []).extend(entry.what)
    assert by_user[(10, "draft_due", editor.pk)] == ["《李编辑的草稿》未提交审核", "《被退回的稿件》退回待修改"]
    assert by_user[(10, "draft_due", editor2.pk)] == ["《王编辑的草稿》未提交审核"]
    assert by_user[(10, "review_due", office["first"].pk)] == ["《待初审的稿件》待您审核"]
    assert by_user[(10, "review_due", office["final"].pk)] == ["《待终审的稿件》待您审核"]
    assert by_user[(10, "review_due", office["both"].pk)] == ["《待初审的稿件》待您审核", "《初审员自己写的稿件》待您审核"]
    assert by_user[(9, "signoff_due", head.pk)] == ["本期待您签发"]
    assert by_user[(10, "signoff_due", editor.pk)] == ["本期被主任退回，待修改后重新提交签发"]
    assert by_user[(8, "publish_due", head.pk)] == ["本期已签发，待发布"]
    assert (9, "signoff_due", editor.pk) not in by_user and (10, "signoff_due", head.pk) not in by_user
    # Reminders: only deadlines within the reminder window (2 days) as of the day.
    due = {(w.issue.month, w.field, w.user_id) for w in deadlines.reminders_due(today=TODAY)}
    assert (10, "review_due", office["first"].pk) in due
    assert (10, "draft_due", editor.pk) not in due  # past: reminded before, not again
    assert (10, "signoff_due", editor.pk) not in due  # 5 days away


def test_the_desk_opens_on_todo_with_badges_and_cards(client, office, editor, head, reader):
    client.force_login(editor)
    response = client.get(reverse("desk:dashboard"))
    page = response.content.decode()
    assert "待我处理" in page
    assert 'aria-label="4 项待办"' in page  # 待办 badge in the navigation
    assert 'aria-label="2 项期刊事务"' in page
    assert "民生视点太少，请再补两篇。" in page and "请核实第三段的数字" in page
    assert 'id="card-returned"' in page and 'id="card-review"' not in page and 'id="card-signoff"' not in page
    assert f'href="{reverse("desk:issue_list")}?show=returned"' in page

    client.force_login(office["first"])
    page = client.get(reverse("desk:article_list")).content.decode()  # any desk page has the badges
    assert 'aria-label="1 篇待我审核"' in page
    page = client.get(reverse("desk:dashboard")).content.decode()
    assert 'id="card-review"' in page and 'id="card-returned"' not in page and "待初审的稿件" in page

    client.force_login(head)
    page = client.get(reverse("desk:dashboard")).content.decode()
    for card in ("signoff", "errata", "publish"):
        assert f'id="card-{card}"' in page
    assert 'id="card-returned"' not in page and 'id="card-review"' not in page
    assert reverse("desk:issue_signoff", args=[office["issues"]["september"].pk]) in page

    client.force_login(reader)
    assert client.get(reverse("desk:dashboard")).status_code == 403


def test_nothing_waiting_says_so(client, publication, editor):
    client.force_login(editor)
    page = client.get(reverse("desk:dashboard")).content.decode()
    assert "目前没有等您处理的事项。" in page and 'class="badge"' not in page


def test_the_count_cards_lead_to_their_lists(client, office, editor, head):
    client.force_login(head)
    signoff = client.get(reverse("desk:issue_list"), {"show": "signoff"})
    assert [i.month for i in signoff.context["issues"]] == [9]
    errata = client.get(reverse("desk:issue_list"), {"show": "errata"})
    assert [i.month for i in errata.context["issues"]] == [7]
    publish = client.get(reverse("desk:issue_list"), {"show": "publish"})
    assert [i.month for i in publish.context["issues"]] == [8]
    client.force_login(office["final"])
    review = client.get(reverse("desk:review_queue"))
    assert [a.title for a in review.context["mine"]] == ["待终审的稿件"]


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def test_the_dashboard_costs_the_same_queries_for_any_archive(client, office, publication, editor, head, make_article):
    url = reverse("desk:dashboard")
    users = [editor, head, office["first"]]
    before = {}
    for user in users:
        client.force_login(user)
        _queries(client, url)  # warm: session, content types
        before[user.username] = _queries(client, url)
        assert len(todo.for_user(user, today=TODAY).lists)  # something to show
    # A bigger archive and more waiting work: published back issues, many articles in every state.
    for year in range(2010, 2016):
        for month in range(1, 13):
            Issue.objects.create(publication=publication, year=year, month=month, status=Issue.Status.PUBLISHED,
                                 serial_number=year * 100 + month, year_number=month)
    for n in range(30):
        article = make_article(title=f"更多稿件{n}")
        if n % 3 == 0:
            workflow.submit(article, by=editor)
        elif n % 3 == 1:
            workflow.submit(article, by=editor)
            workflow.return_to_author(article, by=office["first"], comment=f"意见{n}")
    for user in users:
        client.force_login(user)
        _queries(client, url)
        assert _queries(client, url) == before[user.username], user.username
    # Each list shows its 10 most urgent items and says how many more there are.
    client.force_login(editor)
    page = client.get(url).content.decode()
    assert "退回给我的稿件共 11 项，这里只列出最紧急的 10 项" in page


def test_a_head_is_not_asked_to_approve_their_own_work(publication, make_article, editor, head):
    """Two people: a head does not sign off an issue they submitted themselves (unless the
    publication lets the head work alone), nor approve an erratum they proposed."""
    other = make_user("head2", "head", first_name="周主任")
    issue = publishing.create_issue(publication, year=2026, month=9, by=editor)
    ready(issue, make_article, editor, "九月焦点")
    publishing.submit_for_sign_off(issue, by=head)
    assert listed(head)[0]["signoff"] == []
    assert listed(other)[0]["signoff"] == ["测试区大事月报 2026年9月"]
    signers = {w.user_id for w in deadlines.pending_work() if w.field == "signoff_due"}
    assert signers == {other.pk}
    publication.head_may_work_alone = True
    publication.save()
    assert listed(head)[0]["signoff"] == ["测试区大事月报 2026年9月"]

    publishing.sign_off(issue, by=other)
    publishing.publish_issue(issue, by=other)
    publishing.propose_erratum(issue, text="第1页有误。", by=head)
    assert listed(head)[0]["errata"] == []
    assert listed(other)[0]["errata"] == ["测试区大事月报 2026年9月 第1期（总第97期） 勘误"]


# ---------------------------------------------------------------------------------------------
# The next issue: once the month's issue is published, 待办 asks the editors to create the next
# ---------------------------------------------------------------------------------------------


def published(publication, make_article, editor, head, year, month):
    issue = publishing.create_issue(publication, year=year, month=month, by=editor)
    ready(issue, make_article, editor, f"{month}月焦点")
    publishing.submit_for_sign_off(issue, by=editor)
    publishing.sign_off(issue, by=head)
    publishing.publish_issue(issue, by=head)
    return issue


def next_issue_items(user, today):
    return [item for item in todo.for_user(user, today=today).items if item.kind == "next_issue"]


def test_after_the_months_issue_is_published_the_editor_is_asked_to_create_the_next(
    client, publication, make_article, editor, head
):
    published(publication, make_article, editor, head, 2026, 11)
    draft = make_article(title="没赶上11月的草稿")  # unplaced: it had 11月's 截稿, and now none
    today = datetime.date(2026, 12, 3)
    assert todo.for_user(editor, today=today).count("drafts") == 0

    (item,) = next_issue_items(editor, today)
    assert item.title == "下一期尚未创建：《测试区大事月报》2026年12月"
    assert item.due.text == "截稿 12月5日（还有2天）" and item.due.state == "near"
    assert item.meta == "计划日程：截稿 12月5日 · 审核截止 12月8日 · 签发截止 12月12日 · 出版 12月15日"
    assert item.extra == "另有1篇稿件未编入期刊"
    assert item.post == {"publication": publication.pk, "year": 2026, "month": 12}
    # First in 待办 (the earliest deadline), counted in the badges, the same in todo.counts.
    waiting = todo.for_user(editor, today=today)
    assert waiting.items[0] is not None and waiting.items[0].kind == "next_issue"
    assert waiting.keys[0] == "next_issue" and waiting.issue_count == 1
    assert todo.counts(editor, today=today).count("next_issue") == 1
    assert [i.kind for i in next_issue_items(head, today)] == ["next_issue"]

    # The page's button posts to the issue list's create action.
    client.force_login(editor)
    page = client.get(reverse("desk:dashboard")).content.decode()
    assert "下一期尚未创建：《测试区大事月报》2026年12月" in page and "另有1篇稿件未编入期刊" in page
    assert f'<form method="post" action="{reverse("desk:issue_list")}" class="todo-action">' in page
    assert f'name="publication" value="{publication.pk}"' in page and 'name="month" value="12"' in page
    response = client.post(reverse("desk:issue_list"), item.post)
    december = Issue.objects.get(publication=publication, year=2026, month=12)
    assert response.status_code == 302 and response.url == reverse("desk:issue_detail", args=[december.pk])
    assert (december.status, december.draft_due) == (Issue.Status.DRAFT, datetime.date(2026, 12, 5))

    # The item is gone, and the leftover draft is due again, for December's 截稿.
    waiting = todo.for_user(editor, today=today)
    assert "next_issue" not in waiting.keys
    (listed_draft,) = waiting.lists[waiting.keys.index("drafts")].items
    assert listed_draft.title == draft.title and listed_draft.due.text == "截稿 12月5日（还有2天）"


def test_a_monthly_in_december_asks_for_january_of_the_next_year(publication, make_article, editor, head):
    published(publication, make_article, editor, head, 2026, 12)
    (item,) = next_issue_items(editor, datetime.date(2026, 12, 20))
    assert item.title == "下一期尚未创建：《测试区大事月报》2027年1月"
    assert item.due.date == datetime.date(2027, 1, 5) and item.extra == ""
    assert item.post == {"publication": publication.pk, "year": 2027, "month": 1}


def test_a_quarterly_asks_for_the_next_quarter(publication, make_article, editor, head):
    from common import periods

    publication.frequency = periods.QUARTERLY
    publication.save()
    published(publication, make_article, editor, head, 2026, 7)
    (item,) = next_issue_items(editor, datetime.date(2026, 9, 20))
    assert item.title == "下一期尚未创建：《测试区大事月报》2026年第四季度"
    assert item.due.date == datetime.date(2026, 12, 5)  # in the period's last month
    assert item.post["month"] == 10
    assert periods.next_period(periods.QUARTERLY, 2026, 11) == (2027, 1)
    assert periods.next_period(periods.BIMONTHLY, 2026, 9) == (2026, 11)


def test_no_next_issue_for_approvers_readers_non_members_or_once_it_exists(
    publication, make_article, editor, editor2, head, approver, reader
):
    from bulletin.models import Publication
    from editorial.models import PublicationMembership

    published(publication, make_article, editor, head, 2026, 11)
    today = datetime.date(2026, 11, 20)
    assert next_issue_items(approver, today) == [] and todo.for_user(reader, today=today).lists == []
    assert "next_issue" not in todo.counts(approver, today=today).keys
    # editor2 works only in another publication: not asked about this one's next issue.
    other = Publication.objects.create(name="另一份刊物", slug="other")  # the desk keeps its members
    PublicationMembership.objects.filter(user=editor2).update(publication=other)
    assert next_issue_items(editor2, today) == []
    assert [i.title for i in next_issue_items(editor, today)] == ["下一期尚未创建：《测试区大事月报》2026年12月"]
    # Once December exists (in 编排), nothing to create; nor for a publication without any issue.
    publishing.create_issue(publication, year=2026, month=12, by=editor)
    assert next_issue_items(editor, today) == []
    assert "next_issue" not in todo.counts(editor, today=today).keys


def test_the_next_issue_costs_the_same_queries_for_any_number_of_publications(publication, make_article, editor, head):
    from bulletin.models import Publication
    from editorial.models import PublicationMembership

    published(publication, make_article, editor, head, 2026, 11)
    today = datetime.date(2026, 11, 20)
    todo.for_user(editor, today=today)
    with CaptureQueriesContext(connection) as one:
        assert len(next_issue_items(editor, today)) == 1
    for n in range(3):
        other = Publication.objects.create(name=f"刊物{n}", slug=f"pub{n}")
        PublicationMembership.objects.create(user=editor, publication=other)
        Issue.objects.create(publication=other, year=2026, month=10, status=Issue.Status.PUBLISHED)
    editor = type(editor).objects.get(pk=editor.pk)  # no cached memberships
    todo.for_user(editor, today=today)
    with CaptureQueriesContext(connection) as four:
        assert len(next_issue_items(editor, today)) == 4
    assert len(four) == len(one)
