"""Password guessing on the site's and the admin's login is throttled (config/login_guard.py)."""

import logging
import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.urls import reverse

from tests.conftest import make_user

LOCKED = "登录失败次数过多，请 15 分钟后再试，或联系管理员。"
WRONG = "用户名或密码不正确，请重新输入。"
ADMIN_LOGIN = "/" + settings.ADMIN_URL + "login/"


def login(client, username, password, url=None, ip="10.0.0.1"):
    return client.post(url or reverse("login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


def signed_in_as(client):
    response = client.get(reverse("reader:home"))
    return response.wsgi_request.user.username if response.wsgi_request.user.is_authenticated else None


def fail(client, username, times, **kwargs):
    for _ in range(times):
        response = login(client, username, "wrong", **kwargs)
        assert response.status_code in (200, 429)
    return response


@pytest.mark.django_db
def test_five_wrong_passwords_lock_the_username_even_for_the_right_password(client, editor, caplog):
    for _ in range(4):
        response = login(client, "editor", "wrong")
        assert response.status_code == 200
        assert WRONG in response.content.decode()
    with caplog.at_level(logging.WARNING, logger="config.login_guard"):
        response = login(client, "editor", "wrong")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert any("Login locked" in record.getMessage() for record in caplog.records)

    # Another case of the same username, from another address: locked all the same.
    response = login(client, "EDITOR", "pw-editor", ip="10.0.0.99")
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert 'name="username"' in response.content.decode()  # the form is still there, same page
    assert signed_in_as(client) is None


# Per-IP slowing down and X-Forwarded-For from trusted proxies: tests/security/test_login_throttle.py.


class _Clock:
    """time.time() for LocMem's expiry check, moved forward on demand instead of sleeping."""

    def __init__(self):
        self.offset = 0

    def time(self):
        return time.time() + self.offset


@pytest.mark.django_db
def test_the_lock_expires_after_the_lock_period(client, editor, monkeypatch):
    fail(client, "editor", 5)
    clock = _Clock()
    monkeypatch.setattr("django.core.cache.backends.locmem.time", clock)
    clock.offset = settings.BULLETIN_LOGIN_LOCK_SECONDS - 60
    assert login(client, "editor", "pw-editor").status_code == 429
    clock.offset = settings.BULLETIN_LOGIN_LOCK_SECONDS + 1
    assert login(client, "editor", "pw-editor").status_code == 302
    assert signed_in_as(client) == "editor"


@pytest.mark.django_db
def test_a_success_resets_the_usernames_count(client, editor):
    fail(client, "editor", 4)
    assert login(client, "editor", "pw-editor").status_code == 302
    client.logout()
    response = fail(client, "editor", 4)
    assert response.status_code == 200  # 4 new failures, not 8
    assert login(client, "editor", "pw-editor").status_code == 302


@pytest.mark.django_db
def test_admin_login_is_protected_too(client):
    make_user("boss", is_staff=True, is_superuser=True)
    response = fail(client, "boss", 5, url=ADMIN_LOGIN)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    response = login(client, "boss", "pw-boss", url=ADMIN_LOGIN)
    assert response.status_code == 429
    assert LOCKED in response.content.decode()
    assert signed_in_as(client) is None
    # The lock is per username, whichever login form counted the failures.
    assert login(client, "boss", "pw-boss").status_code == 429

    cache.clear()
    response = login(client, "boss", "pw-boss", url=ADMIN_LOGIN)
    assert response.status_code == 302
    assert client.get("/" + settings.ADMIN_URL).status_code == 200
