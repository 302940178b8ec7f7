"""Long work on the task queue: background jobs with progress, retry and a lease.

A *job* (bulletin.models.BackgroundJob) is one piece of work too long for a web request: an
issue's PDF, a search re-index, a back-issue import, … The web request calls
``start_job(kind, params, by=user)``: the row is written in the caller's transaction and a
django-tasks task (``run_background_job``) is queued after the commit; `manage.py db_worker` runs
it. The desk's progress page (/desk/jobs/<id>/) shows the row.

Adding a kind — one entry in KINDS (or, for tests, in settings.BULLETIN_JOB_KINDS)::

    KINDS["issue_pdf"] = JobKind(
        label="生成期刊 PDF",
        handler="bulletin.pdf.store.render_pdf_job",   # dotted path, imported when the job runs
        roles=(EDITOR, HEAD),     # who may start, retry and see it (superusers always; the
                                  # requester always sees their own job)
        result_link="bulletin.pdf.store.pdf_job_link",   # optional: job -> (label, url) or None
    )

    def render_pdf_job(job, progress):            # the handler
        progress(0, 1, "正在排版")                 # done, total, a Chinese step message
        ...
        return {"storage_name": name}             # the result: a JSON object, kept on the job

Rules for a handler:

- ``progress(done, total=None, step=None)`` writes the progress the page shows (and renews the
  lease too). Call it as the work moves on, and outside your own transaction (inside one, nobody
  sees the progress until it commits). It is no longer what keeps the job: while the handler
  runs, a heartbeat thread of ``run_job`` renews the lease every third of
  BULLETIN_JOB_LEASE_SECONDS (120 s), so one long step (a big issue's render, the import's
  transaction) does not make the job look lost. The heartbeat stops after
  BULLETIN_JOB_MAX_RUN_SECONDS (3600 s): a handler still running then (hung) loses its lease
  like a dead worker's, and the job is queued again. If the lease was lost (the job was given to
  another worker because this one looked dead) ``progress`` raises JobLeaseLost: let it
  propagate, the other worker does the work.
- Parameters are JSON (ids, not objects). The same kind with the same parameters is one job while
  it is queued or running: starting it again returns the job under way.
- Raise a BulletinError subclass (e.g. JobError) to fail with a message the user reads; any other
  exception fails the job with its class name (the traceback goes to the log). A handler commits
  its own work in its own transactions: a failure never undoes what the handler saved before.
- A handler may run again after a worker died mid-run (the job is re-queued): make it safe to
  repeat (render to a temporary name and replace, index idempotently, …).

Guarantees: a job is claimed in a transaction with select_for_update and a compare-and-set on its
row (only a queued job, or a running one whose lease ran out); it is finished only by the worker
that still holds the lease, so two workers never both finish it. ``requeue_lost_jobs()`` (run by
the worker's periodic tick, office/periodic.py) queues again a running job whose lease ran out
(its worker was killed) and a queued job whose task went missing; after
BULLETIN_JOB_MAX_ATTEMPTS claims it fails instead ("多次中断"). ``retry_job(job, by=user)``
queues a failed job again.
"""

from __future__ import annotations

import contextlib
import datetime
import hashlib
import json
import logging
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.module_loading import import_string
from django_tasks import task

from common.errors import BulletinError
from common.roles import EDITOR, HEAD, has_role
from editorial import membership

from .models import BackgroundJob

logger = logging.getLogger(__name__)

Status = BackgroundJob.Status


class JobError(BulletinError):
    default_message = "后台任务未能完成。"


class JobLeaseLost(Exception):
    """The job was handed to another worker (this one's lease ran out); stop without finishing."""


@dataclass(frozen=True)
class JobKind:
    label: str
    handler: str | Callable
    roles: tuple[str, ...] = (HEAD,)
    result_link: str | Callable | None = None


