"""Revisions: every save of an article writes an immutable snapshot."""

from django.db import transaction
from django.db.models import Max

from .image_refs import link_revision_images
from .models import Article, Revision


@transaction.atomic
def record_revision(article: Article, *, by=None, note: str = "") -> Revision:
    """Snapshot the article's current content as its next revision."""
    last = article.revisions.aggregate(n=Max("number"))["n"] or 0
    revision = Revision.objects.create(
        article=article,
        number=last + 1,
        title=article.title,
        event_date=article.event_date,
        section_id=article.section_id,
        body=article.body,
        created_by=by,
        note=note,
    )
    link_revision_images(revision)
    return revision


def current_revision(article: Article) -> Revision:
    """The revision matching the article's current content, written if the latest differs."""
    latest = article.latest_revision()
    if (
        latest is not None
        and latest.title == article.title
        and latest.event_date == article.event_date
        and latest.body == article.body
        and latest.section_id == article.section_id
    ):
        return latest
    return record_revision(article, by=article.last_edited_by or article.author)
