"""Revisions: every save of an article writes an immutable snapshot.

Autosaves of one sitting show as one entry in 版本记录: each still writes its revision (history
is append-only), and the previous autosave of the sitting is marked superseded
(`SupersededAutosave`), so the list shows the sitting's latest text once.
"""

import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Max, OuterRef, Subquery

from .image_refs import link_revision_images
from .models import Article, Revision, SupersededAutosave

AUTOSAVE_NOTE = "自动保存"


def sitting() -> datetime.timedelta:
    """Autosaves further apart than this are two sittings (the editor went away and came back);
    BULLETIN_AUTOSAVE_SITTING_MINUTES, 30 by default."""
    return datetime.timedelta(minutes=settings.BULLETIN_AUTOSAVE_SITTING_MINUTES)

# The implicit step an edit of a returned article takes (editorial.workflow.REVISE): caused by
# the sitting's own first autosave, it does not end the sitting.
_OWN_STEPS = ("revise",)


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


def _matches(revision: Revision | None, article: Article) -> bool:
    return (
        revision is not None
        and revision.title == article.title
        and revision.event_date == article.event_date
        and revision.body == article.body
        and revision.section_id == article.section_id
    )


def latest_revisions(article_ids) -> dict[int, Revision]:
    """Each article's latest revision, {article_id: Revision}, in one query whatever the number
    of articles (publishing pins 30 at once): the row whose number is the article's highest,
    found by a correlated subquery on the (article, number) unique index, on either database."""
    highest = Revision.objects.filter(article=OuterRef("article_id")).order_by("-number").values("number")[:1]
    rows = Revision.objects.filter(article_id__in=list(article_ids), number=Subquery(highest)).order_by()
    return {revision.article_id: revision for revision in rows}


def current_revisions(articles) -> dict[int, Revision]:
    """The revision matching each article's current content, {article_id: Revision}: one query
    when every article's latest revision matches its content (the usual case at publishing,
    approval having written it); an article whose content differs gets its new revision written."""
    articles = list(articles)
    latest = latest_revisions(article.pk for article in articles)
    current = {}
    for article in articles:
        revision = latest.get(article.pk)
        if not _matches(revision, article):
            revision = record_revision(article, by=article.last_edited_by or article.author)
        current[article.pk] = revision
    return current


@transaction.atomic
def record_autosave(article: Article, *, by) -> Revision:
    """Snapshot an autosave; the same user's previous autosave of this sitting is superseded.

    The sitting goes on while the latest revision is this user's autosave, less than `SITTING`
    old (`sitting()`), with no workflow step since: a manual save, another person's save (their revision is
    the latest) or a transition closes it, so 版本记录 keeps saying who wrote what when.
    """
    previous = article.revisions.order_by("-number").first()
    revision = record_revision(article, by=by, note=AUTOSAVE_NOTE)
    if (
        previous is not None
        and previous.note == AUTOSAVE_NOTE
        and previous.created_by_id == getattr(by, "pk", None)
        and revision.created_at - previous.created_at < sitting()
        and not article.transitions.filter(created_at__gte=previous.created_at)
        .exclude(action__in=_OWN_STEPS, actor=by).exists()
    ):
        SupersededAutosave.objects.create(revision=previous, by=revision)
    return revision


def listed_revisions(article: Article):
    """The revisions 版本记录 lists: all but the autosaves a later one of their sitting replaced."""
    return article.revisions.filter(superseded__isnull=True)