KINDS: dict[str, JobKind] = {
    "issue_pdf": JobKind(
        label="生成期刊 PDF",
        handler="bulletin.pdf.store.render_pdf_job",
        roles=(EDITOR, HEAD),
        result_link="bulletin.pdf.store.pdf_job_link",
    ),
    "search_reindex": JobKind(
        label="重建检索索引",
        handler="bulletin.search.index.rebuild_index_job",
        roles=(HEAD,),
    ),
    # The back-issue import's writing step (bulletin/importing/jobs.py), started by the desk's
    # 确认导入; the handler checks the uploader's role and publication membership again.
    "back_issue_import": JobKind(
        label="导入往期刊物",
        handler="bulletin.importing.jobs.run_import_job",
        roles=(EDITOR, HEAD),
        result_link="bulletin.importing.jobs.job_link",
    ),
    # A chronicle (大事记) PDF or .docx (bulletin/chronicle_exports.py), started by the system for
    # any reader (by=None); each download checks the reader against the scope the job records.
    "chronicle_export": JobKind(
        label="导出大事记",
        handler="bulletin.chronicle_exports.make_export",
        roles=(HEAD,),
        result_link="bulletin.chronicle_exports.job_link",
    ),
}


def kinds() -> dict[str, JobKind]:
    extra = {name: spec if isinstance(spec, JobKind) else JobKind(**spec)
             for name, spec in getattr(settings, "BULLETIN_JOB_KINDS", {}).items()}
    return {**KINDS, **extra}


def kind_of(name: str) -> JobKind:
    try:
        return kinds()[name]
    except KeyError:
        raise JobError(f"没有这种后台任务：{name}") from None


def kind_label(name: str) -> str:
    spec = kinds().get(name)
    return spec.label if spec else name


def _resolve(value):
    return import_string(value) if isinstance(value, str) else value


def lease_seconds() -> int:
    return int(settings.BULLETIN_JOB_LEASE_SECONDS)


def max_run_seconds() -> int:
    return int(settings.BULLETIN_JOB_MAX_RUN_SECONDS)


def max_attempts() -> int:
    return int(settings.BULLETIN_JOB_MAX_ATTEMPTS)


