"""Issues and their history: placements, errata, events and sign-offs (签发).

Articles are written on the editorial side (editorial.Article); an issue places them
(IssueArticle) and, on publishing, pins the exact revision of each so later edits of an
article never change a published issue. Every change of state goes through bulletin.publishing.
"""

import pgtrigger
from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from common import periods
from common.history import append_only

from .publications import DEADLINES, Publication, Section, Visibility


class IssueQuerySet(models.QuerySet):
    def published(self):
        return self.filter(status=Issue.Status.PUBLISHED)

    def with_handover(self):
        """Annotate the latest hand-over between editors and head (submitted, returned, reopened,
        signed off, sign-off voided): `handover_action`, `handover_event_id`, `handover_actor_id` (for a
        submitted issue: who submitted it). Issue.is_returned and
        Issue.desk_status_label read them; attach_return_events() fetches the head's comments."""
        latest = IssueEvent.objects.filter(issue=models.OuterRef("pk"), action__in=HANDOVER_ACTIONS).order_by(
            "-created_at", "-pk"
        )
        return self.annotate(
            handover_action=models.Subquery(latest.values("action")[:1]),
            handover_event_id=models.Subquery(latest.values("pk")[:1]),
            handover_actor_id=models.Subquery(latest.values("actor_id")[:1]),
        )


