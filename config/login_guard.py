"""Throttling of password guessing on the site's and the admin's login forms.

Failed attempts are counted in Django's cache (LocMem or Redis) per username (case-insensitive)
and per client IP, each in a window of BULLETIN_LOGIN_LOCK_SECONDS.

- A username that reaches BULLETIN_LOGIN_MAX_FAILURES_PER_USER is locked for
  BULLETIN_LOGIN_LOCK_SECONDS: the form refuses with a Chinese message and HTTP 429 without
  checking the password, so guessing the right one during the lock gains nothing. A successful
  login clears the username's count.
- A client IP is slowed down, never locked out: from BULLETIN_LOGIN_MAX_FAILURES_PER_IP failures
  on, each further attempt from it has to wait 1 s, then 2, 4, … up to
  BULLETIN_LOGIN_IP_MAX_DELAY_SECONDS after the last failure (429 with Retry-After meanwhile).
  An attacker spraying usernames gets about one guess a minute; an office behind one address
  whose people mistype now and then waits seconds, not a quarter of an hour. The count lasts
  until the address has had no failure for BULLETIN_LOGIN_LOCK_SECONDS.

The client IP is REMOTE_ADDR, or, when REMOTE_ADDR is a trusted proxy (BULLETIN_TRUSTED_PROXIES,
by default the loopback, where deploy/nginx.conf reaches gunicorn), the address that proxy saw:
the right-most entry of X-Forwarded-For that is not itself a trusted proxy.

The counters are best effort: if the cache is down (ResilientRedisCache logs and misses) logins
still work, unthrottled, rather than locking everyone out.
"""

import functools
import hashlib
import ipaddress
import logging
import math
import time
from urllib.parse import unquote, urlsplit

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.urls import reverse

from common.roles import is_desk_user

logger = logging.getLogger(__name__)

def locked_message() -> str:
    minutes = max(1, round(settings.BULLETIN_LOGIN_LOCK_SECONDS / 60))
    return f"登录失败次数过多，请 {minutes} 分钟后再试，或联系管理员。"
INVALID_LOGIN_MESSAGE = "用户名或密码不正确，请重新输入。"


def wait_message(seconds: int) -> str:
    return f"登录尝试过于频繁，请 {seconds} 秒后再试。"


@functools.lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]):
    try:
        return tuple(ipaddress.ip_network(proxy.strip(), strict=False) for proxy in proxies if proxy.strip())
    except ValueError as exc:
        raise ImproperlyConfigured(f"BULLETIN_TRUSTED_PROXIES: {exc}") from exc


def _address(value: str):
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return None
    return address.ipv4_mapped or address if address.version == 6 else address


def _trusted(address) -> bool:
    return address is not None and any(
        address in network for network in _networks(tuple(settings.BULLETIN_TRUSTED_PROXIES))
    )


