"""Articles and everything before they are placed in an issue: revisions, review, comments, images.

State changes never happen by assigning `status` in a view: they go through
editorial.workflow, which checks permissions and writes the audit trail.
"""

from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils import timezone

from common.dates import month_day_label
from common.history import append_only

# The forms' message for a title past its max_length (Django's own speaks of 变量 and 字符).
TITLE_TOO_LONG = "标题不能超过%(limit_value)d字（现为%(show_value)d字）"


class Article(models.Model):
    class Status(models.TextChoices):
        DRAFT = "draft", "草稿"
        SUBMITTED = "submitted", "待审"
        RETURNED = "returned", "退回"
        APPROVED = "approved", "已通过"
        PUBLISHED = "published", "已发布"

    publication = models.ForeignKey(
        "bulletin.Publication", on_delete=models.PROTECT, related_name="articles", verbose_name="刊物"
    )
    section = models.ForeignKey(
        "bulletin.Section", on_delete=models.PROTECT, related_name="articles", verbose_name="栏目"
    )
    title = models.CharField("标题", max_length=200)
    event_date = models.DateField("事件日期", null=True, blank=True)
    body = models.TextField("正文", blank=True)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="articles", verbose_name="作者"
    )
    last_edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="最后编辑人",
    )
    status = models.CharField("状态", max_length=20, choices=Status.choices, default=Status.DRAFT)
    review_level = models.PositiveSmallIntegerField(
        "当前审核级别", default=0, help_text="稿件待审时是正在进行的第几级审核（从 1 开始）；其他状态为 0。"
    )
    # Optimistic locking: every save increments it; a form carrying an older version is a conflict.
    version = models.PositiveIntegerField("版本号", default=1)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "稿件"
        verbose_name_plural = "稿件"
        ordering = ["-updated_at"]
        indexes = [models.Index(fields=["status", "publication"])]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse("desk:article_edit", args=[self.pk])

    @property
    def event_date_label(self) -> str:
        return month_day_label(self.event_date)

    def latest_revision(self):
        return self.revisions.order_by("-number").first()


class Revision(models.Model):
    """An immutable snapshot of an article; every save writes one."""

    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="revisions", verbose_name="稿件")
    number = models.PositiveIntegerField("版本")
    title = models.CharField("标题", max_length=200)
    event_date = models.DateField("事件日期", null=True, blank=True)
    section = models.ForeignKey(
        "bulletin.Section", on_delete=models.PROTECT, related_name="+", verbose_name="栏目"
    )
    body = models.TextField("正文", blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="保存人",
    )
    created_at = models.DateTimeField("保存时间", default=timezone.now)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "版本"
        verbose_name_plural = "版本"
        ordering = ["article", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="unique_revision_number"),
        ]
        triggers = append_only()

    def __str__(self):
        return f"{self.article} 第{self.number}版"

    @property
    def event_date_label(self) -> str:
        return month_day_label(self.event_date)


class SupersededAutosave(models.Model):
    """An autosave revision that a later autosave of the same sitting replaced in 版本记录.

    Revisions are append-only, so one sitting's autosaves are not merged by rewriting: each
    autosave still writes its revision, and the one it follows is marked here. 版本记录 and the
    compare page list only the sitting's latest autosave (the marked ones stay stored and
    reachable by number). A sitting is one user's consecutive autosaves with nothing between
    them: a manual save, anyone else's save or a workflow step starts a new one
    (editorial.revisions.record_autosave).
    """

    revision = models.OneToOneField(
        Revision, on_delete=models.CASCADE, related_name="superseded", verbose_name="被合并的自动保存"
    )
    by = models.ForeignKey(Revision, on_delete=models.CASCADE, related_name="+", verbose_name="合并到")

    class Meta:
        verbose_name = "合并的自动保存"
        verbose_name_plural = "合并的自动保存"

    def __str__(self):
        return f"{self.revision} → 第{self.by.number}版"


class ArticleTransition(models.Model):
    """Audit trail of the workflow: who moved an article from which state to which, and why."""

    # The workflow's actions (editorial.workflow names them; its ACTION_LABELS are these labels).
    ACTIONS = [
        ("submit", "提交审核"),
        ("approve", "审核通过"),
        ("return", "退回修改"),
        ("revise", "退回后修改"),
        ("reopen", "通过后修改，重新送审"),
        ("restart", "审核中修改，重新从第一级审核"),
    ]

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="transitions", verbose_name="稿件"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="操作人"
    )
    action = models.CharField("操作", max_length=30, choices=ACTIONS)
    from_status = models.CharField("原状态", max_length=20, choices=Article.Status.choices)
    to_status = models.CharField("新状态", max_length=20, choices=Article.Status.choices)
    review_level = models.PositiveSmallIntegerField("审核级别", default=0)
    comment = models.TextField("意见", blank=True)
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "流转记录"
        verbose_name_plural = "流转记录"
        ordering = ["created_at", "pk"]
        triggers = append_only()

    def __str__(self):
        return f"{self.article}：{self.get_action_display()}（{self.get_from_status_display()} → {self.get_to_status_display()}）"


