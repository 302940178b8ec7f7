"""Settings of the db_worker processes started by tests/integration/test_jobs_worker.py: the
site's own, plus the tests' job kinds (tests/job_handlers.py)."""

from config.settings import *  # noqa: F403
from tests.job_handlers import KINDS

BULLETIN_JOB_KINDS = KINDS