def client_ip(request):
    """The client's address: REMOTE_ADDR, unless that is a trusted proxy; then the right-most
    X-Forwarded-For entry that is not a trusted proxy (each proxy appends the address it saw;
    entries further left were written by the client and prove nothing)."""
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    if not _trusted(_address(remote)):
        return remote
    for entry in reversed(request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")):
        address = _address(entry)
        if address is None:
            break  # not written by a proxy of ours: fall back to the proxy's own address
        if not _trusted(address):
            return str(address)
    return remote


def _key(kind, value):
    # Hashed: usernames may hold characters or lengths some cache backends refuse as keys.
    digest = hashlib.sha256(value.encode()).hexdigest()
    return f"login-guard:{kind}:{digest}"


def _user(username):
    return username.strip().casefold()


def _count(key, seconds):
    # add() starts the window with its timeout; incr() keeps that timeout.
    cache.add(key, 0, timeout=seconds)
    try:
        return cache.incr(key)
    except ValueError:  # expired between add() and incr()
        cache.set(key, 1, timeout=seconds)
        return 1


def refusal(username, ip):
    """None if this attempt may be checked, else (message, seconds to wait)."""
    if username and cache.get(_key("user-lock", _user(username))):
        return locked_message(), settings.BULLETIN_LOGIN_LOCK_SECONDS
    next_attempt = cache.get(_key("ip-next", ip))
    if next_attempt is not None:
        wait = math.ceil(next_attempt - time.time())
        if wait > 0:
            return wait_message(wait), wait
    return None


def ip_delay(failures: int) -> int:
    """Seconds an address with this many failures waits before its next attempt."""
    over = failures - settings.BULLETIN_LOGIN_MAX_FAILURES_PER_IP
    if over < 0:
        return 0
    return min(2 ** min(over, 30), settings.BULLETIN_LOGIN_IP_MAX_DELAY_SECONDS)


def record_failure(username, ip):
    """Count one failed attempt: lock the username that reached its limit, slow down the IP
    that is past its own. Returns (message, seconds) if the next attempt is refused for now."""
    seconds = settings.BULLETIN_LOGIN_LOCK_SECONDS
    refused = None

    ip_key = _key("ip", ip)
    failures = _count(ip_key, seconds)
    # The address's count lasts until it has been quiet for the whole period.
    cache.touch(ip_key, seconds)
    delay = ip_delay(failures)
    if delay:
        cache.set(_key("ip-next", ip), time.time() + delay, timeout=delay + 1)
        refused = (wait_message(delay), delay)
        if delay == 1 or delay == settings.BULLETIN_LOGIN_IP_MAX_DELAY_SECONDS and ip_delay(failures - 1) < delay:
            logger.warning(
                "Login attempts from IP %s slowed down: %d failures, next attempt in %d seconds (username %r)",
                ip, failures, delay, username,
            )

    if username:
        user = _user(username)
        count = _count(_key("user", user), seconds)
        if count >= settings.BULLETIN_LOGIN_MAX_FAILURES_PER_USER:
            cache.set(_key("user-lock", user), True, timeout=seconds)
            cache.delete(_key("user", user))
            refused = (locked_message(), seconds)
            logger.warning(
                "Login locked for %s seconds: %d failed attempts for username %r (IP %s)",
                seconds, count, username, ip,
            )
    return refused


def clear_user(username):
    cache.delete(_key("user", _user(username)))


class LoginGuardMixin:
    """For an AuthenticationForm: refuse while locked, count failures, reset on success."""

    locked = False
    retry_after = 0

    def _refuse(self, refused):
        message, self.retry_after = refused
        self.locked = True
        return forms.ValidationError(message, code="locked")

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        refused = refusal(username, ip)
        if refused:
            raise self._refuse(refused)
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            # Only a wrong username/password counts, not a right password of an account that may
            # not sign in here (inactive, or not staff on the admin).
            if self.user_cache is None and username and self.cleaned_data.get("password"):
                refused = record_failure(username, ip)
                if refused:
                    raise self._refuse(refused) from None
            raise
        if self.user_cache is not None:
            clear_user(username)
        return cleaned


class GuardedAuthenticationForm(LoginGuardMixin, AuthenticationForm):
    error_messages = {**AuthenticationForm.error_messages, "invalid_login": INVALID_LOGIN_MESSAGE}


class GuardedAdminAuthenticationForm(LoginGuardMixin, AdminAuthenticationForm):
    pass


def _too_many_requests(response):
    form = (getattr(response, "context_data", None) or {}).get("form")
    if getattr(form, "locked", False):
        response.status_code = 429
        response["Retry-After"] = str(form.retry_after)
    return response


class LoginView(auth_views.LoginView):
    form_class = GuardedAuthenticationForm

    def form_invalid(self, form):
        return _too_many_requests(super().form_invalid(form))

    def get_default_redirect_url(self):
        # With no page to return to, editors, approvers and the head start on their 待办.
        if is_desk_user(self.request.user):
            return reverse("desk:dashboard")
        return super().get_default_redirect_url()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # "This needs signing in" only when a page sent the visitor here, not when they clicked
        # 登录 on the page itself (the header link carries that page as `next`, and the browser
        # sends it as the Referer; a redirect keeps the Referer of the page before).
        referer = urlsplit(self.request.headers.get("Referer", ""))
        came_from = referer.path + (f"?{referer.query}" if referer.query else "")
        context["sent_here"] = bool(context.get("next")) and unquote(came_from) != unquote(context["next"])
        return context


def admin_login(request, extra_context=None):
    """The admin's login (admin.site.login_form is the guarded form, set in config/urls.py),
    answering 429 while locked like the site's login."""
    from django.contrib import admin

    return _too_many_requests(admin.site.login(request, extra_context))
