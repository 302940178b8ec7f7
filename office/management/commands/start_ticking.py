from django.core.management.base import BaseCommand

from office import periodic


class Command(BaseCommand):
    help = "Queue the worker's periodic task (scheduled publishing, deadline reminders) unless it is queued."

    def handle(self, *args, **options):
        queued = periodic.start_ticking()
        self.stdout.write("已排入定时任务。" if queued else "定时任务已在队列中。")
