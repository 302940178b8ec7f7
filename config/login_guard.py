"""Throttling of password guessing on the site's and the admin's login forms.

Failed attempts are counted in Django's cache (LocMem or Redis) per username (case-insensitive)
and per client IP, each in a window of BULLETIN_LOGIN_LOCK_SECONDS. When either count reaches its
limit the username or the IP is locked for BULLETIN_LOGIN_LOCK_SECONDS: the form refuses with a
Chinese message and HTTP 429 without checking the password, so guessing the right one during the
lock gains nothing. A successful login clears the username's count.

The counters are best effort: if the cache is down (ResilientRedisCache logs and misses) logins
still work, unthrottled, rather than locking everyone out.
"""

import hashlib
import logging

from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.cache import cache

logger = logging.getLogger(__name__)

def locked_message() -> str:
    minutes = max(1, round(settings.BULLETIN_LOGIN_LOCK_SECONDS / 60))
    return f"登录失败次数过多，请 {minutes} 分钟后再试，或联系管理员。"
INVALID_LOGIN_MESSAGE = "用户名或密码不正确，请重新输入。"


def client_ip(request):
    """REMOTE_ADDR (set by gunicorn behind nginx); X-Forwarded-For only when configured to trust it,
    because any client can send that header and would otherwise pick its own counter."""
    if settings.BULLETIN_TRUST_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        # The proxy appends the address it saw: the last entry is the one it vouches for.
        last = forwarded.split(",")[-1].strip()
        if last:
            return last
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def _key(kind, value):
    # Hashed: usernames may hold characters or lengths some cache backends refuse as keys.
    digest = hashlib.sha256(value.encode()).hexdigest()
    return f"login-guard:{kind}:{digest}"


def _subjects(username, ip):
    subjects = [("ip", ip, settings.BULLETIN_LOGIN_MAX_FAILURES_PER_IP)]
    if username:
        subjects.append(("user", username.strip().casefold(), settings.BULLETIN_LOGIN_MAX_FAILURES_PER_USER))
    return subjects


def is_locked(username, ip):
    return any(cache.get(_key(kind + "-lock", value)) for kind, value, _limit in _subjects(username, ip))


def record_failure(username, ip):
    """Count one failed attempt; lock the username or IP that reached its limit.
    Returns True if a lock is now in place."""
    seconds = settings.BULLETIN_LOGIN_LOCK_SECONDS
    locked = False
    for kind, value, limit in _subjects(username, ip):
        key = _key(kind, value)
        # add() starts the window with its timeout; incr() keeps that timeout.
        cache.add(key, 0, timeout=seconds)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.set(key, 1, timeout=seconds)
            count = 1
        if count >= limit:
            cache.set(_key(kind + "-lock", value), True, timeout=seconds)
            cache.delete(key)
            locked = True
            logger.warning(
                "Login locked for %s seconds: %d failed attempts for %s %r (username %r, IP %s)",
                seconds, count, "username" if kind == "user" else "IP", value, username, ip,
            )
    return locked


def clear_user(username):
    cache.delete(_key("user", username.strip().casefold()))


class LoginGuardMixin:
    """For an AuthenticationForm: refuse while locked, count failures, reset on success."""

    locked = False

    def clean(self):
        username = self.cleaned_data.get("username") or ""
        ip = client_ip(self.request)
        if is_locked(username, ip):
            self.locked = True
            raise forms.ValidationError(locked_message(), code="locked")
        try:
            cleaned = super().clean()
        except forms.ValidationError:
            # Only a wrong username/password counts, not a right password of an account that may
            # not sign in here (inactive, or not staff on the admin).
            if self.user_cache is None and username and self.cleaned_data.get("password"):
                if record_failure(username, ip):
                    self.locked = True
                    raise forms.ValidationError(locked_message(), code="locked") from None
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
        response["Retry-After"] = str(settings.BULLETIN_LOGIN_LOCK_SECONDS)
    return response


class LoginView(auth_views.LoginView):
    form_class = GuardedAuthenticationForm

    def form_invalid(self, form):
        return _too_many_requests(super().form_invalid(form))


def admin_login(request, extra_context=None):
    """The admin's login (admin.site.login_form is the guarded form, set in config/urls.py),
    answering 429 while locked like the site's login."""
    from django.contrib import admin

    return _too_many_requests(admin.site.login(request, extra_context))
