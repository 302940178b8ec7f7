"""Login throttling behind the documented proxy (issue #10): the client's address comes from
X-Forwarded-For only when the request comes from a trusted proxy (BULLETIN_TRUSTED_PROXIES, the
loopback by default, where deploy/nginx.conf reaches gunicorn); failures from one address slow it
down progressively (1 s, 2 s, 4 s … at most a minute) instead of locking a whole office out for
15 minutes; the per-username lock stays (tests/unit/test_login_guard.py)."""

import time

import pytest
from django.test import RequestFactory
from django.urls import reverse

from config.login_guard import client_ip, ip_delay

pytestmark = pytest.mark.django_db

WRONG = "用户名或密码不正确，请重新输入。"


class Clock:
    """time.time() for the throttle and LocMem's expiry: stopped (a slow machine does not let a
    one-second wait pass between two requests), moved forward instead of sleeping."""

    def __init__(self):
        self.start = time.time()
        self.offset = 0

    def time(self):
        return self.start + self.offset


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr("django.core.cache.backends.locmem.time", clock)  # expiry checks
    monkeypatch.setattr("django.core.cache.backends.base.time", clock)  # expiry times
    monkeypatch.setattr("config.login_guard.time", clock)
    return clock


def login(client, username, password, *, ip="127.0.0.1", forwarded=None):
    extra = {"REMOTE_ADDR": ip}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def behind_nginx(client, username, password, client_address):
    # nginx on the loopback appends the address it saw ($proxy_add_x_forwarded_for).
    return login(client, username, password, ip="127.0.0.1", forwarded=client_address)


@pytest.mark.parametrize(
    ("remote", "forwarded", "expected"),
    [
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),  # nginx on the loopback
        ("::1", "203.0.113.7", "203.0.113.7"),
        ("::ffff:127.0.0.1", "203.0.113.7", "203.0.113.7"),
        # What the client wrote itself is left of what nginx appended: ignored.
        ("127.0.0.1", "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        # Two proxies of ours (a trusted front proxy on the loopback too).
        ("127.0.0.1", "203.0.113.7, 127.0.0.1", "203.0.113.7"),
        ("127.0.0.1", "203.0.113.7, 127.0.0.2", "127.0.0.2"),  # 127.0.0.2 is not trusted
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "not-an-address", "127.0.0.1"),
        # Not from a trusted proxy: the header is the client's own claim.
        ("203.0.113.9", "127.0.0.1", "203.0.113.9"),
        ("203.0.113.9", "198.51.100.1", "203.0.113.9"),
    ],
)
def test_client_ip_trusts_forwarded_for_only_from_trusted_proxies(remote, forwarded, expected):
    request = RequestFactory().get("/", REMOTE_ADDR=remote, HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_trusted_proxies_are_a_setting(settings):
    settings.BULLETIN_TRUSTED_PROXIES = ["10.1.0.0/16"]
    request = RequestFactory().get("/", REMOTE_ADDR="10.1.2.3", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert client_ip(request) == "203.0.113.7"
    request = RequestFactory().get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert client_ip(request) == "127.0.0.1"


def test_behind_nginx_each_client_has_its_own_count(client, clock, editor):
    """Before: every client behind the proxy shared 127.0.0.1's counter, so 20 failures anywhere
    locked everyone out for 15 minutes."""
    for index in range(30):
        behind_nginx(client, f"guess{index % 5}-{index}", "wrong", "203.0.113.66")
    response = behind_nginx(client, "editor", "pw-editor", "198.51.100.5")
    assert response.status_code == 302
    # The attacker's address is the one slowed down.
    assert behind_nginx(client, "editor", "pw-editor", "203.0.113.66").status_code == 429


def test_failures_from_one_address_slow_it_down_progressively(client, clock, editor, settings):
    settings.BULLETIN_LOGIN_MAX_FAILURES_PER_IP = 20
    for index in range(19):
        response = login(client, f"user{index}", "wrong", ip="203.0.113.5")
        assert response.status_code == 200 and WRONG in response.content.decode(), index

    waits = []
    for index in range(12):
        response = login(client, f"more{index}", "wrong", ip="203.0.113.5")
        assert response.status_code == 429, index
        wait = int(response["Retry-After"])
        assert f"请 {wait} 秒后再试" in response.content.decode()
        waits.append(wait)
        # Meanwhile every attempt is refused without looking at the password…
        response = login(client, "editor", "pw-editor", ip="203.0.113.5")
        assert response.status_code == 429 and 0 < int(response["Retry-After"]) <= wait, (index, waits)
        clock.offset += wait
    assert waits == [1, 2, 4, 8, 16, 32, 60, 60, 60, 60, 60, 60]
    # …and once it has waited, the right password works: slowed down, never locked out.
    response = login(client, "editor", "pw-editor", ip="203.0.113.5")
    assert response.status_code == 302


def test_an_office_sharing_one_address_is_never_locked_out_for_long(client, clock, editor, approver):
    # A busy morning: 40 mistyped passwords from the office's one address, spread over usernames.
    for index in range(40):
        login(client, f"staff{index % 8}", "wrong", ip="198.51.100.20")
        clock.offset += 61  # people do not retry within the second
    assert ip_delay(40) <= 60
    clock.offset += 60
    assert login(client, "approver", "pw-approver", ip="198.51.100.20").status_code == 302


def test_the_address_count_ends_after_a_quiet_period(client, clock, settings):
    settings.BULLETIN_LOGIN_MAX_FAILURES_PER_IP = 3
    for index in range(3):
        login(client, f"u{index}", "wrong", ip="203.0.113.8")
    clock.offset += settings.BULLETIN_LOGIN_LOCK_SECONDS + 1
    response = login(client, "u9", "wrong", ip="203.0.113.8")
    assert response.status_code == 200  # counted from 1 again


def test_the_username_lock_stays(client, clock, editor):
    for index in range(5):
        behind_nginx(client, "editor", "wrong", f"203.0.113.{index + 1}")
    # From five addresses, then the right password from a sixth: the username is locked.
    response = behind_nginx(client, "editor", "pw-editor", "203.0.113.99")
    assert response.status_code == 429
    assert "登录失败次数过多，请 15 分钟后再试" in response.content.decode()
    assert int(response["Retry-After"]) == 900
