"""The project's own app config (SiteConfig: its management commands and signal receivers), and
the task queue's app (django-tasks-db) under a Chinese name: the admin's permission lists show
it ("后台任务队列 | 后台任务 | 可以查看后台任务"); its own admin is left out (office/admin.py)."""

from django.apps import AppConfig
from django_tasks_db.apps import TasksAppConfig


class SiteConfig(AppConfig):
    """config/ as an app: `manage.py write_public_pages` and the receiver that keeps the public
    pages' files current (config/public_files.py). No models."""

    name = "config"
    label = "site"
    verbose_name = "站点"

    def ready(self):
        from . import public_files  # noqa: F401  (connects its receiver)


class TaskQueueConfig(TasksAppConfig):
    verbose_name = "后台任务队列"
