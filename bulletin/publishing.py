"""Publishing an issue: numbering (第N期 / 总第N期) and freezing its content.

The counter lives on the Publication row. Publishing locks that row
(`select_for_update`) for the whole transaction, so two concurrent publishes of the same
publication are serialised: numbers are consecutive, never duplicated, never skipped.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from .models import Issue, IssueEvent, Publication


class PublishError(Exception):
    """A publish that is refused; the message is shown to the user as is."""


@dataclass(frozen=True)
class Numbers:
    year_number: int
    serial_number: int


def _next_numbers(publication: Publication, year: int) -> Numbers:
    serial = publication.next_serial_number()
    # Imported back issues may already carry higher serials than the counter knows.
    highest = publication.issues.aggregate(m=Max("serial_number"))["m"]
    if highest is not None and highest >= serial:
        serial = highest + 1
    last_in_year = (
        publication.issues.filter(year=year).aggregate(m=Max("year_number"))["m"] or 0
    )
    return Numbers(year_number=last_in_year + 1, serial_number=serial)


def publish_issue(issue: Issue, *, by, require_sign_off: bool = True) -> Issue:
    """Publish `issue`: assign its numbers, pin every article's revision, set the date.

    Idempotent against double submission: publishing an issue that another request has
    just published raises PublishError instead of numbering it twice.
    """
    from editorial.models import Article
    from editorial.revisions import current_revision

    with transaction.atomic():
        publication = Publication.objects.select_for_update().get(pk=issue.publication_id)
        locked = Issue.objects.select_for_update().get(pk=issue.pk)
        if locked.status == Issue.Status.PUBLISHED:
            raise PublishError(f"{locked} 已经发布，不能重复发布。")
        if locked.status == Issue.Status.WITHDRAWN:
            raise PublishError("该期已撤回，不能再次发布。")
        if require_sign_off:
            from editorial.signoff import assert_signed_off

            assert_signed_off(locked)
        placements = list(locked.placements.select_related("article"))
        if not placements:
            raise PublishError("本期还没有稿件，不能发布。")

        numbers = _next_numbers(publication, locked.year)
        for placement in placements:
            placement.revision = current_revision(placement.article)
            placement.save(update_fields=["revision"])
        Article.objects.filter(pk__in=[p.article_id for p in placements]).update(
            status=Article.Status.PUBLISHED
        )

        now = timezone.now()
        locked.year_number = numbers.year_number
        locked.serial_number = numbers.serial_number
        locked.status = Issue.Status.PUBLISHED
        locked.published_at = now
        if locked.publication_date is None:
            locked.publication_date = timezone.localdate(now)
        locked.save()
        publication.last_serial_number = numbers.serial_number
        publication.save(update_fields=["last_serial_number"])
        IssueEvent.objects.create(
            issue=locked, action=IssueEvent.Action.PUBLISHED, actor=by,
            comment=f"第{numbers.year_number}期，总第{numbers.serial_number}期",
        )
        # Render and store the PDF once the publish has committed; never makes publishing fail.
        from .pdf_store import schedule_issue_pdf

        schedule_issue_pdf(locked)
    issue.refresh_from_db()
    return issue


def publish_back_issue(issue: Issue, *, year_number: int, serial_number: int, by=None) -> Issue:
    """Record an issue that was published before Bulletin (import, demo) with its own numbers.

    The numbers are checked for duplicates under the same lock as `publish_issue`, and the
    counter moves past them so the next regular publish continues the series.
    """
    from editorial.models import Article
    from editorial.revisions import current_revision

    with transaction.atomic():
        publication = Publication.objects.select_for_update().get(pk=issue.publication_id)
        clash = publication.issues.exclude(pk=issue.pk).filter(serial_number=serial_number)
        if clash.exists():
            raise PublishError(f"总第{serial_number}期已存在，不能重复导入。")
        if publication.issues.exclude(pk=issue.pk).filter(year=issue.year, year_number=year_number).exists():
            raise PublishError(f"{issue.year}年第{year_number}期已存在。")
        placements = list(issue.placements.select_related("article"))
        for placement in placements:
            placement.revision = current_revision(placement.article)
            placement.save(update_fields=["revision"])
        Article.objects.filter(pk__in=[p.article_id for p in placements]).update(
            status=Article.Status.PUBLISHED
        )
        issue.year_number = year_number
        issue.serial_number = serial_number
        issue.status = Issue.Status.PUBLISHED
        issue.published_at = issue.published_at or timezone.now()
        issue.save()
        if publication.last_serial_number is None or publication.last_serial_number < serial_number:
            publication.last_serial_number = serial_number
            publication.save(update_fields=["last_serial_number"])
        IssueEvent.objects.create(
            issue=issue, action=IssueEvent.Action.PUBLISHED, actor=by,
            comment=f"按原期号录入：第{year_number}期，总第{serial_number}期",
        )
    return issue