class Issue(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "编排中"
        SUBMITTED = "submitted", "待签发"
        SIGNED_OFF = "signed_off", "已签发"
        PUBLISHED = "published", "已发布"
        WITHDRAWN = "withdrawn", "已撤回"
        # A back issue that a re-import replaced (with the head's approval): kept, with its
        # history, out of the reader site; its numbers belong to the issue that replaced it.
        REPLACED = "replaced", "已被替换"

    publication = models.ForeignKey(
        Publication, on_delete=models.PROTECT, related_name="issues", verbose_name="刊物"
    )
    year = models.PositiveSmallIntegerField("年")
    # The first month of the issue's period (a quarterly's third quarter is 7); an irregular
    # issue's own month. `frequency` is the publication's when the issue was created, so a
    # later change of the publication's frequency never relabels an existing issue.
    month = models.PositiveSmallIntegerField("月", choices=[(m, f"{m}月") for m in range(1, 13)])
    frequency = models.CharField(
        "出版周期", max_length=10, choices=periods.FREQUENCY_CHOICES, default=periods.MONTHLY, editable=False
    )
    title = models.CharField(
        "专刊名称", max_length=50, blank=True,
        help_text="不定期刊物的一期的名称，如“专刊（抗洪抢险）”“增刊”；定期出版的期不填。",
    )
    year_number = models.PositiveSmallIntegerField("年度期号（第N期）", null=True, blank=True, editable=False)
    serial_number = models.PositiveIntegerField("总期号（总第N期）", null=True, blank=True, editable=False)
    publication_date = models.DateField("出版日期", null=True, blank=True)
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    visibility = models.CharField("可见范围", max_length=10, choices=Visibility.choices, blank=True)
    focus_article = models.ForeignKey(
        "editorial.Article",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name="本期焦点",
    )
    # Section ids in the order this issue shows them; empty (or missing ids) falls back to the
    # publication's configured order (Section.position). Changed only through bulletin.publishing.
    # The masthead and colophon (版记) as printed: copied from the publication when the issue is
    # published or imported (bulletin.colophon), so later changes to the publication never
    # rewrite a back issue. Empty while the issue is being prepared: it shows today's values.
    colophon = models.JSONField("本期版记", default=dict, blank=True, editable=False)
    section_order = models.JSONField("本期栏目顺序", default=list, blank=True, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)
    published_at = models.DateTimeField("发布时间", null=True, blank=True, editable=False)
    # A back issue (往期): published before Bulletin and recorded with its own numbers
    # (publish_back_issue: the import, the demo). False for every issue Bulletin published
    # itself; those numbers are never touched by an import.
    imported = models.BooleanField("往期导入", default=False, editable=False)
    # Deadlines: filled from the publication's schedule rule when the issue is created, changed
    # per issue through bulletin.publishing.set_deadlines. Empty on back issues.
    draft_due = models.DateField("截稿日期", null=True, blank=True)
    review_due = models.DateField("审核截止日期", null=True, blank=True)
    signoff_due = models.DateField("签发截止日期", null=True, blank=True)
    publish_due = models.DateField("计划出版日期", null=True, blank=True)
    # 定时发布: after 签发 the head may name a time; the worker publishes the issue then
    # (bulletin.publishing.schedule). Cleared by publishing, unscheduling or a voided sign-off.
    scheduled_publish_at = models.DateTimeField("定时发布时间", null=True, blank=True, editable=False)
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        editable=False, verbose_name="定时发布设定人",
    )

    objects = IssueQuerySet.as_manager()

    class Meta:
        verbose_name = "期刊"
        verbose_name_plural = "期刊"
        ordering = ["-year", "-month"]
        # An issue a re-import replaced keeps its numbers and month as history; the issue that
        # replaced it holds them from then on.
        constraints = [
            # One issue per month, two months or quarter (the month is the period's first);
            # an irregular publication may bring out several in a month.
            models.UniqueConstraint(
                fields=["publication", "year", "month"], name="one_issue_per_period",
                condition=~models.Q(status="replaced") & ~models.Q(frequency=periods.IRREGULAR),
            ),
            models.UniqueConstraint(
                fields=["publication", "serial_number"], name="unique_serial_number_per_publication",
                condition=~models.Q(status="replaced"),
            ),
            models.UniqueConstraint(
                fields=["publication", "year", "year_number"], name="unique_year_number_per_publication_year",
                condition=~models.Q(status="replaced"),
            ),
            models.CheckConstraint(condition=models.Q(month__gte=1, month__lte=12), name="issue_month_1_12"),
        ]

    def __str__(self):
        label = f"{self.publication.name} {self.month_label}"
        if self.serial_number:
            label += f"（总第{self.serial_number}期）"
        return label

    def save(self, *args, **kwargs):
        if not self.visibility and self.publication_id:
            self.visibility = self.publication.default_visibility
        super().save(*args, **kwargs)

    def get_absolute_url(self):
        """The reader's page of a numbered issue; None before it has a number (desk only)."""
        if self.serial_number is None:
            return None
        return reverse("reader:issue", args=[self.publication.slug, self.serial_number])

    @property
    def is_frozen(self) -> bool:
        """Published, withdrawn or replaced: the content never changes again (corrections are errata)."""
        return self.status in FROZEN_STATUSES

    @property
    def numbers_label(self) -> str:
        """第N期（总第M期）, or 总第M期 alone for a back issue whose file gave no 第N期."""
        if self.serial_number is None:
            return ""
        if self.year_number is None:
            return f"总第{self.serial_number}期"
        return f"第{self.year_number}期（总第{self.serial_number}期）"

    @property
    def dated_numbers_label(self) -> str:
        """2020年第10期（总第97期）, or 2020年10月（总第97期） without a 第N期; an issue that is
        not monthly names its period: 2020年第三季度（第3期，总第99期）."""
        if self.serial_number is None:
            return self.month_label
        if self.year_number is None:
            return f"{self.month_label}（总第{self.serial_number}期）"
        if self.frequency != periods.MONTHLY:
            return f"{self.month_label}（第{self.year_number}期，总第{self.serial_number}期）"
        return f"{self.year}年第{self.year_number}期（总第{self.serial_number}期）"

    @property
    def period_label(self) -> str:
        """The period the issue covers, as printed: 2020年9月, 2020年9–10月, 2020年第三季度,
        2020年专刊（抗洪抢险）."""
        return periods.period_label(self.frequency, self.year, self.month, self.title)

    # The name every page has used for the issue's period since issues were monthly only.
    month_label = period_label

    @property
    def last_month(self) -> int:
        """The last month the issue's period covers (its month for a monthly or irregular issue)."""
        return periods.period_months(self.frequency, self.month)[1]

    @property
    def is_returned(self) -> bool:
        """The head returned it and the editors have not submitted it again (needs with_handover())."""
        return self.status == self.Status.DRAFT and getattr(self, "handover_action", None) == IssueEvent.Action.RETURNED

    @property
    def desk_status_label(self) -> str:
        """The status as the desk shows it: a returned draft is 退回修改, not 编排中."""
        if self.status == self.Status.DRAFT:
            action = getattr(self, "handover_action", None)
            if action == IssueEvent.Action.RETURNED:
                return "退回修改"
            if action in (IssueEvent.Action.REOPENED, IssueEvent.Action.SIGN_OFF_VOIDED):
                return "编排中 · 需重新提交"
        return self.get_status_display()

    @property
    def desk_status(self) -> str:
        """A CSS-friendly status: the model's, or `returned` for 退回修改."""
        return "returned" if self.is_returned else self.status

    @property
    def deadlines(self) -> list[tuple[str, str, object]]:
        """(field, label, date) of each deadline set on this issue, in the month's order."""
        return [(due, label, getattr(self, due)) for due, _day, label in DEADLINES if getattr(self, due)]

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    @property
    def is_internal(self) -> bool:
        return self.visibility == Visibility.INTERNAL

    def get_pdf_url(self):
        return reverse("reader:issue_pdf", args=[self.publication.slug, self.serial_number])


