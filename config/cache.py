"""Django's Redis cache, made optional at run time.

The cache only saves work (the article content of published issues, login counters); it is never
the only copy of anything. If Redis is down or slow, a read is a miss and a write is skipped, so
readers still get their pages (a few queries more) instead of a 500.

An outage is logged once, not once per cache operation (a busy site makes hundreds a second):
one warning when the first operation fails, one when an operation succeeds again. The state is
per process and per Redis location, shared by the per-thread cache objects Django creates, so
each gunicorn worker reports an outage once.
"""

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)

_lock = threading.Lock()
# Redis location -> time.monotonic() of the first failure of the current outage.
_down_since: dict[tuple[str, ...], float] = {}


class ResilientRedisCache(RedisCache):
    @property
    def _location_key(self) -> tuple[str, ...]:
        return tuple(self._servers)

    def _failed(self, operation, exc):
        key = self._location_key
        with _lock:
            first = key not in _down_since
            if first:
                _down_since[key] = time.monotonic()
        if first:
            logger.warning(
                "Redis cache unavailable (%s failed: %s); continuing without the cache, "
                "next message when it answers again",
                operation, exc,
            )
        else:
            logger.debug("Redis cache %s failed: %s", operation, exc)

    def _succeeded(self):
        if not _down_since:  # the usual case: no lock, no work
            return
        with _lock:
            since = _down_since.pop(self._location_key, None)
        if since is not None:
            logger.warning(
                "Redis cache available again after %.0f s without it", time.monotonic() - since
            )

    def _call(self, operation, fallback, method, *args):
        try:
            result = method(*args)
        except self._cache._lib.RedisError as exc:
            self._failed(operation, exc)
            return fallback
        self._succeeded()
        return result

    def get(self, key, default=None, version=None):
        return self._call("get", default, super().get, key, default, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", {}, super().get_many, keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", False, super().has_key, key, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        self._call("set", None, super().set, key, value, timeout, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        # Nothing was stored: report every key as failed, as Django's contract says.
        return self._call("set_many", list(data), super().set_many, data, timeout, version)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", False, super().add, key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", False, super().touch, key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", False, super().delete, key, version)

    def delete_many(self, keys, version=None):
        self._call("delete_many", None, super().delete_many, keys, version)

    def incr(self, key, delta=1, version=None):
        # Counters (login throttling) are best effort too: without Redis nothing is counted.
        return self._call("incr", 0, super().incr, key, delta, version)
