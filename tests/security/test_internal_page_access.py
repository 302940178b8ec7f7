"""The kept page of an internal issue (reader/views/pages.py) is sent after a permission check that
reads the session, the user and the roles in one statement (reader/signed_in.py). Whoever loses
the right loses the page on the very next request, however the right was lost (signing out, a
role removed by the admin or by SQL, a password changed, an account deactivated or deleted, a
session expired), and a visitor without a valid session never gets it."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from bulletin.models import Issue, IssueArticle, Visibility
from bulletin.publishing import publish_issue
from editorial.models import Article
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

SECRET_TITLE = "内部稿第1篇"


@pytest.fixture
def internal(publication, make_article, head):
    issue = Issue.objects.create(publication=publication, year=2020, month=10, visibility=Visibility.INTERNAL)
    for n in range(2):
        article = make_article(title=f"内部稿第{n + 1}篇", section="本期焦点", status=Article.Status.APPROVED)
        IssueArticle.objects.create(issue=issue, article=article, section=article.section, position=n)
    return publish_issue(issue, by=head, require_sign_off=False)


def pages(issue):
    first = issue.placements.order_by("position").first().article_id
    return [issue.get_absolute_url(), f"{issue.get_absolute_url()}{first}/"]


def reads(client, url) -> bool:
    response = client.get(url)
    if response.status_code == 200:
        assert SECRET_TITLE in response.content.decode()
        return True
    assert SECRET_TITLE not in response.content.decode()
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    return False


def signed_in_reader():
    user = make_user("zhou", "reader", first_name="周读者")
    client = Client()
    client.force_login(user)
    return user, client


@pytest.mark.parametrize("page", [0, 1], ids=["issue", "article"])
def test_the_kept_page_costs_one_query_and_names_the_reader(internal, page):
    url = pages(internal)[page]
    _user, client = signed_in_reader()
    assert reads(client, url)  # renders and keeps the page
    assert reads(client, url)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200 and '<span class="who">周读者</span>' in response.content.decode()
    # The generation, the issue, the session, the user and the roles: one statement.
    assert len(captured) == 1, [query["sql"] for query in captured]


def lose_by_signing_out(user, client):
    assert client.post("/accounts/logout/").status_code == 302


def lose_by_role_removed(user, client):
    user.groups.remove(Group.objects.get(name="reader"))


def lose_by_role_removed_in_sql(user, client):
    # No signal, no save: whatever removed it, the next request reads the membership table.
    type(user).groups.through.objects.filter(user=user).delete()


def lose_by_group_renamed(user, client):
    Group.objects.filter(name="reader").update(name="former-readers")


def lose_by_deactivation(user, client):
    type(user).objects.filter(pk=user.pk).update(is_active=False)


def lose_by_password_changed(user, client):
    user.set_password("a-new-password-2026")
    user.save()


def lose_by_session_expired(user, client):
    Session.objects.update(expire_date=timezone.now() - datetime.timedelta(seconds=1))


def lose_by_sessions_deleted(user, client):
    Session.objects.all().delete()


def lose_by_account_deleted(user, client):
    user.delete()


@pytest.mark.parametrize("lose", [
    lose_by_signing_out, lose_by_role_removed, lose_by_role_removed_in_sql, lose_by_group_renamed,
    lose_by_deactivation, lose_by_password_changed, lose_by_session_expired, lose_by_sessions_deleted,
    lose_by_account_deleted,
], ids=lambda lose: lose.__name__.removeprefix("lose_by_"))
def test_who_loses_the_right_loses_the_kept_page_at_once(internal, lose):
    user, client = signed_in_reader()
    # The same session in a second browser tab / another device that copied the cookie.
    copy = Client()
    copy.cookies["sessionid"] = client.cookies["sessionid"].value
    for url in pages(internal):
        assert reads(client, url) and reads(client, url) and reads(copy, url)
    lose(user, client)
    for url in pages(internal):
        assert not reads(client, url), url
        assert not reads(copy, url), url


def test_visitors_without_a_valid_session_never_get_the_kept_page(internal):
    user, client = signed_in_reader()
    for url in pages(internal):
        assert reads(client, url) and reads(client, url)  # kept
        assert not reads(Client(), url)
        forged = Client()
        forged.cookies["sessionid"] = "x" * 32  # no such session
        assert not reads(forged, url)
        tampered = Client()
        key = client.cookies["sessionid"].value
        tampered.cookies["sessionid"] = key[:-1] + ("1" if key.endswith("0") else "0")
        assert not reads(tampered, url)
    # A session row whose data was not signed by this site (a database write by someone else).
    session = Session.objects.get()
    Session.objects.filter(pk=session.pk).update(session_data=session.session_data[:-2] + "xx")
    for url in pages(internal):
        assert not reads(client, url)


def test_a_reader_without_the_role_never_gets_the_kept_page(internal):
    _user, client = signed_in_reader()
    stranger = Client()
    stranger.force_login(make_user("stranger"))
    for url in pages(internal):
        assert reads(client, url) and reads(client, url)
        assert not reads(stranger, url) and not reads(stranger, url)


def test_the_kept_page_is_filled_with_exactly_the_header_and_messages_django_renders(internal):
    import re

    from django.contrib import messages
    from django.template.loader import render_to_string

    user = make_user("zhou", "reader", "editor", first_name="周读者")
    client = Client()
    client.force_login(user)
    url = pages(internal)[0]
    assert reads(client, url)
    # A message waiting (Django's cookie storage, as after a desk action's redirect).
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.http import HttpRequest, HttpResponse

    storage, answer = CookieStorage(HttpRequest()), HttpResponse()
    storage.add(messages.SUCCESS, "稿件已保存。")
    storage.update(answer)
    client.cookies["messages"] = answer.cookies["messages"].value
    response = client.get(url)
    html = response.content.decode()
    request = response.wsgi_request
    mask = lambda text: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "TOKEN", text)  # noqa: E731
    request._messages = messages.storage.default_storage(request)  # the same cookie, read afresh
    for fragment in (render_to_string("_user_nav.html", request=request), render_to_string("_messages.html", request=request)):
        assert mask(fragment).strip() and mask(fragment) in mask(html)
    assert "稿件已保存。" in html and ">编辑部</a>" in html and "<!--bulletin:" not in html