class IssueArticle(models.Model):
    """An article placed in an issue, in a section, at a position.

    `revision` is pinned when the issue is published: the reader site and the PDF show
    that revision, whatever happens to the article afterwards.
    """

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="placements", verbose_name="期刊")
    article = models.ForeignKey(
        "editorial.Article", on_delete=models.PROTECT, related_name="placements", verbose_name="稿件"
    )
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="+", verbose_name="栏目")
    position = models.PositiveSmallIntegerField("栏目内顺序", default=0)
    revision = models.ForeignKey(
        "editorial.Revision",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
        verbose_name="发布时的版本",
    )

    class Meta:
        verbose_name = "本期稿件"
        verbose_name_plural = "本期稿件"
        ordering = ["section__position", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["issue", "article"], name="article_once_per_issue"),
        ]

    def __str__(self):
        return f"{self.issue} · {self.article}"

    # The content shown to readers: the pinned revision once published, the live article before.
    @property
    def content(self):
        return self.revision if self.revision_id else self.article

    @property
    def title(self):
        return self.content.title

    @property
    def event_date(self):
        return self.content.event_date

    @property
    def body(self):
        return self.content.body

    @property
    def anchor(self):
        return f"article-{self.article_id}"


class Erratum(models.Model):
    """A published correction (勘误) attached to a published issue; the issue stays immutable."""

    issue = models.ForeignKey(Issue, on_delete=models.PROTECT, related_name="errata", verbose_name="期刊")
    text = models.TextField("勘误内容")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="提出人"
    )
    created_at = models.DateTimeField("提出时间", auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="批准人",
    )
    published_at = models.DateTimeField("发布时间", null=True, blank=True)

    class Meta:
        verbose_name = "勘误"
        verbose_name_plural = "勘误"
        ordering = ["published_at", "pk"]

    def __str__(self):
        return f"勘误：{self.issue}"

    @property
    def is_published(self):
        return self.published_at is not None