class Comment(models.Model):
    article = models.ForeignKey(Article, on_delete=models.CASCADE, related_name="comments", verbose_name="稿件")
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="评论人"
    )
    body = models.TextField("内容")
    created_at = models.DateTimeField("时间", default=timezone.now)

    class Meta:
        verbose_name = "评论"
        verbose_name_plural = "评论"
        ordering = ["created_at", "pk"]

    def __str__(self):
        return self.body[:30]


class ReviewLevel(models.Model):
    """One level of review for a publication (初审, 复审, 终审): the group whose members review it."""

    publication = models.ForeignKey(
        "bulletin.Publication", on_delete=models.CASCADE, related_name="review_levels", verbose_name="刊物"
    )
    level = models.PositiveSmallIntegerField("级别", choices=[(1, "1"), (2, "2"), (3, "3")])
    name = models.CharField("名称", max_length=20, default="审核")
    group = models.ForeignKey(
        "auth.Group", on_delete=models.PROTECT, related_name="+", verbose_name="审核组"
    )

    class Meta:
        verbose_name = "审核级别"
        verbose_name_plural = "审核级别"
        ordering = ["publication", "level"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "level"], name="unique_review_level"),
            models.CheckConstraint(condition=models.Q(level__gte=1, level__lte=3), name="review_level_1_3"),
        ]

    def __str__(self):
        return f"{self.publication} {self.name}"


class Image(models.Model):
    """An uploaded picture, verified and stripped of metadata, in a web and a print rendition."""

    web = models.ImageField("网页图", upload_to="images/web/%Y/%m/", db_index=True)
    print_file = models.ImageField("印刷图", upload_to="images/print/%Y/%m/", db_index=True)
    width = models.PositiveIntegerField("宽", default=0)
    height = models.PositiveIntegerField("高", default=0)
    original_name = models.CharField("原文件名", max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="上传人"
    )
    created_at = models.DateTimeField("上传时间", default=timezone.now)
    # The revisions whose body shows this image (editorial.image_refs, written with each revision):
    # who may read one of them may see the image (bulletin.access.media_access).
    revisions = models.ManyToManyField(
        Revision, related_name="images", blank=True, editable=False, verbose_name="使用该图片的版本"
    )

    class Meta:
        verbose_name = "图片"
        verbose_name_plural = "图片"

    def __str__(self):
        return self.original_name or self.web.name


class ProofreadingDismissal(models.Model):
    """A proofreading finding someone judged right as written (校对：忽略). The key
    (editorial.proofreading.Finding.key) covers the finding's kind, its text and the text around
    it: the finding stays hidden while that place reads the same, and comes back if it changes."""

    article = models.ForeignKey(
        Article, on_delete=models.CASCADE, related_name="proofreading_dismissals", verbose_name="稿件"
    )
    key = models.CharField("校对项标识", max_length=32)
    kind = models.CharField("类别", max_length=30)
    text = models.CharField("原文", max_length=200)
    message = models.CharField("提示", max_length=300, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name="忽略人"
    )
    dismissed_at = models.DateTimeField("忽略时间", default=timezone.now)

    class Meta:
        verbose_name = "已忽略的校对提示"
        verbose_name_plural = "已忽略的校对提示"
        ordering = ["article", "-dismissed_at"]
        constraints = [
            models.UniqueConstraint(fields=["article", "key"], name="unique_dismissal_per_finding"),
        ]

    def __str__(self):
        return f"{self.article}：{self.text}"


class PublicationMembership(models.Model):
    """A desk user works in a publication (刊物成员): writes, reviews and assembles its issues.

    The desk offers a user only the publications they belong to; editorial.membership holds the
    rule (with the one-publication office's fallback) and remembers the editor's last choice.
    """

    publication = models.ForeignKey(
        "bulletin.Publication", on_delete=models.CASCADE, related_name="memberships", verbose_name="刊物"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="publication_memberships",
        verbose_name="用户",
    )
    # The editor's last choice on the new-article form: the form opens on the latest one.
    last_chosen_at = models.DateTimeField("最近一次选用", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "刊物成员"
        verbose_name_plural = "刊物成员"
        ordering = ["publication", "user__username"]
        constraints = [
            models.UniqueConstraint(fields=["publication", "user"], name="one_membership_per_user_and_publication"),
        ]

    def __str__(self):
        return f"{self.publication} · {self.user}"
