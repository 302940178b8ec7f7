"""One piece of long work run by the background worker (bulletin.jobs): rendering an issue's PDF,
re-indexing search, importing a back issue, … The row is what the desk's progress page shows
and what makes the work safe to run on several workers: a job is claimed under a lease that its
worker renews while it runs; a job whose lease ran out belongs to a worker that died and is
queued again (bulletin.jobs.requeue_lost_jobs). The services live in bulletin/jobs.py."""

from django.conf import settings
from django.db import models
from django.db.models import Q


class BackgroundJob(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "排队中"
        RUNNING = "running", "进行中"
        DONE = "done", "已完成"
        FAILED = "failed", "失败"

    ACTIVE = (Status.QUEUED, Status.RUNNING)

    kind = models.CharField("类型", max_length=40)
    params = models.JSONField("参数", default=dict, blank=True)
    # A digest of the kind and the parameters: one queued or running job per key (dedupe).
    params_key = models.CharField("参数摘要", max_length=64, editable=False)
    status = models.CharField("状态", max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress_done = models.PositiveIntegerField("已完成", default=0)
    progress_total = models.PositiveIntegerField("总数", default=0)
    step = models.CharField("当前步骤", max_length=200, blank=True)
    failure = models.TextField("失败原因", blank=True)
    result = models.JSONField("结果", default=dict, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name="发起人", null=True, blank=True,
        on_delete=models.SET_NULL, related_name="+",
    )
    # The publication the work concerns (none for office-wide work such as the search re-index):
    # only people who work in it (editorial.membership) see and retry it besides the requester.
    publication = models.ForeignKey(
        "bulletin.Publication", verbose_name="刊物", null=True, blank=True,
        on_delete=models.CASCADE, related_name="+",
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    queued_at = models.DateTimeField("排队时间", null=True, blank=True)
    started_at = models.DateTimeField("开始时间", null=True, blank=True)
    finished_at = models.DateTimeField("结束时间", null=True, blank=True)
    attempts = models.PositiveIntegerField("执行次数", default=0)
    # The lease: the worker that runs the job and until when it holds it (renewed by heartbeats).
    lease_owner = models.CharField("执行者", max_length=120, blank=True)
    lease_until = models.DateTimeField("租约到期", null=True, blank=True)
    heartbeat_at = models.DateTimeField("最近心跳", null=True, blank=True)
    # The django-tasks result id of the task last queued for this job.
    task_id = models.CharField("队列任务", max_length=64, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "后台任务"
        ordering = ["-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["kind", "params_key"], condition=Q(status__in=["queued", "running"]),
                name="one_active_job_per_kind_and_params",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "lease_until"], name="job_status_lease"),
            models.Index(fields=["kind", "params_key"], name="job_kind_params"),
        ]

    def __str__(self):
        return f"{self.kind} #{self.pk}（{self.get_status_display()}）"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE

    @property
    def percent(self) -> int | None:
        """0–100, or None while the total is unknown."""
        if not self.progress_total:
            return 100 if self.status == self.Status.DONE else None
        return min(100, round(100 * self.progress_done / self.progress_total))
