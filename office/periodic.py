"""The worker's periodic task: every BULLETIN_TICK_SECONDS (60) it publishes the issues whose
scheduled time has come (a safety net beside the task each schedule queues for its time) and
sends the deadline reminders that are due, and queues again the background jobs whose worker
died mid-run (bulletin.jobs.requeue_lost_jobs). No cron: the task queues its own next run.

`manage.py start_ticking` (run by bin/serve and docker-compose before the worker) queues the
first run unless one is waiting or running. A run that fails still queues the next one.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.utils import timezone
from django_tasks import task
from django_tasks_db.models import DBTaskResult

from bulletin.jobs import requeue_lost_jobs
from bulletin.publishing import publish_due_issues

from . import reminders

logger = logging.getLogger(__name__)


def _waiting(statuses=("READY",)):
    return DBTaskResult.objects.filter(task_path=tick.module_path, status__in=statuses)


def queue_next_tick(*, delay: int | None = None):
    """Queue the next run unless one is already waiting."""
    if _waiting().exists():
        return None
    seconds = settings.BULLETIN_TICK_SECONDS if delay is None else delay
    return tick.using(run_after=timezone.now() + datetime.timedelta(seconds=seconds)).enqueue()


# A run "under way" for longer than this belongs to a worker that was killed mid-run (a run
# takes a second): it no longer keeps start_ticking from queueing a new one.
STALE_RUN = datetime.timedelta(minutes=10)


def start_ticking():
    """Queue a first run now unless a run is waiting or under way."""
    under_way = _waiting(("RUNNING",)).filter(started_at__gte=timezone.now() - STALE_RUN)
    if _waiting().exists() or under_way.exists():
        return None
    return tick.enqueue()


@task()
def tick() -> dict:
    try:
        published = publish_due_issues()
        sent = reminders.send_reminders()
        requeued = requeue_lost_jobs()
        return {"published": [i.pk for i in published], "reminders": len(sent), "requeued_jobs": requeued}
    finally:
        queue_next_tick()
