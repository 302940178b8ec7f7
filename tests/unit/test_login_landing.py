"""Where signing in leads, and when the login page says the content needs it."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def sign_in(client, username, login_url="/accounts/login/"):
    return client.post(login_url, {"username": username, "password": f"pw-{username}"})


def test_a_desk_user_signing_in_from_the_home_page_lands_on_the_todo(client, editor, head):
    home = client.get("/").content.decode()
    assert 'href="/accounts/login/"' in home  # the header's 登录 carries no `next` on the home page
    assert sign_in(client, "editor")["Location"] == reverse("desk:dashboard")
    client.logout()
    assert sign_in(client, "head")["Location"] == reverse("desk:dashboard")


def test_a_reader_lands_on_the_home_page_and_next_still_wins(client, reader, editor):
    assert sign_in(client, "reader")["Location"] == reverse("reader:home")
    client.logout()
    response = sign_in(client, "editor", login_url="/accounts/login/?next=/search/%3Fq%3D1")
    assert response["Location"] == "/search/?q=1"


def test_clicking_login_does_not_say_the_content_is_internal(client):
    # The header's 登录 on a page: that page is both `next` and the Referer.
    page = client.get("/accounts/login/?next=/search/%3Fq%3D%E4%BC%9A", HTTP_REFERER="http://testserver/search/?q=%E4%BC%9A")
    assert "该内容为内部资料" not in page.content.decode()
    plain = client.get("/accounts/login/")
    assert "该内容为内部资料" not in plain.content.decode()


def test_a_page_that_sends_the_visitor_to_log_in_says_why(client):
    # Typed in, or followed from another page: the Referer is not the page that needs signing in.
    assert "该内容为内部资料" in client.get("/accounts/login/?next=/desk/").content.decode()
    followed = client.get("/accounts/login/?next=/desk/", HTTP_REFERER="http://testserver/")
    assert "该内容为内部资料" in followed.content.decode()
