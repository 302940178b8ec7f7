"""Publishing: numbering (第N期 / 总第N期), freezing the content, recording back issues.

Numbering: the counter lives on the Publication row. Publishing locks that row
(`select_for_update`) for the whole transaction, so two concurrent publishes of the same
publication are serialised: numbers are consecutive, never duplicated, never skipped.
"""

from dataclasses import dataclass

from django.db import transaction
from django.db.models import Max, OuterRef, Subquery
from django.utils import timezone

from editorial.models import Article, Revision
from editorial.revisions import current_revisions

from .. import colophon
from ..models import Issue, IssueArticle, IssueEvent, Publication
from ..pdf.store import schedule_issue_pdf
from .base import PUBLISHERS, PublishError, record_event, require
from .signoff import assert_signed_off


@dataclass(frozen=True)
class Numbers:
    year_number: int
    serial_number: int


def next_serial_number(publication: Publication) -> int:
    """The 总第N期 the next publish assigns: the counter, or past any issue already above it
    (an import made before imports stopped moving the counter could have put one there)."""
    serial = publication.next_serial_number()
    highest = publication.issues.exclude(status=Issue.Status.REPLACED).aggregate(m=Max("serial_number"))["m"]
    if highest is not None and highest >= serial:
        serial = highest + 1
    return serial


def next_numbers(publication: Publication, year: int) -> Numbers:
    serial = next_serial_number(publication)
    # 第N期 counts within the issue's own year (a December issue published in January is
    # still that year's last issue); withdrawn issues keep their numbers, so they count.
    last_in_year = (
        publication.issues.filter(year=year).exclude(status=Issue.Status.REPLACED)
        .aggregate(m=Max("year_number"))["m"] or 0
    )
    return Numbers(year_number=last_in_year + 1, serial_number=serial)


def back_issue_number_refusal(publication: Publication, serial_number: int) -> str | None:
    """Why ``serial_number`` cannot be a back issue's 总第N期 (Chinese), or None.

    The rule: a back issue came out before Bulletin's own series, so its number is at least 1
    and below the number the next publish assigns (the start set in the admin, 起始总期号, or
    past the last issue Bulletin published). Importing therefore never moves the counter, and
    never reaches a number Bulletin gave out.
    """
    if serial_number < 1:
        return f"总期号无效（总第{serial_number}期）：总期号从 1 开始。"
    upcoming = next_serial_number(publication)
    if serial_number >= upcoming:
        if upcoming <= 1:
            allowed = "目前没有可导入的期号"
        else:
            allowed = f"只能导入总第1期至总第{upcoming - 1}期"
        return (
            f"总第{serial_number}期不是往期：本刊在本系统发布的下一期将是总第{upcoming}期，往期须早于它（{allowed}）。"
            "如果本刊在使用本系统之前已出版到更大的期号，请管理员在后台的刊物设置中调高“起始总期号”"
            "（本系统发布第一期之前可以修改）。"
        )
    return None


def _freeze(placements: list[IssueArticle]) -> None:
    """Pin each placed article's current revision and mark the articles published.

    A fixed number of queries whatever the number of articles (issue #15): the latest
    revisions in one query, the pins in one bulk UPDATE, the statuses in another.
    """
    revisions = current_revisions(placement.article for placement in placements)
    for placement in placements:
        placement.revision = revisions[placement.article_id]
    # One UPDATE rather than save()s: pinning is not a content change (no signals). Each row
    # takes its article's revision among those just chosen (an article is placed once per
    # issue); a correlated subquery costs less to build than bulk_update's CASE per row.
    chosen = Revision.objects.filter(
        pk__in=[revision.pk for revision in revisions.values()], article=OuterRef("article")
    )
    IssueArticle.objects.filter(pk__in=[p.pk for p in placements]).update(
        revision=Subquery(chosen.order_by().values("pk")[:1])
    )
    Article.objects.filter(pk__in=[p.article_id for p in placements]).update(status=Article.Status.PUBLISHED)