def params_key(kind: str, params: dict) -> str:
    canonical = json.dumps([kind, params], sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


# --- who may do what -------------------------------------------------------------------------


def may_start(user, kind: str) -> bool:
    spec = kinds().get(kind)
    return spec is not None and has_role(user, *spec.roles)


def may_handle(user, job: BackgroundJob) -> bool:
    """May `user` retry `job`: the kind's role, and membership of the job's publication."""
    return may_start(user, job.kind) and (
        job.publication_id is None or job.publication_id in membership.publication_ids(user)
    )


def may_see(user, job: BackgroundJob) -> bool:
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return job.requested_by_id == user.pk or may_handle(user, job)


def visible_jobs(user):
    """The jobs `user` may see (newest first)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return BackgroundJob.objects.none()
    allowed = [name for name in kinds() if may_start(user, name)]
    in_my_publications = Q(publication__isnull=True) | Q(publication_id__in=membership.publication_ids(user))
    return BackgroundJob.objects.filter(Q(requested_by=user) | (Q(kind__in=allowed) & in_my_publications))


def result_link(job: BackgroundJob) -> tuple[str, str] | None:
    """(label, url) of what a finished job made, if its kind links to it."""
    spec = kinds().get(job.kind)
    if job.status != Status.DONE or spec is None or spec.result_link is None:
        return None
    try:
        return _resolve(spec.result_link)(job)
    except Exception:  # a link that cannot be built (the issue was deleted) is simply not shown
        logger.exception("No result link for job %s", job.pk)
        return None


# --- starting and retrying -------------------------------------------------------------------


def active_job(kind: str, params: dict) -> BackgroundJob | None:
    return BackgroundJob.objects.filter(
        kind=kind, params_key=params_key(kind, params), status__in=BackgroundJob.ACTIVE,
    ).first()


def latest_job(kind: str, **params_lookup) -> BackgroundJob | None:
    """The newest job of `kind` whose parameters include these values (e.g. issue=12)."""
    lookups = {f"params__{name}": value for name, value in params_lookup.items()}
    return BackgroundJob.objects.filter(kind=kind, **lookups).order_by("-pk").first()


def start_job(kind: str, params: dict | None = None, *, by, publication=None) -> BackgroundJob:
    """Queue a job of `kind` (or return the same job already queued or running).

    `by` is the user who asks (checked against the kind's roles), or None for work the system
    starts itself (publishing's PDF, a reader's download). `publication` (an id or object) is the
    publication the work concerns, if any: who works elsewhere neither sees nor retries it, and a
    user who asks must work in it. Call it inside the action's
    transaction or outside one: the row is written at once, the task is queued after the commit.
    """
    spec = kind_of(kind)
    if by is not None and not has_role(by, *spec.roles):
        raise JobError(f"您没有权限启动“{spec.label}”。")
    publication_id = getattr(publication, "pk", publication)
    if by is not None and publication_id is not None and publication_id not in membership.publication_ids(by):
        raise JobError(f"您不在该刊物的成员中，不能启动“{spec.label}”。")
    params = json.loads(json.dumps(params or {}, sort_keys=True))  # JSON only, as stored
    key = params_key(kind, params)
    with transaction.atomic():
        existing = active_job(kind, params)
        if existing is not None:
            return existing
        try:
            # A savepoint: another request may queue the same job at this very moment; the
            # partial unique constraint lets only one row in, the other returns it.
            with transaction.atomic():
                job = BackgroundJob.objects.create(
                    kind=kind, params=params, params_key=key, status=Status.QUEUED,
                    requested_by=by if getattr(by, "pk", None) else None, queued_at=timezone.now(),
                    publication_id=publication_id,
                    step="等待后台处理",
                )
        except IntegrityError:
            existing = active_job(kind, params)
            if existing is None:
                raise
            return existing
        _enqueue_after_commit(job.pk)
    logger.info("Job %s (%s %s) queued by %s", job.pk, kind, params, by)
    return job


def retry_job(job: BackgroundJob, *, by) -> BackgroundJob:
    """Queue a failed job again. Returns the job (or the same work already under way)."""
    if not may_handle(by, job):
        raise JobError("您没有权限重试这项后台任务。")
    with transaction.atomic():
        locked = BackgroundJob.objects.select_for_update().get(pk=job.pk)
        if locked.status != Status.FAILED:
            raise JobError("只有失败的任务可以重试。")
        running = active_job(locked.kind, locked.params)
        if running is not None:  # someone started the same work again meanwhile
            return running
        locked.status = Status.QUEUED
        locked.failure = ""
        locked.progress_done = locked.progress_total = 0
        locked.step = "已重新排队"
        locked.queued_at = timezone.now()
        locked.finished_at = None
        locked.save(update_fields=[
            "status", "failure", "progress_done", "progress_total", "step", "queued_at", "finished_at",
        ])
        _enqueue_after_commit(locked.pk)
    logger.info("Job %s (%s) retried by %s", locked.pk, locked.kind, by)
    return locked


def _enqueue_after_commit(job_id: int) -> None:
    transaction.on_commit(lambda: enqueue(job_id))


def enqueue(job_id: int) -> None:
    """Queue the task that runs the job; never raises (requeue_lost_jobs queues it later)."""
    try:
        result = run_background_job.enqueue(job_id)
        BackgroundJob.objects.filter(pk=job_id, status=Status.QUEUED).update(task_id=str(result.id))
    except Exception:
        logger.exception("Could not queue the task of job %s; the periodic tick queues it again", job_id)


# --- running ---------------------------------------------------------------------------------


def new_owner() -> str:
    """Who holds a lease: this machine and process, and a random part for this one run."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:12]}"


def _lease_until(now=None) -> datetime.datetime:
    return (now or timezone.now()) + datetime.timedelta(seconds=lease_seconds())


def claim(job_id: int, owner: str) -> BackgroundJob | None:
    """Take the job for `owner` if it is queued, or running under a lease that ran out.

    The row is locked (select_for_update) and changed with a compare-and-set on the fields read,
    so two workers never both claim it, on PostgreSQL (row lock) and on SQLite (no row locks,
    the UPDATE's WHERE decides).
    """
    with transaction.atomic():
        job = BackgroundJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            return None
        now = timezone.now()
        lost = job.status == Status.RUNNING and job.lease_until is not None and job.lease_until < now
        if job.status != Status.QUEUED and not lost:
            return None
        if lost and job.attempts >= max_attempts():
            _give_up(job, now)
            return None
        changed = BackgroundJob.objects.filter(
            pk=job.pk, status=job.status, lease_owner=job.lease_owner, attempts=job.attempts,
        ).update(
            status=Status.RUNNING, lease_owner=owner, lease_until=_lease_until(now), heartbeat_at=now,
            attempts=job.attempts + 1, started_at=now, finished_at=None, failure="", step="开始处理",
        )
        if changed != 1:
            return None
    job.refresh_from_db()
    return job


def _give_up(job: BackgroundJob, now) -> None:
    BackgroundJob.objects.filter(pk=job.pk, status=job.status, lease_owner=job.lease_owner).update(
        status=Status.FAILED, lease_owner="", lease_until=None, finished_at=now,
        failure=f"任务执行了 {job.attempts} 次都被中断（处理它的后台进程退出），已停止。可以重试。",
    )
    logger.warning("Job %s gave up after %s interrupted attempts", job.pk, job.attempts)


def _update_held(job_id: int, owner: str, **fields) -> int:
    """Write `fields` to the job only while `owner` holds its running lease (a compare-and-set:
    a worker that lost the job writes nothing). Returns the rows changed, 1 or 0."""
    return BackgroundJob.objects.filter(pk=job_id, status=Status.RUNNING, lease_owner=owner).update(**fields)


class Progress:
    """The callback a handler reports progress with; each call is a heartbeat."""

    def __init__(self, job: BackgroundJob, owner: str):
        self.job = job
        self.owner = owner

    def __call__(self, done: int | None = None, total: int | None = None, step: str | None = None) -> None:
        now = timezone.now()
        fields = {"lease_until": _lease_until(now), "heartbeat_at": now}
        if done is not None:
            fields["progress_done"] = max(0, int(done))
        if total is not None:
            fields["progress_total"] = max(0, int(total))
        if step is not None:
            fields["step"] = step[:200]
        if _update_held(self.job.pk, self.owner, **fields) != 1:
            raise JobLeaseLost(f"job {self.job.pk}: the lease of {self.owner} was lost")
        for name, value in fields.items():
            setattr(self.job, name, value)


class Heartbeat:
    """Renews a running job's lease from a daemon thread while its handler runs, whether or not the
    handler reports progress: every third of the lease, with the same compare-and-set as
    Progress. It stops when told to (the handler returned or raised), when the lease was lost
    (another worker has the job), or after BULLETIN_JOB_MAX_RUN_SECONDS (a hung handler then
    loses the job as a dead worker does). A beat that fails (SQLite's "database is locked" while
    the handler holds a write transaction, a dropped connection) is logged and tried again at
    the next beat; the thread never fails the job."""

    def __init__(self, job: BackgroundJob, owner: str):
        self.job_id = job.pk
        self.owner = owner
        self.interval = max(lease_seconds() / 3, 0.05)
        self.cap = max_run_seconds()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"job-{job.pk}-heartbeat", daemon=True)

    def start(self) -> Heartbeat:
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop beating and wait for the thread. A beat blocked on the job's row (a handler's
        transaction holding it) is not waited for longer than a lease: once the job is finished
        its compare-and-set no longer matches anything."""
        self._stopped.set()
        self._thread.join(lease_seconds())
        if self._thread.is_alive():
            logger.warning("Job %s: the heartbeat thread did not stop in time; left behind", self.job_id)

    def _run(self) -> None:
        started = last_renewed = time.monotonic()
        try:
            while not self._stopped.wait(self.interval):
                if time.monotonic() - started >= self.cap:
                    logger.warning(
                        "Job %s has run longer than BULLETIN_JOB_MAX_RUN_SECONDS (%s s); its lease is "
                        "no longer renewed and it will count as lost", self.job_id, self.cap,
                    )
                    return
                try:
                    changed = self.beat()
                except Exception:
                    late = time.monotonic() - last_renewed >= lease_seconds() / 2
                    (logger.warning if late else logger.debug)(
                        "Job %s: a heartbeat failed; trying again at the next one", self.job_id, exc_info=True,
                    )
                    with contextlib.suppress(Exception):  # a broken connection: a new one next beat
                        connection.close_if_unusable_or_obsolete()
                    continue
                if changed != 1:
                    logger.warning("Job %s: the heartbeat found the lease of %s lost; stopping it",
                                   self.job_id, self.owner)
                    return
                last_renewed = time.monotonic()
        finally:
            with contextlib.suppress(Exception):
                connection.close()  # this thread's own connection

    def beat(self) -> int:
        now = timezone.now()
        return _update_held(self.job_id, self.owner, lease_until=_lease_until(now), heartbeat_at=now)


def failure_reason(exc: BaseException) -> str:
    """What the progress page says about a failure: a refusal's own Chinese message; otherwise
    the exception's class (the details are in the worker's log, not shown to users)."""
    if isinstance(exc, BulletinError):
        return exc.message
    return f"内部错误（{type(exc).__name__}），详情见后台日志。可以重试。"


def _finish(job: BackgroundJob, owner: str, **fields) -> bool:
    """Finish the job if `owner` still holds its lease; False if another worker has it now."""
    now = timezone.now()
    changed = _update_held(
        job.pk, owner, lease_owner="", lease_until=None, finished_at=now, heartbeat_at=now, **fields,
    )
    if changed != 1:
        logger.warning("Job %s: %s lost its lease; its outcome is discarded", job.pk, owner)
    return changed == 1


def run_job(job_id: int, *, owner: str | None = None) -> str:
    """Claim and run one job; what the task does. Returns what happened (for the task's result)."""
    owner = owner or new_owner()
    job = claim(job_id, owner)
    if job is None:
        return "not claimed"
    progress = Progress(job, owner)
    heartbeat = Heartbeat(job, owner).start()
    try:
        try:
            spec = kind_of(job.kind)
            result = _resolve(spec.handler)(job, progress)
        finally:
            heartbeat.stop()  # the handler returned or raised: no beat once _finish runs
    except JobLeaseLost:
        logger.warning("Job %s: lease lost while running; left to the worker that has it", job.pk)
        return "lease lost"
    except Exception as exc:
        if isinstance(exc, BulletinError):
            logger.warning("Job %s (%s) refused: %s", job.pk, job.kind, exc)
        else:
            logger.exception("Job %s (%s) failed", job.pk, job.kind)
        _finish(job, owner, status=Status.FAILED, failure=failure_reason(exc))
        return "failed"
    result = json.loads(json.dumps(result or {}, default=str))
    total = max(job.progress_total, job.progress_done)
    if _finish(job, owner, status=Status.DONE, result=result, failure="", step="已完成",
               progress_done=total, progress_total=total):
        logger.info("Job %s (%s) done: %s", job.pk, job.kind, result)
        return "done"
    return "lease lost"


@task()
def run_background_job(job_id: int) -> str:
    return run_job(job_id)


# --- lost workers ----------------------------------------------------------------------------


def requeue_lost_jobs() -> list[int]:
    """Queue again the jobs a dead worker left: running under a lease that ran out, or queued
    longer than a lease with no task waiting for them. Returns their ids. Run by the tick."""
    from django_tasks_db.models import DBTaskResult

    now = timezone.now()
    requeued = []
    lost = BackgroundJob.objects.filter(status=Status.RUNNING, lease_until__lt=now).values_list("pk", flat=True)
    for job_id in list(lost):
        with transaction.atomic():
            job = BackgroundJob.objects.select_for_update().filter(pk=job_id).first()
            if job is None or job.status != Status.RUNNING or job.lease_until is None or job.lease_until >= now:
                continue
            if job.attempts >= max_attempts():
                _give_up(job, now)
                continue
            changed = BackgroundJob.objects.filter(pk=job.pk, status=Status.RUNNING, lease_owner=job.lease_owner).update(
                status=Status.QUEUED, lease_owner="", lease_until=None, queued_at=now,
                step="处理它的后台进程已退出，已重新排队",
            )
            if changed != 1:
                continue
            # The dead worker's task row would say RUNNING for ever: mark it failed.
            if job.task_id:
                DBTaskResult.objects.filter(id=job.task_id, status="RUNNING").update(
                    status="FAILED", finished_at=now, exception_class_path="bulletin.jobs.WorkerLost",
                    traceback=f"The worker {job.lease_owner} stopped renewing the lease of job {job.pk}.",
                )
            _enqueue_after_commit(job.pk)
            requeued.append(job.pk)
            logger.warning("Job %s: lease of %s ran out; queued again", job.pk, job.lease_owner)
    stale = now - datetime.timedelta(seconds=lease_seconds())
    waiting = list(BackgroundJob.objects.filter(status=Status.QUEUED, queued_at__lt=stale).only("pk", "task_id"))
    ready = {
        task_id.hex for task_id in DBTaskResult.objects.filter(
            task_path=run_background_job.module_path, status="READY",
        ).values_list("id", flat=True)
    } if waiting else set()
    for job in waiting:
        if job.task_id and uuid.UUID(job.task_id).hex in ready:
            continue  # its task is still waiting for a free worker
        with transaction.atomic():
            if BackgroundJob.objects.filter(pk=job.pk, status=Status.QUEUED, task_id=job.task_id).update(queued_at=now):
                _enqueue_after_commit(job.pk)
                requeued.append(job.pk)
                logger.warning("Job %s: queued without a waiting task; queued again", job.pk)
    return requeued
