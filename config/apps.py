"""The task queue's app (django-tasks-db) under a Chinese name: the admin's permission lists show
it ("后台任务队列 | 后台任务 | 可以查看后台任务"); its own admin is left out (office/admin.py)."""

from django_tasks_db.apps import TasksAppConfig


class TaskQueueConfig(TasksAppConfig):
    verbose_name = "后台任务队列"
