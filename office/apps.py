from django.apps import AppConfig


class OfficeConfig(AppConfig):
    name = "office"
    label = "office"
    verbose_name = "编辑部事务"

    def ready(self):
        from . import hooks  # noqa: F401  (connects the notifications to the audit rows)