class IssueEvent(models.Model):
    """The history of an issue: who did what, when (sign-off, return, publish, withdraw…)."""

    class Action(models.TextChoices):
        CREATED = "created", "创建"
        SUBMITTED = "submitted", "提交签发"
        REOPENED = "reopened", "修改后改回编排"
        CHANGED = "changed", "修改"
        RETURNED = "returned", "退回"
        SIGNED_OFF = "signed_off", "签发"
        SIGN_OFF_VOIDED = "sign_off_voided", "签发失效"
        PUBLISHED = "published", "发布"
        WITHDRAWN = "withdrawn", "撤回"
        ERRATUM_PROPOSED = "erratum_proposed", "提出勘误"
        ERRATUM = "erratum", "发布勘误"
        DEADLINES = "deadlines", "调整截止日期"
        SCHEDULED = "scheduled", "定时发布"
        UNSCHEDULED = "unscheduled", "取消定时发布"
        REPLACEMENT_REQUESTED = "replace_requested", "申请替换往期"
        REPLACEMENT_REFUSED = "replace_refused", "拒绝替换往期"
        REPLACED = "replaced", "被替换"

    issue = models.ForeignKey(Issue, on_delete=models.CASCADE, related_name="events", verbose_name="期刊")
    action = models.CharField("操作", max_length=20, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="操作人",
    )
    comment = models.TextField("说明", blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)
    # What the head saw (submit, return, sign-off): the issue in reading order, with each
    # article's text, so the sign-off page can name what changed since (publishing.changes).
    snapshot = models.JSONField("当时的内容", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "期刊记录"
        verbose_name_plural = "期刊记录"
        ordering = ["created_at", "pk"]
        triggers = append_only()

    def __str__(self):
        return f"{self.issue} {self.get_action_display()}"


FROZEN_STATUSES = (Issue.Status.PUBLISHED, Issue.Status.WITHDRAWN, Issue.Status.REPLACED)


# The events that hand an issue between the editors and the head (see IssueQuerySet.with_handover).
HANDOVER_ACTIONS = (
    IssueEvent.Action.SUBMITTED,
    IssueEvent.Action.RETURNED,
    IssueEvent.Action.REOPENED,
    IssueEvent.Action.SIGNED_OFF,
    IssueEvent.Action.SIGN_OFF_VOIDED,
)


def attach_return_events(issues) -> None:
    """Set `return_event` (the head's RETURNED event, actor loaded; or None) on each issue
    annotated by with_handover(): one query for any number of issues."""
    wanted = {issue.handover_event_id: issue for issue in issues if issue.is_returned}
    events = IssueEvent.objects.filter(pk__in=wanted).select_related("actor") if wanted else []
    found = {event.pk: event for event in events}
    for issue in issues:
        issue.return_event = found.get(getattr(issue, "handover_event_id", None)) if issue.is_returned else None


class SignOff(models.Model):
    """The office head's sign-off (签发) of an issue's exact content.

    `content_hash` fingerprints what was signed; a later change to the issue voids the sign-off.
    """

    issue = models.ForeignKey(
        Issue, on_delete=models.CASCADE, related_name="sign_offs", verbose_name="期刊"
    )
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="签发人"
    )
    signed_at = models.DateTimeField("签发时间", default=timezone.now)
    content_hash = models.CharField("内容指纹", max_length=64)
    comment = models.TextField("签发意见", blank=True)
    voided_at = models.DateTimeField("失效时间", null=True, blank=True)
    void_reason = models.CharField("失效原因", max_length=200, blank=True)

    class Meta:
        verbose_name = "签发"
        verbose_name_plural = "签发"
        ordering = ["-signed_at"]
        # The table predates the move of SignOff from editorial to bulletin (migration 0007).
        db_table = "editorial_signoff"
        # Append-only, but voiding sets voided_at/void_reason once (publishing.base.void_sign_off):
        # the UPDATE trigger fires (refuses) unless that is the only change.
        triggers = append_only(update_condition=pgtrigger.Condition(
            "OLD.voided_at IS NOT NULL OR NEW.voided_at IS NULL OR "
            "(OLD.id, OLD.issue_id, OLD.signed_by_id, OLD.signed_at, OLD.content_hash, OLD.comment) "
            "IS DISTINCT FROM "
            "(NEW.id, NEW.issue_id, NEW.signed_by_id, NEW.signed_at, NEW.content_hash, NEW.comment)"
        ))

    def __str__(self):
        return f"{self.issue} 签发于 {self.signed_at:%Y-%m-%d %H:%M}"

    @property
    def is_valid(self):
        return self.voided_at is None


class BackIssueReplacement(models.Model):
    """An editor's request to replace an imported back issue with a new file (往期替换申请).

    Replacing rewrites what readers see as that issue, so like 签发 it takes two people: the
    head approves (never the person who asked, whatever the publication's setting). The file
    waits here until then; on approval the old issue is kept as 已被替换 with its history and
    the file is imported in its place (bulletin.importing.service).
    """

    class Status(models.TextChoices):
        PENDING = "pending", "待批准"
        APPROVED = "approved", "已批准"
        REFUSED = "refused", "已拒绝"

    publication = models.ForeignKey(Publication, on_delete=models.PROTECT, related_name="+", verbose_name="刊物")
    issue = models.ForeignKey(
        Issue, on_delete=models.PROTECT, related_name="replacement_requests", verbose_name="被替换的期刊"
    )
    filename = models.CharField("文件名", max_length=255)
    data = models.BinaryField("文件内容", editable=False)
    create_sections = models.BooleanField("允许新增栏目", default=False)
    year_number = models.PositiveSmallIntegerField("填写的年度期号", null=True, blank=True)
    summary = models.CharField("文件内容摘要", max_length=200, blank=True)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.PENDING)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="申请人"
    )
    requested_at = models.DateTimeField("申请时间", default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="处理人",
    )
    decided_at = models.DateTimeField("处理时间", null=True, blank=True)
    comment = models.TextField("处理意见", blank=True)
    new_issue = models.ForeignKey(
        Issue, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name="替换后的期刊"
    )

    class Meta:
        verbose_name = "往期替换申请"
        verbose_name_plural = "往期替换申请"
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["issue"], condition=models.Q(status="pending"), name="one_pending_replacement_per_issue"
            ),
        ]

    def __str__(self):
        return f"替换{self.issue}（{self.get_status_display()}）"

    @property
    def is_pending(self) -> bool:
        return self.status == self.Status.PENDING
