"""Keep the search index fresh whoever writes an article: the desk, admin, import, publishing.

Signals are a safety net here on purpose: several modules create and publish articles, and a
missed explicit call would leave an article unfindable. Bulk `.update()` calls bypass signals;
publishing also saves the issue, which reindexes its articles.

Indexing is deferred and coalesced: inside a transaction the signals only note which articles
(and issues) changed, and one callback registered with `transaction.on_commit` indexes them all
with a fixed number of queries (bulletin.search.index.index_rows) once the transaction has committed.
Publishing a 30-article issue or importing a back issue (each article saved, placed, then the
issue saved twice) thus indexes each article once instead of five times, and a rolled-back
transaction indexes nothing. In autocommit mode `on_commit` runs at once, as before.
"""

import logging
import weakref

from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Q
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from editorial.models import Article

from .index import reindex_articles
from .models import ArticleIndex

logger = logging.getLogger(__name__)


class _Batch:
    """Articles and issues to reindex when the current transaction commits."""

    def __init__(self, using):
        self.using = using
        self.article_ids: set[int] = set()
        self.issue_ids: set[int] = set()
        self.done = False

    def __call__(self):
        self.done = True

        article_ids = set(self.article_ids)
        if self.issue_ids:
            article_ids.update(
                Article.objects.using(self.using)
                .filter(placements__issue_id__in=self.issue_ids)
                .values_list("pk", flat=True)
            )
        reindex_articles(sorted(article_ids))


# The pending batch of each database connection (connections are per thread already).
_batches: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _registered(connection, batch) -> bool:
    # Django drops the callbacks of a rolled-back savepoint or transaction from this list and
    # empties it once they have run; a batch no longer there, or already run (tests capture
    # callbacks and run them without a commit), must not collect more ids.
    return not batch.done and any(entry[1] is batch for entry in connection.run_on_commit)


def _batch(using=None) -> _Batch:
    using = using or DEFAULT_DB_ALIAS
    connection = connections[using]
    batch = _batches.get(connection)
    if batch is None or not connection.in_atomic_block or not _registered(connection, batch):
        batch = _Batch(using)
        _batches[connection] = batch
        if connection.in_atomic_block:
            # robust: the data is committed by now; an indexing failure is logged (and mended
            # by the next save or `rebuild_search_index`) rather than turned into an error page.
            transaction.on_commit(batch, using=using, robust=True)
    return batch


def schedule_articles(article_ids, *, using=None):
    """Reindex these articles after the current transaction commits (at once in autocommit)."""
    article_ids = {pk for pk in article_ids if pk is not None}
    if not article_ids:
        return
    batch = _batch(using)
    batch.article_ids.update(article_ids)
    if not connections[batch.using].in_atomic_block:
        _flush(batch)


def schedule_issue(issue_id, *, using=None):
    """Reindex every article placed in this issue after the current transaction commits."""
    batch = _batch(using)
    batch.issue_ids.add(issue_id)
    if not connections[batch.using].in_atomic_block:
        _flush(batch)


def _flush(batch):
    _batches.pop(connections[batch.using], None)
    batch()


@receiver(post_save, sender="editorial.Article", dispatch_uid="search_article_saved")
def article_saved(sender, instance, raw=False, using=None, **kwargs):
    if not raw:
        schedule_articles([instance.pk], using=using)


@receiver(post_save, sender="bulletin.IssueArticle", dispatch_uid="search_placement_saved")
def placement_saved(sender, instance, raw=False, using=None, **kwargs):
    if not raw:
        schedule_articles([instance.article_id], using=using)


@receiver(post_delete, sender="bulletin.IssueArticle", dispatch_uid="search_placement_deleted")
def placement_deleted(sender, instance, using=None, **kwargs):
    # The article may be going too (cascade); indexing skips articles that no longer exist.
    schedule_articles([instance.article_id], using=using)


@receiver(post_save, sender="bulletin.Issue", dispatch_uid="search_issue_saved")
def issue_saved(sender, instance, raw=False, created=False, using=None, **kwargs):
    if raw or created:
        return
    schedule_issue(instance.pk, using=using)


@receiver(post_save, sender="bulletin.SearchTerm", dispatch_uid="search_term_saved")
@receiver(post_delete, sender="bulletin.SearchTerm", dispatch_uid="search_term_deleted")
def term_changed(sender, instance, raw=False, using=None, **kwargs):
    """Articles containing a dictionary word are re-cut when the word is added or removed."""
    if raw:
        return
    word = instance.word.strip()
    if not word:
        return
    schedule_articles(
        ArticleIndex.objects.using(using or DEFAULT_DB_ALIAS)
        .filter(Q(title__icontains=word) | Q(text__icontains=word), publication_id=instance.publication_id)
        .values_list("article_id", flat=True),
        using=using,
    )
