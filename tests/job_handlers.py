"""Job kinds for the tests of bulletin.jobs (registered with settings.BULLETIN_JOB_KINDS, also by
the worker processes of tests/integration/test_jobs_worker.py, which import this module)."""

import os
import time
from pathlib import Path

from common.errors import BulletinError

KINDS = {
    "test.count": {"label": "测试：数数", "handler": "tests.job_handlers.count", "roles": ("head",)},
    "test.refuse": {"label": "测试：拒绝", "handler": "tests.job_handlers.refuse", "roles": ("head",)},
    "test.crash": {"label": "测试：出错", "handler": "tests.job_handlers.crash", "roles": ("head",)},
    "test.sleep": {"label": "测试：一步很久", "handler": "tests.job_handlers.sleep", "roles": ("head",)},
}


def count(job, progress):
    """Counts to params["steps"], sleeping params["delay"] seconds a step; at the end appends one
    line to params["log"] (if given): what a job's result looks like to the world outside it."""
    steps, delay = int(job.params.get("steps", 3)), float(job.params.get("delay", 0))
    progress(0, steps, "开始数数")
    for done in range(1, steps + 1):
        time.sleep(delay)
        progress(done, steps, f"数到 {done}")
    if job.params.get("log"):
        with Path(job.params["log"]).open("a") as log:
            log.write(f"{job.pk} {os.getpid()}\n")
    return {"counted": steps, "pid": os.getpid()}


def refuse(job, progress):
    """Saves an article's title first, then refuses: the saved change stays."""
    from editorial.models import Article  # not at import time: the worker's settings import KINDS

    progress(0, 1, "先保存一处修改")
    Article.objects.filter(pk=job.params["article"]).update(title="保存过的标题")
    raise BulletinError("第3页的图片无法读取，请重新上传后重试。")


def crash(job, progress):
    progress(0, 1, "马上出错")
    raise ValueError("a bug, with details the user should not read")


def sleep(job, progress):
    """One long step: sleeps params["seconds"] without reporting progress (a big render)."""
    time.sleep(float(job.params["seconds"]))
    return {"slept": job.params["seconds"], "by": "the first run"}