def publish_issue(issue: Issue, *, by, require_sign_off: bool = True, sign_off_id=None, note: str = "") -> Issue:
    """Publish `issue`: assign its numbers, pin every article's revision, set the date.

    Safe against double submission and races: the publication row is locked first, then the
    issue row; a second publish of the same issue sees it published and is refused with
    "已经发布" instead of numbering it twice. `sign_off_id` (carried by the publish form) must
    be the issue's valid sign-off, so a form shown before a re-sign-off cannot publish.
    """
    require(by, *PUBLISHERS, action="发布期刊")
    with transaction.atomic():
        publication = Publication.objects.select_for_update().get(pk=issue.publication_id)
        locked = Issue.objects.select_for_update().get(pk=issue.pk)
        if locked.status == Issue.Status.PUBLISHED:
            raise PublishError(f"{locked} 已经发布（{locked.numbers_label}），不能重复发布。")
        if locked.status == Issue.Status.WITHDRAWN:
            raise PublishError("该期已撤回，不能再次发布。")
        if require_sign_off:
            record = assert_signed_off(locked)
            if sign_off_id is not None and str(record.pk) != str(sign_off_id):
                raise PublishError("本期的签发已变更，请刷新页面后再发布。")
        placements = list(locked.placements.select_related("article"))
        if not placements:
            raise PublishError("本期还没有稿件，不能发布。")

        numbers = next_numbers(publication, locked.year)
        _freeze(placements)

        now = timezone.now()
        locked.year_number = numbers.year_number
        locked.serial_number = numbers.serial_number
        locked.status = Issue.Status.PUBLISHED
        locked.published_at = now
        locked.scheduled_publish_at = None  # published: nothing left for the worker
        locked.scheduled_by = None
        if locked.publication_date is None:
            locked.publication_date = timezone.localdate(now)
        colophon.freeze(locked)  # the masthead and 版记 as printed now stay this issue's own
        locked.save()
        publication.last_serial_number = numbers.serial_number
        publication.save(update_fields=["last_serial_number"])
        record_event(
            locked, IssueEvent.Action.PUBLISHED, by,
            f"第{numbers.year_number}期，总第{numbers.serial_number}期" + (f"；{note}" if note else ""),
        )
        # Render and store the PDF once the publish has committed; never makes publishing fail.
        schedule_issue_pdf(locked)
    issue.refresh_from_db()
    return issue


def publish_back_issue(issue: Issue, *, year_number: int | None, serial_number: int, by=None) -> Issue:
    """Record an issue that was published before Bulletin (import, demo) with its own numbers.

    The numbers are checked under the same lock as `publish_issue`: no duplicate, and the
    serial number lies below the next one publishing assigns (back_issue_number_refusal), so
    the counter never moves. `year_number` (第N期) is None when the original gave none: it is
    not invented.
    """
    with transaction.atomic():
        publication = Publication.objects.select_for_update().get(pk=issue.publication_id)
        refusal = back_issue_number_refusal(publication, serial_number)
        if refusal:
            raise PublishError(refusal)
        others = publication.issues.exclude(pk=issue.pk).exclude(status=Issue.Status.REPLACED)
        if others.filter(serial_number=serial_number).exists():
            raise PublishError(f"总第{serial_number}期已存在，不能重复导入。")
        if year_number is not None and others.filter(year=issue.year, year_number=year_number).exists():
            raise PublishError(f"{issue.year}年第{year_number}期已存在。")
        _freeze(list(issue.placements.select_related("article")))
        issue.year_number = year_number
        issue.serial_number = serial_number
        issue.status = Issue.Status.PUBLISHED
        issue.imported = True
        issue.published_at = issue.published_at or timezone.now()
        if not issue.colophon:  # the import froze the file's own 版记 already
            colophon.freeze(issue)
        issue.save()
        record_event(issue, IssueEvent.Action.PUBLISHED, by, f"按原期号录入：{issue.numbers_label}")
    return issue
