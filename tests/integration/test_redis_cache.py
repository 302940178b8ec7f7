"""With REDIS_URL the reader site's issue cache lives in the real Redis (127.0.0.1:6379, db 15).

Keys carry a per-test prefix and only those keys are removed, so parallel runs never collide.
"""

import uuid

import pgtrigger
import pytest
import redis
from django.core.cache import cache

from bulletin.models import Issue, IssueArticle, Visibility
from bulletin.publishing import publish_issue
from config.pagecache import local
from reader.views.pages import local_shells

pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

REDIS_URL = "redis://127.0.0.1:6379/15"


@pytest.fixture
def redis_cache(settings):
    prefix = f"bulletin-test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = {
        "default": {
            "BACKEND": "config.cache.ResilientRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": prefix,
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    client = redis.Redis.from_url(REDIS_URL)
    yield client, prefix
    for key in client.scan_iter(f"{prefix}:*"):
        client.delete(key)


def test_issue_page_is_cached_in_redis_and_served_from_it(redis_cache, publication, make_article, head, client):
    from editorial.models import Article, Revision

    redis_client, prefix = redis_cache
    issue = Issue.objects.create(publication=publication, year=2020, month=10, visibility=Visibility.PUBLIC)
    article = make_article(title="区委常委会召开会议", section="本期焦点", status=Article.Status.APPROVED)
    IssueArticle.objects.create(issue=issue, article=article, section=article.section, position=0)
    issue.focus_article = article
    issue.save()
    issue = publish_issue(issue, by=head, require_sign_off=False)
    assert not list(redis_client.scan_iter(f"{prefix}:*"))

    response = client.get(issue.get_absolute_url())
    assert response.status_code == 200
    assert "区委常委会召开会议" in response.content.decode()
    keys = [key.decode() for key in redis_client.scan_iter(f"{prefix}:*")]
    assert any(":bulletin:layout:" in key for key in keys), keys

    # Change the frozen text behind the cache's back (no signal, no updated_at): the page still
    # shows the cached content, so it really was read from Redis.
    with pgtrigger.ignore("editorial.Revision:append_only_update"):  # history is append-only
        Revision.objects.filter(article=article).update(title="改动后的标题")
    response = client.get(issue.get_absolute_url())
    html = response.content.decode()
    assert "区委常委会召开会议" in html and "改动后的标题" not in html

    # Clearing our keys (and this worker's own copies of whole pages, config/pagecache.py, which
    # sit in front of Redis) makes the next request read the database again.
    for key in redis_client.scan_iter(f"{prefix}:*"):
        redis_client.delete(key)
    local.clear()
    local_shells.clear()
    assert "改动后的标题" in client.get(issue.get_absolute_url()).content.decode()


def test_resilient_cache_round_trip_against_real_redis(redis_cache):
    cache.set("probe", {"期": 97}, 30)
    assert cache.get("probe") == {"期": 97}
    assert cache.add("probe", "other") is False
    assert cache.delete("probe") is True
    assert cache.get("probe", "missing") == "missing"
