"""Django's Redis cache, made optional at run time.

The cache only saves work (the article content of published issues); it is never the only copy
of anything. If Redis is down or slow, a read is a miss and a write is skipped, with a warning in
the log, so readers still get their pages (a few queries more) instead of a 500.
"""

import logging

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger(__name__)


class ResilientRedisCache(RedisCache):
    def _failed(self, operation, exc):
        logger.warning("Redis cache %s failed, continuing without the cache: %s", operation, exc)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except self._cache._lib.RedisError as exc:
            self._failed("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except self._cache._lib.RedisError as exc:
            self._failed("get_many", exc)
            return {}

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            super().set(key, value, timeout, version)
        except self._cache._lib.RedisError as exc:
            self._failed("set", exc)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        try:
            return super().add(key, value, timeout, version)
        except self._cache._lib.RedisError as exc:
            self._failed("add", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except self._cache._lib.RedisError as exc:
            self._failed("delete", exc)
            return False

    def incr(self, key, delta=1, version=None):
        # Counters (login throttling) are best effort too: without Redis nothing is counted.
        try:
            return super().incr(key, delta, version)
        except self._cache._lib.RedisError as exc:
            self._failed("incr", exc)
            return 0
