"""Keep the search index fresh whoever writes an article: the desk, admin, import, publishing.

Signals are a safety net here on purpose: several modules create and publish articles, and a
missed explicit call would leave an article unfindable. Bulk `.update()` calls bypass signals;
publishing also saves each placement and the issue, which reindexes its articles.
"""

from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver


def _reindex(articles):
    from .search import reindex_articles

    reindex_articles(articles)


@receiver(post_save, sender="editorial.Article", dispatch_uid="search_article_saved")
def article_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _reindex([instance])


@receiver(post_save, sender="bulletin.IssueArticle", dispatch_uid="search_placement_saved")
def placement_saved(sender, instance, raw=False, **kwargs):
    if not raw:
        _reindex([instance.article])


@receiver(post_delete, sender="bulletin.IssueArticle", dispatch_uid="search_placement_deleted")
def placement_deleted(sender, instance, **kwargs):
    from editorial.models import Article

    article = Article.objects.filter(pk=instance.article_id).first()
    if article is not None:
        _reindex([article])


@receiver(post_save, sender="bulletin.Issue", dispatch_uid="search_issue_saved")
def issue_saved(sender, instance, raw=False, created=False, **kwargs):
    if raw or created:
        return
    from editorial.models import Article

    _reindex(Article.objects.filter(placements__issue=instance).distinct())


@receiver(post_save, sender="bulletin.SearchTerm", dispatch_uid="search_term_saved")
@receiver(post_delete, sender="bulletin.SearchTerm", dispatch_uid="search_term_deleted")
def term_changed(sender, instance, raw=False, **kwargs):
    """Articles containing a dictionary word are re-cut when the word is added or removed."""
    if raw:
        return
    from django.db.models import Q

    from editorial.models import Article

    word = instance.word.strip()
    if not word:
        return
    _reindex(
        Article.objects.filter(
            Q(search_index__title__icontains=word) | Q(search_index__text__icontains=word),
            publication_id=instance.publication_id,
        )
    )
